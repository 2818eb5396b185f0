//! How records are written to the device's storage. Browsers cap
//! localStorage at about five million UTF-16 code units per site, and a
//! coordinator's working set must fit in it, so records are stored as
//! JSON compressed with lz-string's UTF-16 form (15 bits of data per code
//! unit, always valid UTF-16): typically a third of the plain JSON.
//!
//! Every stored value starts with a one-character format tag so the format
//! can evolve: `{` plain JSON (readable, and what the first release wrote),
//! `z` compressed JSON. A compressed value carries a checksum of the packed
//! text (`z` + 8 hex digits + packed), checked before decompressing: the
//! decompressor is only ever fed what we wrote, so damaged storage is a
//! clear error rather than a crash inside it.

use serde::Serialize;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// Neither plain nor compressed JSON, or the compressed data is cut.
    Unreadable,
    /// The JSON does not have the expected shape.
    Shape(String),
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DecodeError::Unreadable => f.write_str("the stored text is damaged"),
            DecodeError::Shape(e) => write!(f, "the stored data has an unexpected shape ({e})"),
        }
    }
}

pub fn encode<T: Serialize>(value: &T) -> String {
    let json =
        serde_json::to_string(value).expect("records serialize: no maps with non-string keys");
    pack_text(&json)
}

/// A compressed record from its packed units: `z`, the checksum, the units.
pub fn with_checksum(packed: &str) -> String {
    format!("z{:08x}{packed}", checksum(packed))
}

/// The packed units of an intact compressed record (`sealed.rs` encrypts
/// them as bits and puts the checksum back on opening); `None` for any
/// other text, including a damaged record, which is then kept as it is.
pub fn packed_part(stored: &str) -> Option<&str> {
    let (sum, packed) = stored.strip_prefix('z')?.split_at_checked(8)?;
    (u32::from_str_radix(sum, 16).ok() == Some(checksum(packed))).then_some(packed)
}

/// FNV-1a over the UTF-16 code units: enough to catch damage, not an
/// integrity guarantee against tampering (the device is trusted).
fn checksum(s: &str) -> u32 {
    s.encode_utf16().fold(0x811c_9dc5u32, |h, u| {
        (h ^ u32::from(u)).wrapping_mul(0x0100_0193)
    })
}

pub fn decode<T: DeserializeOwned>(stored: &str) -> Result<T, DecodeError> {
    let json = if stored.starts_with('{') || stored.starts_with('[') {
        stored.to_owned()
    } else {
        unpack_text(stored)?
    };
    serde_json::from_str(&json).map_err(|e| DecodeError::Shape(e.to_string()))
}

/// Text compressed as a record is (`z`, checksum, packed units), for
/// records that are not JSON (the list's rows, `listing.rs`).
pub fn pack_text(text: &str) -> String {
    with_checksum(&lz_str::compress_to_utf16(text))
}

/// The text [`pack_text`] packed, if `stored` is intact.
pub fn unpack_text(stored: &str) -> Result<String, DecodeError> {
    if let Some(rest) = stored.strip_prefix('z') {
        let (sum, packed) = rest.split_at_checked(8).ok_or(DecodeError::Unreadable)?;
        if u32::from_str_radix(sum, 16).ok() != Some(checksum(packed)) {
            return Err(DecodeError::Unreadable);
        }
        let units = lz_str::decompress_from_utf16(packed).ok_or(DecodeError::Unreadable)?;
        String::from_utf16(&units).map_err(|_| DecodeError::Unreadable)
    } else {
        Err(DecodeError::Unreadable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_json_from_older_releases_still_reads() {
        let v: Vec<u32> = decode("[1,2,3]").unwrap();
        assert_eq!(v, [1, 2, 3]);
    }

    #[test]
    fn damaged_values_are_errors_not_panics() {
        assert_eq!(decode::<Vec<u32>>("garbage"), Err(DecodeError::Unreadable));
        assert!(matches!(
            decode::<Vec<u32>>("{\"a\":"),
            Err(DecodeError::Shape(_))
        ));
        let good = encode(&vec!["a long enough string to compress"; 20]);
        let cut: String = good.chars().take(good.chars().count() / 2).collect();
        assert!(decode::<Vec<String>>(&cut).is_err());
        assert!(decode::<Vec<String>>("z\u{1}\u{2}\u{3}").is_err());
        let mut flipped: Vec<char> = good.chars().collect();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == 'A' { 'B' } else { 'A' };
        assert_eq!(
            decode::<Vec<String>>(&flipped.into_iter().collect::<String>()),
            Err(DecodeError::Unreadable)
        );
    }

    #[test]
    fn typical_records_shrink_to_well_under_half() {
        let text = "Spoke with daughter about the change in her mother's blood-pressure medication; \
                    pharmacist to call back this afternoon. Interpreter (Spanish) present.";
        let records: Vec<_> = (0..10)
            .map(|i| (i, text, "bedside_visit", "2026-11-23T14:30:00Z"))
            .collect();
        let plain = serde_json::to_string(&records)
            .unwrap()
            .encode_utf16()
            .count();
        let packed = encode(&records).encode_utf16().count();
        assert!(
            packed * 3 < plain,
            "packed {packed} vs plain {plain} UTF-16 units"
        );
    }

    proptest! {
        #[test]
        fn arbitrary_stored_text_never_panics(s in any::<String>()) {
            let _ = decode::<Vec<String>>(&s);
            let _ = decode::<Vec<String>>(&format!("z{s}"));
        }

        #[test]
        fn anything_encoded_decodes_to_itself(v in prop::collection::vec(any::<String>(), 0..20)) {
            let stored = encode(&v);
            prop_assert!(stored.starts_with('z'));
            prop_assert_eq!(decode::<Vec<String>>(&stored).unwrap(), v);
        }
    }
}
