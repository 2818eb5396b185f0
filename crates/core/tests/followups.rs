//! Follow-ups and escalations through the log: the migration of promised
//! follow-ups from a stored log, access for a task's new owner, and the
//! checks every receiver makes.

use advocase_core::access::{Role, User};
use advocase_core::change::{Change, Op, TaskSet};
use advocase_core::directory::UnitIndex;
use advocase_core::followup::my_day::{MyDay, Section, Viewer};
use advocase_core::followup::task::promised_id;
use advocase_core::followup::{
    Answer, Escalation, Recipient, Response, TaskStatus, TaskValue, Windows,
};
use advocase_core::hlc::Timestamp;
use advocase_core::id::Id;
use advocase_core::log::{CaseLog, Entry};
use advocase_core::reference::{TaskKind, Urgency};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// A case log as the release before tasks stored it (schema 3): a
/// complaint and a phone call with a promised follow-up.
const BEFORE_TASKS: &str = include_str!("fixtures/case-log-before-tasks.json");

fn stored() -> CaseLog {
    serde_json::from_str(BEFORE_TASKS).expect("the stored log still reads")
}

fn change(log: &CaseLog, n: u64, by: &str, op: Op) -> Change {
    let last = log.entries.last().unwrap().change.clone();
    Change {
        id: Id::new_v7(1_795_000_000_000 + n, [9; 10]),
        case_id: last.case_id,
        device: Id::new_v7(7, [7; 10]),
        seq: n,
        hlc: Timestamp {
            wall_ms: last.hlc.wall_ms + n * 1000,
            ..last.hlc
        },
        by: by.into(),
        at: last.at + chrono::Duration::minutes(n as i64),
        op,
    }
}

fn add(log: &mut CaseLog, c: Change) {
    log.put(Entry {
        change: c,
        synced: None,
        refused: None,
    });
}

fn user(name: &str, units: &[&str]) -> User {
    User {
        username: name.into(),
        display_name: name.into(),
        role: Role::Coordinator,
        units: units.iter().map(|u| (*u).to_owned()).collect(),
        active: true,
    }
}

#[test]
fn a_follow_up_promised_before_tasks_existed_is_an_open_task_on_every_replica() {
    let log = stored();
    let file = log.fold().unwrap();
    let interaction = &file.interactions[0];
    assert_eq!(file.case.tasks.len(), 1);
    let t = &file.case.tasks[0];
    assert_eq!(t.id, promised_id(interaction.id));
    assert_eq!(
        t.title,
        "Call the daughter back with the dietitian's answer"
    );
    assert_eq!(t.due, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    assert_eq!((t.kind, t.owner.as_str()), (TaskKind::Other, "ana"));
    assert_eq!(t.from, Some(interaction.id));
    assert!(t.is_open());
    // A second device reading the same log derives the same task: one
    // task, whoever migrates.
    assert_eq!(stored().fold().unwrap().case.tasks, file.case.tasks);
    // Nothing was written to migrate: the log is as stored.
    assert_eq!(
        serde_json::to_value(&log).unwrap(),
        serde_json::from_str::<serde_json::Value>(BEFORE_TASKS).unwrap()
    );

    // On My day the day after it was due: overdue.
    let local = |t: DateTime<Utc>| t.naive_utc();
    let v = Viewer {
        me: "ana",
        manager: false,
        now: NaiveDate::from_ymd_opt(2026, 11, 24)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap(),
        windows: Windows::default(),
        local: &local,
    };
    let page = MyDay::new([&file], &v);
    let row = page.rows().next().unwrap();
    assert_eq!(
        (row.section, row.why.as_str()),
        (Section::OverdueTasks, "Overdue 1 day")
    );

    // It is done like any task, and the derived id takes the edit.
    let mut log = log;
    let op = file
        .set_task(
            t.id,
            vec![TaskValue::Status(TaskStatus::Done {
                by: "ana".into(),
                at: Utc.with_ymd_and_hms(2026, 11, 24, 14, 0, 0).unwrap(),
            })],
        )
        .unwrap();
    let c = change(&log, 3, "ana", op);
    add(&mut log, c);
    let done = log.fold().unwrap();
    assert!(!done.case.tasks[0].is_open());
    assert_eq!(MyDay::new([&done], &v).rows().count(), 0);
}

#[test]
fn a_task_reassigned_to_a_colleague_lets_them_see_its_case() {
    let mut log = stored();
    let file = log.fold().unwrap();
    let eve = user("eve", &["5 East"]);
    let units = UnitIndex::default();
    assert!(!eve.can_see(&file.case, &units), "4 West is not eve's");
    let op = file
        .set_task(file.case.tasks[0].id, vec![TaskValue::Owner("eve".into())])
        .unwrap();
    let c = change(&log, 3, "ana", op);
    add(&mut log, c);
    let file = log.fold().unwrap();
    assert_eq!(file.case.involved(), "eve");
    assert!(eve.can_see(&file.case, &units));
    // Two call backs on one case: both stay.
    let mut log2 = log.clone();
    for n in 4..6 {
        let task = advocase_core::followup::TaskDraft {
            kind: "call_back".into(),
            title: "Call back".into(),
            due: "2026-11-25".into(),
            ..Default::default()
        }
        .validate(
            Id::new_v7(1_795_000_000_000 + n, [n as u8; 10]),
            None,
            &advocase_core::case::Actor {
                user: "ana".into(),
                now: file.case.created_at,
                today: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            },
        )
        .unwrap();
        let op = log2.fold().unwrap().add_task(task).unwrap();
        let c = change(&log2, n, "ana", op);
        add(&mut log2, c);
    }
    assert_eq!(log2.fold().unwrap().case.tasks.len(), 3);
}

fn escalation(log: &CaseLog) -> Escalation {
    Escalation {
        id: Id::new_v7(1_795_000_000_500, [5; 10]),
        to: Recipient::Account {
            username: "mgr".into(),
            name: "Dana".into(),
        },
        reason: "The daughter wants a meeting with the unit manager".into(),
        urgency: Urgency::Urgent,
        task: None,
        by: "ana".into(),
        at: log.entries[0].change.at,
        responses: vec![],
    }
}

#[test]
fn an_escalation_and_its_chain_fold_into_the_case_and_its_timeline() {
    let mut log = stored();
    let x = escalation(&log);
    let c = change(
        &log,
        3,
        "ana",
        Op::Escalate {
            escalation: Box::new(x.clone()),
        },
    );
    add(&mut log, c);
    let file = log.fold().unwrap();
    assert_eq!(file.undelivered, [x.id], "not yet on the server");
    assert_eq!(
        file.case.involved(),
        "ana\nmgr",
        "the task's owner and the recipient"
    );
    let respond = |n: u64, answer| Response {
        id: Id::new_v7(1_795_000_000_600 + n, [6; 10]),
        escalation: x.id,
        answer,
        by: "mgr".into(),
        at: x.at + chrono::Duration::hours(1),
    };
    let op = file.respond(respond(1, Answer::Acknowledged)).unwrap();
    let c = change(&log, 4, "mgr", op);
    add(&mut log, c);
    let op = log
        .fold()
        .unwrap()
        .respond(respond(
            2,
            Answer::PassedOn {
                to: Recipient::Department {
                    name: "Food and nutrition".into(),
                },
                note: "Dietitian to call".into(),
            },
        ))
        .unwrap();
    let c = change(&log, 5, "mgr", op);
    add(&mut log, c);
    let file = log.fold().unwrap();
    let chain: Vec<String> = file.case.escalations[0]
        .responses
        .iter()
        .map(|r| r.answer.display())
        .collect();
    assert_eq!(
        chain,
        [
            "Acknowledged",
            "Passed on to Food and nutrition: Dietitian to call"
        ]
    );
    let history: Vec<String> = file
        .case
        .history
        .iter()
        .map(|e| serde_json::to_string(&e.change).unwrap())
        .collect();
    assert!(
        history.iter().any(|h| h.contains("\"escalated\"")),
        "{history:?}"
    );
    assert_eq!(
        history
            .iter()
            .filter(|h| h.contains("escalation_answered"))
            .count(),
        2
    );
}

#[test]
fn receivers_refuse_malformed_tasks_and_escalations_at_their_field() {
    let log = stored();
    let file = log.fold().unwrap();
    let t = file.case.tasks[0].id;
    let refuse = |op: Op| {
        change(&log, 3, "ana", op)
            .check()
            .unwrap_err()
            .field
            .unwrap()
    };
    let set = |value| Op::SetTask {
        task: t,
        event: advocase_core::case::CaseChange::TaskChanged {
            title: "x".into(),
            to: "y".into(),
        },
        sets: vec![TaskSet { value, base: None }],
        settles: vec![],
    };
    assert_eq!(refuse(set(TaskValue::Title("  ".into()))), "op.sets.title");
    assert_eq!(
        refuse(set(TaskValue::Owner(String::new()))),
        "op.sets.owner"
    );
    assert_eq!(refuse(set(TaskValue::Time(Some(1440)))), "op.sets.time");
    assert_eq!(
        refuse(set(TaskValue::Status(TaskStatus::Cancelled {
            reason: " ".into(),
            by: "ana".into(),
            at: file.case.created_at,
        }))),
        "op.sets.reason"
    );
    let mut x = escalation(&log);
    x.reason = String::new();
    assert_eq!(
        refuse(Op::Escalate {
            escalation: Box::new(x.clone())
        }),
        "op.escalation.reason"
    );
    x.reason = "ok".into();
    x.to = Recipient::Department { name: " ".into() };
    assert_eq!(
        refuse(Op::Escalate {
            escalation: Box::new(x.clone())
        }),
        "op.escalation.to"
    );
    let r = Response {
        id: Id::new_v7(1, [1; 10]),
        escalation: x.id,
        answer: Answer::Answered { note: " ".into() },
        by: "ana".into(),
        at: x.at,
    };
    assert_eq!(
        refuse(Op::Respond {
            response: Box::new(r)
        }),
        "op.response.note"
    );
}
