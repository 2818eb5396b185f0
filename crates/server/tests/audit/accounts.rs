//! Sign-ins, failures, lockouts and sign-outs; account changes with who
//! made them; `create-admin` as the console; the escrow key.

use std::time::Duration;

use advocase_core::access::Role;
use advocase_core::audit::EscrowKey;
use advocase_server::throttle::ATTEMPTS;
use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{Row, intact, login_answer, login_on, rows, run, since, summary};
use crate::app::{Answer, Backend, PASSWORD, TestApp, ok, refused};
use crate::devices::new_id;

on_both!(
    sign_ins_failures_lockouts_and_sign_outs_are_recorded,
    account_changes_are_recorded_with_who_made_them,
    create_admin_is_recorded_as_the_console,
    the_escrow_key_goes_only_to_its_own_users_valid_session,
);

async fn escrow(t: &TestApp, token: Option<&str>) -> Answer {
    t.call(Method::GET, "/api/escrow", token, None).await
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
