//! When an equipment check is due: daily, weekly or monthly after the last
//! check, in the hospital's calendar days.
//!
//! Days, not durations: a weekly check made on a Monday is due the next
//! Monday whatever the clocks did in between (a DST change makes one day
//! 23 or 25 hours long). The day of a check is the local calendar day of
//! its instant, with the offset in force at that instant ([`local_day`]),
//! so a check at 23:30 is that day's check on either side of a change.
//! Monthly is the same day of the next month, or that month's last day
//! when it has no such day (31 January, then 28 or 29 February).

use chrono::{DateTime, Days, Months, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Every {
    Daily,
    Weekly,
    Monthly,
}
crate::identified!(Every {
    Daily,
    Weekly,
    Monthly
});

impl Every {
    pub fn label(self) -> &'static str {
        match self {
            Every::Daily => "Daily",
            Every::Weekly => "Weekly",
            Every::Monthly => "Monthly",
        }
    }

    /// The day the next check is due after one made on `last`.
    pub fn next_due(self, last: NaiveDate) -> NaiveDate {
        let next = match self {
            Every::Daily => last.checked_add_days(Days::new(1)),
            Every::Weekly => last.checked_add_days(Days::new(7)),
            // chrono keeps the day, or takes the month's last.
            Every::Monthly => last.checked_add_months(Months::new(1)),
        };
        next.unwrap_or(NaiveDate::MAX)
    }
}

/// Where a check stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Never checked: due now.
    Never,
    /// Due on a later day.
    Upcoming(NaiveDate),
    /// Due today.
    Today,
    /// Was due on that day and still is.
    Overdue(NaiveDate),
}

impl Due {
    /// Whether it belongs on today's list (My day, the unit's page).
    pub fn is_due(self) -> bool {
        !matches!(self, Due::Upcoming(_))
    }
}

/// Where a check made every `every`, last on `last`, stands on `today`.
pub fn due(every: Every, last: Option<NaiveDate>, today: NaiveDate) -> Due {
    let Some(last) = last else {
        return Due::Never;
    };
    let next = every.next_due(last);
    match next.cmp(&today) {
        std::cmp::Ordering::Greater => Due::Upcoming(next),
        std::cmp::Ordering::Equal => Due::Today,
        std::cmp::Ordering::Less => Due::Overdue(next),
    }
}

/// The local calendar day of `at`, given the offset east of UTC (in
/// minutes) in force at an instant: the browser's for its own zone, the
/// server's configured zone for reports.
pub fn local_day(at: DateTime<Utc>, offset_minutes_at: impl Fn(DateTime<Utc>) -> i32) -> NaiveDate {
    let offset = i64::from(offset_minutes_at(at));
    (at + chrono::Duration::minutes(offset)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Offset, TimeZone};

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn monthly_keeps_the_day_or_takes_the_months_last() {
        let m = Every::Monthly;
        assert_eq!(m.next_due(day(2027, 1, 31)), day(2027, 2, 28));
        assert_eq!(m.next_due(day(2028, 1, 31)), day(2028, 2, 29));
        assert_eq!(m.next_due(day(2027, 3, 31)), day(2027, 4, 30));
        assert_eq!(m.next_due(day(2027, 12, 31)), day(2028, 1, 31));
        assert_eq!(m.next_due(day(2027, 2, 15)), day(2027, 3, 15));
    }

    #[test]
    fn daily_and_weekly_count_days() {
        assert_eq!(Every::Daily.next_due(day(2027, 2, 28)), day(2027, 3, 1));
        assert_eq!(Every::Daily.next_due(day(2028, 2, 28)), day(2028, 2, 29));
        assert_eq!(Every::Weekly.next_due(day(2027, 12, 29)), day(2028, 1, 5));
    }

    #[test]
    fn due_today_overdue_upcoming_or_never_checked() {
        let w = Every::Weekly;
        let last = Some(day(2027, 3, 1));
        assert_eq!(due(w, None, day(2027, 3, 1)), Due::Never);
        assert_eq!(
            due(w, last, day(2027, 3, 7)),
            Due::Upcoming(day(2027, 3, 8))
        );
        assert_eq!(due(w, last, day(2027, 3, 8)), Due::Today);
        assert_eq!(
            due(w, last, day(2027, 3, 10)),
            Due::Overdue(day(2027, 3, 8))
        );
        assert!(!due(w, last, day(2027, 3, 7)).is_due());
        assert!(due(w, None, day(2027, 3, 7)).is_due());
    }

    /// Across both DST changes in New York: a check's day is its local day,
    /// and a daily check made late on the short or the long day is due the
    /// next calendar day, not 24 hours later.
    #[test]
    fn a_checks_day_is_its_local_day_across_dst() {
        let tz = chrono_tz::America::New_York;
        let offset = |at: DateTime<Utc>| {
            tz.offset_from_utc_datetime(&at.naive_utc())
                .fix()
                .local_minus_utc()
                / 60
        };
        let at = |y, mo, d, h, mi| {
            tz.with_ymd_and_hms(y, mo, d, h, mi, 0)
                .single()
                .unwrap()
                .with_timezone(&Utc)
        };
        // 14 March 2027: clocks go forward at 2:00 (a 23-hour day).
        let late_short = at(2027, 3, 14, 23, 30);
        assert_eq!(
            late_short.date_naive(),
            day(2027, 3, 15),
            "UTC has moved on"
        );
        assert_eq!(local_day(late_short, offset), day(2027, 3, 14));
        let early = at(2027, 3, 14, 0, 30);
        assert_eq!(local_day(early, offset), day(2027, 3, 14));
        // 7 November 2027: clocks go back at 2:00 (a 25-hour day).
        let late_long = at(2027, 11, 7, 23, 30);
        assert_eq!(local_day(late_long, offset), day(2027, 11, 7));
        let last = local_day(late_long, offset);
        assert_eq!(due(Every::Daily, Some(last), day(2027, 11, 8)), Due::Today);
        // One instant before midnight and one after, on the long day.
        let before = at(2027, 11, 7, 23, 59);
        let after = at(2027, 11, 8, 0, 0);
        assert_eq!(local_day(before, offset), day(2027, 11, 7));
        assert_eq!(local_day(after, offset), day(2027, 11, 8));
    }
}
