//! My day: the coordinator's start page, computed from the caseload. Rows
//! in order of urgency, each saying why it is there:
//!
//! 1. overdue tasks;
//! 2. grievances whose written response is due within 2 days or overdue;
//! 3. escalations waiting on me, or sent by me and not yet acknowledged;
//! 4. discharges today or tomorrow with required items open;
//! 5. tasks due today, then 6. those due in the next 7 days;
//!
//! and, for a manager, 7. the team's overdue tasks and unacknowledged
//! escalations past their window, by coordinator.
//!
//! Incremental: each case's rows depend on that case alone (and the
//! clock), so a change to one case replaces that case's rows and nothing
//! else ([`MyDay::put`]); a full computation is only needed when the clock
//! moves on ([`MyDay::new`]). A property test holds the two equal after any
//! sequence of changes. Due and overdue compare local wall times and
//! calendar dates, so a DST change moves nothing.

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};

use crate::caseload::CaseFile;
use crate::followup::escalation::{Escalation, Standing, Windows};
use crate::followup::task::{Task, clock};
use crate::id::Id;
use crate::reference::{CaseKind, Urgency};

/// Days ahead a grievance response shows (2: "due within 2 days").
pub const GRIEVANCE_DAYS: i64 = 2;
/// Days ahead a task shows in "Coming up".
pub const SOON_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    OverdueTasks,
    Grievances,
    Escalations,
    Discharges,
    DueToday,
    DueSoon,
    Team,
}

impl Section {
    pub const ALL: &'static [Section] = &[
        Section::OverdueTasks,
        Section::Grievances,
        Section::Escalations,
        Section::Discharges,
        Section::DueToday,
        Section::DueSoon,
        Section::Team,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::OverdueTasks => "Overdue follow-ups",
            Section::Grievances => "Grievance responses due",
            Section::Escalations => "Escalations",
            Section::Discharges => "Discharges with required items open",
            Section::DueToday => "Due today",
            Section::DueSoon => "Coming up (next 7 days)",
            Section::Team => "Team: overdue, by coordinator",
        }
    }
}

/// What a row is about, on its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum What {
    Task(Id),
    Grievance,
    Escalation(Id),
    Discharge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub section: Section,
    pub case: Id,
    pub what: What,
    /// Why it is here, in words: "Overdue 2 days", "Response due tomorrow".
    pub why: String,
    /// The task's title, the escalation's reason, "Written response".
    pub title: String,
    pub patient: String,
    pub unit: String,
    /// Whose it is: the task's owner, the escalation's holder.
    pub owner: String,
    /// Marked overdue (the row's date or window has passed).
    pub overdue: bool,
    /// An escalation made here and not yet on the server.
    pub undelivered: bool,
}

/// The order of rows: section, then (the team's) owner, then when, then
/// the case and what on it, so equal times never tie.
type Key = (Section, String, NaiveDateTime, Id, What);

/// Who is looking and when.
pub struct Viewer<'a> {
    pub me: &'a str,
    pub manager: bool,
    /// Local wall time now.
    pub now: NaiveDateTime,
    pub windows: Windows,
    /// Local wall time of an instant, in the device's time zone.
    pub local: &'a dyn Fn(DateTime<Utc>) -> NaiveDateTime,
}

impl Viewer<'_> {
    fn today(&self) -> NaiveDate {
        self.now.date()
    }
}

/// The rows in key order (keys are unique: a row names its case and what
/// on it). A sorted `Vec` rather than a `BTreeMap`: a page holds tens of
/// rows, and each map type compiles its own tree code (README, Size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyDay {
    rows: Vec<(Key, Row)>,
}

fn days_word(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn overdue_since(due: NaiveDate, time: Option<u16>, today: NaiveDate) -> String {
    match ((today - due).num_days(), time) {
        (0, Some(t)) => format!("Overdue since {}", clock(t)),
        (n, _) => format!("Overdue {}", days_word(n.max(1))),
    }
}

fn due_word(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "tomorrow".into(),
        n => format!("in {n} days"),
    }
}

fn escalation_rows(x: &Escalation, file: &CaseFile, v: &Viewer<'_>, out: &mut Vec<(Key, Row)>) {
    let (holder, since, acknowledged) = match x.standing() {
        Standing::Answered => return,
        Standing::Acknowledged { holder } => (holder, x.at, true),
        Standing::Waiting { holder, since } => (holder, since, false),
    };
    let to_me = holder.username() == Some(v.me);
    let mine = to_me || (x.by == v.me && !acknowledged);
    // Neither mine nor (for a manager) possibly the team's late one: the
    // others' escalations are passed over before their deadline is worked
    // out (a local time each).
    let maybe_teams = v.manager && !acknowledged;
    if !mine && !maybe_teams {
        return;
    }
    let deadline = Escalation::deadline(x.urgency, (v.local)(since), v.windows);
    let late = !acknowledged && v.now > deadline;
    let undelivered = file.undelivered.contains(&x.id);
    let urgency = match x.urgency {
        Urgency::Urgent => "Urgent",
        Urgency::Routine => "Routine",
    };
    let row = |section: Section, group: String, why: String| {
        (
            (
                section,
                group,
                deadline,
                file.case.id,
                What::Escalation(x.id),
            ),
            Row {
                section,
                case: file.case.id,
                what: What::Escalation(x.id),
                why,
                title: x.reason.clone(),
                patient: file.case.patient.name.clone(),
                unit: file.case.patient.unit.clone(),
                owner: holder.name().to_owned(),
                overdue: late,
                undelivered,
            },
        )
    };
    if mine {
        let why = if to_me {
            match (acknowledged, late) {
                (true, _) => format!("{urgency}, acknowledged: to answer"),
                (false, true) => format!(
                    "{urgency}, waiting on you: overdue since {}",
                    clock_of(deadline)
                ),
                (false, false) => format!("{urgency}, waiting on you"),
            }
        } else if undelivered {
            format!("{urgency} to {}: not yet delivered", holder.name())
        } else if late {
            format!("{urgency} to {}: not acknowledged, overdue", holder.name())
        } else {
            format!("{urgency} to {}: not yet acknowledged", holder.name())
        };
        out.push(row(Section::Escalations, String::new(), why));
    }
    if v.manager && late && !to_me {
        out.push(row(
            Section::Team,
            holder.name().to_owned(),
            format!(
                "{urgency} escalation from {}: not acknowledged, overdue",
                x.by
            ),
        ));
    }
}

fn clock_of(t: NaiveDateTime) -> String {
    use chrono::Timelike;
    clock((t.hour() * 60 + t.minute()) as u16)
}

/// The section an open task shows in, if any.
fn task_section(t: &Task, v: &Viewer<'_>) -> Option<Section> {
    if !t.is_open() {
        return None;
    }
    let days = (t.due - v.today()).num_days();
    if t.is_overdue(v.now) {
        Some(Section::OverdueTasks)
    } else if days == 0 {
        Some(Section::DueToday)
    } else if days <= SOON_DAYS {
        Some(Section::DueSoon)
    } else {
        None
    }
}

/// Why a task is in `section`: "Overdue 2 days", "Due tomorrow at 14:30".
fn task_why(t: &Task, section: Section, today: NaiveDate) -> String {
    let at = t
        .time
        .map(|m| format!(" at {}", clock(m)))
        .unwrap_or_default();
    match section {
        Section::OverdueTasks => overdue_since(t.due, t.time, today),
        Section::DueToday => format!("Due today{at}"),
        _ => format!("Due {}{at}", due_word((t.due - today).num_days())),
    }
}

/// The rows one case gives the viewer.
fn rows_of(file: &CaseFile, v: &Viewer<'_>) -> Vec<(Key, Row)> {
    let mut out = Vec::new();
    if file.deleted.is_some() {
        return out;
    }
    let case = &file.case;
    let today = v.today();
    let base = |section, what, why: String, title: String, owner: &str, overdue| Row {
        section,
        case: case.id,
        what,
        why,
        title,
        patient: case.patient.name.clone(),
        unit: case.patient.unit.clone(),
        owner: owner.to_owned(),
        overdue,
        undelivered: false,
    };
    for t in &case.tasks {
        // Mine, or (for a manager) the team's overdue: the others' tasks
        // are passed over before anything is worked out.
        let mine = t.owner == v.me;
        if !mine && !v.manager {
            continue;
        }
        let Some(section) = task_section(t, v) else {
            continue;
        };
        let overdue = section == Section::OverdueTasks;
        if !mine && !overdue {
            continue;
        }
        let why = task_why(t, section, today);
        let (section, group) = if mine {
            (section, String::new())
        } else {
            (Section::Team, t.owner.clone())
        };
        let what = What::Task(t.id);
        out.push((
            (section, group, t.due_at(), case.id, what),
            base(section, what, why, t.title.clone(), &t.owner, overdue),
        ));
    }
    if case.status.is_active() && case.assignee == v.me {
        if case.kind == CaseKind::Grievance
            && let Some(due) = case.due_on
        {
            let days = (due - today).num_days();
            if days <= GRIEVANCE_DAYS {
                let why = if days < 0 {
                    format!("Response overdue {}", days_word(-days))
                } else {
                    format!("Response due {}", due_word(days))
                };
                let at = due.and_hms_opt(0, 0, 0).expect("midnight");
                out.push((
                    (
                        Section::Grievances,
                        String::new(),
                        at,
                        case.id,
                        What::Grievance,
                    ),
                    base(
                        Section::Grievances,
                        What::Grievance,
                        why,
                        "Written grievance response".into(),
                        &case.assignee,
                        days < 0,
                    ),
                ));
            }
        }
        if let Some(on) = case.expected_discharge
            && (on == today || Some(on) == today.checked_add_days(Days::new(1)))
            && let Some(p) = case.discharge_progress()
            && p.required_open > 0
        {
            let day = if on == today { "today" } else { "tomorrow" };
            let items = if p.required_open == 1 {
                "1 required item open".to_owned()
            } else {
                format!("{} required items open", p.required_open)
            };
            let at = on.and_hms_opt(0, 0, 0).expect("midnight");
            out.push((
                (
                    Section::Discharges,
                    String::new(),
                    at,
                    case.id,
                    What::Discharge,
                ),
                base(
                    Section::Discharges,
                    What::Discharge,
                    format!("Discharge {day}, {items}"),
                    "Discharge checklist".into(),
                    &case.assignee,
                    false,
                ),
            ));
        }
    }
    for x in &case.escalations {
        escalation_rows(x, file, v, &mut out);
    }
    out
}

impl MyDay {
    /// The whole page, from every case (at start, and when the clock moves).
    pub fn new<'a>(files: impl IntoIterator<Item = &'a CaseFile>, v: &Viewer<'_>) -> MyDay {
        // Every row first, then one sort: putting case by case would scan
        // and shift the rows so far for each case (quadratic in a manager's
        // thousands of team rows; the start-up figure in the README).
        let mut rows: Vec<(Key, Row)> = files.into_iter().flat_map(|f| rows_of(f, v)).collect();
        crate::order::sort_by(&mut rows, |a, b| a.0.cmp(&b.0));
        // A key seen again replaces its row, as `put` does: keep the last.
        let mut kept: Vec<(Key, Row)> = Vec::with_capacity(rows.len());
        for r in rows {
            match kept.last_mut() {
                Some(last) if last.0 == r.0 => *last = r,
                _ => kept.push(r),
            }
        }
        MyDay { rows: kept }
    }

    /// One case changed (or arrived): its rows replace the ones it had.
    pub fn put(&mut self, file: &CaseFile, v: &Viewer<'_>) {
        self.remove(file.case.id);
        for (key, row) in rows_of(file, v) {
            // A key seen again replaces its row, as a map's insert would.
            match self.rows.binary_search_by(|(k, _)| k.cmp(&key)) {
                Ok(i) => self.rows[i] = (key, row),
                Err(i) => self.rows.insert(i, (key, row)),
            }
        }
    }

    /// One case left the device (deleted, evicted, hidden).
    pub fn remove(&mut self, case: Id) {
        self.rows.retain(|(_, r)| r.case != case);
    }

    /// Every row in order.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().map(|(_, r)| r)
    }

    pub fn section(&self, s: Section) -> impl Iterator<Item = &Row> {
        self.rows().filter(move |r| r.section == s)
    }

    /// What the navigation shows: rows needing action now (overdue
    /// follow-ups, grievances, escalations, discharges, due today), not
    /// those coming up or the team's.
    pub fn count(&self) -> usize {
        self.rows()
            .filter(|r| !matches!(r.section, Section::DueSoon | Section::Team))
            .count()
    }

    pub fn overdue(&self) -> usize {
        self.rows()
            .filter(|r| r.overdue && r.section != Section::Team)
            .count()
    }
}

#[cfg(test)]
mod tests;
