//! Sync over loopback HTTP against the real router and database.
//!
//! 1. One device pushes 50,000 changes (5,000 cases with 9 interactions
//!    each) in full batches; a fresh device then pulls them all.
//! 2. 100 devices sync at once (each: 5 rounds of recording 10 changes,
//!    pushing them and pulling), on SQLite and on PostgreSQL: throughput and
//!    request latency.
//!
//! 3. A fresh device's first sync of a directory of 2,000 entries: how long
//!    and how many bytes, plain and gzip-compressed.
//!
//! 4. The live channel: 100 devices (one account each, all covering the
//!    unit) hold `/api/sync/events` open; one pushes one change; from the
//!    push request's start to each other device having the `changed` event,
//!    and then its pull with the change folded in. 20 rounds, a different
//!    pushing device each, on SQLite and on PostgreSQL.
//!
//! 5. A long history (issue 16): one case's 2,000 changes pushed in
//!    batches, each timed, then pushes of 10 changes onto that case against
//!    pushes of 10 onto a new case.
//!
//! 6. Issue 16's crowd: 100 devices push 100 changes each at once, then
//!    each pulls the others' 9,900 (zstd, as Chromium asks): latency, wall
//!    time and the server's own CPU time.
//!
//! Run: `cargo bench -p advocase-server --bench sync`. Figures only.
//! `ADVOCASE_BENCH_RUNS=push,long,devices,crowd,directory,live` picks runs.

#[path = "support/backends.rs"]
mod backends;
#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::sync::Arc;
use std::time::{Duration, Instant};

use advocase_core::access::Role;
use advocase_core::change::Op;
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::replica::Replica;
use advocase_core::sample::{self, Rng};
use advocase_core::sync::{
    MAX_BATCH, MAX_PULL_PAGE, NewUser, PullPage, PushRequest, PushResponse, Session,
};
use advocase_server::config::DatabaseLocation;
use advocase_server::{AppState, accounts, app, db, now_ms};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use serde::de::DeserializeOwned;

const PASSWORD: &str = "benchmark password, not a secret";

struct Server {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
    db: advocase_server::db::Db,
    _tmp: tempfile::TempDir,
}

impl Server {
    /// The server on a runtime of its own (threads named `advocase-server`,
    /// as many as the cores), so its CPU time is told apart from the
    /// benchmark's devices ([`server_cpu`]).
    async fn start(location: DatabaseLocation, tmp: tempfile::TempDir) -> Self {
        let (ready, started) = tokio::sync::oneshot::channel();
        let root = tmp.path().to_path_buf();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .thread_name("advocase-server")
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let db = db::open(&location).await.expect("database opens");
                let router = app(AppState::new(db.clone()), &root);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let base = format!("http://{}", listener.local_addr().unwrap());
                for i in 0..100 {
                    let new = NewUser {
                        username: format!("c{i}"),
                        display_name: format!("Coordinator {i}"),
                        role: if i == 0 {
                            Role::Manager
                        } else {
                            Role::Coordinator
                        },
                        units: vec![format!("Unit {}", i % 10)],
                        password: PASSWORD.into(),
                    };
                    accounts::create(&db, &new, now_ms())
                        .await
                        .expect("account");
                }
                ready.send((base, db)).ok();
                axum::serve(listener, router).await
            })
        });
        let (base, db) = started.await.expect("the server started");
        Server {
            base,
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(200)
                .build_http(),
            db,
            _tmp: tmp,
        }
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&B>,
    ) -> T {
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let res = self
            .client
            .request(req.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .expect("request");
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        assert!(
            status.is_success(),
            "{path}: {status} {}",
            String::from_utf8_lossy(&bytes)
        );
        serde_json::from_slice(&bytes).expect("json")
    }

    /// A coordinator account covering `unit`, made beside the server.
    async fn coordinator(&self, username: &str, unit: &str) {
        let new = NewUser {
            username: username.into(),
            display_name: format!("Coordinator {username}"),
            role: Role::Coordinator,
            units: vec![unit.into()],
            password: PASSWORD.into(),
        };
        accounts::create(&self.db, &new, now_ms())
            .await
            .expect("account");
    }

    async fn login(&self, username: &str) -> String {
        let body =
            serde_json::json!({ "username": username, "password": PASSWORD, "device": null });
        let s: Session = self.call("POST", "/api/login", None, Some(&body)).await;
        s.token
    }

    async fn push(&self, token: &str, req: &PushRequest) -> PushResponse {
        self.call("POST", "/api/sync/push", Some(token), Some(req))
            .await
    }

    /// A page after `replica`'s cursor, leaving out its own changes it
    /// holds, as the app asks.
    async fn pull(&self, token: &str, replica: &Replica, limit: usize) -> PullPage {
        let path = format!(
            "/api/sync/pull?after={}&limit={limit}&device={}&own_from={}",
            replica.state.cursor, replica.state.device, replica.own_from
        );
        self.call::<(), _>("GET", &path, Some(token), None).await
    }
}

impl Server {
    /// A GET's status, body length and time, asking for `encoding`.
    async fn bytes(&self, path: &str, token: &str, encoding: Option<&str>) -> (usize, Duration) {
        let mut req = hyper::Request::builder()
            .method("GET")
            .uri(format!("{}{path}", self.base))
            .header("authorization", format!("Bearer {token}"));
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        let t = Instant::now();
        let res = self
            .client
            .request(req.body(Full::new(Bytes::new())).unwrap())
            .await
            .expect("request");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        let n = res.into_body().collect().await.unwrap().to_bytes().len();
        (n, t.elapsed())
    }
}

async fn directory_first_sync(backend: &str) {
    let server = open(backend).await;
    let editor = server.login("c0").await;
    let entries = sample::directory(11, 2_000);
    let t = Instant::now();
    for entry in &entries {
        let req = advocase_core::directory::wire::SaveEntry {
            base: 0,
            entry: entry.clone(),
        };
        let _: advocase_core::directory::wire::StoredEntry = server
            .call("POST", "/api/directory", Some(&editor), Some(&req))
            .await;
    }
    let saved = t.elapsed();
    let device = server.login("c1").await;
    let (plain, took) = server.bytes("/api/directory?since=0", &device, None).await;
    let (gzip, took_gzip) = server
        .bytes("/api/directory?since=0", &device, Some("gzip"))
        .await;
    println!(
        "BENCH {backend}: directory of 2,000 entries: saved one by one in {:.2} s; a fresh device's first sync {:.0} ms, {} KB ({:.0} ms, {} KB gzip)",
        saved.as_secs_f64(),
        took.as_secs_f64() * 1000.0,
        plain / 1024,
        took_gzip.as_secs_f64() * 1000.0,
        gzip / 1024
    );
}

async fn open(backend: &str) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let location = backends::location(backend, tmp.path());
    Server::start(location, tmp).await
}

fn device(n: u64) -> Id {
    Rng::new(n).id(1_795_000_000_000 + n)
}

/// Issue 16's long history: 2,000 changes pushed to one case (each batch
/// timed: does the last cost more than the first?), then pushes of 10
/// changes to that case against pushes of 10 to a new case, alternating.
async fn long_history(backend: &str) {
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
async fn push_and_pull_50k(backend: &str, ordered: bool) {
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

/// CPU seconds the server's threads have used: its runtime's
/// (`advocase-server`) and SQLite's workers, read from /proc.
fn server_cpu() -> f64 {
    let tick = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state …`: the name may hold spaces, the rest not.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = &stat[open + 1..close];
        if !(comm.starts_with("advocase-server") || comm.starts_with("sqlx-sqlite")) {
            continue;
        }
        let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
        // utime and stime: fields 14 and 15 of the line, 12 and 13 here.
        ticks += fields[11].parse::<u64>().unwrap_or(0) + fields[12].parse::<u64>().unwrap_or(0);
    }
    ticks as f64 / tick
}

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
async fn crowd(backend: &str) {
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

async fn hundred_devices(backend: &str) {
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

async fn live_channel(backend: &str) {
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

fn main() {
    backends::each(|backend| async move {
        if backends::runs("push") {
            push_and_pull_50k(backend, false).await;
            push_and_pull_50k(backend, true).await;
        }
        if backends::runs("long") {
            long_history(backend).await;
        }
        if backends::runs("devices") {
            hundred_devices(backend).await;
        }
        if backends::runs("crowd") {
            crowd(backend).await;
        }
        if backends::runs("directory") {
            directory_first_sync(backend).await;
        }
        if backends::runs("live") {
            live_channel(backend).await;
        }
    });
}
