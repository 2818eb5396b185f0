//! What a device needs to escalate a case, offline too, on SQLite and on
//! PostgreSQL: the people it may escalate to (`GET /api/colleagues`) and
//! the operator's escalation windows (in `GET /api/hospital`).

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;

use advocase_core::access::Role;
use advocase_core::api::{Colleague, Colleagues};
use advocase_core::followup::Windows;
use advocase_core::hospital::HospitalContacts;
use advocase_server::{AppState, app};
use app::{Backend, TestApp, ok, refused};
use axum::http::{Method, StatusCode};
use serde_json::json;

on_both!(
    colleagues_are_the_active_coordinators_and_managers,
    colleagues_are_for_coordinators_and_managers_only,
    the_operators_windows_come_with_the_hospitals_numbers,
);

async fn colleagues_are_the_active_coordinators_and_managers(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t
        .signed_in("ana", Role::Coordinator, &["4 West", "5 East"])
        .await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    t.account("bob", Role::Coordinator, &["3 North"]).await;
    t.account("gone", Role::Coordinator, &["4 West"]).await;
    t.account("it2", Role::Admin, &[]).await;
    let (status, json) = t
        .call(
            Method::PATCH,
            "/api/users/gone",
            Some(&root),
            Some(json!({ "active": false })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");

    let want = Colleagues {
        colleagues: vec![
            Colleague {
                username: "ana".into(),
                display_name: "ANA".into(),
                role: Role::Coordinator,
                units: vec!["4 West".into(), "5 East".into()],
            },
            Colleague {
                username: "bob".into(),
                display_name: "BOB".into(),
                role: Role::Coordinator,
                units: vec!["3 North".into()],
            },
            Colleague {
                username: "mia".into(),
                display_name: "MIA".into(),
                role: Role::Manager,
                units: vec![],
            },
        ],
    };
    for token in [&ana, &mia] {
        let answer = t
            .call(Method::GET, "/api/colleagues", Some(token), None)
            .await;
        // Nothing but the four fields: no password hash, no `active`.
        let text = answer.1.to_string();
        for absent in ["password", "hash", "argon", "active", "root", "it2", "gone"] {
            assert!(!text.contains(absent), "{absent}: {text}");
        }
        let got: Colleagues = ok(answer);
        assert_eq!(got, want);
    }

    // Given units and reactivated: the list follows the accounts.
    let (status, json) = t
        .call(
            Method::PATCH,
            "/api/users/gone",
            Some(&root),
            Some(json!({ "active": true, "units": ["2 South"] })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{json}");
    let got: Colleagues = ok(t
        .call(Method::GET, "/api/colleagues", Some(&ana), None)
        .await);
    let gone = got.colleagues.iter().find(|c| c.username == "gone");
    assert_eq!(gone.map(|c| c.units.clone()), Some(vec!["2 South".into()]));
    assert_eq!(got.colleagues.len(), 4);
}

async fn colleagues_are_for_coordinators_and_managers_only(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    // Administrators escalate nothing and see no case: refused, like sync.
    let answer = t
        .call(Method::GET, "/api/colleagues", Some(&root), None)
        .await;
    refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    for token in [None, Some("not-a-session")] {
        let answer = t.call(Method::GET, "/api/colleagues", token, None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
    let answer = t
        .call(
            Method::POST,
            "/api/colleagues",
            Some(&root),
            Some(json!({})),
        )
        .await;
    refused(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
    );
}

async fn the_operators_windows_come_with_the_hospitals_numbers(b: Backend) {
    let mut t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    // Not configured: the defaults, 4 hours and 1 working day.
    let read: HospitalContacts = ok(t.call(Method::GET, "/api/hospital", Some(&ana), None).await);
    assert_eq!(read.escalation, Windows::default());
    assert_eq!(
        (
            read.escalation.urgent_minutes,
            read.escalation.routine_working_days
        ),
        (240, 1)
    );

    // As if started with --escalation-urgent-minutes 90
    // --escalation-routine-days 2.
    let set = Windows {
        urgent_minutes: 90,
        routine_working_days: 2,
    };
    let state = AppState {
        escalation: set,
        ..AppState::new(t.db.clone())
    };
    t.router = app(state, t.tmp.path());
    for token in [&ana, &root] {
        let (status, json) = t
            .call(Method::GET, "/api/hospital", Some(token), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            json["escalation"],
            json!({ "urgent_minutes": 90, "routine_working_days": 2 })
        );
    }

    // An administrator's save carries the windows back but cannot set
    // them, and they are not stored with the version.
    let mut body = serde_json::to_value(HospitalContacts {
        qio_phone: "1-555-010-7700".into(),
        ..HospitalContacts::default()
    })
    .unwrap();
    body["escalation"] = json!({ "urgent_minutes": 1, "routine_working_days": 20 });
    let saved: HospitalContacts = ok(t
        .call(
            Method::PUT,
            "/api/hospital",
            Some(&root),
            Some(body.clone()),
        )
        .await);
    assert_eq!(saved.escalation, set);
    assert_eq!(saved.qio_phone, "1-555-010-7700");
    let stored: String = sqlx::query_scalar("SELECT body FROM hospital_contacts")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_ne!(stored["escalation"]["urgent_minutes"], 1, "{stored}");
    // The same numbers with other windows are the same numbers: nothing
    // new stored.
    body["escalation"] = json!({ "urgent_minutes": 5, "routine_working_days": 5 });
    let again: HospitalContacts = ok(t
        .call(Method::PUT, "/api/hospital", Some(&root), Some(body))
        .await);
    assert_eq!(again, saved);
    let versions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hospital_contacts")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(versions, 1);
    let read: HospitalContacts = ok(t.call(Method::GET, "/api/hospital", Some(&ana), None).await);
    assert_eq!(read, saved);
}
