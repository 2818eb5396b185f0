//! The report's tests: the figures of a hand-built month and the helpers
//! every test here shares (`rules.rs`: each suggestion rule; `page.rs`:
//! the drawn page), facts from a fold, and the property test that the
//! figures add up over units.

mod page;
mod rules;

use super::facts::{DischargeFacts, EscalationFacts, TaskFacts};
use super::*;
use crate::id::Id;
use crate::reference::{CaseKind, Channel, ComplaintCategory, Party, TaskKind, Urgency};
use crate::status::Status;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::America::New_York;
use proptest::prelude::*;

pub(super) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// An instant given as New York wall time (EDT until 1 Nov 2026 02:00,
/// EST after).
pub(super) fn ny(y: i32, m: u32, day: u32, h: u32, min: u32) -> i64 {
    let t = New_York
        .from_local_datetime(&d(y, m, day).and_hms_opt(h, min, 0).unwrap())
        .earliest()
        .unwrap();
    t.timestamp_millis()
}

pub(super) fn utc(s: &str) -> i64 {
    crate::wire_time::parse_instant(s)
        .unwrap()
        .timestamp_millis()
}

pub(super) fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&New_York).naive_local()
}

pub(super) fn id(n: u64) -> Id {
    Id::new_v7(1_790_000_000_000 + n, [n as u8; 10])
}

pub(super) fn case(n: u64, unit: &str, kind: CaseKind, received: NaiveDate) -> CaseFacts {
    CaseFacts {
        id: id(n),
        patient: format!("Patient {n}"),
        unit: unit.into(),
        kind,
        category: None,
        via: Channel::Phone,
        status: Status::Open,
        received_on: received,
        due_on: (kind == CaseKind::Grievance).then(|| crate::deadline::response_due(received, 7)),
        tags: vec![],
        resolved: vec![],
        reopened: vec![],
        contacts: vec![],
        tasks: vec![],
        escalations: vec![],
        discharge: None,
    }
}

pub(super) fn task(due: NaiveDate, created: i64, done: Option<i64>) -> TaskFacts {
    TaskFacts {
        kind: TaskKind::CallBack,
        due,
        created,
        done,
        cancelled: false,
        owner: "ana".into(),
    }
}

pub(super) fn params<'a>(period: Period, now: i64, days: &'a [PatientDays]) -> Params<'a> {
    Params {
        period,
        units: vec![],
        now: facts::instant(now),
        response_days: 7,
        windows: Windows::default(),
        local: &local,
        patient_days: days,
    }
}

pub(super) fn refs(cases: &[(String, CaseFacts)]) -> Vec<(&str, &CaseFacts)> {
    cases.iter().map(|(u, f)| (u.as_str(), f)).collect()
}

/// November 2026 in New York, seen on 7 December: the hand-built caseload
/// of the known answers below.
pub(super) fn november() -> Vec<(String, CaseFacts)> {
    let mut c1 = case(1, "4B", CaseKind::Complaint, d(2026, 11, 3));
    c1.category = Some(ComplaintCategory::Communication);
    c1.contacts = vec![
        // 31 Oct 23:30 EDT: October, though 1 November in UTC.
        (
            utc("2026-11-01T03:30:00Z"),
            Channel::Phone,
            Party::FamilyOrRepresentative,
        ),
        // 30 Nov 23:30 EST: November, though 1 December in UTC.
        (
            utc("2026-12-01T04:30:00Z"),
            Channel::Phone,
            Party::FamilyOrRepresentative,
        ),
        (
            ny(2026, 11, 10, 10, 0),
            Channel::BedsideVisit,
            Party::Patient,
        ),
    ];
    c1.resolved = vec![ny(2026, 11, 13, 15, 0), ny(2026, 11, 16, 9, 0)];
    c1.reopened = vec![ny(2026, 11, 15, 8, 0)];
    c1.status = Status::Resolved;
    let made = ny(2026, 11, 3, 9, 0);
    c1.tasks = vec![
        task(d(2026, 11, 12), made, Some(ny(2026, 11, 12, 17, 0))),
        task(d(2026, 11, 15), made, Some(ny(2026, 11, 16, 8, 0))),
        task(d(2026, 11, 20), made, None),
        TaskFacts {
            cancelled: true,
            ..task(d(2026, 11, 22), made, None)
        },
        task(d(2026, 12, 10), made, None),
    ];

    let mut c2 = case(2, "4B", CaseKind::Grievance, d(2026, 11, 2));
    c2.category = Some(ComplaintCategory::Communication);
    c2.via = Channel::Letter;
    c2.resolved = vec![ny(2026, 11, 6, 11, 0)];
    c2.status = Status::Resolved;
    c2.contacts = vec![(
        ny(2026, 11, 3, 12, 0),
        Channel::Phone,
        Party::FamilyOrRepresentative,
    )];
    c2.tasks = vec![task(
        d(2026, 11, 5),
        ny(2026, 11, 2, 9, 0),
        Some(ny(2026, 11, 5, 9, 0)),
    )];
    c2.escalations = vec![
        EscalationFacts {
            urgency: Urgency::Urgent,
            at: ny(2026, 11, 2, 10, 0),
            taken_up: Some(ny(2026, 11, 2, 13, 0)),
        },
        // Friday 16:00: due Monday 16:00, taken up Tuesday.
        EscalationFacts {
            urgency: Urgency::Routine,
            at: ny(2026, 11, 6, 16, 0),
            taken_up: Some(ny(2026, 11, 10, 10, 0)),
        },
        EscalationFacts {
            urgency: Urgency::Urgent,
            at: ny(2026, 11, 20, 9, 0),
            taken_up: None,
        },
    ];

    let mut c3 = case(3, "5W", CaseKind::Grievance, d(2026, 11, 5));
    c3.category = Some(ComplaintCategory::Quality);
    c3.via = Channel::Email;
    // An extension recorded: the response date moved to the 20th.
    c3.due_on = Some(d(2026, 11, 20));
    c3.resolved = vec![ny(2026, 11, 18, 10, 0)];
    c3.status = Status::Resolved;
    c3.discharge = Some(DischargeFacts {
        expected: d(2026, 11, 20),
        required: vec![Some(ny(2026, 11, 19, 10, 0)), Some(ny(2026, 11, 21, 0, 5))],
    });

    let mut c4 = case(4, "5W", CaseKind::Grievance, d(2026, 11, 10));
    c4.discharge = Some(DischargeFacts {
        expected: d(2026, 11, 21),
        required: vec![Some(ny(2026, 11, 20, 10, 0))],
    });

    let mut c5 = case(5, "4B", CaseKind::Grievance, d(2026, 11, 25));
    c5.resolved = vec![ny(2026, 12, 4, 10, 0)];
    c5.status = Status::Resolved;
    c5.discharge = Some(DischargeFacts {
        expected: d(2026, 11, 22),
        required: vec![],
    });

    let mut c6 = case(6, "4B", CaseKind::Grievance, d(2026, 11, 30));
    c6.discharge = Some(DischargeFacts {
        expected: d(2026, 12, 10),
        required: vec![None],
    });

    [c1, c2, c3, c4, c5, c6]
        .into_iter()
        .map(|f| (f.unit.clone(), f))
        .collect()
}

pub(super) fn tally(pairs: &[(&str, u64)]) -> Tally {
    pairs.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect()
}

#[test]
fn every_figure_of_a_hand_built_month() {
    let cases = november();
    let days = [PatientDays {
        unit: "4B".into(),
        month: "2026-11".into(),
        days: 1_000,
    }];
    let r = compute(
        &refs(&cases),
        &params(
            Period::month_of(d(2026, 11, 1)),
            ny(2026, 12, 7, 9, 0),
            &days,
        ),
    );
    let f = &r.current;
    // Communications.
    assert_eq!(f.interactions, 3);
    assert_eq!(f.by_channel, tally(&[("bedside_visit", 1), ("phone", 2)]));
    assert_eq!(
        f.by_party,
        tally(&[("family_or_representative", 2), ("patient", 1)])
    );
    assert_eq!(f.by_unit, tally(&[("4B", 3)]));
    assert_eq!(
        f.by_weekday,
        vec![1, 2, 0, 0, 0, 0, 0],
        "a Monday, two Tuesdays"
    );
    assert_eq!(f.by_hour[23], 1);
    assert_eq!(f.by_hour[10], 1);
    assert_eq!(f.by_hour[12], 1);
    assert_eq!(f.by_hour.iter().sum::<u64>(), 3);
    assert_eq!((f.cases_contacted, f.cases_bedside), (2, 1));
    // Cases.
    assert_eq!(f.opened(), 6);
    assert_eq!(
        f.opened_by_kind,
        tally(&[("complaint", 1), ("grievance", 5)])
    );
    assert_eq!(
        f.opened_by_category,
        tally(&[("communication", 2), ("none", 3), ("quality", 1)])
    );
    assert_eq!(f.resolved(), 3, "c5's resolution is in December");
    assert_eq!(
        f.resolution_days["complaint"],
        vec![13],
        "the last resolution"
    );
    assert_eq!(f.resolution_days["grievance"], vec![4, 13]);
    assert_eq!(stats::median(&f.all_resolution_days()), Some(13));
    assert_eq!(f.reopened.len(), 1);
    assert_eq!(f.reopened[0].id, id(1));
    // Grievances.
    assert_eq!(f.grievances, 5);
    assert_eq!((f.answered_in_time, f.answered_in_extension), (1, 1));
    assert_eq!(f.grievances_pending, 1, "c6 is due today");
    assert_eq!(f.grievances_due(), 4);
    let late: Vec<_> = f
        .late
        .iter()
        .map(|l| (l.case.id, l.days_late, l.answered))
        .collect();
    assert_eq!(late, vec![(id(4), 20, false), (id(5), 2, true)]);
    assert_eq!(
        stats::percent(
            f.answered_in_time + f.answered_in_extension,
            f.grievances_due()
        ),
        Some(50)
    );
    // Complaints per unit, and the rates.
    assert_eq!(f.complaints_by_unit, tally(&[("4B", 4), ("5W", 2)]));
    assert_eq!(r.rates_absent, None);
    let rate = |u: &str| r.rates.iter().find(|x| x.unit == u).unwrap().clone();
    assert_eq!(rate("4B").per_thousand, Some(400));
    assert_eq!(rate("5W").per_thousand, None);
    assert!(rate("5W").missing.unwrap().contains("November 2026"));
    assert_eq!(rate("").per_thousand, None, "not every unit has its days");
    // Follow-ups.
    assert_eq!(
        (f.tasks_due, f.tasks_on_time, f.tasks_late, f.tasks_overdue),
        (4, 2, 1, 1)
    );
    // c2's family before the 5th; c1's on the 30th, with a call back due
    // on 10 December open.
    assert_eq!(f.contacted_before_due, 2);
    // Escalations.
    assert_eq!(f.escalations, 3);
    assert_eq!((f.taken_up_in_time, f.taken_up_late), (1, 1));
    assert_eq!(f.waiting_overdue, 1);
    assert_eq!(f.take_up_minutes, vec![180, 3 * 24 * 60 + 18 * 60]);
    // Discharges.
    assert_eq!(f.discharges, 3, "c6's is after today");
    assert_eq!(f.without_checklist, 1);
    assert_eq!(f.ready_in_time, 1);
    assert_eq!((f.open_at_discharge, f.items_open_at_discharge), (1, 1));
    // The month before holds the one October call.
    assert_eq!(r.previous, Period::month_of(d(2026, 10, 1)));
    assert_eq!(r.before.interactions, 1);
    assert_eq!(r.before.by_hour[23], 1);
    assert!(r.suggestions.is_empty(), "too few cases for any rule");
}

#[test]
fn period_boundaries_are_local_midnights_across_dst() {
    // 8 March 2026: clocks go forward in New York. Both edges of the
    // week are local midnights, whatever the offset.
    let week = Period::new(d(2026, 3, 8), d(2026, 3, 14)).unwrap();
    let mut c = case(1, "4B", CaseKind::Concern, d(2026, 3, 1));
    c.contacts = vec![
        (ny(2026, 3, 7, 23, 59), Channel::Phone, Party::Patient),
        (ny(2026, 3, 8, 0, 0), Channel::Phone, Party::Patient),
        (ny(2026, 3, 8, 3, 30), Channel::Phone, Party::Patient),
        (ny(2026, 3, 14, 23, 59), Channel::Phone, Party::Patient),
        (ny(2026, 3, 15, 0, 0), Channel::Phone, Party::Patient),
    ];
    let cases = vec![("4B".to_owned(), c)];
    let r = compute(&refs(&cases), &params(week, ny(2026, 4, 1, 9, 0), &[]));
    assert_eq!(r.current.interactions, 3);
    assert_eq!(r.current.by_hour[3], 1, "03:30 EDT is hour 3 locally");
    assert_eq!(r.before.interactions, 1, "7 March 23:59");
    assert!(r.rates_absent.unwrap().contains("whole calendar months"));
}

#[test]
fn facts_come_from_the_fold_with_corrections_counted_once() {
    use crate::case::{Actor, CaseDraft, CaseRules};
    use crate::interaction::Interaction;
    let today = d(2026, 11, 3);
    let actor = Actor {
        user: "ana".into(),
        now: facts::instant(ny(2026, 11, 3, 9, 0)),
        today,
    };
    let case = CaseDraft {
        patient_name: "Rosa Diaz".into(),
        unit: "4B".into(),
        kind: "complaint".into(),
        received_via: "letter".into(),
        description: "Noise at night".into(),
        ..CaseDraft::default()
    }
    .validate(id(1), &actor, &CaseRules::default())
    .unwrap();
    let said = Interaction {
        id: id(10),
        case_id: id(1),
        at: facts::instant(ny(2026, 11, 3, 10, 0)),
        duration_minutes: None,
        channel: Channel::Phone,
        with: Party::Patient,
        summary: "Called".into(),
        outcome: String::new(),
        follow_up: None,
        by: "ana".into(),
        recorded_at: facts::instant(ny(2026, 11, 3, 10, 0)),
        amends: None,
        contact: None,
    };
    let corrected = Interaction {
        id: id(11),
        channel: Channel::BedsideVisit,
        recorded_at: facts::instant(ny(2026, 11, 3, 11, 0)),
        amends: Some(id(10)),
        ..said.clone()
    };
    let file = crate::caseload::CaseFile::new(case, vec![said, corrected]);
    let f = CaseFacts::of(&file).unwrap();
    assert_eq!(f.kind, CaseKind::Grievance, "a written complaint");
    assert_eq!(f.due_on, Some(d(2026, 11, 10)));
    assert_eq!(
        f.contacts,
        vec![(
            ny(2026, 11, 3, 10, 0),
            Channel::BedsideVisit,
            Party::Patient
        )]
    );
    let json = serde_json::to_string(&f).unwrap();
    assert_eq!(serde_json::from_str::<CaseFacts>(&json).unwrap(), f);
    let mut deleted = file;
    deleted.deleted = Some(crate::log::Deletion {
        by: "mona".into(),
        at: facts::instant(ny(2026, 11, 4, 9, 0)),
        reason: "Opened by mistake".into(),
    });
    assert_eq!(CaseFacts::of(&deleted), None);
}

#[test]
fn a_report_reads_back_as_written() {
    let cases = november();
    let r = compute(
        &refs(&cases),
        &params(Period::month_of(d(2026, 11, 1)), ny(2026, 12, 7, 9, 0), &[]),
    );
    let json = serde_json::to_string(&r).unwrap();
    assert_eq!(serde_json::from_str::<Report>(&json).unwrap(), r);
}

const UNITS: [&str; 4] = ["4B", "5W", "ICU", "Maternity"];

prop_compose! {
    fn any_facts(n: u64)(
        unit in 0..UNITS.len(),
        kind in 0..CaseKind::ALL.len(),
        category in proptest::option::of(0..ComplaintCategory::ALL.len()),
        received in 0..90u64,
        active in any::<bool>(),
        resolved in proptest::collection::vec(0..120u64 * 24, 0..3),
        reopened in proptest::collection::vec(0..120u64 * 24, 0..2),
        contacts in proptest::collection::vec((0..120u64 * 24 * 4, 0..Channel::ALL.len(), 0..Party::ALL.len()), 0..6),
        tasks in proptest::collection::vec((0..120u64, 0..120u64 * 24, proptest::option::of(0..120u64 * 24), any::<bool>()), 0..4),
        escalations in proptest::collection::vec((any::<bool>(), 0..120u64 * 24, proptest::option::of(0..72u64)), 0..3),
        discharge in proptest::option::of((0..120u64, proptest::collection::vec(proptest::option::of(0..120u64 * 24), 0..4))),
        tag in proptest::option::of(0..3usize),
        extension in 0..5u64,
    ) -> (String, CaseFacts) {
        // Times in hours (contacts in quarter hours) from 1 Sep 2026.
        let start = ny(2026, 9, 1, 0, 0);
        let hour = |h: u64| start + h as i64 * 3_600_000;
        let day = |n: u64| d(2026, 9, 1) + chrono::Days::new(n);
        let unit = UNITS[unit].to_owned();
        let mut f = case(n, &unit, CaseKind::ALL[kind], day(received));
        f.category = category.map(|c| ComplaintCategory::ALL[c]);
        f.status = if active { Status::Open } else { Status::Resolved };
        f.due_on = f.due_on.map(|d| d + chrono::Days::new(extension));
        f.resolved = resolved.into_iter().map(hour).collect();
        f.reopened = reopened.into_iter().map(hour).collect();
        f.tags = tag.map(|t| vec![["Parking", "parking", "Food"][t].to_owned()]).unwrap_or_default();
        f.contacts = contacts
            .into_iter()
            .map(|(q, c, p)| (start + q as i64 * 900_000, Channel::ALL[c], Party::ALL[p]))
            .collect();
        f.tasks = tasks
            .into_iter()
            .map(|(due, made, done, cancelled)| TaskFacts {
                cancelled,
                ..task(day(due), hour(made), done.map(hour))
            })
            .collect();
        f.escalations = escalations
            .into_iter()
            .map(|(urgent, at, after)| EscalationFacts {
                urgency: if urgent { Urgency::Urgent } else { Urgency::Routine },
                at: hour(at),
                taken_up: after.map(|h| hour(at) + h as i64 * 3_600_000),
            })
            .collect();
        f.discharge = discharge.map(|(on, required)| DischargeFacts {
            expected: day(on),
            required: required.into_iter().map(|r| r.map(hour)).collect(),
        });
        (unit, f)
    }
}

fn any_caseload() -> impl Strategy<Value = Vec<(String, CaseFacts)>> {
    (0..60u64).prop_flat_map(|n| (0..n).map(any_facts).collect::<Vec<_>>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The figures over a caseload are the sum of the figures over any
    /// partition of its units, for the period and the one before.
    #[test]
    fn the_report_over_a_caseload_is_the_sum_over_its_units(
        cases in any_caseload(),
        first in 0..60u64,
        days in 1..70u64,
    ) {
        let from = d(2026, 9, 15) + chrono::Days::new(first);
        let period = Period::new(from, from + chrono::Days::new(days - 1)).unwrap();
        let p = params(period, ny(2026, 12, 7, 9, 0), &[]);
        let whole = compute(&refs(&cases), &p);
        let mut sum = Figures::default();
        let mut sum_before = Figures::default();
        for unit in UNITS {
            let part: Vec<(String, CaseFacts)> =
                cases.iter().filter(|(u, _)| u == unit).cloned().collect();
            let r = compute(&refs(&part), &p);
            sum.merge(r.current);
            sum_before.merge(r.before);
        }
        prop_assert_eq!(&whole.current, &sum);
        prop_assert_eq!(&whole.before, &sum_before);
    }
}
