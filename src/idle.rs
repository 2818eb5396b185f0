//! Locks the device after the operator's minutes without input, and when
//! the session expires (docs/SECURITY.md, "PIN lock"). Time is read from
//! `Date.now()` and checked on a timer, so a test that controls the page's
//! clock (Playwright's `page.clock`) drives both.

use advocase_core::sync::DEFAULT_LOCK_AFTER_MINUTES;
use leptos::prelude::*;

use crate::gate::{Gate, Phase};
use crate::session::Auth;

/// How often the idle time is checked: a lock comes at most this late.
const CHECK_MS: u32 = 10_000;

/// `Date.now()` in whole milliseconds.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

pub fn watch(gate: Gate, auth: Auth) {
    // The last input, a `u64` as the caseload's generation is, and the
    // token below in an `Option<String>` signal read untracked: types the
    // app compiles anyway, not two stored-value types of their own
    // (README, Size).
    let last = StoredValue::new(now_ms());
    // The token a lock for expiry was already made for: unlocking again
    // works (offline too) and sync then asks for a new sign-in.
    let expired_for = RwSignal::new(None::<String>);
    let touch = move |_| last.set_value(now_ms());
    let handles = [
        window_event_listener(leptos::ev::pointerdown, touch),
        window_event_listener(leptos::ev::keydown, move |_| last.set_value(now_ms())),
    ];
    let timer = set_interval_with_handle(
        move || {
            if gate.phase.get_untracked() != Phase::Open {
                last.set_value(now_ms());
                return;
            }
            let now = now_ms();
            let session = auth.session.get_untracked();
            let minutes = session
                .as_ref()
                .and_then(|s| s.lock_after_minutes)
                .unwrap_or(DEFAULT_LOCK_AFTER_MINUTES);
            let expired = session
                .filter(|s| s.expires_at_ms <= now)
                .map(|s| s.token)
                .filter(|t| expired_for.with_untracked(|e| e.as_ref() != Some(t)));
            if let Some(token) = expired {
                expired_for.set(Some(token));
                gate.lock();
            } else if now.saturating_sub(last.get_value()) >= u64::from(minutes) * 60_000 {
                gate.lock();
            }
        },
        std::time::Duration::from_millis(u64::from(CHECK_MS)),
    )
    .ok();
    on_cleanup(move || {
        for h in handles {
            h.remove();
        }
        if let Some(t) = timer {
            t.clear();
        }
    });
}
