//! The administrators' Access log: who may read it (reading it recorded),
//! its filters and pages, the CSV export, and cases stored before the
//! trail indexed at start-up.

use advocase_core::access::Role;
use advocase_core::audit::{AuditAccepted, AuditPage};
use advocase_core::change::Change;
use advocase_core::id::Id;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

use super::{Row, exec, login_on, open_for, rows};
use crate::app::{Backend, TestApp, ok, refused};
use crate::devices::{Device, new_id};

on_both!(
    only_administrators_read_the_access_log_and_reading_it_is_recorded,
    the_access_log_filters_by_patient_user_and_date_and_pages,
    the_csv_export_quotes_fields_and_neutralises_formulas,
    cases_stored_before_the_audit_trail_are_indexed_at_start_up,
    the_access_log_page_is_drawn_for_administrators_with_its_filters,
);

async fn audit_page(t: &TestApp, token: &str, query: &str) -> AuditPage {
    ok(t.call(
        Method::GET,
        &format!("/api/audit{query}"),
        Some(token),
        None,
    )
    .await)
}

/// A GET answered as text: status and body; `check` reads the headers of
/// a 200.
async fn text(
    t: &TestApp,
    token: &str,
    uri: String,
    check: impl Fn(&axum::http::HeaderMap),
) -> (StatusCode, String) {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    if status == StatusCode::OK {
        check(res.headers());
    }
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The CSV export: status, headers and the body as text.
async fn csv(t: &TestApp, token: &str, query: &str) -> (StatusCode, String) {
    text(t, token, format!("/api/audit.csv{query}"), |headers| {
        assert_eq!(headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
        assert!(disposition.starts_with("attachment; filename=\"advocase-access-log-"));
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    })
    .await
}

/// The drawn page (`/api/audit/page`): status and body.
async fn drawn(t: &TestApp, token: &str, query: &str) -> (StatusCode, String) {
    text(t, token, format!("/api/audit/page{query}"), |headers| {
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    })
    .await
}

/// RFC 4180, read back: records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = vec![];
    let mut record = vec![];
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "CRLF line ends");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "ends with CRLF");
    records
}

async fn only_administrators_read_the_access_log_and_reading_it_is_recorded(b: Backend) {
    let t = TestApp::start(b).await;
    let coordinator = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let manager = t.signed_in("meg", Role::Manager, &[]).await;
    for uri in ["/api/audit", "/api/audit.csv"] {
        for token in [&coordinator, &manager] {
            let answer = t.call(Method::GET, uri, Some(token), None).await;
            refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
        }
        let answer = t.call(Method::GET, uri, None, None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
        let answer = t.call(Method::GET, uri, Some("not-a-token"), None).await;
        refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    }
    let desk = new_id();
    t.account("root", Role::Admin, &[]).await;
    let root = login_on(&t, "root", desk).await;
    let page = audit_page(&t, &root, "?user=ana").await;
    assert_eq!(
        page.rows
            .iter()
            .map(|r| r.action.as_str())
            .collect::<Vec<_>>(),
        ["sign_in"]
    );
    let (status, _) = csv(&t, &root, "?user=ana").await;
    assert_eq!(status, StatusCode::OK);
    let reads = rows(&t).await;
    let reads: Vec<&Row> = reads.iter().rev().take(2).collect();
    assert_eq!(
        (reads[1].action.as_str(), reads[0].action.as_str()),
        ("audit_viewed", "audit_exported")
    );
    assert!(reads.iter().all(|r| r.username == "root"));
    assert!(reads.iter().all(|r| r.device == Some(desk.to_string())));
    assert_eq!(reads[1].detail, "filters: user ana; 1 rows shown");
    let answer = t
        .call(
            Method::GET,
            "/api/audit?from=last-tuesday",
            Some(&root),
            None,
        )
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("from"),
    );
    assert!(!answer.1.to_string().contains("tuesday"), "never echoed");
}

async fn the_access_log_filters_by_patient_user_and_date_and_pages(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let jose = open_for(&mut tablet, "4 West", "José Álvarez", "MRN-0042");
    let mary = open_for(&mut tablet, "4 West", "Mary 100% Smith", "MRN-7_7");
    t.push(&ana, &tablet.batch([&jose, &mary])).await;
    let event = |case: Id, at: &str| json!({ "id": new_id(), "case_id": case, "action": "case_opened", "at": at });
    let reports = [
        (&ana, event(jose.case_id, "2020-01-02T23:59:59Z")),
        (&ben, event(jose.case_id, "2020-01-05T10:00:00Z")),
        (&ben, event(mary.case_id, "2020-01-03T00:00:00Z")),
    ];
    for (token, e) in reports {
        let body = json!({ "events": [e] });
        ok::<AuditAccepted>(
            t.call(Method::POST, "/api/audit/events", Some(token), Some(body))
                .await,
        );
    }
    let root = t.signed_in("root", Role::Admin, &[]).await;

    let cases = |page: &AuditPage| -> Vec<(String, String)> {
        page.rows
            .iter()
            .map(|r| (r.action.clone(), r.patient_name.clone().unwrap_or_default()))
            .collect()
    };
    // By name, any case, any part; the rows carry the patient for display.
    let page = audit_page(&t, &root, "?patient=%C3%A1lvarez").await;
    assert_eq!(
        cases(&page),
        [
            ("case_opened".into(), "José Álvarez".into()),
            ("case_opened".into(), "José Álvarez".into()),
            ("change_pushed".into(), "José Álvarez".into()),
        ],
        "newest first"
    );
    assert!(
        page.rows
            .iter()
            .all(|r| r.mrn.as_deref() == Some("MRN-0042"))
    );
    assert_eq!(page.next_before, None);
    // By MRN; a typed % or _ is only itself.
    let page = audit_page(&t, &root, "?patient=mrn-7_7").await;
    assert_eq!(page.rows.len(), 2);
    assert!(
        page.rows
            .iter()
            .all(|r| r.patient_name.as_deref() == Some("Mary 100% Smith"))
    );
    assert!(
        audit_page(&t, &root, "?patient=0%25").await.rows.len() == 2,
        "100% only"
    );
    assert!(
        audit_page(&t, &root, "?patient=mrn-7x7")
            .await
            .rows
            .is_empty()
    );
    assert!(
        audit_page(&t, &root, "?patient=nobody+here")
            .await
            .rows
            .is_empty()
    );
    // By user, and both.
    let page = audit_page(&t, &root, "?user=ben&patient=jos%C3%A9").await;
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].username, "ben");
    // By date: a whole UTC day at each end, both included.
    let page = audit_page(&t, &root, "?from=2020-01-02&to=2020-01-03").await;
    let at: Vec<String> = page.rows.iter().map(|r| r.at.to_rfc3339()).collect();
    assert_eq!(
        at,
        ["2020-01-03T00:00:00+00:00", "2020-01-02T23:59:59+00:00"]
    );
    let page = audit_page(&t, &root, "?to=2020-01-02T23:59:59Z").await;
    assert_eq!(page.rows.len(), 1);
    let page = audit_page(&t, &root, "?from=2020-01-04&to=2020-01-31&user=ben").await;
    assert_eq!(page.rows.len(), 1);
    assert_eq!(page.rows[0].case_id, Some(jose.case_id.to_string()));

    // Pages: `before` is the cursor, newest first, nothing twice.
    let total = rows(&t).await.len();
    let mut seen = Vec::new();
    let mut query = "?limit=3".to_owned();
    loop {
        let page = audit_page(&t, &root, &query).await;
        assert!(page.rows.len() <= 3);
        seen.extend(page.rows.iter().map(|r| r.seq));
        match page.next_before {
            Some(b) => query = format!("?limit=3&before={b}"),
            None => break,
        }
    }
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1));
    assert!(seen.len() >= total, "every row before the reads: {seen:?}");
}

async fn the_csv_export_quotes_fields_and_neutralises_formulas(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let tricky = open_for(
        &mut tablet,
        "4 West",
        "Smith, \"Bob\"\nJr",
        "=HYPERLINK(\"http://x\")",
    );
    let plain = open_for(&mut tablet, "4 West", "@Dee", "-12");
    t.push(&ana, &tablet.batch([&tricky, &plain])).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;

    let (status, text) = csv(&t, &root, "").await;
    assert_eq!(status, StatusCode::OK);
    let records = parse_csv(&text);
    assert_eq!(
        records[0],
        [
            "seq",
            "at",
            "recorded_at",
            "username",
            "device",
            "case_id",
            "patient_name",
            "mrn",
            "action",
            "outcome",
            "detail",
            "hash"
        ]
    );
    let col = |name: &str| records[0].iter().position(|c| c == name).unwrap();
    let of = |case: &Change| {
        records
            .iter()
            .find(|r| r[col("case_id")] == case.case_id.to_string())
            .unwrap()
            .clone()
    };
    let row = of(&tricky);
    assert_eq!(row[col("patient_name")], "Smith, \"Bob\"\nJr");
    assert_eq!(row[col("mrn")], "'=HYPERLINK(\"http://x\")");
    assert_eq!(row[col("action")], "change_pushed");
    assert!(text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{text}");
    let row = of(&plain);
    assert_eq!(row[col("patient_name")], "'@Dee");
    assert_eq!(row[col("mrn")], "'-12");
    assert!(records.iter().skip(1).all(|r| r.len() == 12));
    // Oldest first, every row before the export's own.
    let seqs: Vec<i64> = records[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    let all = rows(&t).await;
    assert_eq!(seqs, (1..all.len() as i64).collect::<Vec<_>>());
    assert_eq!(all.last().unwrap().action, "audit_exported");

    // Filters as for the page.
    let (_, text) = csv(&t, &root, "?patient=%40dee").await;
    let records = parse_csv(&text);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1][col("case_id")], plain.case_id.to_string());

    // Compressed, as a browser asks for it: the compression layer polls
    // the stream once more after its end, which must not panic.
    let req = Request::get("/api/audit.csv")
        .header(header::AUTHORIZATION, format!("Bearer {root}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::CONTENT_ENCODING], "gzip");
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    assert!(bytes.starts_with(&[0x1f, 0x8b]), "a gzip stream");
}

async fn cases_stored_before_the_audit_trail_are_indexed_at_start_up(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = open_for(&mut tablet, "4 West", "Olga Petrova", "MRN-555");
    t.push(&ana, &tablet.batch([&open])).await;
    // As a database from before migration 0005 would be.
    exec(&t, "DELETE FROM case_patients").await;
    let t = t.restart().await;
    let (name, mrn): (String, String) =
        sqlx::query_as("SELECT patient_name, mrn FROM case_patients WHERE case_id = $1")
            .bind(open.case_id.to_string())
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), mrn.as_str()), ("Olga Petrova", "MRN-555"));
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let page = audit_page(&t, &root, "?patient=petrova").await;
    assert_eq!(page.rows.len(), 1);
}

async fn the_access_log_page_is_drawn_for_administrators_with_its_filters(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let _ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let (status, _) = drawn(&t, &ana, "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let root = t.signed_in("root", Role::Admin, &[]).await;
    // The newest rows, with the filters' form and the export.
    let (status, html) = drawn(&t, &root, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="Filter the access log""#));
    assert!(html.contains(r#"data-id="/api/audit.csv""#));
    assert_eq!(html.matches("<td>Sign-in</td>").count(), 3, "{html}");
    // By user, the filter typed shown again; one row at a time, then older.
    let (_, html) = drawn(&t, &root, "?user=ANA&from=&to=&patient=").await;
    assert_eq!(html.matches("<td>Sign-in</td>").count(), 1);
    assert!(html.contains(r#"name="user" type="text" value="ANA""#));
    assert!(!html.contains("Show older"));
    let (_, html) = drawn(&t, &root, "?shown=1").await;
    assert_eq!(html.matches("<tr><td").count(), 1);
    assert!(html.contains(r#"<input type="hidden" name="shown" value="201">"#));
    // Dates are the hospital's days (UTC here): today has every row,
    // tomorrow none.
    let today = chrono::DateTime::from_timestamp_millis(advocase_server::now_ms() as i64)
        .unwrap()
        .date_naive();
    let (_, html) = drawn(&t, &root, &format!("?from={today}&to={today}")).await;
    assert!(html.matches("<td>Sign-in</td>").count() >= 3);
    let tomorrow = today.succ_opt().unwrap();
    let (_, html) = drawn(&t, &root, &format!("?from={tomorrow}")).await;
    assert!(html.contains("Nothing in the access log matches these filters."));
    // A date that is not one is refused at its field, never echoed.
    let req = t
        .call(
            Method::GET,
            "/api/audit/page?to=next-friday",
            Some(&root),
            None,
        )
        .await;
    refused(
        &req,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("to"),
    );
    assert!(!req.1.to_string().contains("friday"));
    // Every read is recorded, with its filters.
    let reads = rows(&t).await;
    let last = reads.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.username.as_str()),
        ("audit_viewed", "root")
    );
    assert!(
        reads
            .iter()
            .any(|r| r.detail == "filters: user ana; 1 rows shown")
    );
}
