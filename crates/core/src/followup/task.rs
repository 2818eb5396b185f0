//! Follow-ups: what a coordinator has promised or must chase on a case (an
//! appointment, a referral, a records request, a call back…), with a due
//! date, an owner and a status.
//!
//! A task lives in its case and syncs through the case's log like a
//! checklist item: `AddTask` makes it, `SetTask` changes fields, each field
//! merging on its own with visible conflicts (`log::TaskConflict`). Tasks
//! are told apart by id, never by kind, so two call backs never replace
//! each other.
//!
//! A follow-up promised in a quick log (`Interaction::follow_up`) *is* a
//! task: the fold derives it, with an id derived from the interaction's
//! ([`promised_id`]). That is also the migration of the follow-ups logged
//! before tasks existed: every replica and the server derive the same task
//! from the same interaction, so nothing is written twice and two devices
//! migrating one case cannot make two tasks.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::case::Actor;
use crate::id::Id;
use crate::interaction::Interaction;
use crate::limits::{MAX_SHORT, MAX_TEXT};
use crate::reference::{Identified, TaskKind};
use crate::validation::Problems;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Task {
    pub id: Id,
    pub kind: TaskKind,
    pub title: String,
    /// The device-local calendar date it is due.
    #[serde(with = "crate::wire_time::day")]
    pub due: NaiveDate,
    /// Minutes after local midnight, when a time was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u16>,
    /// The coordinator who will do it (the creator unless reassigned).
    pub owner: String,
    pub status: TaskStatus,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// The interaction it was promised in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Id>,
    pub created_by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub created_at: DateTime<Utc>,
}
crate::record!(Task);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum TaskStatus {
    Open,
    Done {
        by: String,
        #[serde(with = "crate::wire_time::utc")]
        at: DateTime<Utc>,
    },
    Cancelled {
        reason: String,
        by: String,
        #[serde(with = "crate::wire_time::utc")]
        at: DateTime<Utc>,
    },
}
crate::tagged!(TaskStatus, "state");

impl TaskStatus {
    pub fn label(&self) -> String {
        match self {
            TaskStatus::Open => "Open".into(),
            TaskStatus::Done { .. } => "Done".into(),
            TaskStatus::Cancelled { reason, .. } => format!("Cancelled: {reason}"),
        }
    }
}

/// The id of the task promised in `interaction`: its id with the version
/// nibble's neighbour flipped, so it sorts with it and never equals an id
/// a device made.
pub fn promised_id(interaction: Id) -> Id {
    interaction.derived(0x5a)
}

impl Task {
    pub fn is_open(&self) -> bool {
        self.status == TaskStatus::Open
    }

    /// When it is due, in local wall time: its time, or the end of its day.
    pub fn due_at(&self) -> NaiveDateTime {
        let t = self
            .time
            .and_then(|m| NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0))
            .unwrap_or(NaiveTime::from_hms_opt(23, 59, 59).expect("a valid time"));
        self.due.and_time(t)
    }

    /// Past due at local wall time `now`.
    pub fn is_overdue(&self, now: NaiveDateTime) -> bool {
        self.is_open() && now > self.due_at()
    }

    /// The task an interaction's promised follow-up stands for (see the
    /// module's note), or `None` if nothing was promised in it. Amendments
    /// make none: their original's task is edited instead.
    pub fn promised(i: &Interaction) -> Option<Task> {
        let f = i.follow_up.as_ref()?;
        if i.amends.is_some() {
            return None;
        }
        Some(Task {
            id: promised_id(i.id),
            kind: f.kind.unwrap_or(TaskKind::Other),
            title: f.what.clone(),
            due: f.due,
            time: f.time,
            owner: i.by.clone(),
            status: TaskStatus::Open,
            notes: String::new(),
            from: Some(i.id),
            created_by: i.by.clone(),
            created_at: i.recorded_at,
        })
    }
}

/// "14:30" from minutes after midnight.
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes after midnight from "14:30" (or "9:05").
pub fn parse_clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let two = m.len() == 2;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (two && h < 24 && m < 60).then_some(h * 60 + m)
}

/// The task fields that change after it is made, each merged on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum TaskValue {
    Kind(TaskKind),
    Title(String),
    Due(#[serde(with = "crate::wire_time::day")] NaiveDate),
    Time(Option<u16>),
    Owner(String),
    Status(TaskStatus),
    Notes(String),
}
crate::tagged!(TaskValue, "field", "value");

impl TaskValue {
    pub const FIELDS: &'static [&'static str] =
        &["kind", "title", "due", "time", "owner", "status", "notes"];

    pub fn field(&self) -> &'static str {
        match self {
            TaskValue::Kind(_) => "kind",
            TaskValue::Title(_) => "title",
            TaskValue::Due(_) => "due",
            TaskValue::Time(_) => "time",
            TaskValue::Owner(_) => "owner",
            TaskValue::Status(_) => "status",
            TaskValue::Notes(_) => "notes",
        }
    }

    pub fn read(task: &Task, field: &str) -> Option<TaskValue> {
        Some(match field {
            "kind" => TaskValue::Kind(task.kind),
            "title" => TaskValue::Title(task.title.clone()),
            "due" => TaskValue::Due(task.due),
            "time" => TaskValue::Time(task.time),
            "owner" => TaskValue::Owner(task.owner.clone()),
            "status" => TaskValue::Status(task.status.clone()),
            "notes" => TaskValue::Notes(task.notes.clone()),
            _ => return None,
        })
    }

    pub fn apply_to(self, task: &mut Task) {
        match self {
            TaskValue::Kind(v) => task.kind = v,
            TaskValue::Title(v) => task.title = v,
            TaskValue::Due(v) => task.due = v,
            TaskValue::Time(v) => task.time = v,
            TaskValue::Owner(v) => task.owner = v,
            TaskValue::Status(v) => task.status = v,
            TaskValue::Notes(v) => task.notes = v,
        }
    }

    /// Whether two values say the same thing, whoever said it and when:
    /// two people both marking a task done did not cross.
    pub fn agrees_with(&self, other: &TaskValue) -> bool {
        use TaskStatus::*;
        match (self, other) {
            (TaskValue::Status(Done { .. }), TaskValue::Status(Done { .. })) => true,
            (
                TaskValue::Status(Cancelled { reason: a, .. }),
                TaskValue::Status(Cancelled { reason: b, .. }),
            ) => a.trim().eq_ignore_ascii_case(b.trim()),
            (a, b) => a == b,
        }
    }

    /// For people: "Done", "2 Dec 2026", "14:30".
    pub fn display(&self) -> String {
        match self {
            TaskValue::Kind(k) => k.label().into(),
            TaskValue::Title(s) | TaskValue::Owner(s) | TaskValue::Notes(s) => s.clone(),
            TaskValue::Due(d) => crate::dates::short(*d),
            TaskValue::Time(t) => t.map_or_else(|| "(no time)".into(), clock),
            TaskValue::Status(s) => s.label(),
        }
    }

    pub fn label(field: &str) -> &'static str {
        match field {
            "kind" => "Kind",
            "title" => "Title",
            "due" => "Due date",
            "time" => "Time",
            "owner" => "Owner",
            "status" => "Status",
            "notes" => "Notes",
            _ => "Field",
        }
    }

    /// What a receiver refuses whoever sent it (lengths, blanks).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let too_long = |s: &str, max: usize| s.chars().count() > max;
        match self {
            TaskValue::Title(t) if t.trim().is_empty() => {
                Some(("title", "A task needs a title.".into()))
            }
            TaskValue::Title(t) if too_long(t, MAX_SHORT * 5) => Some((
                "title",
                format!("Title is too long (at most {}).", MAX_SHORT * 5),
            )),
            TaskValue::Owner(o) if o.trim().is_empty() || too_long(o, MAX_SHORT) => {
                Some(("owner", "A task needs its owner's username.".into()))
            }
            TaskValue::Time(Some(m)) if *m >= 24 * 60 => {
                Some(("time", "A time is between 00:00 and 23:59.".into()))
            }
            TaskValue::Notes(n) if too_long(n, MAX_TEXT) => {
                Some(("notes", format!("Notes are too long (at most {MAX_TEXT}).")))
            }
            TaskValue::Status(TaskStatus::Cancelled { reason, .. })
                if reason.trim().is_empty() || too_long(reason, MAX_TEXT) =>
            {
                Some(("reason", "Say why the task is cancelled.".into()))
            }
            _ => None,
        }
    }
}

/// The key of one task field in a case's versions: "task:<id>:due".
pub fn task_key(task: Id, field: &str) -> String {
    format!("task:{task}:{field}")
}

/// The new-task form as typed (enumerations as identifiers).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct TaskDraft {
    pub kind: String,
    pub title: String,
    /// "2026-12-04"
    pub due: String,
    /// "14:30" or empty.
    pub time: String,
    /// A username; empty means the person making it.
    pub owner: String,
    pub notes: String,
}
crate::record!(TaskDraft);

impl TaskDraft {
    /// Every problem at once, each tied to its field; `today` is the
    /// device's local date (a task is not made due in the past).
    pub fn validate(&self, id: Id, from: Option<Id>, actor: &Actor) -> Result<Task, Problems> {
        let mut p = Problems::default();
        let kind = match TaskKind::from_ident(&self.kind) {
            Some(k) => k,
            None => {
                p.add("kind", "Choose what kind of follow-up this is.");
                TaskKind::Other
            }
        };
        let title = p.text("title", "What is to be done", &self.title, MAX_SHORT * 5);
        let due = match crate::dates::parse_iso(self.due.trim()) {
            Some(d) if d < actor.today => {
                p.add("due", "A follow-up cannot be due before today.");
                d
            }
            Some(d) => d,
            None => {
                p.add("due", "Give the date it is due, like 2026-12-04.");
                actor.today
            }
        };
        let time = match self.time.trim() {
            "" => None,
            t => {
                let m = parse_clock(t);
                if m.is_none() {
                    p.add("time", "A time like 14:30, or leave it empty.");
                }
                m
            }
        };
        let owner = match self.owner.trim() {
            "" => actor.user.clone(),
            o => p.text("owner", "Owner", o, MAX_SHORT),
        };
        let notes = p.optional_text("notes", "Notes", &self.notes, MAX_TEXT);
        p.into_result(Task {
            id,
            kind,
            title,
            due,
            time,
            owner,
            status: TaskStatus::Open,
            notes,
            from,
            created_by: actor.user.clone(),
            created_at: actor.now,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn actor() -> Actor {
        Actor {
            user: "ana".into(),
            now: Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap(),
            today: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        }
    }

    #[test]
    fn a_draft_reports_every_problem_at_its_field() {
        let p = TaskDraft {
            kind: "séance".into(),
            due: "2026-11-30".into(),
            time: "25:00".into(),
            ..TaskDraft::default()
        }
        .validate(Id::default(), None, &actor())
        .unwrap_err();
        assert_eq!(p.fields(), ["kind", "title", "due", "time"]);
    }

    #[test]
    fn a_valid_draft_is_an_open_task_owned_by_its_maker_unless_given() {
        let d = TaskDraft {
            kind: "call_back".into(),
            title: "Call the daughter about the MRI".into(),
            due: "2026-12-02".into(),
            time: "9:05".into(),
            ..TaskDraft::default()
        };
        let t = d.validate(Id::default(), None, &actor()).unwrap();
        assert_eq!(
            (t.kind, t.time, t.owner.as_str()),
            (TaskKind::CallBack, Some(545), "ana")
        );
        assert!(t.is_open());
        let given = TaskDraft {
            owner: "ben".into(),
            ..d
        };
        assert_eq!(
            given.validate(Id::default(), None, &actor()).unwrap().owner,
            "ben"
        );
    }

    #[test]
    fn a_task_is_overdue_after_its_time_or_after_its_day() {
        let mut t = TaskDraft {
            kind: "other".into(),
            title: "x".into(),
            due: "2026-12-02".into(),
            ..TaskDraft::default()
        }
        .validate(Id::default(), None, &actor())
        .unwrap();
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        assert!(
            !t.is_overdue(at(23, 0)),
            "due on the day: overdue only after it"
        );
        assert!(
            t.is_overdue(
                NaiveDate::from_ymd_opt(2026, 12, 3)
                    .unwrap()
                    .and_hms_opt(0, 0, 1)
                    .unwrap()
            )
        );
        t.time = Some(14 * 60);
        assert!(!t.is_overdue(at(14, 0)));
        assert!(t.is_overdue(at(14, 1)));
        t.status = TaskStatus::Done {
            by: "ana".into(),
            at: actor().now,
        };
        assert!(!t.is_overdue(at(20, 0)), "a done task is never overdue");
    }

    #[test]
    fn clocks_read_and_print() {
        assert_eq!(parse_clock("14:30"), Some(870));
        assert_eq!(clock(870), "14:30");
        assert_eq!(clock(5), "00:05");
        for bad in ["24:00", "12:60", "12", "ab:cd", "12:005"] {
            assert_eq!(parse_clock(bad), None, "{bad}");
        }
    }

    #[test]
    fn two_people_marking_done_agree_and_different_reasons_do_not() {
        let done = |by: &str| {
            TaskValue::Status(TaskStatus::Done {
                by: by.into(),
                at: actor().now,
            })
        };
        assert!(done("ana").agrees_with(&done("ben")));
        let cancel = |r: &str| {
            TaskValue::Status(TaskStatus::Cancelled {
                reason: r.into(),
                by: "ana".into(),
                at: actor().now,
            })
        };
        assert!(cancel("Discharged ").agrees_with(&cancel("discharged")));
        assert!(!cancel("Discharged").agrees_with(&cancel("Family declined")));
        assert!(!done("ana").agrees_with(&cancel("x")));
    }

    #[test]
    fn stored_names_are_identifiers() {
        let v = serde_json::to_string(&TaskValue::Status(TaskStatus::Open)).unwrap();
        assert_eq!(v, r#"{"field":"status","value":{"state":"open"}}"#);
        let back: TaskValue = serde_json::from_str(&v).unwrap();
        assert_eq!(back, TaskValue::Status(TaskStatus::Open));
        assert_eq!(
            serde_json::to_string(&TaskKind::CallBack).unwrap(),
            r#""call_back""#
        );
    }
}
