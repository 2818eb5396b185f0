//! The JSON API under `/api`. Every response here, error or not, is JSON.

use advocase_core::api::{ApiError, HealthReport};
use axum::extract::{OriginalUri, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

use crate::{AppState, db};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
}

/// An API error: a status code and the JSON body every client can read.
pub struct Failure(pub StatusCode, pub ApiError);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, Json(self.1)).into_response()
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
