//! Device encryption (docs/SECURITY.md, "Device encryption"): what is at
//! rest, the vault's PIN and recovery, the upgrade of a store from before
//! encryption, and the case openings queued for the audit trail.

use super::*;

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
    advocase_core::order::sort(&mut leaks);
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
    let (id, other) = two_cases(&cases, "Written before the lock");
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
    advocase_core::order::sort(&mut keys);
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
