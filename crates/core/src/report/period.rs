//! The span a report covers: whole calendar days in the hospital's time
//! zone, first and last day included. Boundaries are dates, never instants
//! plus 24-hour periods, so a month that crosses a daylight-saving change
//! still starts and ends at local midnight.

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The longest period a report may cover (a little over two years), so a
/// typing slip ("2206") cannot ask the server to fold two centuries.
pub const MAX_DAYS: i64 = 800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Period {
    /// The first day, included.
    #[serde(with = "crate::wire_time::day")]
    pub from: NaiveDate,
    /// The last day, included.
    #[serde(with = "crate::wire_time::day")]
    pub to: NaiveDate,
}
crate::record!(Period);

impl Period {
    /// A period from its first to its last day; `Err` says what is wrong in
    /// words a manager reads.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, &'static str> {
        if to < from {
            return Err("The period ends before it starts.");
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err("A report covers at most 800 days.");
        }
        Ok(Period { from, to })
    }

    /// The calendar month holding `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let from = day.with_day(1).expect("the first of a month");
        let to = from + Months::new(1) - Days::new(1);
        Period { from, to }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Local midnight after the last day: the end, excluded.
    pub fn end(&self) -> NaiveDateTime {
        (self.to + Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
    }

    /// The whole calendar months the period is made of, as (year, month),
    /// or `None` when it starts or ends inside a month.
    pub fn months(&self) -> Option<Vec<(i32, u32)>> {
        if self.from.day() != 1 || (self.to + Days::new(1)).day() != 1 {
            return None;
        }
        let mut out = Vec::new();
        let mut m = self.from;
        while m <= self.to {
            out.push((m.year(), m.month()));
            m = m + Months::new(1);
        }
        Some(out)
    }

    /// The period to compare with, just before this one and as long: the
    /// same number of calendar months when this one is whole months (so
    /// November compares with October, not with 30 days from 2 October),
    /// otherwise the same number of days.
    pub fn previous(&self) -> Period {
        match self.months() {
            Some(months) => {
                let n = months.len() as u32;
                Period {
                    from: self.from - Months::new(n),
                    to: self.from - Days::new(1),
                }
            }
            None => {
                let n = self.days() as u64;
                Period {
                    from: self.from - Days::new(n),
                    to: self.from - Days::new(1),
                }
            }
        }
    }

    /// "1 Nov 2026 – 30 Nov 2026", or "November 2026" for one whole month.
    pub fn describe(&self) -> String {
        match self.months().as_deref() {
            Some([_]) => crate::dates::month_and_year(self.from),
            _ => format!(
                "{} – {}",
                crate::dates::short(self.from),
                crate::dates::short(self.to)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn a_month_compares_with_the_month_before_whatever_their_lengths() {
        let march = Period::month_of(d(2026, 3, 17));
        assert_eq!(march, Period::new(d(2026, 3, 1), d(2026, 3, 31)).unwrap());
        assert_eq!(march.previous(), Period::month_of(d(2026, 2, 1)));
        assert_eq!(march.previous().days(), 28);
        let jan = Period::month_of(d(2027, 1, 5));
        assert_eq!(jan.previous(), Period::month_of(d(2026, 12, 1)), "year end");
        let leap = Period::month_of(d(2028, 2, 10));
        assert_eq!(leap.days(), 29);
        let quarter = Period::new(d(2026, 4, 1), d(2026, 6, 30)).unwrap();
        assert_eq!(quarter.months().unwrap().len(), 3);
        assert_eq!(
            quarter.previous(),
            Period::new(d(2026, 1, 1), d(2026, 3, 31)).unwrap()
        );
    }

    #[test]
    fn any_other_range_compares_with_as_many_days_before() {
        let p = Period::new(d(2026, 3, 10), d(2026, 3, 16)).unwrap();
        assert_eq!(p.months(), None);
        assert_eq!(
            p.previous(),
            Period::new(d(2026, 3, 3), d(2026, 3, 9)).unwrap()
        );
        assert_eq!(p.previous().days(), p.days());
        assert_eq!(p.end(), d(2026, 3, 17).and_hms_opt(0, 0, 0).unwrap());
    }

    #[test]
    fn backwards_and_overlong_periods_are_refused() {
        assert!(Period::new(d(2026, 3, 2), d(2026, 3, 1)).is_err());
        assert!(Period::new(d(2026, 1, 1), d(2028, 12, 31)).is_err());
        assert!(Period::new(d(2026, 1, 1), d(2026, 12, 31)).is_ok());
    }

    #[test]
    fn described_as_a_month_or_a_range() {
        assert_eq!(Period::month_of(d(2026, 11, 3)).describe(), "November 2026");
        let p = Period::new(d(2026, 3, 10), d(2026, 3, 16)).unwrap();
        assert!(p.describe().contains('–'));
    }
}
