//! The grievance clock. Deadlines are calendar dates in the hospital's local
//! time, computed by date arithmetic, never by adding 24-hour periods to an
//! instant: a week that crosses a daylight-saving change is still 7 days,
//! and "due Friday" does not drift to Thursday 23:00.

use chrono::{Days, NaiveDate};

/// The response-due date of a grievance received on `received_on`.
pub fn response_due(received_on: NaiveDate, days: u32) -> NaiveDate {
    received_on
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// Whole days from `today` to `due`: negative once overdue.
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

/// How a deadline reads on a case row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    Overdue { days: i64 },
    DueToday,
    DueIn { days: i64 },
}

impl DueState {
    pub fn of(due: NaiveDate, today: NaiveDate) -> Self {
        match days_left(due, today) {
            n if n < 0 => DueState::Overdue { days: -n },
            0 => DueState::DueToday,
            n => DueState::DueIn { days: n },
        }
    }

    pub fn describe(self) -> String {
        match self {
            DueState::Overdue { days: 1 } => "1 day overdue".into(),
            DueState::Overdue { days } => format!("{days} days overdue"),
            DueState::DueToday => "due today".into(),
            DueState::DueIn { days: 1 } => "1 day left".into(),
            DueState::DueIn { days } => format!("{days} days left"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn seven_days_across_month_and_year_ends() {
        assert_eq!(response_due(d(2026, 1, 28), 7), d(2026, 2, 4));
        assert_eq!(response_due(d(2026, 2, 25), 7), d(2026, 3, 4));
        assert_eq!(response_due(d(2028, 2, 25), 7), d(2028, 3, 3), "leap year");
        assert_eq!(response_due(d(2026, 12, 28), 7), d(2027, 1, 4));
        assert_eq!(response_due(d(2026, 4, 30), 7), d(2026, 5, 7));
    }

    #[test]
    fn daylight_saving_weeks_are_still_seven_days() {
        // US DST starts 2026-03-08 and ends 2026-11-01; EU 2026-03-29 and 2026-10-25.
        for received in [
            d(2026, 3, 5),
            d(2026, 10, 29),
            d(2026, 3, 27),
            d(2026, 10, 22),
        ] {
            let due = response_due(received, 7);
            assert_eq!(days_left(due, received), 7, "{received}");
            assert_eq!(
                DueState::of(due, response_due(received, 6)),
                DueState::DueIn { days: 1 }
            );
        }
    }

    #[test]
    fn a_due_date_reads_as_days_left_then_today_then_overdue() {
        let due = d(2026, 11, 30);
        assert_eq!(DueState::of(due, d(2026, 11, 23)).describe(), "7 days left");
        assert_eq!(DueState::of(due, d(2026, 11, 29)).describe(), "1 day left");
        assert_eq!(DueState::of(due, d(2026, 11, 30)).describe(), "due today");
        assert_eq!(
            DueState::of(due, d(2026, 12, 1)).describe(),
            "1 day overdue"
        );
        assert_eq!(
            DueState::of(due, d(2026, 12, 5)).describe(),
            "5 days overdue"
        );
    }

    proptest! {
        #[test]
        fn due_minus_received_is_always_the_configured_days(
            offset in 0i64..40_000, days in 0u32..400,
        ) {
            let received = d(2000, 1, 1) + chrono::Duration::days(offset);
            let due = response_due(received, days);
            prop_assert_eq!(days_left(due, received), i64::from(days));
            // Each calendar day that passes takes exactly one day off the clock.
            let tomorrow = received.succ_opt().unwrap();
            prop_assert_eq!(days_left(due, tomorrow), i64::from(days) - 1);
        }
    }
}
