//! Accounts, for administrators: who may sign in, with which role, covering
//! which units (chosen from the hospital's structure, so a covered unit is
//! never a typo that hides cases). A desk page (`desk.rs`) the server draws
//! (`GET /api/accounts/page`, `advocase_core::accounts`): accounts live on
//! the server only, so it needs the network, and drawn here its forms cost
//! every tablet's download about 5 KB brotli (README, Size).

use advocase_core::access::Role;
use leptos::prelude::*;

use crate::views::desk::{self, Desk};

static ACCOUNTS: Desk = Desk {
    title: "Accounts",
    allowed: |role| role == Role::Admin,
    refused: "Only administrators manage accounts.",
    path: "/api/accounts/page",
    // Nothing to keep: an account is changed where it is stored.
    keep: None,
    offline: "Accounts need the network: the server could not be reached. Try again when online.",
    first: None,
    answered: None,
    draft: None,
};

#[component]
pub fn Users() -> AnyView {
    desk::page(&ACCOUNTS)
}
