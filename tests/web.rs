//! Browser tests: run in headless Chromium by `scripts/test` through
//! wasm-bindgen-test-runner. They cover the pieces of the shell that only a
//! real browser can exercise: connectivity events, localStorage and its
//! quota, and the update banner.
#![cfg(target_arch = "wasm32")]

use std::cell::Cell;
use std::rc::Rc;

use advocase::network::OnlineIndicator;
use advocase::preferences::{self, Preferences};
use advocase::storage::{StorageError, Store};
use advocase::update::{APPLY_EVENT, READY_EVENT, UpdateBanner};
use gloo_storage::{LocalStorage, Storage};
use leptos::mount::mount_to;
use leptos::prelude::*;
use leptos::task::tick;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

#[wasm_bindgen_test]
async fn online_indicator_follows_the_browser_events() {
    let root = fresh_container();
    let _handle = mount_to(root.clone(), || view! { <OnlineIndicator/> });
    let status = root
        .query_selector("[role=status]")
        .unwrap()
        .expect("indicator is a live status region");
    let expected = if window().navigator().on_line() {
        "Online"
    } else {
        "Offline"
    };
    assert_eq!(
        status.text_content().unwrap(),
        expected,
        "starts from navigator.onLine"
    );

    fire("offline");
    tick().await;
    assert_eq!(text_of(&root, ".net-label").as_deref(), Some("Offline"));
    assert!(status.class_list().contains("offline"));

    fire("online");
    tick().await;
    assert_eq!(text_of(&root, ".net-label").as_deref(), Some("Online"));
    assert!(!status.class_list().contains("offline"));
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Note {
    id: u32,
    text: String,
}

fn clear(store: &Store) {
    for key in store.keys() {
        store.remove(&key);
    }
}

#[wasm_bindgen_test]
fn store_round_trips_records_under_its_own_prefix() {
    let store = Store::new("advocase-test-rt.");
    clear(&store);
    assert_eq!(
        store.get::<Note>("n1").unwrap(),
        None,
        "absent is Ok(None), not an error"
    );

    let note = Note {
        id: 1,
        text: "Daughter asked about visiting hours — ünïcödé ✓".into(),
    };
    store.set("n1", &note).unwrap();
    store
        .set(
            "n2",
            &Note {
                id: 2,
                text: "x".into(),
            },
        )
        .unwrap();
    LocalStorage::raw()
        .set_item("someone-else", "not ours")
        .unwrap();

    assert_eq!(store.get::<Note>("n1").unwrap(), Some(note));
    let mut keys = store.keys();
    keys.sort();
    assert_eq!(keys, ["n1", "n2"], "only keys under the prefix, without it");
    let usage = store.usage();
    assert_eq!(usage.entries, 2);
    assert!(usage.bytes > 2 * "Daughter asked about visiting hours".len());

    store.remove("n1");
    assert_eq!(store.get::<Note>("n1").unwrap(), None);
    LocalStorage::delete("someone-else");
    clear(&store);
}

#[wasm_bindgen_test]
fn a_corrupted_entry_is_reported_and_does_not_hide_the_others() {
    let store = Store::new("advocase-test-corrupt.");
    clear(&store);
    store
        .set(
            "good",
            &Note {
                id: 7,
                text: "fine".into(),
            },
        )
        .unwrap();
    LocalStorage::raw()
        .set_item("advocase-test-corrupt.bad", "{\"id\": 3, \"text\": tru")
        .unwrap();

    match store.get::<Note>("bad") {
        Err(StorageError::Corrupt { key, .. }) => assert_eq!(key, "bad"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    assert_eq!(
        store.get_raw("bad").as_deref(),
        Some("{\"id\": 3, \"text\": tru"),
        "the raw text is kept, not destroyed"
    );
    assert_eq!(store.get::<Note>("good").unwrap().unwrap().id, 7);
    // A value of the wrong type is corrupt too, not a panic.
    store.set("wrong-type", &[1, 2, 3]).unwrap();
    assert!(matches!(
        store.get::<Note>("wrong-type"),
        Err(StorageError::Corrupt { .. })
    ));
    clear(&store);
}

#[wasm_bindgen_test]
fn corrupted_preferences_fall_back_to_defaults_with_a_reason() {
    let store = Store::new("advocase-test-prefs.");
    LocalStorage::raw()
        .set_item("advocase-test-prefs.preferences", "\u{0}garbage")
        .unwrap();
    let (prefs, error) = preferences::load(&store);
    assert_eq!(prefs, Preferences::default());
    assert!(matches!(error, Some(StorageError::Corrupt { .. })));

    preferences::save(&store, &Preferences { large_text: true }).unwrap();
    let (prefs, error) = preferences::load(&store);
    assert!(prefs.large_text);
    assert_eq!(error, None);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_full_store_refuses_the_write_clearly_and_keeps_what_was_saved() {
    let store = Store::new("advocase-test-quota.");
    clear(&store);
    let saved = Note {
        id: 1,
        text: "saved before the store filled up".into(),
    };
    store.set("kept", &saved).unwrap();

    // Fill localStorage (Chromium: about 5 million UTF-16 code units per origin).
    let chunk = "x".repeat(256 * 1024);
    let mut filler = 0;
    loop {
        match store.set(&format!("fill-{filler}"), &chunk) {
            Ok(()) => filler += 1,
            Err(StorageError::QuotaExceeded) => break,
            Err(other) => panic!("expected QuotaExceeded while filling, got {other:?}"),
        }
        assert!(filler < 200, "the quota never ran out");
    }
    assert!(filler > 0);

    let update = Note {
        id: 1,
        text: "y".repeat(512 * 1024),
    };
    let err = store.set("kept", &update).unwrap_err();
    assert_eq!(err, StorageError::QuotaExceeded);
    assert!(
        err.to_string().contains("storage is full"),
        "message for a person: {err}"
    );
    assert_eq!(
        store.get::<Note>("kept").unwrap(),
        Some(saved),
        "the saved value survives the failed write"
    );

    clear(&store);
    store
        .set("after-cleanup", &1)
        .expect("space is usable again once freed");
    clear(&store);
}

#[wasm_bindgen_test]
async fn update_banner_appears_when_a_new_build_waits_and_asks_to_apply_it() {
    let root = fresh_container();
    let _handle = mount_to(root.clone(), || view! { <UpdateBanner/> });
    assert!(
        root.query_selector("[role=alert]").unwrap().is_none(),
        "no banner without an update"
    );

    fire(READY_EVENT);
    tick().await;
    let banner = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("banner shown");
    assert!(
        banner
            .text_content()
            .unwrap()
            .contains("A new version is ready — reload")
    );

    let applied = Rc::new(Cell::new(false));
    let flag = applied.clone();
    let listener = Closure::<dyn Fn()>::new(move || flag.set(true));
    window()
        .add_event_listener_with_callback(APPLY_EVENT, listener.as_ref().unchecked_ref())
        .unwrap();
    banner
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    assert!(
        applied.get(),
        "clicking Reload asks the service worker glue to apply the update"
    );
    window()
        .remove_event_listener_with_callback(APPLY_EVENT, listener.as_ref().unchecked_ref())
        .unwrap();
}
