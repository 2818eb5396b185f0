//! `seed-demo`, on SQLite and on PostgreSQL: a demo hospital with units,
//! about 60 directory entries, five accounts and a caseload that the
//! coordinators see by their units; seeding again adds nothing; a
//! database that holds real accounts is refused untouched.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;

use advocase_core::access::Role;
use advocase_core::directory::Structure;
use advocase_core::directory::wire::DirectoryPage;
use advocase_server::demo::{self, DemoError};
use app::{Backend, TestApp, ok};
use axum::http::Method;

on_both!(
    the_demo_is_a_working_hospital_and_seeding_again_adds_nothing,
    a_database_with_real_accounts_is_refused_untouched,
);

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(advocase_server::now_ms() as i64).unwrap()
}

async fn the_demo_is_a_working_hospital_and_seeding_again_adds_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let accounts = demo::seed(&t.db, 60, now()).await.unwrap();
    let names: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
    assert_eq!(names, vec!["admin", "manager", "ana", "ben", "cy"]);
    assert!(accounts.iter().all(|a| a.password.len() == 16));
    let manager = t.login("manager", &accounts[1].password).await.token;
    let ana = t.login("ana", &accounts[2].password).await.token;
    let structure: Structure = ok(t
        .call(Method::GET, "/api/structure", Some(&ana), None)
        .await);
    assert_eq!(structure.units.len(), 8);
    let directory: DirectoryPage = ok(t
        .call(Method::GET, "/api/directory", Some(&ana), None)
        .await);
    assert!(
        (55..=65).contains(&directory.entries.len()),
        "{}",
        directory.entries.len()
    );
    let all = t.pull(&manager, 0, 2000).await;
    let cases: std::collections::BTreeSet<_> =
        all.changes.iter().map(|p| p.change.case_id).collect();
    assert_eq!(cases.len(), 60, "every case stored");
    let mine = t.pull(&ana, 0, 2000).await;
    let hers: std::collections::BTreeSet<_> =
        mine.changes.iter().map(|p| p.change.case_id).collect();
    assert!(
        !hers.is_empty() && hers.len() < 60,
        "ana sees her units' cases: {}",
        hers.len()
    );
    let changes = t.counts().await;
    let again = demo::seed(&t.db, 60, now()).await.unwrap();
    assert_eq!(again, accounts, "the same accounts printed again");
    assert_eq!(t.counts().await, changes, "nothing added");
}

async fn a_database_with_real_accounts_is_refused_untouched(b: Backend) {
    let t = TestApp::start(b).await;
    t.account("root", Role::Admin, &[]).await;
    let before = t.counts().await;
    let refused = demo::seed(&t.db, 10, now()).await.unwrap_err();
    assert!(matches!(refused, DemoError::NotADemo));
    assert!(refused.to_string().contains("not a demo database"));
    assert_eq!(t.counts().await, before);
    let structure: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM structure_versions")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(structure, 0);
}
