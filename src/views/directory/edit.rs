//! The directory's editor, for managers and administrators: a new entry,
//! an entry edited, and the clash when a save crossed another editor's. A
//! desk page (`desk.rs`) the server draws (`/api/directory/editor`,
//! `advocase_core::directory::editor`): saving needs the server anyway (it
//! merges the save with any made since the form was opened), so the form
//! and its clash view are not compiled into every tablet's download
//! (README, Size). Reading the directory stays offline, from the device's
//! copy; after a save that copy is brought up to date before the entry,
//! drawn from it, is opened.

use advocase_core::access::Role;
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::app::Handles;
use crate::nav::Nav;
use crate::views::desk::{self, Desk};

const REFUSED: &str = "Only managers and administrators edit the directory.";
const OFFLINE: &str = "Editing the directory needs the server, which could not be reached: \
try again when online. The directory on this device can still be searched and read.";
const NOT_COPIED: &str = "This device's copy of the directory could not be brought up to date \
just now: the entry shows the change after the next sync.";

fn editor(role: Role) -> bool {
    matches!(role, Role::Manager | Role::Admin)
}

/// The two pages differ in their heading only.
const FORM: Desk = Desk {
    title: "New directory entry",
    allowed: editor,
    refused: REFUSED,
    path: advocase_core::directory::editor::PAGE,
    // Saved where it is merged: no copy kept.
    keep: None,
    offline: OFFLINE,
    first: None,
    answered: Some(answered),
    draft: None,
};

static NEW: Desk = FORM;
static EDIT: Desk = Desk {
    title: "Edit directory entry",
    ..FORM
};

/// After a save (`data-saved`): the device's copy of the directory brought
/// up to date, so the entry opened shows what was saved, offline too.
fn answered(h: Handles, nav: Nav, page: web_sys::Element) {
    let Ok(Some(done)) = page.query_selector("[data-saved]") else {
        return;
    };
    let id = done.get_attribute("data-saved").unwrap_or_default();
    let Some(token) = h.auth.token() else { return };
    leptos::task::spawn_local(async move {
        match h.directory.catch_up(&token).await {
            Ok(()) => nav.go(&format!("/directory/{id}")),
            Err(_) => {
                let _ = done.insert_adjacent_html(
                    "afterend",
                    &format!(r#"<p class="notice warn">{NOT_COPIED}</p>"#),
                );
            }
        }
    });
}

#[component]
pub fn NewEntry() -> AnyView {
    desk::page(&NEW)
}

#[component]
pub fn EditEntry(id: Option<Id>) -> AnyView {
    let id = id.map(|id| id.to_string()).unwrap_or_default();
    // Not an id: the server says the entry is not in the directory.
    desk::page_at(
        &EDIT,
        format!("id={}", if id.is_empty() { "-" } else { &id }),
    )
}
