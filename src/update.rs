//! "A new version is ready — reload". The service worker registration in
//! `public/sw-register.js` finds a waiting new build and tells us with the
//! `advocase:update-ready` event (and a `data-update-ready` attribute on
//! `<html>`, in case that happened before the app mounted). Reloading is the
//! person's choice: an update never interrupts someone mid-sentence.

use leptos::prelude::*;

use crate::views::fields::Shown;

pub const READY_EVENT: &str = "advocase:update-ready";
pub const APPLY_EVENT: &str = "advocase:apply-update";

#[component]
pub fn UpdateBanner() -> impl IntoView {
    let already = document()
        .document_element()
        .is_some_and(|root| root.has_attribute("data-update-ready"));
    let (ready, set_ready) = signal(already);
    let handle = window_event_listener_untyped(READY_EVENT, move |_| set_ready.set(true));
    on_cleanup(move || handle.remove());
    let apply = move |_| {
        if let Ok(event) = web_sys::Event::new(APPLY_EVENT) {
            let _ = window().dispatch_event(&event);
        }
    };
    view! {
        <Shown when=Signal::from(ready)>
            <div class="update-banner" role="alert">
                <span>"A new version is ready — reload"</span>
                <button type="button" on:click=apply>"Reload now"</button>
            </div>
        </Shown>
    }
}
