//! The Advocase client: a thin Leptos UI over `advocase-core`, keeping its
//! state in the browser so that it works with no network at all.
//!
//! Start reading at [`app`]; browser-facing pieces each have their module:
//! [`gate`] (sign-in, PIN lock) with [`vault`] (the keys), [`network`]
//! (online or not), [`storage`] (localStorage, sealed), [`update`] (the
//! service worker's "new version" signal), [`server`] (the JSON API).

pub mod app;
pub mod audit;
pub mod build;
pub mod cases;
pub mod clock;
pub mod colleagues;
pub mod directory;
pub mod gate;
pub mod hospital;
pub mod idle;
pub mod journal;
pub mod live;
pub mod my_day;
pub mod nav;
pub mod network;
pub mod notify;
pub mod preferences;
pub mod server;
pub mod session;
pub mod storage;
pub mod sync;
pub mod templates;
pub mod update;
pub mod vault;
pub mod views;

/// Mounts the app on `<body>`; called once by the generated JS glue.
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
