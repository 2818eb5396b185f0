//! The Access log, for administrators: who was shown or changed which
//! patient's case, when and on which device (the server's audit trail),
//! newest first, filtered by patient, user and dates, and exported as CSV.
//! A desk page (`desk.rs`) the server draws (`GET /api/audit/page`,
//! `advocase_core::audit::page`). Needs the network: the log is kept on the
//! server only (and each read of it is itself recorded there).

use advocase_core::access::Role;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::server::Failure;
use crate::views::desk::{self, Desk};

static ACCESS_LOG: Desk = Desk {
    title: "Access log",
    allowed: |role| role == Role::Admin,
    refused: "Only administrators read the access log.",
    path: "/api/audit/page",
    // Never kept on a device: it is read where it is written.
    keep: None,
    offline: "The access log needs the network: the server could not be reached. Try again when online.",
    first: None,
    answered: None,
    draft: None,
};

#[component]
pub fn AccessLog() -> AnyView {
    desk::page(&ACCESS_LOG)
}

/// Hands a CSV answer to the browser as a download named `file` (the
/// Access log's, the directory's).
pub async fn save_csv(response: web_sys::Response, file: &str) -> Result<(), Failure> {
    let blob = response.blob().map_err(|_| Failure::Unreachable)?;
    let blob: web_sys::Blob = wasm_bindgen_futures::JsFuture::from(blob)
        .await
        .map_err(|_| Failure::Unreachable)?
        .unchecked_into();
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Failure::Unreachable)?;
    if let Ok(a) = document().create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", file);
        if let Some(body) = document().body() {
            let _ = body.append_child(&a);
        }
        a.unchecked_ref::<web_sys::HtmlElement>().click();
        a.remove();
    }
    // After the download has started.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}
