//! Sign-in throttling: after a few wrong passwords for one username, that
//! username is refused for a while, so a password cannot be guessed at the
//! speed of the network.
//!
//! Keyed by the username, not the address: on a hospital network every
//! tablet may reach the server through one proxy, and blocking the address
//! would lock out the whole ward. Unknown usernames are counted like real
//! ones, so the refusal tells nobody which accounts exist.
//!
//! Kept in memory. A restart forgets the counts, which costs an attacker a
//! restart per few guesses; persisting them would put sign-in failures in
//! the database for no stronger guarantee. Several server processes would
//! each keep their own count.

use std::collections::HashMap;
use std::sync::Mutex;

/// Wrong passwords allowed within [`WINDOW_MS`] before the username locks.
pub const ATTEMPTS: u32 = 5;
/// How long failures are remembered, and how long a lock lasts.
pub const WINDOW_MS: u64 = 15 * 60 * 1000;
/// Usernames tracked at once: a flood of made-up names must not grow the
/// server's memory without bound.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    /// When the first failure still counted happened.
    since_ms: u64,
    locked_until_ms: Option<u64>,
}

impl Failures {
    fn expired(&self, now_ms: u64) -> bool {
        match self.locked_until_ms {
            Some(until) => now_ms >= until,
            None => now_ms >= self.since_ms.saturating_add(WINDOW_MS),
        }
    }
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

/// What [`SignInThrottle::attempt`] allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Allowed, but unless the password is right the username is now locked.
    Last,
}

impl SignInThrottle {
    /// Counts an attempt before its password is checked, so that requests
    /// sent all at once cannot try more than [`ATTEMPTS`] passwords between
    /// them. `Err` with the milliseconds left while `username` is locked:
    /// the password is then not even checked. A right password must be
    /// followed by [`clear`](Self::clear).
    pub fn attempt(&self, username: &str, now_ms: u64) -> Result<Attempt, u64> {
        let mut failures = self.lock();
        if !failures.contains_key(username) && failures.len() >= MAX_TRACKED {
            make_room(&mut failures, now_ms);
        }
        let fresh = Failures {
            count: 0,
            since_ms: now_ms,
            locked_until_ms: None,
        };
        let f = failures.entry(username.to_owned()).or_insert(fresh);
        if f.expired(now_ms) {
            *f = fresh;
        }
        if let Some(until) = f.locked_until_ms {
            return Err(until - now_ms);
        }
        f.count += 1;
        if f.count >= ATTEMPTS {
            f.locked_until_ms = Some(now_ms.saturating_add(WINDOW_MS));
            return Ok(Attempt::Last);
        }
        Ok(Attempt::Allowed)
    }

    /// A right password, or an administrator's new one, starts afresh.
    pub fn clear(&self, username: &str) {
        self.lock().remove(username);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // A panic while holding the lock cannot leave the map half-changed
        // in a way that matters: at worst a count is off by one.
        self.failures.lock().unwrap_or_else(|e| e.into_inner())
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.lock().len()
    }
}

fn make_room(failures: &mut HashMap<String, Failures>, now_ms: u64) {
    failures.retain(|_, f| !f.expired(now_ms));
    if failures.len() >= MAX_TRACKED {
        // Still full of live entries: forget the oldest rather than stop
        // counting new names.
        let oldest = failures
            .iter()
            .min_by_key(|(_, f)| f.since_ms)
            .map(|(k, _)| k.clone());
        if let Some(oldest) = oldest {
            failures.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_800_000_000_000;
    const MINUTE: u64 = 60_000;

    /// `n` wrong passwords at `at`.
    fn wrong(t: &SignInThrottle, name: &str, n: u32, at: u64) {
        for _ in 0..n {
            t.attempt(name, at).unwrap();
        }
    }

    #[test]
    fn the_fifth_wrong_password_locks_the_username_for_fifteen_minutes() {
        let t = SignInThrottle::default();
        for i in 1..ATTEMPTS {
            assert_eq!(
                t.attempt("ana", T0 + u64::from(i) * MINUTE),
                Ok(Attempt::Allowed)
            );
        }
        let fifth = T0 + 5 * MINUTE;
        assert_eq!(t.attempt("ana", fifth), Ok(Attempt::Last));
        assert_eq!(
            t.attempt("ana", fifth),
            Err(WINDOW_MS),
            "not even the right password now"
        );
        assert_eq!(t.attempt("ana", fifth + 14 * MINUTE), Err(MINUTE));
        assert_eq!(
            t.attempt("ben", fifth),
            Ok(Attempt::Allowed),
            "other names are not locked"
        );
        assert_eq!(
            t.attempt("ana", fifth + WINDOW_MS),
            Ok(Attempt::Allowed),
            "the lock ends, counting starts again"
        );
    }

    #[test]
    fn the_right_password_on_the_last_attempt_still_signs_in_and_clears() {
        let t = SignInThrottle::default();
        wrong(&t, "ana", ATTEMPTS - 1, T0);
        assert_eq!(t.attempt("ana", T0 + 1), Ok(Attempt::Last));
        t.clear("ana"); // it was right
        wrong(&t, "ana", ATTEMPTS - 1, T0 + 2);
        assert_eq!(t.attempt("ana", T0 + 3), Ok(Attempt::Last), "a fresh count");
        assert!(t.attempt("ana", T0 + 4).is_err());
        t.clear("ana"); // an administrator set a new password
        assert_eq!(t.attempt("ana", T0 + 5), Ok(Attempt::Allowed));
    }

    #[test]
    fn failures_spread_wider_than_the_window_never_lock() {
        let t = SignInThrottle::default();
        for i in 0..20 {
            // Four every quarter of an hour.
            wrong(&t, "ana", ATTEMPTS - 1, T0 + i * WINDOW_MS);
        }
        assert_eq!(t.attempt("ana", T0 + 20 * WINDOW_MS), Ok(Attempt::Allowed));
    }

    #[test]
    fn a_flood_of_made_up_names_keeps_memory_bounded_and_still_counts_new_ones() {
        let t = SignInThrottle::default();
        for i in 0..MAX_TRACKED + 50 {
            t.attempt(&format!("made-up-{i}"), T0 + i as u64).unwrap();
        }
        assert_eq!(t.tracked(), MAX_TRACKED);
        wrong(&t, "ana", ATTEMPTS, T0 + MINUTE);
        assert!(t.attempt("ana", T0 + MINUTE).is_err());
        // Once their window has passed, old entries make room.
        t.attempt("ben", T0 + 2 * WINDOW_MS).unwrap();
        assert_eq!(t.tracked(), 1);
    }
}
