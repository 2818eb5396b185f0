//! Checklist templates: everyone sees which exist, from the device's copy
//! (offline too); managers create, copy and edit them. Saving makes a new
//! version on the server; checklists already started keep the items of
//! the version they started from.
//!
//! The editor is a desk page (`desk.rs`) the server draws
//! (`/api/templates/editor`, `advocase_core::checklist::editor`): saving
//! needs the server anyway (it refuses a version someone else saved
//! first), so the form is not compiled into every tablet's download
//! (README, Size). What a manager types is kept on the device as a draft
//! (the form's `data-draft`) until it is saved or cancelled, and shown
//! again, offline too, when the page is opened.

use advocase_core::access::Role;
use advocase_core::checklist::Template;
use advocase_core::checklist::editor::{DRAFT, PAGE};
use leptos::prelude::*;

use crate::app::Handles;
use crate::nav::Nav;
use crate::views::desk::{self, Desk};
use crate::views::html::escape;

static EDITOR: Desk = Desk {
    // A part of the templates page, which has the heading.
    title: "",
    allowed: |r| r == Role::Manager,
    refused: "Managers create and edit templates.",
    path: PAGE,
    keep: None,
    offline: "Editing a template needs the server, which could not be reached: try again when \
online. The templates on this device can still start checklists.",
    first: None,
    answered: Some(answered),
    draft: Some((
        DRAFT,
        "Your unsaved template is back where you left it. Save it, or cancel to discard it.",
    )),
};

/// After a save (`data-saved`) or a refusal because someone saved first
/// (`data-clash`): the device's templates brought up to date, so the list
/// offers (and shows) the newest version.
fn answered(h: Handles, _: Nav, page: web_sys::Element) {
    if !matches!(
        page.query_selector("[data-saved], [data-clash]"),
        Ok(Some(_))
    ) {
        return;
    }
    let Some(token) = h.auth.token() else { return };
    leptos::task::spawn_local(async move {
        // Failing, the list shows the new version after the next sync.
        let _ = h.templates.refresh(&token).await;
    });
}

#[component]
pub fn TemplateList() -> impl IntoView {
    let templates = crate::app::handles().templates;
    let auth = crate::app::handles().auth;
    let store = StoredValue::new(crate::app::base().store);
    let user = StoredValue::new(auth.username());
    let is_manager = auth
        .user_untracked()
        .is_some_and(|u| u.role == Role::Manager);
    let drafted =
        move || store.with_value(|s| user.with_value(|u| desk::kept_draft(s, DRAFT, u).is_some()));
    // The editor's first query; a kept draft is shown instead of asking.
    let editing = RwSignal::new((is_manager && drafted()).then(String::new));
    let open = move |query: String| {
        // One template at a time: never drop an edit without asking.
        if drafted() {
            if !window()
                .confirm_with_message("Discard the template you are editing?")
                .unwrap_or(false)
            {
                return;
            }
            let _ = store.with_value(|s| user.with_value(|u| desk::keep_draft(s, DRAFT, u, None)));
        }
        editing.set(Some(query));
    };
    // The editor's Cancel (its draft is dropped by the desk).
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if crate::views::html::action(&ev).is_some_and(|(act, ..)| act == "discard") {
            editing.set(None);
        }
    };
    let list = move || {
        templates
            .offered()
            .iter()
            .map(|t| row(t, is_manager))
            .collect::<String>()
    };
    view! {
        <div class="page-head">
            <h1>"Checklist templates"</h1>
            {is_manager.then(|| view! {
                <button type="button" class="primary" on:click=move |_| open("new".into())>"New template"</button>
            })}
        </div>
        {(!is_manager).then(|| view! {
            <p class="notice info">"Managers create and edit templates. Checklists already started keep the items they started with."</p>
        })}
        <div on:click=on_click>
            {move || editing.get().map(|q| desk::page_at(&EDITOR, q))}
        </div>
        // Markup with one handler for its buttons (`data-act`: the editor's
        // query, `data-id`: the template), README, Size.
        <ul class="plain template-list"
            on:click=move |ev| {
                if let Some((act, _, id)) = crate::views::html::action(&ev) {
                    open(format!("{act}={id}"));
                }
            }
            inner_html=list>
        </ul>
    }
}

/// A template in the list as markup; managers' Edit and Copy buttons open
/// the editor with `id=` or `copy=` and the template's id.
fn row(t: &Template, is_manager: bool) -> String {
    let name = escape(&t.name);
    let source = if t.source.is_empty() {
        String::new()
    } else {
        format!(r#"<p class="case-meta">Source: {}</p>"#, escape(&t.source))
    };
    let buttons = if is_manager {
        format!(
            r#"<div class="button-row"><button type="button" aria-label="Edit {name}" data-act="id" data-id="{id}">Edit</button><button type="button" aria-label="Copy {name}" data-act="copy" data-id="{id}">Copy</button></div>"#,
            id = t.id
        )
    } else {
        String::new()
    };
    format!(
        r#"<li class="panel" data-testid="template"><h2>{name}</h2><p class="case-meta">{}</p>{source}{buttons}</li>"#,
        escape(&describe(t))
    )
}

/// "Version 2 · 1 section, 13 items, 7 required".
fn describe(t: &Template) -> String {
    let count = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let required = t
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.required)
        .count();
    format!(
        "Version {} · {}, {}, {required} required",
        t.version,
        count(t.sections.len(), "section"),
        count(t.item_count(), "item")
    )
}
