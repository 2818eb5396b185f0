//! The supply stream on the wire: `POST /api/supplies/push` and
//! `GET /api/supplies/pull?after=N&limit=M` (docs/SUPPLIES.md). A push is
//! answered like a case push ([`PushResponse`]: one result per change, in
//! order, stored or refused), and idempotent the same way: a change is
//! stored once by `(device, seq)`, a retried one gets the same answer.
//!
//! [`PushResponse`]: crate::sync::PushResponse

use serde::{Deserialize, Serialize};

use super::change::{SupplyChange, authorize};
use crate::access::User;
use crate::api::ApiError;
use crate::directory::UnitIndex;
use crate::hlc::clamp;
use crate::id::Id;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyPush {
    pub device: Id,
    /// At most [`crate::sync::MAX_BATCH`].
    pub changes: Vec<SupplyChange>,
}
crate::record!(SupplyPush);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyPulled {
    pub server_seq: u64,
    pub change: SupplyChange,
}
crate::record!(SupplyPulled);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyPage {
    /// Supply changes after the cursor of the units the person keeps
    /// (a manager: every unit), oldest first.
    pub changes: Vec<SupplyPulled>,
    /// The cursor for the next page.
    pub next: u64,
    /// More changes wait after `next`.
    pub more: bool,
}
crate::record!(SupplyPage);

/// What a server does with a supply change it has not seen: its checks,
/// whether its sender may make it, and its clock clamped (a device whose
/// date is wrong cannot win every later count). The change as stored.
pub fn accept(
    user: &User,
    change: &SupplyChange,
    units: &UnitIndex,
    server_now_ms: u64,
) -> Result<SupplyChange, ApiError> {
    change.check()?;
    authorize(user, change, units)?;
    let mut stored = change.clone();
    stored.hlc = clamp(change.hlc, server_now_ms);
    Ok(stored)
}

/// Whether `user` receives `unit`'s supply changes: managers every unit's,
/// coordinators their units'.
pub fn sees(user: &User, unit: &str, units: &UnitIndex) -> bool {
    match user.role {
        crate::access::Role::Manager => true,
        crate::access::Role::Admin => false,
        crate::access::Role::Coordinator => user.covers(unit, units),
    }
}
