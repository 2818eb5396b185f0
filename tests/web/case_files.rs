//! Cases on the device: round trips, damage set aside, quota, the durable
//! journal, refused changes, sign-out, checklists.

use super::*;

#[wasm_bindgen_test]
fn cases_round_trip_and_a_damaged_file_is_set_aside_without_taking_the_others() {
    let store = unlocked("advocase-test-cases.");
    let cases = Cases::load(store.clone());
    let (good, doomed) = two_cases(&cases, "Daughter called");

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
    // The last report opened names patients too.
    store
        .set_raw(
            advocase::cases::REPORT_COPY,
            "month=2026-11\n<article>Ines Moreau</article>",
        )
        .unwrap();
    assert!(advocase_core::sealed::is_sealed(
        &store.get_raw(advocase::cases::REPORT_COPY).unwrap()
    ));
    cases.wipe();
    assert!(cases.caseload.get_untracked().is_empty());
    assert_eq!(
        store.read(advocase::cases::REPORT_COPY).unwrap(),
        None,
        "the report copy is gone"
    );
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
