//! The case list's stored rows (`advocase_core::listing`, `Cases::reopen`):
//! a start shows them before reading the logs, never shows a row its log
//! no longer makes, and a damaged or stale set of rows is made again from
//! the logs with nothing lost.

use super::*;

/// Three cases (and `more`) saved, then the store opened once whole, which writes the
/// rows right after (as the first start of this build does).
async fn listed_store(prefix: &str, more: usize) -> (Store, [advocase_core::id::Id; 3]) {
    let store = unlocked(prefix);
    let cases = Cases::load(store.clone());
    for n in 0..more {
        let draft = CaseDraft {
            patient_name: format!("Patient {n}"),
            ..grievance()
        };
        cases.create(&draft, "ana").unwrap();
    }
    let (a, b) = two_cases(&cases, "Daughter called about the pharmacy");
    let c = cases
        .create(
            &CaseDraft {
                patient_name: "Lars Berg".into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    Cases::load(store.clone());
    gloo_timers_sleep(20).await;
    let list = store.get_raw(cases::LIST).expect("the rows are written");
    assert!(
        advocase_core::sealed::is_sealed(&list),
        "sealed: patient names"
    );
    (store, [a, b, c])
}

#[wasm_bindgen_test]
async fn a_start_lists_the_stored_rows_then_reads_every_log() {
    let (store, [a, b, c]) = listed_store("advocase-test-list-rows.", 0).await;
    let cases = Cases::opening(store.clone());
    assert!(
        cases.reading.get_untracked(),
        "the logs are still to be read"
    );
    let load = cases.caseload.get_untracked();
    assert_eq!(load.len(), 3, "every case listed at once");
    assert_eq!(load.unread(), 3);
    let names: Vec<String> = load.rows().map(|r| r.name.clone()).collect();
    assert!(names.contains(&"Lars Berg".to_owned()));
    // Words need the notes: counted as not searched yet, never as misses.
    let q = advocase_core::caseload::Query {
        text: "pharmacy".into(),
        ..Default::default()
    };
    let today = advocase::clock::today();
    assert_eq!(load.list(&q, today).unread, 3);
    // No write before the replica is whole: the form keeps its text.
    assert!(matches!(
        cases.log(a, &note("too soon"), None, "ana"),
        Err(SaveError::ReadOnly(_))
    ));

    cases.ready().await;
    assert!(!cases.reading.get_untracked());
    let load = cases.caseload.get_untracked();
    assert_eq!(load.unread(), 0);
    assert_eq!(load.list(&q, today).rows.len(), 1, "found in the notes");
    assert!(load.get(&b).is_some() && load.get(&c).is_some());
    assert_eq!(load.get(&a).unwrap().interactions.len(), 1);
    cases.log(a, &note("now it saves"), None, "ana").unwrap();
    clear(&store);
}

#[wasm_bindgen_test]
async fn rows_behind_their_logs_are_never_shown() {
    let (store, [a, b, _]) = listed_store("advocase-test-list-stale.", 8).await;
    // After the rows were written: a new case, a case resolved, a log gone
    // (as a browser killed between writing a log and its row leaves them).
    let writer = Cases::load(store.clone());
    let d = writer
        .create(
            &CaseDraft {
                patient_name: "Amara Okafor".into(),
                ..grievance()
            },
            "ana",
        )
        .unwrap();
    writer
        .apply(
            a,
            advocase_core::case::CaseCommand::Resolve {
                summary: "Explained".into(),
            },
            "ana",
        )
        .unwrap();
    store.remove(&format!("case.{b}"));

    // (Two logs of eleven to read first: the rows are still worth it.)
    let cases = Cases::opening(store.clone());
    let load = cases.caseload.get_untracked();
    assert!(cases.reading.get_untracked());
    assert_eq!(load.len(), 11, "b gone, d there");
    assert!(load.rows().all(|r| r.id != b));
    assert_eq!(
        load.rows().find(|r| r.id == a).unwrap().status,
        advocase_core::status::Status::Resolved,
        "the row its log makes now"
    );
    assert!(load.get(&d).is_some(), "read before the list showed");
    cases.ready().await;
    assert_eq!(cases.caseload.get_untracked().len(), 11);
    gloo_timers_sleep(20).await;
    // The rows are written again: the next start reads nothing first.
    let next = Cases::opening(store.clone());
    assert_eq!(next.caseload.get_untracked().files().count(), 0);
    next.ready().await;
    clear(&store);
}

#[wasm_bindgen_test]
async fn damaged_rows_are_made_again_from_the_logs() {
    let (store, _) = listed_store("advocase-test-list-damaged.", 0).await;
    let list = store.get_raw(cases::LIST).unwrap();
    let mut units: Vec<u16> = list.encode_utf16().collect();
    let middle = units.len() / 2;
    units[middle] ^= 1;
    store
        .put(cases::LIST, &String::from_utf16(&units).unwrap())
        .unwrap();

    let cases = Cases::opening(store.clone());
    assert!(!cases.reading.get_untracked(), "read whole, at once");
    assert_eq!(cases.caseload.get_untracked().files().count(), 3);
    assert!(
        cases.quarantined.get_untracked().is_empty(),
        "a cache, not a record: nothing to set aside"
    );
    gloo_timers_sleep(20).await;
    let again = Cases::opening(store.clone());
    assert!(again.reading.get_untracked(), "rows written again");
    again.ready().await;
    assert_eq!(again.caseload.get_untracked().len(), 3);
    clear(&store);
}

#[wasm_bindgen_test]
async fn a_damaged_log_behind_a_listed_row_is_still_set_aside() {
    let (store, [a, ..]) = listed_store("advocase-test-list-tampered.", 0).await;
    // The log's body changed, its stamp (nonce) not: the row is listed…
    let key = format!("case.{a}");
    let sealed = store.get_raw(&key).unwrap();
    let mut units: Vec<u16> = sealed.encode_utf16().collect();
    let last = units.len() - 2;
    units[last] ^= 1;
    let damaged = String::from_utf16(&units).unwrap();
    store.put(&key, &damaged).unwrap();

    let cases = Cases::opening(store.clone());
    assert_eq!(cases.caseload.get_untracked().len(), 3);
    // …until the log is read: then set aside as found, and reported.
    cases.ready().await;
    let load = cases.caseload.get_untracked();
    assert_eq!(load.len(), 2);
    assert!(load.rows().all(|r| r.id != a));
    let aside = cases.quarantined.get_untracked();
    assert_eq!(aside.len(), 1);
    assert!(aside[0].reason.contains("integrity check"));
    assert_eq!(store.get_raw(&format!("quarantine.{key}")), Some(damaged));
    clear(&store);
}
