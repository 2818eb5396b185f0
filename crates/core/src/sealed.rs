//! Records encrypted at rest (docs/SECURITY.md, "Device encryption").
//!
//! A sealed value is AES-256-GCM under the device's data key, with the
//! record's full storage key as associated data: a value copied under
//! another key, or one flipped bit, fails authentication instead of being
//! read as something else.
//!
//! Stored text must stay compact (`encoding.rs`: a caseload has to fit in
//! five million UTF-16 code units), so the ciphertext is packed 15 bits per
//! code unit, like lz-string's UTF-16 form, and a compressed record (`z…`,
//! itself 15 bits per unit) is encrypted as its bit stream, not as UTF-8
//! (which would take three bytes a unit): sealing adds about ten code units
//! to a record, whatever its size (its tag and checksum are dropped).
//!
//! Layout: `e` (the format tag, beside `{` and `z` in `encoding.rs`), one
//! unit giving the padding bits of the last unit (`a` + 0..14), then the
//! packed bytes `nonce (12) ‖ ciphertext ‖ tag (16)`. The plaintext's first
//! byte says what it holds: 0 UTF-8 text, 1 a `z` record (its checksum is
//! dropped: GCM authenticates more strongly, and it is recomputed on open).
//!
//! Pure: the key and the nonce come from the caller (the client draws
//! nonces from `crypto.getRandomValues`; 96 random bits per write keep the
//! chance of a repeat negligible for far more writes than a device makes).

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

use crate::encoding;

/// The format tag of a sealed value.
pub const TAG: char = 'e';
pub const KEY_BYTES: usize = 32;
pub const NONCE_BYTES: usize = 12;

const TEXT: u8 = 0;
const PACKED: u8 = 1;
/// lz-string's UTF-16 form, and this packing, add 32 to each 15-bit value
/// so no unit is a control character (and none reaches the surrogates).
const OFFSET: u16 = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealError {
    /// Not a sealed value, or cut short.
    Malformed,
    /// The data was changed, belongs to another key, or another device.
    Authentication,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SealError::Malformed => "the encrypted entry is cut short or damaged",
            SealError::Authentication => {
                "the encrypted entry failed its integrity check: it was damaged or changed outside Advocase"
            }
        })
    }
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(TAG)
}

/// `text` encrypted for storage under `aad` (the record's storage key).
pub fn seal(key: &[u8; KEY_BYTES], nonce: [u8; NONCE_BYTES], aad: &str, text: &str) -> String {
    let plain = match unpack_record(text) {
        Some(bits) => [&[PACKED][..], &bits].concat(),
        None => [&[TEXT][..], text.as_bytes()].concat(),
    };
    let cipher = Aes256Gcm::new(key.into());
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: aad.as_bytes(),
            },
        )
        .expect("AES-GCM encrypts any length a browser can store");
    let mut out = String::with_capacity(2 + (NONCE_BYTES + sealed.len()) * 8 / 15 + 1);
    out.push(TAG);
    pack(&[&nonce[..], &sealed].concat(), &mut out);
    out
}

/// The text [`seal`] was given, if `stored` is intact and sealed under
/// `key` for `aad`.
pub fn open(key: &[u8; KEY_BYTES], aad: &str, stored: &str) -> Result<String, SealError> {
    let packed = stored.strip_prefix(TAG).ok_or(SealError::Malformed)?;
    let bytes = unpack(packed).ok_or(SealError::Malformed)?;
    if bytes.len() < NONCE_BYTES + 16 {
        return Err(SealError::Malformed);
    }
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    let plain = Aes256Gcm::new(key.into())
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| SealError::Authentication)?;
    let (kind, body) = plain.split_first().ok_or(SealError::Malformed)?;
    match *kind {
        TEXT => String::from_utf8(body.to_vec()).map_err(|_| SealError::Malformed),
        PACKED => {
            let mut packed = String::new();
            pack_units(body, &mut packed);
            Ok(encoding::with_checksum(&packed))
        }
        _ => Err(SealError::Malformed),
    }
}

/// A `z` record's packed units as a bit stream (15 bits each), if every
/// unit is one lz-string writes; `None` for any other text.
fn unpack_record(text: &str) -> Option<Vec<u8>> {
    let packed = encoding::packed_part(text)?;
    let mut values = Vec::with_capacity(packed.len());
    for unit in packed.encode_utf16() {
        let v = unit.checked_sub(OFFSET).filter(|v| *v < 1 << 15)?;
        values.push(v);
    }
    // Byte 0: the padding bits at the end, so the unit count is exact.
    let bits = values.len() * 15;
    let mut out = vec![((8 - bits % 8) % 8) as u8];
    let mut writer = BitWriter::new(&mut out);
    for v in values {
        writer.put(u32::from(v), 15);
    }
    writer.finish();
    Some(out)
}

/// The inverse of [`unpack_record`]'s bit stream: units appended to `out`.
fn pack_units(body: &[u8], out: &mut String) {
    let Some((pad, bits)) = body.split_first() else {
        return;
    };
    let total = (bits.len() * 8).saturating_sub(usize::from(*pad));
    let mut reader = BitReader::new(bits);
    for _ in 0..total / 15 {
        let v = reader.take(15) as u16;
        out.extend(char::from_u32(u32::from(v + OFFSET)));
    }
}

/// Bytes as 15-bit units after a padding unit (`a` + unused bits).
fn pack(bytes: &[u8], out: &mut String) {
    let units = (bytes.len() * 8).div_ceil(15);
    let pad = units * 15 - bytes.len() * 8;
    out.push(char::from(b'a' + pad as u8));
    let mut reader = BitReader::new(bytes);
    for _ in 0..units {
        let v = reader.take(15) as u16;
        out.extend(char::from_u32(u32::from(v + OFFSET)));
    }
}

fn unpack(packed: &str) -> Option<Vec<u8>> {
    let mut units = packed.encode_utf16();
    let pad = units
        .next()?
        .checked_sub(u16::from(b'a'))
        .filter(|p| *p < 15)?;
    let mut out = Vec::new();
    let mut writer = BitWriter::new(&mut out);
    let mut count = 0usize;
    for unit in units {
        let v = unit.checked_sub(OFFSET).filter(|v| *v < 1 << 15)?;
        writer.put(u32::from(v), 15);
        count += 1;
    }
    writer.finish();
    let bits = (count * 15).checked_sub(usize::from(pad))?;
    if bits % 8 != 0 {
        return None;
    }
    out.truncate(bits / 8);
    Some(out)
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u32,
    n: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter { out, acc: 0, n: 0 }
    }
    fn put(&mut self, value: u32, bits: u32) {
        self.acc = (self.acc << bits) | value;
        self.n += bits;
        while self.n >= 8 {
            self.n -= 8;
            self.out.push((self.acc >> self.n) as u8);
        }
        self.acc &= (1 << self.n) - 1;
    }
    fn finish(mut self) {
        if self.n > 0 {
            let n = self.n;
            self.put(0, 8 - n);
        }
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    acc: u32,
    n: u32,
}

impl<'a> BitReader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        BitReader {
            bytes,
            pos: 0,
            acc: 0,
            n: 0,
        }
    }
    /// The next `bits` bits, zeros past the end.
    fn take(&mut self, bits: u32) -> u32 {
        while self.n < bits {
            let byte = self.bytes.get(self.pos).copied().unwrap_or(0);
            self.pos += 1;
            self.acc = (self.acc << 8) | u32::from(byte);
            self.n += 8;
        }
        self.n -= bits;
        let v = self.acc >> self.n;
        self.acc &= (1 << self.n) - 1;
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const KEY: [u8; 32] = [7; 32];
    const NONCE: [u8; 12] = [9; 12];

    #[test]
    fn a_compressed_record_comes_back_exactly_and_costs_a_few_units() {
        let record = encoding::encode(&vec!["Maria Lopez, MRN 4411-0917"; 40]);
        let sealed = seal(&KEY, NONCE, "advocase.case.1", &record);
        assert!(is_sealed(&sealed));
        assert_eq!(open(&KEY, "advocase.case.1", &sealed).unwrap(), record);
        let overhead = sealed.encode_utf16().count() as i64 - record.encode_utf16().count() as i64;
        assert!((0..=24).contains(&overhead), "overhead {overhead} units");
        assert!(!sealed.contains("Maria"));
    }

    #[test]
    fn plain_text_comes_back_exactly() {
        let text = r#"{"token":"abc","note":"Zoë – 5 µg"}"#;
        let sealed = seal(&KEY, NONCE, "advocase.session", text);
        assert_eq!(open(&KEY, "advocase.session", &sealed).unwrap(), text);
        assert!(!sealed.contains("token"));
    }

    #[test]
    fn another_key_another_record_or_one_flipped_unit_fail_authentication() {
        let sealed = seal(&KEY, NONCE, "advocase.case.1", "{\"a\":1}");
        assert_eq!(
            open(&[8; 32], "advocase.case.1", &sealed),
            Err(SealError::Authentication)
        );
        assert_eq!(
            open(&KEY, "advocase.case.2", &sealed),
            Err(SealError::Authentication)
        );
        let mut units: Vec<u16> = sealed.encode_utf16().collect();
        let last = units.len() - 3;
        units[last] ^= 1;
        let flipped = String::from_utf16(&units).unwrap();
        assert_eq!(
            open(&KEY, "advocase.case.1", &flipped),
            Err(SealError::Authentication)
        );
    }

    #[test]
    fn cut_or_foreign_text_is_malformed_not_a_panic() {
        let sealed = seal(&KEY, NONCE, "k", "{}");
        for cut in 0..sealed.chars().count() {
            let head: String = sealed.chars().take(cut).collect();
            assert!(open(&KEY, "k", &head).is_err());
        }
        assert_eq!(open(&KEY, "k", "z0000"), Err(SealError::Malformed));
        assert_eq!(open(&KEY, "k", "e\u{7}"), Err(SealError::Malformed));
    }

    proptest! {
        #[test]
        fn any_text_or_record_round_trips(text in "\\PC{0,300}", nonce in any::<[u8; 12]>(), compress in any::<bool>()) {
            let stored = if compress { encoding::encode(&text) } else { text.clone() };
            let sealed = seal(&KEY, nonce, "advocase.x", &stored);
            prop_assert!(sealed.encode_utf16().all(|u| !(0xD800..0xE000).contains(&u)));
            prop_assert_eq!(open(&KEY, "advocase.x", &sealed).unwrap(), stored);
        }

        #[test]
        fn packing_is_exact_for_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut s = String::new();
            pack(&bytes, &mut s);
            prop_assert_eq!(unpack(&s).unwrap(), bytes);
        }
    }
}
