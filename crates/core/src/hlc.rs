//! Hybrid logical clock: the ordering of concurrent edits from devices
//! whose wall clocks disagree .
//!
//! A timestamp is (wall milliseconds, counter, node). It never goes
//! backwards on one node, and a node that has seen a timestamp always
//! issues later ones, whatever its own clock says. A remote timestamp far
//! ahead of the local wall clock is clamped to `now + MAX_DRIFT_MS`, so a
//! tablet whose date is wrong by a day cannot win every future edit.

use serde::{Deserialize, Serialize};

/// How far ahead of the receiver's wall clock a timestamp may be taken.
pub const MAX_DRIFT_MS: u64 = 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Timestamp {
    pub wall_ms: u64,
    pub counter: u32,
    /// Breaks ties between devices deterministically.
    pub node: u64,
}
crate::record!(Timestamp);

/// `ts`, or the latest time a receiver whose wall clock reads `now_ms`
/// accepts if `ts` is further ahead than the drift allowance.
pub fn clamp(ts: Timestamp, now_ms: u64) -> Timestamp {
    let ceiling = now_ms.saturating_add(MAX_DRIFT_MS);
    if ts.wall_ms > ceiling {
        Timestamp {
            wall_ms: ceiling,
            ..ts
        }
    } else {
        ts
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    last: Timestamp,
}

impl Clock {
    pub fn new(node: u64) -> Self {
        Clock {
            last: Timestamp {
                wall_ms: 0,
                counter: 0,
                node,
            },
        }
    }

    /// A clock that carries on from a stored last timestamp.
    pub fn resume(last: Timestamp) -> Self {
        Clock { last }
    }

    pub fn last(&self) -> Timestamp {
        self.last
    }

    /// A timestamp for a local event at wall time `now_ms`.
    pub fn tick(&mut self, now_ms: u64) -> Timestamp {
        let node = self.last.node;
        self.last = if now_ms > self.last.wall_ms {
            Timestamp {
                wall_ms: now_ms,
                counter: 0,
                node,
            }
        } else {
            Timestamp {
                wall_ms: self.last.wall_ms,
                counter: self.last.counter.saturating_add(1),
                node,
            }
        };
        self.last
    }

    /// Takes in a timestamp received from elsewhere, so that every later
    /// local timestamp orders after it. Returns the clamped remote time.
    pub fn observe(&mut self, remote: Timestamp, now_ms: u64) -> Timestamp {
        let remote = clamp(remote, now_ms);
        let node = self.last.node;
        let wall = now_ms.max(self.last.wall_ms).max(remote.wall_ms);
        let counter = match (wall == self.last.wall_ms, wall == remote.wall_ms) {
            (true, true) => self.last.counter.max(remote.counter).saturating_add(1),
            (true, false) => self.last.counter.saturating_add(1),
            (false, true) => remote.counter.saturating_add(1),
            (false, false) => 0,
        };
        self.last = Timestamp {
            wall_ms: wall,
            counter,
            node,
        };
        remote
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_clock_set_a_day_ahead_cannot_win_forever() {
        let day = 86_400_000;
        let mut honest = Clock::new(1);
        let taken = honest.observe(
            Timestamp {
                wall_ms: 1_000_000 + day,
                counter: 0,
                node: 2,
            },
            1_000_000,
        );
        assert_eq!(
            taken.wall_ms,
            1_000_000 + MAX_DRIFT_MS,
            "clamped to the drift allowance"
        );
        // Once real time passes the clamped value, local edits order after it.
        assert!(honest.tick(1_000_000 + MAX_DRIFT_MS + 1) > taken);
    }

    proptest! {
        /// Whatever the wall clock does (jumps back, stands still), local
        /// timestamps strictly increase, and every timestamp issued after
        /// observing a remote one (within the drift allowance) orders after it.
        #[test]
        fn timestamps_increase_and_respect_what_was_seen(
            events in prop::collection::vec((any::<bool>(), 0u64..10_000, 0u64..10_000, 0u32..5), 1..200),
        ) {
            let mut clock = Clock::new(1);
            let mut previous = clock.last();
            for (is_remote, now, remote_wall, remote_counter) in events {
                if is_remote {
                    let remote = Timestamp { wall_ms: remote_wall, counter: remote_counter, node: 2 };
                    let taken = clock.observe(remote, now);
                    // Later by time and counter alone, not by the node tie-break.
                    prop_assert!((clock.last().wall_ms, clock.last().counter) > (taken.wall_ms, taken.counter));
                    prop_assert!(taken.wall_ms <= now + MAX_DRIFT_MS);
                } else {
                    clock.tick(now);
                }
                prop_assert!(clock.last() > previous, "{:?} then {:?}", previous, clock.last());
                previous = clock.last();
            }
        }
    }
}
