//! The device's clock, calendar and random source, turned into the plain
//! values `advocase-core` takes as arguments.

use advocase_core::case::Actor;
use advocase_core::id::Id;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

pub fn now_ms() -> u64 {
    js_sys::Date::now().max(0.0) as u64
}

pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The device's local calendar date at `at`, in its own time zone (with
/// that day's daylight-saving rule, which the browser knows).
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .unwrap_or_default()
}

pub fn today() -> NaiveDate {
    local_date(now())
}

/// `YYYY-MM-DDTHH:MM` as a `datetime-local` input shows `at` on this device.
pub fn local_input_value(at: DateTime<Utc>) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// Reads a `datetime-local` value as this device's local time.
pub fn parse_local_input(value: &str) -> Option<DateTime<Utc>> {
    if value.trim().is_empty() {
        return None;
    }
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    if ms.is_nan() {
        None
    } else {
        DateTime::from_timestamp_millis(ms as i64)
    }
}

/// Fills `buf` from `crypto.getRandomValues`; false if the browser has
/// none (keys are then never made: `vault.rs` needs WebCrypto anyway).
pub fn random_bytes(buf: &mut [u8]) -> bool {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(buf).is_ok())
}

/// A fresh UUIDv7 from the clock and `crypto.getRandomValues`.
pub fn new_id() -> Id {
    let mut random = [0u8; 10];
    if !random_bytes(&mut random) {
        // No Web Crypto (very old browser): fall back to Math.random, still
        // unique in practice together with the millisecond timestamp.
        for b in &mut random {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    Id::new_v7(now().timestamp_millis().max(0) as u64, random)
}

pub fn actor(user: &str) -> Actor {
    let now = now();
    Actor {
        user: user.to_owned(),
        now,
        today: local_date(now),
    }
}

/// `at` on this device's wall clock (its time zone, that day's DST rule).
pub fn local(at: DateTime<Utc>) -> NaiveDateTime {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    NaiveDate::from_ymd_opt(d.get_full_year() as i32, d.get_month() + 1, d.get_date())
        .and_then(|day| day.and_hms_opt(d.get_hours(), d.get_minutes(), 0))
        .unwrap_or_default()
}

/// "23 Nov 2026, 14:30" in the device's time zone. Every date and time a
/// person reads goes through `advocase_core::dates`.
pub fn show_time(at: DateTime<Utc>) -> String {
    advocase_core::dates::date_time(local(at))
}

/// "14:30" if `at` is today on this device, else as [`show_time`].
pub fn show_recent(at: DateTime<Utc>) -> String {
    let at = local(at);
    if at.date() == today() {
        advocase_core::dates::time_of_day(at)
    } else {
        advocase_core::dates::date_time(at)
    }
}

pub fn show_date(d: NaiveDate) -> String {
    advocase_core::dates::short(d)
}
