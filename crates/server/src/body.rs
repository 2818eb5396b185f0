//! JSON request bodies: size-limited, and every way they can be wrong named
//! in the answer (415, 413, 400, 422 with the field), before anything is
//! written. Error messages never quote the body: it may hold PHI.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use http_body_util::LengthLimitError;
use serde::de::DeserializeOwned;

use crate::api::Failure;

/// Enough for a sign-in or an account; sync pushes ask for more.
pub const SMALL: usize = 64 * 1024;

/// A JSON body of at most `LIMIT` bytes, read as `T`.
pub struct JsonBody<T, const LIMIT: usize = SMALL>(pub T);

impl<S, T, const LIMIT: usize> FromRequest<S> for JsonBody<T, LIMIT>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Failure;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Failure> {
        if !is_json(&req) {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send JSON, with Content-Type: application/json.",
            ));
        }
        let too_large = || {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "The request is larger than the server accepts ({LIMIT} bytes): send fewer changes at a time."
                ),
            )
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > LIMIT as u64) {
            return Err(too_large());
        }
        let bytes = match axum::body::to_bytes(req.into_body(), LIMIT).await {
            Ok(bytes) => bytes,
            Err(e) => {
                let e = e.into_inner();
                if is_length_limit(&*e) {
                    return Err(too_large());
                }
                return Err(Failure::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_json",
                    "The request body could not be read.",
                ));
            }
        };
        parse(&bytes).map(JsonBody)
    }
}

/// A request body: JSON, or a form as a browser sends it.
pub enum Body {
    Json(Box<Request>),
    /// Every (name, value), in the form's order.
    Form(Vec<(String, String)>),
}

/// The fields of a `multipart/form-data` body (the desk pages' forms:
/// a report's notes, the Accounts page),
/// or the request untouched for the JSON reader.
pub async fn form_fields<S: Send + Sync>(req: Request, state: &S) -> Result<Body, Failure> {
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        return Ok(Body::Json(Box::new(req)));
    }
    let unreadable = || {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The form could not be read: send it again.",
        )
    };
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|_| unreadable())?;
    let mut fields = Vec::new();
    let mut size = 0;
    while let Some(field) = form.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        let value = field.text().await.map_err(|_| unreadable())?;
        size += name.len() + value.len();
        if size > 512 * 1024 {
            return Err(Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The form is larger than the server accepts.",
            ));
        }
        fields.push((name, value));
    }
    Ok(Body::Form(fields))
}

/// A desk page's markup, as the answer to its `GET` or its form.
pub fn html(body: String) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

/// A desk page's form, as (name, value) pairs: only a form is taken
/// here, JSON goes to the API's own path, `json_at`.
pub async fn page_form<S: Send + Sync>(
    req: Request,
    state: &S,
    json_at: &str,
) -> Result<Vec<(String, String)>, Failure> {
    match form_fields(req, state).await? {
        Body::Form(fields) => Ok(fields),
        Body::Json(_) => Err(Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Send the page's form as multipart/form-data (or JSON to {json_at})."),
        )),
    }
}

fn is_json(req: &Request) -> bool {
    let Some(value) = req.headers().get(header::CONTENT_TYPE) else {
        return false;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
}

fn is_length_limit(mut e: &(dyn std::error::Error + 'static)) -> bool {
    loop {
        if e.is::<LengthLimitError>() {
            return true;
        }
        match e.source() {
            Some(next) => e = next,
            None => return false,
        }
    }
}

/// Syntax errors are 400 (not JSON at all); JSON of the wrong shape is 422
/// naming where, e.g. `changes[0].op.type`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        (path, e.into_inner())
    });
    let value = value.and_then(|v| de.end().map(|()| v).map_err(|e| (".".into(), e)));
    value.map_err(|(path, inner)| match inner.classify() {
        serde_json::error::Category::Data => {
            let field = field_at(&path, &inner.to_string());
            let message = match &field {
                Some(f) => format!("The request has a wrong or missing value at {f}."),
                None => "The request does not have the expected shape.".to_owned(),
            };
            Failure(
                StatusCode::UNPROCESSABLE_ENTITY,
                advocase_core::api::ApiError {
                    error: "invalid_payload".into(),
                    message,
                    field,
                },
            )
        }
        _ => Failure::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "The request body is not valid JSON.",
        ),
    })
}

/// The field a data error is about: its path, and for a missing field the
/// field's own name (serde reports the object that lacks it). The message is
/// read only for that name, never returned: it can quote a value.
fn field_at(path: &str, message: &str) -> Option<String> {
    let missing = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    let path = (path != ".").then_some(path);
    match (path, missing) {
        (Some(p), Some(m)) => Some(format!("{p}.{m}")),
        (None, Some(m)) => Some(m.to_owned()),
        (p, None) => p.map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use advocase_core::sync::{LoginRequest, PushRequest};

    fn field_of<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> (StatusCode, Option<String>) {
        let Failure(status, e) = parse::<T>(json.as_bytes()).unwrap_err();
        (status, e.field)
    }

    #[test]
    fn wrong_shapes_name_the_field_and_broken_json_is_malformed() {
        let device = "0192f000-0000-7000-8000-000000000001";
        assert_eq!(
            field_of::<PushRequest>(&format!(
                r#"{{"device":"{device}","changes":[{{"op":{{"type":"explode"}}}}]}}"#
            )),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("changes[0].op.type".into())
            )
        );
        assert_eq!(
            field_of::<PushRequest>(&format!(r#"{{"device":"{device}","changes":7}}"#)),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("changes".into()))
        );
        assert_eq!(
            field_of::<LoginRequest>(r#"{"username":"ana"}"#),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password".into()))
        );
        assert_eq!(
            field_of::<LoginRequest>(r#"{"username":"ana","#),
            (StatusCode::BAD_REQUEST, None)
        );
        assert_eq!(
            field_of::<LoginRequest>(r#"{"username":"a","password":"b","device":null} x"#),
            (StatusCode::BAD_REQUEST, None)
        );
    }
}
