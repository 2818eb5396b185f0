//! Who is signed in on this device. Signing in needs the network once; the
//! session it returns is kept in storage so the coordinator can work
//! offline through a shift. When the server later refuses it (expired,
//! revoked), the device keeps everything and asks for a new sign-in.

use advocase_core::access::User;
use advocase_core::id::Id;
use advocase_core::sync::{LoginRequest, Session};
use leptos::prelude::*;

use crate::storage::Store;
use crate::{journal, server};

pub const KEY: &str = "session";

/// Asks the server for a session (the first sign-in needs the network).
pub async fn login(username: &str, password: &str, device: Id) -> Result<Session, String> {
    let request = LoginRequest {
        username: username.trim().to_owned(),
        password: password.to_owned(),
        device: Some(device),
    };
    server::send("POST", None, "/api/login", &request)
        .await
        .map_err(|f| match f {
            server::Failure::Unreachable => {
                "Signing in needs the network: the server could not be reached.".to_owned()
            }
            f => f.message(),
        })
}

/// Stores `session` sealed, and journals it like the cases: a tablet that
/// crashes mid-shift must not need the network to carry on.
pub fn keep(store: &Store, session: &Session) -> Result<(), String> {
    let json = serde_json::to_string(session).unwrap_or_default();
    let stored = store.set_raw(KEY, &json).map_err(|e| e.to_string())?;
    journal::write(store.full_key(KEY), Some(stored), |_| {});
    Ok(())
}

#[derive(Clone, Copy)]
pub struct Auth {
    pub session: RwSignal<Option<Session>>,
    /// Set when the server refused the session: why, in words. Work goes on
    /// locally; sync waits for a new sign-in.
    pub refused: RwSignal<Option<String>>,
    store: StoredValue<Store>,
}

impl Auth {
    pub fn load(store: Store) -> Self {
        let session = store.get::<Session>(KEY).ok().flatten();
        Auth {
            session: RwSignal::new(session),
            refused: RwSignal::new(None),
            store: StoredValue::new(store),
        }
    }

    pub fn user(&self) -> Option<User> {
        self.session.with(|s| s.as_ref().map(|s| s.user.clone()))
    }

    pub fn user_untracked(&self) -> Option<User> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.user.clone()))
    }

    pub fn username(&self) -> String {
        self.user_untracked()
            .map(|u| u.username)
            .unwrap_or_default()
    }

    /// The token to sync with, unless the server already refused it.
    pub fn token(&self) -> Option<String> {
        if self.refused.get_untracked().is_some() {
            return None;
        }
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    /// Keeps `session` (see [`keep`]) and signs it in here.
    pub fn accept(&self, session: Session) -> Result<(), String> {
        self.store.with_value(|s| keep(s, &session))?;
        self.session.set(Some(session));
        self.refused.set(None);
        Ok(())
    }

    fn full_key(&self) -> String {
        self.store.with_value(|s| s.full_key(KEY))
    }

    /// Brings the session back from the journal if localStorage lost it
    /// (the browser was killed before committing it).
    pub async fn recover(&self) {
        if self.session.with_untracked(Option::is_some) {
            return;
        }
        let key = self.full_key();
        let Ok(entries) = journal::entries().await else {
            return;
        };
        let found = entries
            .into_iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| self.store.with_value(|s| s.open_text(KEY, v)).ok())
            .and_then(|v| serde_json::from_str::<Session>(&v).ok());
        if let Some(session) = found {
            let _ = self.store.with_value(|s| s.set(KEY, &session));
            self.session.set(Some(session));
        }
    }

    /// The server no longer accepts the session `token` belongs to: if it is
    /// still this device's. A request sent just before a sign-out (a sync
    /// the network's return started) comes back refused after it; asking
    /// for a sign-in again then would be about a session already gone.
    pub fn refuse(&self, token: &str, why: String) {
        let current = self
            .session
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.token == token));
        if current {
            self.refused.set(Some(why));
        }
    }

    /// Ends the session on the server (best effort: offline, it expires on
    /// its own) and forgets it here.
    pub async fn sign_out(&self) {
        crate::live::close();
        let online = web_sys::window().is_some_and(|w| w.navigator().on_line());
        if let Some(token) = self.token().filter(|_| online) {
            let _: Result<(), _> = server::send("POST", Some(&token), "/api/logout", &()).await;
        }
        self.store.with_value(|s| s.remove(KEY));
        journal::write(self.full_key(), None, |_| {});
        self.session.set(None);
        self.refused.set(None);
    }
}
