//! One device's 50,000 changes pushed and pulled, and a long history
//! (one case's 2,000 changes) against a new case.

use std::time::{Duration, Instant};

use advocase_core::replica::Replica;
use advocase_core::sample::{self, Rng};
use advocase_core::sync::{MAX_BATCH, MAX_PULL_PAGE, PushRequest};
use advocase_server::now_ms;

use crate::server::*;

/// Issue 16's long history: 2,000 changes pushed to one case (each batch
/// timed: does the last cost more than the first?), then pushes of 10
/// changes to that case against pushes of 10 to a new case, alternating.
pub(crate) async fn long_history(backend: &str) {
    let server = open(backend).await;
    let token = server.login("c0").await;
    let mut replica = Replica::new(device(3));
    let now = sample::reference_now();
    let ms = now.timestamp_millis() as u64;
    let own = |mut file: advocase_core::caseload::CaseFile| {
        file.case.created_by = "c0".into();
        for i in &mut file.interactions {
            i.by = "c0".into();
        }
        file
    };
    let long = own(sample::caseload(31, 1, 1_999, now).remove(0));
    let case = long.case.id;
    replica.import(&long, ms);
    let mut batches = Vec::new();
    let push = |replica: &mut Replica| {
        let batch = replica.outbox(MAX_BATCH);
        let req = PushRequest {
            device: replica.state.device,
            changes: batch.clone(),
        };
        (batch, req)
    };
    while replica.pending() > 0 {
        let (batch, req) = push(&mut replica);
        let t = Instant::now();
        let res = server.push(&token, &req).await;
        batches.push(t.elapsed().as_secs_f64() * 1000.0);
        replica.on_push(&batch, &res.results);
    }
    println!(
        "BENCH {backend}: one case's 2,000 changes pushed in batches of {MAX_BATCH}: {} ms per batch (first to last)",
        batches
            .iter()
            .map(|b| format!("{b:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let (mut onto_long, mut onto_new) = (Vec::new(), Vec::new());
    for round in 0..10u64 {
        // Ten interactions on the long case, then a new case of ten changes.
        let mut more = own(sample::caseload(100 + round, 1, 10, now).remove(0));
        more.case.id = case;
        for i in &mut more.interactions {
            i.case_id = case;
        }
        for (file, times) in [
            (more, &mut onto_long),
            (
                own(sample::caseload(200 + round, 1, 9, now).remove(0)),
                &mut onto_new,
            ),
        ] {
            replica.import(&file, ms);
            let (batch, req) = push(&mut replica);
            assert_eq!(batch.len(), 10);
            let t = Instant::now();
            let res = server.push(&token, &req).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            replica.on_push(&batch, &res.results);
        }
    }
    for times in [&mut onto_long, &mut onto_new] {
        times.sort_by(f64::total_cmp);
    }
    println!(
        "BENCH {backend}: a push of 10 changes onto the case with 2,000: median {:.1} ms; onto a new case: median {:.1} ms (10 rounds each)",
        onto_long[5], onto_new[5]
    );
}

/// `ordered`: the cases' and interactions' ids made in the order they are
/// pushed, as a ward makes them (UUIDv7: time first). The sample's own ids
/// carry times spread over two months in no order, so every insert into an
/// index keyed by them lands at a random place.
pub(crate) async fn push_and_pull_50k(backend: &str, ordered: bool) {
    let server = open(backend).await;
    let token = server.login("c0").await;
    let mut replica = Replica::new(device(1));
    let now = sample::reference_now();
    let mut ids = Rng::new(77);
    let mut made = now.timestamp_millis() as u64;
    let mut fresh = || {
        made += 1;
        ids.id(made)
    };
    for file in sample::caseload(5, 5_000, 9, now) {
        let mut file = file;
        file.case.created_by = "c0".into();
        if ordered {
            file.case.id = fresh();
        }
        for i in &mut file.interactions {
            i.by = "c0".into();
            if ordered {
                i.id = fresh();
                i.case_id = file.case.id;
            }
        }
        replica.import(&file, now.timestamp_millis() as u64);
    }
    let ids = if ordered {
        "ids in time order"
    } else {
        "the sample's ids"
    };
    let total = replica.pending();
    let t = Instant::now();
    let mut batches = Vec::new();
    loop {
        let batch = replica.outbox(MAX_BATCH);
        if batch.is_empty() {
            break;
        }
        let req = PushRequest {
            device: replica.state.device,
            changes: batch.clone(),
        };
        let b = Instant::now();
        let res = server.push(&token, &req).await;
        batches.push(b.elapsed().as_secs_f64() * 1000.0);
        replica.on_push(&batch, &res.results);
    }
    let pushed = t.elapsed();
    assert_eq!(replica.pending(), 0);

    let mut fresh = Replica::new(device(2));
    let t = Instant::now();
    let mut got = 0;
    loop {
        let page = server.pull(&token, &fresh, MAX_PULL_PAGE).await;
        got += page.changes.len();
        fresh.on_pull(&page, now_ms());
        if !page.more {
            break;
        }
    }
    let pulled = t.elapsed();
    assert_eq!(got, total);
    let rate = |d: Duration| total as f64 / d.as_secs_f64();
    println!(
        "BENCH {backend}: push {total} changes from one device ({ids}): {:.2} s ({:.0} changes/s, batches of {MAX_BATCH})",
        pushed.as_secs_f64(),
        rate(pushed)
    );
    // The first and last tenth of the batches: does a push slow down as
    // the tables grow?
    let tenth = (batches.len() / 10).max(1);
    let mean = |b: &[f64]| b.iter().sum::<f64>() / b.len() as f64;
    println!(
        "BENCH {backend}: push batches: first tenth {:.1} ms, last tenth {:.1} ms on average ({} batches)",
        mean(&batches[..tenth]),
        mean(&batches[batches.len() - tenth..]),
        batches.len()
    );
    println!(
        "BENCH {backend}: pull {total} changes to a fresh device: {:.2} s ({:.0} changes/s, pages of {MAX_PULL_PAGE}, folded into {} case logs)",
        pulled.as_secs_f64(),
        rate(pulled),
        fresh.logs.len()
    );
}
