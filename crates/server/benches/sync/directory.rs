//! A fresh device's first sync of a 2,000-entry directory.

use std::time::Instant;

use advocase_core::sample::{self};

use crate::server::*;

pub(crate) async fn directory_first_sync(backend: &str) {
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
