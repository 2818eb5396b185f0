//! The JSON API under `/api`. Every response here, error or not, is JSON.

use advocase_core::api::{ApiError, HealthReport};
use advocase_core::validation::Problems;
use axum::extract::{OriginalUri, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::{AppState, audit, auth, db, hospital, sync, templates, users};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .merge(auth::routes())
        .merge(users::routes())
        .merge(templates::routes())
        .merge(hospital::routes())
        .merge(crate::colleagues::routes())
        .merge(audit::routes())
        .merge(crate::directory::routes())
        .merge(crate::report::routes())
        .nest("/sync", sync::routes())
        .nest("/supplies", crate::supplies::routes())
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// An API error: a status code and the JSON body every client can read.
#[derive(Debug)]
pub struct Failure(pub StatusCode, pub ApiError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
    }
}

impl Failure {
    pub fn new(status: StatusCode, error: &str, message: impl Into<String>) -> Self {
        Failure(status, ApiError::new(error, message))
    }

    /// The same, naming the request field at fault.
    pub fn on(status: StatusCode, error: &str, field: &str, message: impl Into<String>) -> Self {
        Failure(
            status,
            ApiError {
                error: error.into(),
                message: message.into(),
                field: Some(field.into()),
            },
        )
    }

    /// A 422 for the first of `problems`, naming its field (the app checks
    /// the same rules and shows them all; this is for a client that did
    /// not); `fallback` if there is none.
    pub fn invalid(problems: Problems, fallback: &str) -> Self {
        match problems.0.into_iter().next() {
            Some(p) => Failure::on(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                &p.field,
                p.message,
            ),
            None => Failure::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", fallback),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// Something on our side; the details go to the log, not to the client.
    pub fn internal() -> Self {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server could not complete this request. Nothing was lost on your device; try again shortly.",
        )
    }
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        db::log_error("request failed", &e);
        Failure::internal()
    }
}

impl From<tokio::task::JoinError> for Failure {
    fn from(e: tokio::task::JoinError) -> Self {
        tracing::error!(error = %e, "background task failed");
        Failure::internal()
    }
}

async fn health(State(state): State<AppState>) -> (StatusCode, Json<HealthReport>) {
    let database = db::health(&state.db).await;
    let ok = database.status == "ok";
    let report = HealthReport {
        status: if ok { "ok" } else { "degraded" }.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database,
    };
    (
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        Json(report),
    )
}

async fn not_found(method: Method, OriginalUri(uri): OriginalUri) -> Failure {
    // Only the path: a query string could carry patient details.
    Failure(
        StatusCode::NOT_FOUND,
        ApiError::new(
            "not_found",
            format!("no API route for {method} {}", uri.path()),
        ),
    )
}

async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> Failure {
    Failure(
        StatusCode::METHOD_NOT_ALLOWED,
        ApiError::new(
            "method_not_allowed",
            format!("{method} is not allowed on {}", uri.path()),
        ),
    )
}
