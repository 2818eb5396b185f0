//! The directory on the device (issue 13): kept in the clear but
//! compressed, searched with no network after a reload, a damaged copy
//! dropped; corrections sealed and kept per person until sent.

use super::*;
use advocase::directory::{DIRECTORY_KEY, Directory, STRUCTURE_KEY};
use advocase_core::directory::wire::{Correction, DirectoryPage, StoredEntry};
use advocase_core::sample;

fn page(version: u64, entries: Vec<advocase_core::directory::Entry>) -> DirectoryPage {
    DirectoryPage {
        version,
        entries: entries
            .into_iter()
            .map(|entry| StoredEntry {
                entry,
                version,
                saved_by: "mona".into(),
                saved_at_ms: 1_772_400_000_000,
            })
            .collect(),
    }
}

#[wasm_bindgen_test]
fn the_directory_is_searched_from_storage_after_a_reload_with_no_network() {
    let store = unlocked("advocase-test-directory.");
    let mut entries = sample::directory(7, 300);
    entries[42].name = "Dana Whitfield".into();
    // Words no sample entry uses, so the one she is must come first.
    entries[42].topics = "hearing loops, captioned phones".into();
    let dana = entries[42].id;
    let first = Directory::load(store.clone());
    let structure = sample::structure();
    first.keep_structure(
        structure.clone(),
        &serde_json::to_string(&structure).unwrap(),
    );
    first.take_page(page(300, entries));

    // Stored as the app will find it: compressed, in the clear (no patient
    // data, so readable while locked), and far smaller than its JSON.
    let stored = store.get_raw(DIRECTORY_KEY).expect("kept");
    assert!(stored.starts_with('z'), "compressed");
    let json = serde_json::to_string(&first.with_live(|l| l.entries.clone())).unwrap();
    assert!(
        stored.len() * 2 < json.len(),
        "{} UTF-16 units stored for {} bytes of entries",
        stored.len(),
        json.len()
    );
    assert!(store.get_raw(STRUCTURE_KEY).unwrap().starts_with('{'));

    // A reload: nothing but storage. A typo still finds her, first.
    advocase::storage::set_data_key(None);
    let again = Directory::load(store.clone());
    assert_eq!(again.version(), 300);
    let hits = again.with_live(|l| {
        l.index
            .search("hearng loops")
            .into_iter()
            .map(|i| l.entries[i].id)
            .collect::<Vec<_>>()
    });
    assert_eq!(hits.first(), Some(&dana), "{hits:?}");
    assert_eq!(again.get(dana).unwrap().entry.name, "Dana Whitfield");
    assert_eq!(
        again.structure.get_untracked().units.len(),
        sample::structure().units.len()
    );

    // A later page replaces what changed and retires what left.
    let mut retired = again.get(dana).unwrap().entry;
    retired.retired = true;
    again.take_page(page(301, vec![retired]));
    let reloaded = Directory::load(store.clone());
    assert_eq!(reloaded.version(), 301);
    assert_eq!(reloaded.with_live(|l| l.entries.len()), 299);
    assert!(
        reloaded.get(dana).unwrap().entry.retired,
        "kept, to name it"
    );
    assert!(
        reloaded.with_live(|l| l.index.search("Whitfield").is_empty()),
        "but never offered"
    );
    clear(&store);
}

#[wasm_bindgen_test]
fn a_damaged_directory_copy_is_dropped_and_fetched_again_from_the_start() {
    let store = unlocked("advocase-test-directory-damaged.");
    let d = Directory::load(store.clone());
    d.take_page(page(12, sample::directory(3, 20)));
    let stored = store.get_raw(DIRECTORY_KEY).unwrap();
    // One unit changed in the middle: the checksum no longer matches.
    let mut units: Vec<u16> = stored.encode_utf16().collect();
    let mid = units.len() / 2;
    units[mid] ^= 0x15;
    store
        .put(DIRECTORY_KEY, &String::from_utf16_lossy(&units))
        .unwrap();
    store.put(STRUCTURE_KEY, "{\"units\": 4").unwrap();
    let again = Directory::load(store.clone());
    assert_eq!(again.version(), 0, "the next sync asks for everything");
    assert_eq!(again.with_live(|l| l.entries.len()), 0);
    assert_eq!(store.get_raw(DIRECTORY_KEY), None);
    assert_eq!(store.get_raw(STRUCTURE_KEY), None);
    clear(&store);
}

#[wasm_bindgen_test]
fn a_correction_is_kept_sealed_for_its_author_until_sent() {
    let store = unlocked("advocase-test-corrections.");
    let d = Directory::load(store.clone());
    let entry = sample::directory(5, 1).remove(0);
    d.take_page(page(1, vec![entry.clone()]));
    d.load_queue("ana");
    let said = "The pager number rings the old office";
    d.correct(
        "ana",
        Correction {
            id: advocase::clock::new_id(),
            entry: entry.id,
            text: said.into(),
        },
    )
    .unwrap();
    let raw = store.get_raw("corrections.ana").expect("kept at once");
    assert!(!raw.contains("pager"), "sealed: {raw}");

    let reloaded = Directory::load(store.clone());
    reloaded.load_queue("ana");
    assert_eq!(reloaded.queued.get_untracked()[0].text, said);
    reloaded.load_queue("ben");
    assert!(
        reloaded.queued.get_untracked().is_empty(),
        "never sent in someone else's name"
    );
    // An empty correction is refused with the field's message.
    let refused = reloaded.correct(
        "ben",
        Correction {
            id: advocase::clock::new_id(),
            entry: entry.id,
            text: "  ".into(),
        },
    );
    assert!(refused.is_err());
    assert_eq!(store.get_raw("corrections.ben"), None);
    clear(&store);
}
