//! Ward supplies sync through the HTTP API (issue 17), every scenario on
//! SQLite and on PostgreSQL: who may edit a unit's list and who may count,
//! pushes stored exactly once, pulls that carry only the units a person
//! sees, requests refused whole, and pullers racing pushers.

#[path = "support/postgres.rs"]
mod postgres;
#[macro_use]
#[path = "support/app.rs"]
mod app;
#[path = "support/devices.rs"]
mod devices;

use std::collections::BTreeSet;
use std::sync::Arc;

use advocase_core::access::Role;
use advocase_core::hlc::Clock;
use advocase_core::id::Id;
use advocase_core::supplies::change::ItemSet;
use advocase_core::supplies::item::Kind;
use advocase_core::supplies::wire::{SupplyPage, SupplyPush};
use advocase_core::supplies::{Item, ItemValue, SupplyChange, SupplyOp};
use advocase_core::sync::{MAX_BATCH, Outcome, PushResponse};
use app::{Answer, Backend, TestApp, caught_up, ok, pullers, refusal, refused, stored};
use axum::http::{Method, StatusCode};
use devices::new_id;

on_both!(
    managers_edit_the_lists_and_coordinators_count_their_units,
    a_retried_push_is_answered_the_same_and_stored_once,
    a_reused_seq_or_a_taken_id_is_refused,
    pulls_carry_only_the_units_a_person_sees,
    malformed_requests_are_refused_whole,
    an_oversized_batch_is_refused_whole,
    pullers_racing_pushers_never_skip_a_change,
    the_list_editor_reaches_the_tablets_and_the_report_shows_the_units,
);

/// A tablet as the supply stream sees it: its own numbering, its clock.
struct Tablet {
    id: Id,
    user: String,
    next_seq: u64,
    clock: Clock,
}

impl Tablet {
    fn new(user: &str) -> Self {
        let id = new_id();
        Tablet {
            id,
            user: user.into(),
            next_seq: 1,
            clock: Clock::new(id.node()),
        }
    }

    fn change(&mut self, unit: &str, op: SupplyOp) -> SupplyChange {
        let seq = self.next_seq;
        self.next_seq += 1;
        let ms = advocase_server::now_ms();
        SupplyChange {
            id: new_id(),
            unit: unit.into(),
            device: self.id,
            seq,
            hlc: self.clock.tick(ms),
            by: self.user.clone(),
            at: chrono::DateTime::from_timestamp_millis(ms as i64).unwrap(),
            op,
        }
    }

    fn batch(&self, changes: &[SupplyChange]) -> SupplyPush {
        SupplyPush {
            device: self.id,
            changes: changes.to_vec(),
        }
    }
}

fn add_item(name: &str) -> SupplyOp {
    SupplyOp::AddItem {
        item: Box::new(Item {
            id: new_id(),
            kind: Kind::Supply,
            name: name.into(),
            count_unit: "each".into(),
            par: 20,
            alert: 5,
            location: "Clean utility room".into(),
            every: None,
            retired: false,
        }),
    }
}

fn set_par(item: Id, par: u32) -> SupplyOp {
    SupplyOp::SetItem {
        item,
        sets: vec![ItemSet {
            value: ItemValue::Par(par),
            base: None,
        }],
        settles: vec![],
    }
}

fn count(n: u32) -> SupplyOp {
    SupplyOp::Count {
        round: new_id(),
        item: new_id(),
        count: n,
        base: None,
        settles: vec![],
    }
}

async fn push_raw(t: &TestApp, token: &str, req: &SupplyPush) -> Answer {
    let body = serde_json::to_value(req).unwrap();
    t.call(Method::POST, "/api/supplies/push", Some(token), Some(body))
        .await
}

async fn push(t: &TestApp, token: &str, req: &SupplyPush) -> PushResponse {
    ok(push_raw(t, token, req).await)
}

async fn pull(t: &TestApp, token: &str, after: u64, limit: usize) -> SupplyPage {
    let uri = format!("/api/supplies/pull?after={after}&limit={limit}");
    ok(t.call(Method::GET, &uri, Some(token), None).await)
}

/// Every supply change `token` gets after `after`, following the cursor.
async fn pull_all(t: &TestApp, token: &str, after: u64, limit: usize) -> Vec<(u64, String)> {
    let (mut next, mut more, mut all) = (after, true, Vec::new());
    while more {
        let page = pull(t, token, next, limit).await;
        assert!(page.next >= next, "the cursor never goes back");
        all.extend(
            page.changes
                .into_iter()
                .map(|p| (p.server_seq, p.change.unit)),
        );
        (next, more) = (page.next, page.more);
    }
    all
}

/// Rows of supply_changes and supply_received, and the counter.
async fn counts(t: &TestApp) -> (i64, i64, i64) {
    let n = |sql: &'static str| async move {
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&t.db.pool).await.unwrap();
        n
    };
    (
        n("SELECT COUNT(*) FROM supply_changes").await,
        n("SELECT COUNT(*) FROM supply_received").await,
        n("SELECT value FROM supply_counter WHERE id = 1").await,
    )
}

/// A coordinator's list edits are refused and their counts stored on their
/// own units only; a manager's list edits are stored on any unit; an
/// administrator is refused whole. Each push that decided something has its
/// one audit row, refusals alone too.
async fn managers_edit_the_lists_and_coordinators_count_their_units(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let root = t.signed_in("root", Role::Admin, &[]).await;

    let mut tablet = Tablet::new("ana");
    let changes = [
        tablet.change("4 West", add_item("Blankets")),
        tablet.change("4 West", set_par(new_id(), 30)),
        tablet.change("4 West", count(12)),
        tablet.change("5 East", count(3)),
    ];
    let answer = push(&t, &ana, &tablet.batch(&changes)).await;
    let got: Vec<_> = answer.results.iter().map(|r| r.seq).collect();
    assert_eq!(got, [1, 2, 3, 4], "one answer per change, in order");
    assert_eq!(refusal(&answer.results[0].outcome), ("forbidden", None));
    assert_eq!(refusal(&answer.results[1].outcome), ("forbidden", None));
    assert_eq!(stored(&answer.results[2].outcome), (1, false));
    assert_eq!(refusal(&answer.results[3].outcome), ("forbidden", None));

    let mut office = Tablet::new("mia");
    let changes = [
        office.change("5 East", add_item("Gowns")),
        office.change("4 West", set_par(new_id(), 24)),
    ];
    let answer = push(&t, &mia, &office.batch(&changes)).await;
    assert_eq!(stored(&answer.results[0].outcome), (2, false));
    assert_eq!(stored(&answer.results[1].outcome), (3, false));

    let mut desk = Tablet::new("root");
    let c = desk.change("4 West", count(1));
    let answer = push_raw(&t, &root, &desk.batch(&[c])).await;
    refused(&answer, StatusCode::FORBIDDEN, "forbidden", None);
    let (status, _) = t
        .call(Method::GET, "/api/supplies/pull", Some(&root), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(counts(&t).await, (3, 3, 3));
    // Refusals alone are audited too.
    let c = tablet.change("4 West", add_item("Socks"));
    let answer = push(&t, &ana, &tablet.batch(&[c])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("forbidden", None));
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT username, outcome, detail FROM audit WHERE action = 'supplies_pushed' ORDER BY seq",
    )
    .fetch_all(&t.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            (
                "ana".to_owned(),
                "ok".to_owned(),
                "1 supply changes stored (server_seq 1 to 1), 3 refused: seq 1 (add_item): \
forbidden; seq 2 (set_item): forbidden; seq 4 (count): forbidden"
                    .to_owned()
            ),
            (
                "mia".to_owned(),
                "ok".to_owned(),
                "2 supply changes stored (server_seq 2 to 3), 0 refused".to_owned()
            ),
            (
                "ana".to_owned(),
                "refused".to_owned(),
                "1 supply changes refused: seq 5 (add_item): forbidden".to_owned()
            ),
        ]
    );
}

/// A batch sent again (a lost answer) gets the same answers, stored ones
/// marked as repeats, and nothing is written twice; a pair repeated within
/// one batch too.
async fn a_retried_push_is_answered_the_same_and_stored_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Tablet::new("ana");
    let changes = [
        tablet.change("4 West", count(4)),
        tablet.change("5 East", count(9)),
        tablet.change("4 West", count(5)),
    ];
    let batch = tablet.batch(&changes);
    let first = push(&t, &ana, &batch).await;
    assert_eq!(stored(&first.results[0].outcome), (1, false));
    assert_eq!(refusal(&first.results[1].outcome), ("forbidden", None));
    assert_eq!(stored(&first.results[2].outcome), (2, false));

    let again = push(&t, &ana, &batch).await;
    assert_eq!(stored(&again.results[0].outcome), (1, true));
    assert_eq!(again.results[1], first.results[1]);
    assert_eq!(stored(&again.results[2].outcome), (2, true));
    for (a, f) in again.results.iter().zip(&first.results) {
        assert_eq!((a.id, a.seq), (f.id, f.seq));
        if let (Outcome::Stored { hlc: x, .. }, Outcome::Stored { hlc: y, .. }) =
            (&a.outcome, &f.outcome)
        {
            assert_eq!(x, y, "the same clock as kept");
        }
    }
    // The same change twice in one batch: stored once, then a repeat.
    let fresh = tablet.change("4 West", count(6));
    let twice = push(&t, &ana, &tablet.batch(&[fresh.clone(), fresh])).await;
    assert_eq!(stored(&twice.results[0].outcome), (3, false));
    assert_eq!(stored(&twice.results[1].outcome), (3, true));
    assert_eq!(counts(&t).await, (3, 1, 3));
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'supplies_pushed'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(audited, 2, "a repeat stores nothing and adds no row");
}

/// A seq sent again with another change, and a change id sent again under
/// another device's seq, are refused at their fields; neither is stored.
async fn a_reused_seq_or_a_taken_id_is_refused(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Tablet::new("ana");
    let first = tablet.change("4 West", count(4));
    assert_eq!(
        stored(
            &push(&t, &ana, &tablet.batch(std::slice::from_ref(&first)))
                .await
                .results[0]
                .outcome
        ),
        (1, false)
    );
    let mut other = first.clone();
    other.id = new_id();
    other.op = count(7);
    let answer = push(&t, &ana, &tablet.batch(&[other])).await;
    let Outcome::Refused { reason } = &answer.results[0].outcome else {
        panic!("a reused seq was stored");
    };
    assert_eq!(reason.field.as_deref(), Some("seq"));
    assert!(reason.message.contains("cannot be reused"), "{reason:?}");

    let mut second = Tablet::new("ana");
    let mut copy = second.change("4 West", count(4));
    copy.id = first.id;
    let answer = push(&t, &ana, &second.batch(&[copy])).await;
    assert_eq!(refusal(&answer.results[0].outcome), ("invalid", Some("id")));
    assert_eq!(counts(&t).await, (1, 1, 1));
}

/// Pulled from another device: a coordinator gets their units' changes
/// (whatever spelling names the unit) and never another unit's, their
/// cursor moving past what they may not see; a manager gets all.
async fn pulls_carry_only_the_units_a_person_sees(b: Backend) {
    let t = TestApp::start(b).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["5 East"]).await;
    let mut office = Tablet::new("mia");
    let changes = [
        office.change("4 West", add_item("Blankets")),
        office.change("5 East", add_item("Gowns")),
        office.change("5 East", add_item("Jugs")),
        office.change("Ward 4-West", add_item("Pillows")),
        office.change("5 East", add_item("Sheets")),
    ];
    push(&t, &mia, &office.batch(&changes)).await;
    let mut tablet = Tablet::new("ana");
    let c = tablet.change("4 West", count(3));
    push(&t, &ana, &tablet.batch(&[c])).await;

    let units = |all: &[(u64, String)]| all.iter().map(|(s, _)| *s).collect::<Vec<_>>();
    for limit in [1, 2, 500] {
        assert_eq!(units(&pull_all(&t, &ana, 0, limit).await), [1, 4, 6]);
        assert_eq!(units(&pull_all(&t, &ben, 0, limit).await), [2, 3, 5]);
        assert_eq!(
            units(&pull_all(&t, &mia, 0, limit).await),
            [1, 2, 3, 4, 5, 6]
        );
    }
    // A page of another unit's changes only: empty, yet the cursor moves.
    let page = pull(&t, &ana, 1, 2).await;
    assert_eq!((page.changes.len(), page.next, page.more), (0, 3, true));
    let page = pull(&t, &ben, 3, 500).await;
    let got: Vec<_> = page
        .changes
        .iter()
        .map(|p| p.change.unit.as_str())
        .collect();
    assert_eq!((got, page.next, page.more), (vec!["5 East"], 6, false));
    // The change as stored reads back whole.
    let page = pull(&t, &mia, 0, 1).await;
    assert_eq!(page.changes[0].change, changes[0]);
}

/// Not JSON, the wrong shape, or a change from another device: refused
/// whole with a named error, nothing written.
async fn malformed_requests_are_refused_whole(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let answer = t
        .raw(
            Method::POST,
            "/api/supplies/push",
            Some(&ana),
            Some("application/json"),
            Some(b"{\"device\": ".to_vec()),
        )
        .await;
    refused(&answer, StatusCode::BAD_REQUEST, "malformed_json", None);

    let mut tablet = Tablet::new("ana");
    let good = tablet.change("4 West", count(1));
    let mut json = serde_json::to_value(tablet.batch(std::slice::from_ref(&good))).unwrap();
    json["changes"][0]["op"]["type"] = "restock_everything".into();
    let answer = t
        .call(Method::POST, "/api/supplies/push", Some(&ana), Some(json))
        .await;
    assert_eq!(answer.0, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.1);
    assert_eq!(answer.1["error"], "invalid_payload", "{}", answer.1);

    let mut stray = tablet.change("4 West", count(2));
    stray.device = new_id();
    let answer = push_raw(&t, &ana, &tablet.batch(&[good, stray])).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[1].device"),
    );
    assert_eq!(counts(&t).await, (0, 0, 0));
}

/// More than a batch: 413, nothing written; a full batch is stored.
async fn an_oversized_batch_is_refused_whole(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Tablet::new("ana");
    let changes: Vec<_> = (0..=MAX_BATCH)
        .map(|i| tablet.change("4 West", count(i as u32)))
        .collect();
    let answer = push_raw(&t, &ana, &tablet.batch(&changes)).await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        Some("changes"),
    );
    assert_eq!(counts(&t).await, (0, 0, 0));
    let answer = push(&t, &ana, &tablet.batch(&changes[..MAX_BATCH])).await;
    assert_eq!(
        stored(&answer.results[MAX_BATCH - 1].outcome).0,
        MAX_BATCH as u64
    );
    assert_eq!(counts(&t).await, (MAX_BATCH as i64, 0, MAX_BATCH as i64));
}

/// Six tablets push three batches each while three pullers follow the
/// stream two changes a page: every page is gapless from its cursor (a
/// manager sees every unit), and each puller ends with exactly what was
/// stored, each change once.
async fn pullers_racing_pushers_never_skip_a_change(b: Backend) {
    const TABLETS: usize = 6;
    const ROUNDS: usize = 3;
    let t = Arc::new(TestApp::start(b).await);
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let total = (TABLETS * ROUNDS * 2) as u64;

    let (tc, mia_c) = (t.clone(), mia.clone());
    let pullers = pullers(3, total, move |cursor| {
        let (t, mia) = (tc.clone(), mia_c.clone());
        async move {
            let page = pull(&t, &mia, cursor, 2).await;
            let changes = page.changes.iter();
            (
                changes.map(|p| (p.server_seq, p.change.id)).collect(),
                page.next,
            )
        }
    });
    let pushers: Vec<_> = (0..TABLETS)
        .map(|i| {
            let t = t.clone();
            let (token, user) = if i % 2 == 0 {
                (ana.clone(), "ana")
            } else {
                (mia.clone(), "mia")
            };
            tokio::spawn(async move {
                let mut tablet = Tablet::new(user);
                let mut ids = Vec::new();
                for _ in 0..ROUNDS {
                    let batch = [
                        tablet.change("4 West", count(1)),
                        tablet.change("4 West", count(2)),
                    ];
                    let answer = push(&t, &token, &tablet.batch(&batch)).await;
                    for r in &answer.results {
                        assert!(!stored(&r.outcome).1, "stored now, not a repeat");
                    }
                    ids.extend(batch.iter().map(|c| c.id));
                    tokio::task::yield_now().await;
                }
                ids
            })
        })
        .collect();
    let mut pushed = BTreeSet::new();
    for p in pushers {
        pushed.extend(p.await.unwrap());
    }
    assert_eq!(pushed.len() as u64, total);
    caught_up(pullers, &pushed).await;
    assert_eq!(counts(&t).await, (total as i64, 0, total as i64));
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The unit's book as a device that pulled everything holds it.
async fn book(t: &TestApp, token: &str, unit: &str) -> advocase_core::supplies::Book {
    let page = pull(t, token, 0, 2_000).await;
    let changes: Vec<SupplyChange> = page
        .changes
        .into_iter()
        .map(|p| p.change)
        .filter(|c| c.unit == unit)
        .collect();
    advocase_core::supplies::Book::fold(&changes)
}

/// A manager's list editor: an item added (once, though the form is sent
/// twice), a refused form with its problem tied to the field, an edit, a
/// copy to another unit; coordinators are refused the page. What it saves
/// is in the stream the tablets pull, and the report shows the unit's
/// items below par once a tablet counted them.
async fn the_list_editor_reaches_the_tablets_and_the_report_shows_the_units(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mia = t.signed_in("mia", Role::Manager, &[]).await;
    let page = "/api/supplies/list";
    let (status, _) = t.page(&ana, &format!("{page}?unit=4%20West"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = t.page(&mia, &format!("{page}?unit=4%20West"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("4 West has no list yet"), "{html}");

    let new = new_id().to_string();
    let add = form(&[
        ("unit", "4 West"),
        ("new", &new),
        ("kind", "supply"),
        ("name", "Blankets"),
        ("par", "24"),
        ("alert", "6"),
    ]);
    for _ in 0..2 {
        let (status, html) = t.send_form(&mia, page, &add).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Blankets added to the list."), "{html}");
    }
    let b = book(&t, &ana, "4 West").await;
    assert_eq!(b.items.len(), 1, "a form sent twice adds the item once");
    let item = b.items[0].id;
    assert_eq!(item.to_string(), new);

    let (_, html) = t
        .send_form(
            &mia,
            page,
            &form(&[
                ("unit", "4 West"),
                ("kind", "supply"),
                ("name", "Gowns"),
                ("par", "x"),
                ("alert", "1"),
            ]),
        )
        .await;
    assert!(html.contains(r#"aria-invalid="true" aria-describedby="supply-par-error""#));
    assert_eq!(
        book(&t, &ana, "4 West").await.items.len(),
        1,
        "nothing stored"
    );

    let edit = form(&[
        ("unit", "4 West"),
        ("item", &new),
        ("kind", "supply"),
        ("name", "Blankets"),
        ("par", "30"),
        ("alert", "6"),
        ("location", "Linen cupboard"),
    ]);
    let (_, html) = t.send_form(&mia, page, &edit).await;
    assert!(html.contains("Blankets saved."), "{html}");
    let b = book(&t, &ana, "4 West").await;
    assert_eq!(
        (b.items[0].par, b.items[0].location.as_str()),
        (30, "Linen cupboard")
    );
    assert!(
        b.conflicts.is_empty(),
        "the edit was made on what the manager saw"
    );

    let (_, html) = t
        .send_form(
            &mia,
            page,
            &form(&[("unit", "4 West"), ("do", "copy"), ("to", "5 East")]),
        )
        .await;
    assert!(html.contains("1 items copied to 5 East."), "{html}");
    let east = book(&t, &mia, "5 East").await;
    assert_eq!(east.items[0].name, "Blankets");
    assert_ne!(east.items[0].id, item, "a copy is an item of its own");

    // A tablet counts in a round; the report shows the unit below par.
    let mut tablet = Tablet::new("ana");
    let round = new_id();
    let changes = [
        tablet.change("4 West", SupplyOp::StartRound { round }),
        tablet.change(
            "4 West",
            SupplyOp::Count {
                round,
                item,
                count: 3,
                base: None,
                settles: vec![],
            },
        ),
    ];
    let answer = push(&t, &ana, &tablet.batch(&changes)).await;
    assert!(
        answer
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Stored { .. }))
    );
    let today = chrono::DateTime::from_timestamp_millis(advocase_server::now_ms() as i64)
        .unwrap()
        .date_naive();
    let q = format!("from={}&to={}", today - chrono::Days::new(3), today);
    let (status, html) = t.page(&mia, &format!("/api/report/page?{q}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Ward supplies"), "{html}");
    assert!(
        html.contains(
            r#"<th scope="row">Blankets</th><td>3</td><td>30</td><td class="level-low">Low</td>"#
        ),
        "{html}"
    );
    let (_, hers) = t.page(&ana, &format!("/api/report/page?{q}"), None).await;
    assert!(
        hers.contains("<h4>4 West</h4>") && !hers.contains("<h4>5 East</h4>"),
        "her units only"
    );
}
