use super::*;
use crate::case::{Actor, CaseDraft, CaseRules};
use crate::checklist::default_templates;
use crate::followup::escalation::{Answer, Recipient, Response};
use crate::followup::task::{TaskDraft, TaskStatus};
use chrono::{NaiveTime, TimeZone};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn id(n: u64) -> Id {
    Id::new_v7(1_790_000_000_000 + n, [n as u8; 10])
}

/// Local time is UTC-5 here (a fixed offset is enough: the rules compare
/// wall times the caller gives).
fn local(t: DateTime<Utc>) -> NaiveDateTime {
    (t - chrono::Duration::hours(5)).naive_utc()
}

fn viewer<'a>(
    me: &'a str,
    manager: bool,
    now: NaiveDateTime,
    f: &'a dyn Fn(DateTime<Utc>) -> NaiveDateTime,
) -> Viewer<'a> {
    Viewer {
        me,
        manager,
        now,
        windows: Windows::default(),
        local: f,
    }
}

fn actor(today: NaiveDate) -> Actor {
    Actor {
        user: "ana".into(),
        now: Utc.from_utc_datetime(&today.and_hms_opt(14, 0, 0).unwrap()),
        today,
    }
}

fn file(n: u64, kind: &str, today: NaiveDate) -> CaseFile {
    let case = CaseDraft {
        patient_name: format!("Patient {n}"),
        unit: "4 West".into(),
        kind: kind.into(),
        description: "Call bell".into(),
        ..CaseDraft::default()
    }
    .validate(id(n), &actor(today), &CaseRules::default())
    .unwrap();
    CaseFile::new(case, vec![])
}

fn task(n: u64, owner: &str, due: NaiveDate, time: Option<u16>) -> Task {
    let mut t = TaskDraft {
        kind: "call_back".into(),
        title: format!("Task {n}"),
        due: due.to_string(),
        owner: owner.into(),
        ..TaskDraft::default()
    }
    .validate(id(1000 + n), None, &actor(due))
    .unwrap();
    t.time = time;
    t
}

fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
}

#[test]
fn rows_come_in_order_of_urgency_each_saying_why() {
    let today = day(2026, 12, 1);
    let now = at(today, 10, 0);
    let mut a = file(1, "complaint", day(2026, 11, 20));
    a.case.tasks = vec![
        task(1, "ana", day(2026, 11, 30), None),
        task(2, "ana", today, Some(9 * 60)),
        task(3, "ana", today, Some(15 * 60)),
        task(4, "ana", day(2026, 12, 8), None),
        task(5, "ana", day(2026, 12, 9), None),
        task(6, "ben", day(2026, 11, 29), None),
    ];
    // A grievance received 24 Nov: its response is due 1 Dec, today.
    let mut g = file(2, "grievance", day(2026, 11, 24));
    g.case.assignee = "ana".into();
    let mut d = file(3, "discharge_planning", day(2026, 11, 28));
    d.case.expected_discharge = Some(day(2026, 12, 2));
    d.case.checklists.push(crate::checklist::Checklist::start(
        id(300),
        &default_templates()[0],
        || id(301),
    ));
    let f = local;
    let v = viewer("ana", false, now, &f);
    let my = MyDay::new([&a, &g, &d], &v);
    let rows: Vec<(Section, &str, &str)> = my
        .rows()
        .map(|r| (r.section, r.why.as_str(), r.title.as_str()))
        .collect();
    assert_eq!(
        rows,
        [
            (Section::OverdueTasks, "Overdue 1 day", "Task 1"),
            (Section::OverdueTasks, "Overdue since 09:00", "Task 2"),
            (
                Section::Grievances,
                "Response due today",
                "Written grievance response"
            ),
            (Section::Discharges, rows[3].1, "Discharge checklist"),
            (Section::DueToday, "Due today at 15:00", "Task 3"),
            (Section::DueSoon, "Due in 7 days", "Task 4"),
        ],
        "task 5 is 8 days away; ben's task is not ana's"
    );
    assert!(
        rows[3].1.starts_with("Discharge tomorrow, "),
        "{}",
        rows[3].1
    );
    assert_eq!(my.count(), 5);
    assert_eq!(my.overdue(), 2);
    // A manager sees ben's overdue task under the team, by coordinator.
    let m = viewer("mgr", true, now, &f);
    let team: Vec<(String, String)> = MyDay::new([&a], &m)
        .section(Section::Team)
        .map(|r| (r.owner.clone(), r.title.clone()))
        .collect();
    assert_eq!(
        team,
        [
            ("ana".into(), "Task 1".into()),
            ("ana".into(), "Task 2".into()),
            ("ben".into(), "Task 6".into())
        ]
    );
    // Each saying how overdue, as on the coordinator's own page.
    let whys: Vec<String> = MyDay::new([&a], &m)
        .section(Section::Team)
        .map(|r| r.why.clone())
        .collect();
    assert_eq!(
        whys,
        ["Overdue 1 day", "Overdue since 09:00", "Overdue 2 days"]
    );
}

#[test]
fn done_cancelled_closed_and_deleted_leave_the_page() {
    let today = day(2026, 12, 1);
    let f = local;
    let v = viewer("ana", false, at(today, 10, 0), &f);
    let mut a = file(1, "complaint", today);
    a.case.tasks = vec![task(1, "ana", day(2026, 11, 30), None)];
    assert_eq!(MyDay::new([&a], &v).count(), 1);
    a.case.tasks[0].status = TaskStatus::Done {
        by: "ana".into(),
        at: Utc::now_for_tests(),
    };
    assert_eq!(MyDay::new([&a], &v).count(), 0);
    let mut g = file(2, "grievance", day(2026, 11, 20));
    g.case.assignee = "ana".into();
    assert_eq!(
        MyDay::new([&g], &v).rows().next().unwrap().why,
        "Response overdue 4 days"
    );
    g.case.status = crate::status::Status::Closed;
    assert_eq!(MyDay::new([&g], &v).count(), 0);
}

trait TestNow {
    fn now_for_tests() -> DateTime<Utc>;
}
impl TestNow for Utc {
    fn now_for_tests() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()
    }
}

#[test]
fn windows_cross_month_ends_and_dst_in_wall_time() {
    // Due 31 Oct 23:30; the clocks go back in the night of 1 Nov.
    let mut a = file(1, "complaint", day(2026, 10, 30));
    a.case.tasks = vec![task(1, "ana", day(2026, 10, 31), Some(23 * 60 + 30))];
    let f = local;
    let before = viewer("ana", false, at(day(2026, 10, 31), 23, 29), &f);
    assert_eq!(
        MyDay::new([&a], &before).rows().next().unwrap().why,
        "Due today at 23:30"
    );
    let after = viewer("ana", false, at(day(2026, 11, 1), 1, 30), &f);
    assert_eq!(
        MyDay::new([&a], &after).rows().next().unwrap().why,
        "Overdue 1 day"
    );
    // Due 1 Jan, seen on 31 Dec: tomorrow, across the year end.
    a.case.tasks = vec![task(2, "ana", day(2027, 1, 1), None)];
    let eve = viewer("ana", false, at(day(2026, 12, 31), 18, 0), &f);
    assert_eq!(
        MyDay::new([&a], &eve).rows().next().unwrap().why,
        "Due tomorrow"
    );
}

fn escalated(to: &str, urgency: Urgency, sent: DateTime<Utc>) -> Escalation {
    Escalation {
        id: id(500),
        to: Recipient::Account {
            username: to.into(),
            name: to.to_uppercase(),
        },
        reason: "Family wants a meeting today".into(),
        urgency,
        task: None,
        by: "ana".into(),
        at: sent,
        responses: vec![],
    }
}

#[test]
fn an_escalation_waits_on_its_holder_and_turns_overdue_after_its_window() {
    let sent = Utc.with_ymd_and_hms(2026, 12, 3, 14, 0, 0).unwrap(); // 09:00 local
    let mut a = file(1, "complaint", day(2026, 12, 3));
    a.case.escalations = vec![escalated("mgr", Urgency::Urgent, sent)];
    a.undelivered = vec![id(500)];
    let f = local;
    let d = day(2026, 12, 3);
    let sender = |h| viewer("ana", false, at(d, h, 0), &f);
    let row = MyDay::new([&a], &sender(10))
        .rows()
        .next()
        .cloned()
        .unwrap();
    assert_eq!(row.why, "Urgent to MGR: not yet delivered");
    assert!(row.undelivered);
    a.undelivered.clear();
    let mgr = |h| viewer("mgr", true, at(d, h, 0), &f);
    assert_eq!(
        MyDay::new([&a], &mgr(12)).rows().next().unwrap().why,
        "Urgent, waiting on you"
    );
    // 4 hours: 13:00 local.
    let late = MyDay::new([&a], &mgr(14));
    assert_eq!(
        late.rows().next().unwrap().why,
        "Urgent, waiting on you: overdue since 13:00"
    );
    assert!(late.rows().next().unwrap().overdue);
    assert_eq!(
        MyDay::new([&a], &sender(14)).rows().next().unwrap().why,
        "Urgent to MGR: not acknowledged, overdue"
    );
    // Another manager sees it under the team.
    let other = viewer("boss", true, at(d, 14, 0), &f);
    assert_eq!(MyDay::new([&a], &other).section(Section::Team).count(), 1);
    // Acknowledged: off the sender's page, still the holder's to answer.
    a.case.escalations[0].responses.push(Response {
        id: id(501),
        escalation: id(500),
        answer: Answer::Acknowledged,
        by: "mgr".into(),
        at: sent + chrono::Duration::hours(5),
    });
    assert_eq!(MyDay::new([&a], &sender(15)).count(), 0);
    assert_eq!(
        MyDay::new([&a], &mgr(15)).rows().next().unwrap().why,
        "Urgent, acknowledged: to answer"
    );
    a.case.escalations[0].responses.push(Response {
        id: id(502),
        escalation: id(500),
        answer: Answer::Answered {
            note: "Met them at 4".into(),
        },
        by: "mgr".into(),
        at: sent + chrono::Duration::hours(6),
    });
    assert_eq!(MyDay::new([&a], &mgr(16)).count(), 0);
}

/// A random small caseload: tasks for a few owners due around today,
/// grievances, discharges and escalations, each maybe closed or done.
fn arb_file(n: u64) -> impl Strategy<Value = CaseFile> {
    (
        0..3u8,
        -3i64..3,
        proptest::collection::vec(
            (
                0..3usize,
                -10i64..10,
                proptest::option::of(0..1440u16),
                0..4u8,
            ),
            0..4,
        ),
        proptest::option::of((0..3usize, 0..2u8, 0..3u8)),
        0..2u8,
    )
        .prop_map(move |(kind, received, tasks, esc, active)| {
            let today = day(2026, 12, 1);
            let names = ["ana", "ben", "mgr"];
            let kind = ["grievance", "complaint", "discharge_planning"][kind as usize];
            let mut f = file(n, kind, today + chrono::Duration::days(received - 5));
            f.case.assignee = names[(n % 3) as usize].into();
            if active == 0 {
                f.case.status = crate::status::Status::Resolved;
            }
            f.case.expected_discharge = Some(today + chrono::Duration::days(received.abs() % 2));
            f.case.checklists.push(crate::checklist::Checklist::start(
                id(n * 100),
                &default_templates()[0],
                || id(n * 100 + 1),
            ));
            for (i, (owner, due, time, state)) in tasks.into_iter().enumerate() {
                let mut t = task(n * 10 + i as u64, names[owner], today, time);
                t.due = today + chrono::Duration::days(due);
                if state == 0 {
                    t.status = TaskStatus::Done {
                        by: "ana".into(),
                        at: Utc::now_for_tests(),
                    };
                }
                f.case.tasks.push(t);
            }
            if let Some((to, urgency, answers)) = esc {
                let mut x = escalated(
                    names[to],
                    [Urgency::Urgent, Urgency::Routine][urgency as usize],
                    Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap(),
                );
                x.id = id(n * 100 + 50);
                for k in 0..answers {
                    x.responses.push(Response {
                        id: id(n * 100 + 60 + k as u64),
                        escalation: x.id,
                        answer: if k == 0 {
                            Answer::Acknowledged
                        } else {
                            Answer::Answered { note: "ok".into() }
                        },
                        by: "mgr".into(),
                        at: x.at,
                    });
                }
                f.case.escalations.push(x);
            }
            f
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// After any sequence of cases changing, arriving and leaving, the
    /// page updated case by case equals the page computed from scratch.
    #[test]
    fn the_incremental_page_equals_a_full_computation(
        steps in proptest::collection::vec((0..6u64, proptest::option::of(0..6u64)), 1..40),
        versions in proptest::collection::vec(arb_file(0), 36),
        manager in any::<bool>(),
        hour in 0u32..24,
    ) {
        let f = local;
        let me = if manager { "mgr" } else { "ana" };
        let v = viewer(me, manager, at(day(2026, 12, 1), hour, 0), &f);
        let mut held: BTreeMap<Id, CaseFile> = BTreeMap::new();
        let mut page = MyDay::default();
        for (i, (case, version)) in steps.into_iter().enumerate() {
            match version {
                Some(k) => {
                    // Version k of case `case`: the random file, given the case's id.
                    let mut file = versions[(case * 6 + k) as usize % versions.len()].clone();
                    file.case.id = id(case);
                    for x in &mut file.case.escalations { x.id = id(case * 1000 + i as u64); }
                    page.put(&file, &v);
                    held.insert(file.case.id, file);
                }
                None => {
                    page.remove(id(case));
                    held.remove(&id(case));
                }
            }
            prop_assert_eq!(&page, &MyDay::new(held.values(), &v));
        }
    }
}
