//! Pushes stored at once (issue 16's group commit): pullers racing many
//! pushers never skip a change, and pushes that meet in one group are
//! answered exactly as if each had been stored alone (docs/SYNC.md, "The
//! cursor and concurrent pushes").

use std::collections::BTreeSet;
use std::sync::Arc;

use advocase_core::access::Role;
use advocase_core::change::{Change, Op};
use advocase_core::id::Id;
use advocase_core::sync::{Outcome, PushResponse};

use super::{refusal, stored};
use crate::app::{Backend, TestApp, caught_up, pullers};
use crate::devices::Device;

on_both!(
    pullers_racing_pushers_never_skip_a_change,
    pushes_meeting_in_one_group_are_answered_as_if_alone,
);

/// Twelve tablets push three rounds each (their own case, and logs on one
/// case they share) while four pullers follow the stream a few changes a
/// page. Every page is gapless from the puller's cursor, and each puller
/// ends with exactly the changes stored, each once.
async fn pullers_racing_pushers_never_skip_a_change(b: Backend) {
    const TABLETS: usize = 12;
    const ROUNDS: usize = 3;
    let t = Arc::new(TestApp::start(b).await);
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mgr = t.signed_in("mgr", Role::Manager, &[]).await;
    let mut first = Device::new("ana");
    let shared = first.open("4 West");
    let shared_case = shared.case_id;
    t.push(&ana, &first.batch([&shared])).await;
    // The shared case's opening, then per tablet and round: an opening or
    // a log on its own case, and a log on the shared one.
    let total = 1 + (TABLETS * ROUNDS * 2) as u64;

    let (tc, mgr_c) = (t.clone(), mgr.clone());
    let pullers = pullers(4, total, move |cursor| {
        let (t, mgr) = (tc.clone(), mgr_c.clone());
        async move {
            let page = t.pull(&mgr, cursor, 5).await;
            let changes = page.changes.iter();
            (
                changes.map(|p| (p.server_seq, p.change.id)).collect(),
                page.next,
            )
        }
    });
    let pushers: Vec<_> = (0..TABLETS)
        .map(|_| {
            let (t, ana) = (t.clone(), ana.clone());
            tokio::spawn(async move {
                let mut tablet = Device::new("ana");
                let mut own: Option<Id> = None;
                let mut ids = Vec::new();
                for _ in 0..ROUNDS {
                    let mine = match own {
                        None => tablet.open("4 West"),
                        Some(case) => tablet.log(case),
                    };
                    own = Some(mine.case_id);
                    let batch: Vec<Change> = vec![mine, tablet.log(shared_case)];
                    let answer = t.push(&ana, &tablet.batch(&batch)).await;
                    for r in &answer.results {
                        let (_, duplicate) = stored(&r.outcome);
                        assert!(!duplicate);
                    }
                    ids.extend(batch.iter().map(|c| c.id));
                    tokio::task::yield_now().await;
                }
                ids
            })
        })
        .collect();
    let mut pushed: BTreeSet<Id> = BTreeSet::from([shared.id]);
    for p in pushers {
        pushed.extend(p.await.unwrap());
    }
    assert_eq!(pushed.len() as u64, total);
    caught_up(pullers, &pushed).await;
    assert_eq!(t.counts().await.counter, total as i64);
}

/// Sent at once, so the writer groups them: the same batch five times
/// (stored once, every answer the same numbers), and two tablets opening
/// the same case (one opening stored, the other refused as a repeat).
async fn pushes_meeting_in_one_group_are_answered_as_if_alone(b: Backend) {
    let t = Arc::new(TestApp::start(b).await);
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let changes = [open, tablet.log(case), tablet.log(case)];
    let batch = tablet.batch(&changes);
    let mut other = Device::new("ben");
    let mut twin = other.open("4 West");
    twin.case_id = case;
    if let Op::Open { case: c } = &mut twin.op {
        c.id = case;
    }
    let twin_batch = other.batch([&twin]);

    let mut sends = Vec::new();
    for i in 0..6 {
        let t = t.clone();
        let (token, req) = if i == 3 {
            (ben.clone(), twin_batch.clone())
        } else {
            (ana.clone(), batch.clone())
        };
        sends.push(tokio::spawn(async move { t.push(&token, &req).await }));
    }
    let mut answers: Vec<PushResponse> = Vec::new();
    for s in sends {
        answers.push(s.await.unwrap());
    }
    let twin_answer = answers.remove(3);
    // Whichever opening came first is stored; the other is refused.
    let opened = |outcome: &Outcome| matches!(outcome, Outcome::Stored { .. });
    let twin_first = opened(&twin_answer.results[0].outcome);
    if twin_first {
        for a in &answers {
            assert_eq!(refusal(&a.results[0].outcome), ("invalid", Some("case_id")));
        }
    } else {
        assert!(answers.iter().all(|a| opened(&a.results[0].outcome)));
        assert_eq!(
            refusal(&twin_answer.results[0].outcome),
            ("invalid", Some("case_id"))
        );
    }
    // The batch's logs: stored by one copy, every copy answered the same.
    let logs = |a: &PushResponse| -> Vec<u64> {
        a.results[1..]
            .iter()
            .map(|r| stored(&r.outcome).0)
            .collect()
    };
    let firsts: Vec<_> = answers
        .iter()
        .filter(|a| !stored(&a.results[1].outcome).1)
        .collect();
    assert_eq!(firsts.len(), 1, "the batch is stored by one of its copies");
    for a in &answers {
        assert_eq!(logs(a), logs(firsts[0]), "every copy answered the same");
    }
    let counts = t.counts().await;
    assert_eq!((counts.changes, counts.counter), (3, 3));
}
