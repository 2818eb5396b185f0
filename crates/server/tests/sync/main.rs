//! Sync through the HTTP API, every scenario on SQLite and on PostgreSQL:
//! idempotent pushes, resumable pulls, who sees what, requests refused whole,
//! clamped clocks, restarts and concurrent pushes. The rules are the ones
//! `crates/core/tests/protocol/` models in memory.
//!
//! By concern: `push.rs`, `pull.rs`, `access.rs` (who sees and changes
//! what), `refused.rs` (bad requests), `concurrency.rs` (pushes stored at
//! once, and pulls racing them); here, the helpers they share.

#[path = "../support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "../support/app.rs"]
mod app;
#[path = "../support/devices.rs"]
mod devices;

mod access;
mod concurrency;
mod pull;
mod push;
mod refused;

use advocase_core::api::HealthReport;
use advocase_core::sync::{MAX_PULL_PAGE, PullPage};
use app::{Backend, TestApp, ok, refusal, stored};
use axum::http::Method;

on_both!(health_names_the_backend);

fn seqs(page: &PullPage) -> Vec<u64> {
    page.changes.iter().map(|p| p.server_seq).collect()
}

/// Every change after `after`, following the cursor to the end.
async fn pull_all(t: &TestApp, token: &str, after: u64) -> PullPage {
    let mut all = PullPage {
        changes: vec![],
        hidden: vec![],
        next: after,
        more: true,
    };
    while all.more {
        let page = t.pull(token, all.next, MAX_PULL_PAGE).await;
        all.changes.extend(page.changes);
        all.hidden.extend(page.hidden);
        all.next = page.next;
        all.more = page.more;
    }
    all
}

async fn health_names_the_backend(b: Backend) {
    let t = TestApp::start(b).await;
    let report: HealthReport = ok(t.call(Method::GET, "/api/health", None, None).await);
    let name = match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    assert_eq!(report.database.backend, name);
    assert_eq!(
        report.database.schema_version,
        Some(advocase_server::db::known_migrations())
    );
}
