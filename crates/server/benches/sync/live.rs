//! The live channel: 100 devices holding `/api/sync/events` open.

use std::sync::Arc;
use std::time::Instant;

use advocase_core::id::Id;
use advocase_core::replica::Replica;
use advocase_core::sample::{self};
use advocase_core::sync::{MAX_BATCH, PushRequest, Session};
use advocase_server::now_ms;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use crate::server::*;

/// One device of the live figure: signs in, catches up, holds the stream
/// open and, on each `changed`, pulls to the event's cursor and reports
/// (cursor reached, when the event came, when the pull was folded in).
async fn live_device(
    server: Arc<Server>,
    username: String,
    id: Id,
    ready: tokio::sync::mpsc::UnboundedSender<(usize, String)>,
    index: usize,
    reports: tokio::sync::mpsc::UnboundedSender<(usize, u64, Instant, Instant)>,
) {
    let body = serde_json::json!({ "username": username, "password": PASSWORD, "device": id });
    let session: Session = server.call("POST", "/api/login", None, Some(&body)).await;
    let token = session.token;
    let mut replica = Replica::new(id);
    loop {
        let page = server.pull(&token, &replica, 500).await;
        replica.on_pull(&page, now_ms());
        if !page.more {
            break;
        }
    }
    let req = hyper::Request::builder()
        .uri(format!("{}/api/sync/events?device={id}", server.base))
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let res = server.client.request(req).await.expect("stream");
    assert!(res.status().is_success(), "events: {}", res.status());
    let mut body = res.into_body();
    let mut buffer = String::new();
    let mut opened = false;
    loop {
        let Some(frame) = body.frame().await else {
            return;
        };
        if let Ok(data) = frame.expect("stream").into_data() {
            buffer.push_str(std::str::from_utf8(&data).unwrap());
        }
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if !opened {
                // The opening `retry:`: subscribed from now on.
                opened = true;
                ready.send((index, token.clone())).unwrap();
                continue;
            }
            let Some(seq) = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .and_then(|d| d.parse::<u64>().ok())
            else {
                continue; // a keep-alive
            };
            let woken = Instant::now();
            while replica.state.cursor < seq {
                let page = server.pull(&token, &replica, 500).await;
                replica.on_pull(&page, now_ms());
                if !page.more {
                    break;
                }
            }
            reports
                .send((index, replica.state.cursor, woken, Instant::now()))
                .unwrap();
        }
    }
}

pub(crate) async fn live_channel(backend: &str) {
    const DEVICES: usize = 100;
    const ROUNDS: usize = 20;
    let server = Arc::new(open(backend).await);
    for i in 0..DEVICES {
        server.coordinator(&format!("live{i}"), "Unit L").await;
    }
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::unbounded_channel();
    let (report_tx, mut reports) = tokio::sync::mpsc::unbounded_channel();
    let ids: Vec<Id> = (0..DEVICES).map(|i| device(5_000 + i as u64)).collect();
    let mut tasks = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        tasks.push(tokio::spawn(live_device(
            server.clone(),
            format!("live{i}"),
            *id,
            ready_tx.clone(),
            i,
            report_tx.clone(),
        )));
    }
    let mut tokens = vec![String::new(); DEVICES];
    for _ in 0..DEVICES {
        let (i, token) = ready_rx.recv().await.expect("every device connects");
        tokens[i] = token;
    }
    let now = sample::reference_now();
    let (mut event_ms, mut shown_ms) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let pusher = round * 7 % DEVICES;
        let user = format!("live{pusher}");
        let mut replica = Replica::new(ids[pusher]);
        let mut file = sample::caseload(9_000 + round as u64, 1, 0, now).remove(0);
        file.case.created_by = user.clone();
        file.case.assignee = user.clone();
        file.case.patient.unit = "Unit L".into();
        replica.import(&file, now_ms());
        let batch = replica.outbox(MAX_BATCH);
        assert_eq!(batch.len(), 1, "one change");
        let req = PushRequest {
            device: replica.state.device,
            changes: batch,
        };
        let start = Instant::now();
        let res = server.push(&tokens[pusher], &req).await;
        let seq = match &res.results[0].outcome {
            advocase_core::sync::Outcome::Stored { server_seq, .. } => *server_seq,
            other => panic!("{other:?}"),
        };
        let mut done = [false; DEVICES];
        let mut left = DEVICES - 1;
        while left > 0 {
            let (i, cursor, woken, shown) = reports.recv().await.expect("reports");
            assert_ne!(i, pusher, "the pushing device is not woken");
            if cursor >= seq && !done[i] {
                done[i] = true;
                left -= 1;
                event_ms.push(woken.duration_since(start).as_secs_f64() * 1000.0);
                shown_ms.push(shown.duration_since(start).as_secs_f64() * 1000.0);
            }
        }
    }
    for t in tasks {
        t.abort();
    }
    for (what, ms) in [
        ("event received", &mut event_ms),
        ("event received and pull folded in", &mut shown_ms),
    ] {
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!(
            "BENCH {backend}: live channel, {DEVICES} devices connected, one pushes one change, push start to {what} on each other device: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms ({ROUNDS} rounds, {} deliveries)",
            at(0.5),
            at(0.95),
            at(1.0),
            ms.len()
        );
    }
}
