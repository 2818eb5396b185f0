//! The device's keys (docs/SECURITY.md, "Key hierarchy"): a random data
//! key seals every record (`storage.rs`); it is stored only wrapped, under
//! a key derived from the PIN and under the person's escrow key from the
//! server (`advocase_core::keyring`), and held unwrapped in wasm memory
//! only while the app is unlocked.
//!
//! The wrapping keys are WebCrypto keys made non-extractable: the PIN key
//! (PBKDF2-SHA256, 600,000 iterations, random salt) and the escrow key
//! never exist as bytes this code could leak after import. The data key
//! itself must be bytes here, because saving is synchronous (localStorage,
//! with a rollback when it is full) and WebCrypto is not.

use advocase_core::keyring::{self, Keyring, PinWrap, WrongPin};
use advocase_core::sealed::KEY_BYTES;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::storage::{self, Store};
use crate::{clock, journal};

const KEY: &str = "keyring";
const IV_BYTES: usize = 12;

#[wasm_bindgen]
extern "C" {
    /// `crypto.subtle`, bound here with `JsValue` arguments: web-sys's
    /// typed dictionaries would add code for options we set once.
    type Subtle;
    #[wasm_bindgen(catch, method, js_name = importKey)]
    fn import_key(
        this: &Subtle,
        format: &str,
        data: &Uint8Array,
        algorithm: &JsValue,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, method, js_name = deriveKey)]
    fn derive_key(
        this: &Subtle,
        algorithm: &Object,
        base: &JsValue,
        derived: &Object,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn encrypt(
        this: &Subtle,
        algorithm: &Object,
        key: &JsValue,
        data: &Uint8Array,
    ) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, method)]
    fn decrypt(
        this: &Subtle,
        algorithm: &Object,
        key: &JsValue,
        data: &Uint8Array,
    ) -> Result<Promise, JsValue>;
}

const NO_CRYPTO: &str =
    "This browser offers no Web Crypto here. Open Advocase at its https:// address.";

/// True where the browser allows service workers and Web Crypto: https://,
/// or this machine itself.
pub fn secure_context() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w, &"isSecureContext".into()).ok())
        .is_some_and(|v| v.is_truthy())
}

fn subtle() -> Result<Subtle, String> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or(NO_CRYPTO)?;
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|_| NO_CRYPTO)?;
    if subtle.is_undefined() {
        return Err(NO_CRYPTO.into());
    }
    Ok(subtle.unchecked_into())
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

fn usages(list: &[&str]) -> Array {
    list.iter().map(|u| JsValue::from_str(u)).collect()
}

async fn settle(p: Result<Promise, JsValue>) -> Result<JsValue, ()> {
    JsFuture::from(p.map_err(drop)?).await.map_err(drop)
}

/// A non-extractable AES-GCM key from the PIN.
async fn pin_key(pin: &str, salt: &[u8], iterations: u32) -> Result<JsValue, String> {
    let s = subtle()?;
    let failed = |_| "The PIN could not be processed.".to_owned();
    let base = settle(s.import_key(
        "raw",
        &Uint8Array::from(pin.as_bytes()),
        &"PBKDF2".into(),
        false,
        &usages(&["deriveKey"]),
    ))
    .await
    .map_err(failed)?;
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", iterations.into()),
    ]);
    let aes = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    settle(s.derive_key(
        &params,
        &base,
        &aes,
        false,
        &usages(&["encrypt", "decrypt"]),
    ))
    .await
    .map_err(failed)
}

/// The escrow key as a non-extractable AES-GCM key.
async fn escrow_key(raw: &[u8]) -> Result<JsValue, String> {
    settle(subtle()?.import_key(
        "raw",
        &Uint8Array::from(raw),
        &"AES-GCM".into(),
        false,
        &usages(&["encrypt", "decrypt"]),
    ))
    .await
    .map_err(|_| "The server's recovery key for this account is not usable.".to_owned())
}

/// `iv ‖ AES-GCM(data)`.
async fn wrap(key: &JsValue, data: &[u8]) -> Result<Vec<u8>, String> {
    let mut iv = [0u8; IV_BYTES];
    if !clock::random_bytes(&mut iv) {
        return Err(NO_CRYPTO.into());
    }
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(&iv[..]).into()),
    ]);
    let out = settle(subtle()?.encrypt(&params, key, &Uint8Array::from(data)))
        .await
        .map_err(|_| "The device key could not be protected.".to_owned())?;
    Ok([&iv[..], &Uint8Array::new(&out).to_vec()].concat())
}

/// The data key from a wrapping, or `None` when this key does not open it.
async fn unwrap(key: &JsValue, wrapped: &[u8]) -> Result<Option<[u8; KEY_BYTES]>, String> {
    if wrapped.len() <= IV_BYTES {
        return Ok(None);
    }
    let (iv, body) = wrapped.split_at(IV_BYTES);
    let params = object(&[
        ("name", "AES-GCM".into()),
        ("iv", Uint8Array::from(iv).into()),
    ]);
    let s = subtle()?;
    Ok(settle(s.decrypt(&params, key, &Uint8Array::from(body)))
        .await
        .ok()
        .and_then(|v| <[u8; KEY_BYTES]>::try_from(Uint8Array::new(&v).to_vec()).ok()))
}

pub fn keyring(store: &Store) -> Option<Keyring> {
    store.get::<Keyring>(KEY).ok().flatten()
}

/// Saves the keyring, and journals it like the records it opens: losing
/// it (a browser killed before localStorage reached the disk) would lose
/// them all. Resolves once it is on disk.
async fn save(store: &Store, ring: &Keyring) -> Result<(), String> {
    store.set(KEY, ring).map_err(|e| e.to_string())?;
    let json = serde_json::to_string(ring).unwrap_or_default();
    journal::write_durably(store.full_key(KEY), Some(json)).await
}

/// Brings the keyring back from the journal if localStorage lost it.
pub async fn recover(store: &Store) -> Option<Keyring> {
    let key = store.full_key(KEY);
    let (_, json) = journal::entries()
        .await
        .ok()?
        .into_iter()
        .find(|(k, _)| *k == key)?;
    let ring = serde_json::from_str::<Keyring>(&json).ok()?;
    store.set(KEY, &ring).ok()?;
    Some(ring)
}

async fn pin_wrap(pin: &str, data_key: &[u8]) -> Result<PinWrap, String> {
    let mut salt = vec![0u8; keyring::SALT_BYTES];
    if !clock::random_bytes(&mut salt) {
        return Err(NO_CRYPTO.into());
    }
    let key = pin_key(pin, &salt, keyring::PBKDF2_ITERATIONS).await?;
    Ok(PinWrap {
        salt,
        iterations: keyring::PBKDF2_ITERATIONS,
        wrapped: wrap(&key, data_key).await?,
    })
}

/// A new data key for `owner`, wrapped under the PIN and (if the server's
/// escrow key is at hand) under that; the device is then unlocked.
pub async fn create(
    store: &Store,
    owner: &str,
    owner_name: &str,
    pin: &str,
    escrow: Option<&[u8]>,
) -> Result<(), String> {
    let mut data_key = [0u8; KEY_BYTES];
    if !clock::random_bytes(&mut data_key) {
        return Err(NO_CRYPTO.into());
    }
    let pin = pin_wrap(pin, &data_key).await?;
    let escrow = match escrow {
        Some(raw) => Some(wrap(&escrow_key(raw).await?, &data_key).await?),
        None => None,
    };
    save(
        store,
        &Keyring {
            owner: owner.to_owned(),
            owner_name: owner_name.to_owned(),
            pin: Some(pin),
            escrow,
            failed: 0,
        },
    )
    .await?;
    storage::set_data_key(Some(data_key));
    data_key.fill(0);
    Ok(())
}

/// Why the PIN did not unlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinFailure {
    Wrong(WrongPin),
    Other(String),
}

pub async fn unlock_pin(store: &Store, pin: &str) -> Result<(), PinFailure> {
    let other = PinFailure::Other;
    let mut ring = keyring(store).ok_or_else(|| other("This device has no PIN set.".into()))?;
    let Some(wrapping) = ring.pin.clone() else {
        return Err(PinFailure::Wrong(WrongPin::Destroyed));
    };
    let key = pin_key(pin, &wrapping.salt, wrapping.iterations)
        .await
        .map_err(other)?;
    match unwrap(&key, &wrapping.wrapped).await.map_err(other)? {
        Some(data_key) => {
            if ring.failed > 0 {
                ring.right_pin();
                let _ = save(store, &ring).await;
            }
            storage::set_data_key(Some(data_key));
            Ok(())
        }
        None => {
            let left = ring.wrong_pin();
            // Counted before the answer: closing the tab does not reset it.
            save(store, &ring).await.map_err(other)?;
            Err(PinFailure::Wrong(left))
        }
    }
}

/// Opens the data with the escrow key a password sign-in fetched.
pub async fn unlock_escrow(store: &Store, raw: &[u8]) -> Result<(), String> {
    let ring = keyring(store).ok_or("This device has no keys.")?;
    let wrapped = ring.escrow.ok_or(
        "This device's data was protected before it could reach the server's recovery key: only its PIN opens it.",
    )?;
    let data_key = unwrap(&escrow_key(raw).await?, &wrapped)
        .await?
        .ok_or("The server's recovery key does not open this device's data.")?;
    storage::set_data_key(Some(data_key));
    Ok(())
}

/// A new PIN for the open device (after recovery, or to change it).
pub async fn set_pin(store: &Store, pin: &str) -> Result<(), String> {
    let mut ring = keyring(store).ok_or("This device has no keys.")?;
    let data_key = storage::data_key().ok_or("Unlock first.")?;
    ring.pin = Some(pin_wrap(pin, &data_key).await?);
    ring.failed = 0;
    save(store, &ring).await
}

/// Adds the escrow wrapping to a device that was protected offline.
pub async fn add_escrow(store: &Store, raw: &[u8]) -> Result<(), String> {
    let mut ring = keyring(store).ok_or("This device has no keys.")?;
    if ring.escrow.is_some() {
        return Ok(());
    }
    let data_key = storage::data_key().ok_or("Unlock first.")?;
    ring.escrow = Some(wrap(&escrow_key(raw).await?, &data_key).await?);
    save(store, &ring).await
}

/// Forgets the data key: records stay on the device, sealed.
pub fn lock() {
    storage::set_data_key(None);
}

/// Forgets the keys themselves: whatever is still sealed here can no
/// longer be opened (the caller has removed it, or it is another person's).
pub fn destroy(store: &Store) {
    storage::set_data_key(None);
    store.remove(KEY);
    journal::write(store.full_key(KEY), None, |_| {});
}
