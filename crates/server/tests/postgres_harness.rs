//! The throwaway PostgreSQL harness itself: distinct, empty, usable databases.

#[path = "support/postgres.rs"]
mod postgres;

use std::time::Instant;

#[test]
fn fresh_databases_are_distinct_empty_and_usable() {
    let start = Instant::now();
    let a = postgres::fresh_database_url();
    eprintln!(
        "{} ready in {:?}",
        postgres::server_version(),
        start.elapsed()
    );
    let b = postgres::fresh_database_url();
    assert_ne!(a, b);

    let out = postgres::psql(
        &a,
        "CREATE TABLE t(x int); INSERT INTO t VALUES (1); SELECT x FROM t",
    );
    assert_eq!(out.trim(), "1");
    // The other database must not see the table.
    assert_eq!(
        postgres::psql(&b, "SELECT to_regclass('t') IS NULL").trim(),
        "t"
    );
}
