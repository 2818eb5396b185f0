//! My day as this device keeps it (the page is `views::my_day`): computed
//! in full once, then only for the cases a change touched
//! (`Cases::take_touched`), and in full again when the minute, the person
//! or the operator's escalation windows change. Also the reminders: a
//! follow-up of mine whose time has come shows a banner (and, if allowed, a
//! notification) once per session; dismissing it completes nothing.

use std::collections::BTreeSet;

use advocase_core::access::Role;
use advocase_core::followup::Windows;
use advocase_core::followup::my_day::{MyDay, Section, Viewer, What};
use advocase_core::id::Id;
use leptos::prelude::*;

use crate::cases::Cases;
use crate::clock;
use crate::session::Auth;

/// A follow-up whose time has come, as the banner shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub case: Id,
    pub task: Id,
    pub title: String,
    pub patient: String,
}

/// Minutes since the epoch (about 30 million: a `usize` holds it).
fn minute_now() -> usize {
    (clock::now_ms() / 60_000) as usize
}

#[derive(Clone, Copy)]
pub struct Day {
    pub page: RwSignal<MyDay>,
    /// Reminders not dismissed, oldest first.
    pub reminders: RwSignal<Vec<Reminder>>,
    /// Tasks reminded of in this session (shown or dismissed).
    reminded: StoredValue<BTreeSet<Id>>,
    /// Minutes since the epoch: the page moves on with it. A `usize` (as
    /// the caseload's counters are) for one signal type less (README, Size).
    minute: RwSignal<usize>,
}

impl Day {
    /// `hospital`'s escalation windows are read where used, not through a
    /// derived `Signal<Windows>` (a signal type compiled for that alone).
    pub fn start(cases: Cases, auth: Auth, hospital: crate::hospital::Hospital) -> Day {
        let day = Day {
            page: RwSignal::new(MyDay::default()),
            reminders: RwSignal::new(Vec::new()),
            reminded: StoredValue::new(BTreeSet::new()),
            minute: RwSignal::new(minute_now()),
        };
        // Checked twice a minute, so a due time is never a minute late.
        let minute = day.minute;
        let _ = set_interval_with_handle(
            move || {
                let now = minute_now();
                if minute.get_untracked() != now {
                    minute.set(now);
                }
            },
            std::time::Duration::from_secs(30),
        );
        Effect::new(move |seen: Option<(String, bool, Windows, usize)>| {
            let user = auth.user();
            let me = user
                .as_ref()
                .map(|u| u.username.clone())
                .unwrap_or_default();
            let manager = user.is_some_and(|u| u.role == Role::Manager);
            let windows = hospital.contacts().with(|c| c.escalation);
            let key = (me, manager, windows, minute.get());
            cases.caseload.track();
            // While a start reads the logs behind the list, the page waits
            // for all of them: drawn (and reminding) from a few, it would
            // remind twice. The read's end marks every case touched.
            if cases.reading.get() {
                return key;
            }
            let touched = cases.take_touched();
            let viewer = Viewer {
                me: &key.0,
                manager,
                now: clock::local(clock::now()),
                windows: key.2,
                local: &clock::local,
            };
            cases.caseload.with_untracked(|load| match touched {
                Some(ids) if seen.as_ref() == Some(&key) => {
                    if !ids.is_empty() {
                        day.page.update(|d| {
                            for id in ids {
                                match load.get(&id) {
                                    Some(f) => d.put(f, &viewer),
                                    None => d.remove(id),
                                }
                            }
                        });
                    }
                }
                _ => day.page.set(MyDay::new(load.iter(), &viewer)),
            });
            day.remind(cases, &key.0, viewer.now);
            key
        });
        day
    }

    /// My open follow-ups due by now that this session has not shown yet.
    fn remind(self, cases: Cases, me: &str, now: chrono::NaiveDateTime) {
        let fresh: Vec<Reminder> = self.page.with_untracked(|d| {
            cases.caseload.with_untracked(|load| {
                d.rows()
                    .filter(|r| matches!(r.section, Section::OverdueTasks | Section::DueToday))
                    .filter(|r| r.owner == me)
                    .filter_map(|r| {
                        let What::Task(t) = r.what else { return None };
                        let task = load.get(&r.case)?.case.tasks.iter().find(|x| x.id == t)?;
                        // A follow-up without a time is due from the start of its day.
                        let due = task.is_open()
                            && (task.due_at() <= now
                                || (task.time.is_none() && task.due <= now.date()));
                        (due && self.reminded.with_value(|s| !s.contains(&t))).then(|| Reminder {
                            case: r.case,
                            task: t,
                            title: r.title.clone(),
                            patient: r.patient.clone(),
                        })
                    })
                    .collect()
            })
        });
        // A reminder goes once its follow-up is done, cancelled or moved on
        // (no longer due), and while the caseload is not in memory (locked).
        // It is forgotten as well, so it comes back if it is due again: a
        // lock, or a follow-up reopened, must not silence it for the session.
        let still: Vec<Id> = self.page.with_untracked(|d| {
            d.rows()
                .filter(|r| matches!(r.section, Section::OverdueTasks | Section::DueToday))
                .filter_map(|r| match r.what {
                    What::Task(t) => Some(t),
                    _ => None,
                })
                .collect()
        });
        if self
            .reminders
            .with_untracked(|r| r.iter().any(|x| !still.contains(&x.task)))
        {
            self.reminders.update(|r| {
                r.retain(|x| {
                    let keep = still.contains(&x.task);
                    if !keep {
                        self.reminded.update_value(|s| {
                            s.remove(&x.task);
                        });
                    }
                    keep
                })
            });
        }
        if fresh.is_empty() {
            return;
        }
        self.reminded
            .update_value(|s| s.extend(fresh.iter().map(|r| r.task)));
        crate::notify::due(fresh.len());
        self.reminders.update(|r| r.extend(fresh));
    }

    pub fn dismiss(self, task: Id) {
        self.reminders.update(|r| r.retain(|x| x.task != task));
    }
}
