//! Settings for this device: display, what it stores, whether the server
//! answers, and exactly which build is running.

use leptos::prelude::*;

use crate::app::PrefsLoadError;
use crate::network::use_online;
use crate::preferences::{self, Preferences};
use crate::storage::Store;
use crate::{build, server};

#[component]
pub fn Settings() -> impl IntoView {
    let store = use_context::<Store>().unwrap_or_default();
    let load_error = use_context::<PrefsLoadError>().and_then(|e| e.0);
    let (prefs, set_prefs) = signal(preferences::load(&store).0);
    let (save_error, set_save_error) = signal(None::<String>);
    let (usage, set_usage) = signal(store.usage());

    let toggle_large_text = {
        let store = store.clone();
        move |ev| {
            let next = Preferences {
                large_text: event_target_checked(&ev),
                ..prefs.get_untracked()
            };
            match preferences::save(&store, &next) {
                Ok(()) => {
                    preferences::apply(&next);
                    set_prefs.set(next);
                    set_save_error.set(None);
                    set_usage.set(store.usage());
                }
                Err(e) => set_save_error.set(Some(e.to_string())),
            }
        }
    };

    let online = use_online();
    // Re-asked whenever connectivity changes; never blocks the page.
    let health = LocalResource::new(move || {
        let online = online.get();
        async move {
            if online {
                Some(server::health().await)
            } else {
                None
            }
        }
    });

    view! {
        <h1>"Settings"</h1>
        <section class="panel" aria-labelledby="display">
            <h2 id="display">"Display"</h2>
            {load_error.map(|e| view! { <p class="notice warn" role="alert">"Saved display settings were reset: " {e}</p> })}
            <label class="switch">
                <input type="checkbox" prop:checked=move || prefs.get().large_text on:change=toggle_large_text/>
                <span>"Large text"</span>
            </label>
            {move || save_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </section>
        <section class="panel" aria-labelledby="device">
            <h2 id="device">"This device"</h2>
            <dl class="facts">
                <dt>"Stored by Advocase"</dt>
                <dd data-testid="storage-usage">
                    {move || {
                        let u = usage.get();
                        format!("{} entries, {:.1} KB", u.entries, u.bytes as f64 / 1024.0)
                    }}
                </dd>
                <dt>"Connection"</dt>
                <dd>{move || if online.get() { "Online" } else { "Offline: the app keeps working from this device" }}</dd>
                <dt>"Server"</dt>
                <dd data-testid="server-status">
                    {move || match health.get() {
                        None => "Checking…".to_owned(),
                        Some(None) => "Not checked while offline".to_owned(),
                        Some(Some(Ok(h))) => format!("Version {}, database {}", h.version, h.database.status),
                        Some(Some(Err(e))) => e,
                    }}
                </dd>
            </dl>
        </section>
        <section class="panel" aria-labelledby="about">
            <h2 id="about">"About"</h2>
            <dl class="facts">
                <dt>"App version"</dt>
                <dd data-testid="app-version">{build::describe()}</dd>
            </dl>
            <p>"Advocase keeps patient information on this device and on your hospital's server only."</p>
        </section>
    }
}
