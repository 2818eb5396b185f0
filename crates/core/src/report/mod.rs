//! Reports for the manager (issue 15): what happened in a period, what is
//! late, what is getting worse, and what to change.
//!
//! - `period.rs`: the days a report covers, and the period it compares with;
//! - `facts.rs`: what a report needs of one case, taken from its fold (the
//!   server keeps them beside each case);
//! - `figures.rs`: the counts of one period, which add up over units;
//! - `stats.rs`: medians, percentiles, shares and rates, in integers;
//! - `rules.rs`: the suggested improvements, each with its figures and cases;
//! - `page/`: the report as accessible HTML with SVG charts (`chart.rs`: the
//!   drawing pieces; `forms.rs`: its controls and the managers' forms);
//! - this file: the report itself, rates per 1,000 patient days, and the
//!   manager's notes kept with it.
//!
//! The server computes reports (one answer for everyone, covering cases no
//! device holds any more); the same code runs wherever the facts are.

pub mod facts;
pub mod figures;
pub mod page;
pub mod period;
pub mod rules;
pub mod stats;

#[cfg(test)]
mod tests;

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

pub use facts::CaseFacts;
pub use figures::{CaseRef, Figures, LateGrievance, Scope, Tally};
pub use period::Period;
pub use rules::{Rule, Suggestion};

use crate::followup::Windows;

/// Patient days a manager entered for one unit and month: the rates'
/// denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PatientDays {
    pub unit: String,
    /// `2026-11`.
    pub month: String,
    pub days: u64,
}
crate::record!(PatientDays);

impl PatientDays {
    pub fn month_key(year: i32, month: u32) -> String {
        format!("{year:04}-{month:02}")
    }
}

/// Complaints and grievances per 1,000 patient days, for a unit or (with
/// `unit` empty) for all the report's units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Rate {
    pub unit: String,
    pub complaints: u64,
    pub patient_days: u64,
    /// Per 1,000 patient days, in hundredths (`stats::hundredths`); absent
    /// when the days are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_thousand: Option<u64>,
    /// Why the rate is absent, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<String>,
}
crate::record!(Rate);

/// A recommendation a manager added to a report, for the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Recommendation {
    pub id: crate::id::Id,
    pub text: String,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(Recommendation);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Report {
    pub period: Period,
    /// The period compared with.
    pub previous: Period,
    /// The units reported on; empty means every unit the reader may see.
    pub units: Vec<String>,
    /// When it was computed: what is still open is judged at this time.
    #[serde(with = "crate::wire_time::utc")]
    pub computed_at: DateTime<Utc>,
    pub current: Figures,
    pub before: Figures,
    /// By unit, then the whole report's (unit empty), when it has one.
    pub rates: Vec<Rate>,
    /// Why there are no rates at all, when there are none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates_absent: Option<String>,
    pub suggestions: Vec<Suggestion>,
    /// Suggestions the manager dismissed (their ids), kept with the report.
    #[serde(default)]
    pub dismissed: Vec<String>,
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// Each unit's ward supplies (issue 17), filled in by the server from
    /// the supply stream; none when no unit keeps a list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supplies: Vec<crate::supplies::history::UnitFigures>,
}
crate::record!(Report);

/// What a report is computed with, besides the cases.
pub struct Params<'a> {
    pub period: Period,
    /// The units asked for (the caller has already kept only their cases).
    pub units: Vec<String>,
    pub now: DateTime<Utc>,
    pub response_days: u32,
    pub windows: Windows,
    /// Local wall time of an instant, in the hospital's time zone.
    pub local: &'a dyn Fn(DateTime<Utc>) -> NaiveDateTime,
    pub patient_days: &'a [PatientDays],
}

impl Params<'_> {
    fn scope(&self, period: Period) -> Scope<'_> {
        Scope {
            period,
            now: (self.local)(self.now),
            response_days: self.response_days,
            windows: self.windows,
            local: self.local,
        }
    }
}

/// The figures of one period over `cases`, each grouped under its unit.
pub fn figures(cases: &[(&str, &CaseFacts)], scope: &Scope<'_>) -> Figures {
    let mut f = Figures::default();
    for (unit, facts) in cases {
        f.add(unit, facts, scope);
    }
    f.finish();
    f
}

/// The report over `cases` (each with the unit it is grouped under).
pub fn compute(cases: &[(&str, &CaseFacts)], p: &Params<'_>) -> Report {
    let previous = p.period.previous();
    let now_scope = p.scope(p.period);
    let current = figures(cases, &now_scope);
    let before = figures(cases, &p.scope(previous));
    let (rates, rates_absent) = rates(&current, p);
    let suggestions = rules::suggest(&rules::Input {
        now: &current,
        before: &before,
        previous,
        cases,
        scope: &now_scope,
    });
    Report {
        period: p.period,
        previous,
        units: p.units.clone(),
        computed_at: p.now,
        current,
        before,
        rates,
        rates_absent,
        suggestions,
        dismissed: Vec::new(),
        recommendations: Vec::new(),
        supplies: Vec::new(),
    }
}

/// Rates per 1,000 patient days, by unit and in all; absent, with the
/// reason, where the patient days are.
fn rates(f: &Figures, p: &Params<'_>) -> (Vec<Rate>, Option<String>) {
    let Some(months) = p.period.months() else {
        return (
            Vec::new(),
            Some(
                "Rates need whole calendar months: patient days are entered per unit and month."
                    .into(),
            ),
        );
    };
    let units: Vec<String> = if p.units.is_empty() {
        let mut seen: Vec<String> = f.complaints_by_unit.keys().cloned().collect();
        seen.extend(p.patient_days.iter().map(|d| d.unit.clone()));
        crate::order::sort(&mut seen);
        seen.dedup();
        seen
    } else {
        p.units.clone()
    };
    if units.is_empty() {
        return (
            Vec::new(),
            Some("No unit had complaints or patient days in the period.".into()),
        );
    }
    let mut out = Vec::new();
    let (mut all_complaints, mut all_days, mut complete) = (0, 0, true);
    for unit in units {
        let complaints = f.complaints_by_unit.get(&unit).copied().unwrap_or(0);
        let mut days = 0;
        let mut missing = Vec::new();
        for &(y, m) in &months {
            let key = PatientDays::month_key(y, m);
            match p
                .patient_days
                .iter()
                .find(|d| d.unit == unit && d.month == key)
            {
                Some(d) => days += d.days,
                None => missing.push(crate::dates::month_and_year(
                    chrono::NaiveDate::from_ymd_opt(y, m, 1).expect("a month of the period"),
                )),
            }
        }
        let missing = (!missing.is_empty())
            .then(|| format!("No patient days entered for {}.", missing.join(", ")));
        complete &= missing.is_none() && days > 0;
        all_complaints += complaints;
        all_days += days;
        out.push(Rate {
            per_thousand: if missing.is_none() {
                stats::per_thousand_hundredths(complaints, days)
            } else {
                None
            },
            missing: missing
                .or_else(|| (days == 0).then(|| "The patient days entered are 0.".into())),
            unit,
            complaints,
            patient_days: days,
        });
    }
    out.push(Rate {
        unit: String::new(),
        complaints: all_complaints,
        patient_days: all_days,
        per_thousand: if complete {
            stats::per_thousand_hundredths(all_complaints, all_days)
        } else {
            None
        },
        missing: (!complete)
            .then(|| "Not every unit has its patient days for the period.".to_owned()),
    });
    (out, None)
}

/// The most patient days a unit can have in a month (a 10,000-bed unit):
/// anything more is a typing slip.
pub const MAX_PATIENT_DAYS: u64 = 310_000;

impl PatientDays {
    /// What is wrong with an entry, as (field, message).
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.unit.trim().is_empty() || self.unit.chars().count() > crate::limits::MAX_SHORT {
            return Some(("unit", "Name the unit."));
        }
        let month_ok = self.month.len() == 7
            && self.month.as_bytes()[4] == b'-'
            && crate::dates::parse_iso(&format!("{}-01", self.month)).is_some();
        if !month_ok {
            return Some(("month", "Give the month as 2026-11."));
        }
        if self.days > MAX_PATIENT_DAYS {
            return Some((
                "days",
                "That is more patient days than a unit can have in a month.",
            ));
        }
        None
    }
}

/// `PUT /api/report/patient-days` and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PatientDaysList {
    pub entries: Vec<PatientDays>,
}
crate::record!(PatientDaysList);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteAction {
    /// Set a suggestion aside for this report.
    Dismiss,
    /// Bring a dismissed suggestion back.
    Restore,
    /// Add the manager's own recommendation.
    Recommend,
    /// Take a recommendation back.
    Remove,
}
crate::identified!(NoteAction {
    Dismiss,
    Restore,
    Recommend,
    Remove
});

/// `POST /api/report/notes`: one note on the report of a period and units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct NoteRequest {
    pub period: Period,
    #[serde(default)]
    pub units: Vec<String>,
    pub action: NoteAction,
    /// The suggestion's id, to dismiss or restore.
    #[serde(default)]
    pub suggestion: String,
    /// The recommendation's id (made by the device, so a retry is stored
    /// once), to add or remove.
    #[serde(default)]
    pub id: Option<crate::id::Id>,
    #[serde(default)]
    pub text: String,
}
crate::record!(NoteRequest);

impl NoteRequest {
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        match self.action {
            NoteAction::Dismiss | NoteAction::Restore if self.suggestion.trim().is_empty() => {
                Some(("suggestion", "Say which suggestion."))
            }
            NoteAction::Dismiss | NoteAction::Restore
                if self.suggestion.chars().count() > crate::limits::MAX_TEXT =>
            {
                Some(("suggestion", "That is not a suggestion of this report."))
            }
            NoteAction::Recommend | NoteAction::Remove if self.id.is_none() => {
                Some(("id", "A recommendation needs its id."))
            }
            NoteAction::Recommend if self.text.trim().is_empty() => {
                Some(("text", "Write the recommendation."))
            }
            NoteAction::Recommend if self.text.chars().count() > crate::limits::MAX_TEXT => {
                Some(("text", "The recommendation is too long."))
            }
            _ => None,
        }
    }
}

/// What managers kept with a report: dismissed suggestions and their own
/// recommendations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ReportNotes {
    pub dismissed: Vec<String>,
    pub recommendations: Vec<Recommendation>,
}
crate::record!(ReportNotes);

/// The key notes are kept under: the period and the units, in a fixed
/// order, so the same report finds the same notes.
pub fn report_key(period: &Period, units: &[String]) -> String {
    let mut units: Vec<String> = units.iter().map(|u| u.trim().to_owned()).collect();
    crate::order::sort(&mut units);
    units.dedup();
    format!("{}/{}/{}", period.from, period.to, units.join("\u{1f}"))
}
