//! Desk pages: pages the server draws as markup and the app only shows
//! (the report, the Access log, Accounts). Their work needs the server anyway, and
//! drawing them here would compile their types and a view per piece into
//! every tablet's download (README, Size).
//!
//! What a page's markup may hold, and what this view does with it
//! (docs/ARCHITECTURE.md, "Desk pages"):
//! - `<form data-get>`: the page asked for again with the form's fields as
//!   its query (the filters, the period, "Show older");
//! - `<form data-post="/api/…" [data-method="PUT"]>`: the form's data sent
//!   there as the browser writes it (multipart), then the page again (the
//!   answer itself when it is HTML: the page, saying what was done);
//! - `<button type="button" data-act="send" data-id="…" [form="…"]>`: its
//!   form (the one it names, else the one it is in) sent as above, with
//!   `do` set to the button's `data-id` (the structure page's actions);
//! - `<form data-post … data-into="id">`: its HTML answer replaces the
//!   element with that id, not the page (a section of its own);
//! - `autofocus` on what a page's answer wants focused;
//! - `<button data-act="export" data-id="/api/….csv" [data-file]>`: that
//!   download, with the query of the page shown; `data-act="print"`;
//! - `.desk-result`: what a page shows of its data, hidden when a page
//!   that is not kept on the device cannot be asked for again;
//! - `<form data-draft="name">`: what is typed in it kept on the device as
//!   a draft (the form as it stands, sealed, per person) on every change
//!   and after each answer that draws it again; shown instead of asking
//!   for the page while one is kept (the desk's `draft` notice over it);
//!   dropped when an answer no longer holds the form (saved) or by a
//!   `data-act="discard"` button;
//! - `data-confirm="question"` on a send button: asked first;
//! - anything else a desk's own `answered` hook looks for in a page just
//!   shown (the entry editor's `data-saved`: the device's copy of the
//!   directory brought up to date, then the entry opened).
//!
//! A refusal naming a field marks that field of the form sent; any other
//! message goes to the top of the form, or of the page.

use advocase_core::access::Role;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::server::{self, Failure};
use crate::storage::{StorageError, Store};
use crate::views::access_log::save_csv;
use crate::views::html::{action, escape};

/// One desk page.
pub struct Desk {
    /// The page's heading; empty for a part of another page (Settings'
    /// hospital numbers), whose markup has its own.
    pub title: &'static str,
    /// Who may open it (the server decides again), and what others read.
    pub allowed: fn(Role) -> bool,
    pub refused: &'static str,
    /// Where the page is drawn (`GET`, with the query asked for).
    pub path: &'static str,
    /// The store key of the copy kept on the device, sealed like every
    /// record with patient data (readable offline, erased at sign-out),
    /// and what the page says over that copy.
    pub keep: Option<(&'static str, &'static str)>,
    /// When the page cannot be reached.
    pub offline: &'static str,
    /// Shown before the first page when no copy is kept; `None`: the page
    /// is asked for at once.
    pub first: Option<fn() -> String>,
    /// Called with the page's element after each answer is shown: for a
    /// desk whose answers the device acts on (the entry editor's save).
    pub answered: Option<fn(crate::app::Handles, crate::nav::Nav, web_sys::Element)>,
    /// The `data-draft` name of the page's form whose draft is kept, and
    /// what the page says over a draft shown again.
    pub draft: Option<(&'static str, &'static str)>,
}

/// Where the draft of form `name` is kept for `user`.
fn draft_key(name: &str, user: &str) -> String {
    format!("draft.{name}.{user}")
}

/// The draft of form `name` kept for `user`: the form's markup as it stood.
pub fn kept_draft(store: &Store, name: &str, user: &str) -> Option<String> {
    store.read(&draft_key(name, user)).ok().flatten()
}

/// Keeps (or with `None` drops) the draft of form `name` for `user`.
pub fn keep_draft(
    store: &Store,
    name: &str,
    user: &str,
    form: Option<&str>,
) -> Result<(), StorageError> {
    let key = draft_key(name, user);
    match form {
        Some(html) => store.set_raw(&key, html).map(|_| ()),
        None => {
            store.remove(&key);
            Ok(())
        }
    }
}

/// The form's markup with what is typed in it (values, ticks, choices
/// written into their attributes), less the desk's own messages.
fn snapshot(form: &web_sys::Element) -> String {
    if let Ok(all) = form.query_selector_all("input, select option, textarea") {
        for i in 0..all.length() {
            let Some(node) = all.item(i) else { continue };
            if let Some(input) = node.dyn_ref::<web_sys::HtmlInputElement>() {
                if matches!(input.type_().as_str(), "checkbox" | "radio") {
                    let _ = input.toggle_attribute_with_force("checked", input.checked());
                } else {
                    let _ = input.set_attribute("value", &input.value());
                }
            } else if let Some(option) = node.dyn_ref::<web_sys::HtmlOptionElement>() {
                let _ = option.toggle_attribute_with_force("selected", option.selected());
            } else if let Some(area) = node.dyn_ref::<web_sys::HtmlTextAreaElement>() {
                area.set_text_content(Some(&area.value()));
            }
        }
    }
    let html = form.outer_html();
    match html.find(r#"<p class="notice error desk-alert""#) {
        Some(at) => {
            let end = html[at..].find("</p>").map_or(html.len(), |e| at + e + 4);
            format!("{}{}", &html[..at], &html[end..])
        }
        None => html,
    }
}

const NOTE: &str = "desk-note";
const BODY: &str = "desk-body";
const COPY: &str = "This is the copy kept on this device: show the page again online to change it.";
const NOT_SAVED: &str = "This needs the server, which could not be reached: nothing was saved, \
and what you typed is still here.";
const DRAFT_NOT_SAVED: &str = "This needs the server, which could not be reached: nothing was \
saved. Your draft stays on this device; save again when online.";
const NO_EXPORT: &str = "The export needs the server, which could not be reached.";

/// What a request is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Page,
    Note,
    Export,
}

fn alert(text: &str) -> String {
    format!(
        r#"<p class="notice error desk-alert" role="alert">{}</p>"#,
        escape(text)
    )
}

/// Clears what the last answer marked in `form`: its message, and every
/// field marked invalid.
fn clear(form: &web_sys::Element) {
    while let Ok(Some(old)) = form.query_selector(".field-error, .desk-alert") {
        old.remove();
    }
    while let Ok(Some(e)) = form.query_selector("[aria-invalid]") {
        let _ = e.remove_attribute("aria-invalid");
        let _ = e.remove_attribute("aria-describedby");
    }
}

/// Shows `message` in `form`: under the control named `field` (marked
/// invalid, described by it and focused), or at the form's top.
fn mark(form: &web_sys::Element, field: Option<&str>, message: &str) {
    clear(form);
    let control = field.and_then(|name| {
        form.query_selector(&format!("[name=\"{}\"]", name.replace('"', "")))
            .ok()
            .flatten()
    });
    let Some(control) = control else {
        let _ = form.insert_adjacent_html("afterbegin", &alert(message));
        return;
    };
    let id = format!("{}-error", control.id());
    let _ = control.set_attribute("aria-invalid", "true");
    let _ = control.set_attribute("aria-describedby", &id);
    let _ = control.insert_adjacent_html(
        "afterend",
        &format!(
            r#"<p class="field-error" id="{id}">{}</p>"#,
            escape(message)
        ),
    );
    if let Some(c) = control.dyn_ref::<web_sys::HtmlElement>() {
        let _ = c.focus();
    }
}

/// The form `el` sends: itself, the form its `form` attribute names, or
/// the one it is in.
fn owner(el: &web_sys::Element) -> Option<web_sys::HtmlFormElement> {
    if let Some(f) = el.dyn_ref::<web_sys::HtmlFormElement>() {
        return Some(f.clone());
    }
    el.get_attribute("form")
        .and_then(|id| document().get_element_by_id(&id))
        .or_else(|| el.closest("form").ok().flatten())
        .and_then(|f| f.dyn_into().ok())
}

/// Focuses what the page just shown asks to be (`autofocus`).
fn focus_asked() {
    if let Ok(Some(e)) = document().query_selector(&format!("#{BODY} [autofocus]"))
        && let Some(e) = e.dyn_ref::<web_sys::HtmlElement>()
    {
        let _ = e.focus();
    }
}

/// The desk page `desk`, for the person signed in.
pub fn page(desk: &'static Desk) -> AnyView {
    page_at(desk, String::new())
}

/// The desk page `desk`, first asked for with `query` (the entry editor's
/// `id=…`) unless a kept copy is shown.
pub fn page_at(desk: &'static Desk, query: String) -> AnyView {
    let handles = crate::app::handles();
    let nav = crate::app::base().nav;
    let auth = handles.auth;
    let title = desk.title;
    if !auth
        .user_untracked()
        .is_some_and(|u| (desk.allowed)(u.role))
    {
        return view! {
            {(!title.is_empty()).then(|| view! { <h1>{title}</h1> })}
            <p class="notice warn">{desk.refused}</p>
        }
        .into_any();
    }
    // Taken here: there is no context inside the request's future.
    let store = StoredValue::new(crate::app::base().store);
    let user = StoredValue::new(auth.username());
    let draft = desk.draft.and_then(|(name, notice)| {
        store
            .with_value(|s| user.with_value(|u| kept_draft(s, name, u)))
            .map(|html| (notice, html))
    });
    // Kept as the page's query, a new line, the page.
    let stored = desk
        .keep
        .and_then(|(k, _)| store.with_value(|s| s.read(k).ok().flatten()))
        .and_then(|kept| {
            let (q, html) = kept.split_once('\n')?;
            Some((q.to_owned(), html.to_owned()))
        });
    // The page shown is this device's copy, not the server's answer just now.
    let from_copy = StoredValue::new(stored.is_some());
    // The query of the page shown.
    let shown = StoredValue::new(query.clone());
    // One request at a time.
    let busy = StoredValue::new(false);
    let element = |id: &str| document().get_element_by_id(id);
    let note = move |html: String| {
        if let Some(el) = element(NOTE) {
            el.set_inner_html(&html);
        }
    };
    let show = move |html: &str| {
        if let Some(el) = element(BODY) {
            el.set_inner_html(&body(desk, html, from_copy.get_value()));
        }
    };
    // Keeps the page's draft form as it stands, or drops it when the page
    // no longer holds one (saved).
    let keep = move || {
        let Some((name, _)) = desk.draft else { return };
        let form = element(BODY).and_then(|b| {
            b.query_selector(&format!("form[data-draft=\"{name}\"]"))
                .ok()
                .flatten()
        });
        let html = form.as_ref().map(snapshot);
        let kept =
            store.with_value(|s| user.with_value(|u| keep_draft(s, name, u, html.as_deref())));
        if let Err(e) = kept {
            note(alert(&format!(
                "The draft could not be kept on this device: {e}"
            )));
        }
    };

    // Every request, one at a time, through one future: a page, one of the
    // page's forms (sent as the form's own data, then the page again), or
    // an export to download.
    let request =
        move |want: Want, method: String, path: String, form: Option<web_sys::Element>| {
            let Some(token) = auth.token() else {
                return note(alert("Sign in again to open this page."));
            };
            if busy.get_value() {
                return;
            }
            // Offline, not even tried (the browser would log the failure).
            let offline = !window().navigator().on_line();
            busy.set_value(true);
            leptos::task::spawn_local(async move {
                let token = Some(token.as_str());
                // A form's data goes as the browser writes it (multipart, with
                // the boundary in the header it sets).
                let sent = form.as_ref().filter(|_| want == Want::Note);
                let owner = sent.and_then(owner);
                let data = owner
                    .as_ref()
                    .and_then(|f| web_sys::FormData::new_with_form(f).ok());
                // A button's action goes with its form's fields.
                if let (Some(d), Some(b)) = (
                    &data,
                    sent.filter(|b| b.dyn_ref::<web_sys::HtmlFormElement>().is_none()),
                ) && let Some(act) = b.get_attribute("data-id")
                {
                    let _ = d.append_with_str("do", &act);
                }
                let into = owner.as_ref().and_then(|f| f.get_attribute("data-into"));
                let drafted = owner.is_some_and(|f| f.has_attribute("data-draft"));
                let mut result = if offline {
                    Err(Failure::Unreachable)
                } else {
                    server::fetch(
                        &method,
                        token,
                        &path,
                        data.as_ref().map(|d| ("", d.as_ref())),
                    )
                    .await
                };
                // A form answered with the page itself (the Accounts page,
                // saying what was done) is shown as it is; any other answer
                // asks for the page again.
                let drawn = result.as_ref().is_ok_and(|r| {
                    r.headers()
                        .get("content-type")
                        .ok()
                        .flatten()
                        .is_some_and(|t| t.starts_with("text/html"))
                });
                if want == Want::Note && result.is_ok() && !drawn {
                    let again = format!(
                        "{}?{}",
                        desk.path,
                        shown.try_get_value().unwrap_or_default()
                    );
                    result = server::fetch("GET", token, &again, None).await;
                }
                // The page was left while its answer came (back twice in a
                // row): nothing is left to show it in, and reading its values
                // would panic.
                if busy.try_set_value(false).is_some() {
                    return;
                }
                let failure = match result {
                    Ok(response) if want == Want::Export => {
                        let file = form
                            .as_ref()
                            .and_then(|b| b.get_attribute("data-file"))
                            .unwrap_or_else(|| {
                                let name = path.split('?').next().unwrap_or_default();
                                name.rsplit('/').next().unwrap_or_default().to_owned()
                            });
                        save_csv(response, &file).await.err()
                    }
                    Ok(response) => match server::text(&response).await {
                        Ok(html) if want == Want::Note && into.is_some() => {
                            let part = into.as_deref().and_then(element);
                            if let Some(part) = part {
                                part.set_outer_html(&html);
                            }
                            focus_asked();
                            None
                        }
                        Ok(html) => {
                            note(String::new());
                            if want == Want::Page {
                                shown
                                    .set_value(path.split_once('?').map_or("", |q| q.1).to_owned());
                            }
                            if let Some((key, _)) = desk.keep {
                                let kept = format!("{}\n{html}", shown.get_value());
                                let _ = store.with_value(|s| s.set_raw(key, &kept));
                            }
                            from_copy.set_value(false);
                            show(&html);
                            if want == Want::Note {
                                keep();
                            }
                            focus_asked();
                            if let (Some(hook), Some(el)) = (desk.answered, element(BODY)) {
                                hook(handles, nav, el);
                            }
                            None
                        }
                        Err(f) => Some(f),
                    },
                    Err(f) => Some(f),
                };
                let (field, message) = match failure {
                    None => return,
                    Some(Failure::Unreachable) => {
                        if want == Want::Page && desk.keep.is_none() {
                            // Rows no longer matching what the form says.
                            let results = document().get_elements_by_class_name("desk-result");
                            for i in 0..results.length() {
                                if let Some(el) = results.item(i) {
                                    let _ = el.set_attribute("hidden", "");
                                }
                            }
                        }
                        (
                            None,
                            match want {
                                Want::Page => desk.offline.to_owned(),
                                Want::Note if drafted => DRAFT_NOT_SAVED.to_owned(),
                                Want::Note => NOT_SAVED.to_owned(),
                                Want::Export => NO_EXPORT.to_owned(),
                            },
                        )
                    }
                    Some(Failure::Refused { error: e, .. }) => (e.field, e.message),
                };
                // In the form sent (an export button's own form), else on top.
                match form.and_then(|f| f.closest("form").ok().flatten()) {
                    Some(f) => mark(&f, field.as_deref(), &message),
                    None if want == Want::Page => note(format!(
                        r#"{}<button type="button" data-act="retry">Try again</button>"#,
                        alert(&message)
                    )),
                    None => note(alert(&message)),
                }
            });
        };
    let load = move |q: String, form: Option<web_sys::Element>| {
        request(Want::Page, "GET".into(), format!("{}?{q}", desk.path), form)
    };

    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((act, _, id)) = action(&ev) else {
            return;
        };
        let button = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("[data-act]").ok().flatten());
        match act.as_str() {
            "print" => {
                let _ = window().print();
            }
            "export" => request(
                Want::Export,
                "GET".into(),
                format!("{id}?{}", shown.get_value()),
                button,
            ),
            "retry" => load(shown.get_value(), None),
            "discard" => {
                if let Some((name, _)) = desk.draft {
                    let _ = store.with_value(|s| user.with_value(|u| keep_draft(s, name, u, None)));
                }
                if let Some(el) = element(BODY) {
                    el.set_inner_html("");
                }
            }
            "send" => {
                let Some(b) = button else { return };
                if let Some(question) = b.get_attribute("data-confirm")
                    && !window().confirm_with_message(&question).unwrap_or(false)
                {
                    return;
                }
                let Some(f) = owner(&b) else { return };
                if from_copy.get_value() {
                    return mark(&f, None, COPY);
                }
                let method = f
                    .get_attribute("data-method")
                    .unwrap_or_else(|| "POST".into());
                let path = f.get_attribute("data-post").unwrap_or_default();
                request(Want::Note, method, path, Some(b));
            }
            _ => {}
        }
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
        else {
            return;
        };
        clear(&form);
        if form.has_attribute("data-get") {
            // As typed: the server reads the fields and names the one at
            // fault (empty ones are ignored).
            let q = web_sys::FormData::new_with_form(&form)
                .and_then(|d| web_sys::UrlSearchParams::new_with_str_sequence_sequence(&d))
                .map(|p| String::from(p.to_string()))
                .unwrap_or_default();
            return load(q, Some(form.into()));
        }
        if from_copy.get_value() {
            return mark(&form, None, COPY);
        }
        let Some(path) = form.get_attribute("data-post") else {
            return;
        };
        let method = form
            .get_attribute("data-method")
            .unwrap_or_else(|| "POST".into());
        request(Want::Note, method, path, Some(form.into()));
    };

    // Typing in a draft form keeps it.
    let on_input = move |ev: leptos::ev::Event| {
        let drafted = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|t| t.closest("form[data-draft]").ok().flatten());
        if drafted.is_some() {
            keep();
        }
    };

    let (notice, draft) = draft.unzip();
    let markup = format!(
        r#"<div id="{NOTE}">{}</div><div id="{BODY}" class="desk-page">{}</div>"#,
        notice
            .map(|n| format!(r#"<p class="notice warn" role="status">{n}</p>"#))
            .unwrap_or_default(),
        match (draft, stored, desk.first) {
            // A draft kept on the device, shown as it was left.
            (Some(html), ..) => html,
            // Shown at once, and asked for again when online: the copy is
            // only what the page was when it was last opened.
            (None, Some((q, html)), _) => {
                if window().navigator().on_line() {
                    shown.set_value(q.clone());
                    load(q, None);
                }
                body(desk, &html, true)
            }
            (None, None, Some(first)) => first(),
            (None, None, None) => {
                load(query, None);
                String::new()
            }
        }
    );
    view! {
        {(!title.is_empty()).then(|| view! { <h1>{title}</h1> })}
        <div on:click=on_click on:submit=on_submit on:input=on_input on:change=on_input inner_html=markup></div>
    }
    .into_any()
}

/// The page, after the desk's notice when it is this device's copy.
fn body(desk: &Desk, html: &str, copy: bool) -> String {
    match desk.keep {
        Some((_, notice)) if copy => {
            format!(r#"<p class="notice info no-print">{notice}</p>{html}"#)
        }
        _ => html.to_owned(),
    }
}
