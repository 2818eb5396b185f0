//! The live channel (issue 14): `GET /api/sync/events`, server-sent events
//! that tell an online device a change it may see was stored, so it pulls
//! at once instead of at its next periodic pull (docs/SYNC.md, "Live
//! channel").
//!
//! An event carries no patient data: `event: changed` with the server's
//! new cursor (`server_seq`) as its data, nothing else. A push, once
//! committed, broadcasts one small notice naming the accounts that may see
//! a case it changed (decided as a pull decides, over the accounts with a
//! stream open, as the case stands after the push); each stream keeps
//! those meant for its account and not sent by its own device. A stream
//! that fell behind the broadcast gets one `changed` (a pull too many is
//! harmless, one too few is not).
//!
//! Every [`KEEP_ALIVE`] a stream sends a comment (so proxies and the idle
//! timeout see bytes) and checks its session again; it ends when the
//! session does: signed out or the account changed (at once: those
//! handlers call [`Live::recheck`]), expired (a timer), or found invalid
//! at a keep-alive. A graceful stop ends every stream first.
//!
//! The browser's `EventSource` cannot send an `Authorization` header, so
//! the stream also accepts the session token as the `advocase_session`
//! cookie, which only this path is ever sent (`Path=/api/sync/events`,
//! `HttpOnly`, `SameSite=Strict`): set by every sign-in, cleared by
//! sign-out, and set again for a signed-in device by
//! `POST /api/sync/events/session`. No other endpoint reads the cookie.

use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use advocase_core::access::{Role, User};
use advocase_core::id::Id;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::sync::{broadcast, watch};
use tokio::time::{Instant, Interval, MissedTickBehavior, Sleep};

use crate::api::Failure;
use crate::auth::{self, CASE_WORKERS_ONLY};
use crate::changes::Stored;
use crate::{AppState, now_ms, secrets};

/// A comment this often keeps proxies and the 30 s idle timeout
/// (`idle::QUIET`) from closing a quiet stream; the session is checked
/// again at each.
pub const KEEP_ALIVE: Duration = Duration::from_secs(20);
/// Streams one account may hold open at once (tablets, tabs); one more is
/// 429 `too_many_streams`.
pub const PER_ACCOUNT: usize = 8;
/// How long a browser waits before reconnecting a stream that broke.
pub const RETRY: Duration = Duration::from_millis(5000);
/// The cookie holding the session token for `EventSource`.
pub const COOKIE: &str = "advocase_session";
/// The only path the cookie is sent to.
pub const COOKIE_PATH: &str = "/api/sync/events";
/// Notices in flight per stream before it counts as behind.
const CAPACITY: usize = 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(events))
        .route("/events/session", post(session_cookie))
}

/// The streams open and what wakes them: one per server, in [`AppState`].
pub struct Live {
    notices: broadcast::Sender<Notice>,
    /// Accounts with a stream open: how many, and the account as last read.
    accounts: Mutex<HashMap<String, Connected>>,
    /// The newest server_seq notified: what a stream that fell behind is
    /// told.
    last_seq: AtomicU64,
    stop: watch::Sender<bool>,
    keep_alive: Duration,
    per_account: usize,
}

struct Connected {
    streams: usize,
    user: User,
}

#[derive(Debug, Clone)]
enum Notice {
    /// Changes up to `seq` were stored by `from`; `to` may see them.
    Changed {
        seq: u64,
        from: Id,
        to: Arc<HashSet<String>>,
    },
    /// This account's sessions may have ended or its units changed.
    Recheck { username: String },
}

impl Default for Live {
    fn default() -> Self {
        Live::new(KEEP_ALIVE, PER_ACCOUNT)
    }
}

impl Live {
    /// A channel sending keep-alives every `keep_alive` and holding at most
    /// `per_account` streams per account (tests shorten the first).
    pub fn new(keep_alive: Duration, per_account: usize) -> Self {
        Live {
            notices: broadcast::channel(CAPACITY).0,
            accounts: Mutex::default(),
            last_seq: AtomicU64::new(0),
            stop: watch::channel(false).0,
            keep_alive,
            per_account: per_account.max(1),
        }
    }

    fn accounts(&self) -> MutexGuard<'_, HashMap<String, Connected>> {
        self.accounts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// After a push from device `from` committed `stored`: wakes the
    /// streams of every account that may see one of its cases now.
    pub fn stored(&self, from: Id, stored: &Stored) {
        self.last_seq.fetch_max(stored.last_seq, Ordering::Relaxed);
        if self.notices.receiver_count() == 0 {
            return;
        }
        let users: Vec<User> = self.accounts().values().map(|c| c.user.clone()).collect();
        let to: HashSet<String> = users
            .into_iter()
            .filter(|u| {
                stored
                    .cases
                    .iter()
                    .any(|c| u.can_see_case_of(&c.holders(), &stored.units))
            })
            .map(|u| u.username)
            .collect();
        if to.is_empty() {
            return;
        }
        let _ = self.notices.send(Notice::Changed {
            seq: stored.last_seq,
            from,
            to: Arc::new(to),
        });
    }

    /// Has `username`'s streams check their session now (signed out,
    /// account changed): those no longer valid end.
    pub fn recheck(&self, username: &str) {
        if self.accounts().contains_key(username) {
            let _ = self.notices.send(Notice::Recheck {
                username: username.to_owned(),
            });
        }
    }

    /// Ends every stream and refuses new ones: the server is stopping.
    pub fn shut_down(&self) {
        self.stop.send_replace(true);
    }

    /// Streams open for `username`.
    pub fn streams(&self, username: &str) -> usize {
        self.accounts().get(username).map_or(0, |c| c.streams)
    }

    fn connect(self: &Arc<Self>, user: &User) -> Result<Slot, Failure> {
        let mut accounts = self.accounts();
        let connected = accounts
            .entry(user.username.clone())
            .or_insert_with(|| Connected {
                streams: 0,
                user: user.clone(),
            });
        if connected.streams >= self.per_account {
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "This account already has {} live connections open (other tablets or tabs). Close one, or wait a minute; sync goes on without it.",
                    self.per_account
                ),
            ));
        }
        connected.streams += 1;
        connected.user = user.clone();
        Ok(Slot {
            live: self.clone(),
            username: user.username.clone(),
        })
    }

    fn refresh(&self, user: &User) {
        if let Some(c) = self.accounts().get_mut(&user.username) {
            c.user = user.clone();
        }
    }
}

/// One stream's place in its account's count, given back when it ends.
struct Slot {
    live: Arc<Live>,
    username: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut accounts = self.live.accounts();
        if let Some(c) = accounts.get_mut(&self.username) {
            c.streams -= 1;
            if c.streams == 0 {
                accounts.remove(&self.username);
            }
        }
    }
}

/// `Set-Cookie` for the live channel's cookie: `token` for `max_age_secs`
/// (an empty token and 0 clear it).
pub fn cookie(token: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let value = format!(
        "{COOKIE}={token}; Path={COOKIE_PATH}; Max-Age={max_age_secs}; HttpOnly; SameSite=Strict{secure}"
    );
    HeaderValue::from_str(&value).expect("a hex token makes a valid header")
}

/// Whether the browser reached us over HTTPS: the server's own TLS, or a
/// proxy saying so (which can only make the cookie stricter).
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.https
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The session token from the live channel's cookie, if it looks like one.
fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `device` from the query string: the device this stream is for, whose
/// own pushes do not wake it. Never echoed.
fn device_param(query: Option<&str>) -> Result<Option<Id>, Failure> {
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if name == "device" {
            return value.parse::<Id>().map(Some).map_err(|_| {
                Failure::on(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_parameter",
                    "device",
                    "device must be this device's id (a UUID).",
                )
            });
        }
    }
    Ok(None)
}

/// `GET /api/sync/events[?device=ID]`: the stream, for a coordinator or
/// manager signed in by bearer token or the live cookie.
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let token = auth::bearer(&headers)
        .or_else(|| cookie_token(&headers))
        .ok_or_else(auth::unauthorized)?;
    let token_hash = secrets::token_hash(token);
    let (session, expires_at_ms) = auth::resolve(&state, &token_hash).await?;
    if session.user.role == Role::Admin {
        return Err(Failure::forbidden(CASE_WORKERS_ONLY));
    }
    let device = match device_param(query.as_deref())? {
        Some(d) => Some(d),
        None => session.device.as_deref().and_then(|d| d.parse().ok()),
    };
    let stop = state.live.stop.subscribe();
    if *stop.borrow() {
        return Err(Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "The server is stopping; sync goes on without the live channel until it is back.",
        ));
    }
    let slot = state.live.connect(&session.user)?;
    let notices = state.live.notices.subscribe();
    let every = state.live.keep_alive;
    let mut tick = tokio::time::interval_at(Instant::now() + every, every);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let left = u64::try_from(expires_at_ms)
        .unwrap_or(0)
        .saturating_sub(now_ms());
    let stream = LiveStream {
        username: session.user.username,
        state,
        token_hash,
        device,
        notices,
        stop,
        tick,
        ends: Box::pin(tokio::time::sleep(Duration::from_millis(left))),
        opened: false,
        _slot: slot,
    };
    let mut res = Sse::new(futures_util::stream::unfold(stream, LiveStream::next)).into_response();
    // nginx buffers proxied answers unless told not to.
    res.headers_mut().insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    Ok(res)
}

/// `POST /api/sync/events/session`: the live cookie again, for a device
/// signed in before this server set it (or whose cookie was cleared). 204.
async fn session_cookie(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    let token = auth::bearer(&headers).ok_or_else(auth::unauthorized)?;
    let (session, expires_at_ms) = auth::resolve(&state, &secrets::token_hash(token)).await?;
    if session.user.role == Role::Admin {
        return Err(Failure::forbidden(CASE_WORKERS_ONLY));
    }
    let left = u64::try_from(expires_at_ms)
        .unwrap_or(0)
        .saturating_sub(now_ms());
    let cookie = cookie(token, left / 1000, secure(&state, &headers));
    Ok(([(header::SET_COOKIE, cookie)], StatusCode::NO_CONTENT).into_response())
}

/// One open stream.
struct LiveStream {
    state: AppState,
    token_hash: String,
    username: String,
    device: Option<Id>,
    notices: broadcast::Receiver<Notice>,
    stop: watch::Receiver<bool>,
    tick: Interval,
    /// When the session expires.
    ends: Pin<Box<Sleep>>,
    opened: bool,
    _slot: Slot,
}

fn changed(seq: u64) -> Event {
    Event::default().event("changed").data(seq.to_string())
}

impl LiveStream {
    /// The next event to send, or `None` to end the stream.
    async fn next(mut self) -> Option<(Result<Event, Infallible>, Self)> {
        if !self.opened {
            self.opened = true;
            let hello = Event::default().retry(RETRY).comment("live");
            return Some((Ok(hello), self));
        }
        loop {
            tokio::select! {
                biased;
                _ = self.stop.changed() => return None,
                () = &mut self.ends => return None,
                notice = self.notices.recv() => match notice {
                    Ok(Notice::Changed { seq, from, to }) => {
                        if self.device != Some(from) && to.contains(&self.username) {
                            return Some((Ok(changed(seq)), self));
                        }
                    }
                    Ok(Notice::Recheck { username }) => {
                        if username == self.username && !self.still_valid().await {
                            return None;
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        if !self.still_valid().await {
                            return None;
                        }
                        let seq = self.state.live.last_seq.load(Ordering::Relaxed);
                        return Some((Ok(changed(seq)), self));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
                _ = self.tick.tick() => {
                    if !self.still_valid().await {
                        return None;
                    }
                    return Some((Ok(Event::default().comment("keep-alive")), self));
                }
            }
        }
    }

    /// Whether the session still holds (a database error counts as no: the
    /// browser reconnects in [`RETRY`] and is checked afresh). Keeps the
    /// account as now read, for whom the next push wakes.
    async fn still_valid(&mut self) -> bool {
        match auth::resolve(&self.state, &self.token_hash).await {
            Ok((session, _)) if session.user.role != Role::Admin => {
                self.state.live.refresh(&session.user);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_only_for_the_live_path_and_never_readable_by_scripts() {
        let c = cookie("ab12", 3600, false);
        assert_eq!(
            c,
            "advocase_session=ab12; Path=/api/sync/events; Max-Age=3600; HttpOnly; SameSite=Strict"
        );
        assert!(
            cookie("", 0, true)
                .to_str()
                .unwrap()
                .ends_with("Max-Age=0; HttpOnly; SameSite=Strict; Secure")
        );
    }

    #[test]
    fn the_token_is_read_from_the_cookie_header_among_others() {
        let mut h = HeaderMap::new();
        assert_eq!(cookie_token(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; advocase_session=00ff; x=1"),
        );
        assert_eq!(cookie_token(&h), Some("00ff"));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("advocase_session=not hex"),
        );
        assert_eq!(cookie_token(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("advocase_session="),
        );
        assert_eq!(cookie_token(&h), None);
    }

    #[test]
    fn the_device_parameter_is_a_uuid_and_never_echoed() {
        assert_eq!(device_param(None).unwrap(), None);
        assert_eq!(device_param(Some("x=1")).unwrap(), None);
        let id = "0192f0c4-7a8b-7c3d-9e0f-112233445566";
        let parsed = device_param(Some(&format!("device={id}"))).unwrap();
        assert_eq!(parsed.map(|d| d.to_string()).as_deref(), Some(id));
        let Failure(status, e) = device_param(Some("device=Jane-Doe")).unwrap_err();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("device"));
        assert!(!e.message.contains("Jane"));
    }
}
