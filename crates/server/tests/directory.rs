//! The directory through the HTTP API, every scenario on SQLite and on
//! PostgreSQL: editors (managers, administrators) save entries and every
//! role reads them, a device fetches only what changed since its version,
//! two editors' saves merge field by field with a visible conflict where
//! both changed one field, a retried save is stored once, and coordinators'
//! corrections reach the editors to accept or reject (also through the
//! pages the app shows them, their forms sent as a browser sends them:
//! the corrections, and the entry editor with its clash).

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use advocase_core::access::Role;
use advocase_core::directory::wire::{
    Decision, DirectoryPage, SaveConflict, SaveEntry, StoredEntry, Suggestion,
};
use advocase_core::directory::{Entry, EntryKind, Phone, PhoneKind};
use app::{Answer, Backend, TestApp, ok, refused};
use axum::body::Body;
use axum::http::{Method, StatusCode};
use axum::http::{Request, header};
use devices::new_id;
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

on_both!(
    editors_save_entries_and_everyone_reads_them,
    a_device_fetches_only_what_changed_since_its_version,
    two_editors_merge_field_by_field_and_a_shared_field_is_a_visible_conflict,
    a_retried_save_is_stored_once_and_bad_entries_are_refused_at_their_field,
    a_coordinators_correction_reaches_the_editors_once_and_is_answered_once,
    administrators_import_and_export_csv_and_a_bad_file_stores_nothing,
    the_corrections_page_answers_each_correction_by_its_form,
    the_editors_page_saves_refuses_at_the_field_and_settles_a_clash_by_choice,
);

fn billing() -> Entry {
    Entry {
        id: new_id(),
        kind: EntryKind::Service,
        name: "Billing office".into(),
        department: "Patient Financial Services".into(),
        phones: vec![Phone {
            number: "555 010 4411".into(),
            kind: PhoneKind::Voice,
            languages: vec!["Spanish".into()],
        }],
        hours: "Mon-Fri 8-16".into(),
        topics: "billing disputes, payment plans".into(),
        ..Entry::default()
    }
}

async fn save(t: &TestApp, token: &str, base: u64, entry: &Entry) -> Answer {
    let body = serde_json::to_value(SaveEntry {
        base,
        entry: entry.clone(),
    })
    .unwrap();
    t.call(Method::POST, "/api/directory", Some(token), Some(body))
        .await
}

async fn since(t: &TestApp, token: &str, version: u64) -> DirectoryPage {
    ok(t.call(
        Method::GET,
        &format!("/api/directory?since={version}"),
        Some(token),
        None,
    )
    .await)
}

async fn history_rows(t: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM directory_history")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
}

async fn editors_save_entries_and_everyone_reads_them(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    refused(
        &save(&t, &ana, 0, &billing()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert_eq!(history_rows(&t).await, 0);
    let a: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    let b2: StoredEntry = ok(save(
        &t,
        &root,
        0,
        &Entry {
            name: "Interpreter line".into(),
            ..billing()
        }
        .with_new_id(),
    )
    .await);
    assert_eq!((a.version, a.saved_by.as_str()), (1, "mia"));
    assert_eq!((b2.version, b2.saved_by.as_str()), (2, "root"));
    for token in [&ana, &mia, &root] {
        let page = since(&t, token, 0).await;
        assert_eq!(page.version, 2);
        assert_eq!(page.entries, vec![a.clone(), b2.clone()]);
    }
    let (status, _) = t.call(Method::GET, "/api/directory", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let answer = t
        .call(Method::GET, "/api/directory?since=-1", Some(&ana), None)
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        Some("since"),
    );
}

trait NewId {
    fn with_new_id(self) -> Self;
}

impl NewId for Entry {
    fn with_new_id(mut self) -> Self {
        self.id = new_id();
        self
    }
}

async fn a_device_fetches_only_what_changed_since_its_version(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let first: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    let other: StoredEntry = ok(save(&t, &mia, 0, &billing().with_new_id()).await);
    let held = since(&t, &ana, 0).await;
    assert_eq!(held.entries.len(), 2);
    let mut retired = first.entry.clone();
    retired.retired = true;
    let saved: StoredEntry = ok(save(&t, &mia, first.version, &retired).await);
    let page = since(&t, &ana, held.version).await;
    assert_eq!(page.version, 3);
    assert_eq!(
        page.entries,
        vec![saved],
        "only the change, the retired entry whole"
    );
    assert!(since(&t, &ana, page.version).await.entries.is_empty());
    assert_eq!(other.version, 2);
}

async fn two_editors_merge_field_by_field_and_a_shared_field_is_a_visible_conflict(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let base: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    // Mia changes the hours, root the phone, both from version 1.
    let mut hers = base.entry.clone();
    hers.hours = "Mon-Fri 8-17".into();
    let mut his = base.entry.clone();
    his.phones[0].number = "555 010 4412".into();
    let _: StoredEntry = ok(save(&t, &mia, base.version, &hers).await);
    let merged: StoredEntry = ok(save(&t, &root, base.version, &his).await);
    assert_eq!(merged.entry.hours, "Mon-Fri 8-17", "hers kept");
    assert_eq!(merged.entry.phones[0].number, "555 010 4412", "his applied");
    // Now both change the hours from the merged version: a conflict, with
    // all three values, and nothing overwritten.
    let mut hers = merged.entry.clone();
    hers.hours = "Mon-Sat 8-17".into();
    let mut his = merged.entry.clone();
    his.hours = "24/7".into();
    his.notes = "Ask for Dana".into();
    let _: StoredEntry = ok(save(&t, &mia, merged.version, &hers).await);
    let (status, body) = save(&t, &root, merged.version, &his).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let conflict: SaveConflict = serde_json::from_value(body).unwrap();
    assert_eq!(conflict.conflicts.len(), 1);
    let c = &conflict.conflicts[0];
    assert_eq!(
        (
            c.field.as_str(),
            c.base.as_str(),
            c.theirs.as_str(),
            c.mine.as_str()
        ),
        ("hours", "Mon-Fri 8-17", "Mon-Sat 8-17", "24/7")
    );
    let page = since(&t, &root, 0).await;
    assert_eq!(page.entries[0].entry.hours, "Mon-Sat 8-17");
    assert_eq!(
        page.entries[0].entry.notes, "",
        "a save with a conflict stores nothing"
    );
    // He chooses his hours and saves from the version he was shown.
    let mut chosen = conflict.current.entry.clone();
    chosen.hours = "24/7".into();
    chosen.notes = "Ask for Dana".into();
    let settled: StoredEntry = ok(save(&t, &root, conflict.current.version, &chosen).await);
    assert_eq!(
        (settled.entry.hours.as_str(), settled.entry.notes.as_str()),
        ("24/7", "Ask for Dana")
    );
}

async fn a_retried_save_is_stored_once_and_bad_entries_are_refused_at_their_field(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let entry = billing();
    let first: StoredEntry = ok(save(&t, &mia, 0, &entry).await);
    let again: StoredEntry = ok(save(&t, &mia, 0, &entry).await);
    assert_eq!(first, again);
    let mut edited = first.entry.clone();
    edited.notes = "Closed on holidays".into();
    let one: StoredEntry = ok(save(&t, &mia, first.version, &edited).await);
    let two: StoredEntry = ok(save(&t, &mia, first.version, &edited).await);
    assert_eq!(one, two, "a resent edit is stored once");
    assert_eq!(history_rows(&t).await, 2);
    let mut bad = billing();
    bad.phones[0].number = "call me".into();
    refused(
        &save(&t, &mia, 0, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("phones.0.number"),
    );
    let mut bad = billing();
    bad.name = " ".into();
    refused(
        &save(&t, &mia, 0, &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("name"),
    );
    let nil = Entry {
        id: Default::default(),
        ..billing()
    };
    refused(
        &save(&t, &mia, 0, &nil).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("id"),
    );
    refused(
        &save(&t, &mia, 9, &billing()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("id"),
    );
    refused(
        &save(&t, &mia, 99, &edited).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("base"),
    );
    let (status, _) = t
        .call(
            Method::POST,
            "/api/directory",
            Some(&mia),
            Some(json!({"base": 0, "entry": {"name": 7}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(history_rows(&t).await, 2);
}

async fn a_coordinators_correction_reaches_the_editors_once_and_is_answered_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let entry: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    let id = new_id();
    let correction = json!({"id": id, "entry": entry.entry.id, "text": "The number is 4412 now"});
    let (status, body) = t
        .call(
            Method::POST,
            "/api/directory/suggestions",
            Some(&ana),
            Some(correction.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = t
        .call(
            Method::POST,
            "/api/directory/suggestions",
            Some(&ana),
            Some(correction.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "a resend is stored once");
    let taken = json!({"id": id, "entry": entry.entry.id, "text": "Something else"});
    refused(
        &t.call(
            Method::POST,
            "/api/directory/suggestions",
            Some(&ana),
            Some(taken),
        )
        .await,
        StatusCode::CONFLICT,
        "id_taken",
        Some("id"),
    );
    let unknown = json!({"id": new_id(), "entry": new_id(), "text": "Wrong"});
    refused(
        &t.call(
            Method::POST,
            "/api/directory/suggestions",
            Some(&ana),
            Some(unknown),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("entry"),
    );
    let blank = json!({"id": new_id(), "entry": entry.entry.id, "text": "  "});
    refused(
        &t.call(
            Method::POST,
            "/api/directory/suggestions",
            Some(&ana),
            Some(blank),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("text"),
    );
    let (status, _) = t
        .call(Method::GET, "/api/directory/suggestions", Some(&ana), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "coordinators send, editors read"
    );
    for token in [&mia, &root] {
        let open: Vec<Suggestion> = ok(t
            .call(Method::GET, "/api/directory/suggestions", Some(token), None)
            .await);
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].by.as_str(), open[0].entry_name.as_str()),
            ("ana", "Billing office")
        );
        assert_eq!(open[0].correction.text, "The number is 4412 now");
    }
    let path = format!("/api/directory/suggestions/{id}");
    let answered: Suggestion = ok(t
        .call(
            Method::POST,
            &path,
            Some(&mia),
            Some(json!({"accept": true, "note": "Fixed"})),
        )
        .await);
    assert_eq!(
        (
            answered.decision,
            answered.decided_by.as_deref(),
            answered.note.as_str()
        ),
        (Decision::Accepted, Some("mia"), "Fixed")
    );
    let again: Suggestion = ok(t
        .call(
            Method::POST,
            &path,
            Some(&root),
            Some(json!({"accept": true})),
        )
        .await);
    assert_eq!(
        again.decided_by.as_deref(),
        Some("mia"),
        "the same answer again changes nothing"
    );
    refused(
        &t.call(
            Method::POST,
            &path,
            Some(&root),
            Some(json!({"accept": false})),
        )
        .await,
        StatusCode::CONFLICT,
        "already_decided",
        None,
    );
    let open: Vec<Suggestion> = ok(t
        .call(Method::GET, "/api/directory/suggestions", Some(&mia), None)
        .await);
    assert!(open.is_empty());
    let (status, _) = t
        .call(
            Method::POST,
            "/api/directory/suggestions/nonsense",
            Some(&mia),
            Some(json!({"accept": true})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn export(t: &TestApp, token: &str) -> (StatusCode, String) {
    let req = Request::get("/api/directory.csv")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

async fn import(t: &TestApp, token: &str, file: &str) -> Answer {
    t.raw(
        Method::POST,
        "/api/directory.csv",
        Some(token),
        Some("text/csv"),
        Some(file.as_bytes().to_vec()),
    )
    .await
}

const HEADER: &str = "id,kind,name,title,department,units,hours,on_call,topics,case_kinds,categories,notes,verified_on,verified_by,retired,phone_1,phone_1_type,phone_1_languages,phone_2,phone_2_type,phone_2_languages,phone_3,phone_3_type,phone_3_languages";

async fn administrators_import_and_export_csv_and_a_bad_file_stores_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let existing: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    let file = format!(
        "{HEADER}\r\n{},service,Billing office,,Patient Financial Services,,Mon-Fri 8-17,,billing disputes,billing_insurance,,,2026-11-30,root,,555 010 4411,voice,Spanish\r\n,service,Interpreter line,,Language Services,,24/7,,\"Spanish, Mandarin\",,,,,,,555 010 4500,voice,Spanish; Mandarin\r\n,role,Nursing supervisor on call,House supervisor,Nursing,4B; 4W,,After 17:00,escalations,Grievance; complaint,Communication,,,,,+1 555 010 2200,pager,\r\n",
        existing.entry.id
    );
    let (status, _) = import(&t, &mia, &file).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "administrators only");
    let done: serde_json::Value = ok(import(&t, &root, &file).await);
    assert_eq!(done, json!({"created": 2, "updated": 1, "unchanged": 0}));
    let page = since(&t, &mia, 0).await;
    assert_eq!(page.entries.len(), 3);
    let billing_now = page
        .entries
        .iter()
        .find(|e| e.entry.id == existing.entry.id)
        .unwrap();
    assert_eq!(
        billing_now.entry.hours, "Mon-Fri 8-17",
        "the file's word, not merged"
    );
    let nurse = page
        .entries
        .iter()
        .find(|e| e.entry.kind == EntryKind::Role)
        .unwrap();
    assert_eq!(nurse.entry.units, vec!["4B", "4W"]);
    assert_eq!(nurse.entry.phones[0].kind, PhoneKind::Pager);
    assert_eq!(nurse.entry.case_kinds.len(), 2);
    // The export reads back as the same directory: nothing changes.
    let (status, csv) = export(&t, &root).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with(HEADER), "{csv}");
    assert!(
        csv.contains("'+1 555 010 2200"),
        "a leading + neutralised for spreadsheets"
    );
    let again: serde_json::Value = ok(import(&t, &root, &csv).await);
    assert_eq!(again, json!({"created": 0, "updated": 0, "unchanged": 3}));
    let (status, _) = export(&t, &mia).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // One bad row among good ones: every problem by line, nothing stored.
    let versions = since(&t, &mia, 0).await.version;
    let bad = format!("{HEADER}\n,person,New person\n,person,\n,robot,Bee\n");
    let (status, body) = import(&t, &root, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"], "invalid_csv");
    let lines: Vec<u64> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4]);
    assert_eq!(
        since(&t, &mia, 0).await.version,
        versions,
        "nothing half-imported"
    );
    let (status, body) = import(&t, &root, "name\nAna\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["problems"][0]["line"], 1);
    let (status, _) = t
        .raw(
            Method::POST,
            "/api/directory.csv",
            Some(&root),
            Some("text/csv"),
            Some(vec![0xff, 0xfe, 0x00]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn the_corrections_page_answers_each_correction_by_its_form(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let entry: StoredEntry = ok(save(&t, &mia, 0, &billing()).await);
    let page = "/api/directory/suggestions/page";
    assert_eq!(t.page(&ana, page, None).await.0, StatusCode::FORBIDDEN);
    let (status, html) = t.page(&mia, page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"<p role="status">No correction is waiting.</p>"#));

    let mut ids = Vec::new();
    for text in ["The number is <4412> now", "Closed on Fridays"] {
        let id = new_id();
        let correction = json!({"id": id, "entry": entry.entry.id, "text": text});
        let (status, _) = t
            .call(
                Method::POST,
                "/api/directory/suggestions",
                Some(&ana),
                Some(correction),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        ids.push(id);
    }
    let (_, html) = t.page(&mia, page, None).await;
    assert!(
        html.contains("“The number is &lt;4412&gt; now” — ana, "),
        "{html}"
    );
    assert_eq!(
        html.matches(r#"aria-label="Correction to Billing office""#)
            .count(),
        2
    );

    // Neither answer: refused, nothing answered.
    let first = format!("{page}/{}", ids[0]);
    let (status, _) = t.page(&mia, &first, Some(&[("note", None, "")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let parts = [("note", None, "Fixed, thanks"), ("do", None, "accept")];
    let (status, html) = t.page(&mia, &first, Some(&parts)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert_eq!(html.matches("Correction to Billing office").count(), 1);
    assert!(!html.contains("4412"));
    // The other answer to an answered one is refused; the same is not.
    let reject = [("do", None, "reject")];
    assert_eq!(
        t.page(&mia, &first, Some(&reject)).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(t.page(&mia, &first, Some(&parts)).await.0, StatusCode::OK);
    let second = format!("{page}/{}", ids[1]);
    let (_, html) = t.page(&mia, &second, Some(&reject)).await;
    assert!(html.contains("No correction is waiting."));
    let answered: Vec<Suggestion> = ok(t
        .call(Method::GET, "/api/directory/suggestions", Some(&mia), None)
        .await);
    assert!(answered.is_empty());
    let (decision, note): (String, String) =
        sqlx::query_as("SELECT decision, note FROM directory_suggestions WHERE id = $1")
            .bind(ids[0].to_string())
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (decision.as_str(), note.as_str()),
        ("accepted", "Fixed, thanks")
    );
}

/// The entry editor's form as a browser sends it for `e`, opened on
/// version `base`: every field, with the blank phone row the page adds,
/// then `extra` (an action, the clash's choices).
fn editor_form(e: &Entry, base: u64, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("id".into(), e.id.to_string()),
        ("base".into(), base.to_string()),
        ("kind".into(), "service".into()),
        ("name".into(), e.name.clone()),
        ("title".into(), e.title.clone()),
        ("department".into(), e.department.clone()),
        ("units".into(), e.units.join(", ")),
        ("hours".into(), e.hours.clone()),
        ("on_call".into(), e.on_call.clone()),
        ("topics".into(), e.topics.clone()),
    ];
    let blank = Phone::default();
    for (i, p) in e.phones.iter().chain([&blank]).enumerate() {
        f.push((format!("phones.{i}.number"), p.number.clone()));
        f.push((format!("phones.{i}.kind"), p.kind.code().into()));
        f.push((format!("phones.{i}.languages"), p.languages.join(", ")));
    }
    f.push(("notes".into(), e.notes.clone()));
    f.push(("verified_on".into(), String::new()));
    f.push(("verified_by".into(), e.verified_by.clone()));
    f.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    f
}

async fn send_editor(t: &TestApp, token: &str, form: &[(String, String)]) -> (StatusCode, String) {
    t.send_form(token, "/api/directory/editor", form).await
}

async fn the_editors_page_saves_refuses_at_the_field_and_settles_a_clash_by_choice(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let page = "/api/directory/editor";
    assert_eq!(t.page(&ana, page, None).await.0, StatusCode::FORBIDDEN);
    let mut entry = billing();
    assert_eq!(
        send_editor(&t, &ana, &editor_form(&entry, 0, &[])).await.0,
        StatusCode::FORBIDDEN
    );

    // A new entry's form carries an id made by the server.
    let (status, html) = t.page(&mia, page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"aria-label="New directory entry""#),
        "{html}"
    );
    let id = html
        .split(r#"name="id" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    entry.id = id.parse().unwrap();

    // Refused at its field, every problem in the summary, nothing stored.
    let mut bad = entry.clone();
    bad.name = " ".into();
    bad.phones[0].number = "ext".into();
    let (status, html) = send_editor(&t, &mia, &editor_form(&bad, 0, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"name="name" type="text" value=" " autofocus aria-invalid="true" aria-describedby="entry-name-error""#), "{html}");
    assert!(html.contains(r#"aria-describedby="entry-phones-0-number-error""#));
    assert!(html.contains(r#"class="notice error error-summary" role="alert""#));
    assert!(html.contains(r#"value="ext""#), "what was typed stays");
    assert_eq!(history_rows(&t).await, 0);

    // One more blank number, focused; nothing stored.
    let (_, html) = send_editor(&t, &mia, &editor_form(&entry, 0, &[("do", "add-phone")])).await;
    assert!(
        html.contains(
            r#"id="entry-phones-1-number" name="phones.1.number" type="tel" value="" autofocus"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"name="phones.0.number" type="tel" value="555 010 4411""#));
    assert_eq!(history_rows(&t).await, 0);

    // Saved as the JSON save stores it (the blank row dropped), answered
    // with the entry for the app to open.
    let (status, html) = send_editor(&t, &mia, &editor_form(&entry, 0, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"data-saved="{id}" data-version="1""#)),
        "{html}"
    );
    let held = since(&t, &mia, 0).await;
    assert_eq!(held.entries.len(), 1);
    assert_eq!(held.entries[0].entry, entry.check().unwrap());
    assert_eq!(held.entries[0].saved_by, "mia");

    // The entry as it is now, in the form opened on its version.
    let (status, html) = t.page(&mia, &format!("{page}?id={id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="Edit directory entry""#));
    assert!(html.contains(r#"<input type="hidden" name="base" value="1">"#));
    assert!(html.contains(r#"value="Billing office""#));
    let unknown = format!("{page}?id={}", new_id());
    assert_eq!(t.page(&mia, &unknown, None).await.0, StatusCode::NOT_FOUND);

    // Root saves the hours and notes meanwhile; Mia's form, opened on
    // version 1, changes the hours and the number: both sides shown,
    // nothing stored.
    let mut his = entry.check().unwrap();
    his.hours = "Mon-Sat 8-17".into();
    his.notes = "Covers the clinic too.".into();
    let _: StoredEntry = ok(save(&t, &root, 1, &his).await);
    let mut hers = entry.clone();
    hers.hours = "24/7".into();
    hers.phones[0].number = "555 010 4412".into();
    let (status, html) = send_editor(&t, &mia, &editor_form(&hers, 1, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(">Saved meanwhile by root</h2>"), "{html}");
    assert!(html.contains(r#"<input type="radio" name="clash.hours" value="theirs" checked><span>Theirs: Mon-Sat 8-17</span>"#));
    assert!(html.contains(r#"<span>Yours: 24/7</span>"#));
    assert!(html.contains(r#"<input type="hidden" name="seen" value="2">"#));
    assert!(!html.contains("clash.phones"), "only he changed the number");
    assert!(html.contains(r#"value="24/7""#), "the form stays as typed");
    assert_eq!(history_rows(&t).await, 2);

    // She chooses hers: saved on top of his, his notes kept.
    let choose = [("seen", "2"), ("clash.hours", "mine"), ("do", "choose")];
    let (_, html) = send_editor(&t, &mia, &editor_form(&hers, 1, &choose)).await;
    assert!(
        html.contains(&format!(r#"data-saved="{id}" data-version="3""#)),
        "{html}"
    );
    let now = since(&t, &mia, 2).await.entries.remove(0);
    assert_eq!(
        (
            now.entry.hours.as_str(),
            now.entry.notes.as_str(),
            now.entry.phones[0].number.as_str()
        ),
        ("24/7", "Covers the clinic too.", "555 010 4412")
    );

    // Choosing theirs, after yet another save on the version the clash
    // showed: shown again, on top of the newest.
    let mut theirs = now.entry.clone();
    theirs.hours = "Mon-Fri 9-17".into();
    let _: StoredEntry = ok(save(&t, &root, 3, &theirs).await);
    let mut hers = now.entry.clone();
    hers.hours = "Weekends".into();
    let (_, html) = send_editor(&t, &mia, &editor_form(&hers, 3, &[])).await;
    assert!(html.contains(r#"name="seen" value="4""#), "{html}");
    let choose = [("seen", "4"), ("clash.hours", "theirs"), ("do", "choose")];
    let (_, html) = send_editor(&t, &mia, &editor_form(&hers, 3, &choose)).await;
    // Theirs chosen for the only change: nothing new to store.
    assert!(
        html.contains(&format!(r#"data-saved="{id}" data-version="4""#)),
        "{html}"
    );
    assert_eq!(history_rows(&t).await, 4);

    // JSON is for `POST /api/directory`.
    let (status, _) = t
        .call(Method::POST, page, Some(&mia), Some(json!({"base": 0})))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
