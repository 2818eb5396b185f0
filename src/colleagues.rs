//! The people a case can be escalated to or a follow-up given to (`GET
//! /api/colleagues`), kept on the device like the hospital's numbers so
//! both forms work offline. Names and roles only: no patient data.

use advocase_core::api::{Colleague, Colleagues as List};
use leptos::prelude::*;

use crate::server::{self, Failure};
use crate::storage::Store;

/// `advocase.colleagues` in localStorage.
const KEY: &str = "colleagues";

#[derive(Clone, Copy)]
pub struct Colleagues {
    /// Read untracked only (see `options`): a stored value, not a signal,
    /// whose code would be compiled for this type too (README, Size).
    list: StoredValue<Vec<Colleague>>,
    store: StoredValue<Store>,
}

impl Colleagues {
    pub fn load(store: Store) -> Self {
        let known = store.get::<List>(KEY).ok().flatten().unwrap_or_default();
        Colleagues {
            list: StoredValue::new(known.colleagues),
            store: StoredValue::new(store),
        }
    }

    /// (username, "Name (role)") for a select, untracked (a form open
    /// while sync refreshes the list keeps what is typed); `me` first, and
    /// `keep` (a current owner no longer listed) kept so saving never
    /// changes it unseen.
    pub fn options(&self, me: &str, keep: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut mine = None;
        self.list.with_value(|l| {
            for c in l {
                let shown = format!("{} ({})", c.display_name, c.role.label().to_lowercase());
                if c.username == me {
                    mine = Some((c.username.clone(), format!("{shown}: me")));
                } else {
                    out.push((c.username.clone(), shown));
                }
            }
        });
        out.insert(
            0,
            mine.unwrap_or_else(|| (me.to_owned(), format!("{me}: me"))),
        );
        if !keep.is_empty() && !out.iter().any(|(u, _)| u == keep) {
            out.push((keep.to_owned(), keep.to_owned()));
        }
        out
    }

    /// The display name of `username`, or the username.
    pub fn name(&self, username: &str) -> String {
        self.list.with_value(|l| {
            l.iter()
                .find(|c| c.username == username)
                .map_or_else(|| username.to_owned(), |c| c.display_name.clone())
        })
    }

    /// Fetched by sync; an older server without the list (404) leaves
    /// what is on the device.
    pub async fn refresh(&self, token: &str) -> Result<(), Failure> {
        match server::get_kept::<List>(Some(token), "/api/colleagues").await {
            Ok((list, text)) => {
                // Kept as sent. A full store only costs the offline copy.
                let _ = self.store.with_value(|s| s.set_raw(KEY, &text));
                self.list.set_value(list.colleagues);
                Ok(())
            }
            Err(Failure::Refused { status: 404, .. }) => Ok(()),
            Err(f) => Err(f),
        }
    }
}
