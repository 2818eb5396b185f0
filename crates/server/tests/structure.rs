//! The hospital's structure through the HTTP API, every scenario on SQLite
//! and on PostgreSQL: administrators save units and departments, every
//! role reads the newest, a save made from an older version is refused,
//! the access rules read a case's typed unit as the unit it names (so "4B"
//! and "Unit 4B" are one unit, and a rename breaks nobody's access), and
//! the unit texts that name no unit are listed and mapped in one place;
//! and the page the app shows, its forms sent as a browser sends them.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use advocase_core::access::Role;
use advocase_core::directory::wire::Unmatched;
use advocase_core::directory::{Department, Structure, Unit};
use advocase_core::sync::{Outcome, PushResult};
use app::{Answer, Backend, TestApp, ok, refused};
use axum::http::{Method, StatusCode};
use devices::{Device, new_id};
use serde_json::json;

on_both!(
    everyone_reads_the_newest_and_only_administrators_save,
    a_save_made_from_an_older_version_is_refused_and_stores_nothing,
    a_text_naming_two_units_is_refused_at_its_field,
    typed_units_name_the_unit_so_colleagues_see_each_others_cases,
    renaming_a_unit_keeps_every_coordinators_access,
    unmatched_unit_texts_are_listed_and_mapped_in_one_place,
    a_large_hospital_saves_whole,
    the_structure_page_keeps_the_draft_through_every_action,
);

fn stored(r: &PushResult) -> bool {
    matches!(r.outcome, Outcome::Stored { .. })
}

fn unit(name: &str, code: &str) -> Unit {
    Unit {
        id: new_id(),
        name: name.into(),
        code: code.into(),
        location: "Floor 4".into(),
        ..Unit::default()
    }
}

fn hospital() -> Structure {
    Structure {
        units: vec![unit("Cardiology 4B", "4B"), unit("4 West", "4W")],
        departments: vec![Department {
            id: new_id(),
            name: "Patient Financial Services".into(),
            ..Department::default()
        }],
        ..Structure::default()
    }
}

async fn put(t: &TestApp, token: &str, s: &Structure) -> Answer {
    let body = serde_json::to_value(s).unwrap();
    t.call(Method::PUT, "/api/structure", Some(token), Some(body))
        .await
}

async fn get(t: &TestApp, token: &str) -> Structure {
    ok(t.call(Method::GET, "/api/structure", Some(token), None)
        .await)
}

async fn versions(t: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM structure_versions")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
}

async fn everyone_reads_the_newest_and_only_administrators_save(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    assert_eq!(
        get(&t, &ana).await,
        Structure::default(),
        "version 0 before any save"
    );
    for token in [&ana, &mia] {
        refused(
            &put(&t, token, &hospital()).await,
            StatusCode::FORBIDDEN,
            "forbidden",
            None,
        );
    }
    let (status, _) = t.call(Method::GET, "/api/structure", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(versions(&t).await, 0);
    let saved: Structure = ok(put(&t, &root, &hospital()).await);
    assert_eq!((saved.version, saved.saved_by.as_str()), (1, "root"));
    for token in [&ana, &mia, &root] {
        let read = get(&t, token).await;
        assert_eq!(read.units, saved.units);
        assert_eq!(read.departments[0].name, "Patient Financial Services");
        assert_eq!(read.version, 1);
    }
}

async fn a_save_made_from_an_older_version_is_refused_and_stores_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let first: Structure = ok(put(&t, &root, &hospital()).await);
    let mut mine = first.clone();
    let mut theirs = first.clone();
    theirs.units.push(unit("Maternity", "MAT"));
    let _: Structure = ok(put(&t, &root, &theirs).await);
    mine.units[0].location = "Floor 5".into();
    let answer = put(&t, &root, &mine).await;
    refused(&answer, StatusCode::CONFLICT, "stale", None);
    assert!(
        answer.1["message"].as_str().unwrap().contains("version 2"),
        "{}",
        answer.1
    );
    assert_eq!(versions(&t).await, 2);
    assert_eq!(get(&t, &root).await.units[0].location, "Floor 4");
    // Malformed: refused whole.
    let (status, _) = t
        .call(
            Method::PUT,
            "/api/structure",
            Some(&root),
            Some(json!({"units": "4B"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(versions(&t).await, 2);
}

async fn a_text_naming_two_units_is_refused_at_its_field(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let mut s = hospital();
    s.units[1].code = "Unit 4-B".into();
    refused(
        &put(&t, &root, &s).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("units.1.code"),
    );
    let mut s = hospital();
    s.units[0].name = "  ".into();
    refused(
        &put(&t, &root, &s).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("units.0.name"),
    );
    assert_eq!(versions(&t).await, 0);
}

/// Ana covers "4B"; Ben opens a case typed "Unit 4-b": she sees it, as the
/// same unit, once the structure says so (and before, as two texts that
/// differ only in the word "Unit" and the dash).
async fn typed_units_name_the_unit_so_colleagues_see_each_others_cases(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let ben = t
        .signed_in("ben", Role::Coordinator, &["Cardiology 4B"])
        .await;
    let cy = t.signed_in("cy", Role::Coordinator, &["4W"]).await;
    let _: Structure = ok(put(&t, &root, &hospital()).await);
    let mut tablet = Device::new("ben");
    let open = tablet.open("Unit 4-b");
    let pushed = t.push(&ben, &tablet.batch([&open])).await;
    assert!(stored(&pushed.results[0]), "{pushed:?}");
    assert_eq!(
        t.pull(&ana, 0, 100).await.changes.len(),
        1,
        "4B is Cardiology 4B"
    );
    assert!(
        t.pull(&cy, 0, 100).await.changes.is_empty(),
        "4 West does not see it"
    );
}

async fn renaming_a_unit_keeps_every_coordinators_access(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4B"]).await;
    let first: Structure = ok(put(&t, &root, &hospital()).await);
    let mut tablet = Device::new("ana");
    let open = tablet.open("Cardiology 4B");
    assert!(stored(
        &t.push(&ana, &tablet.batch([&open])).await.results[0]
    ));
    let mut renamed = first.clone();
    renamed.units[0].name = "Heart Centre".into();
    renamed.units[0].code = "HC".into();
    let saved: Structure = ok(put(&t, &root, &renamed).await);
    assert_eq!(saved.units[0].aliases, vec!["Cardiology 4B", "4B"]);
    // Ana's account still says "4B", the case "Cardiology 4B": both are
    // the Heart Centre now, and she keeps seeing and changing it.
    assert_eq!(t.pull(&ana, 0, 100).await.changes.len(), 1);
    let note = tablet.log(open.case_id);
    assert!(stored(
        &t.push(&ana, &tablet.batch([&note])).await.results[0]
    ));
    // Leaving a unit out of a save retires it; it still names its cases.
    let mut fewer = saved.clone();
    fewer.units.remove(0);
    let saved: Structure = ok(put(&t, &root, &fewer).await);
    assert!(
        saved
            .units
            .iter()
            .any(|u| u.name == "Heart Centre" && u.retired)
    );
    assert_eq!(t.pull(&ana, 0, 100).await.changes.len(), 2);
}

async fn unmatched_unit_texts_are_listed_and_mapped_in_one_place(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["Cardio 4"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut tablet = Device::new("mia");
    let a = tablet.open("Cardio 4");
    let b2 = tablet.open("cardio 4");
    let c = tablet.open("4B");
    let pushed = t.push(&mia, &tablet.batch([&a, &b2, &c])).await;
    assert!(pushed.results.iter().all(stored));
    let first: Structure = ok(put(&t, &root, &hospital()).await);
    let list: Vec<Unmatched> = ok(t
        .call(Method::GET, "/api/structure/unmatched", Some(&root), None)
        .await);
    assert_eq!(
        list,
        vec![
            Unmatched {
                text: "Cardio 4".into(),
                cases: 1,
                accounts: 1
            },
            Unmatched {
                text: "cardio 4".into(),
                cases: 1,
                accounts: 0
            },
        ],
        "4B names a unit; every spelling listed with where it is used, no patient"
    );
    let (status, _) = t
        .call(Method::GET, "/api/structure/unmatched", Some(&mia), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        t.pull(&ana, 0, 100).await.changes.len() == 2,
        "before: her text matches two cases as text"
    );
    let mapped: Structure = ok(t
        .call(
            Method::POST,
            "/api/structure/map",
            Some(&root),
            Some(json!({"version": first.version, "text": "Cardio 4", "unit": first.units[0].id})),
        )
        .await);
    assert_eq!(mapped.units[0].aliases, vec!["Cardio 4"]);
    let list: Vec<Unmatched> = ok(t
        .call(Method::GET, "/api/structure/unmatched", Some(&root), None)
        .await);
    assert!(list.is_empty(), "one alias maps both spellings: {list:?}");
    assert_eq!(
        t.pull(&ana, 0, 100).await.changes.len(),
        3,
        "now she covers Cardiology 4B, 4B included"
    );
    // From an older version: stale.
    let answer = t
        .call(
            Method::POST,
            "/api/structure/map",
            Some(&root),
            Some(json!({"version": first.version, "text": "ICU", "unit": first.units[1].id})),
        )
        .await;
    refused(&answer, StatusCode::CONFLICT, "stale", None);
}

/// 450 units with long names, codes, locations and aliases: more than a
/// small request body, within what the structure's checks allow.
async fn a_large_hospital_saves_whole(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let s = Structure {
        units: (0..450)
            .map(|i| Unit {
                aliases: vec![format!("Former ward number {i} of the old north building")],
                ..unit(
                    &format!("Inpatient unit number {i}, medical and surgical"),
                    &format!("U{i:03}"),
                )
            })
            .collect(),
        ..Structure::default()
    };
    assert!(serde_json::to_vec(&s).unwrap().len() > advocase_server::body::SMALL);
    let saved: Structure = ok(put(&t, &root, &s).await);
    assert_eq!(saved.units.len(), 450);
}

/// The value of the control named `name` in a drawn page.
fn control<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("{name}: {html}"));
    let rest = &html[at..];
    let value = rest.split(r#"value=""#).nth(1).unwrap();
    value.split('"').next().unwrap()
}

async fn the_structure_page_keeps_the_draft_through_every_action(b: Backend) {
    let t = TestApp::start(b).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let ana = t
        .signed_in("ana", Role::Coordinator, &["Heart ward 4"])
        .await;
    let page = "/api/structure/page";
    let act = |fields: Vec<(String, String)>| {
        let t = &t;
        let root = root.clone();
        async move {
            let parts: Vec<(&str, Option<&str>, &str)> = fields
                .iter()
                .map(|(n, v)| (n.as_str(), None, v.as_str()))
                .collect();
            let (status, html) = t.page(&root, page, Some(&parts)).await;
            assert_eq!(status, StatusCode::OK, "{html}");
            html
        }
    };
    let f = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(t.page(&ana, page, None).await.0, StatusCode::FORBIDDEN);
    let (status, html) = t.page(&root, page, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="Units and departments""#));
    assert!(
        html.contains("<strong>Heart ward 4</strong> · 0 cases, 1 account"),
        "{html}"
    );

    // Two units added, the second clashing: nothing stored, the problem at
    // its field, focused, and what was typed kept.
    let html = act(f(&[("version", "0"), ("do", "add:units")])).await;
    assert!(
        html.contains(r#"name="units.0.name" type="text" value="" autofocus"#),
        "{html}"
    );
    let first = control(&html, "units.0.id").to_owned();
    let html = act(f(&[
        ("version", "0"),
        ("units.0.id", &first),
        ("units.0.name", "Cardiology 4B"),
        ("units.0.code", "4B"),
        ("units.0.aliases", "Cardio"),
        ("do", "add:units"),
    ]))
    .await;
    assert_eq!(control(&html, "units.0.name"), "Cardiology 4B");
    let second = control(&html, "units.1.id").to_owned();
    let mut draft = f(&[
        ("version", "0"),
        ("units.0.id", &first),
        ("units.0.name", "Cardiology 4B"),
        ("units.0.code", "4B"),
        ("units.0.aliases", "Cardio"),
        ("units.1.id", &second),
        ("units.1.name", "Maternity"),
        ("units.1.code", "Unit 4-B"),
    ]);
    let html = act(draft.clone()).await;
    assert!(html.contains(r#"value="Unit 4-B" autofocus aria-invalid="true" aria-describedby="structure-units-1-code-error""#), "{html}");
    assert!(html.contains("already names unit Cardiology 4B"));
    assert_eq!(versions(&t).await, 0);
    // An unsaved row is removed, not retired.
    let mut removed = draft.clone();
    removed.push(("do".into(), "retire:units.1".into()));
    let html = act(removed).await;
    assert!(!html.contains("units.1.id"));
    assert!(
        html.contains(r#"id="structure-units-add" data-act="send" data-id="add:units" autofocus"#)
    );

    draft[7].1 = "MAT".into();
    let html = act(draft.clone()).await;
    assert!(
        html.contains(r#"role="status">Saved as version 1.</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"data-id="retire:units.1">Retire</button>"#));
    let saved = get(&t, &root).await;
    assert_eq!(saved.units[0].aliases, ["Cardio"]);

    // A save made from version 0 again: theirs shown, nothing stored.
    let html = act(draft.clone()).await;
    assert!(html.contains("Someone else saved the units and departments first"));
    assert_eq!(control(&html, "version"), "1");
    assert_eq!(versions(&t).await, 1);

    // Retiring a saved unit keeps it, marked, with its button focused.
    draft[0].1 = "1".into();
    let mut retire = draft.clone();
    retire.push(("do".into(), "retire:units.1".into()));
    let html = act(retire).await;
    assert!(html.contains("<legend>Unit 2 (retired)</legend>"));
    assert!(html.contains(r#"data-id="retire:units.1" autofocus>Restore</button>"#));

    // Mapping the account's text keeps an edit typed above, made from the
    // new version.
    draft.push(("units.0.location".into(), "Floor 4".into()));
    let mut map = draft.clone();
    map.extend(f(&[
        ("map.0.text", "Heart ward 4"),
        ("map.0", ""),
        ("do", "map:0"),
    ]));
    let html = act(map.clone()).await;
    assert!(html.contains(r#"aria-describedby="structure-map-0-error""#));
    assert!(html.contains("Choose the unit “Heart ward 4” means."));
    let chosen = map.len() - 2;
    map[chosen].1 = first.clone();
    let html = act(map).await;
    assert!(
        html.contains("“Heart ward 4” now names Cardiology 4B."),
        "{html}"
    );
    assert!(html.contains("Every case's and account's unit matches a unit."));
    assert_eq!(control(&html, "units.0.aliases"), "Cardio, Heart ward 4");
    assert_eq!(control(&html, "units.0.location"), "Floor 4");
    assert_eq!(control(&html, "version"), "2");
    assert_eq!(
        get(&t, &root).await.units[0].aliases,
        ["Cardio", "Heart ward 4"]
    );

    // The CSV form: no file, a bad row, a good file.
    let import = "/api/structure/page/import";
    let header = "id,kind,name,title,department,units,hours,on_call,topics,case_kinds,categories,notes,verified_on,verified_by,retired,phone_1,phone_1_type,phone_1_languages,phone_2,phone_2_type,phone_2_languages,phone_3,phone_3_type,phone_3_languages";
    let (status, html) = t.page(&root, import, Some(&[("file", Some(""), "")])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.starts_with(r#"<section id="structure-csv""#));
    assert!(html.contains("Choose a CSV file first."));
    let bad = format!("{header}\r\n,service,Interpreter services\r\n,robot,Ben\r\n");
    let (_, html) = t
        .page(&root, import, Some(&[("file", Some("bad.csv"), &bad)]))
        .await;
    assert!(
        html.contains("Nothing was imported: 1 row to fix."),
        "{html}"
    );
    assert!(html.contains("<li>Line 3: "));
    let good = format!("{header}\r\n,service,Interpreter services\r\n");
    let (_, html) = t
        .page(&root, import, Some(&[("file", Some("good.csv"), &good)]))
        .await;
    assert!(
        html.contains("Imported: 1 new, 0 updated, 0 unchanged."),
        "{html}"
    );
    let parts = [("file", Some("good.csv"), good.as_str())];
    assert_eq!(
        t.page(&ana, import, Some(&parts)).await.0,
        StatusCode::FORBIDDEN
    );
}
