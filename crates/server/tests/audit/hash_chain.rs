//! The hash chain: tampering caught (an edited, a deleted and a moved
//! row), a large append stored exactly, `verify-audit` through the binary,
//! concurrent requests keeping one unbroken chain.

use advocase_core::access::Role;
use advocase_server::audit::chain::{self, Break};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use tower::ServiceExt;

use super::{exec, intact, rows, run};
use crate::app::{Backend, PASSWORD, TestApp};
use crate::devices::Device;

on_both!(
    the_chain_catches_an_edited_a_deleted_and_a_moved_row,
    a_large_append_is_stored_exactly_in_order_and_whole,
    verify_audit_says_intact_or_names_the_broken_seq,
    concurrent_requests_keep_one_unbroken_chain,
);

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
