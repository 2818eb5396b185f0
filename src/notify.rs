//! The Notification API, while the app runs, for follow-ups that come due
//! (see `my_day`). Only if the coordinator turned it on in Settings and the
//! browser allows it. A notification can show on a locked screen, so it
//! says that something is due and never whose or what: that is read in the
//! app, behind its PIN.

use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Whether the browser has this API at all (not on every tablet browser).
pub fn available() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false)
}

pub fn allowed() -> bool {
    available() && Notification::permission() == NotificationPermission::Granted
}

/// Asks the browser; `done(true)` once allowed.
pub fn ask(done: impl FnOnce(bool) + 'static) {
    if !available() {
        return done(false);
    }
    let Ok(promise) = Notification::request_permission() else {
        return done(false);
    };
    leptos::task::spawn_local(async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        done(allowed());
    });
}

/// `n` follow-ups came due.
pub fn due(n: usize) {
    let on = leptos::prelude::use_context::<crate::app::Base>()
        .is_some_and(|b| leptos::prelude::WithUntracked::with_untracked(&b.prefs, |p| p.notify));
    if n == 0 || !on || !allowed() {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(if n == 1 {
        "A follow-up is due. Open Advocase to see it."
    } else {
        "Follow-ups are due. Open Advocase to see them."
    });
    options.set_tag("advocase-due");
    let _ = Notification::new_with_options("Advocase", &options);
}
