//! The sync protocol as a contract, tested as a whole: several devices and
//! a model server (the same acceptance rules the real server runs, kept in
//! memory) under random edits, offline periods, dropped requests, responses
//! lost after the server committed, duplicated and reordered batches,
//! devices killed between writing and pushing, and clocks a day off.
//!
//! After every run: every replica that may see a case shows exactly the
//! server's case; every change a device saved is on the server or set aside
//! on that device; every overwritten value was seen by its overwriter or is
//! recorded as a conflict; nothing appears twice.

use std::collections::{BTreeSet, HashMap};

use advocase_core::access::{Role, User};
use advocase_core::case::{Actor, CaseCommand, CaseDraft, CaseRules, MAX_TEXT, Priority};
use advocase_core::caseload::CaseFile;
use advocase_core::change::{Change, ConflictRef, FieldSet, Op};
use advocase_core::checklist::{
    ADDED_SECTION, Checklist, ItemDraft, ItemState, ItemValue, default_templates, item_key,
};
use advocase_core::directory::UnitIndex;
use advocase_core::followup::{
    Answer, EscalationDraft, Recipient, Response, TaskDraft, TaskStatus, TaskValue, task_key,
};
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::log::{CaseLog, Entry};
use advocase_core::reference::{Destination, Responsible};
use advocase_core::replica::{Replica, SyncState};
use advocase_core::sample::Rng;
use advocase_core::status::Status;
use advocase_core::sync::{Outcome, PushRequest};
use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

const DAY_MS: i64 = 86_400_000;

mod invariants;
mod model;
mod scenarios;
use model::Server;

struct Device {
    user: User,
    replica: Replica,
    /// The sync state as last written to storage: a kill falls back to it.
    stored_state: SyncState,
    skew_ms: i64,
    online: bool,
}

struct World {
    rng: Rng,
    server: Server,
    devices: Vec<Device>,
    time_ms: i64,
    /// Every change a device recorded (and told its user was saved).
    saved: Vec<Change>,
    cases_opened: usize,
}

fn user(name: &str, role: Role, units: &[&str]) -> User {
    User {
        username: name.into(),
        display_name: name.to_uppercase(),
        role,
        units: units.iter().map(|u| (*u).to_owned()).collect(),
        active: true,
    }
}

/// An escalation's or a passing-on's recipient: a person's account.
fn account(username: &str) -> Recipient {
    Recipient::Account {
        username: username.into(),
        name: username.to_uppercase(),
    }
}

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).unwrap()
}

impl World {
    fn new(seed: u64, n: usize) -> Self {
        let mut rng = Rng::new(seed);
        let people = [
            user("ana", Role::Coordinator, &["4 West"]),
            user("ben", Role::Coordinator, &["4 West"]),
            user("mgr", Role::Manager, &[]),
            // Covers another unit: sees 4 West cases only when assigned one.
            user("eve", Role::Coordinator, &["5 East"]),
            user("cal", Role::Coordinator, &["4 West", "5 East"]),
        ];
        let skews = [0, DAY_MS, -DAY_MS, 90_000, -3_000];
        let devices = (0..n)
            .map(|i| {
                let replica = Replica::new(rng.id(1_700_000_000_000 + i as u64));
                Device {
                    user: people[i].clone(),
                    stored_state: replica.state.clone(),
                    replica,
                    skew_ms: skews[i],
                    online: true,
                }
            })
            .collect();
        World {
            rng,
            server: Server::default(),
            devices,
            time_ms: 1_795_000_000_000,
            saved: Vec::new(),
            cases_opened: 0,
        }
    }

    fn now(&self, d: usize) -> (u64, DateTime<Utc>) {
        let ms = self.time_ms + self.devices[d].skew_ms;
        (ms as u64, at(ms))
    }

    fn actor(&self, d: usize) -> Actor {
        let (_, now) = self.now(d);
        Actor {
            user: self.devices[d].user.username.clone(),
            now,
            today: now.date_naive(),
        }
    }

    fn record(&mut self, d: usize, case: Id, op: Op) {
        let (ms, now) = self.now(d);
        let id = self.rng.id(ms);
        let by = self.devices[d].user.username.clone();
        let change = self.devices[d].replica.record(id, case, op, &by, now, ms);
        self.saved.push(change);
    }

    fn visible_cases(&self, d: usize) -> Vec<CaseFile> {
        self.devices[d]
            .replica
            .logs
            .values()
            .filter_map(CaseLog::fold)
            .filter(|f| f.deleted.is_none())
            .collect()
    }

    fn step(&mut self) {
        self.time_ms += self.rng.below(120_000) as i64;
        let d = self.rng.below(self.devices.len());
        match self.rng.below(100) {
            0..=9 => self.open_case(d),
            10..=27 => self.edit(d),
            28..=29 => self.start_checklist(d),
            30..=37 => self.tick_item(d),
            38..=54 => self.log_interaction(d),
            55..=57 => self.settle(d),
            58 => self.delete(d),
            59..=63 => {
                let on = self.devices[d].online;
                self.devices[d].online = !on;
            }
            64..=66 => self.kill(d),
            67..=69 => self.invalid_edit(d),
            70..=73 => self.add_task(d),
            74..=80 => self.set_task(d),
            81..=82 => self.escalate(d),
            83..=85 => self.respond(d),
            _ => self.sync(d, true),
        }
    }

    fn open_case(&mut self, d: usize) {
        if self.devices[d].user.role == Role::Admin {
            return;
        }
        let unit = if self.rng.below(4) == 0 {
            "5 East"
        } else {
            "4 West"
        };
        self.open_case_in(d, unit);
    }

    fn open_case_in(&mut self, d: usize, unit: &str) {
        let actor = self.actor(d);
        let (ms, _) = self.now(d);
        let draft = CaseDraft {
            patient_name: format!("Patient {}", self.rng.below(1000)),
            unit: unit.into(),
            kind: "complaint".into(),
            description: "Call bell not answered".into(),
            ..CaseDraft::default()
        };
        let id = self.rng.id(ms);
        let case = draft.validate(id, &actor, &CaseRules::default()).unwrap();
        self.cases_opened += 1;
        self.record(
            d,
            id,
            Op::Open {
                case: Box::new(case),
            },
        );
    }

    fn pick_case(&mut self, d: usize) -> Option<CaseFile> {
        self.pick_case_with(d, |_| true)
    }

    /// One of the cases device `d` sees that `having` holds for.
    fn pick_case_with(&mut self, d: usize, having: impl Fn(&CaseFile) -> bool) -> Option<CaseFile> {
        let mut cases: Vec<CaseFile> = self.visible_cases(d);
        cases.retain(having);
        (!cases.is_empty()).then(|| cases.swap_remove(self.rng.below(cases.len())))
    }

    /// Who decides on device `d`, and when: for a "done" or a reason.
    fn decider(&self, d: usize) -> (String, DateTime<Utc>) {
        (self.devices[d].user.username.clone(), self.now(d).1)
    }

    /// A reason from a few, so that two people sometimes give the same.
    fn reason(&mut self) -> String {
        format!("Reason {}", self.rng.below(3))
    }

    fn note(&mut self) -> String {
        format!("Note {}", self.rng.below(5))
    }

    /// Logs an interaction on `file`'s case from device `d`, as typed.
    fn log(&mut self, d: usize, file: &CaseFile, draft: InteractionDraft) {
        let actor = self.actor(d);
        let (ms, _) = self.now(d);
        let interaction = draft
            .validate(self.rng.id(ms), file.case.id, None, &actor)
            .unwrap();
        self.record(
            d,
            file.case.id,
            Op::Log {
                interaction: Box::new(interaction),
            },
        );
    }

    fn edit(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let names = ["ana", "ben", "mgr", "eve", "cal"];
        let command = match self.rng.below(7) {
            6 => {
                // The discharge plan: a date near when the case came in, and
                // sometimes a destination.
                let on = file.case.received_on + chrono::Days::new(self.rng.below(10) as u64);
                let destination = match self.rng.below(3) {
                    0 => None,
                    n => Some(Destination::ALL[n * 2 - 1]),
                };
                CaseCommand::PlanDischarge {
                    on: Some(on),
                    destination,
                }
            }
            0 => CaseCommand::SetPriority {
                to: Priority::ALL[self.rng.below(4)],
            },
            1 => CaseCommand::SetDescription {
                to: format!("Update {}", self.rng.below(50)),
            },
            2 => CaseCommand::Reassign {
                to: names[self.rng.below(names.len())].into(),
            },
            3 => CaseCommand::ChangeStatus {
                to: [Status::InProgress, Status::Waiting, Status::Escalated][self.rng.below(3)],
                note: None,
            },
            4 => CaseCommand::Resolve {
                summary: "Apologised; bell fixed".into(),
            },
            _ => CaseCommand::Reopen {
                to: Status::InProgress,
                reason: "Family called again".into(),
            },
        };
        let Ok(op) = file.edit(command) else {
            return;
        };
        self.record(d, file.case.id, op);
    }

    fn start_checklist(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let template = default_templates().remove(self.rng.below(2));
        let (ms, _) = self.now(d);
        let id = self.rng.id(ms);
        let rng = &mut self.rng;
        // As the app does it: a closed case, or a template already started
        // there, is refused; then an item is added for the patient instead.
        match file.start_checklist(&template, || rng.id(ms), id) {
            Ok(op) => self.record(d, file.case.id, op),
            Err(_) => {
                let Some(k) = file.case.checklists.first() else {
                    return;
                };
                let draft = ItemDraft {
                    text: format!("Item added at {ms}"),
                    responsible: Some(Responsible::ALL[self.rng.below(Responsible::ALL.len())]),
                    required: self.rng.below(2) == 0,
                    ..ItemDraft::default()
                };
                let item = self.rng.id(ms);
                if let Ok(op) = file.add_item(k.id, &draft, item) {
                    self.record(d, file.case.id, op);
                }
            }
        }
    }

    /// Two coordinators ticking items of one checklist: different items
    /// both stay; the same item is a per-item conflict.
    fn tick_item(&mut self, d: usize) {
        let Some(file) = self.pick_case_with(d, |f| !f.case.checklists.is_empty()) else {
            return;
        };
        let k = &file.case.checklists[0];
        // A few items only, so that ticks cross often.
        let item = &k.items[self.rng.below(k.items.len().min(2))];
        let (by, at) = self.decider(d);
        let value = match self.rng.below(4) {
            0 => ItemValue::State(ItemState::Done { by, at }),
            1 => ItemValue::State(ItemState::NotApplicable {
                reason: self.reason(),
                by,
                at,
            }),
            2 => ItemValue::Responsible(Responsible::ALL[self.rng.below(Responsible::ALL.len())]),
            _ => ItemValue::Note(self.note()),
        };
        let op = file.set_item(k.id, item.id, vec![value]).unwrap();
        self.record(d, file.case.id, op);
    }

    /// A change the server must refuse; the ones behind it must still go.
    fn invalid_edit(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let to = "x".repeat(MAX_TEXT + 1);
        let (event, values) = file
            .case
            .plan(CaseCommand::SetDescription { to: "ok".into() })
            .unwrap();
        let mut sets: Vec<FieldSet> = values
            .into_iter()
            .map(|value| FieldSet { value, base: None })
            .collect();
        sets[0].value = advocase_core::change::FieldValue::Description(to);
        self.record(
            d,
            file.case.id,
            Op::Edit {
                event,
                sets,
                settles: vec![],
            },
        );
    }

    fn log_interaction(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let draft = InteractionDraft {
            channel: "bedside_visit".into(),
            with: "patient".into(),
            summary: format!("Visit {}", self.rng.below(10_000)),
            ..InteractionDraft::default()
        };
        self.log(d, &file, draft);
    }

    /// A follow-up, sometimes for a colleague who may not cover the unit
    /// (they must then see the case), or promised in a quick log.
    fn add_task(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let actor = self.actor(d);
        let (ms, _) = self.now(d);
        let names = ["", "ana", "ben", "eve", "cal"];
        if self.rng.below(3) == 0 {
            let draft = InteractionDraft {
                channel: "phone".into(),
                with: "family_or_representative".into(),
                summary: "Daughter asked about the scan".into(),
                follow_up: "Call back with the date".into(),
                follow_up_due: actor.today.to_string(),
                follow_up_kind: "call_back".into(),
                ..InteractionDraft::default()
            };
            self.log(d, &file, draft);
            return;
        }
        // Two of the same kind on one case: both must stay.
        let task = TaskDraft {
            kind: "call_back".into(),
            title: format!("Call back {}", self.rng.below(100)),
            due: actor.today.to_string(),
            owner: names[self.rng.below(names.len())].into(),
            ..TaskDraft::default()
        }
        .validate(self.rng.id(ms), None, &actor)
        .unwrap();
        if let Ok(op) = file.add_task(task) {
            self.record(d, file.case.id, op);
        }
    }

    /// Done, cancelled, reassigned, moved or noted, on a few tasks so that
    /// edits cross often.
    fn set_task(&mut self, d: usize) {
        let Some(file) = self.pick_case_with(d, |f| !f.case.tasks.is_empty()) else {
            return;
        };
        // The first task only, so that edits cross often.
        let task = file.case.tasks[0].id;
        let (by, at) = self.decider(d);
        let names = ["ana", "ben", "eve", "cal"];
        let value = match self.rng.below(5) {
            0 => TaskValue::Status(TaskStatus::Done { by, at }),
            1 => TaskValue::Status(TaskStatus::Cancelled {
                reason: self.reason(),
                by,
                at,
            }),
            2 => TaskValue::Owner(names[self.rng.below(names.len())].into()),
            3 => TaskValue::Due(at.date_naive() + chrono::Days::new(self.rng.below(5) as u64)),
            _ => TaskValue::Notes(self.note()),
        };
        let op = file.set_task(task, vec![value]).unwrap();
        self.record(d, file.case.id, op);
    }

    fn escalate(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        let actor = self.actor(d);
        let (ms, _) = self.now(d);
        let to = match self.rng.below(3) {
            0 => Recipient::Department {
                name: "Pharmacy".into(),
            },
            1 => account("mgr"),
            _ => account("eve"),
        };
        let escalation = EscalationDraft {
            to: Some(to),
            reason: "Family asks for a meeting".into(),
            urgency: ["urgent", "routine"][self.rng.below(2)].into(),
            task: None,
        }
        .validate(self.rng.id(ms), &actor)
        .unwrap();
        self.record(
            d,
            file.case.id,
            Op::Escalate {
                escalation: Box::new(escalation),
            },
        );
    }

    /// Answers, possibly from two people at once: each is kept, in order.
    fn respond(&mut self, d: usize) {
        let Some(file) = self.pick_case_with(d, |f| !f.case.escalations.is_empty()) else {
            return;
        };
        let x = &file.case.escalations[self.rng.below(file.case.escalations.len())];
        let (ms, now) = self.now(d);
        let answer = match self.rng.below(3) {
            0 => Answer::Acknowledged,
            1 => Answer::Answered {
                note: "Met the family".into(),
            },
            _ => Answer::PassedOn {
                to: account("cal"),
                note: String::new(),
            },
        };
        let response = Response {
            id: self.rng.id(ms),
            escalation: x.id,
            answer,
            by: self.devices[d].user.username.clone(),
            at: now,
        };
        if let Ok(op) = file.respond(response) {
            self.record(d, file.case.id, op);
        }
    }

    fn settle(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        // Keep what shows, or put the overwritten value back: the app's two
        // buttons, as the app builds them.
        let settled = if let Some(c) = file.task_conflicts.first() {
            Some(file.settle_task(c, self.rng.below(2) == 0))
        } else {
            let c = file.item_conflicts.first();
            c.map(|c| file.settle_item(c, self.rng.below(2) == 0))
        };
        if let Some(op) = settled {
            let op = op.expect("a crossing on this case can be settled");
            self.record(d, file.case.id, op);
            return;
        }
        let Some(conflict) = file.conflicts.first() else {
            return;
        };
        let event = advocase_core::case::CaseChange::Settled {
            field: conflict.field.clone(),
            kept: conflict.kept.value.display(),
            discarded: conflict.lost.value.display(),
        };
        let settles = vec![ConflictRef {
            change: conflict.lost.change,
            field: conflict.field.clone(),
        }];
        self.record(
            d,
            file.case.id,
            Op::Edit {
                event,
                sets: vec![],
                settles,
            },
        );
    }

    fn delete(&mut self, d: usize) {
        let Some(file) = self.pick_case(d) else {
            return;
        };
        // Non-managers try too: the server must refuse them.
        self.record(
            d,
            file.case.id,
            Op::Delete {
                reason: "Opened twice by mistake".into(),
            },
        );
    }

    /// The browser dies: the logs were written before "saved" was shown,
    /// the sync state maybe not since its last write.
    fn kill(&mut self, d: usize) {
        let dev = &mut self.devices[d];
        let logs = std::mem::take(&mut dev.replica.logs);
        dev.replica = Replica::restore(dev.stored_state.clone(), logs);
    }

    fn sync(&mut self, d: usize, faults: bool) {
        if !self.devices[d].online {
            return;
        }
        let (ms, now) = self.now(d);
        let server_ms = self.time_ms as u64;
        // Push, in batches; some batches sent out of order or twice, some
        // requests lost, some responses lost after the server committed.
        let size = 1 + self.rng.below(6);
        let mut batches: Vec<Vec<Change>> = self.devices[d]
            .replica
            .outbox(usize::MAX)
            .chunks(size)
            .map(<[Change]>::to_vec)
            .collect();
        if faults && batches.len() > 1 && self.rng.below(4) == 0 {
            batches.swap(0, 1);
        }
        for batch in batches {
            let fault = if faults { self.rng.below(10) } else { 9 };
            if fault == 0 {
                return; // request lost: try again later
            }
            let req = PushRequest {
                device: self.devices[d].replica.state.device,
                changes: batch.clone(),
            };
            let user = self.devices[d].user.clone();
            let resp = self.server.push(&user, &req, server_ms);
            if fault == 1 {
                return; // committed, but the response never arrived
            }
            if fault == 2 {
                let again = self.server.push(&user, &req, server_ms);
                assert_eq!(
                    again
                        .results
                        .iter()
                        .filter(|r| matches!(
                            r.outcome,
                            Outcome::Stored {
                                duplicate: false,
                                ..
                            }
                        ))
                        .count(),
                    0,
                    "a batch sent twice is stored once"
                );
            }
            self.devices[d].replica.on_push(&batch, &resp.results);
        }
        // Pull, page by page; a lost page leaves the cursor where it was.
        let user = self.devices[d].user.clone();
        loop {
            let cursor = self.devices[d].replica.state.cursor;
            let own = (
                self.devices[d].replica.state.device,
                self.devices[d].replica.own_from,
            );
            let page = self.server.pull(&user, cursor, 1 + self.rng.below(8), own);
            if faults && self.rng.below(15) == 0 {
                return;
            }
            self.devices[d].replica.on_pull(&page, ms);
            let hidden = page.hidden.clone();
            for case in self.devices[d].replica.incomplete() {
                let history = self.server.history(&user, case);
                self.devices[d].replica.take_history(case, &history, ms);
            }
            self.devices[d].replica.evict(&hidden, now, 30);
            self.devices[d].stored_state = self.devices[d].replica.state.clone();
            if !page.more {
                break;
            }
        }
    }

    fn settle_down(&mut self) {
        for d in 0..self.devices.len() {
            self.devices[d].online = true;
        }
        for _ in 0..3 {
            for d in 0..self.devices.len() {
                self.sync(d, false);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    #[test]
    fn replicas_converge_and_nothing_saved_is_lost(
        seed in any::<u64>(),
        devices in 3usize..=5,
        steps in 150usize..400,
    ) {
        let mut world = World::new(seed, devices);
        for _ in 0..steps {
            world.step();
        }
        world.settle_down();
        world.check();
        prop_assert!(world.cases_opened > 0);
    }
}
