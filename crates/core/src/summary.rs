//! A case's summary: the little of its log that deciding a push needs
//! (whether it is open, deleted, and who may see it), kept so a server
//! accepts a change without refolding the case's whole history.
//!
//! Invariant: [`CaseSummary::holders`] equals what [`CaseLog::fold`] gives
//! (`Case::involved` and the rest) for the same set of changes, in whatever
//! order they were added. Each part is therefore a register chosen by the
//! fold's own order, (hybrid clock, change id): the first opening, the last
//! assignee set, the first change to create a task, the last owner set, the
//! first copy of an escalation and of each answer to one. The protocol
//! property test checks it against the fold after every stored change.
//!
//! [`CaseLog::fold`]: crate::log::CaseLog::fold

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::access::Holders;
use crate::change::{Change, FieldValue, Op};
use crate::followup::escalation::{Answer, Escalation};
use crate::followup::{Task, TaskValue};
use crate::hlc::Timestamp;
use crate::id::Id;

/// Where a change sorts in the fold.
type Key = (Timestamp, Id);

fn key(c: &Change) -> Key {
    (c.hlc, c.id)
}

/// A value and the change it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Held<T> {
    key: Key,
    value: T,
}

impl<T> Held<T> {
    fn new(c: &Change, value: T) -> Self {
        Held { key: key(c), value }
    }
}

/// Keeps `new` if `slot` is empty or `new` sorts first (`first`) or last.
fn choose<T>(slot: &mut Option<Held<T>>, new: Held<T>, first: bool) {
    let better = match slot {
        None => true,
        Some(old) if first => new.key < old.key,
        Some(old) => new.key > old.key,
    };
    if better {
        *slot = Some(new);
    }
}

fn first_in<K: Ord, T>(map: &mut BTreeMap<K, Held<T>>, at: K, new: Held<T>) {
    let mut slot = map.remove(&at);
    choose(&mut slot, new, true);
    map.extend(slot.map(|s| (at, s)));
}

/// What the opening change brought: the case's fixed holders, and the tasks
/// and escalations it was opened with (the fold counts these before any
/// later change's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Opening {
    unit: String,
    created_by: String,
    assignee: String,
    /// Task id → owner.
    tasks: BTreeMap<Id, String>,
    /// Escalation id → the accounts it went to, and its answers' ids.
    escalations: BTreeMap<Id, (Vec<String>, BTreeSet<Id>)>,
}

/// A passed-on answer's recipient, when it is an account.
fn passed_to(answer: &Answer) -> Option<String> {
    match answer {
        Answer::PassedOn { to, .. } => to.username().map(str::to_owned),
        _ => None,
    }
}

fn sent_to(x: &Escalation) -> Option<String> {
    x.to.username().map(str::to_owned)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseSummary {
    opening: Option<Held<Opening>>,
    /// The last edit's assignee.
    assignee: Option<Held<String>>,
    /// Task id → its first creator's owner (an added task, a promise).
    tasks: BTreeMap<Id, Held<String>>,
    /// Task id → the last owner set.
    owners: BTreeMap<Id, Held<String>>,
    /// Escalation id → the account its first copy went to.
    escalations: BTreeMap<Id, Held<Option<String>>>,
    /// Escalation → answer → the account its first copy passed it on to.
    /// (Nested, not keyed by the pair: JSON keys are strings.)
    answers: BTreeMap<Id, BTreeMap<Id, Held<Option<String>>>>,
    deleted: bool,
}

/// [`CaseSummary::holders`], owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub unit: String,
    pub assignee: String,
    pub created_by: String,
    /// One username a line, sorted ([`crate::case::Case::involved`]).
    pub involved: String,
}

impl Holding {
    pub fn holders(&self) -> Holders<'_> {
        Holders {
            unit: &self.unit,
            assignee: &self.assignee,
            created_by: &self.created_by,
            involved: &self.involved,
        }
    }
}

impl CaseSummary {
    /// The summary of `changes` (stored ones: none refused).
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Self {
        let mut s = CaseSummary::default();
        for c in changes {
            s.add(c);
        }
        s
    }

    pub fn is_open(&self) -> bool {
        self.opening.is_some()
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// Takes in one stored change. Adding the same change twice changes
    /// nothing, and the order changes are added in does not matter.
    pub fn add(&mut self, c: &Change) {
        match &c.op {
            Op::Open { case } => {
                let opening = Opening {
                    unit: case.patient.unit.clone(),
                    created_by: case.created_by.clone(),
                    assignee: case.assignee.clone(),
                    tasks: case.tasks.iter().map(|t| (t.id, t.owner.clone())).collect(),
                    escalations: case
                        .escalations
                        .iter()
                        .map(|x| {
                            let accounts = x.accounts().map(str::to_owned).collect();
                            (x.id, (accounts, x.responses.iter().map(|r| r.id).collect()))
                        })
                        .collect(),
                };
                choose(&mut self.opening, Held::new(c, opening), true);
            }
            Op::Edit { sets, .. } => {
                let last = sets.iter().rev().find_map(|s| match &s.value {
                    FieldValue::Assignee(a) => Some(a.clone()),
                    _ => None,
                });
                if let Some(a) = last {
                    choose(&mut self.assignee, Held::new(c, a), false);
                }
            }
            Op::AddTask { task } => self.created(c, task),
            Op::Log { interaction } => {
                if let Some(task) = Task::promised(interaction) {
                    self.created(c, &task);
                }
            }
            Op::SetTask { task, sets, .. } => {
                let last = sets.iter().rev().find_map(|s| match &s.value {
                    TaskValue::Owner(o) => Some(o.clone()),
                    _ => None,
                });
                if let Some(owner) = last {
                    let mut slot = self.owners.remove(task);
                    choose(&mut slot, Held::new(c, owner), false);
                    self.owners.extend(slot.map(|s| (*task, s)));
                }
            }
            Op::Escalate { escalation } => {
                first_in(
                    &mut self.escalations,
                    escalation.id,
                    Held::new(c, sent_to(escalation)),
                );
            }
            Op::Respond { response } => first_in(
                self.answers.entry(response.escalation).or_default(),
                response.id,
                Held::new(c, passed_to(&response.answer)),
            ),
            Op::Delete { .. } => self.deleted = true,
            Op::StartChecklist { .. } | Op::AddItem { .. } | Op::SetItem { .. } => {}
        }
    }

    fn created(&mut self, c: &Change, task: &Task) {
        first_in(&mut self.tasks, task.id, Held::new(c, task.owner.clone()));
    }

    /// Who may see the case as its changes make it, or `None` until opened.
    pub fn holders(&self) -> Option<Holding> {
        let open = &self.opening.as_ref()?.value;
        let mut involved = BTreeSet::new();
        // Tasks: those the opening brought, then the first creator of each
        // other; the owner is the last set, if any, else the creator's.
        let tasks = open
            .tasks
            .iter()
            .chain(self.tasks.iter().map(|(id, h)| (id, &h.value)));
        let mut seen = BTreeSet::new();
        for (id, owner) in tasks {
            if seen.insert(*id) {
                let owner = self.owners.get(id).map_or(owner, |h| &h.value);
                involved.insert(owner.as_str());
            }
        }
        for (accounts, _) in open.escalations.values() {
            involved.extend(accounts.iter().map(String::as_str));
        }
        for (id, h) in &self.escalations {
            if !open.escalations.contains_key(id) {
                involved.extend(h.value.as_deref());
            }
        }
        // An answer counts once its escalation exists, unless the opening
        // already held an answer with its id.
        for (x, answers) in &self.answers {
            for (answer, h) in answers {
                let counts = match open.escalations.get(x) {
                    Some((_, answered)) => !answered.contains(answer),
                    None => self.escalations.contains_key(x),
                };
                if counts {
                    involved.extend(h.value.as_deref());
                }
            }
        }
        let assignee = self.assignee.as_ref().map_or(&open.assignee, |h| &h.value);
        Some(Holding {
            unit: open.unit.clone(),
            assignee: assignee.clone(),
            created_by: open.created_by.clone(),
            involved: involved.into_iter().collect::<Vec<_>>().join("\n"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseChange;
    use crate::change::TaskSet;
    use crate::followup::TaskStatus;
    use crate::log::{CaseLog, Entry};
    use crate::reference::TaskKind;
    use crate::sample;

    /// A case whose log has what the fold settles by its order and random
    /// sync never makes: two openings, two creators of one task, two owner
    /// sets; each change at clock `wall`.
    fn repeats() -> Vec<Change> {
        let now = sample::reference_now();
        let log = &sample::synced_logs(3, 1, 1, now)[0];
        let base = log.entries[0].change.clone();
        assert!(matches!(base.op, Op::Open { .. }));
        let mut rng = sample::Rng::new(9);
        let task_id = rng.id(1);
        let mut at = |wall: u64, by: &str, op: Op| Change {
            id: rng.id(wall),
            hlc: Timestamp {
                wall_ms: wall,
                counter: 0,
                node: 1,
            },
            by: by.into(),
            op,
            ..base.clone()
        };
        let task = |owner: &str| Task {
            id: task_id,
            kind: TaskKind::Other,
            title: "Call the family".into(),
            due: now.date_naive(),
            time: None,
            owner: owner.into(),
            status: TaskStatus::Open,
            notes: String::new(),
            from: None,
            created_by: owner.into(),
            created_at: now,
        };
        let owner = |to: &str| Op::SetTask {
            task: task_id,
            event: CaseChange::TaskAdded { title: to.into() },
            sets: vec![TaskSet {
                value: TaskValue::Owner(to.into()),
                base: None,
            }],
            settles: vec![],
        };
        let mut second_open = base.clone();
        if let Op::Open { case } = &mut second_open.op {
            case.assignee = "zed".into();
        }
        vec![
            at(
                5_000,
                "ana",
                Op::AddTask {
                    task: Box::new(task("ana")),
                },
            ),
            at(
                1_000,
                "ben",
                Op::AddTask {
                    task: Box::new(task("ben")),
                },
            ),
            at(9_000, "ana", owner("cal")),
            at(3_000, "ben", owner("dee")),
            base.clone(),
            Change {
                hlc: Timestamp {
                    wall_ms: base.hlc.wall_ms + 1,
                    ..base.hlc
                },
                ..at(0, "ana", second_open.op)
            },
        ]
    }

    fn fold(changes: &[Change]) -> Holding {
        let mut log = CaseLog::default();
        for (i, c) in changes.iter().enumerate() {
            log.put(Entry {
                change: c.clone(),
                synced: Some(i as u64 + 1),
                refused: None,
            });
        }
        let file = log.fold().expect("opened");
        Holding {
            unit: file.case.patient.unit.clone(),
            assignee: file.case.assignee.clone(),
            created_by: file.case.created_by.clone(),
            involved: file.case.involved(),
        }
    }

    #[test]
    fn repeats_are_settled_by_the_folds_order_whatever_the_order_they_come_in() {
        let changes = repeats();
        let want = fold(&changes);
        // The last owner set by the clock, the first opening's assignee.
        assert!(want.involved.lines().any(|u| u == "cal"), "{want:?}");
        let mut order: Vec<usize> = (0..changes.len()).collect();
        let mut rng = sample::Rng::new(4);
        for _ in 0..50 {
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let summary = CaseSummary::of(order.iter().map(|&i| &changes[i]));
            assert_eq!(summary.holders().as_ref(), Some(&want), "order {order:?}");
        }
        // Without the owner sets, the first creator's owner stands.
        let created: Vec<Change> = changes
            .iter()
            .filter(|c| !matches!(c.op, Op::SetTask { .. }))
            .cloned()
            .collect();
        let want = fold(&created);
        assert!(want.involved.lines().any(|u| u == "ben"), "{want:?}");
        for rev in [false, true] {
            let mut these = created.clone();
            if rev {
                these.reverse();
            }
            assert_eq!(CaseSummary::of(&these).holders(), Some(want.clone()));
        }
    }
}
