//! The audit trail through the HTTP API, every scenario on SQLite and on
//! PostgreSQL: a row for each way a case reaches a user or changes, sign-ins
//! and account changes, device-reported views recorded once, the hash chain
//! catching tampering (through `audit::chain::verify`, the function
//! `verify-audit` runs, and through the binary), the administrators' Access
//! log with its filters and CSV export, and the escrow key. No assertion
//! depends on the clock.
//!
//! By concern: `delivered.rs` (what reaches a user, what a device
//! reports), `accounts.rs`, `hash_chain.rs`, `access_log.rs`; here, the helpers
//! they share.

#[path = "../support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "../support/app.rs"]
mod app;
#[path = "../support/devices.rs"]
mod devices;

mod access_log;
mod accounts;
mod delivered;
mod hash_chain;

use std::process::{Command, Output};

use advocase_core::change::{Change, Op};
use advocase_core::id::Id;
use advocase_core::sync::Session;
use advocase_server::audit::chain;
use app::{Answer, PASSWORD, TestApp, ok};
use axum::http::Method;
use devices::Device;
use serde_json::json;

/// One audit row, as the database holds it.
#[derive(Debug, Clone)]
struct Row {
    seq: i64,
    username: String,
    device: Option<String>,
    case_id: Option<String>,
    action: String,
    outcome: String,
    detail: String,
}

async fn rows(t: &TestApp) -> Vec<Row> {
    use sqlx::Row as _;
    sqlx::query(
        "SELECT seq, username, device, case_id, action, outcome, detail FROM audit ORDER BY seq",
    )
    .fetch_all(&t.db.pool)
    .await
    .unwrap()
    .iter()
    .map(|r| Row {
        seq: r.get("seq"),
        username: r.get("username"),
        device: r.get("device"),
        case_id: r.get("case_id"),
        action: r.get("action"),
        outcome: r.get("outcome"),
        detail: r.get("detail"),
    })
    .collect()
}

/// The rows after the first `skip`, as (action, outcome, username).
async fn since(t: &TestApp, skip: usize) -> Vec<Row> {
    rows(t).await.into_iter().skip(skip).collect()
}

fn summary(rows: &[Row]) -> Vec<(&str, &str, &str)> {
    rows.iter()
        .map(|r| (r.action.as_str(), r.outcome.as_str(), r.username.as_str()))
        .collect()
}

async fn intact(t: &TestApp) -> u64 {
    match chain::verify(&t.db).await.unwrap() {
        Ok(intact) => intact.rows,
        Err(b) => panic!("chain broken: {b}"),
    }
}

async fn exec(t: &TestApp, sql: &str) {
    sqlx::query(sql).execute(&t.db.pool).await.unwrap();
}

/// Signs in with this device id: its token.
async fn login_on(t: &TestApp, username: &str, device: Id) -> String {
    let body = json!({ "username": username, "password": PASSWORD, "device": device });
    let session: Session = ok(t.call(Method::POST, "/api/login", None, Some(body)).await);
    session.token
}

async fn login_answer(t: &TestApp, username: &str, password: &str) -> Answer {
    let body = json!({ "username": username, "password": password });
    t.call(Method::POST, "/api/login", None, Some(body)).await
}

/// An opening for a patient with this name and MRN.
fn open_for(tablet: &mut Device, unit: &str, name: &str, mrn: &str) -> Change {
    let mut open = tablet.open(unit);
    if let Op::Open { case } = &mut open.op {
        case.patient.name = name.into();
        case.patient.mrn = mrn.into();
    }
    open
}

fn server(args: &[&str], database: &str, password: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_advocase-server"));
    cmd.args(args)
        .args(["--database", database])
        .env_remove("ADVOCASE_DATABASE")
        .env_remove("ADVOCASE_ADMIN_PASSWORD");
    if let Some(p) = password {
        cmd.env("ADVOCASE_ADMIN_PASSWORD", p);
    }
    cmd.output().unwrap()
}

async fn run(
    database: String,
    args: &'static [&'static str],
    password: Option<&'static str>,
) -> Output {
    tokio::task::spawn_blocking(move || server(args, &database, password))
        .await
        .unwrap()
}
