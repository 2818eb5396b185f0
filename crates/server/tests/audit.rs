//! The audit trail through the HTTP API, every scenario on SQLite and on
//! PostgreSQL: a row for each way a case reaches a user or changes, sign-ins
//! and account changes, device-reported views recorded once, the hash chain
//! catching tampering (through `audit::chain::verify`, the function
//! `verify-audit` runs, and through the binary), the administrators' Access
//! log with its filters and CSV export, and the escrow key. No assertion
//! depends on the clock.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use std::process::{Command, Output};
use std::time::Duration;

use advocase_core::access::Role;
use advocase_core::audit::{AuditAccepted, AuditPage, EscrowKey};
use advocase_core::change::{Change, Op};
use advocase_core::id::Id;
use advocase_core::sync::{CaseHistory, Outcome, Session};
use advocase_server::audit::chain::{self, Break};
use advocase_server::throttle::ATTEMPTS;
use app::{Answer, Backend, PASSWORD, TestApp, ok, refused};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use devices::{Device, new_id};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

on_both!(
    pulls_and_history_fetches_record_each_case_delivered,
    pushes_record_each_change_stored_or_refused_and_repeats_not_again,
    sign_ins_failures_lockouts_and_sign_outs_are_recorded,
    account_changes_are_recorded_with_who_made_them,
    create_admin_is_recorded_as_the_console,
    device_events_are_recorded_once_as_the_sessions_user_and_device,
    audit_rows_hold_no_patient_text,
    the_chain_catches_an_edited_a_deleted_and_a_moved_row,
    a_large_append_is_stored_exactly_in_order_and_whole,
    verify_audit_says_intact_or_names_the_broken_seq,
    concurrent_requests_keep_one_unbroken_chain,
    only_administrators_read_the_access_log_and_reading_it_is_recorded,
    the_access_log_filters_by_patient_user_and_date_and_pages,
    the_csv_export_quotes_fields_and_neutralises_formulas,
    cases_stored_before_the_audit_trail_are_indexed_at_start_up,
    the_escrow_key_goes_only_to_its_own_users_valid_session,
);

/// One audit row, as the database holds it.
#[derive(Debug, Clone)]
struct Row {
    seq: i64,
    username: String,
    device: Option<String>,
    case_id: Option<String>,
    action: String,
    outcome: String,
    detail: String,
}

async fn rows(t: &TestApp) -> Vec<Row> {
    use sqlx::Row as _;
    sqlx::query(
        "SELECT seq, username, device, case_id, action, outcome, detail FROM audit ORDER BY seq",
    )
    .fetch_all(&t.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| Row {
        seq: r.get("seq"),
        username: r.get("username"),
        device: r.get("device"),
        case_id: r.get("case_id"),
        action: r.get("action"),
        outcome: r.get("outcome"),
        detail: r.get("detail"),
    })
    .collect()
}

/// The rows after the first `skip`, as (action, outcome, username).
async fn since(t: &TestApp, skip: usize) -> Vec<Row> {
    rows(t).await.into_iter().skip(skip).collect()
}

fn summary(rows: &[Row]) -> Vec<(&str, &str, &str)> {
    rows.iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str(), r.username.as_str()))
        .collect()
}

async fn intact(t: &TestApp) -> u64 {
    match chain::verify(&t.db).await.unwrap() {
        Ok(intact) => intact.rows,
        Err(b) => panic!("chain broken: {b}"),
    }
}

async fn exec(t: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&t.db.pool).await.unwrap();
}

/// Signs in with this device id: its token.
async fn login_on(t: &TestApp, username: &str, device: Id) -> String {
    let body = json!({ "username": username, "password": PASSWORD, "device": device });
    let session: Session = ok(t.call(Method::POST, "/api/login", None, Some(body)).await);
    session.token
}

async fn login_answer(t: &TestApp, username: &str, password: &str) -> Answer {
    let body = json!({ "username": username, "password": password });
    t.call(Method::POST, "/api/login", None, Some(body)).await
}

/// An opening for a patient with this name and MRN.
fn open_for(tablet: &mut Device, unit: &str, name: &str, mrn: &str) -> Change {
    let mut open = tablet.open(unit);
    if let Op::Open { case } = &mut open.op {
        case.patient.name = name.into();
        case.patient.mrn = mrn.into();
    }
    open
}

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

async fn sign_ins_failures_lockouts_and_sign_outs_are_recorded(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    t.account("gone", Role::Coordinator, &["4 West"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let patch = json!({ "active": false });
    let (status, _) = t
        .call(Method::PATCH, "/api/users/gone", Some(&root), Some(patch))
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = rows(&t).await.len();

    let tablet = new_id();
    let token = login_on(&t, "ana", tablet).await;
    refused(
        &login_answer(&t, "ana", "not the password").await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        None,
    );
    login_answer(&t, "nobody", PASSWORD).await;
    login_answer(&t, "gone", PASSWORD).await;
    let (status, _) = t
        .call(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let recorded = since(&t, before).await;
    assert_eq!(
        summary(&recorded),
        [
            ("sign_in", "ok", "ana"),
            ("sign_in", "failed", "ana"),
            ("sign_in", "failed", "nobody"),
            ("sign_in", "failed", "gone"),
            ("sign_out", "ok", "ana"),
        ]
    );
    assert_eq!(recorded[0].device, Some(tablet.to_string()));
    assert_eq!(recorded[4].device, Some(tablet.to_string()));
    assert_eq!(recorded[1].detail, "wrong password");
    assert_eq!(recorded[2].detail, "no account with this username");
    assert_eq!(recorded[3].detail, "account deactivated");

    // The lock: the attempt that sets it, and the attempts it refuses.
    t.account("ben", Role::Coordinator, &["4 West"]).await;
    let before = rows(&t).await.len();
    for i in 1..ATTEMPTS {
        login_answer(&t, "Ben", &format!("guess {i}")).await;
    }
    let before_last = rows(&t).await.len();
    login_answer(&t, "ben", "the last guess").await;
    let answer = login_answer(&t, "ben", PASSWORD).await;
    refused(
        &answer,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );
    assert_eq!(
        before_last - before,
        ATTEMPTS as usize - 1,
        "one failed row each"
    );
    assert_eq!(
        summary(&since(&t, before_last).await),
        [
            ("sign_in", "failed", "ben"),
            ("lockout", "locked", "ben"),
            ("sign_in", "locked", "ben"),
        ]
    );

    // Whatever is typed as a username, at most a username's length is kept.
    let typed = "a".repeat(500);
    login_answer(&t, &typed, PASSWORD).await;
    let last = rows(&t).await.pop().unwrap();
    assert_eq!(last.username.chars().count(), 65, "64 and an ellipsis");
    assert_eq!(intact(&t).await, rows(&t).await.len() as u64);
}

async fn account_changes_are_recorded_with_who_made_them(b: Backend) {
    let t = TestApp::start(b).await;
    let desk = new_id();
    t.account("root", Role::Admin, &[]).await;
    let root = login_on(&t, "root", desk).await;
    let before = rows(&t).await.len();
    let new = json!({
        "username": "ana", "display_name": "Ana Ruiz", "role": "coordinator",
        "units": ["4 West"], "password": PASSWORD,
    });
    let (status, _) = t
        .call(Method::POST, "/api/users", Some(&root), Some(new.clone()))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = t
        .call(Method::POST, "/api/users", Some(&root), Some(new))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for body in [
        json!({ "role": "manager", "units": ["4 West", "5 East"] }),
        json!({ "password": "a brand new password" }),
        json!({ "active": false }),
    ] {
        let (status, _) = t
            .call(Method::PATCH, "/api/users/ana", Some(&root), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _) = t
        .call(
            Method::PATCH,
            "/api/users/root",
            Some(&root),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let recorded = since(&t, before).await;
    assert_eq!(
        summary(&recorded),
        [
            ("account_created", "ok", "root"),
            ("account_created", "refused", "root"),
            ("account_changed", "ok", "root"),
            ("account_changed", "ok", "root"),
            ("account_changed", "ok", "root"),
            ("account_changed", "refused", "root"),
        ]
    );
    let details: Vec<&str> = recorded.iter().map(|r| r.detail.as_str()).collect();
    assert_eq!(
        details,
        [
            "account ana: role coordinator, 1 units",
            "account ana: username_taken",
            "account ana: role coordinator to manager, units changed (2 now)",
            "account ana: password reset",
            "account ana: deactivated",
            "account root: last_admin",
        ]
    );
    assert!(recorded.iter().all(|r| r.device == Some(desk.to_string())));
    for r in &recorded {
        for secret in ["Ana Ruiz", PASSWORD, "a brand new password"] {
            assert!(!r.detail.contains(secret), "{r:?}");
        }
    }
    assert_eq!(intact(&t).await, rows(&t).await.len() as u64);
}

fn server(args: &[&str], database: &str, password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_advocase-server"));
    cmd.args(args)
        .args(["--database", database])
        .env_remove("ADVOCASE_DATABASE")
        .env_remove("ADVOCASE_ADMIN_PASSWORD");
    if let Some(p) = password {
        cmd.env("ADVOCASE_ADMIN_PASSWORD", p);
    }
    cmd.output().unwrap()
}

async fn run(
    database: String,
    args: &'static [&'static str],
    password: Option<&'static str>,
) -> Output {
    tokio::task::spawn_blocking(move || server(args, &database, password))
        .await
        .unwrap()
}

async fn create_admin_is_recorded_as_the_console(b: Backend) {
    let t = TestApp::start(b).await;
    let args = &["create-admin", "--username", "root"];
    let out = run(t.database_arg(), args, Some("admin password 1")).await;
    assert!(out.status.success(), "{out:?}");
    let out = run(t.database_arg(), args, Some("admin password 2")).await;
    assert!(!out.status.success(), "taken: {out:?}");
    assert_eq!(
        summary(&rows(&t).await),
        [("account_created", "ok", "@cli")],
        "a refused create-admin changed nothing"
    );
    assert_eq!(rows(&t).await[0].device, None);
    assert_eq!(
        rows(&t).await[0].detail,
        "account root: role admin, 0 units"
    );
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

async fn the_chain_catches_an_edited_a_deleted_and_a_moved_row(b: Backend) {
    let t = TestApp::start(b).await;
    assert_eq!(intact(&t).await, 0, "an empty trail is whole");
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    for _ in 0..6 {
        t.login("ana", PASSWORD).await;
    }
    assert_eq!(intact(&t).await, 6);

    exec(&t, "UPDATE audit SET detail = 'role manager' WHERE seq = 3").await;
    assert_eq!(
        chain::verify(&t.db).await.unwrap(),
        Err(Break::Edited { seq: 3 })
    );
    exec(
        &t,
        "UPDATE audit SET detail = 'role coordinator' WHERE seq = 3",
    )
    .await;
    assert_eq!(intact(&t).await, 6, "put back, whole again");

    exec(&t, "UPDATE audit SET seq = 100 WHERE seq = 2").await;
    exec(&t, "UPDATE audit SET seq = 2 WHERE seq = 3").await;
    exec(&t, "UPDATE audit SET seq = 3 WHERE seq = 100").await;
    assert_eq!(
        chain::verify(&t.db).await.unwrap(),
        Err(Break::Reordered { seq: 2, was: 3 })
    );
    exec(&t, "UPDATE audit SET seq = 100 WHERE seq = 2").await;
    exec(&t, "UPDATE audit SET seq = 2 WHERE seq = 3").await;
    exec(&t, "UPDATE audit SET seq = 3 WHERE seq = 100").await;
    assert_eq!(intact(&t).await, 6);

    exec(&t, "DELETE FROM audit WHERE seq = 4").await;
    let broken = chain::verify(&t.db).await.unwrap().unwrap_err();
    assert_eq!(broken, Break::Missing { from: 4, to: 4 });
    assert!(
        broken.to_string().starts_with("seq 4: deleted row"),
        "{broken}"
    );

    // Deleting the newest rows is caught by the head the server keeps.
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    for _ in 0..3 {
        t.login("ana", PASSWORD).await;
    }
    exec(&t, "DELETE FROM audit WHERE seq = 3").await;
    assert_eq!(
        chain::verify(&t.db).await.unwrap(),
        Err(Break::Truncated { last: 2, head: 3 })
    );
}

/// More rows than one INSERT takes, with text that JSON must escape and
/// NULLs beside empty strings: every row comes back as it went in, in seq
/// order, and the chain verifies.
async fn a_large_append_is_stored_exactly_in_order_and_whole(b: Backend) {
    use advocase_server::audit::{self, Entry, action, outcome};
    let t = TestApp::start(b).await;
    let awkward = [
        "quote \" back\\slash",
        "tab\tnew\nline",
        "ünïcødé 患者 🏥",
        "",
        "'; DROP TABLE audit; --",
    ];
    let entries: Vec<Entry> = (0..2345)
        .map(|i| {
            let e = Entry::new(action::CASE_PULLED, outcome::OK, format!("user{}", i % 7))
                .detail(format!("{i}: {}", awkward[i % awkward.len()]));
            match i % 3 {
                0 => e.case(format!("case-{i}")).device(Some(String::new())),
                1 => e.device(Some(format!("device-{i}"))),
                _ => e,
            }
        })
        .collect();
    audit::record(&t.db, &entries, 1_772_353_800_123)
        .await
        .unwrap();
    let stored = rows(&t).await;
    assert_eq!(stored.len(), entries.len());
    for (i, (row, entry)) in stored.iter().zip(&entries).enumerate() {
        assert_eq!(row.seq, i as i64 + 1);
        assert_eq!(row.username, entry.username, "seq {}", row.seq);
        assert_eq!(row.device, entry.device, "seq {}", row.seq);
        assert_eq!(row.case_id, entry.case_id, "seq {}", row.seq);
        assert_eq!(row.detail, entry.detail, "seq {}", row.seq);
        assert_eq!(
            (row.action.as_str(), row.outcome.as_str()),
            (entry.action, entry.outcome)
        );
    }
    assert_eq!(intact(&t).await, entries.len() as u64);
}

async fn verify_audit_says_intact_or_names_the_broken_seq(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    for _ in 0..4 {
        t.login("ana", PASSWORD).await;
    }
    let out = run(t.database_arg(), &["verify-audit"], None).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(stdout.lines().next(), Some("audit trail intact: 4 rows"));
    assert!(stdout.contains("head: seq 4 sha256 "), "{stdout}");

    exec(&t, "UPDATE audit SET username = 'ben' WHERE seq = 2").await;
    let out = run(t.database_arg(), &["verify-audit"], None).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout.starts_with("audit trail broken at seq 2: edited row"),
        "{stdout}"
    );
}

async fn concurrent_requests_keep_one_unbroken_chain(b: Backend) {
    let t = TestApp::start(b).await;
    let mut tokens = Vec::new();
    for i in 0..6 {
        let name = format!("c{i}");
        tokens.push((
            name.clone(),
            t.signed_in(&name, Role::Coordinator, &["4 West"]).await,
        ));
    }
    let mut tasks = Vec::new();
    for (name, token) in tokens {
        let router = t.router.clone();
        tasks.push(tokio::spawn(async move {
            let mut tablet = Device::new(&name);
            for _ in 0..4 {
                let open = tablet.open("4 West");
                let log = tablet.log(open.case_id);
                let req = tablet.batch([&open, &log]);
                for (method, uri, body) in [
                    (
                        Method::POST,
                        "/api/sync/push".to_owned(),
                        Some(serde_json::to_vec(&req).unwrap()),
                    ),
                    (
                        Method::GET,
                        "/api/sync/pull?after=0&limit=50".to_owned(),
                        None,
                    ),
                    (
                        Method::POST,
                        "/api/login".to_owned(),
                        Some(
                            json!({ "username": name, "password": "wrong password!" })
                                .to_string()
                                .into_bytes(),
                        ),
                    ),
                ] {
                    let mut r = Request::builder()
                        .method(method)
                        .uri(uri)
                        .header(header::AUTHORIZATION, format!("Bearer {token}"));
                    if body.is_some() {
                        r = r.header(header::CONTENT_TYPE, "application/json");
                    }
                    let r = r.body(body.map_or_else(Body::empty, Body::from)).unwrap();
                    let res = router.clone().oneshot(r).await.unwrap();
                    assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let all = rows(&t).await;
    let seqs: Vec<i64> = all.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>(), "no gaps");
    assert_eq!(intact(&t).await, all.len() as u64);
    let pushed = all.iter().filter(|r| r.action == "change_pushed").count();
    // Each push stored two changes of one case: one row each.
    assert_eq!(pushed, 6 * 4);
}

async fn audit_page(t: &TestApp, token: &str, query: &str) -> AuditPage {
    ok(t.call(
        Method::GET,
        &format!("/api/audit{query}"),
        Some(token),
        None,
    )
    .await)
}

async fn only_administrators_read_the_access_log_and_reading_it_is_recorded(b: Backend) {
    let t = TestApp::start(b).await;
    let coordinator = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let manager = t.signed_in("meg", Role::Manager, &[]).await;
    for uri in ["/api/audit", "/api/audit.csv"] {
        for token in [&coordinator, &manager] {
            let answer = t.call(Method::GET, uri, Some(token), None).await;
            refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
        }
        let answer = t.call(Method::GET, uri, None, None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
        let answer = t.call(Method::GET, uri, Some("not-a-token"), None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
    let desk = new_id();
    t.account("root", Role::Admin, &[]).await;
    let root = login_on(&t, "root", desk).await;
    let page = audit_page(&t, &root, "?user=ana").await;
    assert_eq!(
        page.rows
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["sign_in"]
    );
    let (status, _) = csv(&t, &root, "?user=ana").await;
    assert_eq!(status, StatusCode::OK);
    let reads = rows(&t).await;
    let reads: Vec<&Row> = reads.iter().rev().take(2).collect();
    assert_eq!(
        (reads[1].action.as_str(), reads[0].action.as_str()),
        ("audit_viewed", "audit_exported")
    );
    assert!(reads.iter().all(|r| r.username == "root"));
    assert!(reads.iter().all(|r| r.device == Some(desk.to_string())));
    assert_eq!(reads[1].detail, "filters: user ana; 1 rows shown");
    let answer = t
        .call(
            Method::GET,
            "/api/audit?from=last-tuesday",
            Some(&root),
            None,
        )
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("from"),
    );
    assert!(!answer.1.to_string().contains("tuesday"), "never echoed");
}

async fn the_access_log_filters_by_patient_user_and_date_and_pages(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let jose = open_for(&mut tablet, "4 West", "José Álvarez", "MRN-0042");
    let mary = open_for(&mut tablet, "4 West", "Mary 100% Smith", "MRN-7_7");
    t.push(&ana, &tablet.batch([&jose, &mary])).await;
    let event = |case: Id, at: &str| json!({ "id": new_id(), "case_id": case, "action": "case_opened", "at": at });
    let reports = [
        (&ana, event(jose.case_id, "2020-01-02T23:59:59Z")),
        (&ben, event(jose.case_id, "2020-01-05T10:00:00Z")),
        (&ben, event(mary.case_id, "2020-01-03T00:00:00Z")),
    ];
    for (token, e) in reports {
        let body = json!({ "events": [e] });
        ok::<AuditAccepted>(
            t.call(Method::POST, "/api/audit/events", Some(token), Some(body))
                .await,
        );
    }
    let root = t.signed_in("root", Role::Admin, &[]).await;

    let cases = |page: &AuditPage| -> Vec<(String, String)> {
        page.rows
            .iter()
            .map(|r| (r.action.clone(), r.patient_name.clone().unwrap_or_default()))
            .collect()
    };
    // By name, any case, any part; the rows carry the patient for display.
    let page = audit_page(&t, &root, "?patient=%C3%A1lvarez").await;
    assert_eq!(
        cases(&page),
        [
            ("case_opened".into(), "José Álvarez".into()),
            ("case_opened".into(), "José Álvarez".into()),
            ("change_pushed".into(), "José Álvarez".into()),
        ],
        "newest first"
    );
    assert!(
        page.rows
            .iter()
            .all(|r| r.mrn.as_deref() == Some("MRN-0042"))
    );
    assert_eq!(page.next_before, None);
    // By MRN; a typed % or _ is only itself.
    let page = audit_page(&t, &root, "?patient=mrn-7_7").await;
    assert_eq!(page.rows.len(), 2);
    assert!(
        page.rows
            .iter()
            .all(|r| r.patient_name.as_deref() == Some("Mary 100% Smith"))
    );
    assert!(
        audit_page(&t, &root, "?patient=0%25").await.rows.len() == 2,
        "100% only"
    );
    assert!(
        audit_page(&t, &root, "?patient=mrn-7x7")
            .await
            .rows
            .is_empty()
    );
    assert!(
        audit_page(&t, &root, "?patient=nobody+here")
            .await
            .rows
            .is_empty()
    );
    // By user, and both.
    let page = audit_page(&t, &root, "?user=ben&patient=jos%C3%A9").await;
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].username, "ben");
    // By date: a whole UTC day at each end, both included.
    let page = audit_page(&t, &root, "?from=2020-01-02&to=2020-01-03").await;
    let at: Vec<String> = page.rows.iter().map(|r| r.at.to_rfc3339()).collect();
    assert_eq!(
        at,
        ["2020-01-03T00:00:00+00:00", "2020-01-02T23:59:59+00:00"]
    );
    let page = audit_page(&t, &root, "?to=2020-01-02T23:59:59Z").await;
    assert_eq!(page.rows.len(), 1);
    let page = audit_page(&t, &root, "?from=2020-01-04&to=2020-01-31&user=ben").await;
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].case_id, Some(jose.case_id.to_string()));

    // Pages: `before` is the cursor, newest first, nothing twice.
    let total = rows(&t).await.len();
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = audit_page(&t, &root, &query).await;
        assert!(page.rows.len() <= 3);
        seen.extend(page.rows.iter().map(|r| r.seq));
        match page.next_before {
            Some(b) => query = format!("?limit=3&before={b}"),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1));
    assert!(seen.len() >= total, "every row before the reads: {seen:?}");
}

/// The CSV export: status, headers and the body as text.
async fn csv(t: &TestApp, token: &str, query: &str) -> (StatusCode, String) {
    let req = Request::get(format!("/api/audit.csv{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        let headers = res.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"advocase-access-log-"));
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    }
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// RFC 4180, read back: records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = vec![];
    let mut record = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "ends with CRLF");
    records
}

async fn the_csv_export_quotes_fields_and_neutralises_formulas(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let tricky = open_for(
        &mut tablet,
        "4 West",
        "Smith, \"Bob\"\nJr",
        "=HYPERLINK(\"http://x\")",
    );
    let plain = open_for(&mut tablet, "4 West", "@Dee", "-12");
    t.push(&ana, &tablet.batch([&tricky, &plain])).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;

    let (status, text) = csv(&t, &root, "").await;
    assert_eq!(status, StatusCode::OK);
    let records = parse_csv(&text);
    assert_eq!(
        records[0],
        [
            "seq",
            "at",
            "recorded_at",
            "username",
            "device",
            "case_id",
            "patient_name",
            "mrn",
            "action",
            "outcome",
            "detail",
            "hash"
        ]
    );
    let col = |name: &str| records[0].iter().position(|c| c == name).unwrap();
    let of = |case: &Change| {
        records
            .iter()
            .find(|r| r[col("case_id")] == case.case_id.to_string())
            .unwrap()
            .clone()
    };
    let row = of(&tricky);
    assert_eq!(row[col("patient_name")], "Smith, \"Bob\"\nJr");
    assert_eq!(row[col("mrn")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(row[col("action")], "change_pushed");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    let row = of(&plain);
    assert_eq!(row[col("patient_name")], "'@Dee");
    assert_eq!(row[col("mrn")], "'-12");
    assert!(records.iter().skip(1).all(|r| r.len() == 12));
    // Oldest first, every row before the export's own.
    let seqs: Vec<i64> = records[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    let all = rows(&t).await;
    assert_eq!(seqs, (1..all.len() as i64).collect::<Vec<_>>());
    assert_eq!(all.last().unwrap().action, "audit_exported");

    // Filters as for the page.
    let (_, text) = csv(&t, &root, "?patient=%40dee").await;
    let records = parse_csv(&text);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1][col("case_id")], plain.case_id.to_string());

    // Compressed, as a browser asks for it: the compression layer polls
    // the stream once more after its end, which must not panic.
    let req = Request::get("/api/audit.csv")
        .header(header::AUTHORIZATION, format!("Bearer {root}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "a gzip stream");
}

async fn cases_stored_before_the_audit_trail_are_indexed_at_start_up(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = open_for(&mut tablet, "4 West", "Olga Petrova", "MRN-555");
    t.push(&ana, &tablet.batch([&open])).await;
    // As a database from before migration 0005 would be.
    exec(&t, "DELETE FROM case_patients").await;
    let t = t.restart().await;
    let (name, mrn): (String, String) =
        sqlx::query_as("SELECT patient_name, mrn FROM case_patients WHERE case_id = $1")
            .bind(open.case_id.to_string())
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), mrn.as_str()), ("Olga Petrova", "MRN-555"));
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let page = audit_page(&t, &root, "?patient=petrova").await;
    assert_eq!(page.rows.len(), 1);
}

async fn escrow(t: &TestApp, token: Option<&str>) -> Answer {
    t.call(Method::GET, "/api/escrow", token, None).await
}

async fn the_escrow_key_goes_only_to_its_own_users_valid_session(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    t.account("ben", Role::Coordinator, &["4 West"]).await;
    let tablet = new_id();
    let ana = login_on(&t, "ana", tablet).await;
    let ben = t.login("ben", PASSWORD).await.token;
    let first: EscrowKey = ok(escrow(&t, Some(&ana)).await);
    assert_eq!(first.key.len(), 43, "32 bytes, base64url");
    assert!(
        first
            .key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );
    let again: EscrowKey = ok(escrow(&t, Some(&ana)).await);
    assert_eq!(again, first, "the same key every time");
    let other_session = t.login("ana", PASSWORD).await.token;
    assert_eq!(
        ok::<EscrowKey>(escrow(&t, Some(&other_session)).await),
        first
    );
    let bens: EscrowKey = ok(escrow(&t, Some(&ben)).await);
    assert_ne!(bens, first, "another user's token gets their own key");

    for token in [None, Some("not-a-token"), Some(&ana[..63])] {
        let answer = escrow(&t, token).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
    let (status, _) = t.call(Method::POST, "/api/logout", Some(&ben), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused(
        &escrow(&t, Some(&ben)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );

    // A password reset ends Ana's sessions but keeps her key: her devices'
    // data must stay recoverable with the new password.
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let reset = json!({ "password": "a brand new password" });
    let (status, _) = t
        .call(Method::PATCH, "/api/users/ana", Some(&root), Some(reset))
        .await;
    assert_eq!(status, StatusCode::OK);
    refused(
        &escrow(&t, Some(&ana)).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    let after_reset = t.login("ana", "a brand new password").await.token;
    assert_eq!(ok::<EscrowKey>(escrow(&t, Some(&after_reset)).await), first);

    let issued: Vec<Row> = rows(&t)
        .await
        .into_iter()
        .filter(|r| r.action == "escrow_key_issued")
        .collect();
    assert_eq!(
        summary(&issued),
        [
            ("escrow_key_issued", "ok", "ana"),
            ("escrow_key_issued", "ok", "ana"),
            ("escrow_key_issued", "ok", "ana"),
            ("escrow_key_issued", "ok", "ben"),
            ("escrow_key_issued", "ok", "ana"),
        ]
    );
    assert_eq!(issued[0].device, Some(tablet.to_string()));
    assert!(issued.iter().all(|r| !r.detail.contains(&first.key)));

    // An expired session gets nothing.
    let t = TestApp::with_session_lifetime(b, Duration::ZERO).await;
    let token = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    refused(
        &escrow(&t, Some(&token)).await,
        StatusCode::UNAUTHORIZED,
        "session_expired",
        None,
    );
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM escrow_keys")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(made, 0);
}
