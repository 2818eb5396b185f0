use chrono::TimeZone;
use proptest::prelude::*;

use super::*;
use crate::api::ApiError;
use crate::supplies::change::{ItemSet, Line};
use crate::supplies::replica::{Held, ROUNDS_KEPT, SupplyReplica};
use crate::supplies::schedule::Every;

fn id(n: u64) -> Id {
    Id::new_v7(1_800_000_000_000 + n, [n as u8; 10])
}

fn at(minute: u64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000 + minute as i64 * 60, 0)
        .unwrap()
}

/// A change by `by` at clock `wall` (minutes), numbered `n`.
fn ch(n: u64, by: &str, wall: u64, op: SupplyOp) -> SupplyChange {
    SupplyChange {
        id: id(n),
        unit: "Ward 7".into(),
        device: id(900 + by.len() as u64),
        seq: n,
        hlc: Timestamp {
            wall_ms: 1_800_000_000_000 + wall * 60_000,
            counter: 0,
            node: by.len() as u64,
        },
        by: by.into(),
        at: at(wall),
        op,
    }
}

fn supply(n: u64, name: &str, par: u32, alert: u32) -> Item {
    Item {
        id: id(n),
        kind: Kind::Supply,
        name: name.into(),
        count_unit: "each".into(),
        par,
        alert,
        location: String::new(),
        every: None,
        retired: false,
    }
}

fn add(n: u64, item: Item) -> SupplyChange {
    ch(
        n,
        "mia",
        0,
        SupplyOp::AddItem {
            item: Box::new(item),
        },
    )
}

fn count(
    n: u64,
    by: &str,
    wall: u64,
    round: u64,
    item: u64,
    value: u32,
    base: Option<u64>,
) -> SupplyChange {
    ch(
        n,
        by,
        wall,
        SupplyOp::Count {
            round: id(round),
            item: id(item),
            count: value,
            base: base.map(id),
            settles: vec![],
        },
    )
}

fn round(n: u64, by: &str, wall: u64) -> SupplyChange {
    ch(n, by, wall, SupplyOp::StartRound { round: id(n) })
}

#[test]
fn two_people_counting_one_item_in_one_round_keep_both() {
    let log = vec![
        add(1, supply(10, "Blankets", 24, 6)),
        round(2, "ana", 5),
        count(3, "ana", 6, 2, 10, 7, None),
        count(4, "ben", 7, 2, 10, 9, None),
    ];
    let book = Book::fold(&log);
    assert_eq!(book.last_counts()[&id(10)].count, 9);
    assert_eq!(book.conflicts.len(), 1);
    let Conflict::Count { kept, lost, .. } = &book.conflicts[0] else {
        panic!("a count conflict")
    };
    assert_eq!((kept.value, lost.value), (9, 7));
    assert_eq!((kept.by.as_str(), lost.by.as_str()), ("ben", "ana"));
    // Settled by a count that names the lost one: no conflict after.
    let mut settled = log.clone();
    settled.push(ch(
        5,
        "ana",
        8,
        SupplyOp::Count {
            round: id(2),
            item: id(10),
            count: 7,
            base: Some(id(4)),
            settles: vec![id(3)],
        },
    ));
    let book = Book::fold(&settled);
    assert!(book.conflicts.is_empty(), "{:?}", book.conflicts);
    assert_eq!(book.last_counts()[&id(10)].count, 7);
}

#[test]
fn a_recount_that_saw_the_first_and_the_same_count_twice_are_not_conflicts() {
    let log = vec![
        add(1, supply(10, "Blankets", 24, 6)),
        round(2, "ana", 5),
        count(3, "ana", 6, 2, 10, 7, None),
        count(4, "ben", 7, 2, 10, 8, Some(3)),
        count(5, "cy", 8, 2, 10, 8, None),
    ];
    let book = Book::fold(&log);
    assert!(book.conflicts.is_empty(), "{:?}", book.conflicts);
    assert_eq!(book.last_counts()[&id(10)].count, 8);
}

#[test]
fn counts_in_different_rounds_follow_each_other_in_time() {
    let log = vec![
        add(1, supply(10, "Gowns", 20, 5)),
        round(2, "ana", 5),
        round(3, "ben", 6),
        count(4, "ana", 7, 2, 10, 3, None),
        count(5, "ben", 8, 3, 10, 12, None),
    ];
    let book = Book::fold(&log);
    assert!(book.conflicts.is_empty());
    assert_eq!(book.last_counts()[&id(10)].count, 12);
    assert_eq!(book.counts.len(), 2);
    assert_eq!(
        book.level(book.item(id(10)).unwrap()),
        Some(Level::BelowPar)
    );
}

#[test]
fn managers_editing_one_item_keep_both_fields_and_cross_on_one() {
    let log = vec![
        add(1, supply(10, "Gowns", 20, 5)),
        ch(
            2,
            "mia",
            5,
            SupplyOp::SetItem {
                item: id(10),
                sets: vec![ItemSet {
                    value: ItemValue::Par(30),
                    base: Some(id(1)),
                }],
                settles: vec![],
            },
        ),
        ch(
            3,
            "max",
            6,
            SupplyOp::SetItem {
                item: id(10),
                sets: vec![
                    ItemSet {
                        value: ItemValue::Location("Store B".into()),
                        base: Some(id(1)),
                    },
                    ItemSet {
                        value: ItemValue::Par(25),
                        base: Some(id(1)),
                    },
                ],
                settles: vec![],
            },
        ),
    ];
    let book = Book::fold(&log);
    let item = book.item(id(10)).unwrap();
    assert_eq!((item.par, item.location.as_str()), (25, "Store B"));
    assert_eq!(book.conflicts.len(), 1);
    assert!(matches!(
        &book.conflicts[0],
        Conflict::Field { lost, .. } if lost.value == ItemValue::Par(30)
    ));
}

#[test]
fn below_par_lines_and_a_fill() {
    let ask = Request {
        id: id(50),
        to: "Linen services".into(),
        lines: vec![Line {
            item: id(10),
            name: "Blankets".into(),
            count_unit: "each".into(),
            have: 4,
            want: 20,
        }],
        note: String::new(),
    };
    let mut log = vec![
        add(1, supply(10, "Blankets", 24, 6)),
        add(2, supply(11, "Socks", 30, 10)),
        add(3, supply(12, "Jugs", 12, 2)),
        round(4, "ana", 5),
        count(5, "ana", 6, 4, 10, 4, None),
        count(6, "ana", 6, 4, 11, 30, None),
    ];
    let book = Book::fold(&log);
    let lines = book.below_par();
    assert_eq!(lines.len(), 1, "never counted jugs are not guessed at");
    assert_eq!((lines[0].have, lines[0].want), (4, 20));
    log.push(ch(
        7,
        "ana",
        9,
        SupplyOp::Request {
            request: Box::new(ask),
        },
    ));
    assert_eq!(Book::fold(&log).open_requests().count(), 1);
    log.push(ch(8, "ben", 60, SupplyOp::Fill { request: id(50) }));
    log.push(ch(9, "cy", 61, SupplyOp::Fill { request: id(50) }));
    let book = Book::fold(&log);
    assert_eq!(book.open_requests().count(), 0);
    assert_eq!(book.requests[0].filled.as_ref().unwrap().0, "ben");
}

#[test]
fn equipment_checks_due_by_schedule() {
    let chair = Item {
        kind: Kind::Equipment,
        every: Some(Every::Weekly),
        ..supply(20, "Wheelchair 3", 0, 0)
    };
    let tv = Item {
        kind: Kind::Equipment,
        every: Some(Every::Daily),
        ..supply(21, "Television, room 4", 0, 0)
    };
    let log = vec![
        add(1, chair),
        add(2, tv),
        ch(
            3,
            "ana",
            0,
            SupplyOp::Check {
                item: id(20),
                working: false,
                note: "Brake sticks".into(),
            },
        ),
    ];
    let book = Book::fold(&log);
    let today = at(0).date_naive();
    let due = book.checks_due(today, |_| 0);
    assert_eq!(due.len(), 1, "the television was never checked");
    assert_eq!(due[0].1, Due::Never);
    let week = today + chrono::Days::new(7);
    assert_eq!(book.checks_due(week, |_| 0).len(), 2);
    assert!(!book.last_check(id(20)).unwrap().working);
}

#[test]
fn a_second_person_joins_todays_round() {
    let log = vec![round(1, "ana", 5), round(2, "ben", 60 * 24 * 2)];
    let book = Book::fold(&log);
    let today = at(5).date_naive();
    assert_eq!(book.round_of(today, |_| 0).unwrap().id, id(1));
    assert!(book.round_of(today + chrono::Days::new(1), |_| 0).is_none());
}

/// A random unit's changes from three people: a manager's list, rounds,
/// counts with and without a base, field edits, checks, requests, fills.
fn changes() -> impl Strategy<Value = Vec<SupplyChange>> {
    changes_over(3)
}

/// As [`changes`], over `rounds` rounds.
fn changes_over(rounds: u64) -> impl Strategy<Value = Vec<SupplyChange>> {
    let op = (
        0u8..7,
        0u64..4,
        0u64..rounds,
        0u32..6,
        proptest::option::of(0u64..40),
        0u64..60,
        0usize..3,
    );
    proptest::collection::vec(op, 1..(40 + 4 * rounds as usize)).prop_map(|ops| {
        let people = ["mia", "ana", "ben"];
        ops.into_iter()
            .enumerate()
            .map(|(n, (kind, item, rnd, value, base, wall, who))| {
                let n = n as u64 + 100;
                let by = people[who];
                let item_id = id(item + 10);
                let op = match kind {
                    0 => SupplyOp::AddItem {
                        item: Box::new(supply(item + 10, "Item", 10 + value, value)),
                    },
                    1 => SupplyOp::StartRound { round: id(rnd + 1) },
                    2 | 3 => SupplyOp::Count {
                        round: id(rnd + 1),
                        item: item_id,
                        count: value,
                        base: base.map(|b| id(b + 100)),
                        settles: base
                            .filter(|b| b % 3 == 0)
                            .map(|b| id(b + 100))
                            .into_iter()
                            .collect(),
                    },
                    4 => SupplyOp::SetItem {
                        item: item_id,
                        sets: vec![ItemSet {
                            value: if value % 2 == 0 {
                                ItemValue::Par(value + 5)
                            } else {
                                ItemValue::Location(format!("Shelf {value}"))
                            },
                            base: base.map(|b| id(b + 100)),
                        }],
                        settles: vec![],
                    },
                    5 => SupplyOp::Check {
                        item: item_id,
                        working: value % 2 == 0,
                        note: String::new(),
                    },
                    _ if value % 2 == 0 => SupplyOp::Request {
                        request: Box::new(Request {
                            id: id(rnd + 60),
                            to: "Stores".into(),
                            lines: vec![],
                            note: String::new(),
                        }),
                    },
                    _ => SupplyOp::Fill {
                        request: id(rnd + 60),
                    },
                };
                ch(n, by, wall, op)
            })
            .collect()
    })
}

proptest! {
    /// Two replicas holding the same changes, received in any order and
    /// any number of times, show the same supplies.
    #[test]
    fn the_fold_is_a_function_of_the_set(log in changes(), seed in any::<u64>()) {
        let once = Book::fold(&log);
        let mut shuffled = log.clone();
        shuffled.extend(log.iter().step_by(3).cloned());
        let mut rng = crate::sample::Rng::new(seed);
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        prop_assert_eq!(Book::fold(&shuffled), once);
    }

    /// Whatever crossed, every count set is either current or one side of
    /// a conflict or settled or agreed or overwritten knowingly: the
    /// current count of a (round, item) is the last one in clock order.
    #[test]
    fn the_last_count_in_clock_order_stands(log in changes()) {
        let book = Book::fold(&log);
        let mut last: BTreeMap<(Id, Id), &SupplyChange> = BTreeMap::new();
        for c in &log {
            if let SupplyOp::Count { round, item, .. } = &c.op {
                let e = last.entry((*round, *item)).or_insert(c);
                if order(c) > order(e) {
                    *e = c;
                }
            }
        }
        prop_assert_eq!(book.counts.len(), last.len());
        for count in &book.counts {
            prop_assert_eq!(count.change, last[&(count.round, count.item)].id);
        }
        for conflict in &book.conflicts {
            if let Conflict::Count { kept, lost, .. } = conflict {
                prop_assert!(kept.value != lost.value);
            }
        }
    }
}

/// A device holding `log`, each change stored on the server unless
/// `flags` says refused (2) or not yet sent (1 or 3).
fn device(log: &[SupplyChange], flags: &[u8]) -> SupplyReplica {
    let mut r = SupplyReplica::new(id(901));
    for (n, c) in log.iter().enumerate() {
        let f = flags.get(n).copied().unwrap_or(0);
        r.held.push(Held {
            change: c.clone(),
            synced: (f == 0).then_some(n as u64 + 1),
            refused: (f == 2).then(|| ApiError::new("forbidden", "Not yours")),
        });
    }
    r
}

#[test]
fn a_count_in_another_round_closes_a_crossing() {
    let mut log = vec![add(1, supply(10, "Gowns", 20, 5)), round(2, "ana", 5)];
    log.push(count(3, "ana", 10, 2, 10, 8, None));
    log.push(count(4, "ben", 11, 2, 10, 9, None));
    assert_eq!(Book::fold(&log).conflicts.len(), 1, "counted twice blind");
    log.push(round(5, "ana", 60 * 24));
    log.push(count(6, "ana", 60 * 24 + 1, 5, 10, 12, None));
    let book = Book::fold(&log);
    assert!(book.conflicts.is_empty(), "{:?}", book.conflicts);
    assert_eq!(book.last_counts()[&id(10)].count, 12);
    // The older round's count is no longer "this round's".
    assert!(book.count_in(id(2), id(10)).is_none());
    assert_eq!(book.count_in(id(5), id(10)).unwrap().count, 12);
    // Counted again blind in the first round after that: a new run, with
    // nothing to cross.
    log.push(count(7, "ben", 60 * 24 + 2, 2, 10, 3, None));
    let book = Book::fold(&log);
    assert!(book.conflicts.is_empty(), "{:?}", book.conflicts);
    assert_eq!(book.count_in(id(2), id(10)).unwrap().count, 3);
}

/// Ten days of rounds on a device, all stored: it keeps the list, each
/// item's last run, last check and open requests, and the latest rounds,
/// and shows what it showed.
#[test]
fn a_device_trims_what_the_server_keeps() {
    let mut log = vec![
        add(1, supply(10, "Gowns", 20, 5)),
        add(2, supply(11, "Socks", 20, 5)),
    ];
    let mut n = 100;
    for day in 0..10 {
        let wall = day * 60 * 24;
        let r = n;
        log.push(round(r, "ana", wall));
        for item in [10, 11] {
            n += 1;
            log.push(count(n, "ana", wall + 1, r, item, day as u32, None));
        }
        n += 1;
        let check = SupplyOp::Check {
            item: id(11),
            working: true,
            note: String::new(),
        };
        log.push(ch(n, "ana", wall + 2, check));
        n += 1;
    }
    let asked = |n: u64, request: u64| {
        let request = Box::new(Request {
            id: id(request),
            to: "Stores".into(),
            lines: vec![],
            note: String::new(),
        });
        ch(n, "ana", 5, SupplyOp::Request { request })
    };
    log.push(asked(500, 600));
    log.push(asked(501, 601));
    log.push(ch(502, "ben", 6, SupplyOp::Fill { request: id(600) }));
    let mut r = device(&log, &[]);
    let before = r.book("Ward 7");
    let dropped = r.trim();
    let after = r.book("Ward 7");
    assert_eq!(after.shown(), before.shown());
    // 2 items, 7 rounds, each item's last count and the one before it, 1
    // last check, 1 open request.
    assert_eq!(
        r.held.len(),
        2 + ROUNDS_KEPT + 2 * 2 + 1 + 1,
        "{dropped} dropped"
    );
    assert_eq!(r.trim(), 0, "trimming twice drops nothing more");
}

proptest! {
    /// Trimming never changes what a device shows, whatever it holds
    /// unsent or refused, and never lets go of anything not stored.
    #[test]
    fn trimming_shows_the_same(log in changes_over(12), flags in proptest::collection::vec(0u8..4, 0..100)) {
        let mut r = device(&log, &flags);
        let before = r.book("Ward 7");
        let all = r.held.clone();
        r.trim();
        let after = r.book("Ward 7");
        prop_assert_eq!(after.shown(), before.shown());
        for h in all.iter().filter(|h| h.synced.is_none() || h.refused.is_some()) {
            prop_assert!(r.held.contains(h), "kept until stored");
        }
    }
}
