//! Prints a sample caseload as a signed-in, synced device stores it, one
//! JSON line per localStorage entry (`{"key": …, "value": …}`), for the
//! start-up benchmark to load into a browser.
//! Usage: sample_store [CASES] [INTERACTIONS_EACH]

use advocase_core::{encoding, sample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (cases, each) = (number(1, 1000), number(2, 10));
    let line = |key: &str, value: String| {
        println!("{}", serde_json::json!({ "key": key, "value": value }));
    };
    line("advocase.meta", r#"{"schema":3}"#.into());
    // A session that is not the server's: the start is measured, not sync.
    let session = serde_json::json!({
        "token": "benchmark",
        "expires_at_ms": 4_102_444_800_000u64,
        "user": { "username": "ana", "display_name": "Ana Coordinator", "role": "manager", "units": [], "active": true }
    });
    line("advocase.session", session.to_string());
    for log in sample::synced_logs(1, cases, each, sample::reference_now()) {
        let id = log.case_id().expect("sample logs are not empty");
        line(&format!("advocase.case.{id}"), encoding::encode(&log));
    }
}
