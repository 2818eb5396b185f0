//! What every server bench does around its runs: one multi-threaded
//! runtime, the runs on SQLite then PostgreSQL, or only the one
//! `ADVOCASE_BENCH_ONLY` names (`sqlite` or `postgres`).

use std::future::Future;

pub fn each<F: Future<Output = ()>>(run: impl Fn(&'static str) -> F) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let only = std::env::var("ADVOCASE_BENCH_ONLY").unwrap_or_default();
        for backend in ["sqlite", "postgres"] {
            if only.is_empty() || only == backend {
                run(backend).await;
            }
        }
        if only != "sqlite" {
            println!(
                "BENCH postgres server: {}",
                super::postgres::server_version()
            );
        }
    });
}

/// Whether the run named `name` is wanted: `ADVOCASE_BENCH_RUNS` lists
/// the runs to make (comma-separated), or is unset for all of them.
#[allow(dead_code)]
pub fn runs(name: &str) -> bool {
    std::env::var("ADVOCASE_BENCH_RUNS")
        .map(|v| v.split(',').any(|r| r.trim() == name))
        .unwrap_or(true)
}

/// Where `backend`'s bench database goes: a file in `tmp`, or a fresh
/// database on the throwaway PostgreSQL.
pub fn location(backend: &str, tmp: &std::path::Path) -> advocase_server::config::DatabaseLocation {
    use advocase_server::config::DatabaseLocation;
    match backend {
        "sqlite" => DatabaseLocation::Sqlite(tmp.join("bench.db")),
        _ => DatabaseLocation::Postgres(super::postgres::fresh_database_url()),
    }
}

/// `POST {base}/api/login` for `username` (no device). The sync bench signs
/// in through its own client.
#[allow(dead_code)]
pub fn login(
    base: &str,
    username: &str,
    password: &str,
) -> hyper::Request<http_body_util::Full<hyper::body::Bytes>> {
    let login = serde_json::json!({ "username": username, "password": password, "device": null });
    hyper::Request::builder()
        .method("POST")
        .uri(format!("{base}/api/login"))
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            login.to_string(),
        )))
        .unwrap()
}
