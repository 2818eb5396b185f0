//! The live channel, `GET /api/sync/events`, through the router on SQLite
//! and on PostgreSQL: who is woken by a push (only accounts that may see the
//! case after it, never the pushing device), who may open a stream, that a
//! stream ends with its session, and the per-account limit.
//!
//! Frames are read from the response body as it streams. Every wait is
//! bounded by [`HANG`], which only turns a hang into a failure: nothing
//! here measures or asserts a duration. That a stream was *not* woken is
//! shown by order, never by waiting: a later push it may see is the first
//! event it gets.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use std::sync::Arc;
use std::time::Duration;

use advocase_core::access::Role;
use advocase_core::case::Actor;
use advocase_core::change::{Change, Op};
use advocase_core::followup::TaskDraft;
use advocase_core::id::Id;
use advocase_core::sync::{Outcome, PushResponse, Session};
use advocase_server::live::{Live, PER_ACCOUNT};
use advocase_server::{AppState, app, now_ms};
use app::{Answer, Backend, PASSWORD, TestApp, refused};
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use axum::response::Response;
use devices::{Device, new_id};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

/// Far longer than anything here takes; only a hang reaches it.
const HANG: Duration = Duration::from_secs(30);

on_both!(
    a_device_that_may_see_the_case_is_woken_with_the_new_cursor,
    only_accounts_that_may_see_the_case_after_the_change_are_woken,
    the_pushing_device_is_not_woken,
    who_may_open_a_stream,
    the_stream_ends_when_the_session_ends,
    keep_alives_check_the_session_again,
    each_account_holds_a_bounded_number_of_streams,
    a_stopping_server_ends_every_stream,
);

/// The app on `b` with a live channel of our own, keep-alives every
/// `keep_alive`.
async fn start(b: Backend, keep_alive: Duration) -> (TestApp, Arc<Live>) {
    let mut t = TestApp::start(b).await;
    let live = Arc::new(Live::new(keep_alive, PER_ACCOUNT));
    let state = AppState {
        session_lifetime: t.session_lifetime,
        lock_after_minutes: t.lock_after_minutes,
        live: live.clone(),
        ..AppState::new(t.db.clone())
    };
    t.router = app(state, t.tmp.path());
    (t, live)
}

/// Keep-alives that never come within a test.
const QUIET: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Frame {
    /// `event: changed`, its data the cursor.
    Changed(u64),
    /// A comment line (`: keep-alive`), and a `retry:` if the frame had one.
    Comment(String, Option<u64>),
}

/// An open stream: its response's head and the frames still to read.
struct Events {
    headers: HeaderMap,
    body: Body,
    buffer: String,
}

impl Events {
    /// The next frame, or `None` once the stream has ended.
    async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return Some(parse(&block));
            }
            let frame = tokio::time::timeout(HANG, self.body.frame())
                .await
                .expect("the stream hung");
            match frame {
                None => {
                    assert!(self.buffer.is_empty(), "cut mid-frame: {:?}", self.buffer);
                    return None;
                }
                Some(frame) => {
                    let frame = frame.expect("stream error");
                    if let Ok(data) = frame.into_data() {
                        self.buffer.push_str(std::str::from_utf8(&data).unwrap());
                    }
                }
            }
        }
    }

    /// The next `changed` event's cursor, past any keep-alive; `None` if
    /// the stream ended first.
    async fn changed(&mut self) -> Option<u64> {
        loop {
            match self.next().await? {
                Frame::Changed(seq) => return Some(seq),
                Frame::Comment(..) => {}
            }
        }
    }

    /// Reads (past keep-alives) until the stream ends; a `changed` is a
    /// failure.
    async fn ends(&mut self) {
        while let Some(frame) = self.next().await {
            assert!(matches!(frame, Frame::Comment(..)), "{frame:?}");
        }
    }
}

fn parse(block: &str) -> Frame {
    let (mut event, mut data, mut comment, mut retry) = (None, None, None, None);
    for line in block.lines() {
        if let Some(c) = line.strip_prefix(':') {
            comment = Some(c.trim().to_owned());
        } else if let Some((field, value)) = line.split_once(':') {
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event = Some(value.to_owned()),
                "data" => data = Some(value.to_owned()),
                "retry" => retry = Some(value.parse().unwrap()),
                other => panic!("unexpected field {other} in {block:?}"),
            }
        }
    }
    match (event.as_deref(), data) {
        (Some("changed"), Some(data)) => Frame::Changed(data.parse().unwrap()),
        (None, None) => Frame::Comment(comment.unwrap_or_default(), retry),
        _ => panic!("unexpected frame {block:?}"),
    }
}

/// How a stream is asked for.
#[derive(Default)]
struct Ask<'a> {
    bearer: Option<&'a str>,
    cookie: Option<&'a str>,
    device: Option<Id>,
    query: Option<&'a str>,
    /// Ask for a compressed answer, as browsers do.
    compressed: bool,
}

async fn open(t: &TestApp, ask: Ask<'_>) -> Result<Events, Answer> {
    let uri = match (ask.device, ask.query) {
        (_, Some(q)) => format!("/api/sync/events?{q}"),
        (Some(d), None) => format!("/api/sync/events?device={d}"),
        (None, None) => "/api/sync/events".to_owned(),
    };
    let mut req = Request::builder()
        .method(Method::GET)
        .uri(uri)
        .header(header::ACCEPT, "text/event-stream");
    if ask.compressed {
        req = req.header(header::ACCEPT_ENCODING, "gzip, br");
    }
    if let Some(token) = ask.bearer {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(cookie) = ask.cookie {
        req = req.header(header::COOKIE, cookie);
    }
    let res: Response = t
        .router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let (parts, body) = res.into_parts();
    if status != StatusCode::OK {
        let bytes = body.collect().await.unwrap().to_bytes();
        return Err((status, serde_json::from_slice(&bytes).unwrap()));
    }
    let mut events = Events {
        headers: parts.headers,
        body,
        buffer: String::new(),
    };
    // The first frame says how soon to reconnect; then the stream is live.
    match events.next().await {
        Some(Frame::Comment(_, Some(5000))) => {}
        other => panic!("expected the opening retry, got {other:?}"),
    }
    Ok(events)
}

async fn stream(t: &TestApp, token: &str, device: Id) -> Events {
    let ask = Ask {
        bearer: Some(token),
        device: Some(device),
        ..Ask::default()
    };
    open(t, ask).await.unwrap_or_else(|e| panic!("{e:?}"))
}

/// Pushes `changes` from `device`: the server_seq of the last one stored.
async fn push(t: &TestApp, token: &str, device: &Device, changes: &[&Change]) -> u64 {
    let res: PushResponse = t.push(token, &device.batch(changes.iter().copied())).await;
    let mut last = 0;
    for r in &res.results {
        match &r.outcome {
            Outcome::Stored { server_seq, .. } => last = *server_seq,
            refused => panic!("{refused:?}"),
        }
    }
    last
}

/// Whether a pull from `after` brings `change`.
async fn pull_brings(t: &TestApp, token: &str, after: u64, change: &Change) -> bool {
    let page = t.pull(token, after, 500).await;
    page.changes.iter().any(|p| p.change.id == change.id)
}

/// A follow-up on `case_id` owned by `owner`: it ties them to the case.
fn task_for(device: &mut Device, case_id: Id, owner: &str) -> Change {
    let now = chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap();
    let actor = Actor {
        user: device.user.clone(),
        now,
        today: now.date_naive(),
    };
    let id = new_id();
    let task = TaskDraft {
        kind: "other".into(),
        title: "Call the daughter back about the discharge date".into(),
        due: now.date_naive().to_string(),
        owner: owner.into(),
        ..TaskDraft::default()
    }
    .validate(id, None, &actor)
    .unwrap();
    device.change(
        id,
        case_id,
        Op::AddTask {
            task: Box::new(task),
        },
    )
}

async fn a_device_that_may_see_the_case_is_woken_with_the_new_cursor(b: Backend) {
    let (t, _) = start(b, QUIET).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let bob = t
        .signed_in("bob", Role::Coordinator, &["Unit 4 West"])
        .await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut anas = Device::new("ana");
    let ask = Ask {
        bearer: Some(&bob),
        device: Some(new_id()),
        compressed: true,
        ..Ask::default()
    };
    let mut bobs = open(&t, ask).await.unwrap();
    let mut mias = stream(&t, &mia, new_id()).await;

    // No compression and no caching in the way of the events.
    let h = &bobs.headers;
    assert_eq!(h[header::CONTENT_TYPE], "text/event-stream");
    assert_eq!(h[header::CACHE_CONTROL], "no-cache");
    assert_eq!(h["x-accel-buffering"], "no");
    assert!(h.get(header::CONTENT_ENCODING).is_none(), "{h:?}");

    let case = anas.open("4 West");
    let seq = push(&t, &ana, &anas, &[&case]).await;
    for events in [&mut bobs, &mut mias] {
        assert_eq!(events.changed().await, Some(seq), "the new cursor");
    }
    // What the event is for: the pull brings the change.
    assert!(pull_brings(&t, &bob, seq - 1, &case).await);
    assert!(pull_brings(&t, &mia, 0, &case).await);

    // A push that stores nothing new (a retry) wakes nobody: the next
    // event is the next change's.
    push(&t, &ana, &anas, &[&case]).await;
    let log = anas.log(case.case_id);
    let next = push(&t, &ana, &anas, &[&log]).await;
    assert_eq!(bobs.changed().await, Some(next));
    assert_eq!(mias.changed().await, Some(next));
}

async fn only_accounts_that_may_see_the_case_after_the_change_are_woken(b: Backend) {
    let (t, _) = start(b, QUIET).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let cy = t.signed_in("cy", Role::Coordinator, &["5 East"]).await;
    let dee = t.signed_in("dee", Role::Coordinator, &["3 North"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mut anas = Device::new("ana");
    let mut cys = stream(&t, &cy, new_id()).await;
    let mut dees = stream(&t, &dee, new_id()).await;

    // Another unit's case: cy is not woken for it...
    let west = anas.open("4 West");
    push(&t, &ana, &anas, &[&west]).await;
    // ...but for a case of the unit cy covers (ana may open it: she is its
    // creator), the first event cy gets is that one's.
    let east = anas.open("5 East");
    let east_seq = push(&t, &ana, &anas, &[&east]).await;
    assert_eq!(cys.changed().await, Some(east_seq));

    // Assigned to cy: the case as it stands after the change counts.
    let to_cy = anas.reassign(west.case_id, "ana", "cy");
    let seq = push(&t, &ana, &anas, &[&to_cy]).await;
    assert_eq!(cys.changed().await, Some(seq));
    assert!(pull_brings(&t, &cy, seq - 1, &to_cy).await);
    // Taken back: cy may no longer see it and is not woken; a follow-up
    // owned by dee (`involved`) wakes dee, and cy's next event is the next
    // change on a case cy sees.
    let back = anas.reassign(west.case_id, "cy", "ana");
    push(&t, &ana, &anas, &[&back]).await;
    let task = task_for(&mut anas, west.case_id, "dee");
    let task_seq = push(&t, &ana, &anas, &[&task]).await;
    assert_eq!(dees.changed().await, Some(task_seq), "involved: dee");
    assert!(pull_brings(&t, &dee, task_seq - 1, &task).await);
    let log = anas.log(east.case_id);
    let log_seq = push(&t, &ana, &anas, &[&log]).await;
    assert_eq!(cys.changed().await, Some(log_seq), "not the ones cy lost");
    // dee's first event after the task is a change dee may see too.
    let log2 = anas.log(west.case_id);
    let log2_seq = push(&t, &ana, &anas, &[&log2]).await;
    assert_eq!(dees.changed().await, Some(log2_seq));

    // Administrators see no patient data and get no stream.
    let refusal = open(
        &t,
        Ask {
            bearer: Some(&root),
            ..Ask::default()
        },
    )
    .await
    .err()
    .unwrap();
    refused(&refusal, StatusCode::FORBIDDEN, "forbidden", None);
}

async fn the_pushing_device_is_not_woken(b: Backend) {
    let (t, _) = start(b, QUIET).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    // One person, two tablets: each is woken by the other's pushes only.
    let mut tablet = Device::new("ana");
    let mut desk = Device::new("ana");
    let mut tablets = stream(&t, &ana, tablet.id).await;
    let mut desks = stream(&t, &ana, desk.id).await;
    let case = tablet.open("4 West");
    let first = push(&t, &ana, &tablet, &[&case]).await;
    assert_eq!(desks.changed().await, Some(first));
    let log = desk.log(case.case_id);
    let second = push(&t, &ana, &desk, &[&log]).await;
    assert_eq!(tablets.changed().await, Some(second), "not its own push");

    // Without `device`, the stream is the device its session signed in
    // from.
    let signed_in = Device::new("ana");
    let body = json!({ "username": "ana", "password": PASSWORD, "device": signed_in.id });
    let (status, json) = t.call(Method::POST, "/api/login", None, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let session: Session = serde_json::from_value(json).unwrap();
    let ask = Ask {
        bearer: Some(&session.token),
        ..Ask::default()
    };
    let mut own = open(&t, ask).await.unwrap();
    let mut signed_in = signed_in;
    let mine = signed_in.log(case.case_id);
    push(&t, &session.token, &signed_in, &[&mine]).await;
    let theirs = tablet.log(case.case_id);
    let theirs_seq = push(&t, &ana, &tablet, &[&theirs]).await;
    assert_eq!(own.changed().await, Some(theirs_seq));
}

/// Signs `username` in through the API, with the answer's headers.
async fn login_with_headers(t: &TestApp, username: &str) -> (Session, HeaderMap) {
    let body = json!({ "username": username, "password": PASSWORD, "device": null });
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (serde_json::from_slice(&bytes).unwrap(), parts.headers)
}

/// The `name=value` of a `Set-Cookie`, with its attributes.
fn set_cookie(headers: &HeaderMap) -> (String, Vec<String>) {
    let value = headers[header::SET_COOKIE].to_str().unwrap();
    let mut parts = value.split(';').map(|p| p.trim().to_owned());
    let pair = parts.next().unwrap();
    (pair, parts.collect())
}

async fn who_may_open_a_stream(b: Backend) {
    let (t, _) = start(b, QUIET).await;
    t.account("ana", Role::Coordinator, &["4 West"]).await;

    for ask in [
        Ask::default(),
        Ask {
            bearer: Some("not-a-session"),
            ..Ask::default()
        },
        Ask {
            cookie: Some("advocase_session=00ff00ff"),
            ..Ask::default()
        },
        Ask {
            cookie: Some("other=1"),
            ..Ask::default()
        },
    ] {
        let refusal = open(&t, ask).await.err().unwrap();
        refused(&refusal, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }

    // A sign-in sets the cookie an EventSource sends: for the live path
    // only, out of scripts' reach.
    let (session, headers) = login_with_headers(&t, "ana").await;
    let (pair, attributes) = set_cookie(&headers);
    assert_eq!(pair, format!("advocase_session={}", session.token));
    for a in [
        "Path=/api/sync/events",
        "HttpOnly",
        "SameSite=Strict",
        "Max-Age=57600",
    ] {
        assert!(attributes.iter().any(|x| x == a), "{a}: {attributes:?}");
    }
    let cookie = format!("theme=dark; {pair}");
    let ask = Ask {
        cookie: Some(&cookie),
        ..Ask::default()
    };
    let by_cookie = open(&t, ask).await.unwrap();
    drop(by_cookie);

    // A session from before the cookie gets it again with its token.
    let (status, _) = t
        .call(Method::POST, "/api/sync/events/session", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/sync/events/session")
        .header(header::AUTHORIZATION, format!("Bearer {}", session.token))
        .header("x-forwarded-proto", "https")
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (again, attributes) = set_cookie(res.headers());
    assert_eq!(again, pair);
    assert!(attributes.iter().any(|a| a == "Secure"), "{attributes:?}");

    // A device id that is not one is named, never echoed.
    let ask = Ask {
        bearer: Some(&session.token),
        query: Some("device=Jane%20Doe"),
        ..Ask::default()
    };
    let refusal = open(&t, ask).await.err().unwrap();
    refused(
        &refusal,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("device"),
    );
    assert!(!refusal.1.to_string().contains("Jane"));

    // Signed out: the cookie is cleared and the token refused.
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/logout")
        .header(header::AUTHORIZATION, format!("Bearer {}", session.token))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (cleared, attributes) = set_cookie(res.headers());
    assert_eq!(cleared, "advocase_session=");
    assert!(
        attributes.iter().any(|a| a == "Max-Age=0"),
        "{attributes:?}"
    );
    let ask = Ask {
        cookie: Some(&cookie),
        ..Ask::default()
    };
    let refusal = open(&t, ask).await.err().unwrap();
    refused(&refusal, StatusCode::UNAUTHORIZED, "session_revoked", None);
}

async fn the_stream_ends_when_the_session_ends(b: Backend) {
    let (t, live) = start(b, QUIET).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let bob = t.signed_in("bob", Role::Coordinator, &["4 West"]).await;
    let bob_again = t.login("bob", PASSWORD).await.token;
    let mut anas = stream(&t, &ana, new_id()).await;
    let mut bobs = stream(&t, &bob, new_id()).await;
    let mut bobs_other = stream(&t, &bob_again, new_id()).await;

    // Signing out ends that session's stream at once, not the others'.
    let (status, _) = t.call(Method::POST, "/api/logout", Some(&ana), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    anas.ends().await;
    assert_eq!(live.streams("ana"), 0);
    let (status, _) = t
        .call(Method::POST, "/api/logout", Some(&bob_again), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    bobs_other.ends().await;
    assert_eq!(live.streams("bob"), 1, "bob's other session stays");

    // Deactivating the account ends every stream of it.
    let (status, json) = t
        .call(
            Method::PATCH,
            "/api/users/bob",
            Some(&root),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    bobs.ends().await;
    assert_eq!(live.streams("bob"), 0);
    let refusal = open(
        &t,
        Ask {
            bearer: Some(&bob),
            ..Ask::default()
        },
    )
    .await
    .err()
    .unwrap();
    refused(&refusal, StatusCode::UNAUTHORIZED, "session_revoked", None);
}

async fn keep_alives_check_the_session_again(b: Backend) {
    let (t, live) = start(b, Duration::from_millis(50)).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let bob = t.signed_in("bob", Role::Coordinator, &["4 West"]).await;
    let mut anas = stream(&t, &ana, new_id()).await;
    let mut bobs = stream(&t, &bob, new_id()).await;
    // A keep-alive is a comment, and carries nothing.
    assert_eq!(
        anas.next().await,
        Some(Frame::Comment("keep-alive".into(), None))
    );

    // Ended behind the server's back (expired, revoked in the database):
    // the next keep-alive's check ends the stream.
    sqlx::query("UPDATE sessions SET expires_at_ms = 1 WHERE username = 'ana'")
        .execute(&t.db.pool)
        .await
        .unwrap();
    anas.ends().await;
    sqlx::query("UPDATE sessions SET revoked_at_ms = 1 WHERE username = 'bob'")
        .execute(&t.db.pool)
        .await
        .unwrap();
    bobs.ends().await;
    assert_eq!(live.streams("ana") + live.streams("bob"), 0);
}

async fn each_account_holds_a_bounded_number_of_streams(b: Backend) {
    let (t, live) = start(b, QUIET).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let bob = t.signed_in("bob", Role::Coordinator, &["4 West"]).await;
    let mut open_ones = Vec::new();
    for _ in 0..PER_ACCOUNT {
        open_ones.push(stream(&t, &ana, new_id()).await);
    }
    assert_eq!(live.streams("ana"), PER_ACCOUNT);
    let ask = Ask {
        bearer: Some(&ana),
        ..Ask::default()
    };
    let refusal = open(&t, ask).await.err().unwrap();
    refused(
        &refusal,
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_streams",
        None,
    );
    // Another account is not held up by ana's.
    let bobs = stream(&t, &bob, new_id()).await;
    // A stream that closes gives its place back.
    open_ones.pop();
    assert_eq!(live.streams("ana"), PER_ACCOUNT - 1);
    open_ones.push(stream(&t, &ana, new_id()).await);
    assert_eq!(live.streams("ana"), PER_ACCOUNT);
    drop(open_ones);
    drop(bobs);
    assert_eq!(live.streams("ana") + live.streams("bob"), 0);
}

async fn a_stopping_server_ends_every_stream(b: Backend) {
    let (t, live) = start(b, QUIET).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut anas = stream(&t, &ana, new_id()).await;
    let mut mias = stream(&t, &mia, new_id()).await;
    live.shut_down();
    anas.ends().await;
    mias.ends().await;
    let ask = Ask {
        bearer: Some(&ana),
        ..Ask::default()
    };
    let refusal = open(&t, ask).await.err().unwrap();
    refused(
        &refusal,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        None,
    );
}
