//! Browser tests: run in headless Chromium by `scripts/test` through
//! wasm-bindgen-test-runner, one binary (each module's tests run in the one
//! page). They cover what only a real browser can exercise: connectivity
//! events, localStorage and its quota, IndexedDB (the journal), WebCrypto
//! (the vault), the DOM of forms. The helpers shared by the modules are here.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use advocase::cases::{self, Cases, SaveError};
use advocase::network::OnlineIndicator;
use advocase::preferences::{self, Preferences};
use advocase::storage::{StorageError, Store};
use advocase::update::{APPLY_EVENT, READY_EVENT, UpdateBanner};
use advocase_core::case::CaseDraft;
use advocase_core::encoding;
use advocase_core::interaction::InteractionDraft;
use advocase_core::log::CaseLog;
use gloo_storage::{LocalStorage, Storage};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

mod at_rest;
mod case_files;
mod directory;
mod listing;
mod my_day;
mod shell;
mod storage;

fn fresh_container() -> web_sys::HtmlElement {
    let el = document().create_element("section").unwrap();
    document().body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

fn fire(name: &str) {
    window()
        .dispatch_event(&web_sys::Event::new(name).unwrap())
        .unwrap();
}

fn text_of(root: &web_sys::HtmlElement, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .unwrap()
        .and_then(|e| e.text_content())
}

/// The `meta` record this build writes.
fn current_meta() -> String {
    format!(r#"{{"schema":{}}}"#, cases::SCHEMA)
}

fn clear(store: &Store) {
    for key in store.keys() {
        store.remove(&key);
    }
}

/// The data key the tests seal with (any 32 bytes: `vault.rs` is tested on
/// its own below).
const TEST_KEY: [u8; 32] = [7u8; 32];

/// An empty store under `prefix`, unlocked: records are sealed as the app
/// seals them once the PIN opened the device.
fn unlocked(prefix: &str) -> Store {
    advocase::storage::set_data_key(Some(TEST_KEY));
    let store = Store::new(prefix);
    clear(&store);
    store
}

fn grievance() -> CaseDraft {
    CaseDraft {
        patient_name: "Rosa Martinez".into(),
        mrn: "MRN-77821".into(),
        kind: "grievance".into(),
        description: "Discharge date changed without explanation".into(),
        ..CaseDraft::default()
    }
}

/// A grievance for Rosa Martinez with one interaction saying `said`, and
/// a second case (Wei Chen) with none.
fn two_cases(cases: &Cases, said: &str) -> (advocase_core::id::Id, advocase_core::id::Id) {
    let first = cases.create(&grievance(), "ana").unwrap();
    cases.log(first, &note(said), None, "ana").unwrap();
    let second = cases
        .create(
            &CaseDraft {
                patient_name: "Wei Chen".into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    (first, second)
}

fn note(text: &str) -> InteractionDraft {
    InteractionDraft {
        channel: "phone".into(),
        with: "patient".into(),
        summary: text.into(),
        ..Default::default()
    }
}

/// Waits (bounded) until every journal write is on disk.
async fn journal_settled(cases: &Cases) {
    for _ in 0..200 {
        if cases.pending.get_untracked() == 0 {
            return;
        }
        gloo_timers_sleep(10).await;
    }
    panic!("journal writes never completed");
}

async fn gloo_timers_sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits (bounded) until every journal write queued so far is on disk: the
/// journal runs writes in order, so a last write's completion says so.
async fn journal_flushed() {
    let done = Rc::new(Cell::new(false));
    let flag = done.clone();
    advocase::journal::write("advocase-test-flush".into(), None, move |_| flag.set(true));
    for _ in 0..500 {
        if done.get() {
            return;
        }
        gloo_timers_sleep(10).await;
    }
    panic!("the journal never completed its writes");
}

fn a_session(token: &str, username: &str, name: &str) -> advocase_core::sync::Session {
    use advocase_core::access::{Role, User};
    advocase_core::sync::Session {
        token: token.into(),
        expires_at_ms: u64::MAX,
        user: User {
            username: username.into(),
            display_name: name.into(),
            role: Role::Coordinator,
            units: vec!["4 West".into()],
            active: true,
        },
        lock_after_minutes: None,
    }
}
