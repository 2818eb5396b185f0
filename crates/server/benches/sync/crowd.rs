//! Many devices at once: 100 pushing and pulling together (issue 16's
//! crowd), and 100 syncing in rounds.

use std::sync::Arc;
use std::time::Instant;

use advocase_core::change::Op;
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::replica::Replica;
use advocase_core::sample::{self, Rng};
use advocase_core::sync::{MAX_BATCH, PushRequest};
use advocase_server::now_ms;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use crate::server::*;

/// A pull page as a device that only counts it reads it.
#[derive(serde::Deserialize)]
struct Counted {
    changes: Vec<serde::de::IgnoredAny>,
    next: u64,
    more: bool,
}

/// Issue 16's crowd: 100 devices, each its own coordinator on one ward,
/// push 100 changes each at once (10 cases of an opening and 9
/// interactions); then each pulls the other 99's 9,900, pages as the app
/// asks for them, compressed as Chromium asks (zstd).
pub(crate) async fn crowd(backend: &str) {
    const DEVICES: usize = 100;
    let server = Arc::new(open(backend).await);
    let mut signing = Vec::new();
    for i in 0..DEVICES {
        let server = server.clone();
        signing.push(tokio::spawn(async move {
            let username = format!("w{i}");
            server.coordinator(&username, "Ward 7").await;
            (username.clone(), server.login(&username).await)
        }));
    }
    let mut devices = Vec::new();
    let now = sample::reference_now();
    for (i, s) in signing.into_iter().enumerate() {
        let (user, token) = s.await.unwrap();
        let mut replica = Replica::new(device(1_000 + i as u64));
        for mut file in sample::caseload(7_000 + i as u64, 10, 9, now) {
            file.case.created_by = user.clone();
            file.case.assignee = user.clone();
            file.case.patient.unit = "Ward 7".into();
            for x in &mut file.interactions {
                x.by = user.clone();
            }
            replica.import(&file, now.timestamp_millis() as u64);
        }
        devices.push((token, replica));
    }
    let cpu = server_cpu();
    let t = Instant::now();
    let mut pushes = Vec::new();
    for (token, mut replica) in devices {
        let server = server.clone();
        pushes.push(tokio::spawn(async move {
            let batch = replica.outbox(MAX_BATCH);
            assert_eq!(batch.len(), 100);
            let req = PushRequest {
                device: replica.state.device,
                changes: batch.clone(),
            };
            let t = Instant::now();
            let res = server.push(&token, &req).await;
            let took = t.elapsed().as_secs_f64() * 1000.0;
            replica.on_push(&batch, &res.results);
            assert_eq!(replica.pending(), 0);
            (token, replica.state.device, took)
        }));
    }
    let mut pushed = Vec::new();
    let mut latencies = Vec::new();
    for p in pushes {
        let (token, device, took) = p.await.unwrap();
        latencies.push(took);
        pushed.push((token, device));
    }
    let push_wall = t.elapsed();
    let push_cpu = server_cpu() - cpu;
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    println!(
        "BENCH {backend}: {DEVICES} devices pushing 100 each at once: p50 {:.0} ms, p99 {:.0} ms, all in {:.2} s, server CPU {:.2} s",
        at(0.5),
        at(0.99),
        push_wall.as_secs_f64(),
        push_cpu
    );

    let cpu = server_cpu();
    let t = Instant::now();
    let mut pulls = Vec::new();
    for (token, device) in pushed {
        let server = server.clone();
        pulls.push(tokio::spawn(async move {
            let (mut cursor, mut got, mut wire) = (0u64, 0usize, 0usize);
            loop {
                // As the app asks: its own changes (all held) left out.
                let path = format!("/api/sync/pull?after={cursor}&device={device}&own_from=1");
                let req = hyper::Request::builder()
                    .uri(format!("{}{path}", server.base))
                    .header("authorization", format!("Bearer {token}"))
                    .header("accept-encoding", "zstd, br, gzip")
                    .body(Full::new(Bytes::new()))
                    .unwrap();
                let res = server.client.request(req).await.expect("pull");
                assert!(res.status().is_success());
                let zstd = res
                    .headers()
                    .get("content-encoding")
                    .is_some_and(|v| v == "zstd");
                assert!(zstd, "the pull is zstd-compressed");
                let body = res.into_body().collect().await.unwrap().to_bytes();
                wire += body.len();
                let plain = zstd::decode_all(&body[..]).expect("zstd");
                let page: Counted = serde_json::from_slice(&plain).expect("a pull page");
                got += page.changes.len();
                cursor = page.next;
                if !page.more {
                    break;
                }
            }
            (got, wire)
        }));
    }
    let mut wire = 0;
    for p in pulls {
        let (got, bytes) = p.await.unwrap();
        assert_eq!(
            got,
            (DEVICES - 1) * 100,
            "each device gets the others' changes"
        );
        wire += bytes;
    }
    println!(
        "BENCH {backend}: then {DEVICES} devices pulling the others' {} each at once: {:.2} s, server CPU {:.2} s, {:.1} MB over the wire (zstd)",
        (DEVICES - 1) * 100,
        t.elapsed().as_secs_f64(),
        server_cpu() - cpu,
        wire as f64 / 1e6
    );
}

pub(crate) async fn hundred_devices(backend: &str) {
    let server = Arc::new(open(backend).await);
    let rounds = 5;
    let per_round = 10;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for d in 0..100u64 {
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let user = format!("c{d}");
            let token = server.login(&user).await;
            let mut replica = Replica::new(device(100 + d));
            let mut rng = Rng::new(d);
            let mut latencies = Vec::new();
            let now = sample::reference_now();
            for round in 0..rounds {
                // One new case, then interactions on this device's cases.
                let mut file = sample::caseload(d * 100 + round, 1, 0, now).remove(0);
                file.case.created_by = user.clone();
                file.case.assignee = user.clone();
                file.case.patient.unit = format!("Unit {}", d % 10);
                replica.import(&file, now_ms());
                let cases: Vec<Id> = replica.logs.keys().copied().collect();
                for k in 1..per_round {
                    let case = cases[rng.below(cases.len())];
                    let at = chrono::DateTime::from_timestamp_millis(now_ms() as i64).unwrap();
                    let actor = advocase_core::case::Actor {
                        user: user.clone(),
                        now: at,
                        today: at.date_naive(),
                    };
                    let interaction = InteractionDraft {
                        channel: "bedside_visit".into(),
                        with: "patient".into(),
                        summary: format!("Round {round}, visit {k}: comfortable, plan explained."),
                        ..InteractionDraft::default()
                    }
                    .validate(rng.id(now_ms()), case, None, &actor)
                    .unwrap();
                    let op = Op::Log {
                        interaction: Box::new(interaction),
                    };
                    replica.record(rng.id(now_ms()), case, op, &user, at, now_ms());
                }
                let batch = replica.outbox(MAX_BATCH);
                let req = PushRequest {
                    device: replica.state.device,
                    changes: batch.clone(),
                };
                let t = Instant::now();
                let res = server.push(&token, &req).await;
                latencies.push(("push", t.elapsed()));
                replica.on_push(&batch, &res.results);
                loop {
                    let t = Instant::now();
                    let page = server.pull(&token, &replica, 500).await;
                    latencies.push(("pull", t.elapsed()));
                    replica.on_pull(&page, now_ms());
                    if !page.more {
                        break;
                    }
                }
            }
            assert_eq!(replica.pending(), 0);
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let wall = t.elapsed();
    let changes = 100 * rounds as usize * per_round;
    for kind in ["push", "pull"] {
        let mut ms: Vec<f64> = all
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, d)| d.as_secs_f64() * 1000.0)
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!(
            "BENCH {backend}: 100 devices at once, {kind}: {} requests, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms.len(),
            at(0.5),
            at(0.99),
            at(1.0)
        );
    }
    println!(
        "BENCH {backend}: 100 devices at once: {changes} changes pushed and every device pulled in {:.2} s ({:.0} changes/s stored)",
        wall.as_secs_f64(),
        changes as f64 / wall.as_secs_f64()
    );
}
