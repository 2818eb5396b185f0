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
    let store = Store::new("advocase-test-v1.");
    clear(&store);
    LocalStorage::raw()
        .set_item("advocase-test-v1.preferences", r#"{"large_text":true}"#)
        .unwrap();

    let opened = cases::open(&store);
    assert!(opened.replica.logs.is_empty());
    assert!(opened.quarantined.is_empty());
    assert_eq!(opened.read_only, None);
    assert_eq!(store.get_raw("meta").as_deref(), Some(r#"{"schema":3}"#));
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
    let store = Store::new("advocase-test-newer.");
    clear(&store);
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
    // Even an entry this build cannot read stays where the newer release put it.
    store
        .set_raw("case.from-the-future", "v9:unknown format")
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
    let store = Store::new("advocase-test-cases.");
    clear(&store);
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

    // Damage one file as a failing disk or a bad extension might.
    let key = format!("case.{doomed}");
    let damaged = format!("{}#", store.get_raw(&key).unwrap());
    store.set_raw(&key, &damaged).unwrap();

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
    assert_eq!(store.get_raw(&key), None, "moved out of the way");
    assert_eq!(
        store.get_raw(&format!("quarantine.{key}")),
        Some(damaged),
        "its bytes are kept"
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
    let store = Store::new("advocase-test-full.");
    clear(&store);
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
    let store = Store::new("advocase-test-journal.");
    clear(&store);
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
        let mut log: CaseLog = encoding::decode(&store.get_raw(&key).unwrap()).unwrap();
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
        encoding::decode::<CaseLog>(&store.get_raw(&key).unwrap())
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
    let store = Store::new("advocase-test-v2.");
    clear(&store);
    let first = Cases::load(store.clone());
    let id = first.create(&grievance(), "ana").unwrap();
    first
        .log(id, &note("Called the daughter"), None, "ana")
        .unwrap();
    let file = first.caseload.get_untracked().get(&id).unwrap().clone();
    let legacy =
        advocase_core::caseload::CaseFile::new(file.case.clone(), file.interactions.clone());
    clear(&store);
    store
        .set_raw(&format!("case.{id}"), &encoding::encode(&legacy))
        .unwrap();
    store.set_raw("meta", r#"{"schema":2}"#).unwrap();

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
    assert_eq!(store.get_raw("meta").as_deref(), Some(r#"{"schema":3}"#));
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
    let store = Store::new("advocase-test-refused.");
    clear(&store);
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
    let store = Store::new("advocase-test-wipe.");
    clear(&store);
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
    let store = Store::new("advocase-test-checklist.");
    clear(&store);
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
    let store = Store::new("advocase-test-templates.");
    clear(&store);
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
    let store = Store::new("advocase-test-hospital.");
    clear(&store);
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

    let store = Store::new("advocase-test-refuse.");
    clear(&store);
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
