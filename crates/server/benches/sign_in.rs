//! Password hashing under a burst (issue 16), over loopback HTTP against
//! the real router, on SQLite and on PostgreSQL: 200 accounts created at
//! once, then 200 sign-ins at once (each a different account, the right
//! password). Prints the process's resident memory (VmRSS, and its peak
//! VmHWM) before and after each burst, the sign-ins' latency, and the
//! hashing pool's size; the pool logs each job's wait for a thread
//! (`password hashing queued`, shown here as the most any job waited).
//!
//! Run: `cargo bench -p advocase-server --bench sign_in`. Figures only.

#[path = "support/backends.rs"]
mod backends;
#[path = "../tests/support/postgres.rs"]
mod postgres;

use std::time::Instant;

use advocase_core::access::Role;
use advocase_core::sync::NewUser;
use advocase_server::{AppState, accounts, app, db, hashing, now_ms};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const PASSWORD: &str = "benchmark password, not a secret";
const ACCOUNTS: usize = 200;

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn line(backend: &str, what: &str) {
    let (rss, peak) = memory();
    println!("BENCH {backend}: {what}: resident {rss:.0} MiB (peak so far {peak:.0} MiB)");
}

async fn run(backend: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let location = backends::location(backend, tmp.path());
    let db = db::open(&location).await.expect("database opens");
    line(backend, "database open");
    let t = Instant::now();
    let created = (0..ACCOUNTS)
        .map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                accounts::create(
                    &db,
                    &NewUser {
                        username: format!("coordinator{n}"),
                        display_name: format!("Coordinator {n}"),
                        role: Role::Coordinator,
                        units: vec!["4 West".into()],
                        password: PASSWORD.into(),
                    },
                    now_ms(),
                )
                .await
                .unwrap();
            })
        })
        .collect::<Vec<_>>();
    for task in created {
        task.await.unwrap();
    }
    println!(
        "BENCH {backend}: {ACCOUNTS} accounts created at once in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    line(backend, "after creating them");

    let router = app(AppState::new(db.clone()), tmp.path());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let t = Instant::now();
    let signed = (0..ACCOUNTS)
        .map(|n| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let req = backends::login(&base, &format!("coordinator{n}"), PASSWORD);
                let t = Instant::now();
                let res = client.request(req).await.unwrap();
                let status = res.status();
                let _ = res.into_body().collect().await.unwrap();
                assert!(status.is_success(), "sign-in {n}: {status}");
                t.elapsed().as_secs_f64() * 1000.0
            })
        })
        .collect::<Vec<_>>();
    let mut times = Vec::new();
    for task in signed {
        times.push(task.await.unwrap());
    }
    let all = t.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "BENCH {backend}: {ACCOUNTS} sign-ins at once on {} hashing threads: all done in {all:.1} s; each p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        hashing::size(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
    line(backend, "after the sign-ins");
    db.close().await;
}

fn main() {
    backends::each(run);
}
