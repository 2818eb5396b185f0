//! The way in: sign-in, choosing a PIN, the lock and its recovery
//! (docs/SECURITY.md, "PIN lock"). Nothing behind the gate is read before
//! the data key is in memory: the caseload, the session and every sealed
//! record load on the first unlock, and a lock drops them again.
//!
//! Phases: `SignIn` (no keys here), `SetPin` (signed in, or a store from
//! before encryption: choose a PIN), `Locked`, `Open`. A password sign-in
//! on a locked device is the recovery path (the escrow key from the server
//! opens the data, then a new PIN); another person's sign-in erases the
//! previous person's records first, and is refused while they hold unsent
//! changes, as before encryption.

use advocase_core::keyring::{self, Keyring, WrongPin};
use advocase_core::sync::Session;
use leptos::prelude::*;

use crate::cases::{self, Cases};
use crate::session::{self, Auth};
use crate::storage::Store;
use crate::sync::Sync;
use crate::{server, vault};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    SignIn,
    SetPin,
    Locked,
    Open,
}

/// What the PIN form finishes.
#[derive(Clone, Default)]
struct Pending {
    /// To keep once unlocked.
    session: Option<Session>,
    /// The server's escrow key, for a new keyring.
    escrow: Option<Vec<u8>>,
    /// The data is already open (recovered through the escrow key): only
    /// a new PIN is wanted.
    recovered: bool,
}

/// The services behind the gate, once made (on the first unlock).
#[derive(Clone, Copy)]
pub struct Inside {
    pub cases: Cases,
    pub auth: Auth,
    pub sync: Sync,
}

#[derive(Clone, Copy)]
pub struct Gate {
    pub phase: RwSignal<Phase>,
    /// True from the first unlock on: the shell is made then, once.
    pub opened: RwSignal<bool>,
    /// The keyring as last read (who owns this device's data).
    pub ring: RwSignal<Option<Keyring>>,
    /// The sign-in form is shown on the lock screen (recovery).
    pub with_password: RwSignal<bool>,
    store: StoredValue<Store>,
    pending: StoredValue<Pending>,
    inside: StoredValue<Option<Inside>>,
    /// Bumped by every unlock: a lock still waiting for sync to settle
    /// does not clear a key that a later unlock set.
    generation: StoredValue<u64>,
    /// Sync is held by a lock (released by the next unlock).
    held: StoredValue<bool>,
}

impl Gate {
    pub fn new(store: Store) -> Self {
        let ring = vault::keyring(&store);
        let mut pending = Pending::default();
        let phase = match &ring {
            Some(_) => Phase::Locked,
            None => {
                // A store from before encryption, with its session in the
                // clear: the person carries on after choosing a PIN.
                pending.session = store
                    .get_raw(session::KEY)
                    .filter(|raw| !advocase_core::sealed::is_sealed(raw))
                    .and_then(|raw| serde_json::from_str::<Session>(&raw).ok());
                if pending.session.is_some() {
                    Phase::SetPin
                } else {
                    Phase::SignIn
                }
            }
        };
        set_title(phase == Phase::Locked);
        let gate = Gate {
            phase: RwSignal::new(phase),
            opened: RwSignal::new(false),
            ring: RwSignal::new(ring),
            with_password: RwSignal::new(false),
            store: StoredValue::new(store),
            pending: StoredValue::new(pending),
            inside: StoredValue::new(None),
            generation: StoredValue::new(0),
            held: StoredValue::new(false),
        };
        if phase == Phase::SignIn {
            // localStorage may have lost the keyring (a browser killed
            // within seconds of choosing the PIN); the journal has it.
            leptos::task::spawn_local(async move {
                if let Some(ring) = vault::recover(&gate.store()).await
                    && gate.phase.get_untracked() == Phase::SignIn
                {
                    gate.ring.set(Some(ring));
                    gate.phase.set(Phase::Locked);
                    set_title(true);
                }
            });
        }
        gate
    }

    pub fn store(&self) -> Store {
        self.store.get_value()
    }

    /// Called by the shell when it has made its services.
    pub fn attach(&self, inside: Inside) {
        self.inside.set_value(Some(inside));
    }

    /// Whose name the PIN form and lock screen show.
    pub fn owner_name(&self) -> String {
        let pending = self
            .pending
            .with_value(|p| p.session.as_ref().map(|s| s.user.display_name.clone()));
        pending
            .or_else(|| {
                self.ring
                    .with_untracked(|r| r.as_ref().map(|r| r.owner_name.clone()))
            })
            .unwrap_or_default()
    }

    /// Why `username` may not sign in here now: the device holds another
    /// person's unsent changes, which only they can send.
    pub fn strands_changes(&self, username: &str) -> Option<String> {
        let owner = self
            .ring
            .with_untracked(|r| r.as_ref().map(|r| r.owner.clone()))?;
        let unsent = self.store.with_value(cases::unsent_count);
        (owner != username && unsent > 0).then(|| {
            format!(
                "Changes by {owner} on this device have not reached the server. {owner} must sign in to send them first."
            )
        })
    }

    pub fn device(&self) -> advocase_core::id::Id {
        self.store.with_value(cases::device_id)
    }

    /// After a password sign-in (first, recovery, another person, or a
    /// session renewed while unlocked). The error is for the form.
    pub async fn signed_in(&self, session: Session) -> Result<(), String> {
        let store = self.store();
        let owner = self
            .ring
            .with_untracked(|r| r.as_ref().map(|r| r.owner.clone()));
        let same = owner.as_deref() == Some(session.user.username.as_str());
        if same && self.phase.get_untracked() == Phase::Open {
            // Renewed while open: nothing else changes.
            return self.keep_session(session);
        }
        let escrow = fetch_escrow(&session.token).await;
        if same {
            let raw = escrow?;
            vault::unlock_escrow(&store, &raw).await?;
            self.generation.update_value(|g| *g += 1);
            self.pending.set_value(Pending {
                session: Some(session),
                escrow: None,
                recovered: true,
            });
        } else {
            if owner.is_some() {
                if let Some(why) = self.strands_changes(&session.user.username) {
                    return Err(why);
                }
                // Another person: the previous one's records go, with their keys.
                self.lock_now();
                cases::erase_sealed(&store).await;
                vault::destroy(&store);
                self.ring.set(None);
            }
            self.pending.set_value(Pending {
                session: Some(session),
                escrow: escrow.ok(),
                recovered: false,
            });
        }
        self.with_password.set(false);
        self.phase.set(Phase::SetPin);
        Ok(())
    }

    fn keep_session(&self, session: Session) -> Result<(), String> {
        match self.inside.get_value() {
            Some(i) => i.auth.accept(session),
            None => self.store.with_value(|s| session::keep(s, &session)),
        }
    }

    /// The PIN form: makes the keys (or wraps the open ones again), keeps
    /// the session, seals what was in the clear, and opens.
    pub async fn set_pin(&self, pin: &str) -> Result<(), String> {
        let store = self.store();
        let pending = self.pending.get_value();
        if pending.recovered {
            vault::set_pin(&store, pin).await?;
        } else {
            let session = pending.session.as_ref().ok_or("Sign in first.")?;
            let escrow = match &pending.escrow {
                Some(e) => Some(e.clone()),
                None => fetch_escrow(&session.token).await.ok(),
            };
            vault::create(
                &store,
                &session.user.username,
                &session.user.display_name,
                pin,
                escrow.as_deref(),
            )
            .await?;
            // A store from before encryption: sealed now, journal on load.
            store.seal_plain();
        }
        if let Some(session) = pending.session {
            self.keep_session(session)?;
        }
        self.pending.set_value(Pending::default());
        self.open();
        Ok(())
    }

    /// The lock screen's PIN: `Err` says why, for the field.
    pub async fn unlock(&self, pin: &str) -> Result<(), String> {
        let result = vault::unlock_pin(&self.store(), pin).await;
        self.ring.set(vault::keyring(&self.store()));
        match result {
            Ok(()) => {
                self.open();
                Ok(())
            }
            Err(vault::PinFailure::Wrong(WrongPin::Left(1))) => {
                Err("Wrong PIN. 1 try left before the PIN stops working.".into())
            }
            Err(vault::PinFailure::Wrong(WrongPin::Left(n))) => {
                Err(format!("Wrong PIN. {n} tries left."))
            }
            Err(vault::PinFailure::Wrong(WrongPin::Destroyed)) => {
                self.with_password.set(true);
                Err(format!(
                    "{} wrong PINs: the PIN no longer unlocks this device. Sign in with your password to unlock it; nothing on it is lost.",
                    keyring::PIN_TRIES
                ))
            }
            Err(vault::PinFailure::Other(e)) => Err(e),
        }
    }

    fn open(&self) {
        self.generation.update_value(|g| *g += 1);
        self.ring.set(vault::keyring(&self.store()));
        if let Some(i) = self.inside.get_value() {
            i.cases.reopen();
            if let Some(s) = self
                .store
                .with_value(|s| s.get::<Session>(session::KEY).ok().flatten())
            {
                i.auth.session.set(Some(s));
            }
            if self.held.get_value() {
                self.held.set_value(false);
                i.sync.release();
            }
            i.sync.now();
        }
        self.opened.set(true);
        self.phase.set(Phase::Open);
        set_title(false);
        self.add_missing_escrow();
    }

    /// A device protected offline gets its escrow wrapping when it can.
    fn add_missing_escrow(&self) {
        let missing = self
            .ring
            .with_untracked(|r| r.as_ref().is_some_and(|r| r.escrow.is_none()));
        let token = self.inside.get_value().and_then(|i| i.auth.token());
        let (Some(token), true) = (token, missing) else {
            return;
        };
        let gate = *self;
        leptos::task::spawn_local(async move {
            if let Ok(raw) = fetch_escrow(&token).await
                && vault::add_escrow(&gate.store(), &raw).await.is_ok()
            {
                gate.ring.set(vault::keyring(&gate.store()));
            }
        });
    }

    /// Locks now: nothing of the caseload is shown from this moment; the
    /// key and the caseload leave memory once a sync on its way is done.
    pub fn lock(&self) {
        if self.phase.get_untracked() != Phase::Open {
            return;
        }
        self.with_password.set(false);
        self.phase.set(Phase::Locked);
        // Nothing wakes a locked device; the first sync after unlocking
        // opens the stream again.
        crate::live::close();
        set_title(true);
        let gate = *self;
        let generation = self.generation.get_value();
        leptos::task::spawn_local(async move {
            let Some(i) = gate.inside.get_value() else {
                return;
            };
            i.sync.hold().await;
            if gate.generation.get_value() == generation {
                gate.held.set_value(true);
                gate.lock_now();
            } else {
                // Unlocked again while sync finished: carry on.
                i.sync.release();
            }
        });
    }

    fn lock_now(&self) {
        if let Some(i) = self.inside.get_value() {
            i.cases.forget();
        }
        vault::lock();
    }

    /// After a sign-out: the records are gone, and so are the keys.
    pub async fn signed_out(&self) {
        cases::erase_sealed(&self.store()).await;
        vault::destroy(&self.store());
        self.ring.set(None);
        self.pending.set_value(Pending::default());
        self.phase.set(Phase::SignIn);
    }
}

/// "Advocase · Locked" while locked: a tab title never names a patient.
fn set_title(locked: bool) {
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        doc.set_title(if locked {
            "Advocase · Locked"
        } else {
            "Advocase"
        });
    }
}

async fn fetch_escrow(token: &str) -> Result<Vec<u8>, String> {
    let key: advocase_core::audit::EscrowKey = server::get(Some(token), "/api/escrow")
        .await
        .map_err(|f| match f {
            server::Failure::Unreachable => {
                "Unlocking with your password needs the network: the server could not be reached."
                    .to_owned()
            }
            f => f.message(),
        })?;
    keyring::base64url(&key.key)
        .filter(|k| k.len() == advocase_core::sealed::KEY_BYTES)
        .ok_or_else(|| "The server sent an unusable recovery key.".to_owned())
}
