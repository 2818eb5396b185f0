//! What must hold after every run of the protocol test: the checks on the
//! server's and the devices' final state.

use super::*;

impl World {
    /// Every overwritten item value (a tick, a reason, a note) was seen by
    /// its overwriter, had the same value, stands again, or is a conflict.
    fn check_items(&self) {
        // Items whose making the server refused (a checklist started on a
        // case its author could no longer see): ticks on them have nothing
        // to land on, and the refusal is with the person.
        let on_server: BTreeSet<Id> = self
            .server
            .cases
            .values()
            .flat_map(|l| l.entries.iter().map(|e| e.change.id))
            .collect();
        let refused_items: BTreeSet<Id> = self
            .saved
            .iter()
            .filter(|c| !on_server.contains(&c.id))
            .flat_map(|c| match &c.op {
                Op::StartChecklist { checklist } => checklist.items.iter().map(|i| i.id).collect(),
                Op::AddItem { item, .. } => vec![item.id],
                _ => vec![],
            })
            .collect();
        for log in self.server.cases.values() {
            let Some(truth) = log.fold() else { continue };
            let mut settled: BTreeSet<ConflictRef> = BTreeSet::new();
            for e in &log.entries {
                if let Op::Edit { settles, .. } | Op::SetItem { settles, .. } = &e.change.op {
                    settled.extend(settles.iter().cloned());
                }
            }
            let open: BTreeSet<ConflictRef> =
                truth.item_conflicts.iter().map(|c| c.reference()).collect();
            let mut current: HashMap<String, (Id, ItemValue)> = HashMap::new();
            let started =
                |items: &[Item], by: Id, current: &mut HashMap<String, (Id, ItemValue)>| {
                    for item in items {
                        for f in ItemValue::FIELDS {
                            current
                                .entry(item_key(item.id, f))
                                .or_insert_with(|| (by, ItemValue::read(item, f).unwrap()));
                        }
                    }
                };
            // As the fold does: every checklist and item first, so a tick
            // on an item made by a later change still counts.
            for e in &log.entries {
                if let Op::StartChecklist { checklist } = &e.change.op {
                    started(&checklist.items, e.change.id, &mut current)
                }
            }
            for e in &log.entries {
                if let Op::AddItem { item, .. } = &e.change.op {
                    started(std::slice::from_ref(&**item), e.change.id, &mut current)
                }
            }
            for e in &log.entries {
                if let Op::SetItem { item, sets, .. } = &e.change.op {
                    for s in sets {
                        let key = item_key(*item, s.value.field());
                        let Some((prev, prev_value)) = current.get(&key).cloned() else {
                            assert!(
                                refused_items.contains(item),
                                "a tick on {key}, an item no checklist on the server holds"
                            );
                            continue;
                        };
                        let r = ConflictRef {
                            change: prev,
                            field: key.clone(),
                        };
                        let stands = truth
                            .case
                            .checklists
                            .iter()
                            .flat_map(|k| k.items.iter())
                            .find(|i| i.id == *item)
                            .and_then(|i| ItemValue::read(i, s.value.field()))
                            .is_some_and(|v| v.agrees_with(&prev_value));
                        let accounted = s.base == Some(prev)
                            || prev_value.agrees_with(&s.value)
                            || open.contains(&r)
                            || settled.contains(&r)
                            || stands;
                        assert!(
                            accounted,
                            "the {key} set by {prev} vanished without a trace"
                        );
                        current.insert(key, (e.change.id, s.value.clone()));
                    }
                }
            }
        }
    }

    /// Every overwritten task value was seen by its overwriter, said the
    /// same, stands again, or is a conflict; no task replaced another.
    fn check_tasks(&self) {
        // Tasks whose making the server refused (made on a case its author
        // could no longer see): edits of them have nothing to land on.
        let on_server: BTreeSet<Id> = self
            .server
            .cases
            .values()
            .flat_map(|l| l.entries.iter().map(|e| e.change.id))
            .collect();
        let refused_tasks: BTreeSet<Id> = self
            .saved
            .iter()
            .filter(|c| !on_server.contains(&c.id))
            .filter_map(|c| match &c.op {
                Op::AddTask { task } => Some(task.id),
                Op::Log { interaction } => {
                    advocase_core::followup::Task::promised(interaction).map(|t| t.id)
                }
                _ => None,
            })
            .collect();
        for log in self.server.cases.values() {
            let Some(truth) = log.fold() else { continue };
            let made: BTreeSet<Id> = log
                .entries
                .iter()
                .filter_map(|e| match &e.change.op {
                    Op::AddTask { task } => Some(task.id),
                    Op::Log { interaction } => {
                        advocase_core::followup::Task::promised(interaction).map(|t| t.id)
                    }
                    _ => None,
                })
                .collect();
            let held: BTreeSet<Id> = truth.case.tasks.iter().map(|t| t.id).collect();
            assert_eq!(made, held, "every task made is on the case, once");
            assert_eq!(held.len(), truth.case.tasks.len(), "no task twice");
            let mut settled: BTreeSet<ConflictRef> = BTreeSet::new();
            for e in &log.entries {
                if let Op::Edit { settles, .. } | Op::SetTask { settles, .. } = &e.change.op {
                    settled.extend(settles.iter().cloned());
                }
            }
            let open: BTreeSet<ConflictRef> =
                truth.task_conflicts.iter().map(|c| c.reference()).collect();
            let mut current: HashMap<String, (Id, TaskValue)> = HashMap::new();
            for e in &log.entries {
                let task = match &e.change.op {
                    Op::AddTask { task } => Some((**task).clone()),
                    Op::Log { interaction } => advocase_core::followup::Task::promised(interaction),
                    _ => None,
                };
                if let Some(task) = task {
                    for f in TaskValue::FIELDS {
                        current.insert(
                            task_key(task.id, f),
                            (e.change.id, TaskValue::read(&task, f).unwrap()),
                        );
                    }
                }
            }
            for e in &log.entries {
                let Op::SetTask { task, sets, .. } = &e.change.op else {
                    continue;
                };
                for s in sets {
                    let key = task_key(*task, s.value.field());
                    let Some((prev, prev_value)) = current.get(&key).cloned() else {
                        assert!(
                            refused_tasks.contains(task),
                            "an edit of {key}, a task no change on the server made"
                        );
                        continue;
                    };
                    let r = ConflictRef {
                        change: prev,
                        field: key.clone(),
                    };
                    let stands = truth
                        .case
                        .tasks
                        .iter()
                        .find(|t| t.id == *task)
                        .and_then(|t| TaskValue::read(t, s.value.field()))
                        .is_some_and(|v| v.agrees_with(&prev_value));
                    assert!(
                        s.base == Some(prev)
                            || prev_value.agrees_with(&s.value)
                            || open.contains(&r)
                            || settled.contains(&r)
                            || stands,
                        "the {key} set by {prev} vanished without a trace"
                    );
                    current.insert(key, (e.change.id, s.value.clone()));
                }
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

    /// Crossing task edits (still open, or settled by a person), tasks and
    /// answers to escalations, over the server's cases.
    pub(crate) fn task_stats(&self) -> (usize, usize, usize) {
        let settled = self
            .server
            .stream
            .iter()
            .filter_map(|p| match &p.change.op {
                Op::Edit { settles, .. } | Op::SetTask { settles, .. } => Some(
                    settles
                        .iter()
                        .filter(|r| r.field.starts_with("task:"))
                        .count(),
                ),
                _ => None,
            })
            .sum::<usize>();
        let files: Vec<_> = self
            .server
            .cases
            .values()
            .filter_map(CaseLog::fold)
            .collect();
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
        let conflicts = self
            .server
            .cases
            .values()
            .filter_map(CaseLog::fold)
            .map(|f| f.conflicts.len())
            .sum();
        // Crossing ticks: those still open and those a person settled.
        let settled_items = self
            .server
            .stream
            .iter()
            .filter_map(|p| match &p.change.op {
                Op::Edit { settles, .. } => Some(
                    settles
                        .iter()
                        .filter(|r| r.field.starts_with("item:"))
                        .count(),
                ),
                _ => None,
            })
            .sum::<usize>();
        let item_conflicts = settled_items
            + self
                .server
                .cases
                .values()
                .filter_map(CaseLog::fold)
                .map(|f| f.item_conflicts.len())
                .sum::<usize>();
        let checklists = self
            .server
            .cases
            .values()
            .filter_map(CaseLog::fold)
            .map(|f| f.case.checklists.len())
            .sum();
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
            let mut settled: BTreeSet<ConflictRef> = BTreeSet::new();
            for e in &log.entries {
                if let Op::Edit { settles, .. } = &e.change.op {
                    settled.extend(settles.iter().cloned());
                }
            }
            let open_conflicts: BTreeSet<ConflictRef> =
                truth.conflicts.iter().map(|c| c.reference()).collect();
            let mut current: BTreeMap<&str, (Id, advocase_core::change::FieldValue)> =
                BTreeMap::new();
            let opening = log
                .entries
                .iter()
                .find(|e| matches!(e.change.op, Op::Open { .. }))
                .unwrap();
            if let Op::Open { case } = &opening.change.op {
                for f in advocase_core::change::FieldValue::FIELDS {
                    let v = advocase_core::change::FieldValue::read(case, f).unwrap();
                    current.insert(f, (opening.change.id, v));
                }
            }
            for e in &log.entries {
                let Op::Edit { sets, .. } = &e.change.op else {
                    continue;
                };
                for s in sets {
                    let f = s.value.field();
                    let (prev, prev_value) = current[f].clone();
                    let r = ConflictRef {
                        change: prev,
                        field: f.to_owned(),
                    };
                    let accounted = s.base == Some(prev)
                        || prev_value == s.value
                        || open_conflicts.contains(&r)
                        || settled.contains(&r)
                        // The value stands again in the end.
                        || advocase_core::change::FieldValue::read(&truth.case, f).as_ref()
                            == Some(&prev_value);
                    assert!(accounted, "the {f} set by {prev} vanished without a trace");
                    current.insert(f, (e.change.id, s.value.clone()));
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
