//! Reports and exports (issue 15) through the HTTP API, every scenario on
//! SQLite and on PostgreSQL: who gets which report, patient days and the
//! notes managers keep with a report, the CSV exports parsed back, the FHIR
//! bundle validated against the FHIR R4 JSON schema, each delivery in the
//! audit trail, and facts written for cases stored before reports.
//!
//! The figures themselves are tested in core (`report/tests.rs`); here,
//! that the server feeds them the right cases. Periods are taken around
//! the day the test runs, in UTC (the server's zone here), so no assertion
//! depends on the time of day.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use advocase_core::access::Role;
use advocase_core::case::CaseDraft;
use advocase_core::export::csv::{CASE_COLUMNS, INTERACTION_COLUMNS};
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::report::{PatientDaysList, Report, ReportNotes};
use advocase_server::now_ms;
use app::{Backend, TestApp, ok, refused};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Days, NaiveDate};
use devices::{Device, new_id};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sqlx::Row;
use tower::ServiceExt;

on_both!(
    a_report_covers_what_its_reader_may_see,
    patient_days_and_notes_are_kept_by_managers,
    exports_are_what_the_reader_may_see_as_csv_and_valid_fhir,
    facts_are_written_for_cases_stored_before_reports,
    a_case_row_without_changes_does_not_hold_up_a_report,
);

fn today() -> NaiveDate {
    chrono::DateTime::from_timestamp_millis(now_ms() as i64)
        .unwrap()
        .date_naive()
}

/// `from` and `to` around today: 12 days back to 2 days on.
fn around_today() -> String {
    let t = today();
    format!("from={}&to={}", t - Days::new(12), t + Days::new(2))
}

async fn report(t: &TestApp, token: &str, query: &str) -> Report {
    ok(t.call(
        Method::GET,
        &format!("/api/report?{query}"),
        Some(token),
        None,
    )
    .await)
}

fn draft(name: &str, unit: &str, kind: &str) -> CaseDraft {
    CaseDraft {
        patient_name: name.into(),
        unit: unit.into(),
        kind: kind.into(),
        description: "Call bell not answered".into(),
        ..CaseDraft::default()
    }
}

/// Opens a case and logs one bedside visit on it, pushed by `device`.
async fn case_with_a_visit(t: &TestApp, token: &str, device: &mut Device, d: &CaseDraft) -> Id {
    let open = device.open_draft(d);
    let log = device.log(open.case_id);
    let pushed = t.push(token, &device.batch([&open, &log])).await;
    assert_eq!(pushed.results.len(), 2);
    open.case_id
}

async fn audit_rows(t: &TestApp, action: &str, username: &str) -> Vec<Option<String>> {
    sqlx::query("SELECT case_id FROM audit WHERE action = $1 AND username = $2 ORDER BY seq")
        .bind(action)
        .bind(username)
        .fetch_all(&t.db.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<Option<String>, _>("case_id").unwrap())
        .collect()
}

/// An administrator, two coordinators (4 West, 3 North) and a manager,
/// signed in; Ana's tablet; one concern of Bob's in 3 North.
struct Ward {
    t: TestApp,
    root: String,
    ana: String,
    bob: String,
    mia: String,
    ana_tablet: Device,
}

async fn ward(b: Backend) -> Ward {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let bob = t.signed_in("bob", Role::Coordinator, &["3 North"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let d = draft("Sam Okafor", "3 North", "concern");
    case_with_a_visit(&t, &bob, &mut Device::new("bob"), &d).await;
    Ward {
        t,
        root,
        ana,
        bob,
        mia,
        ana_tablet: Device::new("ana"),
    }
}

async fn a_report_covers_what_its_reader_may_see(b: Backend) {
    let Ward {
        t,
        root,
        ana,
        bob,
        mia,
        mut ana_tablet,
    } = ward(b).await;
    case_with_a_visit(
        &t,
        &ana,
        &mut ana_tablet,
        &draft("Rosa Diaz", "4 West", "complaint"),
    )
    .await;
    // A grievance received ten days ago with no response: late.
    let late = case_with_a_visit(
        &t,
        &ana,
        &mut ana_tablet,
        &CaseDraft {
            received_on: (today() - Days::new(10)).to_string(),
            ..draft("Li Wei", "Unit 4-west", "grievance")
        },
    )
    .await;

    let q = around_today();
    let all = report(&t, &mia, &q).await;
    assert_eq!(all.current.opened(), 3);
    assert_eq!(all.current.interactions, 3);
    assert_eq!(
        all.current.by_unit.keys().cloned().collect::<Vec<_>>(),
        vec![
            "3 North".to_owned(),
            "4 West".to_owned(),
            "Unit 4-west".to_owned()
        ],
        "with no structure saved, texts are units as typed"
    );
    assert_eq!(all.current.late.len(), 1);
    assert_eq!(all.current.late[0].case.id, late);
    assert_eq!(all.current.late[0].days_late, 3);
    assert!(all.units.is_empty());

    // Asked for by name, a unit is found however it was typed.
    let one = report(&t, &mia, &format!("{q}&unit=4%20West")).await;
    assert_eq!(one.current.opened(), 2);
    assert_eq!(one.units, vec!["4 West".to_owned()]);
    // A coordinator's report covers the cases she may see: her unit's,
    // however typed.
    let hers = report(&t, &ana, &q).await;
    assert_eq!(hers.current.opened(), 2);
    let his = report(&t, &bob, &q).await;
    assert_eq!(his.current.opened(), 1);
    assert!(his.current.late.is_empty());

    refused(
        &t.call(Method::GET, &format!("/api/report?{q}"), Some(&root), None)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &t.call(Method::GET, &format!("/api/report?{q}"), None, None)
            .await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        None,
    );
    for (query, field) in [
        ("from=2026-13-01&to=2026-12-31", "from"),
        ("from=2026-11-30&to=2026-11-01", "to"),
        ("from=2026-11-01", "to"),
        ("from=2020-01-01&to=2026-12-31", "to"),
    ] {
        let answer = t
            .call(
                Method::GET,
                &format!("/api/report?{query}"),
                Some(&mia),
                None,
            )
            .await;
        refused(&answer, StatusCode::BAD_REQUEST, "bad_request", Some(field));
    }

    // The same report drawn as a page: the late grievance by name, the
    // managers' controls for managers only.
    let (status, mime, page) = export(&t, &mia, "page", &q).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mime, "text/html; charset=utf-8");
    assert!(page.contains("Li Wei"), "{page}");
    assert!(page.contains(r#"<form class="recommend no-print" data-post="/api/report/notes">"#));
    assert!(page.contains(&format!(r#"data-from="{}""#, all.period.from)));
    let (_, _, hers) = export(&t, &ana, "page", &q).await;
    assert!(hers.contains("Li Wei") && !hers.contains("data-post="));

    // Each report delivered is on record, and each case it names.
    assert_eq!(audit_rows(&t, "report_viewed", "mia").await.len(), 3);
    assert_eq!(
        audit_rows(&t, "case_reported", "mia").await,
        vec![Some(late.to_string()); 3],
        "the late grievance, named in every report"
    );
    assert!(audit_rows(&t, "case_reported", "bob").await.is_empty());
}

async fn put(t: &TestApp, token: &str, body: Value) -> app::Answer {
    t.call(
        Method::PUT,
        "/api/report/patient-days",
        Some(token),
        Some(body),
    )
    .await
}

async fn note(t: &TestApp, token: &str, body: Value) -> app::Answer {
    t.call(Method::POST, "/api/report/notes", Some(token), Some(body))
        .await
}

async fn patient_days_and_notes_are_kept_by_managers(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let days = |entries: Value| json!({ "entries": entries });
    let saved: PatientDaysList = ok(put(
        &t,
        &mia,
        days(json!([
            { "unit": "4 West", "month": "2026-11", "days": 1200 },
            { "unit": "3 North", "month": "2026-11", "days": 900 },
        ])),
    )
    .await);
    assert_eq!(saved.entries.len(), 2);
    // Again, changed: the last save stands.
    ok::<PatientDaysList>(
        put(
            &t,
            &mia,
            days(json!([{ "unit": "4 West", "month": "2026-11", "days": 1250 }])),
        )
        .await,
    );
    refused(
        &put(
            &t,
            &ana,
            days(json!([{ "unit": "4 West", "month": "2026-11", "days": 1 }])),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    for (entry, field) in [
        (
            json!({ "unit": "4 West", "month": "2026-13", "days": 1 }),
            "entries.1.month",
        ),
        (
            json!({ "unit": "4 West", "month": "Nov", "days": 1 }),
            "entries.1.month",
        ),
        (
            json!({ "unit": " ", "month": "2026-12", "days": 1 }),
            "entries.1.unit",
        ),
        (
            json!({ "unit": "4 West", "month": "2026-12", "days": 9_999_999 }),
            "entries.1.days",
        ),
    ] {
        let body = days(json!([
            { "unit": "5 East", "month": "2026-12", "days": 10 },
            entry,
        ]));
        refused(
            &put(&t, &mia, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some(field),
        );
    }
    let listed: PatientDaysList = ok(t
        .call(
            Method::GET,
            "/api/report/patient-days?from=2026-11-01&to=2026-12-31",
            Some(&ana),
            None,
        )
        .await);
    let mut got: Vec<(String, u64)> = listed
        .entries
        .iter()
        .map(|e| (e.unit.clone(), e.days))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![("3 North".into(), 900), ("4 West".into(), 1250)],
        "nothing of the refused saves"
    );

    // The month's rate for each unit, over the days entered.
    let nov = "from=2026-11-01&to=2026-11-30&unit=4%20West&unit=3%20North";
    let r = report(&t, &mia, nov).await;
    assert_eq!(r.rates_absent, None);
    let west = r.rates.iter().find(|x| x.unit == "4 West").unwrap();
    assert_eq!(west.patient_days, 1250);
    assert_eq!(west.per_thousand, Some(0));

    // Notes kept with that report: dismissed suggestions, recommendations.
    let period = json!({ "from": "2026-11-01", "to": "2026-11-30" });
    let units = json!(["3 North", "4 West"]);
    let rec = new_id();
    let dismiss = json!({ "period": period, "units": units, "action": "dismiss", "suggestion": "category_rise/4 West/quality" });
    let recommend = json!({ "period": period, "units": units, "action": "recommend", "id": rec, "text": "Evening rounds by the charge nurse" });
    for _ in 0..2 {
        ok::<ReportNotes>(note(&t, &mia, dismiss.clone()).await);
        let kept: ReportNotes = ok(note(&t, &mia, recommend.clone()).await);
        assert_eq!(
            kept.dismissed,
            vec!["category_rise/4 West/quality".to_owned()]
        );
        assert_eq!(kept.recommendations.len(), 1, "a retry is stored once");
        assert_eq!(kept.recommendations[0].by, "mia");
    }
    let r = report(&t, &mia, nov).await;
    assert_eq!(r.dismissed, vec!["category_rise/4 West/quality".to_owned()]);
    assert_eq!(
        r.recommendations[0].text,
        "Evening rounds by the charge nurse"
    );
    // The same units in another order are the same report; another period
    // is another.
    let reordered = report(
        &t,
        &mia,
        "from=2026-11-01&to=2026-11-30&unit=3%20North&unit=4%20West",
    )
    .await;
    assert_eq!(reordered.recommendations.len(), 1);
    let december = report(
        &t,
        &mia,
        "from=2026-12-01&to=2026-12-31&unit=3%20North&unit=4%20West",
    )
    .await;
    assert!(december.recommendations.is_empty() && december.dismissed.is_empty());

    refused(
        &note(&t, &ana, dismiss.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let empty = json!({ "period": period, "units": units, "action": "recommend", "id": new_id(), "text": " " });
    refused(
        &note(&t, &mia, empty).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("text"),
    );
    let mut restore = dismiss.clone();
    restore["action"] = json!("restore");
    let mut remove = recommend.clone();
    remove["action"] = json!("remove");
    ok::<ReportNotes>(note(&t, &mia, restore).await);
    let kept: ReportNotes = ok(note(&t, &mia, remove).await);
    assert_eq!(kept, ReportNotes::default());

    // The report page's own forms, sent as a browser sends a form.
    let form = |method, uri: &'static str, fields: &[(&str, &str)]| {
        let mut body = String::new();
        for (name, value) in fields {
            body += &format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            );
        }
        body += "--XyZ--\r\n";
        t.raw(
            method,
            uri,
            Some(&mia),
            Some("multipart/form-data; boundary=XyZ"),
            Some(body.into_bytes()),
        )
    };
    let report = [
        ("from", "2026-11-01"),
        ("to", "2026-11-30"),
        ("units", "3 North"),
        ("units", "4 West"),
    ];
    let rec = new_id().to_string();
    let fields: Vec<(&str, &str)> = report
        .iter()
        .copied()
        .chain([
            ("action", "recommend"),
            ("id", rec.as_str()),
            ("text", "Weekly huddle"),
        ])
        .collect();
    for _ in 0..2 {
        let kept: ReportNotes = ok(form(Method::POST, "/api/report/notes", &fields).await);
        assert_eq!(
            kept.recommendations.len(),
            1,
            "a form sent twice is kept once"
        );
        assert_eq!(kept.recommendations[0].text, "Weekly huddle");
    }
    let empty: Vec<(&str, &str)> = report
        .iter()
        .copied()
        .chain([
            ("action", "recommend"),
            ("id", rec.as_str()),
            ("text", "  "),
        ])
        .collect();
    refused(
        &form(Method::POST, "/api/report/notes", &empty).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("text"),
    );
    // Patient days by field, `unit|month`; a refusal names the field.
    let saved: PatientDaysList = ok(form(
        Method::PUT,
        "/api/report/patient-days",
        &[("4 West|2026-12", "1300"), ("3 North|2026-12", "")],
    )
    .await);
    assert_eq!(saved.entries.len(), 1, "an empty field is not sent");
    assert_eq!(saved.entries[0].days, 1300);
    for bad in ["many", "9999999"] {
        refused(
            &form(
                Method::PUT,
                "/api/report/patient-days",
                &[("4 West|2026-12", bad)],
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            Some("4 West|2026-12"),
        );
    }
}

/// An answer that is not JSON (an export, the report's page): status,
/// content type and body.
async fn export(t: &TestApp, token: &str, what: &str, query: &str) -> (StatusCode, String, String) {
    let req = Request::get(format!("/api/report/{what}?{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let mime = res
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, mime, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The CSV's records, after checking the BOM and the header.
fn records(text: &str, columns: &[&str]) -> Vec<csv::StringRecord> {
    let body = text.strip_prefix('\u{feff}').expect("a byte order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(reader.headers().unwrap(), columns);
    reader.records().map(Result::unwrap).collect()
}

fn fhir_validates(bundle: &Value) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bundle.json");
    std::fs::write(&file, bundle.to_string()).unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/fhir-validate.mjs"
    );
    let out = std::process::Command::new("node")
        .arg(script)
        .arg(&file)
        .output()
        .expect("node runs (scripts/setup.sh installs it)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn exports_are_what_the_reader_may_see_as_csv_and_valid_fhir(b: Backend) {
    let Ward {
        t,
        root,
        ana,
        mia,
        mut ana_tablet,
        ..
    } = ward(b).await;
    let tricky = CaseDraft {
        mrn: "+1234".into(),
        description: "Said \"no one came\",\nthen called again".into(),
        preferred_language: "Spanish".into(),
        date_of_birth: "1950-02-03".into(),
        ..draft("=HYPERLINK(\"http://x\")", "4 West", "complaint")
    };
    let first = ana_tablet.open_draft(&tricky);
    let promise = ana_tablet.log_draft(
        first.case_id,
        &InteractionDraft {
            channel: "phone".into(),
            with: "family_or_representative".into(),
            summary: "Daughter asked for the discharge date".into(),
            follow_up: "Call back with the date".into(),
            follow_up_due: (today() + Days::new(1)).to_string(),
            follow_up_kind: "call_back".into(),
            follow_up_time: "14:30".into(),
            ..InteractionDraft::default()
        },
    );
    t.push(&ana, &ana_tablet.batch([&first, &promise])).await;
    case_with_a_visit(
        &t,
        &ana,
        &mut ana_tablet,
        &draft("Rosa Diaz", "4 West", "concern"),
    )
    .await;
    let q = around_today();

    let (status, mime, text) = export(&t, &ana, "cases.csv", &q).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(mime, "text/csv; charset=utf-8");
    let rows = records(&text, CASE_COLUMNS);
    assert_eq!(rows.len(), 2, "ana's unit only");
    let row = rows
        .iter()
        .find(|r| r[0] == first.case_id.to_string())
        .unwrap();
    let col = |name: &str| CASE_COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(
        &row[col("patient_name")],
        "'=HYPERLINK(\"http://x\")",
        "neutralised"
    );
    assert_eq!(&row[col("mrn")], "'+1234");
    assert_eq!(
        &row[col("description")],
        tricky.description,
        "read back whole"
    );
    assert_eq!(&row[col("unit")], "4 West");
    assert_eq!(&row[col("kind")], "Complaint");

    let (status, _, text) = export(&t, &mia, "cases.csv", &q).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        records(&text, CASE_COLUMNS).len(),
        3,
        "a manager's: every unit"
    );
    let (_, _, text) = export(&t, &mia, "cases.csv", &format!("{q}&unit=3%20North")).await;
    assert_eq!(records(&text, CASE_COLUMNS).len(), 1);
    // A period with nothing: the header alone.
    let (_, _, text) = export(&t, &mia, "cases.csv", "from=2020-01-01&to=2020-01-31").await;
    assert!(records(&text, CASE_COLUMNS).is_empty());

    let (status, _, text) = export(&t, &ana, "interactions.csv", &q).await;
    assert_eq!(status, StatusCode::OK);
    let rows = records(&text, INTERACTION_COLUMNS);
    assert_eq!(rows.len(), 2);
    let icol = |name: &str| INTERACTION_COLUMNS.iter().position(|c| *c == name).unwrap();
    let call = rows
        .iter()
        .find(|r| &r[icol("channel")] == "Phone call")
        .unwrap();
    assert_eq!(&call[icol("follow_up")], "Call back with the date");
    assert_eq!(&call[icol("with")], "Family member or legal representative");

    let (status, mime, text) = export(&t, &ana, "fhir.json", &q).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(mime, "application/fhir+json");
    let bundle: Value = serde_json::from_str(&text).unwrap();
    let types: Vec<&str> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    let count = |ty: &str| types.iter().filter(|t| **t == ty).count();
    assert_eq!(
        (count("Patient"), count("Communication"), count("Task")),
        (2, 2, 1),
        "{types:?}"
    );
    let (valid, report) = fhir_validates(&bundle);
    assert!(valid, "{report}");
    // The check can fail: a Task with a status FHIR does not have.
    let mut broken = bundle.clone();
    for e in broken["entry"].as_array_mut().unwrap() {
        if e["resource"]["resourceType"] == "Task" {
            e["resource"]["status"] = json!("promised");
        }
    }
    let (valid, report) = fhir_validates(&broken);
    assert!(!valid, "{report}");
    // With nothing in the period: still a valid bundle, with no entry.
    let (_, _, text) = export(&t, &ana, "fhir.json", "from=2020-01-01&to=2020-01-31").await;
    let empty: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(empty.get("entry"), None);
    assert!(fhir_validates(&empty).0);

    for what in ["cases.csv", "interactions.csv", "fhir.json"] {
        let (status, _, _) = export(&t, &root, what, &q).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Each export on record, and each case in it.
    assert_eq!(audit_rows(&t, "report_exported", "ana").await.len(), 4);
    let exported = audit_rows(&t, "case_exported", "ana").await;
    assert_eq!(
        exported.len(),
        2 + 2 + 2,
        "two cases in each of three exports"
    );
    assert!(exported.contains(&Some(first.case_id.to_string())));
}

/// A manager, mia, on her tablet, and a complaint on 4 West with a visit.
async fn manager_with_a_complaint(b: Backend) -> (TestApp, String, Device) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut tablet = Device::new("mia");
    case_with_a_visit(
        &t,
        &mia,
        &mut tablet,
        &draft("Rosa Diaz", "4 West", "complaint"),
    )
    .await;
    (t, mia, tablet)
}

async fn facts_are_written_for_cases_stored_before_reports(b: Backend) {
    let (t, mia, mut tablet) = manager_with_a_complaint(b).await;
    case_with_a_visit(&t, &mia, &mut tablet, &draft("Li Wei", "4 West", "concern")).await;
    // As a database from before reports holds them.
    sqlx::query("UPDATE cases SET facts = ''")
        .execute(&t.db.pool)
        .await
        .unwrap();
    let t = t.restart().await;
    let empty: i64 = sqlx::query("SELECT COUNT(*) AS n FROM cases WHERE facts = ''")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
        .try_get("n")
        .unwrap();
    assert_eq!(empty, 0);
    let mia = t.login("mia", app::PASSWORD).await.token;
    let r = report(&t, &mia, &around_today()).await;
    assert_eq!(r.current.opened(), 2);
    assert_eq!(r.current.interactions, 2);
}

/// A damaged database: a case row whose changes are gone, marked behind its
/// log. Folding it has nothing to read; the report must still come, with
/// the cases that are whole (and not wait for that one for ever).
async fn a_case_row_without_changes_does_not_hold_up_a_report(b: Backend) {
    let (t, mia, _) = manager_with_a_complaint(b).await;
    let orphan = new_id();
    sqlx::query(
        "INSERT INTO cases (case_id, unit, assignee, created_by, deleted, state, last_seq, involved, facts, summary, projected_seq)
         VALUES ($1, '4 West', 'mia', 'mia', 0, '', 99, '', '', '', 0)",
    )
    .bind(orphan.to_string())
    .execute(&t.db.pool)
    .await
    .unwrap();
    let r = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        report(&t, &mia, &around_today()),
    )
    .await
    .expect("the report is not held up");
    assert_eq!(r.current.opened(), 1);
    assert!(
        advocase_server::changes::projection::is_current(&t.db, orphan)
            .await
            .unwrap()
    );
}
