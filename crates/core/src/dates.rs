//! Calendar dates as people read and type them. Hand-written rather than
//! chrono's strftime: these four shapes are all the app needs, and chrono's
//! format-string machinery costs the client's .wasm more than this file.

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// `2026-11-23` (what a date input gives), and nothing else.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        s.get(r.clone())
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?
            .parse()
            .ok()
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

fn month(d: NaiveDate) -> &'static str {
    MONTHS[d.month0() as usize]
}

/// "23 Nov 2026".
pub fn short(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), &month(d)[..3], d.year())
}

/// "Monday 23 November 2026", for the patient's sheet.
pub fn long(d: NaiveDate) -> String {
    format!("{} {}", day_and_month(d), d.year())
}

/// "Monday 23 November".
pub fn day_and_month(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        WEEKDAYS[d.weekday().num_days_from_monday() as usize],
        d.day(),
        month(d)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_and_show_as_chrono_would() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(parse_iso("2026-11-23"), Some(d));
        for bad in [
            "2026-02-30",
            "2026-1-23",
            "23/11/2026",
            "2026-11-2x",
            "",
            "+202-11-23",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
        assert_eq!(short(d), d.format("%-d %b %Y").to_string());
        assert_eq!(long(d), d.format("%A %-d %B %Y").to_string());
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(parse_iso("2028-02-29"), Some(leap));
        assert_eq!(day_and_month(leap), leap.format("%A %-d %B").to_string());
        assert_eq!(
            short(NaiveDate::from_ymd_opt(2027, 5, 1).unwrap()),
            "1 May 2027"
        );
    }
}
