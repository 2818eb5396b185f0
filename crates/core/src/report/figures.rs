//! The report's figures for one period: counts and lists that add up.
//!
//! Every field is a count, a tally by key, or a sorted list, and
//! [`Figures::merge`] adds two of them field by field, so the figures of a
//! set of units are exactly the sum of each unit's (property-tested).
//! What does not add up (medians, shares, rates, suggestions) is derived
//! from these afterwards (`stats.rs`, `rules.rs`, `mod.rs`).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::facts::{CaseFacts, instant};
use super::period::Period;
use crate::followup::escalation::{Escalation, Windows};
use crate::id::Id;
use crate::reference::{CaseKind, Channel, Identified, Party};

/// Counts by key: a vocabulary identifier (`bedside_visit`) or a unit.
pub type Tally = BTreeMap<String, u64>;

/// A case a figure or a suggestion points to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CaseRef {
    pub id: Id,
    pub patient: String,
    pub unit: String,
}
crate::record!(CaseRef);

/// A grievance whose written response came, or is still missing, after
/// its date (the recorded extension's, if any).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct LateGrievance {
    pub case: CaseRef,
    pub via: Channel,
    pub days_late: i64,
    /// The response was sent (late); otherwise it is still owed.
    pub answered: bool,
}
crate::record!(LateGrievance);

/// What the figures of a period are taken against.
pub struct Scope<'a> {
    pub period: Period,
    /// Now, in local wall time: what is still open is judged against it.
    pub now: NaiveDateTime,
    /// The grievance clock's days (7 by default).
    pub response_days: u32,
    pub windows: Windows,
    /// Local wall time of an instant, in the hospital's time zone.
    pub local: &'a dyn Fn(DateTime<Utc>) -> NaiveDateTime,
}

impl Scope<'_> {
    fn local_ms(&self, ms: i64) -> NaiveDateTime {
        (self.local)(instant(ms))
    }

    /// The local time of `ms` if it falls on a day of the period. An
    /// instant more than a day outside the period's days read as UTC is
    /// outside whatever the zone (offsets stay within ±14 hours), so it
    /// is passed over without a time-zone lookup: most instants of a
    /// caseload are, for the period before.
    pub fn in_period(&self, ms: i64) -> Option<NaiveDateTime> {
        const DAY: i64 = 86_400_000;
        let first = self
            .period
            .from
            .and_time(chrono::NaiveTime::MIN)
            .and_utc()
            .timestamp_millis();
        let end = self.period.end().and_utc().timestamp_millis();
        if ms < first - DAY || ms >= end + DAY {
            return None;
        }
        let local = self.local_ms(ms);
        self.period.contains(local.date()).then_some(local)
    }
    fn today(&self) -> NaiveDate {
        self.now.date()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Figures {
    // Communications: interactions that took place in the period.
    pub interactions: u64,
    pub by_channel: Tally,
    pub by_party: Tally,
    pub by_unit: Tally,
    /// Monday first.
    pub by_weekday: Vec<u64>,
    /// Local hours 0 to 23.
    pub by_hour: Vec<u64>,
    /// Cases with at least one interaction in the period, and of those the
    /// ones with at least one bedside visit.
    pub cases_contacted: u64,
    pub cases_bedside: u64,

    // Cases received and resolved in the period.
    pub opened_by_kind: Tally,
    pub opened_by_category: Tally,
    pub resolved_by_kind: Tally,
    pub resolved_by_category: Tally,
    /// Days from receipt to resolution of each case resolved in the
    /// period, by kind, each list sorted.
    pub resolution_days: BTreeMap<String, Vec<u32>>,
    /// Cases reopened in the period, by id.
    pub reopened: Vec<CaseRef>,

    // Grievances received in the period (CMS).
    pub grievances: u64,
    /// Answered within the grievance clock's days.
    pub answered_in_time: u64,
    /// Answered later, but by the date of a recorded extension.
    pub answered_in_extension: u64,
    /// Not answered yet and not yet due: outside the share.
    pub grievances_pending: u64,
    /// Answered late or still owed past their date, by case id.
    pub late: Vec<LateGrievance>,

    /// Complaints and grievances received, by unit (the rates' numerator),
    /// and by unit and HCAT category (the rules').
    pub complaints_by_unit: Tally,
    pub category_by_unit: BTreeMap<String, Tally>,
    /// Complaints, concerns and grievances still open now, by theme:
    /// `category:<ident>` and `tag:<tag in lower case>`.
    pub open_themes: Tally,

    // Follow-ups due in the period (cancelled ones left out).
    pub tasks_due: u64,
    pub tasks_on_time: u64,
    pub tasks_late: u64,
    /// Still open after their date.
    pub tasks_overdue: u64,
    /// Cases whose family or representative contacted us in the period
    /// while a follow-up promised to them was open and not yet due.
    pub contacted_before_due: u64,

    // Escalations sent in the period.
    pub escalations: u64,
    pub taken_up_in_time: u64,
    pub taken_up_late: u64,
    /// Not taken up, past the operator's window.
    pub waiting_overdue: u64,
    /// Minutes from sending to the first answer, sorted.
    pub take_up_minutes: Vec<u32>,

    // Discharges expected in the period, on days already past.
    pub discharges: u64,
    /// Of those, with no checklist started.
    pub without_checklist: u64,
    /// With a checklist whose required items were all finished by the end
    /// of the expected day.
    pub ready_in_time: u64,
    /// With required items still open at the end of the expected day, and
    /// how many items.
    pub open_at_discharge: u64,
    pub items_open_at_discharge: u64,
}
crate::record!(Figures);

fn bump(t: &mut Tally, key: &str) {
    *t.entry(key.to_owned()).or_default() += 1;
}

fn add_tally(a: &mut Tally, b: Tally) {
    for (k, n) in b {
        *a.entry(k).or_default() += n;
    }
}

fn add_vec(a: &mut Vec<u64>, b: Vec<u64>) {
    if a.len() < b.len() {
        a.resize(b.len(), 0);
    }
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn case_ref(f: &CaseFacts, unit: &str) -> CaseRef {
    CaseRef {
        id: f.id,
        patient: f.patient.clone(),
        unit: unit.to_owned(),
    }
}

/// A complaint in the report's sense: the kinds that feed the complaint
/// and grievance rates and the themes.
pub fn is_complaint(kind: CaseKind) -> bool {
    matches!(kind, CaseKind::Complaint | CaseKind::Grievance)
}

impl Figures {
    /// Adds one case, grouped under `unit`.
    pub fn add(&mut self, unit: &str, f: &CaseFacts, s: &Scope<'_>) {
        if self.by_weekday.is_empty() {
            self.by_weekday = vec![0; 7];
            self.by_hour = vec![0; 24];
        }
        self.add_contacts(unit, f, s);
        self.add_case(unit, f, s);
        if f.kind == CaseKind::Grievance && s.period.contains(f.received_on) {
            self.add_grievance(unit, f, s);
        }
        self.add_tasks(f, s);
        self.add_escalations(f, s);
        self.add_discharge(f, s);
    }

    fn add_contacts(&mut self, unit: &str, f: &CaseFacts, s: &Scope<'_>) {
        let mut any = false;
        let mut bedside = false;
        for &(at, channel, party) in &f.contacts {
            let Some(local) = s.in_period(at) else {
                continue;
            };
            any = true;
            bedside |= channel == Channel::BedsideVisit;
            self.interactions += 1;
            bump(&mut self.by_channel, channel.ident());
            bump(&mut self.by_party, party.ident());
            bump(&mut self.by_unit, unit);
            self.by_weekday[local.weekday().num_days_from_monday() as usize] += 1;
            self.by_hour[local.hour() as usize] += 1;
        }
        self.cases_contacted += u64::from(any);
        self.cases_bedside += u64::from(bedside);
        self.contacted_before_due += u64::from(contacted_before_due(f, s));
    }

    fn add_case(&mut self, unit: &str, f: &CaseFacts, s: &Scope<'_>) {
        let category = f.category.map(|c| c.ident()).unwrap_or("none");
        if s.period.contains(f.received_on) {
            bump(&mut self.opened_by_kind, f.kind.ident());
            bump(&mut self.opened_by_category, category);
            if is_complaint(f.kind) {
                bump(&mut self.complaints_by_unit, unit);
                bump(
                    self.category_by_unit.entry(unit.to_owned()).or_default(),
                    category,
                );
            }
        }
        if let Some(day) = resolved_in(f, s) {
            bump(&mut self.resolved_by_kind, f.kind.ident());
            bump(&mut self.resolved_by_category, category);
            let days = (day - f.received_on).num_days().max(0) as u32;
            self.resolution_days
                .entry(f.kind.ident().to_owned())
                .or_default()
                .push(days);
        }
        if f.reopened.iter().any(|&t| s.in_period(t).is_some()) {
            self.reopened.push(case_ref(f, unit));
        }
        if f.status.is_active()
            && matches!(
                f.kind,
                CaseKind::Complaint | CaseKind::Grievance | CaseKind::Concern
            )
            && f.received_on <= s.period.to
        {
            if let Some(c) = f.category {
                bump(&mut self.open_themes, &format!("category:{}", c.ident()));
            }
            for t in &f.tags {
                bump(&mut self.open_themes, &format!("tag:{}", t.to_lowercase()));
            }
        }
    }

    fn add_grievance(&mut self, unit: &str, f: &CaseFacts, s: &Scope<'_>) {
        self.grievances += 1;
        let due = crate::deadline::response_due(f.received_on, s.response_days);
        // A later date on the case is a recorded extension.
        let extended = f.due_on.filter(|d| *d > due);
        let last_day = extended.unwrap_or(due);
        // The first resolution is the written response.
        let answer = f.resolved.iter().min().map(|&t| s.local_ms(t).date());
        let late = |days_late: i64, answered: bool| LateGrievance {
            case: case_ref(f, unit),
            via: f.via,
            days_late,
            answered,
        };
        match answer {
            Some(day) if day <= due => self.answered_in_time += 1,
            Some(day) if day <= last_day => self.answered_in_extension += 1,
            Some(day) => self.late.push(late((day - last_day).num_days(), true)),
            None if s.today() > last_day => self
                .late
                .push(late((s.today() - last_day).num_days(), false)),
            None => self.grievances_pending += 1,
        }
    }

    fn add_tasks(&mut self, f: &CaseFacts, s: &Scope<'_>) {
        for t in f
            .tasks
            .iter()
            .filter(|t| !t.cancelled && s.period.contains(t.due))
        {
            self.tasks_due += 1;
            match t.done {
                Some(done) if s.local_ms(done).date() <= t.due => self.tasks_on_time += 1,
                Some(_) => self.tasks_late += 1,
                None if s.today() > t.due => self.tasks_overdue += 1,
                None => {}
            }
        }
    }

    fn add_escalations(&mut self, f: &CaseFacts, s: &Scope<'_>) {
        for x in &f.escalations {
            let Some(sent) = s.in_period(x.at) else {
                continue;
            };
            self.escalations += 1;
            let deadline = Escalation::deadline(x.urgency, sent, s.windows);
            match x.taken_up {
                Some(t) => {
                    let minutes = ((t - x.at).max(0) / 60_000).min(i64::from(u32::MAX)) as u32;
                    self.take_up_minutes.push(minutes);
                    if s.local_ms(t) <= deadline {
                        self.taken_up_in_time += 1;
                    } else {
                        self.taken_up_late += 1;
                    }
                }
                None if s.now > deadline => self.waiting_overdue += 1,
                None => {}
            }
        }
    }

    fn add_discharge(&mut self, f: &CaseFacts, s: &Scope<'_>) {
        let Some(open) = required_open_at_discharge(f, s) else {
            return;
        };
        self.discharges += 1;
        match open {
            None => self.without_checklist += 1,
            Some(0) => self.ready_in_time += 1,
            Some(n) => {
                self.open_at_discharge += 1;
                self.items_open_at_discharge += n;
            }
        }
    }

    /// Adds `other`'s figures to these: the figures of two disjoint sets of
    /// cases are the sum of each set's.
    pub fn merge(&mut self, o: Figures) {
        self.interactions += o.interactions;
        add_tally(&mut self.by_channel, o.by_channel);
        add_tally(&mut self.by_party, o.by_party);
        add_tally(&mut self.by_unit, o.by_unit);
        add_vec(&mut self.by_weekday, o.by_weekday);
        add_vec(&mut self.by_hour, o.by_hour);
        self.cases_contacted += o.cases_contacted;
        self.cases_bedside += o.cases_bedside;
        add_tally(&mut self.opened_by_kind, o.opened_by_kind);
        add_tally(&mut self.opened_by_category, o.opened_by_category);
        add_tally(&mut self.resolved_by_kind, o.resolved_by_kind);
        add_tally(&mut self.resolved_by_category, o.resolved_by_category);
        for (k, v) in o.resolution_days {
            self.resolution_days.entry(k).or_default().extend(v);
        }
        self.reopened.extend(o.reopened);
        self.grievances += o.grievances;
        self.answered_in_time += o.answered_in_time;
        self.answered_in_extension += o.answered_in_extension;
        self.grievances_pending += o.grievances_pending;
        self.late.extend(o.late);
        add_tally(&mut self.complaints_by_unit, o.complaints_by_unit);
        for (k, v) in o.category_by_unit {
            add_tally(self.category_by_unit.entry(k).or_default(), v);
        }
        add_tally(&mut self.open_themes, o.open_themes);
        self.tasks_due += o.tasks_due;
        self.tasks_on_time += o.tasks_on_time;
        self.tasks_late += o.tasks_late;
        self.tasks_overdue += o.tasks_overdue;
        self.contacted_before_due += o.contacted_before_due;
        self.escalations += o.escalations;
        self.taken_up_in_time += o.taken_up_in_time;
        self.taken_up_late += o.taken_up_late;
        self.waiting_overdue += o.waiting_overdue;
        self.take_up_minutes.extend(o.take_up_minutes);
        self.discharges += o.discharges;
        self.without_checklist += o.without_checklist;
        self.ready_in_time += o.ready_in_time;
        self.open_at_discharge += o.open_at_discharge;
        self.items_open_at_discharge += o.items_open_at_discharge;
        self.finish();
    }

    /// Puts the lists in their order (times ascending, cases by id) once
    /// every case is added: one sort per list, not one per case.
    pub fn finish(&mut self) {
        for v in self.resolution_days.values_mut() {
            crate::order::sort(v);
        }
        crate::order::sort(&mut self.reopened);
        crate::order::sort_by(&mut self.late, |a, b| a.case.id.cmp(&b.case.id));
        crate::order::sort(&mut self.take_up_minutes);
    }

    /// Cases received in the period, all kinds.
    pub fn opened(&self) -> u64 {
        self.opened_by_kind.values().sum()
    }

    pub fn resolved(&self) -> u64 {
        self.resolved_by_kind.values().sum()
    }

    /// Every resolution time, sorted.
    pub fn all_resolution_days(&self) -> Vec<u32> {
        let mut all: Vec<u32> = self.resolution_days.values().flatten().copied().collect();
        crate::order::sort(&mut all);
        all
    }

    /// Grievances whose response was sent or is due: the share's base.
    pub fn grievances_due(&self) -> u64 {
        self.answered_in_time + self.answered_in_extension + self.late.len() as u64
    }
}

/// The local day of the case's last resolution in the period, if any: a
/// case resolved, reopened and resolved again counts once.
pub fn resolved_in(f: &CaseFacts, s: &Scope<'_>) -> Option<NaiveDate> {
    f.resolved
        .iter()
        .filter_map(|&t| s.in_period(t))
        .map(|t| t.date())
        .max()
}

/// Whether the family or representative contacted us in the period while
/// a follow-up was open and not yet due (it had been promised before).
pub fn contacted_before_due(f: &CaseFacts, s: &Scope<'_>) -> bool {
    f.contacts.iter().any(|&(at, _, party)| {
        party == Party::FamilyOrRepresentative
            && !f.tasks.is_empty()
            && s.in_period(at).is_some_and(|local| {
                f.tasks.iter().any(|t| {
                    !t.cancelled
                        && t.created < at
                        && t.done.is_none_or(|d| d > at)
                        && local.date() < t.due
                })
            })
    })
}

/// For a discharge expected on a day of the period already over: how many
/// required items were still open at the end of that day (`Some(None)`:
/// no checklist was started). `None` when the case is not such a discharge.
pub fn required_open_at_discharge(f: &CaseFacts, s: &Scope<'_>) -> Option<Option<u64>> {
    let d = f.discharge.as_ref()?;
    if !s.period.contains(d.expected) || d.expected >= s.today() {
        return None;
    }
    if d.required.is_empty() {
        return Some(None);
    }
    let end = Period {
        from: d.expected,
        to: d.expected,
    }
    .end();
    let open = d
        .required
        .iter()
        .filter(|done| done.is_none_or(|t| s.local_ms(t) >= end))
        .count() as u64;
    Some(Some(open))
}
