//! A period's data for other tools, streamed page by page so a year of a
//! large hospital never sits in memory:
//!
//! - `GET /api/report/cases.csv`: the cases received in the period;
//! - `GET /api/report/interactions.csv`: the interactions that took place
//!   in it (each as it stands now);
//! - `GET /api/report/fhir.json`: the cases received in the period as a FHIR
//!   R4 Bundle (docs/FHIR.md).
//!
//! Same query as the report (`from`, `to`, `unit`), same access: the cases
//! the reader may see. Each export is recorded when it starts, and each case
//! in it before the page holding it is sent: an export cut off halfway has
//! recorded what it sent, and nothing more than one page besides.

use std::sync::Arc;

use advocase_core::access::User;
use advocase_core::audit::{action, outcome};
use advocase_core::caseload::CaseFile;
use advocase_core::directory::UnitIndex;
use advocase_core::export::{csv, fhir};
use advocase_core::report::{CaseFacts, Period};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use futures_util::StreamExt;
use sqlx::Row;

use super::facts::Units;
use super::{Asked, local};
use crate::api::Failure;
use crate::audit::{Entry, record};
use crate::auth::CaseWorkerOn;
use crate::db::{self, Db};
use crate::directory::structure;
use crate::{AppState, now_ms};

/// Cases read per page.
pub const PAGE: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cases,
    Interactions,
    Fhir,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Cases => "cases CSV",
            Kind::Interactions => "interactions CSV",
            Kind::Fhir => "FHIR R4 bundle",
        }
    }

    /// Whether a case is in the export, from its facts alone (its state is
    /// read only if so).
    fn wants(
        self,
        f: &CaseFacts,
        period: &Period,
        local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime,
    ) -> bool {
        match self {
            Kind::Cases | Kind::Fhir => period.contains(f.received_on),
            Kind::Interactions => f.contacts.iter().any(|&(at, _, _)| {
                period.contains(local(advocase_core::report::facts::instant(at)).date())
            }),
        }
    }
}

pub async fn cases_csv(
    state: State<AppState>,
    session: CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    export(state, session, query, Kind::Cases).await
}

pub async fn interactions_csv(
    state: State<AppState>,
    session: CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    export(state, session, query, Kind::Interactions).await
}

pub async fn fhir(
    state: State<AppState>,
    session: CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    export(state, session, query, Kind::Fhir).await
}

/// What every page of one export shares.
struct Job {
    db: Db,
    user: User,
    device: Option<String>,
    units: Units,
    index: UnitIndex,
    period: Period,
    kind: Kind,
}

/// Where a stream of pages is: after which case, and (for FHIR) how many
/// entries the bundle has so far. `None` once the end was sent.
struct Cursor {
    after: String,
    bundle: Option<fhir::Bundle>,
}

async fn export(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    kind: Kind,
) -> Result<Response, Failure> {
    let asked = Asked::parse(query, &state)?;
    let structure = structure::newest(&state.db.pool).await?;
    let index = UnitIndex::new(&structure);
    let units = Units::new(structure, &asked.units);
    // Recorded first, so an export cut off halfway is still on record.
    let started = Entry::new(action::REPORT_EXPORTED, outcome::OK, &session.user.username)
        .device(session.device.clone())
        .detail(format!("{}; {}", kind.label(), asked.describe()));
    record(&state.db, &[started], now_ms()).await?;
    // Every push committed before the export was asked for is in it.
    crate::changes::projection::catch_up(&state.db).await?;
    let job = Arc::new(Job {
        db: state.db.clone(),
        user: session.user.clone(),
        device: session.device.clone(),
        units,
        index,
        period: asked.period,
        kind,
    });
    let local = local(&state);
    let head = match kind {
        Kind::Cases => format!("{}{}", csv::BOM, csv::line(csv::CASE_COLUMNS)),
        Kind::Interactions => format!("{}{}", csv::BOM, csv::line(csv::INTERACTION_COLUMNS)),
        Kind::Fhir => String::new(),
    };
    let (bundle, head) = match kind {
        Kind::Fhir => {
            let (b, text) = fhir::Bundle::open(super::fresh_id(), super::now());
            (Some(b), text)
        }
        _ => (None, head),
    };
    let first = futures_util::stream::iter([Ok::<_, sqlx::Error>(Bytes::from(head))]);
    let pages = futures_util::stream::unfold(
        Some(Cursor {
            after: String::new(),
            bundle,
        }),
        move |cursor| {
            let job = job.clone();
            let local = local.clone();
            async move {
                let mut cursor = cursor?;
                match page(&job, &mut cursor, &local).await {
                    Ok(Some(text)) => Some((Ok(Bytes::from(text)), Some(cursor))),
                    // The end: a bundle's closing, then nothing.
                    Ok(None) => cursor
                        .bundle
                        .as_ref()
                        .map(|b| (Ok(Bytes::from_static(b.close().as_bytes())), None)),
                    Err(e) => {
                        db::log_error("exporting a period", &e);
                        Some((Err(e), None))
                    }
                }
            }
        },
    );
    // Fused: the compression layer polls a body once more after its end.
    let body = first.chain(pages).fuse();
    let (name, mime) = match kind {
        Kind::Cases => ("cases.csv", "text/csv; charset=utf-8"),
        Kind::Interactions => ("interactions.csv", "text/csv; charset=utf-8"),
        Kind::Fhir => ("fhir.json", "application/fhir+json"),
    };
    let filename = format!(
        "attachment; filename=\"advocase-{}-{}-{name}\"",
        asked.period.from, asked.period.to
    );
    let mut res = Body::from_stream(body).into_response();
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    if let Ok(v) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// The next page's text (empty when none of its cases is in the export),
/// `None` at the end. Its cases are recorded before it is returned.
async fn page(
    job: &Job,
    cursor: &mut Cursor,
    local: &(impl Fn(DateTime<Utc>) -> NaiveDateTime + Clone + Send + 'static),
) -> Result<Option<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT case_id, unit, assignee, created_by, involved, facts, state FROM cases
         WHERE deleted = 0 AND state <> '' AND case_id > $1 ORDER BY case_id LIMIT $2",
    )
    .bind(&cursor.after)
    .bind(PAGE as i64)
    .fetch_all(&job.db.pool)
    .await?;
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    cursor.after = last.try_get("case_id")?;
    let mut chosen = Vec::new();
    for row in &rows {
        let holders = crate::changes::holders(row)?;
        if !crate::changes::may_see(&job.user, &holders, &job.index) {
            continue;
        }
        let Some(group) = job.units.group(&holders.0) else {
            continue;
        };
        let facts: String = row.try_get("facts")?;
        chosen.push((group, facts, row.try_get::<String, _>("state")?));
    }
    let (kind, period) = (job.kind, job.period);
    let mut bundle = cursor.bundle.take();
    let local = local.clone();
    let (text, ids, bundle) = tokio::task::spawn_blocking(move || {
        let mut text = String::new();
        let mut ids = Vec::new();
        for (unit, facts, state) in chosen {
            let facts: Option<CaseFacts> = decode("facts", &facts)?;
            if !facts.is_some_and(|f| kind.wants(&f, &period, &local)) {
                continue;
            }
            let file: CaseFile = decode("state", &state)?;
            ids.push(file.case.id);
            match kind {
                Kind::Cases => text.push_str(&csv::line(&csv::case_row(&file, &unit, &local))),
                Kind::Interactions => {
                    for row in csv::interaction_rows(&file, &unit, &period, &local) {
                        text.push_str(&csv::line(&row));
                    }
                }
                Kind::Fhir => {
                    let b = bundle.as_mut().expect("a FHIR export has its bundle");
                    for e in fhir::entries(&file, &unit) {
                        text.push_str(&b.entry(&e));
                    }
                }
            }
        }
        Ok::<_, sqlx::Error>((text, ids, bundle))
    })
    .await
    .map_err(|e| sqlx::Error::Protocol(format!("export page: {e}")))??;
    cursor.bundle = bundle;
    let entries: Vec<Entry> = ids
        .iter()
        .map(|id| {
            Entry::new(action::CASE_EXPORTED, outcome::OK, &job.user.username)
                .device(job.device.clone())
                .case(id)
                .detail(format!(
                    "{}; {} to {}",
                    kind.label(),
                    period.from,
                    period.to
                ))
        })
        .collect();
    record(&job.db, &entries, now_ms()).await?;
    Ok(Some(text))
}

fn decode<T: serde::de::DeserializeOwned>(column: &str, json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::ColumnDecode {
        index: column.into(),
        source: e.into(),
    })
}
