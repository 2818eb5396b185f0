//! Reports (issue 15): a period's patient communications, cases,
//! grievances, rates, follow-ups and discharges, with suggested
//! improvements, for managers (and for coordinators, over the cases they
//! may see). A desk page (`desk.rs`): the server computes the report and
//! draws it (`advocase_core::report::page`, `GET /api/report/page`); the
//! last one opened is kept sealed on the device, readable offline.

use advocase_core::access::Role;
use leptos::prelude::*;

use crate::views::desk::{self, Desk};

static REPORT: Desk = Desk {
    title: "Reports",
    allowed: |role| role != Role::Admin,
    refused: "Reports hold patient data: they are for managers and coordinators.",
    path: "/api/report/page",
    keep: Some((
        crate::cases::REPORT_COPY,
        "The last report opened on this device: its figures are as of the time in its \
heading. Show the report again online for today's.",
    )),
    offline: "Reports need the server, which could not be reached. The last report opened on \
this device is shown below, if there is one.",
    first: Some(ask),
    answered: None,
    draft: None,
};

/// Before any report: which month (the report's own page offers any range
/// and the units).
fn ask() -> String {
    format!(
        r#"<section class="panel no-print" aria-labelledby="report-ask"><h2 id="report-ask">Which period</h2><form id="report-controls" data-get class="inline-form" novalidate aria-label="Which period"><div class="field"><label for="report-month">Month</label><input id="report-month" name="month" type="month" value="{}"></div><div class="button-row"><button type="submit" class="primary">Show the report</button></div></form></section>"#,
        // Not chrono's `format`: its strftime machinery is not in the app.
        &crate::clock::today().to_string()[..7]
    )
}

#[component]
pub fn Report() -> AnyView {
    desk::page(&REPORT)
}
