//! A directory entry: a person, a role or a service, and how to reach it.
//!
//! The fields follow Open Referral's HSDS where it fits (docs/DIRECTORY.md
//! has the mapping): `department` is HSDS's organization, `units` its
//! service area, `phones` its phone (number, type, languages), `hours` its
//! schedule, `verified_on` its assured date.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::limits::{MAX_LIST, MAX_NAME, MAX_SHORT, MAX_TEXT};
use crate::reference::{CaseKind, ComplaintCategory};
use crate::validation::Problems;

/// Days after which an entry nobody verified is marked as such.
pub const STALE_AFTER_DAYS: i64 = 180;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EntryKind {
    /// A named person: "Dana Whitfield, billing specialist".
    #[default]
    Person,
    /// Whoever holds a role now: "Supervisor on call".
    Role,
    /// A service or a line: "Interpreter services".
    Service,
}
crate::identified!(EntryKind {
    Person,
    Role,
    Service
});

impl EntryKind {
    pub const ALL: [EntryKind; 3] = [EntryKind::Person, EntryKind::Role, EntryKind::Service];

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Person => "Person",
            EntryKind::Role => "Role",
            EntryKind::Service => "Service",
        }
    }
}

/// HSDS phone types, as far as a hospital uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PhoneKind {
    #[default]
    Voice,
    /// An internal extension, dialled from a hospital phone.
    Extension,
    Pager,
    Fax,
    /// Text messages.
    Text,
}
crate::identified!(PhoneKind {
    Voice,
    Extension,
    Pager,
    Fax,
    Text
});

impl PhoneKind {
    pub const ALL: [PhoneKind; 5] = [
        PhoneKind::Voice,
        PhoneKind::Extension,
        PhoneKind::Pager,
        PhoneKind::Fax,
        PhoneKind::Text,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PhoneKind::Voice => "Voice",
            PhoneKind::Extension => "Extension",
            PhoneKind::Pager => "Pager",
            PhoneKind::Fax => "Fax",
            PhoneKind::Text => "Text",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            PhoneKind::Voice => "voice",
            PhoneKind::Extension => "extension",
            PhoneKind::Pager => "pager",
            PhoneKind::Fax => "fax",
            PhoneKind::Text => "text",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        let code = code.trim().to_lowercase();
        PhoneKind::ALL
            .into_iter()
            .find(|k| k.code() == code || (code == "ext" && *k == PhoneKind::Extension))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Phone {
    pub number: String,
    pub kind: PhoneKind,
    /// Languages spoken on this line, as people write them: "Spanish".
    pub languages: Vec<String>,
}
crate::record!(Phone);

impl Phone {
    /// A `tel:` address for the number (digits, and a leading '+'), or
    /// `None` for one with too few digits to dial (a pager code may be).
    pub fn tel(&self) -> Option<String> {
        let plus = self.number.trim_start().starts_with('+');
        let digits: String = self.number.chars().filter(char::is_ascii_digit).collect();
        (digits.len() >= 3).then(|| format!("tel:{}{digits}", if plus { "+" } else { "" }))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Entry {
    pub id: Id,
    pub kind: EntryKind,
    pub name: String,
    /// Title or role: "Billing specialist", "Nursing supervisor".
    pub title: String,
    /// The department or service it belongs to, as the structure names it.
    pub department: String,
    /// The units it serves (texts that resolve like a case's unit); none:
    /// the whole hospital.
    pub units: Vec<String>,
    pub phones: Vec<Phone>,
    /// "Mon–Fri 8:00–16:30".
    pub hours: String,
    /// "After 17:00 page the house supervisor."
    pub on_call: String,
    /// What to ask about, free text: "billing disputes, payment plans".
    pub topics: String,
    pub case_kinds: Vec<CaseKind>,
    pub categories: Vec<ComplaintCategory>,
    pub notes: String,
    /// When someone last checked the entry was right (HSDS assured date).
    #[serde(with = "crate::wire_time::day_opt")]
    pub verified_on: Option<NaiveDate>,
    pub verified_by: String,
    /// Taken out of the directory: kept so that an interaction naming it
    /// still shows whom, and so a device learns it is gone.
    pub retired: bool,
}
crate::record!(Entry);

impl Entry {
    /// Checks an entry as an editor saves it; every message tied to its
    /// field (`phones.1.number`). Returns it tidied (texts trimmed, blank
    /// units, languages and phones dropped).
    pub fn check(&self) -> Result<Entry, Problems> {
        let mut p = Problems::default();
        let mut e = self.clone();
        e.name = p.text("name", "Name", &self.name, MAX_NAME);
        e.title = p.optional_text("title", "Title or role", &self.title, MAX_SHORT);
        e.department = p.optional_text("department", "Department", &self.department, MAX_SHORT);
        e.hours = p.optional_text("hours", "Hours", &self.hours, MAX_TEXT / 10);
        e.on_call = p.optional_text("on_call", "On-call notes", &self.on_call, MAX_TEXT / 10);
        e.topics = p.optional_text("topics", "Ask about", &self.topics, MAX_TEXT / 10);
        e.notes = p.optional_text("notes", "Notes", &self.notes, MAX_TEXT);
        e.verified_by = p.optional_text("verified_by", "Verified by", &self.verified_by, MAX_SHORT);
        e.units = tidy_list(&mut p, "units", "Unit", &self.units);
        e.phones.retain(|ph| {
            !(ph.number.trim().is_empty() && ph.languages.iter().all(|l| l.trim().is_empty()))
        });
        if e.phones.len() > MAX_LIST / 10 {
            p.add(
                "phones",
                format!("At most {} phone numbers.", MAX_LIST / 10),
            );
        }
        for (i, ph) in e.phones.iter_mut().enumerate() {
            let field = format!("phones.{i}.number");
            ph.number = p.text(&field, "Number", &ph.number, MAX_SHORT);
            if !ph.number.is_empty() && !ph.number.chars().any(|c| c.is_ascii_digit()) {
                p.add(&field, "A phone number needs digits.");
            }
            ph.languages = tidy_list(
                &mut p,
                &format!("phones.{i}.languages"),
                "Language",
                &ph.languages,
            );
        }
        crate::order::sort(&mut e.case_kinds);
        e.case_kinds.dedup();
        crate::order::sort(&mut e.categories);
        e.categories.dedup();
        p.into_result(e)
    }

    /// Whether nobody verified it in the last [`STALE_AFTER_DAYS`] days
    /// (never verified counts as not verified).
    pub fn unverified(&self, today: NaiveDate) -> bool {
        self.verified_on
            .is_none_or(|d| (today - d).num_days() >= STALE_AFTER_DAYS)
    }

    /// Every language spoken on its phones, once each, in order.
    pub fn languages(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for l in self.phones.iter().flat_map(|p| &p.languages) {
            if !out.iter().any(|o| o.eq_ignore_ascii_case(l)) {
                out.push(l);
            }
        }
        out
    }
}

fn tidy_list(p: &mut Problems, field: &str, label: &str, items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let t = item.trim();
        if !t.is_empty() && !out.iter().any(|o| o.eq_ignore_ascii_case(t)) {
            out.push(t.to_owned());
        }
    }
    if out.len() > MAX_LIST / 10 {
        p.add(field, format!("At most {} of them.", MAX_LIST / 10));
    }
    for t in &out {
        if t.chars().count() > MAX_SHORT {
            p.add(
                field,
                format!("{label} \"{t}\" is too long (at most {MAX_SHORT} characters)."),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn checking_tidies_and_ties_each_problem_to_its_field() {
        let e = Entry {
            name: "  Dana Whitfield ".into(),
            units: vec![" 4B ".into(), "4b".into(), "".into()],
            phones: vec![
                Phone {
                    number: "x4411".into(),
                    kind: PhoneKind::Extension,
                    languages: vec!["Spanish".into(), " spanish".into()],
                },
                Phone::default(),
                Phone {
                    number: "pager".into(),
                    ..Phone::default()
                },
            ],
            case_kinds: vec![
                CaseKind::BillingInsurance,
                CaseKind::Complaint,
                CaseKind::BillingInsurance,
            ],
            ..Entry::default()
        };
        let p = e.check().unwrap_err();
        assert_eq!(
            p.fields(),
            vec!["phones.1.number"],
            "the blank phone is dropped, so the third is now 1"
        );
        let mut e = e;
        e.phones.remove(2);
        let ok = e.check().unwrap();
        assert_eq!(ok.name, "Dana Whitfield");
        assert_eq!(ok.units, vec!["4B"]);
        assert_eq!(ok.phones.len(), 1);
        assert_eq!(ok.phones[0].languages, vec!["Spanish"]);
        assert_eq!(
            ok.case_kinds,
            vec![CaseKind::Complaint, CaseKind::BillingInsurance]
        );
        let p = Entry::default().check().unwrap_err();
        assert_eq!(p.fields(), vec!["name"]);
    }

    #[test]
    fn an_entry_is_unverified_after_180_days_or_if_never_verified() {
        let mut e = Entry::default();
        assert!(e.unverified(day("2026-12-01")));
        e.verified_on = Some(day("2026-06-04"));
        assert!(!e.unverified(day("2026-11-30")), "179 days");
        assert!(e.unverified(day("2026-12-01")), "180 days");
    }

    #[test]
    fn phone_numbers_become_tel_links_of_their_digits() {
        let ph = |n: &str| Phone {
            number: n.into(),
            ..Phone::default()
        };
        assert_eq!(
            ph("+1 (555) 010-4411").tel().as_deref(),
            Some("tel:+15550104411")
        );
        assert_eq!(ph("ext. 4411").tel().as_deref(), Some("tel:4411"));
        assert_eq!(ph("#12").tel(), None);
        assert_eq!(PhoneKind::from_code(" EXT"), Some(PhoneKind::Extension));
        assert_eq!(PhoneKind::from_code("cell"), None);
    }
}
