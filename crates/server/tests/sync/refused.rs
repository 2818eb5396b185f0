//! Bad requests are refused whole and write nothing: malformed JSON, wrong
//! types, mixed devices, too many changes or bytes, other content types;
//! a change the rules refuse is answered and the rest still stored.

use advocase_core::access::Role;
use advocase_core::change::Change;
use advocase_core::sync::{MAX_BATCH, MAX_BODY_BYTES};
use axum::http::{Method, StatusCode};
use serde_json::json;

use super::{refusal, stored};
use crate::app::{Backend, TestApp, refused};
use crate::devices::Device;

on_both!(bad_requests_are_refused_whole_and_write_nothing,);

async fn bad_requests_are_refused_whole_and_write_nothing(b: Backend) {
    let t = TestApp::start(b).await;
    let ana = t.signed_in("ana", Role::Coordinator, &["4 West"]).await;
    let mut anas = Device::new("ana");
    let open = anas.open("4 West");
    t.push(&ana, &anas.batch([&open])).await;
    let before = t.counts().await;
    let case = open.case_id;
    let fresh = anas.log(case);
    let valid = serde_json::to_value(anas.batch([&fresh])).unwrap();
    let push = "/api/sync/push";
    let nothing_written = |what: &'static str| {
        let t = &t;
        let ana = &ana;
        async move {
            assert_eq!(t.counts().await, before, "{what} wrote something");
            let page = t.pull(ana, 1, 100).await;
            assert!(page.changes.is_empty(), "{what}: {page:?}");
        }
    };

    // Not JSON at all, or cut off.
    let text = valid.to_string();
    let cut = text.as_bytes()[..text.len() / 2].to_vec();
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("application/json"),
            Some(cut),
        )
        .await;
    refused(&answer, StatusCode::BAD_REQUEST, "malformed_json", None);
    nothing_written("malformed JSON").await;

    // JSON, but not a push: the field at fault is named.
    let mut wrong = valid.clone();
    wrong["changes"][0]["seq"] = json!("one");
    let answer = t.call(Method::POST, push, Some(&ana), Some(wrong)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[0].seq"),
    );
    let mut wrong = valid.clone();
    wrong["changes"][0]["op"]["type"] = json!("explode");
    let answer = t.call(Method::POST, push, Some(&ana), Some(wrong)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[0].op.type"),
    );
    nothing_written("wrong types").await;

    // A valid change, then one from another device.
    let mut other = Device::new("ana").open("4 West");
    other.seq = 99;
    let mixed = json!({ "device": anas.id, "changes": [fresh, other] });
    let answer = t.call(Method::POST, push, Some(&ana), Some(mixed)).await;
    refused(
        &answer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_payload",
        Some("changes[1].device"),
    );
    nothing_written("a mixed-device push").await;

    // Too many changes, the first of them valid.
    let many: Vec<Change> = (0..=MAX_BATCH).map(|_| anas.log(case)).collect();
    let answer = t.push_raw(&ana, &anas.batch(&many)).await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "batch_too_large",
        Some("changes"),
    );
    nothing_written("too many changes").await;

    // Too many bytes, announced or not.
    let mut huge = valid.clone();
    huge["padding"] = json!("x".repeat(MAX_BODY_BYTES));
    let huge = huge.to_string().into_bytes();
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("application/json"),
            Some(huge.clone()),
        )
        .await;
    refused(
        &answer,
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        None,
    );
    let chunks = huge
        .chunks(64 * 1024)
        .map(|c| Ok::<_, std::io::Error>(c.to_vec()));
    // Streamed with no Content-Length, as a chunked upload is: the limit
    // must hold while reading, not only up front.
    let streamed =
        axum::body::Body::from_stream(futures_util::stream::iter(chunks.collect::<Vec<_>>()));
    let req = axum::http::Request::post(push)
        .header("authorization", format!("Bearer {ana}"))
        .header("content-type", "application/json")
        .body(streamed)
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    nothing_written("an oversized body").await;

    // Not JSON by its content type.
    let answer = t
        .raw(
            Method::POST,
            push,
            Some(&ana),
            Some("text/plain"),
            Some(text.clone().into_bytes()),
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
            push,
            Some(&ana),
            None,
            Some(text.into_bytes()),
        )
        .await;
    assert_eq!(answer.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    nothing_written("a non-JSON content type").await;

    // A change the rules refuse is answered, and the rest still stored.
    let mut too_long = anas.log(case);
    if let advocase_core::change::Op::Log { interaction } = &mut too_long.op {
        interaction.summary = "x".repeat(advocase_core::case::MAX_TEXT + 1);
    }
    let after = anas.log(case);
    let answer = t.push(&ana, &anas.batch([&too_long, &after])).await;
    assert_eq!(
        refusal(&answer.results[0].outcome),
        ("invalid", Some("op.interaction.summary"))
    );
    assert_eq!(stored(&answer.results[1].outcome), (2, false));
}
