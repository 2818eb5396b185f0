//! A unit's supplies over time, for the manager: counts over time, how
//! long requests waited to be filled, and the items that keep running out,
//! with the suggestion to raise their par level.
//!
//! Par levels drift: set once, they are rarely reviewed against use. An
//! item that ran out [`RAISE_PAR_AFTER`] times or more in one calendar
//! month is listed with that suggestion (issue 17).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::book::Book;
use super::item::Kind;
use super::level::Level;
use super::schedule::local_day;
use crate::id::Id;

/// Running out this many times in a month suggests a higher par level.
pub const RAISE_PAR_AFTER: u32 = 3;

/// An item's counts, oldest first: one per round it was counted in.
pub fn series(book: &Book, item: Id) -> Vec<(DateTime<Utc>, u32)> {
    book.counts
        .iter()
        .filter(|c| c.item == item)
        .map(|c| (c.at, c.count))
        .collect()
}

/// A request and how long it waited to be filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Refill {
    pub request: Id,
    pub to: String,
    #[serde(with = "crate::wire_time::utc")]
    pub asked: DateTime<Utc>,
    #[serde(with = "crate::wire_time::utc")]
    pub filled: DateTime<Utc>,
    /// From asking to filling.
    pub minutes: u64,
}
crate::record!(Refill);

/// The filled requests, each with its wait, oldest first.
pub fn refills(book: &Book) -> Vec<Refill> {
    book.requests
        .iter()
        .filter_map(|r| {
            let (_, filled) = r.filled.as_ref()?;
            Some(Refill {
                request: r.request.id,
                to: r.request.to.clone(),
                asked: r.at,
                filled: *filled,
                minutes: (*filled - r.at).num_minutes().max(0) as u64,
            })
        })
        .collect()
}

/// The median of `hours`, if any.
pub fn median(mut hours: Vec<f64>) -> Option<f64> {
    if hours.is_empty() {
        return None;
    }
    crate::order::sort_by(&mut hours, f64::total_cmp);
    let n = hours.len();
    Some(if n % 2 == 1 {
        hours[n / 2]
    } else {
        (hours[n / 2 - 1] + hours[n / 2]) / 2.0
    })
}

/// How often one item ran out in one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct StockOuts {
    pub item: Id,
    pub name: String,
    /// The month's first day.
    #[serde(with = "crate::wire_time::day")]
    pub month: NaiveDate,
    pub times: u32,
    pub par: u32,
}
crate::record!(StockOuts);

impl StockOuts {
    /// The suggestion, when it ran out often enough to make one.
    pub fn suggestion(&self, unit: &str) -> Option<String> {
        (self.times >= RAISE_PAR_AFTER).then(|| {
            format!(
                "{} on {unit} ran out {} times in {}: consider raising its par level above {}.",
                self.name,
                self.times,
                crate::dates::month_and_year(self.month),
                self.par
            )
        })
    }
}

/// Each supply's stock-outs by month (local days, with the offset in force
/// at each count). Running out is a count of zero after a count above
/// zero, or a first count of zero: an empty shelf counted on every round
/// of a week ran out once.
pub fn stock_outs(book: &Book, offset: impl Fn(DateTime<Utc>) -> i32) -> Vec<StockOuts> {
    let mut out: Vec<StockOuts> = Vec::new();
    for item in book.items.iter().filter(|i| i.kind == Kind::Supply) {
        let mut before: Option<u32> = None;
        for c in book.counts.iter().filter(|c| c.item == item.id) {
            if c.count == 0 && before != Some(0) {
                let day = local_day(c.at, &offset);
                let month = day.with_day(1).unwrap_or(day);
                match out
                    .iter_mut()
                    .find(|s| s.item == item.id && s.month == month)
                {
                    Some(s) => s.times += 1,
                    None => out.push(StockOuts {
                        item: item.id,
                        name: item.name.clone(),
                        month,
                        times: 1,
                        par: item.par,
                    }),
                }
            }
            before = Some(c.count);
        }
    }
    out
}

/// A listed supply below par by its last count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Below {
    pub name: String,
    pub have: u32,
    pub par: u32,
    pub level: Level,
}
crate::record!(Below);

/// A unit's supplies in a report: what is below par now, the requests
/// filled in the period with their waits, the stock-outs of the period's
/// months, and the requests still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct UnitFigures {
    pub unit: String,
    pub below: Vec<Below>,
    pub refills: Vec<Refill>,
    pub stock_outs: Vec<StockOuts>,
    pub open_requests: u32,
}
crate::record!(UnitFigures);

/// `unit`'s figures for the days `from` to `to` (local days, both
/// included): refills asked in the period, stock-outs in its months.
pub fn figures(
    unit: &str,
    book: &Book,
    from: NaiveDate,
    to: NaiveDate,
    offset: impl Fn(DateTime<Utc>) -> i32,
) -> UnitFigures {
    let within = |at: DateTime<Utc>| (from..=to).contains(&local_day(at, &offset));
    let first_month = from.with_day(1).unwrap_or(from);
    UnitFigures {
        unit: unit.to_owned(),
        below: below_par(book),
        refills: refills(book)
            .into_iter()
            .filter(|r| within(r.asked))
            .collect(),
        stock_outs: stock_outs(book, &offset)
            .into_iter()
            .filter(|s| s.month >= first_month && s.month <= to)
            .collect(),
        open_requests: book.open_requests().count() as u32,
    }
}

/// The listed supplies below par now, worst first.
pub fn below_par(book: &Book) -> Vec<Below> {
    let mut rows: Vec<Below> = book
        .below_par()
        .into_iter()
        .filter_map(|line| {
            let item = book.item(line.item)?;
            Some(Below {
                name: line.name,
                have: line.have,
                par: item.par,
                level: Level::of(item, line.have),
            })
        })
        .collect();
    crate::order::sort_by(&mut rows, |a, b| {
        a.level.cmp(&b.level).then_with(|| a.name.cmp(&b.name))
    });
    rows
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::hlc::Timestamp;
    use crate::supplies::change::{Request, SupplyChange, SupplyOp};
    use crate::supplies::item::Item;

    fn id(n: u64) -> Id {
        Id::new_v7(1_800_000_000_000 + n, [n as u8; 10])
    }

    fn ch(n: u64, day: u32, hour: u32, op: SupplyOp) -> SupplyChange {
        let at = Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap();
        SupplyChange {
            id: id(n),
            unit: "Ward 7".into(),
            device: id(999),
            seq: n,
            hlc: Timestamp {
                wall_ms: at.timestamp_millis() as u64,
                counter: 0,
                node: 1,
            },
            by: "ana".into(),
            at,
            op,
        }
    }

    fn count(n: u64, day: u32, value: u32) -> SupplyChange {
        ch(
            n,
            day,
            9,
            SupplyOp::Count {
                round: id(100 + n),
                item: id(10),
                count: value,
                base: None,
                settles: vec![],
            },
        )
    }

    fn book(counts: &[(u32, u32)]) -> Book {
        let item = Item {
            id: id(10),
            kind: Kind::Supply,
            name: "Gowns".into(),
            count_unit: "each".into(),
            par: 20,
            alert: 5,
            location: String::new(),
            every: None,
            retired: false,
        };
        let mut log = vec![ch(
            1,
            1,
            8,
            SupplyOp::AddItem {
                item: Box::new(item),
            },
        )];
        for (i, (day, value)) in counts.iter().enumerate() {
            log.push(count(10 + i as u64, *day, *value));
        }
        Book::fold(&log)
    }

    #[test]
    fn three_stock_outs_in_a_month_suggest_a_higher_par() {
        let b = book(&[(2, 0), (3, 0), (4, 12), (9, 0), (15, 7), (20, 0), (21, 3)]);
        let outs = stock_outs(&b, |_| 0);
        assert_eq!(outs.len(), 1);
        assert_eq!(
            outs[0].times, 3,
            "an empty shelf counted twice ran out once"
        );
        let s = outs[0].suggestion("Ward 7").unwrap();
        assert!(
            s.contains("ran out 3 times") && s.contains("above 20"),
            "{s}"
        );
        let two = book(&[(2, 0), (4, 12), (9, 0)]);
        assert_eq!(stock_outs(&two, |_| 0)[0].suggestion("Ward 7"), None);
    }

    #[test]
    fn a_stock_out_at_night_counts_in_its_local_month() {
        // 1 April 02:00 UTC is 31 March in New York (UTC-4).
        let b = book(&[(31, 5)]);
        let mut log: Vec<SupplyChange> = Vec::new();
        let mut late = count(50, 31, 0);
        late.at = Utc.with_ymd_and_hms(2027, 4, 1, 2, 0, 0).unwrap();
        late.hlc.wall_ms = late.at.timestamp_millis() as u64;
        log.push(late);
        let item = b.items[0].clone();
        log.push(ch(
            1,
            1,
            8,
            SupplyOp::AddItem {
                item: Box::new(item),
            },
        ));
        let b = Book::fold(&log);
        assert_eq!(stock_outs(&b, |_| 0)[0].month.month(), 4, "in UTC, April");
        let outs = stock_outs(&b, |_| -240);
        assert_eq!(outs[0].month, NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
    }

    #[test]
    fn time_to_refill_and_its_median() {
        let ask = |n, rid| {
            ch(
                n,
                2,
                9,
                SupplyOp::Request {
                    request: Box::new(Request {
                        id: id(rid),
                        to: "Stores".into(),
                        lines: vec![],
                        note: String::new(),
                    }),
                },
            )
        };
        let log = vec![
            ask(1, 50),
            ask(2, 51),
            ask(3, 52),
            ch(4, 2, 13, SupplyOp::Fill { request: id(50) }),
            ch(5, 3, 9, SupplyOp::Fill { request: id(51) }),
        ];
        let b = Book::fold(&log);
        let r = refills(&b);
        let hours: Vec<f64> = r.iter().map(|r| r.minutes as f64 / 60.0).collect();
        assert_eq!(hours, [4.0, 24.0]);
        assert_eq!(median(hours), Some(14.0));
        assert_eq!(median(vec![]), None);
        let b = book(&[(2, 3)]);
        let rows = below_par(&b);
        assert_eq!((rows[0].have, rows[0].level), (3, Level::Low));
        assert_eq!(series(&b, id(10)).len(), 1);
    }

    #[test]
    fn figures_keep_the_periods_refills_and_months() {
        let mut b = book(&[(2, 0), (3, 5), (9, 0), (10, 4), (20, 0)]);
        let at = |d| Utc.with_ymd_and_hms(2027, 3, d, 9, 0, 0).unwrap();
        for (n, asked, filled) in [(60, 2, 3), (61, 25, 26)] {
            b.requests.push(crate::supplies::book::Asked {
                request: Request {
                    id: id(n),
                    to: "Stores".into(),
                    lines: vec![],
                    note: String::new(),
                },
                by: "ana".into(),
                at: at(asked),
                filled: Some(("ben".into(), at(filled))),
            });
        }
        let day = |d| NaiveDate::from_ymd_opt(2027, 3, d).unwrap();
        let f = figures("Ward 7", &b, day(1), day(15), |_| 0);
        assert_eq!(f.refills.len(), 1, "the one asked in the period");
        assert_eq!(f.refills[0].minutes, 24 * 60);
        assert_eq!(f.stock_outs[0].times, 3, "the period's month, whole");
        assert_eq!(f.below[0].have, 0);
        let april = figures(
            "Ward 7",
            &b,
            day(31) + chrono::Days::new(1),
            day(31) + chrono::Days::new(30),
            |_| 0,
        );
        assert!(april.stock_outs.is_empty() && april.refills.is_empty());
    }
}
