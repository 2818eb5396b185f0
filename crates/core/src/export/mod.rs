//! A period's cases and interactions for other tools (issue 15): CSV for
//! spreadsheets (`csv.rs`) and a FHIR R4 Bundle (`fhir.rs`, the mapping in
//! docs/FHIR.md). Each is written case by case, so the server streams a
//! year of a large hospital without holding it.

pub mod csv;
pub mod fhir;

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::caseload::CaseFile;
use crate::report::Period;

/// Whether a case belongs in a period's export: received in it.
pub fn received_in(file: &CaseFile, period: &Period) -> bool {
    file.deleted.is_none() && period.contains(file.case.received_on)
}

/// "2026-11-03 14:05", a local wall time as spreadsheets read it.
pub fn local_text(at: DateTime<Utc>, local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}
