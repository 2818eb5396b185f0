//! The hospital's structure, for administrators (issue 13): units and
//! departments, the directory as CSV, and mapping the unit texts of
//! existing cases and accounts. A desk page (`desk.rs`) the server draws
//! (`GET /api/structure/page`, `advocase_core::directory::page`): the
//! server keeps all of it and an administrator edits it at a desk, so it
//! needs the network, and drawn here it cost every tablet's download about
//! 15 KB brotli (README, Size). Every action sends the units form as typed
//! and the answer keeps it, so nothing typed is lost; offline, the desk
//! says that nothing was sent and the form stays as it is.

use advocase_core::access::Role;
use leptos::prelude::*;

use crate::views::desk::{self, Desk};

static STRUCTURE: Desk = Desk {
    title: "Hospital structure",
    allowed: |role| role == Role::Admin,
    refused: "Only administrators keep the hospital's structure.",
    path: "/api/structure/page",
    // Reference data kept on the server; devices get it through sync.
    keep: None,
    offline: "The hospital's structure needs the server, which could not be reached: \
it shows here once this device is back online (or open the page again).",
    first: None,
    answered: None,
    draft: None,
};

#[component]
pub fn StructurePage() -> AnyView {
    desk::page(&STRUCTURE)
}
