//! The store: records under a prefix, damage, quota, migrations of the
//! layout, reference data kept for offline use.

use super::*;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Note {
    id: u32,
    text: String,
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
    advocase_core::order::sort(&mut keys);
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

    // The editor's draft (a desk form's markup as it stood) is kept sealed,
    // per person, until dropped.
    use advocase::views::desk::{keep_draft, kept_draft};
    let form = r#"<form data-draft="template"><input name="name" value="RED, 4 West"></form>"#;
    keep_draft(&store, "template", "mona", Some(form)).unwrap();
    assert_eq!(
        kept_draft(&store, "template", "mona").as_deref(),
        Some(form)
    );
    assert_eq!(
        kept_draft(&store, "template", "ana"),
        None,
        "drafts are per person"
    );
    assert!(
        !store
            .get_raw("draft.template.mona")
            .unwrap()
            .contains("RED"),
        "sealed"
    );
    keep_draft(&store, "template", "mona", None).unwrap();
    assert_eq!(kept_draft(&store, "template", "mona"), None);
    clear(&store);
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
