//! The case list's rows, stored beside the case logs so that a start can
//! draw the list (and filter and order it) before any case log is read.
//!
//! Reading 1,000 sealed logs (decrypting, decompressing, parsing, folding)
//! takes most of a second on a tablet; their rows are a few dozen bytes
//! each. The client stores the rows of the whole caseload as one sealed
//! record (`list`) and reads the logs after the list shows.
//!
//! The stored rows are a cache, never a source: each row carries the
//! [`stamp`] of the stored log it was made from, and [`Listing::check`] keeps
//! only rows whose log is still stored with that stamp. A log written after
//! the rows (the rows are written a little later than the logs, and a
//! browser may be killed between the two), restored from the journal,
//! removed or set aside shows up as a different or missing stamp, and that
//! log is read before the list is shown. So the list a start shows is the
//! list the logs make, whatever was interrupted; and every log is still read
//! (and authenticated) right after, which replaces each row with the one its
//! fold makes and sets damaged entries aside as before.
//!
//! The format is lines of fields, not serde: one compact reader and writer
//! instead of a derived one for each type (the client's size is a feature).

use chrono::{Datelike, NaiveDate};

use crate::case::Priority;
use crate::caseload::{CaseFile, Query};
use crate::checklist::Progress;
use crate::id::Id;
use crate::reference::CaseKind;
use crate::status::Status;

/// What the case list shows and filters on for one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub id: Id,
    pub name: String,
    pub room: String,
    pub unit: String,
    pub kind: CaseKind,
    pub status: Status,
    pub priority: Priority,
    pub assignee: String,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub expected_discharge: Option<NaiveDate>,
    /// The discharge checklists' progress, if any was started.
    pub progress: Option<Progress>,
}

impl ListRow {
    pub fn of(file: &CaseFile) -> Self {
        let c = &file.case;
        ListRow {
            id: c.id,
            name: c.patient.name.clone(),
            room: c.patient.room.clone(),
            unit: c.patient.unit.clone(),
            kind: c.kind,
            status: c.status,
            priority: c.priority,
            assignee: c.assignee.clone(),
            received_on: c.received_on,
            due_on: c.due_on,
            expected_discharge: c.expected_discharge,
            progress: c.discharge_progress(),
        }
    }

    /// As `Case::is_overdue`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        overdue(self.status, self.due_on, today)
    }

    /// As `Case::days_open`.
    pub fn days_open(&self, today: NaiveDate) -> i64 {
        days_open(self.received_on, today)
    }

    /// Whether the row passes the query's filters (not its words, which
    /// need the case's text: `Caseload::list`).
    pub fn fits(&self, q: &Query, today: NaiveDate) -> bool {
        q.status.is_none_or(|s| self.status == s)
            && q.kind.is_none_or(|k| self.kind == k)
            && q.unit.as_ref().is_none_or(|u| &self.unit == u)
            && q.assigned_to.as_ref().is_none_or(|a| &self.assignee == a)
            && (!q.overdue_only || self.is_overdue(today))
    }

    /// The list's order, smallest first.
    pub fn urgency(&self, today: NaiveDate) -> Urgency {
        urgency(
            self.status,
            self.kind,
            self.due_on,
            self.priority,
            self.received_on,
            self.id,
            today,
        )
    }
}

pub(crate) fn overdue(status: Status, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status.is_active() && due_on.is_some_and(|d| d < today)
}

pub(crate) fn days_open(received_on: NaiveDate, today: NaiveDate) -> i64 {
    (today - received_on).num_days().max(0)
}

pub type Urgency = (u8, i64, std::cmp::Reverse<Priority>, NaiveDate, Id);

/// Overdue grievances (most overdue first), other overdue cases, then
/// active cases by due date and priority, then the resolved and closed.
pub(crate) fn urgency(
    status: Status,
    kind: CaseKind,
    due_on: Option<NaiveDate>,
    priority: Priority,
    received_on: NaiveDate,
    id: Id,
    today: NaiveDate,
) -> Urgency {
    let tier = if !status.is_active() {
        4
    } else if overdue(status, due_on, today) {
        if kind == CaseKind::Grievance { 0 } else { 1 }
    } else if due_on.is_some() {
        2
    } else {
        3
    };
    let due = due_on.map_or(i64::MAX, |d| (d - today).num_days());
    (tier, due, std::cmp::Reverse(priority), received_on, id)
}

/// What identifies one stored version of a log: its first characters. A
/// sealed record starts with its nonce, drawn afresh for every write; a
/// compressed one in the clear with the checksum of its contents.
pub fn stamp(stored: &str) -> &str {
    match stored.char_indices().nth(STAMP_CHARS) {
        Some((i, _)) => &stored[..i],
        None => stored,
    }
}

/// `e`, the padding unit and 14 units: the 96-bit nonce and more.
const STAMP_CHARS: usize = 16;

/// The stored rows: each stored log's case id and stamp, with the row it
/// makes (none for a deleted case, whose log stays until the server has
/// its deletion), in order of case id. A vector, not a map: one map type
/// more is several KB of the client's code (README, Size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub rows: Vec<(Id, String, Option<ListRow>)>,
}

/// What [`Listing::check`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Checked {
    /// Rows whose log is stored as they were made from.
    pub rows: Vec<ListRow>,
    /// Logs to read before showing the list: written after the rows, or
    /// never listed.
    pub unlisted: Vec<Id>,
}

/// The format's first line; another means "not this format": rebuilt.
const VERSION: &str = "advocase-list 1";
const FIELD: char = '\u{1f}';
const ROW: char = '\n';

impl Listing {
    /// Keeps the rows that match what is stored now: `stored` is each
    /// stored log's case id and [`stamp`].
    pub fn check<'a>(&self, stored: impl IntoIterator<Item = (Id, &'a str)>) -> Checked {
        let mut out = Checked::default();
        for (id, stamp) in stored {
            // Rows out of order (never written so) are only found less.
            match self.rows.binary_search_by_key(&id, |r| r.0) {
                Ok(i) if self.rows[i].1 == stamp => out.rows.extend(self.rows[i].2.clone()),
                _ => out.unlisted.push(id),
            }
        }
        out
    }

    /// The stored text (uncompressed; the client compresses and seals it).
    pub fn write(&self) -> String {
        let mut out = String::from(VERSION);
        for (id, stamp, r) in &self.rows {
            out.push(ROW);
            let Some(r) = r else {
                out.push_str(&format!("{}{FIELD}{id}", clean(stamp)));
                continue;
            };
            let date = |d: Option<NaiveDate>| d.map(day).unwrap_or_default();
            let progress = r
                .progress
                .map(|p| format!("{} {} {}", p.total, p.finished, p.required_open))
                .unwrap_or_default();
            let fields = [
                clean(stamp),
                r.id.to_string(),
                clean(&r.name),
                clean(&r.room),
                clean(&r.unit),
                index(CaseKind::ALL, r.kind),
                index(Status::ALL, r.status),
                index(Priority::ALL, r.priority),
                clean(&r.assignee),
                day(r.received_on),
                date(r.due_on),
                date(r.expected_discharge),
                progress,
            ];
            out.push_str(&fields.join("\u{1f}"));
        }
        out
    }

    /// The rows in `text`, or `None` if anything in it is not as
    /// [`Listing::write`] writes (then the rows are made again from the logs).
    pub fn read(text: &str) -> Option<Listing> {
        let mut lines = text.split(ROW);
        if lines.next()? != VERSION {
            return None;
        }
        let mut rows = Vec::new();
        for line in lines {
            let f: Vec<&str> = line.split(FIELD).collect();
            if let [stamp, id] = f.as_slice() {
                rows.push((id.parse().ok()?, (*stamp).to_owned(), None));
                continue;
            }
            let [
                stamp,
                id,
                name,
                room,
                unit,
                kind,
                status,
                priority,
                assignee,
                received,
                due,
                leaves,
                progress,
            ] = f.as_slice()
            else {
                return None;
            };
            let date = |s: &str| -> Option<Option<NaiveDate>> {
                if s.is_empty() {
                    Some(None)
                } else {
                    date_of(s).map(Some)
                }
            };
            let progress = if progress.is_empty() {
                None
            } else {
                let n: Vec<usize> = progress
                    .split(' ')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .ok()?;
                let [total, finished, required_open] = n.as_slice() else {
                    return None;
                };
                Some(Progress {
                    total: *total,
                    finished: *finished,
                    required_open: *required_open,
                })
            };
            let row = ListRow {
                id: id.parse().ok()?,
                name: (*name).to_owned(),
                room: (*room).to_owned(),
                unit: (*unit).to_owned(),
                kind: *CaseKind::ALL.get(kind.parse::<usize>().ok()?)?,
                status: *Status::ALL.get(status.parse::<usize>().ok()?)?,
                priority: *Priority::ALL.get(priority.parse::<usize>().ok()?)?,
                assignee: (*assignee).to_owned(),
                received_on: date_of(received)?,
                due_on: date(due)?,
                expected_discharge: date(leaves)?,
                progress,
            };
            rows.push((row.id, (*stamp).to_owned(), Some(row)));
        }
        Some(Listing { rows })
    }
}

/// A date as its day number: chrono's date parser is 10 KB of the client's
/// code that nothing else needs.
fn day(d: NaiveDate) -> String {
    d.num_days_from_ce().to_string()
}

fn date_of(s: &str) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(s.parse().ok()?)
}

/// A text field without the format's separators (a name holding one is
/// shown with a space there until its log is read, a moment later).
fn clean(s: &str) -> String {
    s.replace([FIELD, ROW], " ")
}

fn index<T: PartialEq>(all: &[T], v: T) -> String {
    all.iter()
        .position(|x| *x == v)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn id(n: u128) -> Id {
        format!("{n:032x}").parse().unwrap()
    }

    fn row(n: u128, name: &str) -> ListRow {
        ListRow {
            id: id(n),
            name: name.into(),
            room: "12B".into(),
            unit: "4 West".into(),
            kind: CaseKind::Grievance,
            status: Status::Waiting,
            priority: Priority::High,
            assignee: "ana".into(),
            received_on: "2026-11-20".parse().unwrap(),
            due_on: Some("2026-11-27".parse().unwrap()),
            expected_discharge: None,
            progress: Some(Progress {
                total: 14,
                finished: 9,
                required_open: 2,
            }),
        }
    }

    fn listing(rows: &[(&str, ListRow)]) -> Listing {
        Listing {
            rows: rows
                .iter()
                .map(|(s, r)| (r.id, (*s).to_owned(), Some(r.clone())))
                .collect(),
        }
    }

    #[test]
    fn only_rows_of_logs_stored_as_listed_are_kept() {
        let l = listing(&[
            ("e1", row(1, "A")),
            ("e2", row(2, "B")),
            ("e3", row(3, "C")),
        ]);
        let mut l = l;
        l.rows.push((id(5), "e5".into(), None));
        // 1 as listed; 2 written again since; 3 removed; 4 never listed;
        // 5 a deleted case's log, as listed (no row, nothing to read).
        let c = l.check([(id(1), "e1"), (id(2), "e2b"), (id(4), "e4"), (id(5), "e5")]);
        assert_eq!(c.rows, [row(1, "A")]);
        assert_eq!(c.unlisted, [id(2), id(4)]);
    }

    #[test]
    fn damaged_or_foreign_text_is_not_a_listing() {
        let text = listing(&[("e1", row(1, "A"))]).write();
        assert!(Listing::read(&text).is_some());
        assert_eq!(Listing::read(""), None);
        assert_eq!(Listing::read("advocase-list 2"), None);
        assert_eq!(Listing::read(&text[..text.len() - 3]), None);
        let received = day("2026-11-20".parse().unwrap());
        assert_eq!(Listing::read(&text.replace(&received, "x")), None);
        assert_eq!(Listing::read(&format!("{text}\nshort")), None);
    }

    #[test]
    fn separators_typed_in_a_name_do_not_break_the_rows() {
        let l = listing(&[("e1", row(1, "A\u{1f}B\nC")), ("e2", row(2, "D"))]);
        let back = Listing::read(&l.write()).unwrap();
        assert_eq!(back.rows.len(), 2);
        assert_eq!(back.rows[0].2.as_ref().unwrap().name, "A B C");
    }

    #[test]
    fn the_stamp_is_the_first_characters() {
        assert_eq!(stamp("abc"), "abc");
        assert_eq!(stamp(&"é".repeat(40)), "é".repeat(16));
    }

    fn arb_row() -> impl Strategy<Value = (String, Option<ListRow>)> {
        let text = "[^\u{1f}\n]{0,12}";
        (
            (any::<u128>(), text, text, text, text),
            (
                0..CaseKind::ALL.len(),
                0..Status::ALL.len(),
                0..Priority::ALL.len(),
                0i64..3000,
                prop::option::of(0i64..3000),
                prop::option::of(0i64..3000),
                prop::option::of((0usize..40, 0usize..40, 0usize..40)),
                "e[ -~]{0,20}",
                any::<bool>(),
            ),
        )
            .prop_map(
                |((n, name, room, unit, assignee), (k, s, p, r, d, x, pr, stamp, hidden))| {
                    let day = |n: i64| {
                        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(n)
                    };
                    let row = ListRow {
                        id: id(n),
                        name,
                        room,
                        unit,
                        kind: CaseKind::ALL[k],
                        status: Status::ALL[s],
                        priority: Priority::ALL[p],
                        assignee,
                        received_on: day(r),
                        due_on: d.map(day),
                        expected_discharge: x.map(day),
                        progress: pr.map(|(total, finished, required_open)| Progress {
                            total,
                            finished,
                            required_open,
                        }),
                    };
                    (stamp, (!hidden).then_some(row))
                },
            )
    }

    proptest! {
        #[test]
        fn rows_read_back_as_written(rows in prop::collection::vec(arb_row(), 0..30)) {
            let l = Listing {
                rows: rows.into_iter().enumerate().map(|(i, (s, r))| {
                    let key = r.as_ref().map_or(id(i as u128), |r| r.id);
                    (key, s, r)
                }).collect(),
            };
            prop_assert_eq!(Listing::read(&l.write()), Some(l));
        }

        /// Whatever was interrupted: every stored log is either shown by a
        /// row made from exactly that version, or read before the list shows.
        #[test]
        fn check_never_keeps_a_row_of_another_version(
            listed in prop::collection::vec((0u128..20, 0u8..3), 0..20),
            stored in prop::collection::vec((0u128..20, 0u8..3), 0..20),
        ) {
            let by_id: BTreeMap<Id, (String, Option<ListRow>)> = listed
                .iter()
                .map(|(n, v)| {
                    // Every third case deleted: listed without a row.
                    let r = (n % 3 != 0).then(|| row(*n, &format!("{n}/{v}")));
                    (id(*n), (format!("e{v}"), r))
                })
                .collect();
            let l = Listing {
                rows: by_id.iter().map(|(i, (s, r))| (*i, s.clone(), r.clone())).collect(),
            };
            let stored: BTreeMap<Id, String> = stored
                .iter()
                .map(|(n, v)| (id(*n), format!("e{v}")))
                .collect();
            let c = l.check(stored.iter().map(|(id, s)| (*id, s.as_str())));
            let hidden = stored.iter().filter(|(i, s)| by_id.get(i).is_some_and(|(ls, r)| ls == *s && r.is_none())).count();
            prop_assert_eq!(c.rows.len() + c.unlisted.len() + hidden, stored.len());
            for r in &c.rows {
                prop_assert_eq!(&by_id[&r.id].0, &stored[&r.id]);
            }
            for id in &c.unlisted {
                prop_assert!(by_id.get(id).is_none_or(|(s, _)| s != &stored[id]));
            }
        }
    }
}
