//! Dates and times as people read and type them: the one formatter for
//! every date and time a person reads, in the app and on patients' sheets.
//! Hand-written rather than chrono's strftime: these few shapes are all the
//! app needs, and chrono's format-string machinery costs the client's .wasm
//! more than this file. Month and weekday names and the order of a sheet's
//! dates are in each language's file (crate::i18n).

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::i18n::{self, Key, Lang};

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

/// "23 Nov 2026": what coordinators' screens show.
pub fn short(d: NaiveDate) -> String {
    format!(
        "{} {} {}",
        d.day(),
        &i18n::month(Lang::En, d)[..3],
        d.year()
    )
}

/// "November 2026", a month in a report.
pub fn month_and_year(d: NaiveDate) -> String {
    format!("{} {}", i18n::month(Lang::En, d), d.year())
}

/// "Monday 23 November 2026", for the patient's sheet.
pub fn long(d: NaiveDate) -> String {
    long_in(Lang::En, d)
}

/// "Monday 23 November".
pub fn day_and_month(d: NaiveDate) -> String {
    day_and_month_in(Lang::En, d)
}

/// "23 Nov 2026, 14:30" (pass local time).
pub fn date_time(at: NaiveDateTime) -> String {
    format!("{}, {}", short(at.date()), time_of_day(at))
}

/// "14:30".
pub fn time_of_day(at: NaiveDateTime) -> String {
    format!("{:02}:{:02}", at.hour(), at.minute())
}

/// A value as case history stores it, for reading: a leading ISO date
/// ("2026-12-02 Home with home-health services") is shown as [`short`]
/// and set off from the rest by " · "; anything else is returned as is.
pub fn readable(stored: &str) -> String {
    let (head, rest) = stored.split_at_checked(10).unwrap_or((stored, ""));
    match (parse_iso(head), rest.strip_prefix(' ')) {
        (Some(d), _) if rest.is_empty() => short(d),
        (Some(d), Some(rest)) => format!("{} · {}", short(d), rest.trim_start()),
        _ => stored.to_owned(),
    }
}

/// The patient's sheet's long date: "Monday 23 November 2026", "lunes 23 de
/// noviembre de 2026".
pub fn long_in(lang: Lang, d: NaiveDate) -> String {
    in_lang(lang, Key::LongDate, d)
}

/// "Monday 23 November", "lunes 23 de noviembre".
pub fn day_and_month_in(lang: Lang, d: NaiveDate) -> String {
    in_lang(lang, Key::DayAndMonth, d)
}

/// "23 November 2026", "23 de noviembre de 2026": the day a sheet was
/// printed.
pub fn date_in(lang: Lang, d: NaiveDate) -> String {
    in_lang(lang, Key::Date, d)
}

fn in_lang(lang: Lang, shape: Key, d: NaiveDate) -> String {
    i18n::fill(
        i18n::text(lang, shape),
        &[
            ("weekday", i18n::weekday(lang, d)),
            ("day", &d.day().to_string()),
            ("month", i18n::month(lang, d)),
            ("year", &d.year().to_string()),
        ],
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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn english_sheet_dates_are_as_before_across_month_ends_and_leap_days() {
        for d in [
            date(2026, 1, 31),
            date(2026, 2, 1),
            date(2026, 4, 30),
            date(2026, 12, 31),
            date(2027, 1, 1),
            date(2028, 2, 29),
        ] {
            assert_eq!(long(d), d.format("%A %-d %B %Y").to_string());
            assert_eq!(long_in(Lang::En, d), long(d));
            assert_eq!(day_and_month_in(Lang::En, d), day_and_month(d));
            assert_eq!(date_in(Lang::En, d), d.format("%-d %B %Y").to_string());
        }
    }

    #[test]
    fn spanish_sheet_dates_read_as_spanish() {
        let es = |d| (long_in(Lang::Es, d), day_and_month_in(Lang::Es, d));
        assert_eq!(
            es(date(2026, 11, 23)),
            (
                "lunes 23 de noviembre de 2026".into(),
                "lunes 23 de noviembre".into()
            )
        );
        assert_eq!(
            long_in(Lang::Es, date(2028, 2, 29)),
            "martes 29 de febrero de 2028"
        );
        assert_eq!(
            long_in(Lang::Es, date(2026, 1, 31)),
            "sábado 31 de enero de 2026"
        );
        assert_eq!(
            long_in(Lang::Es, date(2026, 4, 30)),
            "jueves 30 de abril de 2026"
        );
        assert_eq!(
            day_and_month_in(Lang::Es, date(2026, 12, 31)),
            "jueves 31 de diciembre"
        );
        assert_eq!(
            day_and_month_in(Lang::Es, date(2026, 9, 2)),
            "miércoles 2 de septiembre"
        );
        assert_eq!(date_in(Lang::Es, date(2027, 1, 1)), "1 de enero de 2027");
    }

    #[test]
    fn times_show_as_a_24_hour_clock() {
        let at = |h, m| date(2026, 11, 23).and_hms_opt(h, m, 59).unwrap();
        assert_eq!(date_time(at(14, 30)), "23 Nov 2026, 14:30");
        assert_eq!(time_of_day(at(9, 5)), "09:05");
        assert_eq!(time_of_day(at(0, 0)), "00:00");
        assert_eq!(
            date_time(date(2028, 2, 29).and_hms_opt(23, 59, 0).unwrap()),
            "29 Feb 2028, 23:59"
        );
    }

    #[test]
    fn stored_values_show_their_leading_date_readably() {
        assert_eq!(readable("2026-12-02"), "2 Dec 2026");
        assert_eq!(
            readable("2026-12-02 Home with home-health services"),
            "2 Dec 2026 · Home with home-health services"
        );
        for unchanged in [
            "",
            "Home",
            "High",
            "2026-02-30",
            "2026-02-30 Home",
            "2026-12-02Home",
            "2026-12",
            "On 2026-12-02",
            "ünïcödé text",
        ] {
            assert_eq!(readable(unchanged), unchanged);
        }
    }
}
