//! The supply stream's protocol: several tablets recording supply changes
//! offline, pushing with answers lost, pulling pages twice, against a model
//! server that decides each change with `supplies::wire::accept` and keeps
//! the same `(device, seq)` ledger as the real one (crates/server's
//! `supplies` module is held to the same answers by its own tests).
//!
//! After every device has synced to the end: nothing any device recorded
//! and the server did not refuse is missing from the server, the server
//! stored each change once, and every device shows each unit it keeps
//! exactly as the server's changes fold.

use std::collections::{BTreeMap, HashMap, HashSet};

use advocase_core::access::{Role, User};
use advocase_core::api::ApiError;
use advocase_core::directory::UnitIndex;
use advocase_core::id::Id;
use advocase_core::supplies::Book;
use advocase_core::supplies::change::{ItemSet, Request, SupplyOp};
use advocase_core::supplies::item::{Item, ItemValue, Kind};
use advocase_core::supplies::replica::SupplyReplica;
use advocase_core::supplies::wire::{SupplyPage, SupplyPulled, SupplyPush, accept, sees};
use advocase_core::sync::{Outcome, PushResponse, PushResult};
use chrono::{DateTime, Utc};
use proptest::prelude::*;

const UNITS: [&str; 2] = ["Ward 7", "Ward 9"];

#[derive(Default)]
struct Server {
    stream: Vec<SupplyPulled>,
    ledger: HashMap<(Id, u64), (Id, Outcome)>,
    ids: HashSet<Id>,
}

impl Server {
    fn push(&mut self, user: &User, req: &SupplyPush, now_ms: u64) -> PushResponse {
        let units = UnitIndex::default();
        let results = req
            .changes
            .iter()
            .map(|c| {
                let outcome = match self.ledger.get(&(c.device, c.seq)) {
                    Some((id, outcome)) if *id == c.id => outcome.clone().replayed(),
                    Some(_) => refused("seq"),
                    None if self.ids.contains(&c.id) => refused("id"),
                    None => {
                        let outcome = match accept(user, c, &units, now_ms) {
                            Ok(stored) => {
                                let server_seq = self.stream.len() as u64 + 1;
                                let hlc = stored.hlc;
                                self.ids.insert(c.id);
                                self.stream.push(SupplyPulled {
                                    server_seq,
                                    change: stored,
                                });
                                Outcome::Stored {
                                    server_seq,
                                    hlc,
                                    duplicate: false,
                                }
                            }
                            Err(reason) => Outcome::Refused { reason },
                        };
                        self.ledger
                            .insert((c.device, c.seq), (c.id, outcome.clone()));
                        outcome
                    }
                };
                PushResult {
                    id: c.id,
                    seq: c.seq,
                    outcome,
                }
            })
            .collect();
        PushResponse { results }
    }

    fn pull(&self, user: &User, after: u64, limit: usize) -> SupplyPage {
        let units = UnitIndex::default();
        let after_cursor = self.stream.iter().filter(|p| p.server_seq > after);
        let scanned: Vec<&SupplyPulled> = after_cursor.take(limit).collect();
        let next = scanned.last().map_or(after, |p| p.server_seq);
        SupplyPage {
            changes: scanned
                .into_iter()
                .filter(|p| sees(user, &p.change.unit, &units))
                .cloned()
                .collect(),
            next,
            more: self.stream.iter().any(|p| p.server_seq > next),
        }
    }

    fn book(&self, unit: &str) -> Book {
        Book::fold(
            self.stream
                .iter()
                .filter(|p| p.change.unit == unit)
                .map(|p| &p.change),
        )
    }
}

fn refused(field: &str) -> Outcome {
    Outcome::Refused {
        reason: ApiError {
            error: "invalid".into(),
            message: "reused".into(),
            field: Some(field.into()),
        },
    }
}

fn user(name: &str, role: Role, units: &[&str]) -> User {
    User {
        username: name.into(),
        display_name: name.into(),
        role,
        units: units.iter().map(|u| u.to_string()).collect(),
        active: true,
    }
}

fn id(n: u64) -> Id {
    Id::new_v7(
        1_800_000_000_000 + n,
        n.to_le_bytes()[..].repeat(2)[..10].try_into().unwrap(),
    )
}

/// One step of the scenario, its numbers read modulo what exists then.
#[derive(Debug, Clone)]
enum Step {
    Record {
        device: usize,
        kind: u8,
        a: u64,
        b: u32,
        unit: usize,
        blind: bool,
    },
    Push {
        device: usize,
        max: usize,
        lose_answer: bool,
    },
    Pull {
        device: usize,
        limit: usize,
        twice: bool,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0usize..3, 0u8..7, 0u64..5, 0u32..30, 0usize..4, any::<bool>()).prop_map(
            |(device, kind, a, b, unit, blind)| Step::Record { device, kind, a, b, unit: unit / 3, blind }
        ),
        2 => (0usize..3, 1usize..6, any::<bool>())
            .prop_map(|(device, max, lose_answer)| Step::Push { device, max, lose_answer }),
        2 => (0usize..3, 1usize..6, any::<bool>())
            .prop_map(|(device, limit, twice)| Step::Pull { device, limit, twice }),
    ]
}

struct World {
    server: Server,
    people: Vec<User>,
    devices: Vec<SupplyReplica>,
    next_id: u64,
    now_ms: u64,
}

impl World {
    fn new() -> Self {
        let people = vec![
            user("mia", Role::Manager, &[]),
            user("ana", Role::Coordinator, &["Ward 7"]),
            user("ben", Role::Coordinator, &["Ward 7", "Ward 9"]),
        ];
        let devices = (0..3).map(|i| SupplyReplica::new(id(10_000 + i))).collect();
        World {
            server: Server::default(),
            people,
            devices,
            next_id: 1,
            now_ms: 1_800_000_000_000,
        }
    }

    fn fresh(&mut self) -> Id {
        self.next_id += 1;
        id(self.next_id)
    }

    fn record(&mut self, device: usize, kind: u8, a: u64, b: u32, unit: &str, blind: bool) {
        let book = self.devices[device].book(unit);
        let item = id(a + 1);
        let round = book.rounds.last().map(|r| r.id);
        let op = match kind {
            0 => SupplyOp::AddItem {
                item: Box::new(Item {
                    id: item,
                    kind: Kind::Supply,
                    name: format!("Item {a}"),
                    count_unit: "each".into(),
                    par: 10 + b,
                    alert: b % 10,
                    location: String::new(),
                    every: None,
                    retired: false,
                }),
            },
            1 => SupplyOp::StartRound {
                round: self.fresh(),
            },
            2 | 3 => {
                let Some(round) = round else { return };
                let base = book.count_in(round, item).map(|c| c.change);
                SupplyOp::Count {
                    round,
                    item,
                    count: b,
                    base: if blind { None } else { base },
                    settles: vec![],
                }
            }
            4 => {
                let base = book.items.iter().any(|i| i.id == item).then(|| id(0));
                SupplyOp::SetItem {
                    item,
                    sets: vec![ItemSet {
                        value: ItemValue::Par(5 + b),
                        base: if blind { None } else { base },
                    }],
                    settles: vec![],
                }
            }
            5 if b.is_multiple_of(2) => SupplyOp::Request {
                request: Box::new(Request {
                    id: self.fresh(),
                    to: "Stores".into(),
                    lines: vec![advocase_core::supplies::change::Line {
                        item,
                        name: "Item".into(),
                        count_unit: "each".into(),
                        have: 1,
                        want: 9,
                    }],
                    note: String::new(),
                }),
            },
            5 => match book.open_requests().next() {
                Some(r) => SupplyOp::Fill {
                    request: r.request.id,
                },
                None => return,
            },
            _ => SupplyOp::Check {
                item,
                working: !b.is_multiple_of(3),
                note: String::new(),
            },
        };
        let change_id = self.fresh();
        self.now_ms += 1_000;
        let at: DateTime<Utc> = DateTime::from_timestamp_millis(self.now_ms as i64).unwrap();
        let by = self.people[device].username.clone();
        self.devices[device].record(change_id, unit, op, &by, at, self.now_ms);
    }

    fn push(&mut self, device: usize, max: usize, lose_answer: bool) {
        let batch = self.devices[device].outbox(max);
        if batch.is_empty() {
            return;
        }
        let req = SupplyPush {
            device: self.devices[device].device,
            changes: batch.clone(),
        };
        let res = self.server.push(&self.people[device], &req, self.now_ms);
        if !lose_answer {
            self.devices[device].on_push(&batch, &res.results);
        }
    }

    fn pull(&mut self, device: usize, limit: usize, twice: bool) {
        let cursor = self.devices[device].cursor;
        let page = self.server.pull(&self.people[device], cursor, limit);
        self.devices[device].on_pull(&page, self.now_ms);
        if twice {
            self.devices[device].on_pull(&page, self.now_ms);
        } else {
            // As the client does after each sync; a page taken twice
            // leaves it for later, so both paths are walked.
            self.devices[device].trim();
        }
    }

    fn settle(&mut self) {
        for _ in 0..1_000 {
            for d in 0..3 {
                self.push(d, 5, false);
                self.pull(d, 5, false);
            }
            let last = self.server.stream.len() as u64;
            if self
                .devices
                .iter()
                .all(|d| d.pending() == 0 && d.cursor == last)
            {
                return;
            }
        }
        panic!("sync never settled");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn supplies_sync_exactly_once_and_converge(steps in proptest::collection::vec(step(), 1..60)) {
        let mut w = World::new();
        for s in steps {
            match s {
                Step::Record { device, kind, a, b, unit, blind } => {
                    w.record(device, kind, a, b, UNITS[unit], blind)
                }
                Step::Push { device, max, lose_answer } => w.push(device, max, lose_answer),
                Step::Pull { device, limit, twice } => w.pull(device, limit, twice),
            }
        }
        // What each device recorded, before sync settles.
        let recorded: Vec<Vec<Id>> = w
            .devices
            .iter()
            .map(|d| d.held.iter().filter(|h| h.change.device == d.device).map(|h| h.change.id).collect())
            .collect();
        w.settle();

        // Stored once: no id and no (device, seq) twice in the stream.
        let mut ids = HashSet::new();
        let mut pairs = HashSet::new();
        for p in &w.server.stream {
            prop_assert!(ids.insert(p.change.id));
            prop_assert!(pairs.insert((p.change.device, p.change.seq)));
        }
        // Nothing lost: each recorded change is stored, or refused and
        // still held on its device for a person. A device lets go only of
        // what the server stored.
        for (d, mine) in recorded.iter().enumerate() {
            for change in mine {
                let held = w.devices[d].held.iter().find(|h| h.change.id == *change);
                match held {
                    Some(h) => prop_assert_eq!(ids.contains(change), h.synced.is_some()),
                    None => prop_assert!(ids.contains(change), "a change dropped unstored"),
                }
                prop_assert!(ids.contains(change) || held.is_some_and(|h| h.refused.is_some()));
            }
        }
        // Every device shows each unit it keeps as the server's changes
        // fold, whether it trimmed its history or not.
        let units = UnitIndex::default();
        for (d, device) in w.devices.iter().enumerate() {
            for unit in UNITS {
                if sees(&w.people[d], unit, &units) {
                    let (mine, all) = (device.book(unit), w.server.book(unit));
                    prop_assert_eq!(mine.shown(), all.shown(), "{} on {}", d, unit);
                } else {
                    let others = device.held.iter().filter(|h| h.change.unit == unit && h.change.device != device.device);
                    prop_assert_eq!(others.count(), 0, "a unit not kept is never sent");
                }
            }
        }
        // The rules were exercised: refusals are the roles' or the units'.
        let reasons: BTreeMap<&str, usize> = w.devices.iter().flat_map(|d| d.refused()).fold(
            BTreeMap::new(),
            |mut m, h| {
                *m.entry(h.refused.as_ref().unwrap().error.as_str()).or_default() += 1;
                m
            },
        );
        prop_assert!(reasons.keys().all(|k| *k == "forbidden"), "{:?}", reasons);
    }
}

/// A device that saw nothing of another's count in the same round keeps
/// both after sync, on every device: the conflict to settle.
#[test]
fn a_blind_count_in_the_same_round_is_a_conflict_everywhere() {
    let mut w = World::new();
    w.record(0, 0, 1, 5, "Ward 7", false);
    w.record(0, 1, 0, 0, "Ward 7", false);
    w.settle();
    w.record(1, 2, 1, 3, "Ward 7", true);
    w.record(2, 2, 1, 4, "Ward 7", true);
    w.settle();
    for d in &w.devices {
        let book = d.book("Ward 7");
        assert_eq!(book.conflicts.len(), 1, "{:?}", book.conflicts);
    }
    assert_eq!(w.server.book("Ward 7").conflicts.len(), 1);
}
