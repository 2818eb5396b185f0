//! Calls to the Advocase server's JSON API. A failure says, in one
//! sentence for a person, what went wrong, and carries the HTTP status so
//! sync can tell "sign in again" from "try later" from "this batch is bad".

use advocase_core::api::{ApiError, HealthReport};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, RequestCache, RequestInit, Response};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No answer: offline, server down, connection cut mid-request.
    Unreachable,
    /// The server answered with an error.
    Refused { status: u16, error: ApiError },
}

impl Failure {
    pub fn status(&self) -> Option<u16> {
        match self {
            Failure::Unreachable => None,
            Failure::Refused { status, .. } => Some(*status),
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::Unreachable => "The server could not be reached.".into(),
            Failure::Refused { error, .. } => error.message.clone(),
        }
    }
}

pub async fn health() -> Result<HealthReport, String> {
    get(None, "/api/health").await.map_err(|f| f.message())
}

pub async fn get<T: DeserializeOwned>(token: Option<&str>, path: &str) -> Result<T, Failure> {
    call("GET", token, path, None).await
}

/// A `GET`'s answer read, and its text as it came: for a copy the device
/// keeps, stored as sent rather than written again (which would compile
/// the type's JSON writer into the client for that alone).
pub async fn get_kept<T: DeserializeOwned>(
    token: Option<&str>,
    path: &str,
) -> Result<(T, String), Failure> {
    let response = fetch("GET", token, path, None).await?;
    let text = text(&response).await?;
    Ok((decode(response.status(), &text)?, text))
}

pub async fn send<B: Serialize, T: DeserializeOwned>(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: &B,
) -> Result<T, Failure> {
    let json = serde_json::to_string(body).unwrap_or_default();
    call(method, token, path, Some(json)).await
}

async fn call<T: DeserializeOwned>(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<String>,
) -> Result<T, Failure> {
    let (status, text) = call_text(method, token, path, body).await?;
    decode(status, &text)
}

/// [`call`]'s request and answer, compiled once for every answer's type.
async fn call_text(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<String>,
) -> Result<(u16, String), Failure> {
    let body = body.map(|b| JsValue::from_str(&b));
    let response = fetch(method, token, path, body.as_ref().map(|b| (JSON, b))).await?;
    let status = response.status();
    Ok((status, text(&response).await?))
}

fn decode<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, Failure> {
    // 204: nothing to read; `()` reads from "null".
    let text = if text.is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|e| Failure::Refused {
        status,
        error: ApiError::new(
            "unreadable",
            format!("The server's answer could not be read ({e})."),
        ),
    })
}

pub async fn text(response: &Response) -> Result<String, Failure> {
    Ok(
        JsFuture::from(response.text().map_err(|_| Failure::Unreachable)?)
            .await
            .map_err(|_| Failure::Unreachable)?
            .as_string()
            .unwrap_or_default(),
    )
}

/// The request itself: a successful (2xx) response, body unread, or the
/// failure an error answer means. For answers that are not JSON (the
/// Access log's CSV, a report's page) and bodies that are a form's data.
pub async fn fetch(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<(&str, &JsValue)>,
) -> Result<Response, Failure> {
    let response = request(method, token, path, body).await?;
    if response.ok() {
        return Ok(response);
    }
    let status = response.status();
    let text = text(&response).await?;
    let error = serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| {
        ApiError::new("http", format!("The server answered with status {status}."))
    });
    // A proxy's or a dying server's 502/503/504 is "try later".
    if (502..=504).contains(&status) && error.error == "http" {
        return Err(Failure::Unreachable);
    }
    Err(Failure::Refused { status, error })
}

pub const JSON: &str = "application/json";

/// Any answer, as its status and text, for callers that read an error's
/// body themselves (the directory's 409 carries both sides of a clash, the
/// CSV import's 422 every bad row). `body` goes as it is under its content
/// type (a file the person chose is sent as its bytes). Only no answer at
/// all, or a proxy's "try later", is a failure.
pub async fn answer(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<(&str, &JsValue)>,
) -> Result<(u16, String), Failure> {
    let response = request(method, token, path, body).await?;
    let status = response.status();
    if (502..=504).contains(&status) {
        return Err(Failure::Unreachable);
    }
    Ok((status, text(&response).await?))
}

/// The request and any answer to it; only no answer is a failure.
async fn request(
    method: &str,
    token: Option<&str>,
    path: &str,
    body: Option<(&str, &JsValue)>,
) -> Result<Response, Failure> {
    let window = web_sys::window().ok_or(Failure::Unreachable)?;
    let init = RequestInit::new();
    init.set_method(method);
    init.set_cache(RequestCache::NoStore);
    let headers = Headers::new().map_err(|_| Failure::Unreachable)?;
    if let Some(t) = token {
        let _ = headers.set("Authorization", &format!("Bearer {t}"));
    }
    if let Some((content_type, body)) = body {
        // None for a form's data: the browser writes it with its boundary.
        if !content_type.is_empty() {
            let _ = headers.set("Content-Type", content_type);
        }
        init.set_body(body);
    }
    init.set_headers(&headers);
    JsFuture::from(window.fetch_with_str_and_init(path, &init))
        .await
        .map_err(|_| Failure::Unreachable)?
        .dyn_into()
        .map_err(|_| Failure::Unreachable)
}
