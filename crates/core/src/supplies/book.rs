//! A unit's supplies: the fold of its [`SupplyChange`]s, a pure function of
//! their set (any order, any duplicates), as a case is of its log.
//!
//! - Items, rounds, requests and checks are added once by id. Checks are
//!   append-only: two people checking the same wheelchair both stay.
//! - Each item field and each item's count in a round is last-writer-wins
//!   on its own, in `(hlc, id)` order, with a `base`: a value set while its
//!   author saw another (or none) is kept as a visible conflict, as a case
//!   field is. Two people counting the same item in the same round without
//!   seeing each other's count keep both; counts in different rounds are
//!   never in conflict, they follow each other in time. An item counted in
//!   another round since closes its crossings: only its last *run* (its
//!   latest counts, all in one round) can be in conflict, so a device may
//!   drop the older runs and still show exactly what the server folds
//!   ([`SupplyReplica::trim`](super::replica::SupplyReplica::trim)).
//! - A fill marks a request filled once: the first fill counts.
//! - Items, rounds and requests are applied before any set, count or fill,
//!   so an edit under a skewed clock still lands on what it names.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::change::{Request, SupplyChange, SupplyOp};
use super::item::{Item, ItemValue, Kind};
use super::level::{Level, to_par};
use super::schedule::{Due, due, local_day};
use crate::hlc::Timestamp;
use crate::id::Id;

/// Who set a value, when, by which change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side<V> {
    pub value: V,
    pub change: Id,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Two values set without seeing each other, until a person settles it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// An item field.
    Field {
        item: Id,
        kept: Side<ItemValue>,
        lost: Side<ItemValue>,
    },
    /// One item's count in one round.
    Count {
        round: Id,
        item: Id,
        kept: Side<u32>,
        lost: Side<u32>,
    },
}

impl Conflict {
    pub fn item(&self) -> Id {
        match self {
            Conflict::Field { item, .. } | Conflict::Count { item, .. } => *item,
        }
    }

    /// The id of the change whose value was overwritten: what a change
    /// that settles it names.
    pub fn lost_change(&self) -> Id {
        match self {
            Conflict::Field { lost, .. } => lost.change,
            Conflict::Count { lost, .. } => lost.change,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Round {
    pub id: Id,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// An item's count in a round, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub round: Id,
    pub item: Id,
    pub count: u32,
    /// The change that set it: the `base` of the next count.
    pub change: Id,
    pub by: String,
    pub at: DateTime<Utc>,
    hlc: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDone {
    pub change: Id,
    pub item: Id,
    pub working: bool,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub request: Request,
    pub by: String,
    pub at: DateTime<Utc>,
    /// Who marked it filled, and when.
    pub filled: Option<(String, DateTime<Utc>)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Book {
    /// In the order they were added.
    pub items: Vec<Item>,
    /// Oldest first.
    pub rounds: Vec<Round>,
    /// Each item's count in each round, oldest first.
    pub counts: Vec<Count>,
    /// Oldest first.
    pub checks: Vec<CheckDone>,
    /// Oldest first.
    pub requests: Vec<Asked>,
    pub conflicts: Vec<Conflict>,
    /// The change that set each item field as it stands (item, field): the
    /// `base` of the next edit of that field.
    pub setters: BTreeMap<(Id, &'static str), Id>,
}

/// See [`Book::shown`].
#[derive(Debug, PartialEq, Eq)]
pub struct Shown<'a> {
    pub items: &'a [Item],
    pub setters: &'a BTreeMap<(Id, &'static str), Id>,
    pub conflicts: &'a [Conflict],
    /// Each item's last count, oldest first.
    pub counts: Vec<&'a Count>,
    /// Each item's last check, oldest first.
    pub checks: Vec<&'a CheckDone>,
    pub open: Vec<&'a Asked>,
    /// The last [`ROUNDS_KEPT`](super::replica::ROUNDS_KEPT).
    pub rounds: &'a [Round],
}

/// The order of concurrent changes: their clocks, then their ids.
fn order(c: &SupplyChange) -> (Timestamp, Id) {
    (c.hlc, c.id)
}

fn side<V>(value: V, c: &SupplyChange) -> Side<V> {
    Side {
        value,
        change: c.id,
        by: c.by.clone(),
        at: c.at,
    }
}

/// A field's or a count's value as it stands, and the crossings seen.
struct Merge<K, V> {
    current: BTreeMap<K, Side<V>>,
    crossed: Vec<(K, Side<V>)>,
}

impl<K: Ord + Clone, V: Clone + PartialEq> Merge<K, V> {
    fn new() -> Self {
        Merge {
            current: BTreeMap::new(),
            crossed: Vec::new(),
        }
    }

    fn set(&mut self, key: K, value: V, base: Option<Id>, c: &SupplyChange) {
        if let Some(current) = self.current.get(&key)
            && base != Some(current.change)
            && current.value != value
        {
            self.crossed.push((key.clone(), current.clone()));
        }
        self.current.insert(key, side(value, c));
    }

    /// The crossings still open: not settled, and the sides still differ.
    fn open(&self, settled: &HashSet<Id>) -> impl Iterator<Item = (&K, &Side<V>, &Side<V>)> {
        self.crossed.iter().filter_map(move |(key, lost)| {
            let kept = &self.current[key];
            (!settled.contains(&lost.change) && kept.value != lost.value)
                .then_some((key, kept, lost))
        })
    }
}

impl Book {
    /// The unit's supplies from its changes, whatever their order.
    pub fn fold<'a>(changes: impl IntoIterator<Item = &'a SupplyChange>) -> Book {
        let mut seen = HashSet::new();
        let mut all: Vec<&SupplyChange> =
            changes.into_iter().filter(|c| seen.insert(c.id)).collect();
        crate::order::sort_by_key(&mut all, |c| order(c));
        let mut book = Book::default();
        let mut item_at: HashMap<Id, usize> = HashMap::new();
        let mut rounds = BTreeSet::new();
        let mut request_at: HashMap<Id, usize> = HashMap::new();
        let mut fields: Merge<(Id, &'static str), ItemValue> = Merge::new();
        for c in &all {
            match &c.op {
                SupplyOp::AddItem { item } if !item_at.contains_key(&item.id) => {
                    item_at.insert(item.id, book.items.len());
                    for field in ItemValue::FIELDS {
                        if let Some(v) = ItemValue::read(item, field) {
                            fields.current.insert((item.id, v.field()), side(v, c));
                        }
                    }
                    book.items.push((**item).clone());
                }
                SupplyOp::StartRound { round } if rounds.insert(*round) => {
                    book.rounds.push(Round {
                        id: *round,
                        by: c.by.clone(),
                        at: c.at,
                    });
                }
                SupplyOp::Request { request } if !request_at.contains_key(&request.id) => {
                    request_at.insert(request.id, book.requests.len());
                    book.requests.push(Asked {
                        request: (**request).clone(),
                        by: c.by.clone(),
                        at: c.at,
                        filled: None,
                    });
                }
                SupplyOp::Check {
                    item,
                    working,
                    note,
                } => book.checks.push(CheckDone {
                    change: c.id,
                    item: *item,
                    working: *working,
                    note: note.clone(),
                    by: c.by.clone(),
                    at: c.at,
                }),
                _ => {}
            }
        }
        let mut counts: Merge<(Id, Id), u32> = Merge::new();
        let mut count_hlc: HashMap<Id, Timestamp> = HashMap::new();
        // The round of each item's current run of counts.
        let mut run: HashMap<Id, Id> = HashMap::new();
        let mut settled = HashSet::new();
        for c in &all {
            match &c.op {
                SupplyOp::SetItem {
                    item,
                    sets,
                    settles,
                } => {
                    let Some(&at) = item_at.get(item) else {
                        continue;
                    };
                    for set in sets {
                        fields.set((*item, set.value.field()), set.value.clone(), set.base, c);
                        set.value.clone().apply_to(&mut book.items[at]);
                    }
                    settled.extend(settles);
                }
                SupplyOp::Count {
                    round,
                    item,
                    count,
                    base,
                    settles,
                } => {
                    if run.insert(*item, *round) != Some(*round) {
                        // A new run: what crossed before is closed by this
                        // later count of the shelf, and an earlier run in
                        // this same round is not what this count saw.
                        counts.crossed.retain(|((_, i), _)| i != item);
                        counts.current.remove(&(*round, *item));
                    }
                    counts.set((*round, *item), *count, *base, c);
                    count_hlc.insert(c.id, c.hlc);
                    settled.extend(settles);
                }
                SupplyOp::Fill { request } => {
                    if let Some(&at) = request_at.get(request) {
                        let asked = &mut book.requests[at];
                        asked.filled.get_or_insert((c.by.clone(), c.at));
                    }
                }
                _ => {}
            }
        }
        book.setters =
            crate::order::map_of(fields.current.iter().map(|(key, side)| (*key, side.change)));
        for ((item, _), kept, lost) in fields.open(&settled) {
            book.conflicts.push(Conflict::Field {
                item: *item,
                kept: kept.clone(),
                lost: lost.clone(),
            });
        }
        for ((round, item), kept, lost) in counts.open(&settled) {
            book.conflicts.push(Conflict::Count {
                round: *round,
                item: *item,
                kept: kept.clone(),
                lost: lost.clone(),
            });
        }
        book.counts = counts
            .current
            .into_iter()
            .map(|((round, item), s)| Count {
                round,
                item,
                count: s.value,
                hlc: count_hlc[&s.change],
                change: s.change,
                by: s.by,
                at: s.at,
            })
            .collect();
        crate::order::sort_by_key(&mut book.counts, |c| (c.hlc, c.change));
        book
    }

    pub fn item(&self, id: Id) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    /// The items on the list now, supplies then equipment, each in the
    /// order added.
    pub fn listed(&self) -> impl Iterator<Item = &Item> {
        let on = |kind| {
            self.items
                .iter()
                .filter(move |i| !i.retired && i.kind == kind)
        };
        on(Kind::Supply).chain(on(Kind::Equipment))
    }

    /// Each item's last count, whatever the round.
    pub fn last_counts(&self) -> HashMap<Id, &Count> {
        // Oldest first: a later count replaces an earlier one.
        self.counts.iter().map(|c| (c.item, c)).collect()
    }

    /// The count of `item` in `round`, if its last count is there: counted
    /// in another round since, it is counted afresh (the base of the next
    /// count, and "counted in this round" on the page).
    pub fn count_in(&self, round: Id, item: Id) -> Option<&Count> {
        self.counts
            .iter()
            .rev()
            .find(|c| c.item == item)
            .filter(|c| c.round == round)
    }

    /// The round to count in: the latest one begun on `today` (local day),
    /// which a second person joins rather than starting another.
    pub fn round_of(
        &self,
        today: NaiveDate,
        offset: impl Fn(DateTime<Utc>) -> i32,
    ) -> Option<&Round> {
        self.rounds
            .iter()
            .rev()
            .find(|r| local_day(r.at, &offset) == today)
    }

    /// What the unit should ask for: each listed supply whose last count
    /// is below par, with how many bring it back to par. Items never
    /// counted are not guessed at.
    pub fn below_par(&self) -> Vec<super::change::Line> {
        let last = self.last_counts();
        self.listed()
            .filter(|i| i.kind == Kind::Supply)
            .filter_map(|i| {
                let have = last.get(&i.id)?.count;
                let want = to_par(i, have);
                (want > 0).then(|| super::change::Line {
                    item: i.id,
                    name: i.name.clone(),
                    count_unit: i.count_unit.clone(),
                    have,
                    want,
                })
            })
            .collect()
    }

    /// A supply's level by its last count.
    pub fn level(&self, item: &Item) -> Option<Level> {
        let last = self.counts.iter().rev().find(|c| c.item == item.id)?;
        Some(Level::of(item, last.count))
    }

    /// An item's last check.
    pub fn last_check(&self, item: Id) -> Option<&CheckDone> {
        self.checks.iter().rev().find(|c| c.item == item)
    }

    /// Each listed piece of equipment whose check is due on `today`.
    pub fn checks_due(
        &self,
        today: NaiveDate,
        offset: impl Fn(DateTime<Utc>) -> i32,
    ) -> Vec<(&Item, Due)> {
        self.listed()
            .filter_map(|i| {
                let every = i.every?;
                let last = self.last_check(i.id).map(|c| local_day(c.at, &offset));
                let d = due(every, last, today);
                d.is_due().then_some((i, d))
            })
            .collect()
    }

    /// What a tablet shows of the unit: the list and its crossings, each
    /// item's last count (and its run's crossings), last check and the
    /// open requests, and the latest rounds. The same for a device that
    /// trimmed what the server stored ([`SupplyReplica::trim`]) as for the
    /// server's whole stream: what the Ward page draws is made of these.
    ///
    /// [`SupplyReplica::trim`]: super::replica::SupplyReplica::trim
    pub fn shown(&self) -> Shown<'_> {
        let last = self.last_counts();
        let mut checked = HashSet::new();
        let mut checks: Vec<&CheckDone> = self
            .checks
            .iter()
            .rev()
            .filter(|c| checked.insert(c.item))
            .collect();
        checks.reverse();
        let from = self
            .rounds
            .len()
            .saturating_sub(super::replica::ROUNDS_KEPT);
        Shown {
            items: &self.items,
            setters: &self.setters,
            conflicts: &self.conflicts,
            counts: self
                .counts
                .iter()
                .filter(|c| last.get(&c.item).is_some_and(|l| l.change == c.change))
                .collect(),
            checks,
            open: self.open_requests().collect(),
            rounds: &self.rounds[from..],
        }
    }

    /// Requests not yet filled, oldest first.
    pub fn open_requests(&self) -> impl Iterator<Item = &Asked> {
        self.requests.iter().filter(|r| r.filled.is_none())
    }
}

#[cfg(test)]
mod tests;
