//! The sync endpoints under `/api/sync`: push, pull and a case's history,
//! for coordinators and managers (administrators see no patient data), and
//! the live channel (`live.rs`) that tells devices when to pull.
//!
//! A malformed or oversized request is refused whole, before anything is
//! written; a change the rules refuse is answered as refused and the rest
//! of its batch still stored.

use advocase_core::id::Id;
use advocase_core::sync::{
    CaseHistory, MAX_BATCH, MAX_BODY_BYTES, MAX_PULL_PAGE, PULL_PAGE, PushRequest, PushResponse,
};
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};

use crate::api::Failure;
use crate::audit::{self, Entry, action, outcome};
use crate::auth::{CaseWorker, CaseWorkerOn};
use crate::body::JsonBody;
use crate::changes::{self, History};
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/push", post(push))
        .route("/pull", get(pull))
        .route("/cases/{id}", get(history))
        .merge(crate::live::routes())
}

async fn push(
    State(state): State<AppState>,
    CaseWorker(user): CaseWorker,
    JsonBody(req): JsonBody<PushRequest, MAX_BODY_BYTES>,
) -> Result<Json<PushResponse>, Failure> {
    whole_batch(req.device, req.changes.iter().map(|c| c.device))?;
    let device = req.device;
    let pushed = changes::push_detailed(&state.db, &user, req, now_ms()).await?;
    // Committed: the streams that may see it pull now (not this device's).
    if let Some(stored) = &pushed.stored {
        state.live.stored(device, stored);
    }
    Ok(Json(pushed.response))
}

/// Refuses a push whole, before anything is written, that is too large or
/// speaks for another device than `device` (`devices`: its changes' own,
/// in order). Case and supply pushes alike.
pub(crate) fn whole_batch(
    device: Id,
    mut devices: impl ExactSizeIterator<Item = Id>,
) -> Result<(), Failure> {
    if devices.len() > MAX_BATCH {
        return Err(Failure::on(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "changes",
            format!("At most {MAX_BATCH} changes per request: send the rest in the next one."),
        ));
    }
    // The ledger is keyed by each change's own device: a request speaking
    // for two devices is a broken client, not something to half-store.
    if let Some(i) = devices.position(|d| d != device) {
        return Err(Failure::on(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            &format!("changes[{i}].device"),
            "Every change of a push must come from the device sending it.",
        ));
    }
    Ok(())
}

/// What a pull asks for: after which `server_seq`, how many at most, and
/// the asking device's own changes it holds (`device` and `own_from`, both
/// or neither: its changes numbered from `own_from` on are not sent back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PullParams {
    pub after: u64,
    pub limit: usize,
    pub own: Option<(Id, u64)>,
}

/// The pull's parameters from the query string. A bad value is named but
/// never echoed: query strings end up in places bodies do not.
pub(crate) fn pull_params(query: Option<&str>) -> Result<PullParams, Failure> {
    let mut after = 0u64;
    let mut limit = PULL_PAGE;
    let (mut device, mut own_from) = (None, None);
    for pair in query.unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "after" => {
                after = value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| i64::try_from(*n).is_ok())
                    .ok_or_else(|| {
                        bad_param("after", "after must be a whole number, 0 or more.")
                    })?;
            }
            "limit" => {
                let n = value.parse::<usize>().ok().filter(|n| *n >= 1);
                let n = n.ok_or_else(|| {
                    bad_param("limit", "limit must be a whole number, 1 or more.")
                })?;
                // More than a page is not an error: the answer says `more`.
                limit = n.min(MAX_PULL_PAGE);
            }
            "device" => {
                device = Some(value.parse::<Id>().map_err(|_| {
                    bad_param("device", "device must be the device's id (a UUID).")
                })?);
            }
            "own_from" => {
                own_from = Some(
                    value
                        .parse::<u64>()
                        .ok()
                        .filter(|n| i64::try_from(*n).is_ok())
                        .ok_or_else(|| {
                            bad_param("own_from", "own_from must be a whole number, 0 or more.")
                        })?,
                );
            }
            _ => {}
        }
    }
    let own = match (device, own_from) {
        (Some(d), Some(n)) => Some((d, n)),
        (None, None) => None,
        (None, Some(_)) => return Err(bad_param("device", "own_from needs the device's id.")),
        (Some(_), None) => return Err(bad_param("own_from", "device needs own_from.")),
    };
    Ok(PullParams { after, limit, own })
}

fn bad_param(name: &str, message: &str) -> Failure {
    Failure::on(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        name,
        message,
    )
}

async fn pull(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    RawQuery(query): RawQuery,
) -> Result<Response, Failure> {
    let params = pull_params(query.as_deref())?;
    let page = changes::pull(&state.db, &session.user, &params).await?;
    let rows = delivered(&session, &page);
    // Recorded before it is answered: no case leaves unrecorded. The page is
    // encoded meanwhile on a blocking thread (the audit rows' insert is
    // mostly waiting on the database), so the trail costs a pull about
    // half what it would one after the other; the body is sent only once
    // the rows are committed.
    let encoded = tokio::task::spawn_blocking(move || page.to_json());
    let (recorded, encoded) = tokio::join!(audit::record(&state.db, &rows, now_ms()), encoded);
    recorded?;
    let body = encoded?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// One audit row per case with changes in the page, in the order they
/// first appear: which changes (by server_seq) it was shown.
fn delivered(session: &crate::auth::OnDevice, page: &changes::StoredPage) -> Vec<Entry> {
    page.sent
        .iter()
        .map(|&(case_id, n, lo, hi)| {
            let detail = if n == 1 {
                format!("1 change (server_seq {lo})")
            } else {
                format!("{n} changes (server_seq {lo} to {hi})")
            };
            Entry::new(action::CASE_PULLED, outcome::OK, &session.user.username)
                .device(session.device.clone())
                .case(case_id)
                .detail(detail)
        })
        .collect()
}

async fn history(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    Path(id): Path<String>,
) -> Result<Json<CaseHistory>, Failure> {
    let id: Id = id
        .parse()
        .map_err(|_| bad_param("id", "A case id is a UUID."))?;
    let history = changes::history(&state.db, &session.user, id).await?;
    let (result, detail) = match history {
        History::Changes(changes) => {
            let n = changes.len();
            (Ok(Json(CaseHistory { changes })), format!("{n} changes"))
        }
        History::Forbidden => (
            Err(Failure::forbidden(
                "This case belongs to a unit you do not cover and is not assigned to you.",
            )),
            "not allowed: another unit's case, not assigned to them".to_owned(),
        ),
        History::Unknown => (
            Err(Failure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "The server holds no case with this id.",
            )),
            "no such case".to_owned(),
        ),
    };
    let entry = Entry::new(
        action::CASE_HISTORY,
        if result.is_ok() {
            outcome::OK
        } else {
            outcome::REFUSED
        },
        &session.user.username,
    )
    .device(session.device.clone())
    .case(id)
    .detail(detail);
    audit::record(&state.db, &[entry], now_ms()).await?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_parameters_default_clamp_and_are_named_when_wrong() {
        let got = |q| {
            let p = pull_params(q).unwrap();
            (p.after, p.limit)
        };
        assert_eq!(got(None), (0, PULL_PAGE));
        assert_eq!(got(Some("after=7&limit=2")), (7, 2));
        assert_eq!(got(Some("limit=999999")), (0, MAX_PULL_PAGE));
        let device = "0190a0b0-0000-7000-8000-000000000001";
        let own = pull_params(Some(&format!("device={device}&own_from=12&after=3")))
            .unwrap()
            .own;
        assert_eq!(own, Some((device.parse().unwrap(), 12)));
        assert_eq!(pull_params(Some("after=3")).unwrap().own, None);
        for (query, field) in [
            ("after=-1", "after"),
            ("after=x", "after"),
            ("after=18446744073709551615", "after"),
            ("limit=0", "limit"),
            ("after=1&limit=two", "limit"),
        ] {
            let Failure(status, e) = pull_params(Some(query)).unwrap_err();
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(e.field.as_deref(), Some(field), "{query}");
            assert!(!e.message.contains("two"), "values are never echoed");
        }
    }
}
