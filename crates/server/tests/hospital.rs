//! The hospital's contact numbers through the HTTP API, every scenario on
//! SQLite and on PostgreSQL: administrators save them, every role reads the
//! newest, every saved version is kept with who and when, and nothing
//! refused is stored. The rules for the numbers are
//! `advocase_core::hospital::HospitalContacts::check`.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;

use advocase_core::access::Role;
use advocase_core::hospital::HospitalContacts;
use advocase_server::now_ms;
use app::{Answer, Backend, TestApp, ok, refused};
use axum::http::{Method, StatusCode};
use serde_json::json;

on_both!(
    before_anything_is_saved_everyone_reads_the_empty_default,
    an_administrator_saves_and_every_role_reads_it,
    only_administrators_save,
    an_invalid_number_is_refused_naming_the_field,
    bad_requests_and_missing_sessions_store_nothing,
    every_saved_version_is_kept_and_the_newest_served,
    saving_the_same_numbers_again_stores_nothing,
    concurrent_saves_are_each_kept,
    saved_contacts_survive_a_restart,
    the_settings_form_is_drawn_and_saved_as_a_browser_sends_it,
);

fn contacts() -> HospitalContacts {
    HospitalContacts {
        hospital_name: "Riverside General Hospital".into(),
        patient_relations_phone: "(555) 010-4400 ext. 12".into(),
        state_agency_name: "State Department of Health".into(),
        state_agency_phone: "+1 555 010 9000".into(),
        qio_name: "Example BFCC-QIO".into(),
        qio_phone: "1-555-010-7700".into(),
        interpreter_phone: "555 010 4500".into(),
        ..Default::default()
    }
}

async fn put(t: &TestApp, token: &str, contacts: &HospitalContacts) -> Answer {
    let body = serde_json::to_value(contacts).unwrap();
    t.call(Method::PUT, "/api/hospital", Some(token), Some(body))
        .await
}

async fn get(t: &TestApp, token: &str) -> HospitalContacts {
    ok(t.call(Method::GET, "/api/hospital", Some(token), None)
        .await)
}

/// Every stored version.
async fn rows(t: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM hospital_contacts")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
}

/// Asserts `saved` holds `sent`'s numbers, stamped by `by` just now.
fn stamped(saved: &HospitalContacts, sent: &HospitalContacts, by: &str, since_ms: u64) {
    assert!(saved.same_numbers(sent), "{saved:?}");
    assert_eq!(saved.updated_by, by);
    let at = saved.updated_at.expect("stamped").timestamp_millis();
    assert!(
        (since_ms as i64..=now_ms() as i64).contains(&at),
        "{at} not in {since_ms}.."
    );
}

async fn before_anything_is_saved_everyone_reads_the_empty_default(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    for token in [&ana, &mia, &root] {
        let read = get(&t, token).await;
        assert_eq!(read, HospitalContacts::default(), "no number made up");
        assert!(read.is_empty());
    }
    let (_, json) = t.call(Method::GET, "/api/hospital", Some(&ana), None).await;
    assert_eq!(json["updated_at"], serde_json::Value::Null);
    assert_eq!(json["state_agency_phone"], "");
    assert_eq!(rows(&t).await, 0);
}

async fn an_administrator_saves_and_every_role_reads_it(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let before = now_ms();
    let saved: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    stamped(&saved, &contacts(), "root", before);
    for token in [&ana, &mia, &root] {
        assert_eq!(get(&t, token).await, saved);
    }
    assert_eq!(rows(&t).await, 1);
    let (by, at_ms): (String, i64) =
        sqlx::query_as("SELECT saved_by, saved_at_ms FROM hospital_contacts WHERE version = 1")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(by, "root");
    assert_eq!(Some(at_ms), saved.updated_at.map(|t| t.timestamp_millis()));

    // Typed with stray spaces: stored and answered trimmed.
    let mut sloppy = contacts();
    sloppy.qio_phone = "  1-555-010-7700 ".into();
    sloppy.interpreter_phone = "555  010\t4501".into();
    sloppy.hospital_name = " Riverside General Hospital\n".into();
    let saved: HospitalContacts = ok(put(&t, &root, &sloppy).await);
    assert_eq!(saved.qio_phone, "1-555-010-7700");
    assert_eq!(saved.interpreter_phone, "555 010 4501");
    assert_eq!(saved.hospital_name, "Riverside General Hospital");
    assert_eq!(get(&t, &ana).await, saved);
}

async fn only_administrators_save(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    for token in [&ana, &mia] {
        let answer = put(&t, token, &contacts()).await;
        refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
        let message = answer.1["message"].as_str().unwrap();
        assert!(message.contains("administrator"), "{message}");
        // Refused for who they are before the body is even read.
        let answer = t
            .raw(
                Method::PUT,
                "/api/hospital",
                Some(token),
                Some("application/json"),
                Some(b"{".to_vec()),
            )
            .await;
        refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    }
    assert_eq!(get(&t, &ana).await, HospitalContacts::default());
    assert_eq!(rows(&t).await, 0);

    // And what an administrator saved, they cannot overwrite.
    let saved: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    let mut theirs = contacts();
    theirs.qio_phone = "555 010 0000".into();
    refused(
        &put(&t, &mia, &theirs).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_eq!(get(&t, &mia).await, saved);
    assert_eq!(rows(&t).await, 1);
}

async fn an_invalid_number_is_refused_naming_the_field(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mut letters = contacts();
    letters.state_agency_phone = "call the front desk".into();
    let answer = put(&t, &root, &letters).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("state_agency_phone"),
    );
    let message = answer.1["message"].as_str().unwrap();
    assert!(
        message.starts_with("State survey agency phone: use digits, spaces, +, ( ) or -"),
        "{message}"
    );
    assert_eq!(rows(&t).await, 0);

    // Nothing refused replaces what was saved before.
    let saved: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    let mut short = contacts();
    short.qio_phone = "12".into();
    refused(
        &put(&t, &root, &short).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("qio_phone"),
    );
    let mut long = contacts();
    long.hospital_name = "H".repeat(201);
    refused(
        &put(&t, &root, &long).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("hospital_name"),
    );
    // JSON of the wrong shape, as the other routes answer it.
    let answer = t
        .call(
            Method::PUT,
            "/api/hospital",
            Some(&root),
            Some(json!({ "qio_phone": 5550100 })),
        )
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("qio_phone"),
    );
    let answer = t
        .call(
            Method::PUT,
            "/api/hospital",
            Some(&root),
            Some(json!("contacts")),
        )
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        None,
    );
    assert_eq!(get(&t, &root).await, saved);
    assert_eq!(rows(&t).await, 1);
}

async fn bad_requests_and_missing_sessions_store_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let body = serde_json::to_vec(&contacts()).unwrap();
    let send = |token: Option<String>, content_type: &'static str, body: Vec<u8>| {
        let t = &t;
        async move {
            t.raw(
                Method::PUT,
                "/api/hospital",
                token.as_deref(),
                Some(content_type),
                Some(body),
            )
            .await
        }
    };
    let broken = body[..body.len() - 2].to_vec();
    refused(
        &send(Some(root.clone()), "application/json", broken).await,
        StatusCode::BAD_REQUEST,
        "malformed_json",
        None,
    );
    refused(
        &send(Some(root.clone()), "text/plain", body.clone()).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    );
    let mut huge = contacts();
    huge.hospital_name = "H".repeat(100 * 1024);
    let huge = serde_json::to_vec(&huge).unwrap();
    refused(
        &send(Some(root.clone()), "application/json", huge).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
    );
    refused(
        &send(None, "application/json", body.clone()).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
    refused(
        &send(Some("not-a-token".into()), "application/json", body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
    let answer = t.call(Method::GET, "/api/hospital", None, None).await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let answer = t
        .call(Method::GET, "/api/hospital", Some("not-a-token"), None)
        .await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    for method in [Method::POST, Method::DELETE] {
        let answer = t.call(method, "/api/hospital", Some(&root), None).await;
        refused(
            &answer,
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            None,
        );
    }
    // A signed-out administrator's token no longer saves.
    let (status, _) = t.call(Method::POST, "/api/logout", Some(&root), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    refused(
        &put(&t, &root, &contacts()).await,
        StatusCode::UNAUTHORIZED,
        "session_revoked",
        None,
    );
    assert_eq!(rows(&t).await, 0);
}

async fn every_saved_version_is_kept_and_the_newest_served(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ida = t.signed_in("ida", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let first: HospitalContacts = ok(put(&t, &root, &contacts()).await);

    // Who and when are the server's, whatever the client sends.
    let mut next = contacts();
    next.qio_name = "Another BFCC-QIO".into();
    next.qio_phone = "1-555-010-7800".into();
    next.updated_by = "someone-else".into();
    next.updated_at = chrono::DateTime::from_timestamp(946_684_800, 0);
    let before = now_ms();
    let second: HospitalContacts = ok(put(&t, &ida, &next).await);
    stamped(&second, &next, "ida", before);
    assert_eq!(get(&t, &ana).await, second);

    // Emptying a field is a change like any other: the sheet then says to ask.
    let mut cleared = next.clone();
    cleared.interpreter_phone.clear();
    let third: HospitalContacts = ok(put(&t, &root, &cleared).await);
    assert_eq!(third.interpreter_phone, "");
    assert_eq!(get(&t, &ana).await, third);

    assert_eq!(rows(&t).await, 3);
    let history: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, saved_by FROM hospital_contacts ORDER BY version")
            .fetch_all(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(
        history,
        [(1, "root".into()), (2, "ida".into()), (3, "root".into())]
    );
    let first_body: String =
        sqlx::query_scalar("SELECT body FROM hospital_contacts WHERE version = 1")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    let kept: HospitalContacts = serde_json::from_str(&first_body).unwrap();
    assert_eq!(kept, first, "an earlier version is kept as it was saved");
}

async fn saving_the_same_numbers_again_stores_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ida = t.signed_in("ida", Role::Admin, &[]).await;
    let saved: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    // The answer was lost on the way and the app sends it again, or another
    // administrator saves the very same numbers (spacing aside).
    let again: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    assert_eq!(
        again, saved,
        "the version already kept, with its who and when"
    );
    let mut spaced = contacts();
    spaced.qio_phone = format!(" {} ", spaced.qio_phone);
    let same: HospitalContacts = ok(put(&t, &ida, &spaced).await);
    assert_eq!(same, saved);
    assert_eq!(rows(&t).await, 1);

    // Saving nothing at all over nothing at all stores nothing either.
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let empty: HospitalContacts = ok(put(&t, &root, &HospitalContacts::default()).await);
    assert!(empty.is_empty());
    assert_eq!(empty.updated_at, None);
    assert_eq!(rows(&t).await, 0);
}

async fn concurrent_saves_are_each_kept(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ida = t.signed_in("ida", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    for round in 0..5u32 {
        let mut hers = contacts();
        hers.qio_phone = format!("555 010 {:04}", 2 * round);
        let mut his = contacts();
        his.qio_phone = format!("555 010 {:04}", 2 * round + 1);
        let (a, b) = tokio::join!(put(&t, &root, &hers), put(&t, &ida, &his));
        let a: HospitalContacts = ok(a);
        let b: HospitalContacts = ok(b);
        assert!(a.same_numbers(&hers) && b.same_numbers(&his));
        let newest = get(&t, &ana).await;
        assert!(newest == a || newest == b, "{newest:?}");
    }
    assert_eq!(rows(&t).await, 10, "both saves of every round are kept");
    let versions: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM hospital_contacts ORDER BY version")
            .fetch_all(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(versions, (1..=10).collect::<Vec<i64>>());
}

async fn saved_contacts_survive_a_restart(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let saved: HospitalContacts = ok(put(&t, &root, &contacts()).await);
    let t = t.restart().await;
    assert_eq!(get(&t, &ana).await, saved);
    // And the next save after it takes the next version.
    let mut next = contacts();
    next.patient_relations_phone = "555 010 4401".into();
    let second: HospitalContacts = ok(put(&t, &root, &next).await);
    assert_eq!(get(&t, &ana).await, second);
    let newest: i64 = sqlx::query_scalar("SELECT MAX(version) FROM hospital_contacts")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(newest, 2);
}

async fn the_settings_form_is_drawn_and_saved_as_a_browser_sends_it(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let page = "/api/hospital/page";
    assert_eq!(t.page(&mia, page, None).await.0, StatusCode::FORBIDDEN);
    let (status, html) = t.page(&root, page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="Hospital numbers""#));
    assert!(!html.contains("Last saved by"));

    // A wrong number: every field as typed, the problem at its field,
    // nothing stored.
    let mut form = vec![
        ("hospital_name", None, "St. Mary's"),
        ("state_agency_phone", None, "call us"),
        ("qio_phone", None, "1-888-315-0636"),
    ];
    let (status, html) = t.page(&root, page, Some(&form)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"value="call us" aria-invalid="true" aria-describedby="hospital-state_agency_phone-error" autofocus>"#), "{html}");
    assert!(html.contains(r#"value="St. Mary&#39;s""#));
    let stored: HospitalContacts = ok(t.call(Method::GET, "/api/hospital", Some(&mia), None).await);
    assert_eq!(stored.hospital_name, "");

    form[1].2 = "1-800-555-0100";
    let (_, html) = t.page(&root, page, Some(&form)).await;
    assert!(html.contains("Saved. Rights sheets printed from now on show these numbers."));
    assert!(html.contains("Last saved by root on "));
    assert!(!html.contains("aria-invalid"));
    let stored: HospitalContacts = ok(t.call(Method::GET, "/api/hospital", Some(&mia), None).await);
    assert_eq!(
        (
            stored.hospital_name.as_str(),
            stored.state_agency_phone.as_str(),
            stored.updated_by.as_str()
        ),
        ("St. Mary's", "1-800-555-0100", "root")
    );
    assert_eq!(
        t.page(&mia, page, Some(&form)).await.0,
        StatusCode::FORBIDDEN
    );
}
