//! The audit trail's messages (docs/SECURITY.md, "Audit trail"): what a
//! device reports it showed a person, what an administrator reads back, and
//! the escrow key a signed-in session is handed.
//!
//! Plain structs with string codes, no tagged enums (see `tagged.rs` for
//! what those cost the client): an action or outcome this build does not
//! know is still a row an administrator can read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::Id;

pub mod page;

/// Events per `POST /api/audit/events` request.
pub const MAX_EVENTS: usize = 500;
/// Rows per page of `GET /api/audit`.
pub const AUDIT_PAGE: usize = 200;

/// The stable codes of `AuditRow::action`. Stored in every row: renaming
/// one needs a migration.
pub mod action {
    /// A device reports that a person opened a case's page.
    pub const CASE_OPENED: &str = "case_opened";
    /// Changes of one case delivered in a pull page.
    pub const CASE_PULLED: &str = "case_pulled";
    /// A case's whole history fetched (`GET /api/sync/cases/{id}`).
    pub const CASE_HISTORY: &str = "case_history";
    /// One change of a push: stored, or refused.
    pub const CHANGE_PUSHED: &str = "change_pushed";
    pub const SIGN_IN: &str = "sign_in";
    /// A username locked after too many wrong passwords.
    pub const LOCKOUT: &str = "lockout";
    pub const SIGN_OUT: &str = "sign_out";
    pub const ACCOUNT_CREATED: &str = "account_created";
    pub const ACCOUNT_CHANGED: &str = "account_changed";
    /// An administrator read a page of the audit trail.
    pub const AUDIT_VIEWED: &str = "audit_viewed";
    /// An administrator exported the audit trail as CSV.
    pub const AUDIT_EXPORTED: &str = "audit_exported";
    /// A session was handed its user's escrow key.
    pub const ESCROW_KEY_ISSUED: &str = "escrow_key_issued";
    /// A manager's or coordinator's report delivered (its period and units
    /// in the detail); each case it names by patient gets a `case_reported`.
    pub const REPORT_VIEWED: &str = "report_viewed";
    /// A case named (by patient) in a delivered report.
    pub const CASE_REPORTED: &str = "case_reported";
    /// An export of a period started (CSV or FHIR, in the detail); each case
    /// in it gets a `case_exported`, recorded before its page is sent.
    pub const REPORT_EXPORTED: &str = "report_exported";
    pub const CASE_EXPORTED: &str = "case_exported";
    /// A push of ward supply changes that stored some (issue 17): one row
    /// per push, counts and change ids only (supplies name no patient).
    pub const SUPPLIES_PUSHED: &str = "supplies_pushed";

    /// What a device may report in `POST /api/audit/events`.
    pub const FROM_DEVICES: &[&str] = &[CASE_OPENED];
}

/// The stable codes of `AuditRow::outcome`.
pub mod outcome {
    pub const OK: &str = "ok";
    /// Not allowed, or not valid: nothing was changed or delivered.
    pub const REFUSED: &str = "refused";
    /// A sign-in whose username and password did not match an active account.
    pub const FAILED: &str = "failed";
    /// A sign-in refused because the username is locked, or the lock itself.
    pub const LOCKED: &str = "locked";
}

/// What a person did, in the words an Access log shows; the code itself
/// for one this build does not know.
pub fn action_label(code: &str) -> &str {
    match code {
        action::CASE_OPENED => "Opened the case",
        action::CASE_PULLED => "Case synced to a device",
        action::CASE_HISTORY => "Case history fetched",
        action::CHANGE_PUSHED => "Change sent",
        action::SIGN_IN => "Sign-in",
        action::LOCKOUT => "Locked after wrong passwords",
        action::SIGN_OUT => "Sign-out",
        action::ACCOUNT_CREATED => "Account created",
        action::ACCOUNT_CHANGED => "Account changed",
        action::AUDIT_VIEWED => "Access log viewed",
        action::AUDIT_EXPORTED => "Access log exported",
        action::ESCROW_KEY_ISSUED => "Device key escrow fetched",
        action::REPORT_VIEWED => "Report viewed",
        action::CASE_REPORTED => "Case named in a report",
        action::REPORT_EXPORTED => "Report data exported",
        action::CASE_EXPORTED => "Case exported",
        action::SUPPLIES_PUSHED => "Ward supplies sent",
        other => other,
    }
}

/// One thing a device showed its signed-in person, reported with the next
/// sync (also after an offline shift). `at` is the device's clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AuditEvent {
    /// Made on the device (UUIDv7): a resent event is recorded once.
    pub id: Id,
    pub case_id: Id,
    /// One of `action::FROM_DEVICES`.
    pub action: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(AuditEvent);

/// `POST /api/audit/events`: at most [`MAX_EVENTS`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AuditEvents {
    pub events: Vec<AuditEvent>,
}
crate::record!(AuditEvents);

/// The answer: the device forgets every id in either list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AuditAccepted {
    /// Recorded, now or by an earlier copy of the request.
    pub accepted: Vec<Id>,
    /// An action this server does not record: sending it again would not help.
    #[serde(default)]
    pub rejected: Vec<Id>,
}
crate::record!(AuditAccepted);

/// One row of the audit trail, as an administrator reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AuditRow {
    /// 1, 2, 3… in the order the server wrote them.
    pub seq: u64,
    /// When it happened: the device's clock for what a device reported.
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    /// When the server wrote it.
    #[serde(with = "crate::wire_time::utc")]
    pub recorded_at: DateTime<Utc>,
    /// Who: for a failed sign-in, the username that was tried.
    pub username: String,
    pub device: Option<String>,
    pub case_id: Option<String>,
    pub action: String,
    pub outcome: String,
    /// Counts, ids, the account changed: never patient details.
    pub detail: String,
    /// The case's patient, for display: not part of the row itself.
    pub patient_name: Option<String>,
    pub mrn: Option<String>,
}
crate::record!(AuditRow);

/// `GET /api/audit`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    /// Pass as `before` for the next (older) page; none when this was the last.
    pub next_before: Option<u64>,
}
crate::record!(AuditPage);

/// `GET /api/escrow`: the signed-in user's escrow key (32 random bytes,
/// base64url without padding), which wraps the device data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct EscrowKey {
    pub key: String,
}
crate::record!(EscrowKey);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_read_as_the_client_writes_them() {
        let json = r#"{"events":[{"id":"0190a0b0-0000-7000-8000-000000000001","case_id":"0190a0b0-0000-7000-8000-000000000002","action":"case_opened","at":"2026-03-01T08:30:00Z"}]}"#;
        let events: AuditEvents = serde_json::from_str(json).unwrap();
        assert_eq!(events.events[0].action, action::CASE_OPENED);
        assert_eq!(serde_json::to_string(&events).unwrap(), json);
        let answer: AuditAccepted = serde_json::from_str(r#"{"accepted":[]}"#).unwrap();
        assert!(answer.rejected.is_empty());
    }

    #[test]
    fn every_action_has_a_label_and_unknown_ones_show_their_code() {
        for code in [
            action::CASE_OPENED,
            action::CASE_PULLED,
            action::CASE_HISTORY,
            action::CHANGE_PUSHED,
            action::SIGN_IN,
            action::LOCKOUT,
            action::SIGN_OUT,
            action::ACCOUNT_CREATED,
            action::ACCOUNT_CHANGED,
            action::AUDIT_VIEWED,
            action::AUDIT_EXPORTED,
            action::ESCROW_KEY_ISSUED,
            action::REPORT_VIEWED,
            action::CASE_REPORTED,
            action::REPORT_EXPORTED,
            action::CASE_EXPORTED,
            action::SUPPLIES_PUSHED,
        ] {
            assert_ne!(action_label(code), code);
        }
        assert_eq!(action_label("case_printed"), "case_printed");
    }
}
