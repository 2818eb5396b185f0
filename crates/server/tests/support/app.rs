//! The whole app on either database, driven through the router with no
//! socket: a temporary SQLite file, or a brand-new PostgreSQL database from
//! `postgres.rs`. `on_both!` runs a scenario on each, as two tests.
//!
//! Needs `#[path = "support/postgres.rs"] mod postgres;` declared beside it.

#![allow(dead_code)] // each test file uses its own part of this

use std::time::Duration;

use advocase_core::access::{Role, User};
use advocase_core::id::Id;
use advocase_core::sync::{NewUser, Outcome, PullPage, PushRequest, PushResponse, Session};
use advocase_server::config::DatabaseLocation;
use advocase_server::db::Db;
use advocase_server::{AppState, accounts, app, db, now_ms};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// Every test account's password.
pub const PASSWORD: &str = "correct horse battery staple";

/// Runs each named `async fn(Backend)` twice: `<name>::sqlite` and
/// `<name>::postgres`, never skipped.
macro_rules! on_both {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(crate::app::Backend::Sqlite).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$scenario(crate::app::Backend::Postgres).await
            }
        }
    )+};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub backend: Backend,
    pub router: Router,
    pub db: Db,
    pub location: DatabaseLocation,
    pub session_lifetime: Duration,
    pub lock_after_minutes: u8,
    /// The static dir, and the SQLite file.
    pub tmp: TempDir,
}

/// A status and the JSON body (`Value::Null` when empty).
pub type Answer = (StatusCode, Value);

impl TestApp {
    pub async fn start(backend: Backend) -> Self {
        Self::with_session_lifetime(backend, advocase_server::hours(16)).await
    }

    pub async fn with_session_lifetime(backend: Backend, session_lifetime: Duration) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("index.html"), "<!doctype html>").unwrap();
        let location = match backend {
            Backend::Sqlite => DatabaseLocation::Sqlite(tmp.path().join("data/advocase.db")),
            Backend::Postgres => {
                let url = tokio::task::spawn_blocking(crate::postgres::fresh_database_url);
                DatabaseLocation::Postgres(url.await.unwrap())
            }
        };
        let db = db::open(&location).await.unwrap();
        let lock_after_minutes = advocase_core::sync::DEFAULT_LOCK_AFTER_MINUTES;
        let router = router(&db, session_lifetime, lock_after_minutes, &tmp);
        TestApp {
            backend,
            router,
            db,
            location,
            session_lifetime,
            lock_after_minutes,
            tmp,
        }
    }

    /// The same server as if started with `--lock-after-minutes minutes`.
    pub fn with_lock_after_minutes(self, minutes: u8) -> Self {
        let router = router(&self.db, self.session_lifetime, minutes, &self.tmp);
        TestApp {
            router,
            lock_after_minutes: minutes,
            ..self
        }
    }

    /// Stops the server (closing the pool, as on SIGTERM) and starts another
    /// on the same database.
    pub async fn restart(self) -> Self {
        self.db.close().await;
        let db = db::open(&self.location).await.unwrap();
        let router = router(
            &db,
            self.session_lifetime,
            self.lock_after_minutes,
            &self.tmp,
        );
        TestApp { router, db, ..self }
    }

    /// The URL or path the binary would be given with --database.
    pub fn database_arg(&self) -> String {
        match &self.location {
            DatabaseLocation::Sqlite(path) => path.display().to_string(),
            DatabaseLocation::Postgres(url) => url.clone(),
        }
    }

    pub async fn account(&self, username: &str, role: Role, units: &[&str]) -> User {
        let new = NewUser {
            username: username.into(),
            display_name: username.to_uppercase(),
            role,
            units: units.iter().map(|u| (*u).to_owned()).collect(),
            password: PASSWORD.into(),
        };
        accounts::create(&self.db, &new, now_ms()).await.unwrap()
    }

    /// Creates the account and signs it in: its bearer token.
    pub async fn signed_in(&self, username: &str, role: Role, units: &[&str]) -> String {
        self.account(username, role, units).await;
        self.login(username, PASSWORD).await.token
    }

    pub async fn login(&self, username: &str, password: &str) -> Session {
        let body =
            serde_json::json!({ "username": username, "password": password, "device": null });
        let (status, json) = self
            .call(Method::POST, "/api/login", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{json}");
        serde_json::from_value(json).unwrap()
    }

    /// A JSON request; `body` is sent as application/json.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let body = body.map(|b| b.to_string().into_bytes());
        self.raw(method, uri, token, Some("application/json"), body)
            .await
    }

    /// A desk page's form sent as a browser sends it: `fields` in order.
    pub async fn send_form(
        &self,
        token: &str,
        uri: &str,
        fields: &[(String, String)],
    ) -> (StatusCode, String) {
        let parts: Vec<(&str, Option<&str>, &str)> = fields
            .iter()
            .map(|(n, v)| (n.as_str(), None, v.as_str()))
            .collect();
        self.page(token, uri, Some(&parts)).await
    }

    /// A desk page (`/api/…/page`): a GET, or a form's parts (name, file
    /// name, value) sent as a browser sends a form (multipart); the status
    /// and the text, HTML when it is 200.
    pub async fn page(
        &self,
        token: &str,
        uri: &str,
        form: Option<&[(&str, Option<&str>, &str)]>,
    ) -> (StatusCode, String) {
        let req = Request::builder()
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let req = match form {
            None => req.method(Method::GET).body(Body::empty()),
            Some(parts) => {
                let mut body = String::new();
                for (name, file, value) in parts {
                    let file = file.map_or(String::new(), |f| format!("; filename=\"{f}\""));
                    body += &format!(
                        "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n{value}\r\n"
                    );
                }
                body += "--XyZ--\r\n";
                req.method(Method::POST)
                    .header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ")
                    .body(Body::from(body))
            }
        };
        let res = self.router.clone().oneshot(req.unwrap()).await.unwrap();
        let status = res.status();
        if status == StatusCode::OK {
            assert_eq!(
                res.headers()[header::CONTENT_TYPE],
                "text/html; charset=utf-8"
            );
        }
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// Any request: for bodies and content types no client should send.
    pub async fn raw(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some()
            && let Some(ct) = content_type
        {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let req = req.body(body.map_or_else(Body::empty, Body::from)).unwrap();
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{status}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        (status, json)
    }

    pub async fn push_raw(&self, token: &str, req: &PushRequest) -> Answer {
        let body = serde_json::to_value(req).unwrap();
        self.call(Method::POST, "/api/sync/push", Some(token), Some(body))
            .await
    }

    pub async fn push(&self, token: &str, req: &PushRequest) -> PushResponse {
        ok(self.push_raw(token, req).await)
    }

    pub async fn pull(&self, token: &str, after: u64, limit: usize) -> PullPage {
        let uri = format!("/api/sync/pull?after={after}&limit={limit}");
        ok(self.call(Method::GET, &uri, Some(token), None).await)
    }

    /// Rows in the tables a push or a sign-in writes: what "nothing was
    /// written" is checked against.
    pub async fn counts(&self) -> Counts {
        let count = |table: &'static str| async move {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&self.db.pool)
                .await
                .unwrap();
            n
        };
        let counter: i64 = sqlx::query_scalar("SELECT value FROM sync_counter WHERE id = 1")
            .fetch_one(&self.db.pool)
            .await
            .unwrap();
        Counts {
            changes: count("changes").await,
            received: count("received").await,
            cases: count("cases").await,
            counter,
        }
    }
}

fn router(db: &Db, session_lifetime: Duration, lock_after_minutes: u8, tmp: &TempDir) -> Router {
    let state = AppState {
        session_lifetime,
        lock_after_minutes,
        ..AppState::new(db.clone())
    };
    app(state, tmp.path())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub changes: i64,
    pub received: i64,
    pub cases: i64,
    pub counter: i64,
}

/// The body of a 200 answer, read as `T`.
pub fn ok<T: DeserializeOwned>((status, json): Answer) -> T {
    assert_eq!(status, StatusCode::OK, "{json}");
    serde_json::from_value(json).unwrap()
}

/// Asserts an error answer's status, code and (if given) field.
pub fn refused((status, json): &Answer, want: StatusCode, error: &str, field: Option<&str>) {
    assert_eq!(*status, want, "{json}");
    assert_eq!(json["error"], error, "{json}");
    assert!(
        json["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{json}"
    );
    match field {
        Some(f) => assert_eq!(json["field"], f, "{json}"),
        None => assert!(json.get("field").is_none(), "{json}"),
    }
}

/// A stored answer's server_seq and whether it was a repeat.
pub fn stored(outcome: &Outcome) -> (u64, bool) {
    match outcome {
        Outcome::Stored {
            server_seq,
            duplicate,
            ..
        } => (*server_seq, *duplicate),
        Outcome::Refused { reason } => panic!("refused: {reason:?}"),
    }
}

/// A refusal's error code and field.
pub fn refusal(outcome: &Outcome) -> (&str, Option<&str>) {
    match outcome {
        Outcome::Refused { reason } => (&reason.error, reason.field.as_deref()),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// `n` pullers following a stream (case or supply changes) from 0 until
/// their cursor reaches `total`, as pullers racing pushers: `page(cursor)`
/// is a pull's (server_seq, change id) pairs and `next`. Every page must
/// be gapless from its cursor (the puller sees every change) and no change
/// come twice. Each puller ends with the change ids it pulled.
pub fn pullers<F, P>(
    n: usize,
    total: u64,
    page: F,
) -> Vec<tokio::task::JoinHandle<std::collections::BTreeSet<Id>>>
where
    F: Fn(u64) -> P + Clone + Send + 'static,
    P: Future<Output = (Vec<(u64, Id)>, u64)> + Send,
{
    let follow = move |page: F| async move {
        let mut cursor = 0;
        let mut seen = std::collections::BTreeSet::new();
        while cursor < total {
            let (changes, next) = page(cursor).await;
            let got: Vec<u64> = changes.iter().map(|(seq, _)| *seq).collect();
            let want: Vec<u64> = (cursor + 1..=next).collect();
            assert_eq!(got, want, "a pull skipped past {cursor}");
            for (_, id) in changes {
                assert!(seen.insert(id), "a change pulled twice");
            }
            cursor = next;
            tokio::task::yield_now().await;
        }
        seen
    };
    (0..n).map(|_| tokio::spawn(follow(page.clone()))).collect()
}

/// Waits for [`pullers`] (two minutes at most) and asserts each ended with
/// exactly the changes `pushed`.
pub async fn caught_up(
    pullers: Vec<tokio::task::JoinHandle<std::collections::BTreeSet<Id>>>,
    pushed: &std::collections::BTreeSet<Id>,
) {
    for p in pullers {
        let seen = tokio::time::timeout(Duration::from_secs(120), p)
            .await
            .expect("a puller caught up")
            .unwrap();
        assert_eq!(&seen, pushed, "a puller has exactly what was stored");
    }
}
