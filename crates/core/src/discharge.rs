//! The discharge plan seen across cases: who leaves when, and what is still
//! open. The "Discharges" view reads it; the patient's printed sheet says it
//! in the patient's words through `crate::i18n`.

use chrono::NaiveDate;

use crate::case::Case;
use crate::caseload::CaseFile;
use crate::checklist::Progress;

/// When a patient is expected to leave, as the Discharges view groups it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Day {
    /// The expected date has passed and the case is still open: the plan
    /// needs a new date or the patient has gone without the case saying so.
    Passed,
    Today,
    Tomorrow,
    /// From the day after tomorrow to a week from today.
    ThisWeek,
}

impl Day {
    pub const ALL: [Day; 4] = [Day::Passed, Day::Today, Day::Tomorrow, Day::ThisWeek];

    pub fn of(on: NaiveDate, today: NaiveDate) -> Option<Day> {
        match (on - today).num_days() {
            ..0 => Some(Day::Passed),
            0 => Some(Day::Today),
            1 => Some(Day::Tomorrow),
            2..=6 => Some(Day::ThisWeek),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Day::Passed => "Expected date passed",
            Day::Today => "Today",
            Day::Tomorrow => "Tomorrow",
            Day::ThisWeek => "This week",
        }
    }
}

impl Case {
    /// All of the case's checklists together; `None` when none is started.
    pub fn discharge_progress(&self) -> Option<Progress> {
        self.checklists
            .iter()
            .map(|k| k.progress())
            .reduce(|a, b| a + b)
    }
}

/// One open case expected to leave within the week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaving<'a> {
    pub day: Day,
    pub on: NaiveDate,
    pub file: &'a CaseFile,
    pub progress: Option<Progress>,
}

impl Leaving<'_> {
    /// Highlighted: a required item is open, or no checklist was started.
    pub fn needs_attention(&self) -> bool {
        self.progress.is_none_or(|p| !p.is_ready())
    }
}

/// Open cases expected to leave by a week from `today` (or whose date has
/// passed), by day, then those needing attention first, then by date and
/// name.
pub fn leaving<'a>(
    files: impl IntoIterator<Item = &'a CaseFile>,
    today: NaiveDate,
) -> Vec<Leaving<'a>> {
    let mut out: Vec<Leaving> = files
        .into_iter()
        .filter(|f| f.case.status.is_active())
        .filter_map(|file| {
            let on = file.case.expected_discharge?;
            Some(Leaving {
                day: Day::of(on, today)?,
                on,
                file,
                progress: file.case.discharge_progress(),
            })
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        (a.day, !a.needs_attention(), a.on, &a.file.case.patient.name).cmp(&(
            b.day,
            !b.needs_attention(),
            b.on,
            &b.file.case.patient.name,
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseCommand;
    use crate::checklist::{Checklist, decide, default_templates};
    use crate::id::Id;
    use crate::sample;
    use chrono::{TimeZone, Utc};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
    }

    #[test]
    fn days_group_as_a_coordinator_reads_them() {
        let today = day(23);
        assert_eq!(Day::of(day(20), today), Some(Day::Passed));
        assert_eq!(Day::of(day(23), today), Some(Day::Today));
        assert_eq!(Day::of(day(24), today), Some(Day::Tomorrow));
        assert_eq!(Day::of(day(25), today), Some(Day::ThisWeek));
        assert_eq!(Day::of(day(29), today), Some(Day::ThisWeek));
        assert_eq!(Day::of(day(30), today), None, "a week away is next week");
    }

    #[test]
    fn planning_the_discharge_sets_only_what_changed() {
        use crate::change::FieldValue;
        use crate::reference::Destination;
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap();
        let mut f = sample::caseload(3, 1, 0, at).remove(0);
        f.case.received_on = day(1);
        let plan = |on: u32, to: Destination| CaseCommand::PlanDischarge {
            on: Some(day(on)),
            destination: Some(to),
        };
        let (_, values) = f.case.plan(plan(25, Destination::Home)).unwrap();
        assert_eq!(values.len(), 2);
        values.into_iter().for_each(|v| v.apply_to(&mut f.case));
        let (_, values) = f.case.plan(plan(26, Destination::Home)).unwrap();
        assert_eq!(
            values,
            [FieldValue::ExpectedDischarge(Some(day(26)))],
            "a new date leaves the destination to whoever set it"
        );
        let same = f.case.plan(plan(25, Destination::Home)).unwrap_err();
        assert_eq!(same.fields(), ["expected_discharge"]);
        let early = f.case.plan(CaseCommand::PlanDischarge {
            on: Some(NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()),
            destination: None,
        });
        assert!(early.is_err(), "not before the case was received");
    }

    #[test]
    fn leaving_lists_open_cases_by_day_with_open_required_items_first() {
        let today = day(23);
        let mut files = sample::caseload(
            7,
            6,
            1,
            Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap(),
        );
        let t = default_templates().remove(1);
        let mut n = 0u64;
        let mut ids = || {
            n += 1;
            Id::new_v7(1000 + n, [n as u8; 10])
        };
        for (i, f) in files.iter_mut().enumerate() {
            f.case.status = crate::status::Status::InProgress;
            f.case.received_on = day(1);
            f.case.patient.name = format!("Patient {i}");
            let on = [day(23), day(23), day(24), day(26), day(30), day(21)][i];
            let plan = CaseCommand::PlanDischarge {
                on: Some(on),
                destination: None,
            };
            let (_, values) = f.case.plan(plan).unwrap();
            values.into_iter().for_each(|v| v.apply_to(&mut f.case));
            if i != 1 {
                let mut k = Checklist::start(ids(), &t, &mut ids);
                if i == 0 {
                    let at = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
                    for item in k.items.iter_mut().filter(|i| i.required) {
                        decide(item, None, "ana", at).unwrap();
                    }
                }
                f.case.checklists.push(k);
            }
        }
        files[3].case.status = crate::status::Status::Resolved;
        let list = leaving(&files, today);
        let names: Vec<(&str, Day, bool)> = list
            .iter()
            .map(|l| {
                (
                    l.file.case.patient.name.as_str(),
                    l.day,
                    l.needs_attention(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("Patient 5", Day::Passed, true),
                ("Patient 1", Day::Today, true),
                ("Patient 0", Day::Today, false),
                ("Patient 2", Day::Tomorrow, true),
            ],
            "no checklist needs attention too; resolved and next week's cases are not listed"
        );
        assert!(list[1].progress.is_none());
        assert_eq!(list[2].progress.unwrap().required_open, 0);
    }
}
