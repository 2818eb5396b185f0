//! Passwords and session tokens: what the database keeps of each (never the
//! secret itself) and how a presented one is checked against it.
//!
//! Argon2id hashing is deliberately slow (tens of milliseconds) and takes
//! 19 MiB: callers run it on the hashing pool (`hashing.rs`).

use std::fmt::Write;
use std::sync::OnceLock;

use std::cell::RefCell;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{self, Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

/// Runs Argon2 with this thread's working memory (19 MiB with the default
/// parameters), kept for the next run. Allocating it for every run let
/// glibc keep freed blocks by the dozen (its threshold for giving large
/// blocks back to the system rises after each is freed): the server's
/// resident memory rose by about 2 MiB a hash and stayed. Kept per thread,
/// it is allocated once on each of the hashing pool's threads
/// (`hashing.rs`), which are the only threads that hash.
fn argon2_into(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    thread_local! {
        static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
    }
    MEMORY.with_borrow_mut(|memory| {
        let blocks = argon.params().block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    })
}

/// `argon`'s output for `password` and `salt`, `len` bytes.
fn output(
    argon: &Argon2<'_>,
    password: &str,
    salt: &Salt<'_>,
    len: usize,
) -> password_hash::Result<Output> {
    let mut buf = [0u8; 64];
    let salt = salt.decode_b64(&mut buf)?;
    Output::init_with(len, |out| {
        argon2_into(argon, password.as_bytes(), salt, out).map_err(Into::into)
    })
}

/// A PHC string: Argon2id (the crate's defaults, v19 m=19456 t=2 p=1) with a
/// random salt; the parameters travel with it, so raising them later still
/// verifies older hashes.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::DEFAULT;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let hash = output(
        &argon,
        password,
        &salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
    )
    .and_then(|out| {
        Ok(PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params)?,
            salt: Some(salt.as_salt()),
            hash: Some(out),
        }
        .to_string())
    });
    hash.expect("Argon2 with its default parameters hashes any password")
}

/// Whether `password` is the one `stored` (a PHC string) was made from,
/// with the parameters it names; compared in constant time (`Output`).
pub fn verify_password(password: &str, stored: &str) -> bool {
    let check = || -> password_hash::Result<bool> {
        let hash = PasswordHash::new(stored)?;
        let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
            return Ok(false);
        };
        let algorithm = Algorithm::try_from(hash.algorithm)?;
        let version = hash
            .version
            .map(Version::try_from)
            .transpose()?
            .unwrap_or_default();
        let params = Params::try_from(&hash)?;
        let argon = Argon2::new(algorithm, version, params);
        Ok(output(&argon, password, &salt, expected.len())? == expected)
    };
    check().unwrap_or(false)
}

/// What an unknown username's password is checked against, so that a
/// refusal takes as long as for a real account and timing does not tell
/// which usernames exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()))
}

/// 32 random bytes, hex: what a device presents as `Authorization: Bearer`.
/// `buf` filled from the OS's random source.
pub fn fill_random(buf: &mut [u8]) {
    OsRng.fill_bytes(buf);
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// What the sessions table keeps of a token: BLAKE2b-256, hex. The token is
/// random, so a fast hash is enough; a stolen table signs nobody in.
pub fn token_hash(token: &str) -> String {
    hex(&Blake2b::<U32>::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_only_against_its_own_hash() {
        let hash = hash_password("correct horse battery");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert_ne!(hash, hash_password("correct horse battery"), "salted");
    }

    #[test]
    fn hashes_read_both_ways_with_the_argon2_crates_own_api() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        // What accounts stored before the pool kept its memory.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"stored before", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("stored before", &theirs));
        assert!(!verify_password("stored befor", &theirs));
        let ours = hash_password("stored now");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"stored now", &parsed)
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"stored no", &parsed)
                .is_err()
        );
        // Other parameters travel with the hash (a cheaper one here).
        let cheap = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"cheap", &salt)
        .unwrap()
        .to_string();
        assert!(verify_password("cheap", &cheap));
        assert!(
            verify_password("stored before", &theirs),
            "after a smaller run"
        );
    }

    #[test]
    fn tokens_are_random_and_stored_only_as_hashes() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a).len(), 64);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), a);
        assert!(!verify_password(&a, decoy_hash()));
    }
}
