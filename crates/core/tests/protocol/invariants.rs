//! What must hold after every run of the protocol test: the checks on the
//! server's and the devices' final state.

use advocase_core::change::FieldValue;
use advocase_core::followup::Task;
use advocase_core::log::Merged;

use super::*;

/// One kind of field's setters as a case's log goes (case fields, item
/// fields or task fields), to check that every overwritten value was seen
/// by its overwriter, said the same, stands again in the end, or is a
/// conflict (open, or settled by a person).
struct History<V> {
    current: HashMap<String, (Id, V)>,
    open: BTreeSet<ConflictRef>,
    settled: BTreeSet<ConflictRef>,
}

impl<V: Merged + std::fmt::Debug> History<V> {
    /// `open`: the conflicts the fold shows; `settles`: what the ops that
    /// may settle this kind of conflict settle.
    fn new<'a>(
        log: &'a CaseLog,
        open: impl IntoIterator<Item = ConflictRef>,
        settles: impl Fn(&'a Op) -> Option<&'a Vec<ConflictRef>>,
    ) -> Self {
        History {
            current: HashMap::new(),
            open: open.into_iter().collect(),
            settled: log
                .entries
                .iter()
                .filter_map(|e| settles(&e.change.op))
                .flatten()
                .cloned()
                .collect(),
        }
    }

    /// Every field of `of`, made by change `by` (the first making counts,
    /// as in the fold).
    fn made(&mut self, of: &V::Of, by: Id) {
        for f in V::FIELDS {
            self.current
                .entry(V::key(of, f))
                .or_insert_with(|| (by, V::read(of, f).unwrap()));
        }
    }

    /// Change `by` sets the field `key` to `value`, its author having seen
    /// `base`; `standing` is what the field belongs to in the end. False if
    /// no change made the field.
    fn set(
        &mut self,
        key: String,
        value: &V,
        base: Option<Id>,
        by: Id,
        standing: Option<&V::Of>,
    ) -> bool {
        let Some((prev, prev_value)) = self.current.get(&key).cloned() else {
            return false;
        };
        let r = ConflictRef {
            change: prev,
            field: key.clone(),
        };
        let stands = standing
            .and_then(|of| V::read(of, value.field()))
            .is_some_and(|v| v.agrees_with(&prev_value));
        assert!(
            base == Some(prev)
                || prev_value.agrees_with(value)
                || self.open.contains(&r)
                || self.settled.contains(&r)
                || stands,
            "the {key} set by {prev} vanished without a trace"
        );
        self.current.insert(key, (by, value.clone()));
        true
    }

    /// One change's sets of the fields of one item or task (its id, and
    /// how its fields are keyed), as [`History::set`]; a field no change
    /// made is on one whose making the server refused.
    fn sets<'s>(
        &mut self,
        (owner, key): (Id, fn(Id, &str) -> String),
        sets: impl Iterator<Item = (&'s V, Option<Id>)>,
        by: Id,
        standing: Option<&V::Of>,
        refused: &BTreeSet<Id>,
    ) where
        V: 's,
    {
        for (value, base) in sets {
            let key = key(owner, value.field());
            assert!(
                self.set(key, value, base, by, standing) || refused.contains(&owner),
                "a set of a field of {owner}, which no change on the server made"
            );
        }
    }
}

impl World {
    /// Every change id the server holds.
    fn on_server(&self) -> BTreeSet<Id> {
        self.server
            .cases
            .values()
            .flat_map(|l| l.entries.iter().map(|e| e.change.id))
            .collect()
    }

    /// What saved changes the server does not hold made (`made` says which
    /// items or tasks a change makes).
    fn refused<I: IntoIterator<Item = Id>>(&self, made: impl Fn(&Op) -> I) -> BTreeSet<Id> {
        let on_server = self.on_server();
        self.saved
            .iter()
            .filter(|c| !on_server.contains(&c.id))
            .flat_map(|c| made(&c.op))
            .collect()
    }

    /// Every overwritten item value (a tick, a reason, a note) was seen by
    /// its overwriter, had the same value, stands again, or is a conflict.
    fn check_items(&self) {
        // Items whose making the server refused (a checklist started on a
        // case its author could no longer see): ticks on them have nothing
        // to land on, and the refusal is with the person.
        let refused_items = self.refused(|op| match op {
            Op::StartChecklist { checklist } => checklist.items.iter().map(|i| i.id).collect(),
            Op::AddItem { item, .. } => vec![item.id],
            _ => vec![],
        });
        for log in self.server.cases.values() {
            let Some(truth) = log.fold() else { continue };
            let open = truth.item_conflicts.iter().map(|c| c.reference());
            let mut history = History::<ItemValue>::new(log, open, |op| match op {
                Op::Edit { settles, .. } | Op::SetItem { settles, .. } => Some(settles),
                _ => None,
            });
            // As the fold does: every checklist and item first, so a tick
            // on an item made by a later change still counts.
            for e in &log.entries {
                if let Op::StartChecklist { checklist } = &e.change.op {
                    for item in &checklist.items {
                        history.made(item, e.change.id);
                    }
                }
            }
            for e in &log.entries {
                if let Op::AddItem { item, .. } = &e.change.op {
                    history.made(item, e.change.id);
                }
            }
            for e in &log.entries {
                if let Op::SetItem { item, sets, .. } = &e.change.op {
                    let standing = truth
                        .case
                        .checklists
                        .iter()
                        .flat_map(|k| k.items.iter())
                        .find(|i| i.id == *item);
                    let sets = sets.iter().map(|s| (&s.value, s.base));
                    let of = (*item, item_key as fn(Id, &str) -> String);
                    history.sets(of, sets, e.change.id, standing, &refused_items);
                }
            }
        }
    }

    /// Every overwritten task value was seen by its overwriter, said the
    /// same, stands again, or is a conflict; no task replaced another.
    fn check_tasks(&self) {
        // Tasks whose making the server refused (made on a case its author
        // could no longer see): edits of them have nothing to land on.
        let made = |op: &Op| match op {
            Op::AddTask { task } => Some((**task).clone()),
            Op::Log { interaction } => advocase_core::followup::Task::promised(interaction),
            _ => None,
        };
        let refused_tasks = self.refused(|op| made(op).map(|t| t.id));
        for log in self.server.cases.values() {
            let Some(truth) = log.fold() else { continue };
            let tasks: Vec<(Id, Task)> = log
                .entries
                .iter()
                .filter_map(|e| made(&e.change.op).map(|t| (e.change.id, t)))
                .collect();
            let made: BTreeSet<Id> = tasks.iter().map(|(_, t)| t.id).collect();
            let held: BTreeSet<Id> = truth.case.tasks.iter().map(|t| t.id).collect();
            assert_eq!(made, held, "every task made is on the case, once");
            assert_eq!(held.len(), truth.case.tasks.len(), "no task twice");
            let open = truth.task_conflicts.iter().map(|c| c.reference());
            let mut history = History::<TaskValue>::new(log, open, |op| match op {
                Op::Edit { settles, .. } | Op::SetTask { settles, .. } => Some(settles),
                _ => None,
            });
            for (by, task) in &tasks {
                history.made(task, *by);
            }
            for e in &log.entries {
                let Op::SetTask { task, sets, .. } = &e.change.op else {
                    continue;
                };
                let standing = truth.case.tasks.iter().find(|t| t.id == *task);
                let sets = sets.iter().map(|s| (&s.value, s.base));
                let of = (*task, task_key as fn(Id, &str) -> String);
                history.sets(of, sets, e.change.id, standing, &refused_tasks);
            }
            // Every answer is in its escalation's chain, in the log's order.
            for x in &truth.case.escalations {
                let answers: Vec<Id> = log
                    .entries
                    .iter()
                    .filter_map(|e| match &e.change.op {
                        Op::Respond { response } if response.escalation == x.id => {
                            Some(response.id)
                        }
                        _ => None,
                    })
                    .collect();
                let chain: Vec<Id> = x.responses.iter().map(|r| r.id).collect();
                assert_eq!(chain, answers, "the chain of {} is every answer", x.id);
            }
        }
    }

    /// The server's cases as they fold.
    fn files(&self) -> Vec<CaseFile> {
        self.server
            .cases
            .values()
            .filter_map(CaseLog::fold)
            .collect()
    }

    /// How many conflicts on keys starting with `prefix` a person settled
    /// through the ops that `settles` reads.
    fn settled<'a>(
        &'a self,
        prefix: &str,
        settles: impl Fn(&'a Op) -> Option<&'a Vec<ConflictRef>>,
    ) -> usize {
        self.server
            .stream
            .iter()
            .filter_map(|p| settles(&p.change.op))
            .flatten()
            .filter(|r| r.field.starts_with(prefix))
            .count()
    }

    /// Crossing task edits (still open, or settled by a person), tasks and
    /// answers to escalations, over the server's cases.
    pub(crate) fn task_stats(&self) -> (usize, usize, usize) {
        let settled = self.settled("task:", |op| match op {
            Op::Edit { settles, .. } | Op::SetTask { settles, .. } => Some(settles),
            _ => None,
        });
        let files = self.files();
        (
            settled + files.iter().map(|f| f.task_conflicts.len()).sum::<usize>(),
            files.iter().map(|f| f.case.tasks.len()).sum(),
            files
                .iter()
                .flat_map(|f| &f.case.escalations)
                .map(|x| x.responses.len())
                .sum(),
        )
    }

    pub(crate) fn stats(&self) -> (usize, usize, usize, usize, usize) {
        let files = self.files();
        let conflicts = files.iter().map(|f| f.conflicts.len()).sum();
        // Crossing ticks: those still open and those a person settled.
        let settled_items = self.settled("item:", |op| match op {
            Op::Edit { settles, .. } => Some(settles),
            _ => None,
        });
        let item_conflicts =
            settled_items + files.iter().map(|f| f.item_conflicts.len()).sum::<usize>();
        let checklists = files.iter().map(|f| f.case.checklists.len()).sum();
        let refused = self
            .devices
            .iter()
            .flat_map(|d| d.replica.logs.values())
            .flat_map(|l| l.entries.iter())
            .filter(|e| e.refused.is_some())
            .count();
        (
            self.cases_opened,
            conflicts,
            refused,
            item_conflicts,
            checklists,
        )
    }

    pub(crate) fn check(&self) {
        // Nothing saved is lost: on the server, or set aside on its device.
        let stored: HashMap<Id, &Change> = self
            .server
            .stream
            .iter()
            .map(|p| (p.change.id, &p.change))
            .collect();
        assert_eq!(
            stored.len(),
            self.server.stream.len(),
            "no change stored twice"
        );
        let mut pairs = BTreeSet::new();
        for p in &self.server.stream {
            assert!(
                pairs.insert((p.change.device, p.change.seq)),
                "(device, seq) unique"
            );
        }
        for c in &self.saved {
            if stored.contains_key(&c.id) {
                continue;
            }
            let set_aside = self.devices.iter().any(|d| {
                d.replica
                    .logs
                    .get(&c.case_id)
                    .and_then(|l| l.get(c.id))
                    .is_some_and(|e| e.refused.is_some())
            });
            assert!(
                set_aside,
                "change {} was lost: neither stored nor set aside",
                c.id
            );
        }
        // Convergence: everyone who may see a case holds exactly the server's.
        for (case, log) in &self.server.cases {
            let Some(truth) = log.fold() else { continue };
            let ids: BTreeSet<Id> = truth.interactions.iter().map(|i| i.id).collect();
            assert_eq!(ids.len(), truth.interactions.len(), "no interaction twice");
            for dev in &self.devices {
                if !dev.user.can_see(&truth.case, &UnitIndex::default()) {
                    continue;
                }
                let keep = truth.deleted.is_none()
                    && (truth.case.status.is_active()
                        || truth.case.updated_at > at(self.time_ms + dev.skew_ms - 30 * DAY_MS));
                let mine = dev.replica.logs.get(case).and_then(CaseLog::fold);
                match mine {
                    Some(mine) => {
                        assert_eq!(
                            mine.case, truth.case,
                            "{} diverged on {case}",
                            dev.user.username
                        );
                        assert_eq!(mine.interactions, truth.interactions);
                        assert_eq!(mine.conflicts, truth.conflicts);
                        assert_eq!(mine.item_conflicts, truth.item_conflicts);
                        assert_eq!(mine.task_conflicts, truth.task_conflicts);
                        assert_eq!(mine.deleted, truth.deleted);
                    }
                    None => assert!(!keep, "{} lacks case {case}", dev.user.username),
                }
            }
            // Every overwritten value was seen by its overwriter, had the
            // same value, or is a conflict (open, or settled by a person).
            let open = truth.conflicts.iter().map(|c| c.reference());
            let mut history = History::<FieldValue>::new(log, open, |op| match op {
                Op::Edit { settles, .. } => Some(settles),
                _ => None,
            });
            let opening = log
                .entries
                .iter()
                .find(|e| matches!(e.change.op, Op::Open { .. }))
                .unwrap();
            if let Op::Open { case } = &opening.change.op {
                history.made(case, opening.change.id);
            }
            for e in &log.entries {
                let Op::Edit { sets, .. } = &e.change.op else {
                    continue;
                };
                for s in sets {
                    let f = s.value.field().to_owned();
                    let standing = Some(&truth.case);
                    let known = history.set(f, &s.value, s.base, e.change.id, standing);
                    assert!(known, "every case field is made when the case opens");
                }
            }
        }
        self.check_items();
        self.check_tasks();
        // Nothing left to send.
        for dev in &self.devices {
            assert_eq!(
                dev.replica.pending(),
                0,
                "{} still has changes to send",
                dev.user.username
            );
        }
    }
}
