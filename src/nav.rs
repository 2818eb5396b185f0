//! Navigation inside the app: the current path as a signal, links followed
//! without a reload, Back and Forward.
//!
//! Written here rather than taken from leptos_router: pages are matched by
//! one `match` (app.rs `page`), so all the app needs from a router is the
//! path. The router's `<A>` component was compiled once per link, with an
//! `attr:` spread each, which cost about 14 KB brotli (README, Size).
//! Links stay plain `<a href="/…">`, so they work in markup text too
//! (views/html.rs) and open in a new tab as any link does.

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The path shown, without query or fragment. Provided by [`start`].
#[derive(Clone, Copy)]
pub struct Nav {
    pub path: RwSignal<String>,
}

impl Nav {
    /// Takes the address bar's path; the page is redrawn only if it changed
    /// (a link to the page shown keeps what is typed in it).
    fn show(self) {
        let now = shown();
        if self.path.with_untracked(|p| *p != now) {
            self.path.set(now);
        }
    }

    /// Shows the page at `href` ("/cases/…"), as a new step of the history,
    /// from its top.
    pub fn go(self, href: &str) {
        let window = window();
        if let Ok(history) = window.history() {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(href));
        }
        window.scroll_to_with_x_and_y(0.0, 0.0);
        self.show();
    }

    /// The path, tracked.
    pub fn path(&self) -> String {
        self.path.get()
    }
}

/// Whether a link to `href` is to the page at `path` (or, but for "/", to
/// a page under it).
pub fn is_current(path: &str, href: &str) -> bool {
    let under = href != "/"
        && path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'));
    path == href || under
}

/// Follows clicks on links to the app's own pages, and Back and Forward.
/// Called once, by the app's root.
pub fn start() -> Nav {
    let nav = Nav {
        path: RwSignal::new(shown()),
    };
    // One listener for every link there is or will be, markup text included.
    window_event_listener(ev::click, move |e: web_sys::MouseEvent| {
        let plain = e.button() == 0
            && !(e.default_prevented()
                || e.meta_key()
                || e.ctrl_key()
                || e.shift_key()
                || e.alt_key());
        if !plain {
            return;
        }
        let Some(link) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        let href = link.get_attribute("href").unwrap_or_default();
        // Only the app's own absolute paths: not tel:, other sites, "#main",
        // or links meant for a new tab or a download.
        let own = href.starts_with('/') && !href.starts_with("//");
        if own && !link.has_attribute("target") && !link.has_attribute("download") {
            e.prevent_default();
            nav.go(&href);
        }
    });
    window_event_listener(ev::popstate, move |_| nav.show());
    nav
}

/// The address bar's path.
fn shown() -> String {
    window()
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".to_owned())
}
