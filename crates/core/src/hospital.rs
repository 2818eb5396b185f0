//! The hospital's contact numbers (issue 11): whom a patient can call outside
//! the care team, printed on the "Your rights as a patient" sheet. The state
//! survey agency, the Quality Improvement Organization (BFCC-QIO) for
//! Medicare patients, and the hospital's own patient relations office and
//! interpreter line.
//!
//! An administrator enters them once for the hospital; the app never makes a
//! number up, so a field left empty is shown as missing, never filled in.
//! They are reference data, not patient data: every signed-in role reads
//! them, the device keeps a copy for offline use, and the server keeps every
//! saved version with who saved it and when.

pub mod page;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{MAX_NAME, MAX_SHORT};
use crate::followup::Windows;
use crate::validation::Problems;

/// A phone number's main part has at least this many digits ("711", the
/// relay service, is the shortest a sheet would print).
pub const MIN_PHONE_DIGITS: usize = 3;

/// The contact numbers as an administrator saved them. Every text field may
/// be empty (not entered yet); a name without a phone, or a phone without a
/// name, is kept as entered.
///
/// `updated_by` and `updated_at` are the server's: it sets them from the
/// session and its clock when it stores a version, whatever a client sent.
/// The empty default (`updated_at: None`) is what a server with nothing saved
/// answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct HospitalContacts {
    pub hospital_name: String,
    pub patient_relations_phone: String,
    pub state_agency_name: String,
    pub state_agency_phone: String,
    pub qio_name: String,
    pub qio_phone: String,
    pub interpreter_phone: String,
    /// The administrator who saved this version (username).
    pub updated_by: String,
    #[serde(with = "crate::wire_time::utc_opt", default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// The server operator's escalation windows (not an administrator's:
    /// the server fills them in from its configuration on every answer and
    /// never stores them with a version; what a client sends here is
    /// ignored). Absent from an older server's answer: the defaults.
    #[serde(default)]
    pub escalation: Windows,
}
crate::record!(HospitalContacts);

impl HospitalContacts {
    /// Checks what an administrator typed, every problem at once, each named
    /// by its field (`"state_agency_phone"`…). Returns the contacts trimmed,
    /// runs of spaces in a phone number made one; `updated_by` and
    /// `updated_at` pass through unchecked.
    pub fn check(&self) -> Result<Self, Problems> {
        let mut p = Problems::default();
        let name = |p: &mut Problems, field: &str, label: &str, value: &str| {
            p.optional_text(field, label, value, MAX_NAME)
        };
        let checked = HospitalContacts {
            hospital_name: name(
                &mut p,
                "hospital_name",
                "Hospital name",
                &self.hospital_name,
            ),
            patient_relations_phone: phone(
                &mut p,
                "patient_relations_phone",
                "Patient relations office phone",
                &self.patient_relations_phone,
            ),
            state_agency_name: name(
                &mut p,
                "state_agency_name",
                "State survey agency name",
                &self.state_agency_name,
            ),
            state_agency_phone: phone(
                &mut p,
                "state_agency_phone",
                "State survey agency phone",
                &self.state_agency_phone,
            ),
            qio_name: name(&mut p, "qio_name", "QIO name", &self.qio_name),
            qio_phone: phone(&mut p, "qio_phone", "QIO phone", &self.qio_phone),
            interpreter_phone: phone(
                &mut p,
                "interpreter_phone",
                "Interpreter line phone",
                &self.interpreter_phone,
            ),
            updated_by: self.updated_by.clone(),
            updated_at: self.updated_at,
            escalation: self.escalation,
        };
        p.into_result(checked)
    }

    /// Nothing entered yet (who saved it aside): the sheet says to ask.
    pub fn is_empty(&self) -> bool {
        self.same_numbers(&HospitalContacts::default())
    }

    /// The same names and numbers, whoever saved them and when (and
    /// whatever escalation windows they carry: those are the operator's).
    pub fn same_numbers(&self, other: &HospitalContacts) -> bool {
        let strip = |c: &HospitalContacts| HospitalContacts {
            updated_by: String::new(),
            updated_at: None,
            escalation: Windows::default(),
            ..c.clone()
        };
        strip(self) == strip(other)
    }

    /// This version as saved by `by` at `at_ms` (Unix milliseconds, the
    /// server's clock).
    pub fn saved(self, by: &str, at_ms: i64) -> Self {
        HospitalContacts {
            updated_by: by.to_owned(),
            updated_at: DateTime::from_timestamp_millis(at_ms),
            ..self
        }
    }
}

/// An optional phone number: digits, spaces, `+ ( ) - .`, and one extension
/// marked `ext` or `x` followed by its digits. Returns it trimmed, each run
/// of whitespace made one space.
fn phone(p: &mut Problems, field: &str, label: &str, value: &str) -> String {
    let v = value.split_whitespace().collect::<Vec<_>>().join(" ");
    if v.is_empty() {
        return v;
    }
    if v.chars().count() > MAX_SHORT {
        p.optional_text(field, label, &v, MAX_SHORT);
        return v;
    }
    let lower = v.to_ascii_lowercase();
    let (main, extension) = match lower.find("ext").or_else(|| lower.find('x')) {
        Some(i) => {
            let marker = if lower[i..].starts_with("ext") { 3 } else { 1 };
            (&lower[..i], Some(&lower[i + marker..]))
        }
        None => (lower.as_str(), None),
    };
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_digit() || " +()-.".contains(c))
    };
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).count();
    if !allowed(main) || !extension.is_none_or(allowed) {
        p.add(
            field,
            format!("{label}: use digits, spaces, +, ( ) or -, and \"ext\" before an extension."),
        );
    } else if digits(main) < MIN_PHONE_DIGITS {
        p.add(
            field,
            format!("{label}: a phone number has at least {MIN_PHONE_DIGITS} digits."),
        );
    } else if extension.is_some_and(|e| digits(e) == 0) {
        p.add(
            field,
            format!("{label}: put the extension's digits after \"ext\", or leave \"ext\" out."),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_phone(field: &str, value: &str) -> HospitalContacts {
        let mut c = HospitalContacts::default();
        let slot = match field {
            "patient_relations_phone" => &mut c.patient_relations_phone,
            "state_agency_phone" => &mut c.state_agency_phone,
            "qio_phone" => &mut c.qio_phone,
            "interpreter_phone" => &mut c.interpreter_phone,
            _ => unreachable!(),
        };
        *slot = value.into();
        c
    }

    fn full() -> HospitalContacts {
        HospitalContacts {
            hospital_name: "  Riverside General Hospital ".into(),
            patient_relations_phone: "(555) 010-4400 ext. 12".into(),
            state_agency_name: "Department of Health, Office of Health Facility Complaints".into(),
            state_agency_phone: "+1 555 010 9000".into(),
            qio_name: "Example BFCC-QIO".into(),
            qio_phone: "1-555-010-7700".into(),
            interpreter_phone: "555.010.4500 x2".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_empty_default_passes_and_is_empty() {
        let empty = HospitalContacts::default();
        assert_eq!(empty.check(), Ok(empty.clone()));
        assert!(empty.is_empty());
        assert!(!full().is_empty());
    }

    #[test]
    fn usual_numbers_pass_and_come_back_trimmed() {
        let checked = full().check().unwrap();
        assert_eq!(checked.hospital_name, "Riverside General Hospital");
        assert_eq!(checked.patient_relations_phone, "(555) 010-4400 ext. 12");
        assert_eq!(checked.interpreter_phone, "555.010.4500 x2");
        for ok in [
            "711",
            "555-0100",
            "+44 20 7946 0000",
            "(555) 010-4400 Ext 7",
            "555 010 4400 EXT. 7",
            "555-010-4400x7",
            "1.555.010.4400",
        ] {
            let c = with_phone("qio_phone", ok);
            assert_eq!(c.check().map(|c| c.qio_phone), Ok(ok.to_owned()), "{ok}");
        }
        // Pasted with odd spacing: one space each, nothing else touched.
        let c = with_phone("qio_phone", "\t555\u{a0} 010   4400\n");
        assert_eq!(c.check().unwrap().qio_phone, "555 010 4400");
    }

    #[test]
    fn a_name_without_a_phone_and_a_phone_without_a_name_pass() {
        let name_only = HospitalContacts {
            state_agency_name: "State Department of Health".into(),
            ..Default::default()
        };
        assert!(name_only.check().is_ok());
        let phone_only = with_phone("state_agency_phone", "555 010 9000");
        assert!(phone_only.check().is_ok());
    }

    #[test]
    fn letters_and_other_signs_are_refused_with_the_field_named() {
        for bad in [
            "call the front desk",
            "555-CALL-NOW",
            "555 010 4400 #2",
            "555/010/4400",
            "555 010 4400 ext 12 ext 3",
            "555 010 x 4400 x 2",
        ] {
            let problems = with_phone("state_agency_phone", bad).check().unwrap_err();
            assert_eq!(problems.fields(), ["state_agency_phone"], "{bad}");
            let message = problems.for_field("state_agency_phone").unwrap();
            assert!(
                message.starts_with("State survey agency phone: use digits, spaces, +, ( ) or -"),
                "{bad}: {message}"
            );
        }
    }

    #[test]
    fn too_few_digits_or_an_empty_extension_are_refused() {
        for (bad, says) in [
            ("55", "at least 3 digits"),
            ("( ) -", "at least 3 digits"),
            ("+", "at least 3 digits"),
            ("x 1234", "at least 3 digits"),
            ("12 ext 345", "at least 3 digits"),
            ("555 0100 ext", "extension's digits"),
            ("555 0100 x", "extension's digits"),
        ] {
            let problems = with_phone("interpreter_phone", bad).check().unwrap_err();
            let message = problems.for_field("interpreter_phone").unwrap();
            assert!(message.starts_with("Interpreter line phone: "), "{message}");
            assert!(message.contains(says), "{bad}: {message}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_by_field() {
        let bad = HospitalContacts {
            hospital_name: "H".repeat(MAX_NAME + 1),
            patient_relations_phone: "front desk".into(),
            state_agency_name: "S".repeat(MAX_NAME),
            state_agency_phone: "9".repeat(MAX_SHORT + 1),
            qio_name: "Q".repeat(MAX_NAME + 1),
            qio_phone: "12".into(),
            interpreter_phone: "ext 5".into(),
            ..Default::default()
        };
        let problems = bad.check().unwrap_err();
        assert_eq!(
            problems.fields(),
            [
                "hospital_name",
                "patient_relations_phone",
                "state_agency_phone",
                "qio_name",
                "qio_phone",
                "interpreter_phone"
            ]
        );
        assert_eq!(
            problems.for_field("state_agency_phone"),
            Some("State survey agency phone is too long (101 characters; at most 100).")
        );
        assert!(
            problems
                .for_field("hospital_name")
                .unwrap()
                .starts_with("Hospital name is too long")
        );
    }

    #[test]
    fn the_wire_names_are_the_field_names_and_missing_fields_are_empty() {
        let saved = full().check().unwrap().saved("root", 1_700_000_000_000);
        assert_eq!(saved.updated_by, "root");
        assert_eq!(
            saved.updated_at.map(|t| t.timestamp_millis()),
            Some(1_700_000_000_000)
        );
        let json = serde_json::to_value(&saved).unwrap();
        let mut keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        crate::order::sort(&mut keys);
        assert_eq!(
            keys,
            [
                "escalation",
                "hospital_name",
                "interpreter_phone",
                "patient_relations_phone",
                "qio_name",
                "qio_phone",
                "state_agency_name",
                "state_agency_phone",
                "updated_at",
                "updated_by"
            ]
        );
        let back: HospitalContacts = serde_json::from_value(json).unwrap();
        assert_eq!(back, saved);
        let partial: HospitalContacts =
            serde_json::from_str(r#"{"qio_phone":"555 0100"}"#).unwrap();
        assert_eq!(partial, with_phone("qio_phone", "555 0100"));
        assert!(saved.same_numbers(&full().check().unwrap()));
        assert!(!saved.same_numbers(&full()), "untrimmed is not the same");
    }

    #[test]
    fn escalation_windows_ride_along_and_default_when_absent() {
        let older: HospitalContacts =
            serde_json::from_str(r#"{"qio_phone":"555 0100","updated_by":"root"}"#).unwrap();
        assert_eq!(older.escalation, Windows::default());
        let set = HospitalContacts {
            escalation: Windows {
                urgent_minutes: 60,
                routine_working_days: 2,
            },
            ..full()
        };
        let json = serde_json::to_value(&set).unwrap();
        assert_eq!(
            json["escalation"],
            serde_json::json!({"urgent_minutes": 60, "routine_working_days": 2})
        );
        let back: HospitalContacts = serde_json::from_value(json).unwrap();
        assert_eq!(back, set);
        let half: HospitalContacts =
            serde_json::from_str(r#"{"escalation":{"urgent_minutes":30}}"#).unwrap();
        assert_eq!(half.escalation.urgent_minutes, 30);
        assert_eq!(half.escalation.routine_working_days, 1);
        assert!(set.same_numbers(&full()), "the windows are not numbers");
        assert_eq!(set.check().unwrap().escalation, set.escalation);
    }
}
