//! The device's keyring: how the data key that seals every record
//! (`sealed.rs`) is kept between unlocks (docs/SECURITY.md, "Key
//! hierarchy"). The rules live here, tested natively; the client does the
//! WebCrypto calls.
//!
//! The data key is stored only wrapped (AES-256-GCM, `iv ‖ ciphertext ‖
//! tag`), twice: under a key derived from the person's PIN (PBKDF2-SHA256,
//! [`PBKDF2_ITERATIONS`], a random salt), and under their escrow key, which
//! the server hands only to a signed-in session of theirs. Five wrong PINs
//! drop the PIN wrapping; the escrow one then still opens the data.

use serde::{Deserialize, Serialize};

/// OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about 0.1 s in Chromium here.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
pub const SALT_BYTES: usize = 16;
pub const MIN_PIN_DIGITS: usize = 6;
pub const MAX_PIN_DIGITS: usize = 12;
/// Wrong PINs in a row that destroy the PIN wrapping.
pub const PIN_TRIES: u8 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct PinWrap {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
}
crate::record!(PinWrap);

/// Stored in the clear (it holds no patient data and must be read before
/// anything can be decrypted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Keyring {
    /// The username whose data this is: only they can recover it.
    pub owner: String,
    pub owner_name: String,
    /// `None` once five wrong PINs destroyed it (or before a PIN is set).
    pub pin: Option<PinWrap>,
    /// `None` until the server's escrow key was fetched (a device that set
    /// its PIN offline, after an update, gets it at the next sync).
    pub escrow: Option<Vec<u8>>,
    /// Wrong PINs since the last right one.
    #[serde(default)]
    pub failed: u8,
}
crate::record!(Keyring);

/// What a wrong PIN leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WrongPin {
    /// Tries left before the PIN stops working.
    Left(u8),
    /// The PIN wrapping is gone: sign in with the password.
    Destroyed,
}

impl Keyring {
    /// Counts a wrong PIN; the fifth destroys the PIN wrapping.
    pub fn wrong_pin(&mut self) -> WrongPin {
        self.failed = self.failed.saturating_add(1);
        if self.failed >= PIN_TRIES {
            self.pin = None;
            WrongPin::Destroyed
        } else {
            WrongPin::Left(PIN_TRIES - self.failed)
        }
    }

    pub fn right_pin(&mut self) {
        self.failed = 0;
    }
}

/// Why a PIN cannot be used, in words for the field; `None` when it can.
pub fn pin_problem(pin: &str) -> Option<String> {
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Some("Use digits only.".into());
    }
    let n = pin.len();
    if n < MIN_PIN_DIGITS {
        return Some(format!("Use at least {MIN_PIN_DIGITS} digits."));
    }
    if n > MAX_PIN_DIGITS {
        return Some(format!("Use at most {MAX_PIN_DIGITS} digits."));
    }
    let bytes = pin.as_bytes();
    let same = bytes.iter().all(|b| *b == bytes[0]);
    let step = |d: i8| bytes.windows(2).all(|w| w[1] as i8 - w[0] as i8 == d);
    if same || step(1) || step(-1) {
        return Some("Too easy to guess: avoid repeated or consecutive digits.".into());
    }
    None
}

/// Base64url without padding (the escrow key's form); `None` if not.
pub fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut n) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
            acc &= (1 << n) - 1;
        }
    }
    // Leftover bits must be zero padding, and 6 are never left.
    (n < 6 && acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring {
            owner: "ana".into(),
            owner_name: "Ana Ruiz".into(),
            pin: Some(PinWrap {
                salt: vec![1; 16],
                iterations: PBKDF2_ITERATIONS,
                wrapped: vec![2; 60],
            }),
            escrow: Some(vec![3; 60]),
            failed: 0,
        }
    }

    #[test]
    fn the_fifth_wrong_pin_destroys_the_pin_wrapping_and_a_right_one_resets() {
        let mut k = ring();
        assert_eq!(k.wrong_pin(), WrongPin::Left(4));
        k.right_pin();
        for left in (1..=4).rev() {
            assert_eq!(k.wrong_pin(), WrongPin::Left(left));
        }
        assert!(k.pin.is_some());
        assert_eq!(k.wrong_pin(), WrongPin::Destroyed);
        assert!(k.pin.is_none());
        assert!(
            k.escrow.is_some(),
            "the escrow wrapping still opens the data"
        );
        assert_eq!(k.wrong_pin(), WrongPin::Destroyed);
    }

    #[test]
    fn pins_need_six_digits_and_not_an_obvious_run() {
        assert_eq!(pin_problem("480516"), None);
        assert_eq!(pin_problem("4805169"), None);
        assert!(pin_problem("48051").unwrap().contains("at least 6"));
        assert!(pin_problem("48a516").unwrap().contains("digits only"));
        assert!(pin_problem("1234567890123").unwrap().contains("at most"));
        for easy in ["111111", "123456", "987654"] {
            assert!(pin_problem(easy).unwrap().contains("guess"), "{easy}");
        }
    }

    #[test]
    fn base64url_reads_the_escrow_key_form_and_refuses_others() {
        assert_eq!(base64url("").unwrap(), b"");
        assert_eq!(base64url("TWFu").unwrap(), b"Man");
        assert_eq!(base64url("TWE").unwrap(), b"Ma");
        assert_eq!(base64url("TQ").unwrap(), b"M");
        assert_eq!(base64url("-_8").unwrap(), vec![0xfb, 0xff]);
        let key = "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(base64url(key).unwrap().len(), 32);
        assert!(base64url("TWFu=").is_none());
        assert!(base64url("T").is_none());
        assert!(base64url("TR").is_none(), "non-zero padding bits");
    }
}
