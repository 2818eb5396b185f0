//! The directory on the wire: `/api/directory` and its corrections.
//!
//! Entries sync like the templates, not through the case logs: a device
//! asks for what changed after the directory version it holds and gets
//! those entries whole (retired ones too, so it drops them).

use serde::{Deserialize, Serialize};

use super::entry::Entry;
use super::merge::FieldConflict;
use crate::id::Id;
use crate::limits::{MAX_SHORT, MAX_TEXT};
use crate::validation::Problems;

/// An entry as the server keeps it: `version` is the directory's version
/// at its last save (one counter for the whole directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    pub entry: Entry,
    pub version: u64,
    pub saved_by: String,
    pub saved_at_ms: i64,
}

/// `GET /api/directory?since=N`: the entries saved after version `N`, and
/// the version the device holds once it has them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryPage {
    pub version: u64,
    pub entries: Vec<StoredEntry>,
}

/// `POST /api/directory` (managers and administrators): `entry` as the
/// editor left it, made from the entry at `base` (0: a new entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveEntry {
    pub base: u64,
    pub entry: Entry,
}

/// The 409 answer to a save whose fields someone else changed meanwhile:
/// the entry as it is now, and each field both changed, to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveConflict {
    pub current: StoredEntry,
    pub conflicts: Vec<FieldConflict>,
}

/// A coordinator's correction to an entry ("this number is wrong"): it
/// reaches the editors as a suggestion to accept or reject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// Made on the device, so a resend is stored once.
    pub id: Id,
    pub entry: Id,
    /// What is wrong, in the coordinator's words.
    pub text: String,
}

impl Correction {
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        p.text("text", "What is wrong", &self.text, MAX_TEXT / 10);
        if self.id.is_nil() || self.entry.is_nil() {
            p.add("entry", "Choose the entry the correction is about.");
        }
        p.into_result(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Open,
    Accepted,
    Rejected,
}

/// A correction as the editors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub correction: Correction,
    /// The entry's name when it was sent, so it reads well if renamed.
    pub entry_name: String,
    pub by: String,
    pub at_ms: i64,
    pub decision: Decision,
    pub decided_by: Option<String>,
    pub note: String,
}

/// `POST /api/directory/suggestions/{id}`: an editor's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decide {
    pub accept: bool,
    #[serde(default)]
    pub note: String,
}

impl Decide {
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        p.optional_text("note", "Note", &self.note, MAX_SHORT * 5);
        p.into_result(())
    }
}
