//! Dates and instants as JSON reads them: serde `with` modules for every
//! stored or exchanged `NaiveDate` and `DateTime<Utc>`.
//!
//! Why not chrono's own `Deserialize`: it goes through chrono's general
//! format parser (`chrono::format::parse`), which costs the client's .wasm
//! about 4 KB brotli for two fixed shapes. Writing is still chrono's
//! (`2026-03-01T08:30:00Z`, fractions only when there are some), and these
//! read everything it writes, plus an explicit offset (`+01:00`).

use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use serde::de::Error;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dates::parse_iso;

/// `2026-03-01T08:30:00Z`, `…:00.123456789Z`, `…:00+01:00`, `t`/space for
/// `T`, `z` for `Z`; seconds required (RFC 3339).
pub fn parse_instant(s: &str) -> Option<DateTime<Utc>> {
    let date = parse_iso(s.get(..10)?)?;
    let rest = s.get(10..)?.as_bytes();
    if !matches!(rest.first()?, b'T' | b't' | b' ') || rest.len() < 9 {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (a, b) = (*rest.get(i)?, *rest.get(i + 1)?);
        (a.is_ascii_digit() && b.is_ascii_digit())
            .then(|| u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    };
    if rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let (h, m, sec) = (two(1)?, two(4)?, two(7)?);
    let mut i = 9;
    let mut nanos = 0u32;
    if rest.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while let Some(d) = rest.get(i).filter(|d| d.is_ascii_digit()) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(d - b'0');
            }
            i += 1;
        }
        let digits = i - start;
        if digits == 0 {
            return None;
        }
        nanos *= 10u32.pow(9u32.saturating_sub(digits as u32));
    }
    let offset_minutes: i64 = match rest.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let tail = &rest[i + 1..];
            let (oh, om) = match tail {
                [_, _, b':', _, _] => (two(i + 1)?, two(i + 4)?),
                [_, _, _, _] => (two(i + 1)?, two(i + 3)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let m = i64::from(oh * 60 + om);
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    // A leap second (60) is read as chrono reads it: the last second's end.
    let time = NaiveTime::from_hms_nano_opt(
        h,
        m,
        sec.min(59),
        nanos + if sec == 60 { 1_000_000_000 } else { 0 },
    )?;
    let local = date.and_time(time);
    local
        .and_utc()
        .checked_sub_signed(TimeDelta::minutes(offset_minutes))
}

/// `DateTime<Utc>` fields: `#[serde(with = "crate::wire_time::utc")]`.
pub mod utc {
    use super::*;

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        at.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_instant(&s).ok_or_else(|| D::Error::custom("not an RFC 3339 time"))
    }
}

/// `Option<DateTime<Utc>>` fields (with `default`).
pub mod utc_opt {
    use super::*;

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        at.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse_instant(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom("not an RFC 3339 time")),
        }
    }
}

/// `NaiveDate` fields: `#[serde(with = "crate::wire_time::day")]`.
pub mod day {
    use super::*;

    pub fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        d.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_iso(&s).ok_or_else(|| D::Error::custom("not a date (YYYY-MM-DD)"))
    }
}

/// `Option<NaiveDate>` fields (with `default`).
pub mod day_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        d.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        match <Option<std::borrow::Cow<'de, str>>>::deserialize(d)? {
            None => Ok(None),
            Some(s) => parse_iso(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom("not a date (YYYY-MM-DD)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_chrono_reads_for_the_shapes_on_the_wire() {
        for s in [
            "2026-03-01T08:30:00Z",
            "2026-03-01T08:30:00.5Z",
            "2026-03-01T08:30:00.123456789Z",
            "2026-03-01t08:30:00z",
            "2026-03-01 08:30:00Z",
            "2026-03-01T08:30:00+01:00",
            "2026-03-01T08:30:00-05:30",
            "2026-03-01T08:30:00+0100",
            "2026-12-31T23:59:59.999Z",
        ] {
            let ours = parse_instant(s).unwrap_or_else(|| panic!("{s}"));
            let chrono = s.parse::<DateTime<Utc>>().unwrap();
            assert_eq!(ours, chrono, "{s}");
        }
    }

    #[test]
    fn refuses_what_is_not_an_instant() {
        for s in [
            "",
            "2026-03-01",
            "2026-03-01T08:30Z",
            "2026-03-01T08:30:00",
            "2026-03-01T08:30:00.Z",
            "2026-13-01T08:30:00Z",
            "2026-03-01T24:30:00Z",
            "2026-03-01T08:30:00+25:00",
            "2026-03-01T08:30:00Zjunk",
            "2026-03-01T8:30:00Z",
        ] {
            assert_eq!(parse_instant(s), None, "{s}");
        }
    }

    proptest! {
        #[test]
        fn reads_back_every_instant_chrono_writes(secs in 0i64..4_102_444_800, nanos in 0u32..1_000_000_000, whole in any::<bool>()) {
            let at = DateTime::from_timestamp(secs, if whole { 0 } else { nanos }).unwrap();
            let json = serde_json::to_string(&at).unwrap();
            let s: String = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(parse_instant(&s), Some(at));
        }
    }
}
