//! Reports at hospital scale (issue 15), over loopback HTTP against the real
//! router, on SQLite and on PostgreSQL:
//!
//! 1. a 12-month report over 50,000 cases and 500,000 interactions (the
//!    sample caseload, 10 interactions a case, spread over the year): time
//!    from request to the whole answer, 3 runs;
//! 2. one month's interactions as CSV: rows per second, bytes, and the most
//!    heap the export took beyond what was in use before it (counted by a
//!    global allocator; the client reads the stream and keeps none of it).
//!
//! The cases are written straight into `cases` (state and facts, as a push
//! writes them) rather than pushed: pushing half a million changes is the
//! sync bench's subject, not this one's.
//!
//! Run: `cargo bench -p advocase-server --bench report`. Figures only.

#[path = "support/backends.rs"]
mod backends;
#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use advocase_core::access::Role;
use advocase_core::sample;
use advocase_core::sync::{NewUser, Session};
use advocase_server::{AppState, accounts, app, db, now_ms};
use chrono::Days;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

const PASSWORD: &str = "benchmark password, not a secret";
const CASES: usize = 50_000;
const INTERACTIONS: usize = 10;
/// The sample spreads each batch's receipts over 60 days before its `now`;
/// six batches, 60 days apart, cover the year.
const BATCHES: usize = 6;

/// Heap in use and its high-water mark, counted on every allocation.
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: every call is passed to the system allocator unchanged; only
// the sizes are counted.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

async fn fill(db: &advocase_server::db::Db) {
    let end = sample::reference_now();
    let mut written = 0;
    for b in 0..BATCHES {
        let now = end - chrono::Duration::days(60 * b as i64);
        let files = sample::caseload(
            100 + b as u64,
            CASES / BATCHES + usize::from(b < CASES % BATCHES),
            INTERACTIONS,
            now,
        );
        for chunk in files.chunks(1_000) {
            let mut tx = db.pool.begin().await.unwrap();
            for f in chunk {
                sqlx::query(
                    "INSERT INTO cases (case_id, unit, assignee, created_by, deleted, state, last_seq, involved, facts)
                     VALUES ($1, $2, $3, $4, 0, $5, 0, '', $6)",
                )
                .bind(f.case.id.to_string())
                .bind(&f.case.patient.unit)
                .bind(&f.case.assignee)
                .bind(&f.case.created_by)
                .bind(serde_json::to_string(f).unwrap())
                .bind(advocase_server::report::facts::encode(f))
                .execute(&mut *tx)
                .await
                .unwrap();
            }
            tx.commit().await.unwrap();
            written += chunk.len();
        }
    }
    assert_eq!(written, CASES);
}

async fn get(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    token: &str,
) -> (Duration, Bytes) {
    let req = hyper::Request::builder()
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let t = Instant::now();
    let res = client.request(req).await.expect("request");
    assert!(res.status().is_success(), "{url}: {}", res.status());
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (t.elapsed(), body)
}

async fn run(backend: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let location = backends::location(backend, tmp.path());
    let db = db::open(&location).await.expect("database opens");
    let t = Instant::now();
    fill(&db).await;
    println!(
        "BENCH {backend}: {CASES} sample cases with {} interactions written in {:.1} s",
        CASES * INTERACTIONS,
        t.elapsed().as_secs_f64()
    );
    if backend == "postgres" {
        sqlx::query("ANALYZE cases")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    accounts::create(
        &db,
        &NewUser {
            username: "mia".into(),
            display_name: "Mia Manager".into(),
            role: Role::Manager,
            units: vec![],
            password: PASSWORD.into(),
        },
        now_ms(),
    )
    .await
    .unwrap();
    let router = app(AppState::new(db.clone()), tmp.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = Client::builder(TokioExecutor::new()).build_http();
    let res = client
        .request(backends::login(&base, "mia", PASSWORD))
        .await
        .unwrap();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let token = serde_json::from_slice::<Session>(&bytes).unwrap().token;

    let last = sample::reference_now().date_naive();
    let first = last - Days::new(364);
    let url = format!("{base}/api/report?from={first}&to={last}");
    let mut times = Vec::new();
    let mut size = 0;
    let mut interactions = 0;
    for _ in 0..3 {
        let (d, body) = get(&client, &url, &token).await;
        times.push(d.as_secs_f64() * 1000.0);
        size = body.len();
        let r: advocase_core::report::Report = serde_json::from_slice(&body).unwrap();
        interactions = r.current.interactions;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "BENCH {backend}: 12-month report over {CASES} cases ({interactions} interactions in the period): median {:.0} ms, min {:.0} ms, max {:.0} ms ({} KB answer)",
        times[1],
        times[0],
        times[2],
        size / 1024
    );

    // One month's interactions as CSV, read as it streams and dropped.
    let month_first = last - Days::new(29);
    let url = format!("{base}/api/report/interactions.csv?from={month_first}&to={last}");
    let req = hyper::Request::builder()
        .uri(&url)
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::new()))
        .unwrap();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let t = Instant::now();
    let res = client.request(req).await.expect("request");
    assert!(res.status().is_success());
    let mut body = res.into_body();
    let (mut bytes, mut rows) = (0usize, 0usize);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.unwrap().into_data() {
            bytes += data.len();
            rows += data.iter().filter(|b| **b == b'\n').count();
        }
    }
    let d = t.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    let rows = rows.saturating_sub(1);
    println!(
        "BENCH {backend}: one month's interactions CSV: {rows} rows, {:.1} MB in {:.2} s ({:.0} rows/s); at most {:.1} MiB of heap beyond what was in use before",
        bytes as f64 / 1e6,
        d.as_secs_f64(),
        rows as f64 / d.as_secs_f64(),
        peak as f64 / (1024.0 * 1024.0)
    );
    db.close().await;
}

fn main() {
    // The server's own account of each report: how long reading, computing
    // and recording took (`report computed`).
    tracing_subscriber::fmt()
        .with_env_filter("warn,advocase_server::report=info")
        .with_target(false)
        .init();
    backends::each(run);
}
