//! Prints a sample caseload as the client stores it, one JSON line per
//! localStorage entry (`{"key": …, "value": …}`), for the start-up benchmark
//! to load into a browser. Usage: sample_store [CASES] [INTERACTIONS_EACH]

use advocase_core::{encoding, sample};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let number =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (cases, each) = (number(1, 1000), number(2, 10));
    println!(
        "{}",
        serde_json::json!({ "key": "advocase.meta", "value": r#"{"schema":2}"# })
    );
    println!(
        "{}",
        serde_json::json!({ "key": "advocase.preferences", "value": r#"{"large_text":false,"user_name":"Ana Coordinator"}"# })
    );
    for file in sample::caseload(1, cases, each, sample::reference_now()) {
        let key = format!("advocase.case.{}", file.case.id);
        println!(
            "{}",
            serde_json::json!({ "key": key, "value": encoding::encode(&file) })
        );
    }
}
