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

#[path = "../support/backends.rs"]
mod backends;
#[path = "../../tests/support/postgres.rs"]
mod postgres;

mod crowd;
mod directory;
mod history;
mod live;
mod server;

use crowd::{crowd, hundred_devices};
use directory::directory_first_sync;
use history::{long_history, push_and_pull_50k};
use live::live_channel;

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
