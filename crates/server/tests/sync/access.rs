//! Who sees and changes what: coordinators their units and their cases,
//! managers everything (and only they delete), administrators no patient
//! data, no one without a valid session, and a task or an escalation
//! bringing its case to whom it is for.

use advocase_core::access::Role;
use advocase_core::sync::{CaseHistory, Outcome};
use axum::http::{Method, StatusCode};

use super::{refusal, seqs, stored};
use crate::app::{Backend, TestApp, ok, refused};
use crate::devices::{self, Device};

on_both!(
    coordinators_see_their_units_and_their_cases_only,
    only_managers_delete_cases,
    administrators_get_no_patient_data,
    requests_without_a_valid_session_are_refused,
    a_task_or_an_escalation_brings_its_case_to_whom_it_is_for,
);

async fn coordinators_see_their_units_and_their_cases_only(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let eve = t.signed_in("eve", Role::Coordinator, &["5 East"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let mut anas = Device::new("ana");
    let mut eves = Device::new("eve");
    let mut mgrs = Device::new("mgr");

    let east = eves.open("5 East");
    let east_id = east.case_id;
    t.push(&eve, &eves.batch([&east])).await;
    let west = anas.open("4 West");
    // Ana may not touch a 5 East case that is not hers; the change after it
    // is stored all the same.
    let on_east = anas.log(east_id);
    let answer = t.push(&ana, &anas.batch([&on_east, &west])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("forbidden", None));
    assert_eq!(stored(&answer.results[1].outcome), (2, false));
    // Nor send a change recorded by someone else.
    let mut forged = anas.log(west.case_id);
    forged.by = "eve".into();
    let answer = t.push(&ana, &anas.batch([&forged])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("forbidden", None));

    let uri = format!("/api/sync/cases/{east_id}");
    let answer = t.call(Method::GET, &uri, Some(&ana), None).await;
    refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [2]);
    assert_eq!(page.hidden, [east_id]);
    let page = t.pull(&eve, 0, 100).await;
    assert_eq!(seqs(&page), [1]);
    assert_eq!(page.hidden, [west.case_id]);

    // The manager sees everything, histories included.
    let page = t.pull(&mgr, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2]);
    assert!(page.hidden.is_empty());
    let history: CaseHistory = ok(t.call(Method::GET, &uri, Some(&mgr), None).await);
    assert_eq!(history.changes.len(), 1);
    assert_eq!(history.changes[0].change, east);

    // Visibility follows the case as it is now: assigned to Ana, the 5 East
    // case reaches her, whole history and all.
    let reassign = mgrs.reassign(east_id, "eve", "ana");
    t.push(&mgr, &mgrs.batch([&reassign])).await;
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3]);
    assert!(page.hidden.is_empty());
    let history: CaseHistory = ok(t.call(Method::GET, &uri, Some(&ana), None).await);
    let got: Vec<_> = history.changes.iter().map(|p| p.server_seq).collect();
    assert_eq!(got, [1, 3]);
    let log = anas.log(east_id);
    let answer = t.push(&ana, &anas.batch([&log])).await;
    assert!(!stored(&answer.results[0].outcome).1);

    let unknown = format!("/api/sync/cases/{}", devices::new_id());
    let answer = t.call(Method::GET, &unknown, Some(&mgr), None).await;
    refused(&answer, StatusCode::NOT_FOUND, "not_found", None);
    let answer = t
        .call(Method::GET, "/api/sync/cases/not-an-id", Some(&mgr), None)
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("id"),
    );
}

async fn only_managers_delete_cases(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let mut anas = Device::new("ana");
    let mut mgrs = Device::new("mgr");
    let open = anas.open("4 West");
    let case = open.case_id;
    let delete = anas.delete(case);
    let answer = t.push(&ana, &anas.batch([&open, &delete])).await;
    assert_eq!(stored(&answer.results[0].outcome), (1, false));
    assert_eq!(refusal(&answer.results[1].outcome), ("forbidden", None));

    let delete = mgrs.delete(case);
    let answer = t.push(&mgr, &mgrs.batch([&delete])).await;
    assert_eq!(stored(&answer.results[0].outcome), (2, false));
    let deleted: i64 = sqlx::query_scalar("SELECT deleted FROM cases WHERE case_id = $1")
        .bind(case.to_string())
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    // The deletion syncs like any change: Ana's tablet learns of it.
    let page = t.pull(&ana, 1, 100).await;
    assert_eq!(seqs(&page), [2]);
}

async fn administrators_get_no_patient_data(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mut anas = Device::new("ana");
    let open = anas.open("4 West");
    t.push(&ana, &anas.batch([&open])).await;

    let mut roots = Device::new("root");
    let attempt = roots.open("4 West");
    let body = serde_json::to_value(roots.batch([&attempt])).unwrap();
    let history = format!("/api/sync/cases/{}", open.case_id);
    for (method, uri, body) in [
        (Method::POST, "/api/sync/push", Some(body)),
        (Method::GET, "/api/sync/pull", None),
        (Method::GET, history.as_str(), None),
    ] {
        let answer = t.call(method, uri, Some(&root), body).await;
        refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    }
    assert_eq!(t.counts().await.changes, 1);
}

async fn requests_without_a_valid_session_are_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut anas = Device::new("ana");
    let open = anas.open("4 West");
    let body = serde_json::to_value(anas.batch([&open])).unwrap();
    let history = format!("/api/sync/cases/{}", open.case_id);
    let forged = "0".repeat(64);
    for token in [None, Some("not-a-token"), Some(forged.as_str())] {
        for (method, uri, body) in [
            (Method::POST, "/api/sync/push", Some(body.clone())),
            (Method::GET, "/api/sync/pull", None),
            (Method::GET, history.as_str(), None),
        ] {
            let answer = t.call(method, uri, token, body).await;
            refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
            let message = answer.1["message"].as_str().unwrap();
            assert!(message.starts_with("Sign in again"), "{message}");
        }
    }
    // A scheme other than Bearer is no session either.
    let answer = t.raw(Method::GET, "/api/sync/pull", None, None, None).await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    assert_eq!(t.counts().await.changes, 0);
    assert!(t.pull(&ana, 0, 10).await.changes.is_empty());
}

/// Issue 14: a task given to a colleague who covers another unit, and an
/// escalation passed on to a coordinator, bring the case to them (history
/// and all) on their next pull; taking the task away takes the case away.
async fn a_task_or_an_escalation_brings_its_case_to_whom_it_is_for(b: Backend) {
    use advocase_core::case::CaseChange;
    use advocase_core::change::{Op, TaskSet};
    use advocase_core::followup::{Answer, Escalation, Recipient, Response, TaskStatus, TaskValue};
    use advocase_core::reference::{TaskKind, Urgency};

    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let eve = t.signed_in("eve", Role::Coordinator, &["5 East"]).await;
    let cal = t.signed_in("cal", Role::Coordinator, &["6 North"]).await;
    let mut anas = Device::new("ana");
    let west = anas.open("4 West");
    let case_id = west.case_id;
    let task_id = devices::new_id();
    let add = anas.change(
        devices::new_id(),
        case_id,
        Op::AddTask {
            task: Box::new(advocase_core::followup::Task {
                id: task_id,
                kind: TaskKind::Interpreter,
                title: "Book a Spanish interpreter for the family meeting".into(),
                due: west.at.date_naive(),
                time: Some(15 * 60),
                owner: "eve".into(),
                status: TaskStatus::Open,
                notes: String::new(),
                from: None,
                created_by: "ana".into(),
                created_at: west.at,
            }),
        },
    );
    let answer = t.push(&ana, &anas.batch([&west, &add])).await;
    assert!(
        answer
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Stored { .. }))
    );
    let page = t.pull(&eve, 0, 100).await;
    assert_eq!(
        seqs(&page),
        [1, 2],
        "eve owns a task on it: the case is hers to see"
    );
    assert!(page.hidden.is_empty());
    let page = t.pull(&cal, 0, 100).await;
    assert!(page.changes.is_empty());

    // Ana escalates to the manager, who passes it on to Cal.
    let x = Escalation {
        id: devices::new_id(),
        to: Recipient::Account {
            username: "mgr".into(),
            name: "Dana".into(),
        },
        reason: "The family asks for a meeting today".into(),
        urgency: Urgency::Urgent,
        task: Some(task_id),
        by: "ana".into(),
        at: west.at,
        responses: vec![],
    };
    let escalate = anas.change(
        devices::new_id(),
        case_id,
        Op::Escalate {
            escalation: Box::new(x.clone()),
        },
    );
    let pass = anas.change(
        devices::new_id(),
        case_id,
        Op::Respond {
            response: Box::new(Response {
                id: devices::new_id(),
                escalation: x.id,
                answer: Answer::PassedOn {
                    to: Recipient::Account {
                        username: "cal".into(),
                        name: "Cal".into(),
                    },
                    note: "Cal knows the family".into(),
                },
                by: "ana".into(),
                at: west.at,
            }),
        },
    );
    t.push(&ana, &anas.batch([&escalate, &pass])).await;
    let page = t.pull(&cal, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3, 4]);

    // The task taken back by Ana: Eve no longer sees the case.
    let back = anas.change(
        devices::new_id(),
        case_id,
        Op::SetTask {
            task: task_id,
            event: CaseChange::TaskChanged {
                title: "Book a Spanish interpreter".into(),
                to: "owner ana".into(),
            },
            sets: vec![TaskSet {
                value: TaskValue::Owner("ana".into()),
                base: Some(add.id),
            }],
            settles: vec![],
        },
    );
    t.push(&ana, &anas.batch([&back])).await;
    let page = t.pull(&eve, 2, 100).await;
    assert!(page.changes.is_empty());
    assert_eq!(page.hidden, [case_id]);
}
