//! Pushes: a batch sent twice is stored once, a lost response is made
//! good by the next push, a reused number or id is refused, a clock far
//! ahead is clamped, what was stored survives a restart, and tablets
//! pushing at once get gapless server numbers.

use std::collections::BTreeSet;

use advocase_core::access::Role;
use advocase_core::case::Priority;
use advocase_core::change::Change;
use advocase_core::hlc::MAX_DRIFT_MS;
use advocase_core::replica::Replica;
use advocase_core::sync::{Outcome, PushResponse};
use advocase_server::now_ms;

use super::{pull_all, refusal, seqs, stored};
use crate::app::{Backend, TestApp, ok};
use crate::devices::Device;

on_both!(
    a_batch_sent_twice_is_stored_once,
    a_lost_response_is_made_good_by_the_next_push,
    a_reused_sequence_number_or_change_id_is_refused,
    a_clock_a_day_ahead_is_clamped,
    what_was_stored_survives_a_restart,
    concurrent_pushes_get_gapless_server_seqs,
    a_case_with_2000_changes_still_takes_pushes_and_reads_back_whole,
);

async fn a_batch_sent_twice_is_stored_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let changes = [
        open,
        tablet.log(case),
        tablet.set_priority(case, Priority::High),
    ];
    let batch = tablet.batch(&changes);

    let first = t.push(&ana, &batch).await;
    let second = t.push(&ana, &batch).await;
    assert_eq!(first.results.len(), 3);
    for (i, (a, b)) in first.results.iter().zip(&second.results).enumerate() {
        assert_eq!(stored(&a.outcome), (i as u64 + 1, false));
        assert_eq!(stored(&b.outcome), (i as u64 + 1, true));
        let (Outcome::Stored { hlc: h1, .. }, Outcome::Stored { hlc: h2, .. }) =
            (&a.outcome, &b.outcome)
        else {
            unreachable!()
        };
        assert_eq!(h1, h2, "a repeat carries the clock first stored");
        assert_eq!((a.id, a.seq), (batch.changes[i].id, batch.changes[i].seq));
    }
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3]);
    assert_eq!(t.counts().await.changes, 3);
}

/// The server committed a push but the tablet never heard: the tablet keeps
/// the changes pending and sends them again with what it made since. The
/// client's own replica logic takes the answer.
async fn a_lost_response_is_made_good_by_the_next_push(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let mut replica = Replica::new(tablet.id);
    let open = tablet.open("4 West");
    let case = open.case_id;
    let log = tablet.log(case);
    for c in [&open, &log] {
        replica.record(c.id, c.case_id, c.op.clone(), &c.by, c.at, c.hlc.wall_ms);
    }
    let sent = replica.outbox(10);
    let lost = t.push(&ana, &tablet.batch(&sent)).await;
    assert_eq!(lost.results.len(), 2);
    assert_eq!(replica.pending(), 2, "the answer never arrived");

    let edit = tablet.set_priority(case, Priority::Urgent);
    let later = replica.record(edit.id, case, edit.op, "ana", edit.at, edit.hlc.wall_ms);
    let retry = replica.outbox(10);
    assert_eq!(retry.len(), 3);
    assert_eq!(retry[2].id, later.id);
    let answer = t.push(&ana, &tablet.batch(&retry)).await;
    let got: Vec<_> = answer.results.iter().map(|r| stored(&r.outcome)).collect();
    assert_eq!(got, [(1, true), (2, true), (3, false)]);
    replica.on_push(&retry, &answer.results);
    assert_eq!(replica.pending(), 0);
    assert_eq!(t.counts().await.changes, 3);
    let page = t.pull(&ana, 0, 100).await;
    assert_eq!(seqs(&page), [1, 2, 3]);
}

async fn a_reused_sequence_number_or_change_id_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    ok::<PushResponse>(t.push_raw(&ana, &tablet.batch([&open])).await);

    // Same (device, seq), another change: a client that lost its numbering.
    let mut other = tablet.log(case);
    other.seq = open.seq;
    let answer = t.push(&ana, &tablet.batch([&other])).await;
    assert_eq!(
        refusal(&answer.results[0].outcome),
        ("invalid", Some("seq"))
    );
    // And it stays refused; the original stays stored.
    let again = t.push(&ana, &tablet.batch([&other, &open])).await;
    assert_eq!(refusal(&again.results[0].outcome), ("invalid", Some("seq")));
    assert_eq!(stored(&again.results[1].outcome), (1, true));

    // The same change id under a new number (or from another device).
    let mut copy = open.clone();
    copy.seq = tablet.next_seq;
    let answer = t.push(&ana, &tablet.batch([&copy])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("invalid", Some("id")));
    let mut phone = Device::new("ana");
    let mut copy = open.clone();
    copy.device = phone.id;
    copy.seq = phone.next_seq;
    phone.next_seq += 1;
    let answer = t.push(&ana, &phone.batch([&copy])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("invalid", Some("id")));

    let counts = t.counts().await;
    assert_eq!((counts.changes, counts.counter), (1, 1));
    assert_eq!(seqs(&t.pull(&ana, 0, 100).await), [1]);
}

async fn a_clock_a_day_ahead_is_clamped(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    tablet.skew_ms = 86_400_000;
    let open = tablet.open("4 West");
    assert!(open.hlc.wall_ms > now_ms() + 86_000_000);
    let answer = t.push(&ana, &tablet.batch([&open])).await;
    let after = now_ms();
    let Outcome::Stored { hlc, .. } = answer.results[0].outcome else {
        panic!("{answer:?}")
    };
    assert!(hlc.wall_ms <= after + MAX_DRIFT_MS, "{hlc:?}");
    assert!(
        hlc.wall_ms + 5_000 >= after + MAX_DRIFT_MS - 5_000,
        "clamped, not zeroed"
    );
    assert_eq!((hlc.counter, hlc.node), (open.hlc.counter, open.hlc.node));
    let page = t.pull(&ana, 0, 10).await;
    assert_eq!(page.changes[0].change.hlc, hlc, "handed out as stored");
    // A retry is answered as the first push was: with the clock as stored,
    // not as sent (the ledger reads it from the stored change).
    let again = t.push(&ana, &tablet.batch([&open])).await;
    let server_seq = stored(&answer.results[0].outcome).0;
    assert_eq!(
        again.results[0].outcome,
        Outcome::Stored {
            server_seq,
            hlc,
            duplicate: true
        }
    );
    let mut want = open;
    want.hlc = hlc;
    assert_eq!(page.changes[0].change, want, "nothing else changed");
}

async fn what_was_stored_survives_a_restart(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let changes = [open, tablet.log(case)];
    let batch = tablet.batch(&changes);
    t.push(&ana, &batch).await;
    let before = t.pull(&ana, 0, 100).await;

    let t = t.restart().await;
    let after = t.pull(&ana, 0, 100).await;
    assert_eq!(
        after, before,
        "the session and every change are still there"
    );
    let again = t.push(&ana, &batch).await;
    let got: Vec<_> = again.results.iter().map(|r| stored(&r.outcome)).collect();
    assert_eq!(got, [(1, true), (2, true)], "the ledger too");
    let log = tablet.log(case);
    let next = t.push(&ana, &tablet.batch([&log])).await;
    assert_eq!(
        stored(&next.results[0].outcome),
        (3, false),
        "and the counter"
    );
}

/// Twenty tablets push at once while a manager pulls: the server numbers
/// every change 1..=N without gaps or repeats, and a pull never sees a
/// number before all smaller ones (it would skip them for good).
async fn concurrent_pushes_get_gapless_server_seqs(b: Backend) {
    const TABLETS: usize = 20;
    const PER_PUSH: usize = 3;
    let t = std::sync::Arc::new(TestApp::start(b).await);
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let total = (TABLETS * PER_PUSH) as u64;

    let reader = {
        let t = t.clone();
        tokio::spawn(async move {
            let mut cursor = 0;
            while cursor < total {
                let page = t.pull(&mgr, cursor, 7).await;
                let want: Vec<u64> = (cursor + 1..=page.next).collect();
                assert_eq!(seqs(&page), want, "a pull saw a gap after {cursor}");
                cursor = page.next;
                tokio::task::yield_now().await;
            }
        })
    };
    let pushes: Vec<_> = (0..TABLETS)
        .map(|_| {
            let t = t.clone();
            let ana = ana.clone();
            tokio::spawn(async move {
                let mut tablet = Device::new("ana");
                let open = tablet.open("4 West");
                let case = open.case_id;
                let batch: Vec<Change> = std::iter::once(open)
                    .chain((1..PER_PUSH).map(|_| tablet.log(case)))
                    .collect();
                t.push(&ana, &tablet.batch(&batch)).await
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for push in pushes {
        let answer = push.await.unwrap();
        let mine: Vec<u64> = answer
            .results
            .iter()
            .map(|r| stored(&r.outcome).0)
            .collect();
        assert!(
            mine.windows(2).all(|w| w[1] == w[0] + 1),
            "one push's changes are numbered together: {mine:?}"
        );
        numbers.extend(mine);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=total).collect::<Vec<_>>());
    tokio::time::timeout(std::time::Duration::from_secs(60), reader)
        .await
        .expect("the reader caught up")
        .unwrap();
    let all = pull_all(&t, &ana, 0).await;
    assert_eq!(seqs(&all), (1..=total).collect::<Vec<_>>());
    let ids: BTreeSet<_> = all.changes.iter().map(|p| p.change.id).collect();
    assert_eq!(ids.len(), total as usize);
    assert_eq!(t.counts().await.counter, total as i64);
}

/// Issue 16's long history: a push is decided against all of it (from the
/// case's summary, not by refolding its log; the bench measures the cost),
/// and the case's whole history still reads back.
async fn a_case_with_2000_changes_still_takes_pushes_and_reads_back_whole(b: Backend) {
    use advocase_core::log::CaseLog;
    use advocase_core::sync::{CaseHistory, MAX_BATCH};

    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let mut changes = vec![open];
    changes.extend((1..2000).map(|_| tablet.log(case)));
    let mut server_seqs = Vec::new();
    for chunk in changes.chunks(MAX_BATCH) {
        let res = t.push(&ana, &tablet.batch(chunk)).await;
        server_seqs.extend(res.results.iter().map(|r| stored(&r.outcome)));
    }
    let fresh: Vec<(u64, bool)> = (1..=2000).map(|n| (n, false)).collect();
    assert_eq!(server_seqs, fresh, "all 2,000 stored once, in order");
    // The 2,001st, an edit, decided against the whole history.
    let edit = tablet.set_priority(case, Priority::High);
    let res = t
        .push(&ana, &tablet.batch(std::slice::from_ref(&edit)))
        .await;
    assert_eq!(stored(&res.results[0].outcome), (2001, false));
    let history: CaseHistory = ok(t
        .call(
            axum::http::Method::GET,
            &format!("/api/sync/cases/{case}"),
            Some(&ana),
            None,
        )
        .await);
    assert_eq!(history.changes.len(), 2001);
    let mut log = CaseLog::default();
    for p in history.changes {
        log.merge_synced(p.change, p.server_seq);
    }
    let file = log.fold().expect("the case folds");
    assert_eq!(file.interactions.len(), 1999);
    assert_eq!(file.case.priority, Priority::High);
}
