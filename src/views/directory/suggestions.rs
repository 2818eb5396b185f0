//! Corrections waiting for an editor: what a coordinator said is wrong,
//! about which entry, by whom. The editor fixes the entry (its editor is a
//! tap away) and accepts, or rejects with a note. A desk page (`desk.rs`)
//! the server draws (`GET /api/directory/suggestions/page`,
//! `advocase_core::directory::corrections`): the corrections are on the
//! server, so it needs the network.

use advocase_core::access::Role;
use leptos::prelude::*;

use crate::views::desk::{self, Desk};

static CORRECTIONS: Desk = Desk {
    title: "Corrections to the directory",
    allowed: |role| matches!(role, Role::Manager | Role::Admin),
    refused: "Only managers and administrators answer corrections to the directory.",
    path: "/api/directory/suggestions/page",
    // Answered where they are kept.
    keep: None,
    offline: "The corrections are on the server, which could not be reached. Try again when online.",
    first: None,
    answered: None,
    draft: None,
};

#[component]
pub fn Suggestions() -> AnyView {
    desk::page(&CORRECTIONS)
}
