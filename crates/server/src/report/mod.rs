//! Reports for managers (issue 15): `/api/report`.
//!
//! - `GET /api/report?from=2026-11-01&to=2026-11-30&unit=4B&unit=5W`: the
//!   report (`advocase_core::report::Report`) over the cases the reader may
//!   see in those units (every unit when none is named), computed from each
//!   case's facts (`facts.rs`) with the same code a device would run, with
//!   the notes managers kept with it. Recorded in the audit trail: the
//!   report, and each case it names by patient.
//! - `notes.rs`: patient days per unit and month (managers enter them), and
//!   the notes kept with a report (dismissed suggestions, recommendations).
//! - `export.rs`: the period's cases and interactions as CSV, and a FHIR R4
//!   Bundle, streamed.
//!
//! Coordinators get the same report over the cases they may see;
//! administrators see no patient data (403).

pub mod export;
pub mod facts;
pub mod notes;

use std::collections::BTreeSet;

use advocase_core::access::Role;
use advocase_core::audit::{action, outcome};
use advocase_core::report::{self, Params, Period, Report};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::api::Failure;
use crate::audit::{Entry, record};
use crate::auth::{CaseWorkerOn, OnDevice};
use crate::directory::structure;
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/report", get(read))
        .route("/report/page", get(page))
        .route(
            "/report/patient-days",
            get(notes::patient_days).put(notes::save_patient_days),
        )
        .route("/report/notes", post(notes::save_note))
        .route("/report/cases.csv", get(export::cases_csv))
        .route("/report/interactions.csv", get(export::interactions_csv))
        .route("/report/fhir.json", get(export::fhir))
}

/// A request's period and units, from its query string.
#[derive(Debug, Clone)]
pub struct Asked {
    pub period: Period,
    pub units: Vec<String>,
}

fn bad(field: &str, message: &str) -> Failure {
    Failure::on(StatusCode::BAD_REQUEST, "bad_request", field, message)
}

impl Asked {
    /// `from` and `to` (both), or `month` (`2026-11`), or neither for this
    /// month in the hospital's zone; and any number of `unit`.
    pub fn parse(
        query: Result<Query<Vec<(String, String)>>, QueryRejection>,
        state: &AppState,
    ) -> Result<Asked, Failure> {
        let Query(pairs) =
            query.map_err(|_| bad("query", "The query string could not be read."))?;
        let (mut from, mut to, mut month, mut units) = (None, None, None, Vec::new());
        for (key, value) in pairs {
            // A form's empty field is a field not given.
            if value.trim().is_empty() {
                continue;
            }
            let date = |field: &str| {
                advocase_core::dates::parse_iso(value.trim())
                    .ok_or_else(|| bad(field, "Give the date as 2026-11-01."))
            };
            match key.as_str() {
                "from" => from = Some(date("from")?),
                "to" => to = Some(date("to")?),
                "month" => {
                    let first = advocase_core::dates::parse_iso(&format!("{}-01", value.trim()));
                    month = Some(first.ok_or_else(|| bad("month", "Give the month as 2026-11."))?);
                }
                "unit" => units.push(value.trim().to_owned()),
                _ => {}
            }
        }
        let period = match (from, to) {
            (Some(from), Some(to)) => Period::new(from, to).map_err(|m| bad("to", m))?,
            (None, None) => Period::month_of(month.unwrap_or_else(|| local(state)(now()).date())),
            (None, Some(_)) => return Err(bad("from", "Give the first day too.")),
            (Some(_), None) => return Err(bad("to", "Give the last day too.")),
        };
        Ok(Asked { period, units })
    }

    /// For the audit trail: the period and units, never a patient.
    pub fn describe(&self) -> String {
        let units = if self.units.is_empty() {
            "all units".to_owned()
        } else {
            format!("units {}", self.units.join(", "))
        };
        format!("{} to {}; {units}", self.period.from, self.period.to)
    }
}

/// Now, from the server's clock (chrono has no clock here: `now_ms`).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(now_ms() as i64).unwrap_or_default()
}

/// Local wall time in the hospital's zone.
pub fn local(state: &AppState) -> impl Fn(DateTime<Utc>) -> NaiveDateTime + Send + Clone + 'static {
    let zone = state.time_zone;
    move |t: DateTime<Utc>| t.with_timezone(&zone).naive_local()
}

async fn read(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Report>, Failure> {
    let asked = Asked::parse(query, &state)?;
    let structure = structure::newest(&state.db.pool).await?;
    Ok(Json(computed(&state, &session, &asked, structure).await?))
}

/// The report drawn as a page (`core::report::page`), for the app to
/// show, print and keep: HTML, not JSON, since that is all the app does
/// with it.
async fn page(
    State(state): State<AppState>,
    CaseWorkerOn(session): CaseWorkerOn,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let asked = Asked::parse(query, &state)?;
    // Read once: the report's units, and the page's own choice of units.
    let structure = structure::newest(&state.db.pool).await?;
    let units: Vec<String> = structure
        .units
        .iter()
        .filter(|u| !u.retired)
        .map(|u| u.name.clone())
        .collect();
    let report = computed(&state, &session, &asked, structure).await?;
    let local = local(&state);
    let manager = session.user.role == Role::Manager;
    let html = tokio::task::spawn_blocking(move || {
        report::page::render(
            &report,
            &report::page::Reader {
                manager,
                local: &local,
                units: &units,
                fresh: fresh_id(),
            },
        )
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The report the reader asked for, recorded in the audit trail with the
/// cases it names before it is handed out.
async fn computed(
    state: &AppState,
    session: &OnDevice,
    asked: &Asked,
    structure: advocase_core::directory::Structure,
) -> Result<Report, Failure> {
    let started = std::time::Instant::now();
    let units = facts::Units::new(structure, &asked.units);
    let names = units.names(&asked.units);
    let cases = facts::visible(&state.db, &session.user, &units).await?;
    let read_ms = started.elapsed().as_millis() as u64;
    let patient_days = notes::patient_days_for(&state.db, &asked.period, units.structure()).await?;
    let key = report::report_key(&asked.period, &names);
    let kept = notes::kept(&state.db, &key).await?;
    let local = local(state);
    let windows = state.escalation;
    let period = asked.period;
    let (report, cases) = tokio::task::spawn_blocking(move || {
        let refs: Vec<(&str, &report::CaseFacts)> =
            cases.iter().map(|(u, f)| (u.as_str(), f)).collect();
        let report = report::compute(
            &refs,
            &Params {
                period,
                units: names,
                now: now(),
                response_days: advocase_core::reference::DEFAULT_GRIEVANCE_RESPONSE_DAYS,
                windows,
                local: &local,
                patient_days: &patient_days,
            },
        );
        Ok::<_, sqlx::Error>((report, cases.len()))
    })
    .await??;
    let computed_ms = started.elapsed().as_millis() as u64;
    let mut report = report;
    report.supplies = supplies(state, &session.user, &asked.units, asked.period).await?;
    report.dismissed = kept.dismissed;
    report.recommendations = kept.recommendations;
    // Recorded before it is answered: the report, and every case it names.
    let user = &session.user.username;
    let mut named = BTreeSet::new();
    for c in report
        .current
        .late
        .iter()
        .map(|l| &l.case)
        .chain(&report.current.reopened)
        .chain(report.suggestions.iter().flat_map(|s| &s.cases))
    {
        named.insert(c.id);
    }
    let mut entries = vec![
        Entry::new(action::REPORT_VIEWED, outcome::OK, user)
            .device(session.device.clone())
            .detail(format!("{}; {cases} cases", asked.describe())),
    ];
    entries.extend(named.iter().map(|id| {
        Entry::new(action::CASE_REPORTED, outcome::OK, user)
            .device(session.device.clone())
            .case(id)
            .detail(format!("named in the report of {}", asked.describe()))
    }));
    record(&state.db, &entries, now_ms()).await?;
    // Figures only: no period or unit (a unit's name says little, but
    // the log is no place for what managers look at).
    tracing::info!(
        cases,
        named = named.len(),
        read_ms,
        computed_ms,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "report computed"
    );
    Ok(report)
}

/// The ward supplies of the units asked for (all the reader sees when
/// none), in the hospital's calendar days: each unit that keeps a list.
async fn supplies(
    state: &AppState,
    user: &advocase_core::access::User,
    asked: &[String],
    period: report::Period,
) -> Result<Vec<advocase_core::supplies::history::UnitFigures>, Failure> {
    use chrono::{Offset, TimeZone};
    let wanted = (!asked.is_empty()).then_some(asked);
    let books = crate::supplies::lists::books(&state.db, wanted).await?;
    let units = {
        let mut conn = state.db.pool.acquire().await?;
        crate::directory::structure::unit_index(&mut *conn).await?
    };
    let zone = state.time_zone;
    let offset = move |at: DateTime<Utc>| {
        zone.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
            / 60
    };
    Ok(books
        .iter()
        .filter(|(unit, book)| {
            !book.items.is_empty() && advocase_core::supplies::wire::sees(user, unit, &units)
        })
        .map(|(unit, book)| {
            advocase_core::supplies::history::figures(unit, book, period.from, period.to, offset)
        })
        .collect())
}

/// A new id made here (UUIDv7, the OS's random source).
pub fn fresh_id() -> advocase_core::id::Id {
    let mut b = [0u8; 10];
    crate::secrets::fill_random(&mut b);
    advocase_core::id::Id::new_v7(now_ms(), b)
}
