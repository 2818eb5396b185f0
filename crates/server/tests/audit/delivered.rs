//! What reaches a user and what a device reports: each case delivered by
//! a pull page or a history fetch, each pushed change stored or refused
//! (a repeat not again), device events recorded once as the session's
//! user and device, and no patient text in any row.

use advocase_core::access::Role;
use advocase_core::audit::{AuditAccepted, AuditPage};
use advocase_core::id::Id;
use advocase_core::sync::{CaseHistory, Outcome};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use super::{intact, login_on, open_for, rows, since, summary};
use crate::app::{Backend, TestApp, ok, refused};
use crate::devices::{Device, new_id};

on_both!(
    pulls_and_history_fetches_record_each_case_delivered,
    pushes_record_each_change_stored_or_refused_and_repeats_not_again,
    device_events_are_recorded_once_as_the_sessions_user_and_device,
    audit_rows_hold_no_patient_text,
);

async fn pulls_and_history_fetches_record_each_case_delivered(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let (one, two) = (tablet.open("4 West"), tablet.open("4 West"));
    let changes = [
        one.clone(),
        tablet.log(one.case_id),
        tablet.log(one.case_id),
        two.clone(),
    ];
    t.push(&ana, &tablet.batch(&changes)).await;
    // Another unit's case: not delivered to Ana, so not recorded as such.
    let ben = t.signed_in("ben", Role::Coordinator, &["5 East"]).await;
    let mut other = Device::new("ben");
    let hidden = other.open("5 East");
    t.push(&ben, &other.batch([&hidden])).await;

    let pulling = new_id();
    let token = login_on(&t, "ana", pulling).await;
    let before = rows(&t).await.len();
    let page = t.pull(&token, 0, 100).await;
    assert_eq!(page.changes.len(), 4);
    let pulled = since(&t, before).await;
    assert_eq!(
        summary(&pulled),
        [("case_pulled", "ok", "ana"), ("case_pulled", "ok", "ana")],
        "one row per case in the page, none for the hidden case"
    );
    assert_eq!(pulled[0].case_id, Some(one.case_id.to_string()));
    assert_eq!(pulled[0].detail, "3 changes (server_seq 1 to 3)");
    assert_eq!(pulled[1].case_id, Some(two.case_id.to_string()));
    assert_eq!(pulled[1].detail, "1 change (server_seq 4)");
    assert!(pulled.iter().all(|r| r.device == Some(pulling.to_string())));

    // A page with nothing in it delivers nothing and records nothing.
    let before = rows(&t).await.len();
    let page = t.pull(&token, page.next, 100).await;
    assert!(page.changes.is_empty());
    assert_eq!(rows(&t).await.len(), before);

    let uri = format!("/api/sync/cases/{}", one.case_id);
    let history: CaseHistory = ok(t.call(Method::GET, &uri, Some(&token), None).await);
    assert_eq!(history.changes.len(), 3);
    let uri = format!("/api/sync/cases/{}", hidden.case_id);
    let answer = t.call(Method::GET, &uri, Some(&token), None).await;
    refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    let fetched = since(&t, before).await;
    assert_eq!(
        summary(&fetched),
        [
            ("case_history", "ok", "ana"),
            ("case_history", "refused", "ana")
        ]
    );
    assert_eq!(fetched[0].case_id, Some(one.case_id.to_string()));
    assert_eq!(fetched[0].detail, "3 changes");
    assert_eq!(fetched[1].case_id, Some(hidden.case_id.to_string()));
    assert_eq!(intact(&t).await, rows(&t).await.len() as u64);
}

async fn pushes_record_each_change_stored_or_refused_and_repeats_not_again(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let log = tablet.log(open.case_id);
    // Only managers delete: refused, and recorded as refused.
    let delete = tablet.delete(open.case_id);
    let batch = tablet.batch([&open, &log, &delete]);
    let before = rows(&t).await.len();
    let first = t.push(&ana, &batch).await;
    assert!(matches!(first.results[2].outcome, Outcome::Refused { .. }));
    let pushed = since(&t, before).await;
    // The stored ones in one row for their case and device, the refused
    // one in its own.
    assert_eq!(
        summary(&pushed),
        [
            ("change_pushed", "ok", "ana"),
            ("change_pushed", "refused", "ana"),
        ]
    );
    for row in &pushed {
        assert_eq!(row.case_id, Some(open.case_id.to_string()));
        assert_eq!(row.device, Some(tablet.id.to_string()));
    }
    let stored = &pushed[0].detail;
    assert!(stored.starts_with("2 changes: "), "{stored}");
    assert!(stored.contains(&format!(
        "change {} (open, seq 1) stored as server_seq 1",
        open.id
    )));
    assert!(stored.contains(&format!(
        "change {} (log, seq 2) stored as server_seq 2",
        log.id
    )));
    assert!(!stored.contains(&delete.id.to_string()));
    assert_eq!(
        pushed[1].detail,
        format!("change {} (delete, seq 3) refused: forbidden", delete.id)
    );

    // The same batch again: every answer repeated, nothing recorded twice.
    let before = rows(&t).await.len();
    let second = t.push(&ana, &batch).await;
    assert_eq!(second.results.len(), 3);
    assert_eq!(rows(&t).await.len(), before, "repeats record nothing");

    // A repeat and a new change in one batch: only the new one.
    let more = tablet.log(open.case_id);
    t.push(&ana, &tablet.batch([&log, &more])).await;
    let last = since(&t, before).await;
    assert_eq!(summary(&last), [("change_pushed", "ok", "ana")]);
    assert!(last[0].detail.contains(&more.id.to_string()));
    assert_eq!(intact(&t).await, rows(&t).await.len() as u64);
}

async fn device_events_are_recorded_once_as_the_sessions_user_and_device(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    let tablet = new_id();
    let token = login_on(&t, "ana", tablet).await;
    let (case, other) = (new_id(), new_id());
    let (e1, e2, e3) = (new_id(), new_id(), new_id());
    let event = |id: Id, case: Id, action: &str, at: &str| json!({ "id": id, "case_id": case, "action": action, "at": at });
    let body = json!({ "events": [
        event(e1, case, "case_opened", "2020-01-02T08:30:00Z"),
        event(e2, other, "case_opened", "2020-01-03T09:00:00.250+01:00"),
        event(e1, case, "case_opened", "2020-01-02T08:30:00Z"),
        event(e3, case, "case_printed", "2020-01-02T08:31:00Z"),
    ]});
    let before = rows(&t).await.len();
    let answer: AuditAccepted = ok(t
        .call(
            Method::POST,
            "/api/audit/events",
            Some(&token),
            Some(body.clone()),
        )
        .await);
    assert_eq!(answer.accepted, [e1, e2, e1]);
    assert_eq!(
        answer.rejected,
        [e3],
        "an action this server does not record"
    );
    let recorded = since(&t, before).await;
    assert_eq!(
        summary(&recorded),
        [("case_opened", "ok", "ana"), ("case_opened", "ok", "ana")]
    );
    assert_eq!(recorded[0].case_id, Some(case.to_string()));
    assert_eq!(recorded[1].case_id, Some(other.to_string()));
    assert!(
        recorded
            .iter()
            .all(|r| r.device == Some(tablet.to_string()))
    );
    // The device's time is `at`; the server's is kept beside it.
    let (at, recorded_at): (String, String) =
        sqlx::query_as("SELECT at, recorded_at FROM audit WHERE case_id = $1")
            .bind(other.to_string())
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(at, "2020-01-03T08:00:00.250Z");
    assert_ne!(recorded_at, at);

    // The retried batch: the same answer, nothing recorded twice.
    let again: AuditAccepted = ok(t
        .call(Method::POST, "/api/audit/events", Some(&token), Some(body))
        .await);
    assert_eq!(again, answer);
    assert_eq!(rows(&t).await.len(), before + 2);

    // Who is the session's, whatever the body says; administrators see no
    // cases, so they report none.
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let one = json!({ "events": [event(new_id(), case, "case_opened", "2020-01-02T08:30:00Z")] });
    let answer = t
        .call(
            Method::POST,
            "/api/audit/events",
            Some(&root),
            Some(one.clone()),
        )
        .await;
    refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    let answer = t
        .call(Method::POST, "/api/audit/events", None, Some(one))
        .await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let many: Vec<Value> = (0..501)
        .map(|_| event(new_id(), case, "case_opened", "2020-01-02T08:30:00Z"))
        .collect();
    let answer = t
        .call(
            Method::POST,
            "/api/audit/events",
            Some(&token),
            Some(json!({ "events": many })),
        )
        .await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        Some("events"),
    );
    let answer = t
        .call(
            Method::POST,
            "/api/audit/events",
            Some(&token),
            Some(json!({ "events": [{ "id": new_id(), "action": "case_opened" }] })),
        )
        .await;
    assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY, "{answer:?}");
    assert_eq!(
        rows(&t).await.len(),
        before + 3,
        "only root's sign-in since"
    );
    assert_eq!(intact(&t).await, rows(&t).await.len() as u64);
}

async fn audit_rows_hold_no_patient_text(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = open_for(
        &mut tablet,
        "4 West",
        "Philomena Quackenbush",
        "MRN-ZX-99341",
    );
    let log = tablet.log(open.case_id);
    t.push(&ana, &tablet.batch([&open, &log])).await;
    t.pull(&ana, 0, 100).await;
    let uri = format!("/api/sync/cases/{}", open.case_id);
    ok::<CaseHistory>(t.call(Method::GET, &uri, Some(&ana), None).await);
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let page: AuditPage = ok(t
        .call(
            Method::GET,
            "/api/audit?patient=Quackenbush",
            Some(&root),
            None,
        )
        .await);
    assert!(!page.rows.is_empty());
    for r in rows(&t).await {
        let all = format!(
            "{} {:?} {:?} {} {}",
            r.username, r.device, r.case_id, r.action, r.detail
        );
        for secret in ["Quackenbush", "ZX-99341", "bell fixed", "Philomena"] {
            assert!(!all.contains(secret), "{all}");
        }
    }
}
