//! Sync through the HTTP API, every scenario on SQLite and on PostgreSQL:
//! idempotent pushes, resumable pulls, who sees what, requests refused whole,
//! clamped clocks, restarts and concurrent pushes. The rules are the ones
//! `crates/core/tests/protocol/` models in memory.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use std::collections::BTreeSet;

use advocase_core::access::Role;
use advocase_core::api::HealthReport;
use advocase_core::case::Priority;
use advocase_core::change::Change;
use advocase_core::hlc::MAX_DRIFT_MS;
use advocase_core::replica::Replica;
use advocase_core::sync::{
    CaseHistory, MAX_BATCH, MAX_BODY_BYTES, MAX_PULL_PAGE, Outcome, PullPage, PushResponse,
};
use advocase_server::now_ms;
use app::{Backend, TestApp, ok, refused};
use axum::http::{Method, StatusCode};
use devices::Device;
use serde_json::json;

on_both!(
    health_names_the_backend,
    a_batch_sent_twice_is_stored_once,
    a_lost_response_is_made_good_by_the_next_push,
    a_reused_sequence_number_or_change_id_is_refused,
    pulling_in_pages_gives_every_change_exactly_once,
    coordinators_see_their_units_and_their_cases_only,
    only_managers_delete_cases,
    administrators_get_no_patient_data,
    requests_without_a_valid_session_are_refused,
    bad_requests_are_refused_whole_and_write_nothing,
    a_clock_a_day_ahead_is_clamped,
    what_was_stored_survives_a_restart,
    concurrent_pushes_get_gapless_server_seqs,
    a_task_or_an_escalation_brings_its_case_to_whom_it_is_for,
);

fn stored(outcome: &Outcome) -> (u64, bool) {
    match outcome {
        Outcome::Stored {
            server_seq,
            duplicate,
            ..
        } => (*server_seq, *duplicate),
        Outcome::Refused { reason } => panic!("refused: {reason:?}"),
    }
}

fn refusal(outcome: &Outcome) -> (&str, Option<&str>) {
    match outcome {
        Outcome::Refused { reason } => (&reason.error, reason.field.as_deref()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn seqs(page: &PullPage) -> Vec<u64> {
    page.changes.iter().map(|p| p.server_seq).collect()
}

/// Every change after `after`, following the cursor to the end.
async fn pull_all(t: &TestApp, token: &str, after: u64) -> PullPage {
    let mut all = PullPage {
        changes: vec![],
        hidden: vec![],
        next: after,
        more: true,
    };
    while all.more {
        let page = t.pull(token, all.next, MAX_PULL_PAGE).await;
        all.changes.extend(page.changes);
        all.hidden.extend(page.hidden);
        all.next = page.next;
        all.more = page.more;
    }
    all
}

async fn health_names_the_backend(b: Backend) {
    let t = TestApp::start(b).await;
    let report: HealthReport = ok(t.call(Method::GET, "/api/health", None, None).await);
    let name = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(report.database.backend, name);
    assert_eq!(
        report.database.schema_version,
        Some(advocase_server::db::known_migrations())
    );
}

async fn a_batch_sent_twice_is_stored_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let changes = [
        open,
        tablet.log(case),
        tablet.set_priority(case, Priority::High),
    ];
    let batch = tablet.batch(&changes);

    let first = t.push(&ana, &batch).await;
    let second = t.push(&ana, &batch).await;
    assert_eq!(first.results.len(), 3);
    for (i, (a, b)) in first.results.iter().zip(&second.results).enumerate() {
        assert_eq!(stored(&a.outcome), (i as u64 + 1, false));
        assert_eq!(stored(&b.outcome), (i as u64 + 1, true));
        let (Outcome::Stored { hlc: h1, .. }, Outcome::Stored { hlc: h2, .. }) =
            (&a.outcome, &b.outcome)
        else {
            unreachable!()
        };
        assert_eq!(h1, h2, "a repeat carries the clock first stored");
        assert_eq!((a.id, a.seq), (batch.changes[i].id, batch.changes[i].seq));
    }
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3]);
    assert_eq!(t.counts().await.changes, 3);
}

/// The server committed a push but the tablet never heard: the tablet keeps
/// the changes pending and sends them again with what it made since. The
/// client's own replica logic takes the answer.
async fn a_lost_response_is_made_good_by_the_next_push(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let mut replica = Replica::new(tablet.id);
    let open = tablet.open("4 West");
    let case = open.case_id;
    let log = tablet.log(case);
    for c in [&open, &log] {
        replica.record(c.id, c.case_id, c.op.clone(), &c.by, c.at, c.hlc.wall_ms);
    }
    let sent = replica.outbox(10);
    let lost = t.push(&ana, &tablet.batch(&sent)).await;
    assert_eq!(lost.results.len(), 2);
    assert_eq!(replica.pending(), 2, "the answer never arrived");

    let edit = tablet.set_priority(case, Priority::Urgent);
    let later = replica.record(edit.id, case, edit.op, "ana", edit.at, edit.hlc.wall_ms);
    let retry = replica.outbox(10);
    assert_eq!(retry.len(), 3);
    assert_eq!(retry[2].id, later.id);
    let answer = t.push(&ana, &tablet.batch(&retry)).await;
    let got: Vec<_> = answer.results.iter().map(|r| stored(&r.outcome)).collect();
    assert_eq!(got, [(1, true), (2, true), (3, false)]);
    replica.on_push(&retry, &answer.results);
    assert_eq!(replica.pending(), 0);
    assert_eq!(t.counts().await.changes, 3);
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3]);
}

async fn a_reused_sequence_number_or_change_id_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    ok::<PushResponse>(t.push_raw(&ana, &tablet.batch([&open])).await);

    // Same (device, seq), another change: a client that lost its numbering.
    let mut other = tablet.log(case);
    other.seq = open.seq;
    let answer = t.push(&ana, &tablet.batch([&other])).await;
    assert_eq!(
        refusal(&answer.results[0].outcome),
        ("invalid", Some("seq"))
    );
    // And it stays refused; the original stays stored.
    let again = t.push(&ana, &tablet.batch([&other, &open])).await;
    assert_eq!(refusal(&again.results[0].outcome), ("invalid", Some("seq")));
    assert_eq!(stored(&again.results[1].outcome), (1, true));

    // The same change id under a new number (or from another device).
    let mut copy = open.clone();
    copy.seq = tablet.next_seq;
    let answer = t.push(&ana, &tablet.batch([&copy])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("invalid", Some("id")));
    let mut phone = Device::new("ana");
    let mut copy = open.clone();
    copy.device = phone.id;
    copy.seq = phone.next_seq;
    phone.next_seq += 1;
    let answer = t.push(&ana, &phone.batch([&copy])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("invalid", Some("id")));

    let counts = t.counts().await;
    assert_eq!((counts.changes, counts.counter), (1, 1));
    assert_eq!(seqs(&t.pull(&ana, 0, 100).await), [1]);
}

async fn pulling_in_pages_gives_every_change_exactly_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let mut changes = vec![open];
    for _ in 0..4 {
        changes.push(tablet.log(case));
    }
    t.push(&ana, &tablet.batch(&changes)).await;

    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = t.pull(&ben, cursor, 2).await;
        let again = t.pull(&ben, cursor, 2).await;
        assert_eq!(page, again, "the same cursor gives the same page");
        assert!(page.hidden.is_empty());
        pages.push(seqs(&page));
        seen.extend(page.changes.iter().map(|p| p.change.id));
        cursor = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, [vec![1, 2], vec![3, 4], vec![5]]);
    let want: Vec<_> = changes.iter().map(|c| c.id).collect();
    assert_eq!(seen, want, "all five, once each, in order");
    assert_eq!(cursor, 5);

    let end = t.pull(&ben, 5, 2).await;
    assert!(end.changes.is_empty() && end.hidden.is_empty() && !end.more);
    assert_eq!(end.next, 5, "nothing new: the cursor stays");

    // Defaults, and a limit above the maximum, give everything at once.
    let page: PullPage = ok(t
        .call(Method::GET, "/api/sync/pull", Some(&ben), None)
        .await);
    assert_eq!(seqs(&page), [1, 2, 3, 4, 5]);
    let page = t.pull(&ben, 0, MAX_PULL_PAGE * 10).await;
    assert_eq!(seqs(&page), [1, 2, 3, 4, 5]);
    for uri in [
        "/api/sync/pull?after=-1",
        "/api/sync/pull?after=1&limit=0",
        "/api/sync/pull?limit=many",
    ] {
        let field = if uri.contains("after=-1") {
            "after"
        } else {
            "limit"
        };
        let answer = t.call(Method::GET, uri, Some(&ben), None).await;
        refused(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            Some(field),
        );
    }
}

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

async fn bad_requests_are_refused_whole_and_write_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut anas = Device::new("ana");
    let open = anas.open("4 West");
    t.push(&ana, &anas.batch([&open])).await;
    let before = t.counts().await;
    let case = open.case_id;
    let fresh = anas.log(case);
    let valid = serde_json::to_value(anas.batch([&fresh])).unwrap();
    let push = "/api/sync/push";
    let nothing_written = |what: &'static str| {
        let t = &t;
        let ana = &ana;
        async move {
            assert_eq!(t.counts().await, before, "{what} wrote something");
            let page = t.pull(ana, 1, 100).await;
            assert!(page.changes.is_empty(), "{what}: {page:?}");
        }
    };

    // Not JSON at all, or cut off.
    let text = valid.to_string();
    let cut = text.as_bytes()[..text.len() / 2].to_vec();
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("application/json"),
            Some(cut),
        )
        .await;
    refused(&answer, StatusCode::BAD_REQUEST, "malformed_json", None);
    nothing_written("malformed JSON").await;

    // JSON, but not a push: the field at fault is named.
    let mut wrong = valid.clone();
    wrong["changes"][0]["seq"] = json!("one");
    let answer = t.call(Method::POST, push, Some(&ana), Some(wrong)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[0].seq"),
    );
    let mut wrong = valid.clone();
    wrong["changes"][0]["op"]["type"] = json!("explode");
    let answer = t.call(Method::POST, push, Some(&ana), Some(wrong)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[0].op.type"),
    );
    nothing_written("wrong types").await;

    // A valid change, then one from another device.
    let mut other = Device::new("ana").open("4 West");
    other.seq = 99;
    let mixed = json!({ "device": anas.id, "changes": [fresh, other] });
    let answer = t.call(Method::POST, push, Some(&ana), Some(mixed)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[1].device"),
    );
    nothing_written("a mixed-device push").await;

    // Too many changes, the first of them valid.
    let many: Vec<Change> = (0..=MAX_BATCH).map(|_| anas.log(case)).collect();
    let answer = t.push_raw(&ana, &anas.batch(&many)).await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        Some("changes"),
    );
    nothing_written("too many changes").await;

    // Too many bytes, announced or not.
    let mut huge = valid.clone();
    huge["padding"] = json!("x".repeat(MAX_BODY_BYTES));
    let huge = huge.to_string().into_bytes();
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("application/json"),
            Some(huge.clone()),
        )
        .await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
    );
    let chunks = huge
        .chunks(64 * 1024)
        .map(|c| Ok::<_, std::io::Error>(c.to_vec()));
    // Streamed with no Content-Length, as a chunked upload is: the limit
    // must hold while reading, not only up front.
    let streamed =
        axum::body::Body::from_stream(futures_util::stream::iter(chunks.collect::<Vec<_>>()));
    let req = axum::http::Request::post(push)
        .header("authorization", format!("Bearer {ana}"))
        .header("content-type", "application/json")
        .body(streamed)
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    nothing_written("an oversized body").await;

    // Not JSON by its content type.
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("text/plain"),
            Some(text.clone().into_bytes()),
        )
        .await;
    refused(
        &answer,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    );
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            None,
            Some(text.into_bytes()),
        )
        .await;
    assert_eq!(answer.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    nothing_written("a non-JSON content type").await;

    // A change the rules refuse is answered, and the rest still stored.
    let mut too_long = anas.log(case);
    if let advocase_core::change::Op::Log { interaction } = &mut too_long.op {
        interaction.summary = "x".repeat(advocase_core::case::MAX_TEXT + 1);
    }
    let after = anas.log(case);
    let answer = t.push(&ana, &anas.batch([&too_long, &after])).await;
    assert_eq!(
        refusal(&answer.results[0].outcome),
        ("invalid", Some("op.interaction.summary"))
    );
    assert_eq!(stored(&answer.results[1].outcome), (2, false));
}

async fn a_clock_a_day_ahead_is_clamped(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    tablet.skew_ms = 86_400_000;
    let open = tablet.open("4 West");
    assert!(open.hlc.wall_ms > now_ms() + 86_000_000);
    let answer = t.push(&ana, &tablet.batch([&open])).await;
    let after = now_ms();
    let Outcome::Stored { hlc, .. } = answer.results[0].outcome else {
        panic!("{answer:?}")
    };
    assert!(hlc.wall_ms <= after + MAX_DRIFT_MS, "{hlc:?}");
    assert!(
        hlc.wall_ms + 5_000 >= after + MAX_DRIFT_MS - 5_000,
        "clamped, not zeroed"
    );
    assert_eq!((hlc.counter, hlc.node), (open.hlc.counter, open.hlc.node));
    let page = t.pull(&ana, 0, 10).await;
    assert_eq!(page.changes[0].change.hlc, hlc, "handed out as stored");
    let mut want = open;
    want.hlc = hlc;
    assert_eq!(page.changes[0].change, want, "nothing else changed");
}

async fn what_was_stored_survives_a_restart(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let changes = [open, tablet.log(case)];
    let batch = tablet.batch(&changes);
    t.push(&ana, &batch).await;
    let before = t.pull(&ana, 0, 100).await;

    let t = t.restart().await;
    let after = t.pull(&ana, 0, 100).await;
    assert_eq!(
        after, before,
        "the session and every change are still there"
    );
    let again = t.push(&ana, &batch).await;
    let got: Vec<_> = again.results.iter().map(|r| stored(&r.outcome)).collect();
    assert_eq!(got, [(1, true), (2, true)], "the ledger too");
    let log = tablet.log(case);
    let next = t.push(&ana, &tablet.batch([&log])).await;
    assert_eq!(
        stored(&next.results[0].outcome),
        (3, false),
        "and the counter"
    );
}

/// Twenty tablets push at once while a manager pulls: the server numbers
/// every change 1..=N without gaps or repeats, and a pull never sees a
/// number before all smaller ones (it would skip them for good).
async fn concurrent_pushes_get_gapless_server_seqs(b: Backend) {
    const TABLETS: usize = 20;
    const PER_PUSH: usize = 3;
    let t = std::sync::Arc::new(TestApp::start(b).await);
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let total = (TABLETS * PER_PUSH) as u64;

    let reader = {
        let t = t.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            while cursor < total {
                let page = t.pull(&mgr, cursor, 7).await;
                let want: Vec<u64> = (cursor + 1..=page.next).collect();
                assert_eq!(seqs(&page), want, "a pull saw a gap after {cursor}");
                cursor = page.next;
                tokio::task::yield_now().await;
            }
        })
    };
    let pushes: Vec<_> = (0..TABLETS)
        .map(|_| {
            let t = t.clone();
            let ana = ana.clone();
            tokio::spawn(async move {
                let mut tablet = Device::new("ana");
                let open = tablet.open("4 West");
                let case = open.case_id;
                let batch: Vec<Change> = std::iter::once(open)
                    .chain((1..PER_PUSH).map(|_| tablet.log(case)))
                    .collect();
                t.push(&ana, &tablet.batch(&batch)).await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for push in pushes {
        let answer = push.await.unwrap();
        let mine: Vec<u64> = answer
            .results
            .iter()
            .map(|r| stored(&r.outcome).0)
            .collect();
        assert!(
            mine.windows(2).all(|w| w[1] == w[0] + 1),
            "one push's changes are numbered together: {mine:?}"
        );
        numbers.extend(mine);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=total).collect::<Vec<_>>());
    tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("the reader caught up")
        .unwrap();
    let all = pull_all(&t, &ana, 0).await;
    assert_eq!(seqs(&all), (1..=total).collect::<Vec<_>>());
    let ids: BTreeSet<_> = all.changes.iter().map(|p| p.change.id).collect();
    assert_eq!(ids.len(), total as usize);
    assert_eq!(t.counts().await.counter, total as i64);
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
