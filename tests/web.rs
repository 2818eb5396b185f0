//! Browser tests: run in headless Chromium by `scripts/test` through
//! wasm-bindgen-test-runner. They cover the pieces of the shell that only a
//! real browser can exercise: connectivity events, localStorage and its
//! quota, and the update banner.
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

#[wasm_bindgen_test]
fn store_round_trips_records_under_its_own_prefix() {
    let store = unlocked("advocase-test-rt.");
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
    let store = unlocked("advocase-test-corrupt.");
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
    let store = unlocked("advocase-test-prefs.");
    LocalStorage::raw()
        .set_item("advocase-test-prefs.preferences", "\u{0}garbage")
        .unwrap();
    let (prefs, error) = preferences::load(&store);
    assert_eq!(prefs, Preferences::default());
    assert!(matches!(error, Some(StorageError::Corrupt { .. })));

    preferences::save(
        &store,
        &Preferences {
            large_text: true,
            ..Preferences::default()
        },
    )
    .unwrap();
    let (prefs, error) = preferences::load(&store);
    assert!(prefs.large_text);
    assert_eq!(error, None);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_full_store_refuses_the_write_clearly_and_keeps_what_was_saved() {
    let store = unlocked("advocase-test-quota.");
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

fn grievance() -> CaseDraft {
    CaseDraft {
        patient_name: "Rosa Martinez".into(),
        mrn: "MRN-77821".into(),
        kind: "grievance".into(),
        description: "Discharge date changed without explanation".into(),
        ..CaseDraft::default()
    }
}

fn note(text: &str) -> InteractionDraft {
    InteractionDraft {
        channel: "phone".into(),
        with: "patient".into(),
        summary: text.into(),
        ..Default::default()
    }
}

#[wasm_bindgen_test]
fn a_store_left_by_the_first_release_is_migrated_and_keeps_its_preferences() {
    // Exactly what release 0.1.0 of the shell wrote: preferences, no meta.
    let store = unlocked("advocase-test-v1.");
    LocalStorage::raw()
        .set_item("advocase-test-v1.preferences", r#"{"large_text":true}"#)
        .unwrap();

    let opened = cases::open(&store);
    assert!(opened.replica.logs.is_empty());
    assert!(opened.quarantined.is_empty());
    assert_eq!(opened.read_only, None);
    assert_eq!(store.get_raw("meta"), Some(current_meta()));
    let (prefs, error) = preferences::load(&store);
    assert!(
        prefs.large_text,
        "the old preference survives the migration"
    );
    assert_eq!(error, None);
    clear(&store);
}

#[wasm_bindgen_test]
async fn a_store_from_a_newer_release_is_read_but_never_written() {
    let store = unlocked("advocase-test-newer.");
    LocalStorage::raw()
        .set_item("advocase-test-newer.meta", r#"{"schema":99}"#)
        .unwrap();
    let cases = Cases::load(store.clone());
    assert!(
        cases
            .read_only
            .get_untracked()
            .unwrap()
            .contains("newer version")
    );
    assert!(matches!(
        cases.create(&grievance(), "ana"),
        Err(SaveError::ReadOnly(_))
    ));
    assert_eq!(store.keys(), ["meta"], "nothing was written");
    // Even an entry this build cannot read stays where the newer release put
    // it (stored as that release wrote it, in a format this one does not know).
    store
        .put("case.from-the-future", "v9:unknown format")
        .unwrap();
    let again = Cases::load(store.clone());
    assert_eq!(again.quarantined.get_untracked().len(), 1, "reported");
    assert_eq!(
        store.get_raw("case.from-the-future").as_deref(),
        Some("v9:unknown format"),
        "not moved"
    );
    assert_eq!(again.recover().await, 0);
    assert_eq!(store.get_raw("meta").as_deref(), Some(r#"{"schema":99}"#));
    clear(&store);
}

#[wasm_bindgen_test]
fn cases_round_trip_and_a_damaged_file_is_set_aside_without_taking_the_others() {
    let store = unlocked("advocase-test-cases.");
    let cases = Cases::load(store.clone());
    let good = cases.create(&grievance(), "ana").unwrap();
    cases
        .log(good, &note("Daughter called"), None, "ana")
        .unwrap();
    let doomed = cases
        .create(
            &CaseDraft {
                patient_name: "Wei Chen".into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();

    // Damage one file as a failing disk or a bad extension might: one
    // UTF-16 unit in the middle of its sealed text.
    let key = format!("case.{doomed}");
    let sealed = store.get_raw(&key).unwrap();
    assert!(advocase_core::sealed::is_sealed(&sealed), "stored sealed");
    let mut units: Vec<u16> = sealed.encode_utf16().collect();
    let middle = units.len() / 2;
    units[middle] ^= 1;
    let damaged = String::from_utf16(&units).unwrap();
    assert_ne!(damaged, sealed);
    store.put(&key, &damaged).unwrap();

    let reopened = Cases::load(store.clone());
    let load = reopened.caseload.get_untracked();
    assert_eq!(load.len(), 1, "the good case still loads");
    let file = load.get(&good).unwrap();
    assert_eq!(file.case.patient.name, "Rosa Martinez");
    assert_eq!(file.interactions.len(), 1);
    assert_eq!(file.interactions[0].summary, "Daughter called");

    let aside = reopened.quarantined.get_untracked();
    assert_eq!(aside.len(), 1);
    assert_eq!(aside[0].key, key);
    assert!(
        aside[0].reason.contains("integrity check"),
        "the reason says why: {}",
        aside[0].reason
    );
    assert_eq!(aside[0].chars, damaged.chars().count());
    assert_eq!(store.get_raw(&key), None, "moved out of the way");
    assert_eq!(
        store.get_raw(&format!("quarantine.{key}")),
        Some(damaged),
        "its bytes are kept verbatim"
    );

    // Opening again neither loses it nor sets it aside twice.
    let again = Cases::load(store.clone());
    assert_eq!(again.quarantined.get_untracked().len(), 1);
    again.discard_quarantined(&key);
    assert!(again.quarantined.get_untracked().is_empty());
    assert_eq!(store.get_raw(&format!("quarantine.{key}")), None);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_full_store_refuses_a_log_clearly_and_loses_nothing_already_saved() {
    let store = unlocked("advocase-test-full.");
    let cases = Cases::load(store.clone());
    let id = cases.create(&grievance(), "ana").unwrap();
    cases
        .log(id, &note("Saved before the store filled up"), None, "ana")
        .unwrap();

    // Fill to within a few hundred characters of the quota.
    let mut n = 0;
    for size in [128 * 1024, 4 * 1024, 256] {
        let chunk = "x".repeat(size);
        while store.set(&format!("fill-{n}"), &chunk).is_ok() {
            n += 1;
            assert!(n < 2_000, "the quota never ran out");
        }
    }
    let words: Vec<String> = (0..1_500).map(|i| format!("w{i}")).collect();
    match cases.log(id, &note(&words.join(" ")), None, "ana") {
        Err(SaveError::Storage(StorageError::QuotaExceeded)) => {}
        other => panic!("expected a quota error, got {other:?}"),
    }
    let shown = cases.caseload.get_untracked();
    assert_eq!(
        shown.get(&id).unwrap().interactions.len(),
        1,
        "the view does not show what was not saved"
    );

    for i in 0..n {
        store.remove(&format!("fill-{i}"));
    }
    let reopened = Cases::load(store.clone()).caseload.get_untracked();
    let file = reopened.get(&id).unwrap();
    assert_eq!(file.interactions.len(), 1);
    assert_eq!(
        file.interactions[0].summary,
        "Saved before the store filled up"
    );
    clear(&store);
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

#[wasm_bindgen_test]
async fn what_localstorage_lost_comes_back_from_the_durable_journal() {
    let store = unlocked("advocase-test-journal.");
    let cases = Cases::load(store.clone());
    let id = cases.create(&grievance(), "ana").unwrap();
    cases
        .log(
            id,
            &note("Logged just before the battery died"),
            None,
            "ana",
        )
        .unwrap();
    assert!(
        cases.pending.get_untracked() > 0,
        "not yet on disk right after the call (pending {}, error {:?})",
        cases.pending.get_untracked(),
        cases.journal_error.get_untracked()
    );
    journal_settled(&cases).await;
    assert_eq!(cases.journal_error.get_untracked(), None);

    // The browser died before committing localStorage: the last write is gone.
    let key = format!("case.{id}");
    let before_log = {
        let mut log: CaseLog = encoding::decode(&store.read(&key).unwrap().unwrap()).unwrap();
        log.entries
            .retain(|e| !matches!(e.change.op, advocase_core::change::Op::Log { .. }));
        encoding::encode(&log)
    };
    store.set_raw(&key, &before_log).unwrap();

    let restarted = Cases::load(store.clone());
    assert_eq!(
        restarted
            .caseload
            .get_untracked()
            .get(&id)
            .unwrap()
            .interactions
            .len(),
        0
    );
    assert_eq!(restarted.recover().await, 1);
    let file = restarted
        .caseload
        .get_untracked()
        .get(&id)
        .cloned()
        .unwrap();
    assert_eq!(
        file.interactions.len(),
        1,
        "the journal's later version wins"
    );
    assert_eq!(
        file.interactions[0].summary,
        "Logged just before the battery died"
    );
    assert_eq!(
        encoding::decode::<CaseLog>(&store.read(&key).unwrap().unwrap())
            .unwrap()
            .fold()
            .unwrap()
            .interactions,
        file.interactions
    );

    // Losing the whole entry is recovered too; an equal copy is left alone.
    store.remove(&key);
    let again = Cases::load(store.clone());
    assert_eq!(again.recover().await, 1);
    assert!(again.caseload.get_untracked().get(&id).is_some());
    assert_eq!(Cases::load(store.clone()).recover().await, 0);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_store_of_the_cases_release_becomes_logs_waiting_to_be_sent() {
    // What release 2 wrote: a case file (case + interactions) per key.
    let store = unlocked("advocase-test-v2.");
    let first = Cases::load(store.clone());
    let id = first.create(&grievance(), "ana").unwrap();
    first
        .log(id, &note("Called the daughter"), None, "ana")
        .unwrap();
    let file = first.caseload.get_untracked().get(&id).unwrap().clone();
    let legacy =
        advocase_core::caseload::CaseFile::new(file.case.clone(), file.interactions.clone());
    clear(&store);
    // Release 2 predates encryption: its records are in the clear.
    store
        .put(&format!("case.{id}"), &encoding::encode(&legacy))
        .unwrap();
    store.put("meta", r#"{"schema":2}"#).unwrap();

    let cases = Cases::load(store.clone());
    let shown = cases.caseload.get_untracked();
    let migrated = shown.get(&id).expect("the case is still there");
    assert_eq!(migrated.case, legacy.case);
    assert_eq!(migrated.interactions, legacy.interactions);
    assert_eq!(
        cases.unsent.get_untracked(),
        2,
        "opening and interaction wait to be sent"
    );
    assert_eq!(store.get_raw("meta"), Some(current_meta()));
    assert!(
        advocase_core::sealed::is_sealed(&store.get_raw(&format!("case.{id}")).unwrap()),
        "the migrated log is written sealed"
    );
    // Opening again changes nothing and numbers nothing twice.
    let again = Cases::load(store.clone());
    assert_eq!(again.unsent.get_untracked(), 2);
    let seqs: Vec<u64> = again.outbox(10).iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [1, 2]);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_refused_change_is_set_aside_on_its_case_and_the_rest_go_on() {
    use advocase_core::api::ApiError;
    use advocase_core::sync::{Outcome, PushResult};
    let store = unlocked("advocase-test-refused.");
    let cases = Cases::load(store.clone());
    let id = cases.create(&grievance(), "ana").unwrap();
    cases.log(id, &note("First visit"), None, "ana").unwrap();
    cases.log(id, &note("Second visit"), None, "ana").unwrap();
    let sent = cases.outbox(10);
    assert_eq!(sent.len(), 3);
    let results: Vec<PushResult> = sent
        .iter()
        .enumerate()
        .map(|(i, c)| PushResult {
            id: c.id,
            seq: c.seq,
            outcome: if i == 1 {
                Outcome::Refused {
                    reason: ApiError::new("forbidden", "Not your unit."),
                }
            } else {
                Outcome::Stored {
                    server_seq: i as u64 + 1,
                    hlc: c.hlc,
                    duplicate: false,
                }
            },
        })
        .collect();
    cases.on_push(&sent, &results).unwrap();
    assert_eq!(cases.unsent.get_untracked(), 0, "nothing is held up");
    let file = cases.caseload.get_untracked().get(&id).unwrap().clone();
    assert_eq!(file.set_aside.len(), 1);
    assert_eq!(file.set_aside[0].reason.message, "Not your unit.");
    assert_eq!(
        file.interactions.len(),
        1,
        "the refused log is not shown as done"
    );

    // It survives a restart, and a person can send it again or discard it.
    let reopened = Cases::load(store.clone());
    let file = reopened.caseload.get_untracked().get(&id).unwrap().clone();
    assert_eq!(file.set_aside.len(), 1);
    let refused = file.set_aside[0].change.id;
    reopened.resend_set_aside(id, refused, "ana").unwrap();
    assert_eq!(
        reopened.unsent.get_untracked(),
        1,
        "queued again under a new number"
    );
    let again = reopened.outbox(10);
    assert_eq!(again[0].seq, 4);
    clear(&store);
}

#[wasm_bindgen_test]
fn signing_out_wipes_patient_data_but_keeps_the_device_numbering() {
    let store = unlocked("advocase-test-wipe.");
    let cases = Cases::load(store.clone());
    let device = cases.device();
    let id = cases.create(&grievance(), "ana").unwrap();
    cases.log(id, &note("Visit"), None, "ana").unwrap();
    cases.wipe();
    assert!(cases.caseload.get_untracked().is_empty());
    assert!(
        store.keys().iter().all(|k| !k.starts_with("case.")),
        "{:?}",
        store.keys()
    );
    let after = Cases::load(store.clone());
    assert!(after.caseload.get_untracked().is_empty());
    assert_eq!(after.device(), device);
    after.create(&grievance(), "ben").unwrap();
    assert_eq!(
        after.outbox(1)[0].seq,
        3,
        "numbers are never given out twice"
    );
    clear(&store);
}

#[wasm_bindgen_test]
fn a_checklist_ticked_offline_survives_a_reload_and_waits_to_be_sent() {
    use advocase_core::checklist::{ItemState, ItemValue, default_templates};
    let store = unlocked("advocase-test-checklist.");
    let cases = Cases::load(store.clone());
    let id = cases.create(&grievance(), "ana").unwrap();
    let template = default_templates().remove(0);
    let checklist = cases.start_checklist(id, &template, "ana").unwrap();
    let again = cases.start_checklist(id, &template, "ana");
    assert!(
        matches!(&again, Err(SaveError::Invalid(p)) if p.to_string().contains("already started")),
        "the same template twice on one case is refused: {again:?}"
    );
    let items: Vec<_> = cases.caseload.with_untracked(|c| {
        c.get(&id).unwrap().case.checklists[0]
            .items
            .iter()
            .map(|i| (i.id, i.required))
            .collect()
    });
    let required = items.iter().find(|i| i.1).unwrap().0;
    let optional = items.iter().find(|i| !i.1).unwrap().0;
    let done = ItemState::Done {
        by: "ana".into(),
        at: advocase::clock::now(),
    };
    cases
        .set_item(id, checklist, required, vec![ItemValue::State(done)], "ana")
        .unwrap();
    let blank_reason = ItemState::NotApplicable {
        reason: " ".into(),
        by: "ana".into(),
        at: advocase::clock::now(),
    };
    assert!(matches!(
        cases.set_item(
            id,
            checklist,
            optional,
            vec![ItemValue::State(blank_reason)],
            "ana"
        ),
        Err(SaveError::Invalid(_))
    ));
    let unsent = cases.unsent.get_untracked();
    assert_eq!(unsent, 3, "opened, checklist started, one tick");

    let reopened = Cases::load(store.clone());
    let file = reopened
        .caseload
        .with_untracked(|c| c.get(&id).cloned())
        .unwrap();
    let progress = file.case.discharge_progress().unwrap();
    assert_eq!(progress.describe(), "1 of 20, 5 required items left");
    assert_eq!(reopened.unsent.get_untracked(), 3);
    let outbox = reopened.outbox(10);
    assert_eq!(outbox.len(), 3);
    assert!(
        outbox.windows(2).all(|w| w[0].seq < w[1].seq),
        "sent in the order they were made"
    );
    clear(&store);
}

#[wasm_bindgen_test]
fn a_damaged_template_copy_falls_back_to_the_built_in_templates_and_drafts_are_kept() {
    use advocase::templates::Templates;
    let store = unlocked("advocase-test-templates.");
    store.set_raw("templates", "{\"not\": \"a list\"").unwrap();
    let templates = Templates::load(store.clone());
    let offered = templates.offered();
    assert_eq!(offered.len(), 2, "the built-in templates are always there");
    assert!(offered[0].name.starts_with("Discharge planning checklist"));
    assert_eq!(
        store.get_raw("templates"),
        None,
        "the damaged copy is dropped"
    );

    let mut draft = offered[1].clone();
    draft.name = "RED, 4 West".into();
    templates.keep_draft("mona", Some(&draft)).unwrap();
    let reloaded = Templates::load(store.clone());
    assert_eq!(reloaded.draft("mona"), Some(draft));
    assert_eq!(reloaded.draft("ana"), None, "drafts are per person");
    reloaded.keep_draft("mona", None).unwrap();
    assert_eq!(Templates::load(store.clone()).draft("mona"), None);
    clear(&store);
}

#[wasm_bindgen_test]
async fn a_field_owns_its_message_and_aria_and_the_summary_takes_focus_to_the_first_at_fault() {
    use advocase::views::fields::{Control, ErrorSummary, Field, FormState};
    use advocase_core::validation::Problems;
    let root = fresh_container();
    let form = FormState::new("t");
    let (a, b, c) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let _handle = mount_to(root.clone(), move || {
        view! {
            <form>
                <ErrorSummary form/>
                <div class="grid">
                    <Field form name="patient.name" label="Patient name" value=a set=move |v| a.set(v)/>
                    <Field form name="kind" label="Kind" value=b set=move |v| b.set(v)
                        control=Control::Select(vec![(String::new(), "Choose…".into()), ("concern".into(), "Concern".into())])/>
                    <Field form name="mrn" label="MRN" value=c set=move |v| c.set(v)/>
                </div>
            </form>
        }
    });
    let control = |id: &str| root.query_selector(&format!("#{id}")).unwrap().unwrap();
    assert_eq!(
        root.query_selector("label[for=t-patient-name]")
            .unwrap()
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Patient name"),
        "the label names its control"
    );
    assert!(
        control("t-patient-name")
            .get_attribute("aria-invalid")
            .is_none()
    );

    // In the order the core reports them, not the form's; one the form
    // does not show.
    let mut p = Problems::default();
    p.add("kind", "Choose what kind of case this is.");
    p.add("patient.name", "Patient name is required.");
    p.add("assignee", "No such colleague.");
    form.invalid(p);
    tick().await;
    for (id, message) in [
        ("t-patient-name", "Patient name is required."),
        ("t-kind", "Choose what kind of case this is."),
    ] {
        let el = control(id);
        assert_eq!(
            el.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "{id}"
        );
        let described = el
            .get_attribute("aria-describedby")
            .expect("described by its message");
        let msg = root
            .query_selector(&format!("#{described}"))
            .unwrap()
            .expect("message exists");
        assert_eq!(msg.text_content().as_deref(), Some(message));
        assert!(
            el.parent_element().unwrap().contains(Some(&msg)),
            "{id}: the message is in the field's own cell"
        );
        assert!(
            el.compare_document_position(&msg) & web_sys::Node::DOCUMENT_POSITION_FOLLOWING != 0,
            "{id}: the message comes after its control"
        );
    }
    let mrn = control("t-mrn");
    assert!(mrn.get_attribute("aria-invalid").is_none());
    assert!(mrn.get_attribute("aria-describedby").is_none());

    let summary = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("summary shown");
    let links: Vec<String> = (1..=3)
        .filter_map(|n| {
            summary
                .query_selector(&format!("li:nth-child({n}) a"))
                .unwrap()
        })
        .map(|a| {
            format!(
                "{} {}",
                a.get_attribute("href").unwrap(),
                a.text_content().unwrap()
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            "#t-patient-name Patient name is required.",
            "#t-kind Choose what kind of case this is."
        ],
        "linked in the form's order"
    );
    assert!(
        summary
            .text_content()
            .unwrap()
            .contains("No such colleague.")
    );
    assert!(
        summary.compare_document_position(&control("t-patient-name"))
            & web_sys::Node::DOCUMENT_POSITION_FOLLOWING
            != 0,
        "the summary is above the fields"
    );
    gloo_timers_sleep(50).await;
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("t-patient-name"),
        "focus moves to the first field at fault"
    );

    form.clear();
    tick().await;
    assert!(control("t-kind").get_attribute("aria-invalid").is_none());
    assert!(root.query_selector(".field-error").unwrap().is_none());
    assert!(root.query_selector("[role=alert]").unwrap().is_none());
    root.remove();
}

#[wasm_bindgen_test]
fn the_hospitals_numbers_are_kept_for_offline_use_and_a_damaged_copy_is_dropped() {
    use advocase::hospital::Hospital;
    use advocase_core::hospital::HospitalContacts;
    let store = unlocked("advocase-test-hospital.");
    let saved = HospitalContacts {
        state_agency_name: "State Department of Health".into(),
        state_agency_phone: "1-800-555-0134".into(),
        ..HospitalContacts::default()
    };
    store.set("hospital", &saved).unwrap();
    assert_eq!(
        Hospital::load(store.clone()).contacts().get_untracked(),
        saved,
        "offline, the device's copy serves the rights sheet"
    );

    store.set_raw("hospital", "{\"qio_phone\": 12").unwrap();
    let hospital = Hospital::load(store.clone());
    assert_eq!(
        hospital.contacts().get_untracked(),
        HospitalContacts::default(),
        "a damaged copy gives no numbers rather than wrong ones"
    );
    assert_eq!(
        store.get_raw("hospital"),
        None,
        "and is dropped, to be fetched again"
    );
    clear(&store);
}

#[wasm_bindgen_test]
fn a_refusal_of_a_session_already_ended_here_asks_nobody_to_sign_in() {
    use advocase::session::Auth;
    use advocase_core::access::{Role, User};
    use advocase_core::sync::Session;

    let store = unlocked("advocase-test-refuse.");
    let session = |token: &str| Session {
        token: token.into(),
        expires_at_ms: u64::MAX,
        user: User {
            username: "ana".into(),
            display_name: "Ana".into(),
            role: Role::Coordinator,
            units: vec!["4 West".into()],
            active: true,
        },
        lock_after_minutes: None,
    };
    store.set("session", &session("new-token")).unwrap();
    let auth = Auth::load(store.clone());
    // A sync sent with the session before (signed out, signed in again
    // since) comes back refused: nothing changes for the person here.
    auth.refuse("old-token", "Your session was ended on the server.".into());
    assert_eq!(auth.refused.get_untracked(), None);
    assert_eq!(auth.token().as_deref(), Some("new-token"));
    // The device's own session refused: it asks for a sign-in.
    auth.refuse("new-token", "Your session was ended on the server.".into());
    assert!(auth.refused.get_untracked().is_some());
    assert_eq!(auth.token(), None);
    clear(&store);
}

// Device encryption (docs/SECURITY.md, "Device encryption"): what is at
// rest, the vault's PIN and recovery, and the upgrade of a store from
// before encryption.

/// Base64 (standard or URL alphabet, padding optional); `None` unless the
/// whole text is base64.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() < 4 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut n) = (0u32, 0u32);
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
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
    Some(out)
}

fn base64_encode(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[(v >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every readable form `value` could hold text in: as it is, lz-string
/// decompressed (UTF-16 and base64 forms, also after a format tag and
/// checksum: `z` + 8 hex digits, `e` + its padding unit), base64 decoded;
/// and the strings inside JSON, each looked into the same way.
fn readable_forms(value: &str, depth: u32, out: &mut Vec<String>) {
    out.push(value.to_owned());
    if depth == 0 {
        return;
    }
    let units: Vec<u16> = value.encode_utf16().collect();
    for skip in [0usize, 1, 2, 9] {
        let Some(rest) = units.get(skip..).filter(|r| !r.is_empty()) else {
            continue;
        };
        let Ok(rest) = String::from_utf16(rest) else {
            continue;
        };
        // decompress_from_utf16 subtracts 32 from every unit (and would
        // overflow below that): lz-string's UTF-16 form never has one.
        if rest.encode_utf16().all(|u| u >= 32)
            && let Some(plain) = lz_str::decompress_from_utf16(&rest)
        {
            readable_forms(&String::from_utf16_lossy(&plain), depth - 1, out);
        }
        if let Some(plain) = lz_str::decompress_from_base64(&rest) {
            readable_forms(&String::from_utf16_lossy(&plain), depth - 1, out);
        }
    }
    if let Some(bytes) = base64_decode(value) {
        readable_forms(&String::from_utf8_lossy(&bytes), depth - 1, out);
    }
    if let Ok(json) = serde_json::from_str::<serde_json::Value>(value) {
        let mut strings = Vec::new();
        collect_strings(&json, &mut strings);
        for s in strings {
            readable_forms(&s, depth - 1, out);
        }
    }
}

fn collect_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
            out.push(k.clone());
            collect_strings(v, out)
        }),
        _ => {}
    }
}

/// The needles found in `value` (in any readable form), case-insensitively.
fn found_in(value: &str, needles: &[&str]) -> Vec<String> {
    let mut forms = Vec::new();
    readable_forms(value, 3, &mut forms);
    let forms: Vec<String> = forms.iter().map(|f| f.to_lowercase()).collect();
    needles
        .iter()
        .filter(|n| forms.iter().any(|f| f.contains(&n.to_lowercase())))
        .map(|n| (*n).to_owned())
        .collect()
}

/// Every needle readable at rest: in each localStorage value under the
/// store's prefix and in every record of the journal (whatever its key).
async fn readable_at_rest(store: &Store, needles: &[&str]) -> Vec<String> {
    let mut leaks = Vec::new();
    for key in store.keys() {
        let value = store.get_raw(&key).unwrap_or_default();
        for n in found_in(&value, needles) {
            leaks.push(format!("localStorage {}: {n}", store.full_key(&key)));
        }
    }
    for (key, value) in advocase::journal::entries().await.unwrap() {
        for n in found_in(&value, needles) {
            leaks.push(format!("journal {key}: {n}"));
        }
    }
    leaks
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

#[wasm_bindgen_test]
async fn no_patient_text_is_readable_at_rest_in_storage_or_the_journal() {
    use advocase::session::Auth;
    use advocase_core::patient::Contact;
    // Names used nowhere else, so a hit in any journal record is ours.
    let needles = [
        "Philippa Quenby-Ashdown",
        "MRN-QX-904417",
        "Thaddeus Quenby",
        "suspected warfarin mix-up on ward 9Q",
        "spoke with the Quenby daughter about hospice",
        "tea-stained consent form",
        "draft about the Quenby pharmacy call",
        "Oswin Quarrendale",
        "tok-QX-5e55i0n-secret",
    ];
    let store = unlocked("advocase-test-rest.");
    let cases = Cases::load(store.clone());
    let id = cases
        .create(
            &CaseDraft {
                patient_name: needles[0].into(),
                mrn: needles[1].into(),
                description: format!("Family reports {}", needles[3]),
                contacts: vec![Contact {
                    name: needles[2].into(),
                    relationship: "son".into(),
                    phone: "555-0199".into(),
                    may_share: true,
                }],
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    cases
        .log(
            id,
            &InteractionDraft {
                outcome: needles[5].into(),
                ..note(&format!("Called: {}", needles[4]))
            },
            None,
            "ana",
        )
        .unwrap();
    let second = cases
        .create(
            &CaseDraft {
                patient_name: needles[7].into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    cases.log(second, &note(needles[4]), None, "ana").unwrap();
    // A quick-log draft and a new-case draft, as the forms keep them.
    store
        .set(
            &format!("draft.log.{id}"),
            &serde_json::json!({ "channel": "phone", "with": "family", "summary": needles[6] }),
        )
        .unwrap();
    store
        .set(
            "draft.new-case",
            &CaseDraft {
                patient_name: needles[0].into(),
                mrn: needles[1].into(),
                ..CaseDraft::default()
            },
        )
        .unwrap();
    // The session, through the same path a sign-in takes (sealed, journaled).
    let auth = Auth::load(store.clone());
    auth.accept(a_session(needles[8], "ana", "Ana Ruiz"))
        .unwrap();
    journal_settled(&cases).await;
    journal_flushed().await;
    assert_eq!(cases.journal_error.get_untracked(), None);

    // Everything is there and reads back...
    let shown = cases.caseload.get_untracked();
    assert_eq!(shown.get(&id).unwrap().case.patient.name, needles[0]);
    assert_eq!(shown.get(&second).unwrap().interactions.len(), 1);
    let journaled = advocase::journal::entries().await.unwrap();
    for key in [
        format!("case.{id}"),
        format!("case.{second}"),
        "session".into(),
    ] {
        let full = store.full_key(&key);
        let copy = journaled.iter().find(|(k, _)| *k == full);
        assert_eq!(
            copy.map(|(_, v)| v.clone()),
            store.get_raw(&key),
            "the journal holds {key} as stored"
        );
    }
    // ... and none of it is readable at rest.
    let leaks = readable_at_rest(&store, &needles).await;
    assert!(leaks.is_empty(), "readable at rest: {leaks:?}");
    for key in store.keys() {
        let raw = store.get_raw(&key).unwrap();
        assert!(
            advocase::storage::PLAIN.contains(&key.as_str())
                || advocase_core::sealed::is_sealed(&raw),
            "{key} is in the clear: {raw:.80}"
        );
    }

    // The scan would catch a leak: each form it reads, stored for real.
    // Forms first, in memory.
    for form in [
        needles[0].to_owned(),
        lz_str::compress_to_utf16(needles[0]),
        lz_str::compress_to_base64(needles[0]),
        encoding::encode(&needles[0]),
        base64_encode(needles[0].as_bytes()),
        serde_json::json!({ "b": base64_encode(needles[0].as_bytes()) }).to_string(),
    ] {
        assert_eq!(found_in(&form, &needles[..1]), [needles[0]], "in {form:?}");
    }
    // Then stored in the clear under plain keys, and in the journal.
    store
        .set("hospital", &serde_json::json!({ "note": needles[0] }))
        .unwrap();
    store
        .put("preferences", &encoding::encode(&needles[1]))
        .unwrap();
    let journal_key = store.full_key("templates");
    advocase::journal::write(
        journal_key.clone(),
        Some(base64_encode(needles[7].as_bytes())),
        |_| {},
    );
    journal_flushed().await;
    let mut leaks = readable_at_rest(&store, &needles).await;
    leaks.sort();
    assert_eq!(
        leaks,
        [
            format!("journal {journal_key}: {}", needles[7]),
            format!(
                "localStorage {}: {}",
                store.full_key("hospital"),
                needles[0]
            ),
            format!(
                "localStorage {}: {}",
                store.full_key("preferences"),
                needles[1]
            ),
        ],
        "the self-check finds exactly what was put in the clear"
    );
    advocase::journal::write(journal_key, None, |_| {});
    advocase::journal::write(store.full_key("session"), None, |_| {});
    cases.wipe();
    journal_settled(&cases).await;
    journal_flushed().await;
    clear(&store);
}

#[wasm_bindgen_test]
async fn the_vault_counts_wrong_pins_destroys_the_pin_wrapping_and_recovers_by_escrow() {
    use advocase::storage::{self, PLAIN};
    use advocase::vault::{self, PinFailure};
    use advocase_core::keyring::WrongPin;

    let store = Store::new("advocase-test-vault.");
    clear(&store);
    vault::lock();
    let escrow: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
    vault::create(&store, "ana", "Ana Ruiz", "480516", Some(&escrow))
        .await
        .unwrap();
    assert!(storage::unlocked(), "a new keyring leaves the device open");
    let ring = vault::keyring(&store).unwrap();
    assert_eq!((ring.owner.as_str(), ring.failed), ("ana", 0));
    assert!(ring.pin.is_some() && ring.escrow.is_some());
    assert!(PLAIN.contains(&"keyring"));

    // Work before the lock: two cases, unsent.
    let cases = Cases::load(store.clone());
    let id = cases.create(&grievance(), "ana").unwrap();
    cases
        .log(id, &note("Written before the lock"), None, "ana")
        .unwrap();
    let other = cases
        .create(
            &CaseDraft {
                patient_name: "Wei Chen".into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    let before = cases.caseload.get_untracked();
    let unsent = cases.unsent.get_untracked();
    assert_eq!(unsent, 3);
    assert_eq!(cases::unsent_count(&store), unsent);
    journal_settled(&cases).await;
    let key = format!("case.{id}");
    let plain_before = store.read(&key).unwrap().unwrap();

    // Locked: nothing sealed reads or writes; the unsent count still reads.
    cases.forget();
    vault::lock();
    assert!(!storage::unlocked());
    assert!(cases.caseload.get_untracked().is_empty());
    assert_eq!(store.read(&key), Err(StorageError::Locked));
    assert_eq!(
        store.set(&format!("draft.log.{id}"), &"x"),
        Err(StorageError::Locked)
    );
    assert_eq!(store.get_raw(&format!("draft.log.{id}")), None);
    assert_eq!(cases::unsent_count(&store), unsent, "readable while locked");

    // Five wrong PINs: four warnings, then the PIN wrapping is gone.
    for left in (1..=4).rev() {
        assert_eq!(
            vault::unlock_pin(&store, "135790").await,
            Err(PinFailure::Wrong(WrongPin::Left(left)))
        );
        assert!(!storage::unlocked());
        assert_eq!(
            vault::keyring(&store).unwrap().failed,
            5 - left,
            "counted at once"
        );
    }
    assert_eq!(
        vault::unlock_pin(&store, "135790").await,
        Err(PinFailure::Wrong(WrongPin::Destroyed))
    );
    let ring = vault::keyring(&store).unwrap();
    assert_eq!(ring.pin, None, "the PIN wrapping is destroyed");
    assert!(ring.escrow.is_some(), "the escrow wrapping is kept");
    assert_eq!(
        vault::unlock_pin(&store, "480516").await,
        Err(PinFailure::Wrong(WrongPin::Destroyed)),
        "now not even the right PIN opens it"
    );
    assert!(!storage::unlocked());
    assert_eq!(store.read(&key), Err(StorageError::Locked));

    // Recovery: a wrong escrow key does not open it, the right one does.
    let mut wrong = escrow.clone();
    wrong[31] ^= 1;
    assert!(vault::unlock_escrow(&store, &wrong).await.is_err());
    assert!(!storage::unlocked());
    vault::unlock_escrow(&store, &escrow).await.unwrap();
    assert!(storage::unlocked());
    assert_eq!(
        store.read(&key).unwrap().as_deref(),
        Some(plain_before.as_str())
    );
    cases.reload();
    assert_eq!(cases.caseload.get_untracked().len(), 2);
    for case in [id, other] {
        assert_eq!(
            cases.caseload.get_untracked().get(&case),
            before.get(&case),
            "written before the lock, read after the recovery"
        );
    }
    assert_eq!(
        cases.unsent.get_untracked(),
        unsent,
        "nothing unsent is lost"
    );
    assert_eq!(cases.outbox(10).len(), unsent);
    assert!(cases.quarantined.get_untracked().is_empty());

    // A new PIN; the old one no longer works, the new one does.
    vault::set_pin(&store, "736029").await.unwrap();
    let ring = vault::keyring(&store).unwrap();
    assert!(ring.pin.is_some());
    assert_eq!(ring.failed, 0);
    cases.forget();
    vault::lock();
    assert_eq!(
        vault::unlock_pin(&store, "480516").await,
        Err(PinFailure::Wrong(WrongPin::Left(4)))
    );
    assert!(!storage::unlocked());
    vault::unlock_pin(&store, "736029").await.unwrap();
    assert!(storage::unlocked());
    assert_eq!(
        vault::keyring(&store).unwrap().failed,
        0,
        "a right PIN resets the count"
    );
    cases.reload();
    assert_eq!(
        cases.caseload.get_untracked().get(&id),
        before.get(&id),
        "and the data reads again"
    );
    assert_eq!(cases.unsent.get_untracked(), unsent);
    // Writing works again once open.
    cases
        .log(id, &note("After the new PIN"), None, "ana")
        .unwrap();
    assert_eq!(cases.unsent.get_untracked(), unsent + 1);
    journal_settled(&cases).await;

    cases.wipe();
    journal_settled(&cases).await;
    vault::destroy(&store);
    clear(&store);
}

#[wasm_bindgen_test]
async fn a_store_from_before_encryption_is_sealed_in_place_and_loses_nothing() {
    use advocase::session::Auth;
    use advocase::storage::PLAIN;
    use advocase::vault;
    use advocase_core::sealed::is_sealed;

    let needles = [
        "Ingrid Vasquez-Holloway",
        "MRN-PL-551208",
        "Bartholomew Ekwueme-Lind",
        "plain-era note: interpreter for Amharic requested",
        "plain-era draft: call the Ekwueme-Lind nephew",
        "tok-PL-plain-session",
    ];

    // The fixture's logs: made by this build's core in a scratch store,
    // then stored as layout 3 wrote them, in the clear.
    let scratch = unlocked("advocase-test-plain-src.");
    let src = Cases::load(scratch.clone());
    let a = src
        .create(
            &CaseDraft {
                patient_name: needles[0].into(),
                mrn: needles[1].into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    src.log(a, &note(needles[3]), None, "ana").unwrap();
    let b = src
        .create(
            &CaseDraft {
                patient_name: needles[2].into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    src.log(b, &note("Second visit"), None, "ana").unwrap();
    let unsent = src.unsent.get_untracked();
    assert_eq!(unsent, 4);
    let expected = src.caseload.get_untracked();
    let logs: Vec<(String, String)> = [a, b]
        .iter()
        .map(|id| {
            let key = format!("case.{id}");
            let log: CaseLog = encoding::decode(&scratch.read(&key).unwrap().unwrap()).unwrap();
            (key, encoding::encode(&log))
        })
        .collect();
    let sync_state = scratch.get_raw("sync").unwrap();
    journal_settled(&src).await;
    src.wipe();
    journal_settled(&src).await;
    clear(&scratch);

    // The store a layout-3 build left: no keyring, everything in the clear.
    advocase::storage::set_data_key(None);
    let store = Store::new("advocase-test-plain.");
    clear(&store);
    let session = a_session(needles[5], "ana", "Ana Ruiz");
    let session_json = serde_json::to_string(&session).unwrap();
    let draft_key = format!("draft.log.{a}");
    let draft = serde_json::json!({ "channel": "phone", "with": "family", "summary": needles[4] });
    store.put("meta", r#"{"schema":3}"#).unwrap();
    store.put("sync", &sync_state).unwrap();
    store.put("unsent", &unsent.to_string()).unwrap();
    store.put("session", &session_json).unwrap();
    store.put(&draft_key, &draft.to_string()).unwrap();
    // Case a in both; case b only in the journal (localStorage lost it).
    store.put(&logs[0].0, &logs[0].1).unwrap();
    for (key, text) in &logs {
        advocase::journal::write(store.full_key(key), Some(text.clone()), |_| {});
    }
    advocase::journal::write(
        store.full_key("session"),
        Some(session_json.clone()),
        |_| {},
    );
    journal_flushed().await;
    assert!(
        !readable_at_rest(&store, &needles).await.is_empty(),
        "the fixture is in the clear"
    );
    assert!(vault::keyring(&store).is_none());
    assert_eq!(cases::unsent_count(&store), unsent);

    // What the PIN form does for it, then what the shell does on opening.
    vault::create(&store, "ana", "Ana Ruiz", "480516", Some(&[3u8; 32]))
        .await
        .unwrap();
    let sealed_now = store.seal_plain();
    assert_eq!(sealed_now, 3, "case a, the session and the draft");
    let cases = Cases::load(store.clone());
    assert!(cases.quarantined.get_untracked().is_empty());
    assert_eq!(cases.read_only.get_untracked(), None);
    assert_eq!(cases.recover().await, 1, "case b, from the journal");
    journal_settled(&cases).await;
    journal_flushed().await;
    assert_eq!(cases.journal_error.get_untracked(), None);

    // Everything loads...
    let shown = cases.caseload.get_untracked();
    assert_eq!(shown.len(), 2);
    for id in [a, b] {
        assert_eq!(shown.get(&id), expected.get(&id), "case {id} as it was");
    }
    assert_eq!(shown.get(&a).unwrap().interactions[0].summary, needles[3]);
    assert_eq!(
        cases.unsent.get_untracked(),
        unsent,
        "nothing unsent is lost"
    );
    assert_eq!(cases::unsent_count(&store), unsent);
    assert_eq!(cases.outbox(10).len(), unsent);
    assert_eq!(
        Auth::load(store.clone()).session.get_untracked(),
        Some(session)
    );
    assert_eq!(
        store.get::<serde_json::Value>(&draft_key).unwrap(),
        Some(draft)
    );
    assert_eq!(store.get_raw("meta"), Some(current_meta()));

    // ... and nothing but the plain records is in the clear, here or in
    // the journal.
    let mut keys = store.keys();
    keys.sort();
    for key in &keys {
        let raw = store.get_raw(key).unwrap();
        assert_eq!(
            is_sealed(&raw),
            !PLAIN.contains(&key.as_str()),
            "{key}: {raw:.60}"
        );
    }
    assert!(keys.contains(&format!("case.{b}")), "{keys:?}");
    let base = store.full_key("");
    let journaled: Vec<(String, String)> = advocase::journal::entries()
        .await
        .unwrap()
        .into_iter()
        .filter(|(k, _)| k.starts_with(&base))
        .collect();
    for key in [format!("case.{a}"), format!("case.{b}"), "session".into()] {
        assert!(
            journaled.iter().any(|(k, _)| *k == store.full_key(&key)),
            "{key} is journaled"
        );
    }
    for (key, value) in &journaled {
        let short = &key[base.len()..];
        assert!(
            PLAIN.contains(&short) || is_sealed(value),
            "journal {key} is in the clear: {value:.60}"
        );
    }
    let leaks = readable_at_rest(&store, &needles).await;
    assert!(leaks.is_empty(), "readable at rest: {leaks:?}");

    // And a restart reads it all again, with nothing more to recover.
    let again = Cases::load(store.clone());
    assert_eq!(again.caseload.get_untracked().len(), 2);
    assert_eq!(again.recover().await, 0);
    assert_eq!(again.unsent.get_untracked(), unsent);
    journal_settled(&again).await;

    again.wipe();
    journal_settled(&again).await;
    advocase::journal::write(store.full_key("session"), None, |_| {});
    journal_flushed().await;
    vault::destroy(&store);
    clear(&store);
}

#[wasm_bindgen_test]
fn case_openings_wait_on_the_device_capped_and_go_once_the_server_answers() {
    use advocase::audit::{self, CAP};
    use advocase_core::audit::{AuditAccepted, action};
    use advocase_core::id::Id;

    let store = unlocked("advocase-test-audit.");
    let case = |n: u64| Id::new_v7(1_763_856_000_000 + n, [n as u8; 10]);
    for (user, n) in [("ana", 1), ("ana", 2), ("ben", 3), ("ana", 4)] {
        audit::record(&store, user, case(n)).unwrap();
    }
    // A reload: a new view of the same store finds them, oldest first.
    let queue = audit::queued(&Store::new("advocase-test-audit."));
    let cases: Vec<_> = queue.iter().map(|(u, e)| (u.as_str(), e.case_id)).collect();
    assert_eq!(
        cases,
        [
            ("ana", case(1)),
            ("ana", case(2)),
            ("ben", case(3)),
            ("ana", case(4))
        ]
    );
    assert!(queue.iter().all(|(_, e)| e.action == action::CASE_OPENED));
    let ids: Vec<Id> = queue.iter().map(|(_, e)| e.id).collect();
    assert_eq!(
        ids.iter().collect::<std::collections::BTreeSet<_>>().len(),
        4,
        "each event has its own id"
    );

    // Accepted and rejected ids are forgotten; the rest stay for later.
    let answer = AuditAccepted {
        accepted: vec![ids[0]],
        rejected: vec![ids[3]],
    };
    assert_eq!(audit::forget(&store, &answer), Ok(2));
    let left: Vec<Id> = audit::queued(&store).iter().map(|(_, e)| e.id).collect();
    assert_eq!(left, [ids[1], ids[2]]);
    assert_eq!(
        audit::forget(&store, &answer),
        Ok(0),
        "an answer twice changes nothing"
    );

    // Full: the newest CAP are kept, the oldest go. (The stored layout: a
    // line per event, user, id, case and time in ms, tab-separated.)
    let full: Vec<String> = (0..CAP as u64)
        .map(|n| format!("ana\t{}\t{}\t{n}", case(n), case(1)))
        .collect();
    store.set("audit", &full.join("\n")).unwrap();
    assert_eq!(audit::queued(&store).len(), CAP);
    audit::record(&store, "ana", case(9)).unwrap();
    audit::record(&store, "ana", case(10)).unwrap();
    let queue = audit::queued(&store);
    assert_eq!(queue.len(), CAP);
    assert_eq!(queue[0].1.id, case(2), "the two oldest went");
    assert_eq!(queue[CAP - 1].1.case_id, case(10), "the newest is kept");
    clear(&store);
}
