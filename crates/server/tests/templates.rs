//! Checklist templates through the HTTP API, every scenario on SQLite and on
//! PostgreSQL: managers save new versions, everyone reads the newest, and
//! two managers editing the same version never both win. The versioning rule
//! is `advocase_core::checklist::succession`.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;

use advocase_core::access::Role;
use advocase_core::checklist::{Template, default_templates};
use advocase_core::id::Id;
use advocase_core::reference::Identified;
use advocase_server::now_ms;
use app::{Answer, Backend, TestApp, ok, refused};
use axum::http::{Method, StatusCode};

on_both!(
    a_manager_saves_a_new_version_and_everyone_reads_it,
    only_managers_save_templates,
    a_retried_save_is_stored_once,
    the_second_of_two_managers_editing_one_version_is_refused,
    a_version_that_skips_ahead_is_refused,
    an_invalid_template_is_refused_naming_the_field,
    bad_requests_and_missing_sessions_store_nothing,
    new_templates_are_listed_by_name,
    concurrent_saves_of_one_version_store_one,
    saved_templates_survive_a_restart,
    the_editors_page_opens_acts_refuses_at_the_field_saves_and_says_a_clash,
);

fn builtin() -> Template {
    default_templates().remove(0)
}

/// The next version of `of`, renamed.
fn edit(of: &Template, name: &str) -> Template {
    let mut edited = of.clone();
    edited.name = name.into();
    of.revise(edited).unwrap()
}

fn new_id(n: u8) -> Id {
    Id::new_v7(now_ms(), [n; 10])
}

async fn save(t: &TestApp, token: &str, template: &Template) -> Answer {
    let body = serde_json::to_value(template).unwrap();
    t.call(Method::POST, "/api/templates", Some(token), Some(body))
        .await
}

async fn list(t: &TestApp, token: &str) -> Vec<Template> {
    ok(t.call(Method::GET, "/api/templates", Some(token), None)
        .await)
}

/// The body of a 201 answer.
fn created((status, json): Answer) -> Template {
    assert_eq!(status, StatusCode::CREATED, "{json}");
    serde_json::from_value(json).unwrap()
}

/// Every stored version, of every template.
async fn rows(t: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM templates")
        .fetch_one(&t.db.pool)
        .await
        .unwrap()
}

async fn a_manager_saves_a_new_version_and_everyone_reads_it(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    assert!(
        list(&t, &ana).await.is_empty(),
        "the built-in templates are not stored: the app has them"
    );

    let v2 = edit(&builtin(), "Discharge checklist, 4 West");
    assert_eq!(v2.version, 2);
    assert_eq!(created(save(&t, &mia, &v2).await), v2);
    assert_eq!(list(&t, &ana).await, std::slice::from_ref(&v2));
    assert_eq!(list(&t, &mia).await, std::slice::from_ref(&v2));
    assert_eq!(list(&t, &root).await, std::slice::from_ref(&v2));

    // And the one after it replaces it in the list; both are kept.
    let v3 = edit(&v2, "Discharge checklist, 4 West and 5 East");
    assert_eq!(created(save(&t, &mia, &v3).await), v3);
    assert_eq!(list(&t, &ana).await, [v3]);
    assert_eq!(rows(&t).await, 2);
    let saved_by: String = sqlx::query_scalar("SELECT saved_by FROM templates WHERE version = 3")
        .fetch_one(&t.db.pool)
        .await
        .unwrap();
    assert_eq!(saved_by, "mia");
}

async fn only_managers_save_templates(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;
    let v2 = edit(&builtin(), "My own checklist");
    refused(
        &save(&t, &ana, &v2).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    refused(
        &save(&t, &root, &v2).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    let new = builtin().copy(new_id(1), "Short stay").unwrap();
    refused(
        &save(&t, &ana, &new).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        None,
    );
    assert!(list(&t, &ana).await.is_empty());
    assert_eq!(rows(&t).await, 0);
}

async fn a_retried_save_is_stored_once(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let v2 = edit(&builtin(), "Discharge checklist, 4 West");
    assert_eq!(created(save(&t, &mia, &v2).await), v2);
    // The answer was lost on the way; the app sends the same save again.
    let again: Template = ok(save(&t, &mia, &v2).await);
    assert_eq!(again, v2);
    assert_eq!(list(&t, &mia).await, [v2]);
    assert_eq!(rows(&t).await, 1);

    // A built-in template sent unchanged is its version 1 already.
    let other = default_templates().remove(1);
    let same: Template = ok(save(&t, &mia, &other).await);
    assert_eq!(same, other);
    assert_eq!(rows(&t).await, 1, "built-in templates are not stored");
}

async fn the_second_of_two_managers_editing_one_version_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let max = t.signed_in("max", Role::Manager, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    // Both opened version 1 and changed it.
    let hers = edit(&builtin(), "Mia's checklist");
    let his = edit(&builtin(), "Max's checklist");
    assert_eq!(his.version, 2);
    created(save(&t, &mia, &hers).await);

    let answer = save(&t, &max, &his).await;
    refused(&answer, StatusCode::CONFLICT, "version_conflict", None);
    let message = answer.1["message"].as_str().unwrap();
    assert!(
        message.starts_with("Version 2 of this template was saved by someone else first."),
        "{message}"
    );
    assert!(message.contains("Reload the templates"), "{message}");
    assert_eq!(
        list(&t, &ana).await,
        std::slice::from_ref(&hers),
        "the first save is kept"
    );
    assert_eq!(rows(&t).await, 1);

    // He reloads, makes his change again on her version, and it is saved.
    let redone = edit(&hers, "Max's checklist");
    assert_eq!(redone.version, 3);
    created(save(&t, &max, &redone).await);
    assert_eq!(list(&t, &ana).await, [redone]);

    // An unchanged built-in sent as a version of its own is no retry.
    let mut stale_v1 = builtin();
    stale_v1.name = "Edited without a new version".into();
    refused(
        &save(&t, &mia, &stale_v1).await,
        StatusCode::CONFLICT,
        "version_conflict",
        None,
    );
    assert_eq!(rows(&t).await, 2);
}

async fn a_version_that_skips_ahead_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut v3 = edit(&builtin(), "Skipping");
    v3.version = 3;
    let answer = save(&t, &mia, &v3).await;
    refused(&answer, StatusCode::CONFLICT, "version_conflict", None);
    let message = answer.1["message"].as_str().unwrap();
    assert!(message.contains("must be version 2"), "{message}");

    let mut new = builtin().copy(new_id(2), "Short stay").unwrap();
    new.version = 2;
    let answer = save(&t, &mia, &new).await;
    refused(&answer, StatusCode::CONFLICT, "version_conflict", None);
    let message = answer.1["message"].as_str().unwrap();
    assert!(message.contains("must be version 1"), "{message}");

    assert!(list(&t, &mia).await.is_empty());
    assert_eq!(rows(&t).await, 0);
}

async fn an_invalid_template_is_refused_naming_the_field(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let mut empty = builtin().copy(new_id(3), "Empty").unwrap();
    empty.name = "  ".into();
    empty.sections.clear();
    refused(
        &save(&t, &mia, &empty).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("name"),
    );
    let mut nameless_item = edit(&builtin(), "Blank item");
    nameless_item.sections[1].items[0].text = String::new();
    refused(
        &save(&t, &mia, &nameless_item).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("sections.1.items.0.text"),
    );
    let mut no_items = edit(&builtin(), "No items");
    no_items.sections.iter_mut().for_each(|s| s.items.clear());
    refused(
        &save(&t, &mia, &no_items).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        Some("sections"),
    );
    // JSON of the wrong shape, as the other routes answer it.
    let mut shapeless = serde_json::to_value(edit(&builtin(), "Shapeless")).unwrap();
    shapeless.as_object_mut().unwrap().remove("sections");
    let answer = t
        .call(Method::POST, "/api/templates", Some(&mia), Some(shapeless))
        .await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("sections"),
    );
    assert!(list(&t, &mia).await.is_empty());
    assert_eq!(rows(&t).await, 0);
}

async fn bad_requests_and_missing_sessions_store_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let body = serde_json::to_vec(&edit(&builtin(), "Fine")).unwrap();
    let broken = body[..body.len() - 2].to_vec();
    let answer = t
        .raw(
            Method::POST,
            "/api/templates",
            Some(&mia),
            Some("application/json"),
            Some(broken),
        )
        .await;
    refused(&answer, StatusCode::BAD_REQUEST, "malformed_json", None);
    let answer = t
        .raw(
            Method::POST,
            "/api/templates",
            Some(&mia),
            Some("text/plain"),
            Some(body.clone()),
        )
        .await;
    refused(
        &answer,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        None,
    );

    let answer = t
        .raw(
            Method::POST,
            "/api/templates",
            None,
            Some("application/json"),
            Some(body),
        )
        .await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let answer = t.call(Method::GET, "/api/templates", None, None).await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let answer = t
        .call(Method::GET, "/api/templates", Some("not-a-token"), None)
        .await;
    refused(&answer, StatusCode::UNAUTHORIZED, "unauthorized", None);
    let answer = t
        .call(Method::DELETE, "/api/templates", Some(&mia), None)
        .await;
    refused(
        &answer,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        None,
    );
    assert_eq!(rows(&t).await, 0);
}

async fn new_templates_are_listed_by_name(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let short = builtin().copy(new_id(4), "Short stay").unwrap();
    let ambulatory = builtin().copy(new_id(5), "ambulatory surgery").unwrap();
    assert_eq!((short.version, ambulatory.version), (1, 1));
    created(save(&t, &mia, &short).await);
    created(save(&t, &mia, &ambulatory).await);
    let edited = edit(&builtin(), "Discharge checklist, 4 West");
    created(save(&t, &mia, &edited).await);
    let short_v2 = edit(&short, "Short stay (revised)");
    created(save(&t, &mia, &short_v2).await);

    let names: Vec<String> = list(&t, &ana).await.into_iter().map(|t| t.name).collect();
    assert_eq!(
        names,
        [
            "ambulatory surgery",
            "Discharge checklist, 4 West",
            "Short stay (revised)"
        ],
        "the newest version of each, by name whatever the case"
    );
    assert_eq!(rows(&t).await, 4);
}

async fn concurrent_saves_of_one_version_store_one(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let max = t.signed_in("max", Role::Manager, &[]).await;
    // Version 1 of a new template, then versions 2 to 6 of a built-in and of
    // it: each round both managers save the same next version at once.
    let mut current = builtin();
    for round in 0..5u8 {
        let hers = edit(&current, &format!("Mia's round {round}"));
        let his = edit(&current, &format!("Max's round {round}"));
        let (a, b) = tokio::join!(save(&t, &mia, &hers), save(&t, &max, &his));
        let (won, lost) = match (a.0, b.0) {
            (StatusCode::CREATED, _) => ((a, hers), b),
            (_, StatusCode::CREATED) => ((b, his), a),
            _ => panic!("neither was stored: {} / {}", a.1, b.1),
        };
        refused(&lost, StatusCode::CONFLICT, "version_conflict", None);
        assert_eq!(created(won.0), won.1);
        current = won.1;
    }
    // Version 1 of one new template, made on two tablets at once: nothing
    // stored yet to queue behind, so the primary key decides.
    let mut firsts = vec![];
    for round in 0..3u8 {
        let id = new_id(10 + round);
        let hers = builtin().copy(id, &format!("Ward {round}, Mia")).unwrap();
        let his = builtin().copy(id, &format!("Ward {round}, Max")).unwrap();
        let (a, b) = tokio::join!(save(&t, &mia, &hers), save(&t, &max, &his));
        let (won, lost) = match (a.0, b.0) {
            (StatusCode::CREATED, _) => ((a, hers), b),
            (_, StatusCode::CREATED) => ((b, his), a),
            _ => panic!("neither was stored: {} / {}", a.1, b.1),
        };
        let message = lost.1["message"].as_str().unwrap_or_default().to_owned();
        refused(&lost, StatusCode::CONFLICT, "version_conflict", None);
        assert!(
            message.starts_with("Version 1 of this template"),
            "{message}"
        );
        assert_eq!(created(won.0), won.1);
        firsts.push(won.1);
    }
    let new = builtin().copy(new_id(6), "Short stay").unwrap();
    let (a, b) = tokio::join!(save(&t, &mia, &new), save(&t, &mia, &new));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CREATED],
        "the same save twice at once: stored once, both told so"
    );
    let mut want = vec![current, new];
    want.extend(firsts);
    want.sort_by_key(|t| t.name.to_lowercase());
    assert_eq!(list(&t, &mia).await, want);
    assert_eq!(rows(&t).await, 9);
}

async fn saved_templates_survive_a_restart(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let v2 = edit(&builtin(), "Discharge checklist, 4 West");
    created(save(&t, &mia, &v2).await);
    let t = t.restart().await;
    assert_eq!(list(&t, &mia).await, std::slice::from_ref(&v2));
    // And a retry across the restart is still recognised.
    let _: Template = ok(save(&t, &mia, &v2).await);
    refused(
        &save(&t, &mia, &edit(&builtin(), "Late edit")).await,
        StatusCode::CONFLICT,
        "version_conflict",
        None,
    );
    assert_eq!(rows(&t).await, 1);
}

/// The editor's form as a browser sends it for `t`, opened from version
/// `version`, then `extra` (an action).
fn editor_form(t: &Template, version: u32, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = vec![
        ("id".into(), t.id.to_string()),
        ("version".into(), version.to_string()),
        ("name".into(), t.name.clone()),
        ("source".into(), t.source.clone()),
    ];
    for (s, section) in t.sections.iter().enumerate() {
        f.push((format!("sections.{s}.title"), section.title.clone()));
        for (i, item) in section.items.iter().enumerate() {
            let at = format!("sections.{s}.items.{i}");
            f.push((format!("{at}.text"), item.text.clone()));
            f.push((format!("{at}.responsible"), item.responsible.ident().into()));
            if item.required {
                f.push((format!("{at}.required"), "yes".into()));
            }
        }
    }
    f.extend(extra.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    f
}

async fn send_editor(t: &TestApp, token: &str, form: &[(String, String)]) -> (StatusCode, String) {
    t.send_form(token, "/api/templates/editor", form).await
}

async fn the_editors_page_opens_acts_refuses_at_the_field_saves_and_says_a_clash(b: Backend) {
    let t = TestApp::start(b).await;
    let cora = t.signed_in("cora", Role::Coordinator, &["4B"]).await;
    let mona = t.signed_in("mona", Role::Manager, &[]).await;
    let mark = t.signed_in("mark", Role::Manager, &[]).await;
    let page = "/api/templates/editor";
    let red = builtin();
    assert_eq!(
        t.page(&cora, &format!("{page}?id={}", red.id), None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send_editor(&t, &cora, &editor_form(&red, 1, &[])).await.0,
        StatusCode::FORBIDDEN
    );

    // A built-in template as it is, marked as a draft the app keeps.
    let (status, html) = t.page(&mona, &format!("{page}?id={}", red.id), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(r#"aria-label="Template""#), "{html}");
    assert!(html.contains(r#"data-draft="template""#));
    assert!(html.contains(r#"<input type="hidden" name="version" value="1">"#));
    let unknown = format!("{page}?id={}", new_id(9));
    assert_eq!(t.page(&mona, &unknown, None).await.0, StatusCode::NOT_FOUND);

    // A copy and a new one: version 0, ids made by the server.
    let (_, copy) = t
        .page(&mona, &format!("{page}?copy={}", red.id), None)
        .await;
    assert!(
        copy.contains(&format!(r#"value="Copy of {}""#, red.name)),
        "{copy}"
    );
    assert!(copy.contains(r#"name="version" value="0""#));
    assert!(!copy.contains(&format!(r#"name="id" value="{}""#, red.id)));
    let (_, blank) = t.page(&mona, &format!("{page}?new"), None).await;
    assert!(blank.contains("<h2>New template</h2>"), "{blank}");
    assert!(blank.contains(r#"name="sections.0.items.0.text""#));

    // An action draws the form again as typed, with the change focused;
    // nothing stored.
    let mut edited = red.clone();
    edited.sections[0].items[0].text = "Book an interpreter".into();
    let items = red.sections[0].items.len();
    let (_, html) = send_editor(&t, &mona, &editor_form(&edited, 1, &[("do", "add-item.0")])).await;
    assert!(
        html.contains(&format!(
            r#"name="sections.0.items.{items}.text" type="text" value="" autofocus"#
        )),
        "{html}"
    );
    assert!(html.contains(r#"value="Book an interpreter""#));
    assert_eq!(rows(&t).await, 0);

    // Refused at its field, located, every problem in the summary.
    let mut bad = edited.clone();
    bad.sections[0].items[1].text = "  ".into();
    let (status, html) = send_editor(&t, &mona, &editor_form(&bad, 1, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(r#"aria-describedby="template-sections-0-items-1-text-error""#),
        "{html}"
    );
    assert!(html.contains("Section 1, item 2: "));
    assert!(html.contains(r#"class="notice error error-summary" role="alert""#));
    assert_eq!(rows(&t).await, 0);

    // Saved as the JSON save stores it: the next version, trimmed.
    edited.name = format!("  {}  ", red.name);
    let (status, html) = send_editor(&t, &mona, &editor_form(&edited, 1, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!(r#"data-saved="{}""#, red.id)),
        "{html}"
    );
    assert!(html.contains("Saved version 2 of"));
    let stored = list(&t, &mona).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, 2);
    assert_eq!(stored[0].name, red.name);
    assert_eq!(stored[0].sections[0].items[0].text, "Book an interpreter");

    // Mark, who opened version 1 too, is refused in words; his form is kept,
    // now built on version 2.
    let (status, html) = send_editor(&t, &mark, &editor_form(&red, 1, &[])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("Version 2 of this template was saved by someone else first."),
        "{html}"
    );
    assert!(html.contains("Saving again makes version 3 from them"));
    assert!(html.contains(r#"<input type="hidden" name="version" value="2">"#));
    assert_eq!(rows(&t).await, 1);
    let (_, html) = send_editor(&t, &mark, &editor_form(&red, 2, &[])).await;
    assert!(html.contains("Saved version 3 of"), "{html}");
    assert_eq!(rows(&t).await, 2);
}
