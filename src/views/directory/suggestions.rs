//! Corrections waiting for an editor: what a coordinator said is wrong,
//! about which entry, by whom. The editor fixes the entry (its editor is a
//! tap away) and accepts, or rejects with a note. Online only: the
//! corrections are on the server. The list is markup (`views/html.rs`),
//! its buttons answered by one listener.

use advocase_core::directory::wire::{Decide, Suggestion};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::server::{self, Failure};
use crate::views::html::{FormValues, escape};

fn row(s: &Suggestion) -> String {
    let id = s.correction.id;
    let entry = s.correction.entry;
    let at = chrono::DateTime::from_timestamp_millis(s.at_ms).unwrap_or_default();
    format!(
        r#"<li class="entry-card"><form aria-label="Correction to {name}"><p class="entry-name"><a href="/directory/{entry}">{name}</a></p><p>“{text}” — {by}, {at}</p><p><a class="button" href="/directory/{entry}/edit">Edit the entry</a></p><div class="field"><label for="note-{id}">Note for {by} (optional)</label><input id="note-{id}" name="note" type="text"></div><div class="form-actions"><button type="button" class="primary" data-decide="accept" data-id="{id}">Accept</button><button type="button" data-decide="reject" data-id="{id}">Reject</button></div></form></li>"#,
        name = escape(&s.entry_name),
        text = escape(&s.correction.text),
        by = escape(&s.by),
        at = crate::clock::show_recent(at),
    )
}

#[component]
pub fn Suggestions() -> impl IntoView {
    let auth = crate::app::handles().auth;
    let list = RwSignal::new(None::<Result<String, String>>);
    let problem = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            let got =
                server::get::<Vec<Suggestion>>(Some(&token), "/api/directory/suggestions").await;
            list.set(Some(match got {
                Ok(l) => Ok(l.iter().map(row).collect()),
                Err(Failure::Unreachable) => Err("The corrections are on the server, which could not be reached. Try again when online.".to_owned()),
                Err(f) => Err(f.message()),
            }));
        });
    };
    load();
    let decide = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .filter(|b| b.has_attribute("data-decide"))
        else {
            return;
        };
        let accept = button.get_attribute("data-decide").as_deref() == Some("accept");
        let id = button.get_attribute("data-id").unwrap_or_default();
        let note = FormValues::of(&button)
            .map(|v| v.text("note"))
            .unwrap_or_default();
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            let path = format!("/api/directory/suggestions/{id}");
            match server::send::<_, Suggestion>(
                "POST",
                Some(&token),
                &path,
                &Decide { accept, note },
            )
            .await
            {
                Ok(_) => {
                    problem.set(None);
                    load();
                }
                Err(f) => problem.set(Some(f.message())),
            }
        });
    };
    view! {
        <p><a href="/directory">"← Directory"</a></p>
        <h1>"Corrections to the directory"</h1>
        {move || problem.get().map(|p| view! { <p class="notice error" role="alert">{p}</p> })}
        {move || match list.get() {
            None => view! { <p role="status">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
            Some(Ok(l)) if l.is_empty() => view! { <p role="status">"No correction is waiting."</p> }.into_any(),
            Some(Ok(l)) => view! { <ul class="entries" on:click=decide inner_html=l></ul> }.into_any(),
        }}
    }
}
