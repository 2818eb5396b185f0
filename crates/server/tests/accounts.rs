//! Accounts and sessions through the HTTP API, every scenario on SQLite and
//! on PostgreSQL: signing in and out, sessions that expire or are ended,
//! account management for administrators only, and `create-admin`.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use advocase_core::access::{Role, User};
use advocase_core::sync::Session;
use advocase_server::now_ms;
use advocase_server::throttle::ATTEMPTS;
use app::{Answer, Backend, PASSWORD, TestApp, ok, refused};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};
use tower::ServiceExt;

on_both!(
    signing_in_gives_a_session_for_the_account,
    wrong_password_unknown_user_and_deactivated_account_look_the_same,
    an_expired_session_is_refused_as_expired,
    the_sign_in_answer_says_when_the_tablet_locks,
    signing_out_ends_the_session,
    deactivating_or_a_new_password_ends_every_session,
    only_administrators_manage_accounts,
    new_accounts_are_checked_field_by_field,
    the_last_administrator_cannot_be_removed,
    create_admin_makes_an_account_that_can_sign_in,
    wrong_passwords_lock_the_username_until_an_administrator_sets_a_new_one,
    wrong_passwords_sent_all_at_once_try_no_more_than_the_limit,
    the_accounts_page_is_drawn_and_takes_its_own_forms,
);

async fn login_answer(t: &TestApp, username: &str, password: &str) -> Answer {
    let body = json!({ "username": username, "password": password });
    t.call(Method::POST, "/api/login", None, Some(body)).await
}

/// A sign-in through the router, with its headers; owns all it needs, so
/// it can be spawned.
fn login_response(
    router: Router,
    username: &str,
    password: &str,
) -> impl Future<Output = Response> + Send + 'static {
    let body = json!({ "username": username, "password": password }).to_string();
    let req = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    async move { router.oneshot(req).await.unwrap() }
}

async fn me(t: &TestApp, token: &str) -> Answer {
    t.call(Method::GET, "/api/me", Some(token), None).await
}

async fn signing_in_gives_a_session_for_the_account(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t
        .account("ana", Role::Coordinator, &["4 West", "5 East"])
        .await;
    let before = now_ms();
    // However the keyboard capitalised it.
    let session = t.login(" Ana", PASSWORD).await;
    assert_eq!(session.user, ana);
    assert_eq!(session.token.len(), 64);
    assert!(session.token.bytes().all(|c| c.is_ascii_hexdigit()));
    let sixteen_hours = 16 * 3600 * 1000;
    assert!(session.expires_at_ms >= before + sixteen_hours);
    assert!(session.expires_at_ms <= now_ms() + sixteen_hours);
    let user: User = ok(me(&t, &session.token).await);
    assert_eq!(user, ana);

    // Each sign-in is its own session, kept with its device for the audit.
    let device = "0192f000-0000-7000-8000-00000000000a";
    let body = json!({ "username": "ana", "password": PASSWORD, "device": device });
    let other: Session = ok(t.call(Method::POST, "/api/login", None, Some(body)).await);
    assert_ne!(other.token, session.token);
    let stored: Option<String> =
        sqlx::query_scalar("SELECT device FROM sessions WHERE token_hash = $1")
            .bind(advocase_server::secrets::token_hash(&other.token))
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(stored.as_deref(), Some(device));
    let tokens: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(tokens.len(), 2);
    assert!(
        !tokens.contains(&session.token),
        "only hashes of tokens are stored"
    );
}

async fn wrong_password_unknown_user_and_deactivated_account_look_the_same(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    t.account("gone", Role::Coordinator, &["4 West"]).await;
    let (status, _) = t
        .call(
            Method::PATCH,
            "/api/users/gone",
            Some(&root),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let answers = [
        login_answer(&t, "ana", "wrong password here").await,
        login_answer(&t, "nobody", PASSWORD).await,
        login_answer(&t, "gone", PASSWORD).await,
    ];
    for answer in &answers {
        refused(
            answer,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            None,
        );
        assert_eq!(answer.1, answers[0].1, "nothing tells the three apart");
    }
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 1, "only the administrator's");
}

async fn an_expired_session_is_refused_as_expired(b: Backend) {
    // Sessions that end as they begin.
    let t = TestApp::with_session_lifetime(b, Duration::ZERO).await;
    let token = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    refused(
        &me(&t, &token).await,
        StatusCode::UNAUTHORIZED,
        "session_expired",
        None,
    );
    let answer = t
        .call(Method::GET, "/api/sync/pull", Some(&token), None)
        .await;
    refused(&answer, StatusCode::UNAUTHORIZED, "session_expired", None);
}

async fn the_sign_in_answer_says_when_the_tablet_locks(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    let (status, json) = login_answer(&t, "ana", PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    // The default, named in the answer itself (not left to the client).
    assert_eq!(json["lock_after_minutes"], json!(5), "{json}");
    let t = t.with_lock_after_minutes(12);
    assert_eq!(t.login("ana", PASSWORD).await.lock_after_minutes, Some(12));

    // An answer from a server before the PIN lock still reads, as "not said".
    let mut old = json.clone();
    old.as_object_mut().unwrap().remove("lock_after_minutes");
    let session: Session = serde_json::from_value(old).unwrap();
    assert_eq!(session.lock_after_minutes, None);
}

async fn signing_out_ends_the_session(b: Backend) {
    let t = TestApp::start(b).await;
    let token = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let other = t.login("ana", PASSWORD).await.token;
    let answer = t
        .call(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(answer, (StatusCode::NO_CONTENT, Value::Null));
    refused(
        &me(&t, &token).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    // Signing out again is harmless; the account's other session lives on.
    let answer = t
        .call(Method::POST, "/api/logout", Some(&token), None)
        .await;
    assert_eq!(answer.0, StatusCode::NO_CONTENT);
    ok::<User>(me(&t, &other).await);

    for token in [None, Some("0123")] {
        let answer = t.call(Method::POST, "/api/logout", token, None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
        let answer = t.call(Method::GET, "/api/me", token, None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
}

async fn deactivating_or_a_new_password_ends_every_session(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let patch = |body: Value| {
        let t = &t;
        let root = root.clone();
        async move {
            t.call(Method::PATCH, "/api/users/ana", Some(&root), Some(body))
                .await
        }
    };

    let user: User = ok(patch(json!({ "active": false })).await);
    assert!(!user.active);
    refused(
        &me(&t, &ana).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    refused(
        &login_answer(&t, "ana", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        None,
    );

    let user: User = ok(patch(json!({ "active": true })).await);
    assert!(user.active);
    refused(
        &me(&t, &ana).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    let ana = t.login("ana", PASSWORD).await.token;
    let new_password = "a much longer new password";
    ok::<User>(patch(json!({ "password": new_password })).await);
    refused(
        &me(&t, &ana).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    refused(
        &login_answer(&t, "ana", PASSWORD).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        None,
    );
    let ana = t.login("ana", new_password).await.token;

    // Other changes keep the session, and take effect at once.
    let user: User = ok(patch(json!({
        "display_name": "Ana Lima",
        "role": "manager",
        "units": ["ICU"],
    }))
    .await);
    assert_eq!(user.display_name, "Ana Lima");
    assert_eq!(user.role, Role::Manager);
    assert_eq!(user.units, ["ICU"]);
    assert_eq!(ok::<User>(me(&t, &ana).await), user);
    ok::<User>(me(&t, &root).await);
}

async fn only_administrators_manage_accounts(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let new = json!({
        "username": "ben", "display_name": "Ben", "role": "coordinator",
        "units": ["4 West"], "password": PASSWORD,
    });
    for token in [&ana, &mgr] {
        for (method, uri, body) in [
            (Method::GET, "/api/users", None),
            (Method::POST, "/api/users", Some(new.clone())),
            (
                Method::PATCH,
                "/api/users/ana",
                Some(json!({ "role": "admin" })),
            ),
        ] {
            let answer = t.call(method, uri, Some(token), body).await;
            refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
        }
    }
    let answer = t.call(Method::GET, "/api/users", None, None).await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);

    let users: Vec<User> = ok(t.call(Method::GET, "/api/users", Some(&root), None).await);
    let names: Vec<_> = users.iter().map(|u| u.username.as_str()).collect();
    assert_eq!(names, ["ana", "mgr", "root"]);
    let ana_user: User = ok(me(&t, &ana).await);
    assert_eq!(
        ana_user.role,
        Role::Coordinator,
        "not promoted by the refused PATCH"
    );
    let users_json = t.call(Method::GET, "/api/users", Some(&root), None).await.1;
    assert!(
        !users_json.to_string().contains("argon2"),
        "password hashes never leave the server"
    );
}

async fn new_accounts_are_checked_field_by_field(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let valid = json!({
        "username": "ben.o-k_2", "display_name": "Ben Okafor", "role": "coordinator",
        "units": [" 4 West "], "password": "twelve chars",
    });
    let create = |body: Value| {
        let t = &t;
        let root = root.clone();
        async move {
            t.call(Method::POST, "/api/users", Some(&root), Some(body))
                .await
        }
    };
    let (status, json) = create(valid.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{json}");
    let ben: User = serde_json::from_value(json).unwrap();
    assert_eq!(ben.units, ["4 West"], "trimmed");
    assert!(ben.active);
    t.login("ben.o-k_2", "twelve chars").await;
    refused(
        &create(valid.clone()).await,
        StatusCode::CONFLICT,
        "username_taken",
        Some("username"),
    );

    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body["username"] = if field == "username" {
            body[field].clone()
        } else {
            json!("fresh")
        };
        body
    };
    let unit = "u".repeat(101);
    let units: Vec<String> = (0..51).map(|i| format!("Unit {i}")).collect();
    for (body, field) in [
        (with("username", json!("")), "username"),
        (with("username", json!("Ana")), "username"),
        (with("username", json!("ana lima")), "username"),
        (with("username", json!("a".repeat(65))), "username"),
        (with("display_name", json!(" ")), "display_name"),
        (with("display_name", json!("d".repeat(101))), "display_name"),
        (with("password", json!("eleven char")), "password"),
        (with("units", json!(units)), "units"),
        (with("units", json!(["4 West", unit])), "units[1]"),
        (with("units", json!(["4 West", ""])), "units[1]"),
    ] {
        let answer = create(body).await;
        refused(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        );
    }
    let mut missing = with("password", Value::Null);
    missing.as_object_mut().unwrap().remove("password");
    for (body, field) in [
        (with("role", json!("boss")), "role"),
        (with("units", json!("4 West")), "units"),
        (missing, "password"),
    ] {
        let answer = create(body).await;
        refused(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            Some(field),
        );
    }
    let a_username = "a".repeat(64);
    let (status, _) = create(with("username", json!(a_username))).await;
    assert_eq!(status, StatusCode::CREATED, "64 characters is allowed");

    let users: Vec<User> = ok(t.call(Method::GET, "/api/users", Some(&root), None).await);
    assert_eq!(users.len(), 3, "nothing refused was stored");

    let answer = t
        .call(
            Method::PATCH,
            "/api/users/nobody",
            Some(&root),
            Some(json!({ "active": false })),
        )
        .await;
    refused(&answer, StatusCode::NOT_FOUND, "not_found", None);
    let answer = t
        .call(
            Method::PATCH,
            "/api/users/ben.o-k_2",
            Some(&root),
            Some(json!({ "password": "short" })),
        )
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("password"),
    );
    t.login("ben.o-k_2", "twelve chars").await;
}

async fn the_last_administrator_cannot_be_removed(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let patch = |uri: &'static str, body: Value| {
        let t = &t;
        let root = root.clone();
        async move { t.call(Method::PATCH, uri, Some(&root), Some(body)).await }
    };
    let answer = patch("/api/users/root", json!({ "active": false })).await;
    refused(&answer, StatusCode::CONFLICT, "last_admin", Some("active"));
    let answer = patch("/api/users/root", json!({ "role": "manager" })).await;
    refused(&answer, StatusCode::CONFLICT, "last_admin", Some("role"));
    ok::<User>(me(&t, &root).await);

    t.account("second", Role::Admin, &[]).await;
    let user: User = ok(patch("/api/users/root", json!({ "active": false })).await);
    assert!(!user.active);
}

fn create_admin(database: &str, args: &[&str], password: Option<&str>, stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_advocase-server"));
    cmd.arg("create-admin")
        .args(args)
        .args(["--database", database])
        .env_remove("ADVOCASE_DATABASE")
        .env_remove("ADVOCASE_ADMIN_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("ADVOCASE_ADMIN_PASSWORD", p);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn one_error_line(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<_> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    lines[0].to_owned()
}

async fn create_admin_makes_an_account_that_can_sign_in(b: Backend) {
    let t = TestApp::start(b).await;
    let database = t.database_arg();
    let run = |args: &'static [&'static str], env: Option<&'static str>, stdin: &'static str| {
        let database = database.clone();
        async move {
            tokio::task::spawn_blocking(move || create_admin(&database, args, env, stdin))
                .await
                .unwrap()
        }
    };
    let mut outputs = Vec::new();

    let args = &["--username", "root", "--display-name", "IT Desk"];
    let out = run(args, Some("admin password 1"), "").await;
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("created administrator 'root'"),
        "{printed}"
    );
    outputs.push(out);
    let session = t.login("root", "admin password 1").await;
    assert_eq!(session.user.role, Role::Admin);
    assert_eq!(session.user.display_name, "IT Desk");

    // From standard input when the environment has none.
    let out = run(&["--username", "desk2"], None, "from stdin pass\nignored\n").await;
    assert!(out.status.success(), "{out:?}");
    outputs.push(out);
    let desk = t.login("desk2", "from stdin pass").await;
    assert_eq!(desk.user.display_name, "desk2");

    for (args, password, expected) in [
        (
            &["--username", "root"],
            "another password",
            "'root' already exists",
        ),
        (&["--username", "short"], "eleven char", "at least 12"),
        (&["--username", "Bad Name"], "a good password", "lower-case"),
    ] {
        let out = run(args, Some(password), "").await;
        let line = one_error_line(&out);
        assert!(line.contains(expected), "{line}");
        outputs.push(out);
    }
    let users: Vec<User> = ok(t
        .call(Method::GET, "/api/users", Some(&session.token), None)
        .await);
    assert_eq!(users.len(), 2);
    assert_eq!(
        ok::<User>(me(&t, &session.token).await).display_name,
        "IT Desk",
        "an existing account is left as it was"
    );
    for out in outputs {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in ["admin password 1", "from stdin pass", "another password"] {
            assert!(!text.contains(secret), "a password was printed: {text}");
        }
    }
}

async fn wrong_passwords_lock_the_username_until_an_administrator_sets_a_new_one(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    t.account("ben", Role::Coordinator, &["4 West"]).await;
    for i in 0..ATTEMPTS {
        let answer = login_answer(&t, "Ana ", &format!("guess number {i}")).await;
        refused(
            &answer,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            None,
        );
    }

    // Now even the right password is refused, in words, with when to retry.
    let res = login_response(t.router.clone(), "ana", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((14 * 60..=15 * 60).contains(&retry), "Retry-After {retry}");
    let (_, json) = login_answer(&t, "ana", PASSWORD).await;
    assert_eq!(json["error"], "too_many_attempts");
    let message = json["message"].as_str().unwrap();
    assert!(message.contains("Try again in 15 minutes"), "{message}");
    assert!(message.contains("ask an administrator"), "{message}");

    // An unknown name locks the same way: the lock tells no one who exists.
    for i in 0..ATTEMPTS {
        let answer = login_answer(&t, "nobody", &format!("guess number {i}")).await;
        refused(
            &answer,
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            None,
        );
    }
    refused(
        &login_answer(&t, "nobody", PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_attempts",
        None,
    );

    // Others on the ward still sign in, and a right password clears a count.
    for _ in 0..ATTEMPTS - 1 {
        login_answer(&t, "ben", "not it").await;
    }
    t.login("ben", PASSWORD).await;
    for _ in 0..ATTEMPTS - 1 {
        login_answer(&t, "ben", "not it").await;
    }
    t.login("ben", PASSWORD).await;
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE username = 'ana'")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0);

    // The administrator's new password lets Ana in at once.
    let new_password = "a new password from the administrator";
    let (status, _) = t
        .call(
            Method::PATCH,
            "/api/users/ana",
            Some(&root),
            Some(json!({ "password": new_password })),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    t.login("ana", new_password).await;
}

async fn wrong_passwords_sent_all_at_once_try_no_more_than_the_limit(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;
    let tries: Vec<_> = (0..3 * ATTEMPTS)
        .map(|i| {
            tokio::spawn(login_response(
                t.router.clone(),
                "ana",
                &format!("guess {i}"),
            ))
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tries {
        statuses.push(task.await.unwrap().status());
    }
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, locked),
        (ATTEMPTS as usize, 2 * ATTEMPTS as usize),
        "{statuses:?}"
    );
}

/// A request to the Accounts page: a GET, or its form's fields.
async fn accounts_page(
    t: &TestApp,
    token: &str,
    uri: &str,
    form: Option<&[(&str, &str)]>,
) -> (StatusCode, String) {
    let parts: Option<Vec<(&str, Option<&str>, &str)>> =
        form.map(|f| f.iter().map(|(n, v)| (*n, None, *v)).collect());
    t.page(token, uri, parts.as_deref()).await
}

async fn the_accounts_page_is_drawn_and_takes_its_own_forms(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let page = "/api/accounts/page";
    for (uri, form) in [(page, None), (page, Some(&[("role", "admin")][..]))] {
        let (status, body) = accounts_page(&t, &mia, uri, form).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let (status, html) = accounts_page(&t, &root, page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="New account""#));
    assert!(html.contains(r#"aria-label="New password for mia""#));
    // No structure yet: units are typed, comma-separated.
    assert!(html.contains("Units covered (comma-separated)"));

    // A new account from the form; the page again, saying so.
    let new = [
        ("username", " bea "),
        ("display_name", "Bea Lindqvist"),
        ("role", "coordinator"),
        ("units", "4 West, 5 East"),
        ("password", "a long first password"),
    ];
    let (status, html) = accounts_page(&t, &root, page, Some(&new)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.starts_with(r#"<p class="notice info" role="status">Account bea created.</p>"#));
    assert!(html.contains("Bea Lindqvist</strong> (bea) · Coordinator · 4 West, 5 East"));
    t.login("bea", "a long first password").await;
    // A refusal names the form's field, in JSON, and stores nothing.
    let (status, body) = accounts_page(&t, &root, page, Some(&new)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["field"], "username");
    let short = [
        ("username", "cy"),
        ("display_name", "Cy"),
        ("role", "manager"),
        ("password", "short"),
    ];
    let (status, body) = accounts_page(&t, &root, page, Some(&short)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["field"],
        "password"
    );
    let (status, _) = accounts_page(&t, &root, page, Some(&[("role", "chief")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // With units to choose, each chosen one is a unit as it is.
    let unit = |n: u8, name: &str| {
        let id = format!("0190a0b0-0000-7000-8000-00000000000{n}");
        json!({ "id": id, "name": name, "code": format!("U{n}") })
    };
    let units = [unit(1, "Maternity"), unit(2, "Cardiology, 4B")];
    let structure = json!({ "version": 0, "units": units, "departments": [] });
    ok::<Value>(
        t.call(Method::PUT, "/api/structure", Some(&root), Some(structure))
            .await,
    );
    let bea = format!("{page}/bea");
    let units = [
        ("change", "units"),
        ("units", "Cardiology, 4B"),
        ("units", "Maternity"),
    ];
    let (status, html) = accounts_page(&t, &root, &bea, Some(&units)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("bea: units covered saved."));
    assert!(html.contains(r#"aria-label="Units covered by bea""#));
    let users: Vec<User> = ok(t.call(Method::GET, "/api/users", Some(&root), None).await);
    assert_eq!(
        users.iter().find(|u| u.username == "bea").unwrap().units,
        ["Cardiology, 4B", "Maternity"]
    );

    // Deactivating ends every session; so does a new password.
    let bea_token = t.login("bea", "a long first password").await.token;
    let (_, html) = accounts_page(&t, &root, &bea, Some(&[("active", "false")])).await;
    assert!(
        html.contains("bea: deactivated; every session ended."),
        "{html}"
    );
    assert!(html.contains("Reactivate bea"));
    assert_eq!(me(&t, &bea_token).await.0, StatusCode::UNAUTHORIZED);
    let (_, html) = accounts_page(&t, &root, &bea, Some(&[("active", "true")])).await;
    assert!(html.contains("bea: active again."));
    let (status, body) = accounts_page(&t, &root, &bea, Some(&[("password", "short")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["field"],
        "password"
    );
    let (_, html) = accounts_page(
        &t,
        &root,
        &bea,
        Some(&[("password", "another long password")]),
    )
    .await;
    assert!(html.contains("bea: password changed; every session ended."));
    t.login("bea", "another long password").await;

    // Each change is in the audit trail, the refusals too.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, outcome FROM audit WHERE username = 'root' AND action LIKE 'account%' ORDER BY seq",
    )
    .fetch_all(&t.db.pool)
    .await
    .unwrap();
    let refused_rows = rows.iter().filter(|(_, o)| o == "refused").count();
    assert_eq!((rows.len(), refused_rows), (8, 3), "{rows:?}");
}
