//! Pulls: pages that give every change exactly once, and the cursor.

use advocase_core::access::Role;
use advocase_core::sync::{MAX_PULL_PAGE, PullPage};
use axum::http::{Method, StatusCode};

use super::seqs;
use crate::app::{Backend, TestApp, ok, refused};
use crate::devices::Device;

on_both!(
    pulling_in_pages_gives_every_change_exactly_once,
    a_device_is_not_sent_back_the_changes_it_holds,
    a_pull_page_is_byte_for_byte_what_serde_writes,
);

async fn pulling_in_pages_gives_every_change_exactly_once(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut tablet = Device::new("ana");
    let open = tablet.open("4 West");
    let case = open.case_id;
    let mut changes = vec![open];
    for _ in 0..4 {
        changes.push(tablet.log(case));
    }
    t.push(&ana, &tablet.batch(&changes)).await;

    let mut cursor = 0;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let page = t.pull(&ben, cursor, 2).await;
        let again = t.pull(&ben, cursor, 2).await;
        assert_eq!(page, again, "the same cursor gives the same page");
        assert!(page.hidden.is_empty());
        pages.push(seqs(&page));
        seen.extend(page.changes.iter().map(|p| p.change.id));
        cursor = page.next;
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, [vec![1, 2], vec![3, 4], vec![5]]);
    let want: Vec<_> = changes.iter().map(|c| c.id).collect();
    assert_eq!(seen, want, "all five, once each, in order");
    assert_eq!(cursor, 5);

    let end = t.pull(&ben, 5, 2).await;
    assert!(end.changes.is_empty() && end.hidden.is_empty() && !end.more);
    assert_eq!(end.next, 5, "nothing new: the cursor stays");

    // Defaults, and a limit above the maximum, give everything at once.
    let page: PullPage = ok(t
        .call(Method::GET, "/api/sync/pull", Some(&ben), None)
        .await);
    assert_eq!(seqs(&page), [1, 2, 3, 4, 5]);
    let page = t.pull(&ben, 0, MAX_PULL_PAGE * 10).await;
    assert_eq!(seqs(&page), [1, 2, 3, 4, 5]);
    for uri in [
        "/api/sync/pull?after=-1",
        "/api/sync/pull?after=1&limit=0",
        "/api/sync/pull?limit=many",
    ] {
        let field = if uri.contains("after=-1") {
            "after"
        } else {
            "limit"
        };
        let answer = t.call(Method::GET, uri, Some(&ben), None).await;
        refused(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            Some(field),
        );
    }
}

async fn a_device_is_not_sent_back_the_changes_it_holds(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["4 West"]).await;
    let mut mine = Device::new("ana");
    let open = mine.open("4 West");
    let case = open.case_id;
    let logged = mine.log(case);
    let later = mine.log(case);
    t.push(
        &ana,
        &mine.batch(&[open.clone(), logged.clone(), later.clone()]),
    )
    .await;
    let mut theirs = Device::new("ben");
    let their_log = theirs.log(case);
    t.push(&ben, &theirs.batch(std::slice::from_ref(&their_log)))
        .await;

    // Holding its own from seq 2 on: the opening (seq 1) and ben's come,
    // and the cursor still passes everything.
    let page: PullPage = ok(t
        .call(
            Method::GET,
            &format!("/api/sync/pull?after=0&device={}&own_from=2", mine.id),
            Some(&ana),
            None,
        )
        .await);
    let ids: Vec<_> = page.changes.iter().map(|p| p.change.id).collect();
    assert_eq!(ids, [open.id, their_log.id]);
    assert_eq!((page.next, page.more), (4, false));
    // A page of nothing but its own still moves the cursor.
    let page: PullPage = ok(t
        .call(
            Method::GET,
            &format!(
                "/api/sync/pull?after=1&limit=2&device={}&own_from=1",
                mine.id
            ),
            Some(&ana),
            None,
        )
        .await);
    assert!(page.changes.is_empty());
    assert_eq!((page.next, page.more), (3, true));
    // Another device's id leaves out that device's; without the two, all come.
    let page: PullPage = ok(t
        .call(
            Method::GET,
            &format!("/api/sync/pull?device={}&own_from=1", theirs.id),
            Some(&ana),
            None,
        )
        .await);
    assert_eq!(seqs(&page), [1, 2, 3]);
    assert_eq!(seqs(&t.pull(&ana, 0, 10).await), [1, 2, 3, 4]);
    for (uri, field) in [
        ("/api/sync/pull?own_from=2", "device"),
        (&*format!("/api/sync/pull?device={}", mine.id), "own_from"),
        ("/api/sync/pull?device=tablet-1&own_from=2", "device"),
        (
            &*format!("/api/sync/pull?device={}&own_from=-2", mine.id),
            "own_from",
        ),
    ] {
        let answer = t.call(Method::GET, uri, Some(&ana), None).await;
        refused(
            &answer,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            Some(field),
        );
    }
}

/// The database joins a page's stored changes into its text: the answer
/// must be exactly what serde writes for the same page (its own changes
/// left out, another unit's case hidden, interleaved cases in order).
async fn a_pull_page_is_byte_for_byte_what_serde_writes(b: Backend) {
    use axum::body::Body;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let ben = t.signed_in("ben", Role::Coordinator, &["5 East"]).await;
    let mut mine = Device::new("ana");
    let (open_a, open_b) = (mine.open("4 West"), mine.open("4 West"));
    let (a, b_case) = (open_a.case_id, open_b.case_id);
    let batch = [open_a, open_b, mine.log(a), mine.log(b_case), mine.log(a)];
    t.push(&ana, &mine.batch(&batch)).await;
    let mut theirs = Device::new("ben");
    let elsewhere = theirs.open("5 East");
    t.push(&ben, &theirs.batch([&elsewhere])).await;

    for (query, sent) in [
        (String::from("after=0"), 5),
        (format!("after=1&device={}&own_from=4", mine.id), 2),
        (format!("after=0&limit=3&device={}&own_from=1", mine.id), 0),
    ] {
        let req = axum::http::Request::get(format!("/api/sync/pull?{query}"))
            .header("authorization", format!("Bearer {ana}"))
            .body(Body::empty())
            .unwrap();
        let res = t.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let page: PullPage = serde_json::from_slice(&bytes).expect("a pull page");
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            serde_json::to_string(&page).unwrap(),
            "{query}"
        );
        assert_eq!(page.changes.len(), sent, "{query}");
        assert!(seqs(&page).windows(2).all(|w| w[0] < w[1]), "{query}");
        if !query.contains("limit=3") {
            assert_eq!(page.hidden, [elsewhere.case_id], "{query}");
            assert_eq!((page.next, page.more), (6, false), "{query}");
        } else {
            assert_eq!((page.next, page.more), (3, true), "{query}");
        }
    }
}
