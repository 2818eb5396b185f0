//! The sync protocol's messages and limits (docs/SYNC.md explains it).
//!
//! Push: a device sends its changes, oldest first, in batches; the server
//! answers each one by its `(device, seq)`, so a batch sent twice is stored
//! once. Pull: the server numbers what it stores (`server_seq`) and hands it
//! out after a cursor, a bounded page at a time.

use serde::{Deserialize, Serialize};

use crate::access::{Holders, User, authorize};
use crate::api::ApiError;
use crate::change::{Change, Refusal};
use crate::directory::UnitIndex;
use crate::hlc::{Timestamp, clamp};
use crate::id::Id;

/// Changes per push request.
pub const MAX_BATCH: usize = 500;
/// Bytes per request body (a full batch of long interactions fits).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Changes per pull page when the client does not ask for fewer.
pub const PULL_PAGE: usize = 500;
pub const MAX_PULL_PAGE: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PushRequest {
    pub device: Id,
    pub changes: Vec<Change>,
}
crate::record!(PushRequest);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PushResponse {
    /// One per change sent, in the same order.
    pub results: Vec<PushResult>,
}
crate::record!(PushResponse);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PushResult {
    pub id: Id,
    pub seq: u64,
    pub outcome: Outcome,
}
crate::record!(PushResult);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Outcome {
    /// Stored (now or by an earlier copy of this request). `hlc` is the
    /// clock the server keeps, clamped if the device's was far ahead.
    Stored {
        server_seq: u64,
        hlc: Timestamp,
        duplicate: bool,
    },
    /// Not stored, and it never will be as sent: set it aside for a person.
    Refused { reason: ApiError },
}
crate::tagged!(Outcome, "status");

impl Outcome {
    /// The answer again, for a retried request: the same, a stored one
    /// marked as a duplicate.
    pub fn replayed(self) -> Outcome {
        match self {
            Outcome::Stored {
                server_seq, hlc, ..
            } => Outcome::Stored {
                server_seq,
                hlc,
                duplicate: true,
            },
            refused => refused,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Pulled {
    pub server_seq: u64,
    pub change: Change,
}
crate::record!(Pulled);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PullPage {
    /// Changes after the cursor that the user may see, oldest first.
    pub changes: Vec<Pulled>,
    /// Cases that changed after the cursor but that the user may no longer
    /// see (reassigned, or another unit's): the device drops its copy once
    /// nothing of its own on them is unsent.
    #[serde(default)]
    pub hidden: Vec<Id>,
    /// The cursor for the next page.
    pub next: u64,
    /// More changes wait after `next`.
    pub more: bool,
}
crate::record!(PullPage);

/// `GET /api/sync/cases/{id}`: every change of one case, for a device that
/// learns of a case it holds no opening of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseHistory {
    pub changes: Vec<Pulled>,
}
crate::record!(CaseHistory);

/// `POST /api/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device signing in, recorded with the session for the audit trail.
    pub device: Option<Id>,
}
crate::record!(LoginRequest);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Session {
    pub token: String,
    /// Unix milliseconds; the device may work offline until then.
    pub expires_at_ms: u64,
    pub user: crate::access::User,
    /// Minutes without input before the device locks (the operator's
    /// `--lock-after-minutes`, 1..=30). Absent from servers before the PIN
    /// lock: the device then uses [`DEFAULT_LOCK_AFTER_MINUTES`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_after_minutes: Option<u8>,
}
crate::record!(Session);

/// Minutes of inactivity before a device locks, unless the operator says.
pub const DEFAULT_LOCK_AFTER_MINUTES: u8 = 5;
/// The range the operator may choose from.
pub const LOCK_AFTER_MINUTES: std::ops::RangeInclusive<u8> = 1..=30;

/// `POST /api/users` (admins): a new account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: crate::access::Role,
    #[serde(default)]
    pub units: Vec<String>,
    pub password: String,
}
crate::record!(NewUser);

/// `PATCH /api/users/{username}` (admins): any of these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub role: Option<crate::access::Role>,
    pub units: Option<Vec<String>>,
    /// Deactivating also ends every session of the account.
    pub active: Option<bool>,
    pub password: Option<String>,
}
crate::record!(UserUpdate);

/// What a server does with one change it has not seen: check it, check the
/// sender may make it to the case as the server holds it (`current`: who
/// may see it, from its [`crate::summary::CaseSummary`], or `None` if it
/// is not open; units read through the hospital's structure, `units`), and
/// clamp its
/// clock so a device whose date is wrong cannot win every later edit.
/// Returns the change as it will be stored and handed out.
pub fn accept(
    user: &User,
    change: &Change,
    current: Option<&Holders<'_>>,
    units: &UnitIndex,
    server_now_ms: u64,
) -> Result<Change, Refusal> {
    let stored = prepare(change, server_now_ms)?;
    authorize(user, change, current, units)?;
    Ok(stored)
}

/// The half of [`accept`] that reads nothing but the change and the
/// server's time: its own checks, and the change as it will be stored
/// (clock clamped). A server runs it for every change of a push before the
/// push waits for its turn to be stored, beside the other pushes, then
/// [`authorize`]s against the case as it is then: the same answer as
/// `accept`, a check's refusal first.
pub fn prepare(change: &Change, server_now_ms: u64) -> Result<Change, Refusal> {
    change.check()?;
    let mut stored = change.clone();
    stored.hlc = clamp(change.hlc, server_now_ms);
    Ok(stored)
}
