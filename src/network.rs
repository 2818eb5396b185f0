//! Whether this device believes it is online, from `navigator.onLine` and the
//! window's `online`/`offline` events. "Online" means a network interface is
//! up, not that the server answers: the sync status says the latter.

use leptos::ev;
use leptos::prelude::*;

/// The shared online signal, provided once by the app.
#[derive(Clone, Copy)]
pub struct Online(pub ReadSignal<bool>);

/// Starts watching the browser's connectivity for the life of the owner.
pub fn watch() -> Online {
    let initial = window().navigator().on_line();
    let (online, set_online) = signal(initial);
    let up = window_event_listener(ev::online, move |_| set_online.set(true));
    let down = window_event_listener(ev::offline, move |_| set_online.set(false));
    on_cleanup(move || {
        up.remove();
        down.remove();
    });
    Online(online)
}

/// The app-wide signal if one is provided, else a private one.
pub fn use_online() -> ReadSignal<bool> {
    use_context::<Online>().unwrap_or_else(watch).0
}

/// "Online" or "Offline" in the header; announced politely when it changes.
#[component]
pub fn OnlineIndicator() -> impl IntoView {
    let online = use_online();
    view! {
        <p class="net-status" class:offline=move || !online.get() role="status" aria-live="polite" aria-label="Connection">
            <span class="net-dot" aria-hidden="true"></span>
            <span class="net-label">{move || if online.get() { "Online" } else { "Offline" }}</span>
        </p>
    }
}
