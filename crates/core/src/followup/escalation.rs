//! Escalation: a case sent to someone who can solve it (a colleague or a
//! manager with an account, a department, or a person from the directory),
//! with a reason and an urgency, and the chain of answers that follows
//! (acknowledged, answered with a note, passed on).
//!
//! An escalation and each answer are append-only records in the case's log
//! (`Op::Escalate`, `Op::Respond`): they never conflict, and the chain is
//! the answers in the log's order. Someone outside Advocase (a department,
//! a directory entry) answers by phone; whoever is on the case records it.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Utc, Weekday};
use serde::{Deserialize, Serialize};

use crate::case::Actor;
use crate::id::Id;
use crate::limits::{MAX_NAME, MAX_SHORT, MAX_TEXT};
use crate::reference::{Identified, Urgency};
use crate::validation::Problems;

/// Whom an escalation is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Recipient {
    /// A colleague or a manager: it waits on their My day.
    Account { username: String, name: String },
    /// A department or service of the hospital's structure.
    Department { name: String },
    /// A person, role or service from the directory.
    Entry { entry: Id, name: String },
}
crate::tagged!(Recipient, "kind");

impl Recipient {
    /// For people: "Dana Reyes (manager)", "Pharmacy".
    pub fn name(&self) -> &str {
        match self {
            Recipient::Account { name, .. }
            | Recipient::Department { name }
            | Recipient::Entry { name, .. } => name,
        }
    }

    pub fn username(&self) -> Option<&str> {
        match self {
            Recipient::Account { username, .. } => Some(username),
            _ => None,
        }
    }

    /// A blank or overlong name, or an account's username.
    fn problem(&self) -> Option<&'static str> {
        let bad = |s: &str, max: usize| s.trim().is_empty() || s.chars().count() > max;
        let username = self.username().is_some_and(|u| bad(u, MAX_SHORT));
        (username || bad(self.name(), MAX_NAME)).then_some("Name whom it is for.")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Escalation {
    pub id: Id,
    pub to: Recipient,
    pub reason: String,
    pub urgency: Urgency,
    /// A follow-up on the same case it asks for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Id>,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    /// The answers, in the log's order (the fold fills them in; an
    /// `Escalate` change carries none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responses: Vec<Response>,
}
crate::record!(Escalation);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Response {
    pub id: Id,
    pub escalation: Id,
    pub answer: Answer,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
}
crate::record!(Response);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum Answer {
    /// Seen and taken up.
    Acknowledged,
    /// Dealt with: the note says how.
    Answered { note: String },
    /// Sent on to someone better placed.
    PassedOn { to: Recipient, note: String },
}
crate::tagged!(Answer, "type");

impl Answer {
    /// For the timeline: "Acknowledged", "Passed on to Pharmacy: …".
    pub fn display(&self) -> String {
        match self {
            Answer::Acknowledged => "Acknowledged".into(),
            Answer::Answered { note } => format!("Answered: {note}"),
            Answer::PassedOn { to, note } if note.is_empty() => {
                format!("Passed on to {}", to.name())
            }
            Answer::PassedOn { to, note } => format!("Passed on to {}: {note}", to.name()),
        }
    }

    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Answer::Acknowledged => None,
            Answer::Answered { note } if note.trim().is_empty() => {
                Some(("note", "Say how it was answered."))
            }
            Answer::Answered { note } | Answer::PassedOn { note, .. }
                if note.chars().count() > MAX_TEXT =>
            {
                Some(("note", "The note is too long."))
            }
            Answer::PassedOn { to, .. } => to.problem().map(|m| ("to", m)),
            Answer::Answered { .. } => None,
        }
    }
}

/// How long an escalation may wait for an acknowledgement: the server
/// operator's setting (`ADVOCASE_ESCALATION_URGENT_MINUTES`,
/// `ADVOCASE_ESCALATION_ROUTINE_DAYS`), sent to every device in
/// `GET /api/hospital` (`HospitalContacts::escalation`). A field missing
/// from an older payload reads as its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Windows {
    pub urgent_minutes: u32,
    pub routine_working_days: u32,
}
crate::record!(Windows);

impl Windows {
    /// What an operator may set for `urgent_minutes`: a minute to a day
    /// (an "urgent" escalation left longer than a day is not urgent).
    pub const URGENT_MINUTES: std::ops::RangeInclusive<u32> = 1..=24 * 60;
    /// What an operator may set for `routine_working_days`: one to twenty
    /// (four working weeks).
    pub const ROUTINE_WORKING_DAYS: std::ops::RangeInclusive<u32> = 1..=20;
}

impl Default for Windows {
    fn default() -> Self {
        Windows {
            urgent_minutes: 4 * 60,
            routine_working_days: 1,
        }
    }
}

/// Where an escalation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing<'a> {
    /// Waiting for `holder` to acknowledge it since `since`.
    Waiting {
        holder: &'a Recipient,
        since: DateTime<Utc>,
    },
    /// Taken up by `holder`, not yet answered.
    Acknowledged {
        holder: &'a Recipient,
    },
    Answered,
}

impl Escalation {
    /// Who holds it now (the last one it was passed on to), whether they
    /// acknowledged it, and since when it waits.
    pub fn standing(&self) -> Standing<'_> {
        let mut holder = &self.to;
        let mut since = self.at;
        let mut acknowledged = false;
        let mut answered = false;
        for r in &self.responses {
            match &r.answer {
                Answer::PassedOn { to, .. } => {
                    holder = to;
                    since = r.at;
                    acknowledged = false;
                    answered = false;
                }
                Answer::Acknowledged => acknowledged = true,
                Answer::Answered { .. } => answered = true,
            }
        }
        match (answered, acknowledged) {
            (true, _) => Standing::Answered,
            (false, true) => Standing::Acknowledged { holder },
            (false, false) => Standing::Waiting { holder, since },
        }
    }

    /// Everyone with an account it has been sent to, for access.
    pub fn accounts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.to)
            .chain(self.responses.iter().filter_map(|r| match &r.answer {
                Answer::PassedOn { to, .. } => Some(to),
                _ => None,
            }))
            .filter_map(Recipient::username)
    }

    /// When it turns overdue unless acknowledged, in local wall time, from
    /// the local wall time it started waiting: urgent after the window's
    /// minutes, routine at the same time of day after that many working
    /// days (Saturdays and Sundays skipped). Wall-time arithmetic: a DST
    /// change in between moves nothing.
    pub fn deadline(urgency: Urgency, since_local: NaiveDateTime, w: Windows) -> NaiveDateTime {
        match urgency {
            Urgency::Urgent => since_local + Duration::minutes(i64::from(w.urgent_minutes)),
            Urgency::Routine => {
                let mut day = since_local.date();
                let mut left = w.routine_working_days.max(1);
                // A routine escalation sent at the weekend starts Monday.
                while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                    day = day.succ_opt().unwrap_or(day);
                }
                let start = if day == since_local.date() {
                    since_local.time()
                } else {
                    chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time")
                };
                while left > 0 {
                    day = day.succ_opt().unwrap_or(day);
                    if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                        left -= 1;
                    }
                }
                day.and_time(start)
            }
        }
    }

    /// Checks on an `Escalate` change whoever sent it.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if let Some(m) = self.to.problem() {
            return Some(("to", m));
        }
        if self.reason.trim().is_empty() {
            return Some(("reason", "Say why it is escalated."));
        }
        if self.reason.chars().count() > MAX_TEXT {
            return Some(("reason", "The reason is too long."));
        }
        if !self.responses.is_empty() {
            return Some(("responses", "A new escalation has no answers yet."));
        }
        None
    }
}

/// The escalation form as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EscalationDraft {
    pub to: Option<Recipient>,
    pub reason: String,
    /// "urgent" or "routine".
    pub urgency: String,
    pub task: Option<Id>,
}

impl EscalationDraft {
    pub fn validate(&self, id: Id, actor: &Actor) -> Result<Escalation, Problems> {
        let mut p = Problems::default();
        let to = match &self.to {
            Some(to) if to.problem().is_none() => Some(to.clone()),
            _ => {
                p.add("to", "Choose whom to escalate to.");
                None
            }
        };
        let reason = p.text("reason", "Reason", &self.reason, MAX_TEXT);
        let urgency = Urgency::from_ident(&self.urgency);
        if urgency.is_none() {
            p.add("urgency", "Choose urgent or routine.");
        }
        let e = match (to, urgency) {
            (Some(to), Some(urgency)) => Escalation {
                id,
                to,
                reason,
                urgency,
                task: self.task,
                by: actor.user.clone(),
                at: actor.now,
                responses: Vec::new(),
            },
            _ => return Err(p),
        };
        p.into_result(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn urgent_waits_four_hours_and_routine_one_working_day() {
        let w = Windows::default();
        // Thursday 15:10.
        let thu = local(2026, 12, 3, 15, 10);
        assert_eq!(
            Escalation::deadline(Urgency::Urgent, thu, w),
            local(2026, 12, 3, 19, 10)
        );
        assert_eq!(
            Escalation::deadline(Urgency::Routine, thu, w),
            local(2026, 12, 4, 15, 10)
        );
        // Friday afternoon: Monday, not Saturday.
        let fri = local(2026, 12, 4, 16, 0);
        assert_eq!(
            Escalation::deadline(Urgency::Routine, fri, w),
            local(2026, 12, 7, 16, 0)
        );
        // Saturday: counted from Monday morning.
        let sat = local(2026, 12, 5, 11, 0);
        assert_eq!(
            Escalation::deadline(Urgency::Routine, sat, w),
            local(2026, 12, 8, 9, 0)
        );
        // Urgent across midnight and a month end.
        let late = local(2026, 11, 30, 22, 30);
        assert_eq!(
            Escalation::deadline(Urgency::Urgent, late, w),
            local(2026, 12, 1, 2, 30)
        );
        // The operator's windows.
        let w2 = Windows {
            urgent_minutes: 60,
            routine_working_days: 3,
        };
        assert_eq!(
            Escalation::deadline(Urgency::Urgent, thu, w2),
            local(2026, 12, 3, 16, 10)
        );
        assert_eq!(
            Escalation::deadline(Urgency::Routine, thu, w2),
            local(2026, 12, 8, 15, 10)
        );
    }

    #[test]
    fn a_dst_night_moves_no_deadline_in_wall_time() {
        // US clocks go back on 1 Nov 2026: from Friday 09:00 the deadline
        // stays 09:00 local on Monday.
        let fri = local(2026, 10, 30, 9, 0);
        assert_eq!(
            Escalation::deadline(Urgency::Routine, fri, Windows::default()),
            local(2026, 11, 2, 9, 0)
        );
    }

    fn sent() -> Escalation {
        Escalation {
            id: Id::default(),
            to: Recipient::Account {
                username: "mgr".into(),
                name: "Dana".into(),
            },
            reason: "Family threatens to go to the press".into(),
            urgency: Urgency::Urgent,
            task: None,
            by: "ana".into(),
            at: Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(),
            responses: vec![],
        }
    }

    fn answer(a: Answer, minutes: i64) -> Response {
        Response {
            id: Id::default(),
            escalation: Id::default(),
            answer: a,
            by: "mgr".into(),
            at: sent().at + Duration::minutes(minutes),
        }
    }

    #[test]
    fn the_chain_decides_who_holds_it_and_a_pass_on_waits_again() {
        let mut e = sent();
        assert!(matches!(e.standing(), Standing::Waiting { since, .. } if since == e.at));
        e.responses.push(answer(Answer::Acknowledged, 10));
        assert!(matches!(e.standing(), Standing::Acknowledged { .. }));
        let pharmacy = Recipient::Department {
            name: "Pharmacy".into(),
        };
        e.responses.push(answer(
            Answer::PassedOn {
                to: pharmacy.clone(),
                note: String::new(),
            },
            20,
        ));
        match e.standing() {
            Standing::Waiting { holder, since } => {
                assert_eq!(holder, &pharmacy);
                assert_eq!(since, e.at + Duration::minutes(20));
            }
            s => panic!("{s:?}"),
        }
        e.responses.push(answer(
            Answer::Answered {
                note: "Refilled".into(),
            },
            30,
        ));
        assert_eq!(e.standing(), Standing::Answered);
        assert_eq!(e.accounts().collect::<Vec<_>>(), ["mgr"]);
    }

    #[test]
    fn a_draft_needs_whom_why_and_how_urgent() {
        let actor = Actor {
            user: "ana".into(),
            now: sent().at,
            today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
        };
        let p = EscalationDraft::default()
            .validate(Id::default(), &actor)
            .unwrap_err();
        assert_eq!(p.fields(), ["to", "reason", "urgency"]);
        let e = EscalationDraft {
            to: Some(sent().to),
            reason: " Press ".into(),
            urgency: "urgent".into(),
            task: None,
        }
        .validate(Id::default(), &actor)
        .unwrap();
        assert_eq!(
            (e.reason.as_str(), e.urgency, e.by.as_str()),
            ("Press", Urgency::Urgent, "ana")
        );
        assert_eq!(e.problem(), None);
    }

    #[test]
    fn a_recipient_needs_a_name_and_an_account_its_username() {
        let account = |username: &str, name: &str| Recipient::Account {
            username: username.into(),
            name: name.into(),
        };
        let long = "x".repeat(MAX_NAME + 1);
        assert_eq!(account("mgr", "Dana Reyes").problem(), None);
        assert!(account(" ", "Dana Reyes").problem().is_some());
        let username = "x".repeat(MAX_SHORT + 1);
        assert!(account(&username, "Dana").problem().is_some());
        assert!(account("mgr", "").problem().is_some());
        let department = |name: &str| Recipient::Department { name: name.into() };
        assert_eq!(department("Pharmacy").problem(), None);
        assert!(department(" ").problem().is_some());
        assert!(department(&long).problem().is_some());
        let entry = |name: &str| Recipient::Entry {
            entry: Id::default(),
            name: name.into(),
        };
        assert_eq!(entry("Social work").problem(), None);
        assert!(entry("").problem().is_some());
        assert!(entry(&long).problem().is_some());
    }
}
