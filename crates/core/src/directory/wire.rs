//! The directory on the wire: `/api/directory` and its corrections, the
//! CSV import's answers and the unit mapping of `/api/structure`.
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
#[serde(remote = "Self")]
pub struct StoredEntry {
    pub entry: Entry,
    pub version: u64,
    pub saved_by: String,
    pub saved_at_ms: i64,
}
crate::record!(StoredEntry);

/// `GET /api/directory?since=N`: the entries saved after version `N`, and
/// the version the device holds once it has them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct DirectoryPage {
    pub version: u64,
    pub entries: Vec<StoredEntry>,
}
crate::record!(DirectoryPage);

/// `POST /api/directory` (managers and administrators): `entry` as the
/// editor left it, made from the entry at `base` (0: a new entry).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SaveEntry {
    pub base: u64,
    pub entry: Entry,
}
crate::record!(SaveEntry);

/// The 409 answer to a save whose fields someone else changed meanwhile:
/// the entry as it is now, and each field both changed, to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SaveConflict {
    pub current: StoredEntry,
    pub conflicts: Vec<FieldConflict>,
}
crate::record!(SaveConflict);

/// A coordinator's correction to an entry ("this number is wrong"): it
/// reaches the editors as a suggestion to accept or reject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Correction {
    /// Made on the device, so a resend is stored once.
    pub id: Id,
    pub entry: Id,
    /// What is wrong, in the coordinator's words.
    pub text: String,
}
crate::record!(Correction);

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Open,
    Accepted,
    Rejected,
}
crate::identified!(Decision {
    Open,
    Accepted,
    Rejected
});

/// A correction as the editors see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
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
crate::record!(Suggestion);

/// `POST /api/directory/suggestions/{id}`: an editor's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Decide {
    pub accept: bool,
    #[serde(default)]
    pub note: String,
}
crate::record!(Decide);

impl Decide {
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        p.optional_text("note", "Note", &self.note, MAX_SHORT * 5);
        p.into_result(())
    }
}

/// A problem with one row of a CSV import (`POST /api/directory.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct RowProblem {
    /// The file's line number the row starts on (the header is line 1; 0
    /// for a problem found after the file was read, tied to no line).
    pub line: u64,
    pub message: String,
}
crate::record!(RowProblem);

/// What a CSV import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Imported {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}
crate::record!(Imported);

/// A unit text that names no unit, and where it is used
/// (`GET /api/structure/unmatched`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Unmatched {
    pub text: String,
    /// Cases whose unit says it.
    pub cases: usize,
    /// Accounts that cover it.
    pub accounts: usize,
}
crate::record!(Unmatched);

/// `POST /api/structure/map`: the text becomes an alias of the unit, in
/// the next version of the structure made from `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct MapText {
    pub version: u64,
    pub text: String,
    pub unit: Id,
}
crate::record!(MapText);

#[cfg(test)]
mod tests {
    use super::*;

    /// The client reads what the server writes with these same types; the
    /// names on the wire are pinned so neither side renames one alone.
    #[test]
    fn import_and_mapping_answers_keep_their_names_on_the_wire() {
        use serde_json::{json, to_value};
        // Compared as values: the order of keys in a map depends on
        // serde_json's features, which the workspace unifies differently
        // from one build to another.
        let problem = RowProblem {
            line: 3,
            message: "m".into(),
        };
        assert_eq!(
            to_value(problem).unwrap(),
            json!({"line": 3, "message": "m"})
        );
        let imported = Imported {
            created: 1,
            updated: 2,
            unchanged: 3,
        };
        assert_eq!(
            to_value(imported).unwrap(),
            json!({"created": 1, "updated": 2, "unchanged": 3})
        );
        let u = Unmatched {
            text: "4 b".into(),
            cases: 2,
            accounts: 1,
        };
        assert_eq!(
            to_value(&u).unwrap(),
            json!({"text": "4 b", "cases": 2, "accounts": 1})
        );
        let m: MapText = serde_json::from_str(&format!(
            r#"{{"version":4,"text":"4 b","unit":"{}"}}"#,
            Id::new_v7(1, [1; 10])
        ))
        .unwrap();
        assert_eq!((m.version, m.text.as_str()), (4, "4 b"));
    }
}
