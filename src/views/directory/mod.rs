//! The directory (issue 13): whom to ask, offline. Search as you type, an
//! entry's page with its numbers as `tel:` links, corrections from anyone
//! (queued on the device), and for managers and administrators the editor
//! and the corrections to answer.
//!
//! - `mod.rs`: search, the entry's page, the correction form; read-only
//!   entries are markup text (`views/html.rs`), long lists being cheap so;
//! - `edit.rs`: the editor, with the clash when two editors saved (a desk
//!   page the server draws);
//! - `suggestions.rs`: corrections waiting for an editor;
//! - `help.rs`: "Who can help?" on a case.

mod edit;
mod help;
mod suggestions;

use edit::{EditEntry, NewEntry};
pub use help::WhoCanHelp;
use suggestions::Suggestions;

use advocase_core::access::Role;
use advocase_core::directory::Entry;
use advocase_core::directory::wire::Correction;
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::clock;
use crate::session::Auth;
use crate::views::fields::{Control, ErrorSummary, Field, FormState};
use crate::views::html::escape;

/// Entries listed at most, with or without a query: a page a tablet draws
/// at once; the rest is one more word away.
const SHOWN: usize = 50;

/// Whether the signed-in person edits the directory.
fn editor(auth: Auth) -> bool {
    auth.user()
        .is_some_and(|u| matches!(u.role, Role::Manager | Role::Admin))
}

/// The page at `/directory/<rest>`, or `None` for no such page.
pub fn page(rest: &[&str]) -> Option<AnyView> {
    Some(match rest {
        [] => view! { <Search/> }.into_any(),
        ["suggestions"] => view! { <Suggestions/> }.into_any(),
        ["new"] => view! { <NewEntry/> }.into_any(),
        [id, "edit"] => view! { <EditEntry id=id.parse().ok()/> }.into_any(),
        [id] => view! { <EntryPage id=id.parse().ok()/> }.into_any(),
        _ => return None,
    })
}

#[component]
fn Search() -> impl IntoView {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    // Kept while the app is open: back from an entry finds the same list.
    let query = directory.query;
    // The list as markup, and what it says about itself.
    let found = move || {
        let q = query.get();
        let today = clock::today();
        directory.with_live(|live| {
            let all = live.entries.len();
            let picked: Vec<usize> = if q.trim().is_empty() {
                (0..all.min(SHOWN)).collect()
            } else {
                live.index.search(&q).into_iter().take(SHOWN).collect()
            };
            let summary = match (all, q.trim().is_empty(), picked.len()) {
                (0, _, _) => {
                    "The directory on this device is empty. It arrives with the next sync."
                        .to_owned()
                }
                (n, true, k) if n > k => format!("Showing {k} of {n} entries. Type to search."),
                (n, true, _) => format!("{n} entries."),
                (_, false, 0) => format!("Nothing matches “{}”.", q.trim()),
                (_, false, 1) => "1 match.".to_owned(),
                (_, false, k) => format!("{k} matches."),
            };
            let cards: String = picked
                .into_iter()
                .map(|i| card(&live.entries[i], today, &[]))
                .collect();
            (summary, cards)
        })
    };
    let found = Memo::new(move |_| found());
    view! {
        <h1>"Directory"</h1>
        <div class="toolbar">
            <div class="field grow" role="search">
                <label for="directory-search">"Search the directory"</label>
                <input id="directory-search" type="search" autocomplete="off"
                    placeholder="Name, role, topic or department"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
            </div>
            {move || editor(auth).then(|| view! {
                <a href="/directory/new" class="button">"New entry"</a>
                <a href="/directory/suggestions" class="button">"Corrections"</a>
            })}
        </div>
        <p class="muted" role="status" aria-live="polite">{move || found.with(|f| f.0.clone())}</p>
        <ul class="entries" inner_html=move || found.with(|f| f.1.clone())></ul>
    }
}

/// One entry in a list, as markup: its name (to its page), what it is, why
/// it is suggested, and its numbers to tap.
pub fn card(e: &Entry, today: chrono::NaiveDate, why: &[String]) -> String {
    let what = [e.title.as_str(), e.department.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let mut out = format!(
        r#"<li class="entry-card"><p class="entry-name"><a href="/directory/{}">{}</a> <span class="badge">{}</span>{}</p>"#,
        e.id,
        escape(&e.name),
        e.kind.label(),
        if e.unverified(today) {
            r#" <span class="badge warn">Not verified in 180 days</span>"#
        } else {
            ""
        }
    );
    if !what.is_empty() {
        out += &format!("<p>{}</p>", escape(&what));
    }
    if !why.is_empty() {
        out += &format!(r#"<p class="why">{}</p>"#, escape(&why.join(" · ")));
    }
    out += &phones(e);
    out + "</li>"
}

/// The numbers as links a tablet or phone dials, with their type and the
/// languages spoken; a number too short to dial is shown as text.
fn phones(e: &Entry) -> String {
    if e.phones.is_empty() {
        return String::new();
    }
    let mut out = format!(
        r#"<ul class="phones" aria-label="Numbers for {}">"#,
        escape(&e.name)
    );
    for p in &e.phones {
        let number = escape(&p.number);
        let number = match p.tel() {
            Some(tel) => format!(r#"<a class="tel" href="{tel}">{number}</a>"#),
            None => format!(r#"<span class="tel">{number}</span>"#),
        };
        let about = if p.languages.is_empty() {
            p.kind.label().to_owned()
        } else {
            format!("{} · {}", p.kind.label(), escape(&p.languages.join(", ")))
        };
        out += &format!(r#"<li>{number} <span class="muted">{about}</span></li>"#);
    }
    out + "</ul>"
}

#[component]
fn EntryPage(id: Option<Id>) -> impl IntoView {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    move || {
        let Some(stored) = id.and_then(|id| directory.get(id)) else {
            return view! {
                <h1>"Not in the directory"</h1>
                <p>"This entry is not on this device. " <a href="/directory">"Search the directory"</a></p>
            }
            .into_any();
        };
        let e = stored.entry;
        view! {
            <p><a href="/directory">"← Directory"</a></p>
            <h1>{e.name.clone()}</h1>
            <section class="panel" inner_html=facts(&e, clock::today())></section>
            {editor(auth).then(|| view! {
                <p><a href=format!("/directory/{}/edit", e.id) class="button">"Edit entry"</a></p>
            })}
            <CorrectionForm entry=e.id/>
        }
        .into_any()
    }
}

/// Everything an entry says, as markup.
fn facts(e: &Entry, today: chrono::NaiveDate) -> String {
    let handles: Vec<&str> = e
        .case_kinds
        .iter()
        .map(|k| k.label())
        .chain(e.categories.iter().map(|c| c.label()))
        .collect();
    let verified = match e.verified_on {
        Some(d) if e.verified_by.is_empty() => clock::show_date(d),
        Some(d) => format!("{} by {}", clock::show_date(d), e.verified_by),
        None => "Never".into(),
    };
    let units = if e.units.is_empty() {
        "The whole hospital".into()
    } else {
        e.units.join(", ")
    };
    let mut out = String::new();
    if e.retired {
        out += r#"<p class="notice warn">This entry was taken out of the directory.</p>"#;
    }
    if e.unverified(today) {
        out += r#"<p class="notice warn">Nobody has verified this entry in the last 180 days: check the number before relying on it.</p>"#;
    }
    out += &format!(r#"<p><span class="badge">{}</span></p>"#, e.kind.label());
    out += &phones(e);
    out += r#"<dl class="facts">"#;
    for (k, v) in [
        ("Title or role", e.title.as_str()),
        ("Department", &e.department),
        ("Units served", &units),
        ("Hours", &e.hours),
        ("On call", &e.on_call),
        ("Ask about", &e.topics),
        ("Handles", &handles.join(", ")),
        ("Notes", &e.notes),
        ("Verified", &verified),
    ] {
        if !v.is_empty() {
            out += &format!("<dt>{k}</dt><dd>{}</dd>", escape(v));
        }
    }
    out + "</dl>"
}

/// "This number is wrong": kept on the device at once, sent with sync.
#[component]
fn CorrectionForm(entry: Id) -> impl IntoView {
    let directory = crate::app::handles().directory;
    let auth = crate::app::handles().auth;
    let sync = crate::app::handles().sync;
    let text = RwSignal::new(String::new());
    let form = FormState::new("correction");
    let sent = RwSignal::new(false);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let correction = Correction {
            id: clock::new_id(),
            entry,
            text: text.get_untracked().trim().to_owned(),
        };
        if let Err(p) = correction.check() {
            form.invalid(p);
            return;
        }
        match directory.correct(&auth.username(), correction) {
            Ok(()) => {
                form.clear();
                text.set(String::new());
                sent.set(true);
                sync.soon();
            }
            Err(e) => form.fail(e),
        }
    };
    let waiting = move || {
        directory
            .queued
            .with(|q| q.iter().filter(|c| c.entry == entry).count())
    };
    view! {
        <section class="panel" aria-labelledby="correction-title">
            <h2 id="correction-title">"Suggest a correction"</h2>
            <form on:submit=send novalidate>
                <ErrorSummary form/>
                <Field form name="text" label="What is wrong?" control=Control::TextArea(3)
                    value=text set=move |v| text.set(v)/>
                <div class="form-actions"><button type="submit">"Send correction"</button></div>
            </form>
            <p role="status" aria-live="polite">
                {move || match (sent.get(), waiting()) {
                    (_, 0) if sent.get() => "Sent to the directory's editors.".to_owned(),
                    (_, 0) => String::new(),
                    (_, n) => format!("{n} correction{} kept on this device: sent to the editors with the next sync.", if n == 1 { "" } else { "s" }),
                }}
            </p>
        </section>
    }
}
