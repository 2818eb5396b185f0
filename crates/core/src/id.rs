//! Record identifiers made on the device, with no server round trip:
//! UUIDv7, so they sort by creation time and two devices never collide.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(Uuid);

/// The nil id (all zeros): what a record has before it is given one. No
/// device or server ever makes it, so receivers refuse it (`is_nil`).
impl Default for Id {
    fn default() -> Self {
        Id(Uuid::nil())
    }
}

impl Id {
    pub fn is_nil(&self) -> bool {
        self.0.is_nil()
    }

    /// A UUIDv7 from the creation time and 80 random bits. The caller brings
    /// the randomness (`crypto.getRandomValues` on a device), which keeps this
    /// crate free of platform APIs and its tests deterministic.
    pub fn new_v7(unix_ms: u64, random: [u8; 10]) -> Self {
        Id(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
    }

    /// 64 of the random bits: a device's node number for the hybrid clock.
    pub fn node(&self) -> u64 {
        let b = self.0.as_bytes();
        u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
    }

    /// An id derived from this one, the same on every device: the last
    /// random byte xor `salt` (a record that stands for another, like the
    /// task promised in an interaction, `followup::task::promised_id`).
    pub fn derived(&self, salt: u8) -> Id {
        let mut b = *self.0.as_bytes();
        b[15] ^= salt;
        Id(Uuid::from_bytes(b))
    }

    /// Milliseconds since the Unix epoch at creation.
    pub fn created_unix_ms(&self) -> Option<u64> {
        let (secs, nanos) = self.0.get_timestamp()?.to_unix();
        Some(secs * 1000 + u64::from(nanos) / 1_000_000)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for Id {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_carry_their_creation_time_and_print_as_uuids() {
        let id = Id::new_v7(1_763_856_000_123, [7; 10]);
        assert_eq!(id.created_unix_ms(), Some(1_763_856_000_123));
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(&text[14..15], "7", "version nibble");
        assert_eq!(text.parse::<Id>().unwrap(), id);
        assert!("not-an-id".parse::<Id>().is_err());
    }

    proptest! {
        #[test]
        fn later_ids_sort_after_earlier_ones(a in 0u64..(1 << 47), gap in 1u64..1_000_000, r1: [u8; 10], r2: [u8; 10]) {
            prop_assert!(Id::new_v7(a, r1) < Id::new_v7(a + gap, r2));
        }
    }
}
