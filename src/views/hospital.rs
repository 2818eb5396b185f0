//! The hospital's numbers for the patient's rights sheet, kept by an
//! administrator on Settings: the patient relations office, the interpreter
//! line, the state survey agency and the Medicare QIO. A desk part
//! (`desk.rs`) the server draws (`GET /api/hospital/page`,
//! `advocase_core::hospital::page`): saving needs the server anyway, and
//! drawn here the form cost every tablet's download about 2.5 KB brotli.
//! Devices get the numbers through sync, for the rights sheet offline.

use advocase_core::access::Role;
use leptos::prelude::*;

use crate::views::desk::{self, Desk};

static NUMBERS: Desk = Desk {
    // Part of Settings: the form's markup has its heading.
    title: "",
    allowed: |role| role == Role::Admin,
    refused: "Only an administrator can change the hospital's numbers.",
    path: "/api/hospital/page",
    keep: None,
    offline: "Saving the hospital's numbers needs the server, which could not be reached. \
Nothing was changed; open Settings again when online.",
    first: None,
    answered: None,
    draft: None,
};

/// The form, for an administrator's Settings.
pub fn numbers() -> AnyView {
    desk::page(&NUMBERS)
}
