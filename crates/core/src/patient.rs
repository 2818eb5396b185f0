//! The patient a case is about, and the people we may talk to about them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Patient {
    pub name: String,
    /// Medical record number, as the hospital writes it.
    pub mrn: String,
    #[serde(with = "crate::wire_time::day_opt", default)]
    pub date_of_birth: Option<NaiveDate>,
    pub unit: String,
    /// Room and bed, e.g. "412-B".
    pub room: String,
    pub preferred_language: String,
    pub interpreter_needed: bool,
    pub contacts: Vec<Contact>,
}
crate::record!(Patient);

/// A family member or legal representative.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Contact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    /// Whether the patient allows us to share information with this person
    /// (HIPAA): the app shows it wherever the contact appears.
    pub may_share: bool,
}
crate::record!(Contact);
