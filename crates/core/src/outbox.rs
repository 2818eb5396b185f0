//! The outbox: a device's changes the server does not hold yet.
//!
//! It is not a separate queue: a change is pending while its entry in its
//! case's log has neither a server number nor a refusal. The change and its
//! "still to send" mark are therefore written in the same storage entry,
//! so no crash can leave one without the other.

use std::collections::BTreeMap;

use crate::change::Change;
use crate::id::Id;
use crate::log::CaseLog;

/// The next changes to push, oldest first by this device's sequence (the
/// order they were made in), at most `max`.
pub fn next_batch(logs: &BTreeMap<Id, CaseLog>, device: Id, max: usize) -> Vec<Change> {
    let mut pending: Vec<&Change> = logs
        .values()
        .flat_map(CaseLog::pending)
        .filter(|c| c.device == device)
        .collect();
    crate::order::sort_by_key(&mut pending, |c| c.seq);
    pending.into_iter().take(max).cloned().collect()
}

/// How many changes wait to be sent.
pub fn count(logs: &BTreeMap<Id, CaseLog>) -> usize {
    logs.values().map(|l| l.pending().count()).sum()
}
