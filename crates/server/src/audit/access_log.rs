//! The Access log, administrators only: `GET /api/audit` (newest first, a
//! page at a time) and `GET /api/audit.csv` (every matching row, streamed).
//!
//! Filters, all optional and combined: `patient` (part of the name or MRN,
//! any case, through `case_patients`), `user` (exactly that username),
//! `from` / `to` (a date `2026-03-01`, a whole day in the hospital's zone,
//! `--time-zone`, the same for the page, the JSON and the CSV; or an RFC
//! 3339 instant; both ends included; on `at`, when it happened), `before` (a seq:
//! the cursor for older rows) and `limit` (at most 200). Values are never
//! echoed in errors. Reading the log is itself recorded (`audit_viewed`,
//! `audit_exported`), naming which filters were used but never a patient
//! search's text.

use advocase_core::access::Role;
use advocase_core::audit::{AUDIT_PAGE, AuditPage, AuditRow, action, outcome, page};
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Entry, append_locked, lock_head, rfc3339};
use crate::api::Failure;
use crate::auth::OnDevice;
use crate::db::{self, Db};
use crate::{AppState, now_ms};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/audit", get(json_page))
        .route("/audit/page", get(drawn))
        .route("/audit.csv", get(export))
}

/// A signed-in administrator, on their session's device.
pub struct Auditor(pub OnDevice);

impl FromRequestParts<AppState> for Auditor {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let session = OnDevice::from_request_parts(parts, state).await?;
        if session.user.role != Role::Admin {
            return Err(Failure::forbidden(
                "Only an administrator can read the access log.",
            ));
        }
        Ok(Auditor(session))
    }
}

/// Which rows: see the module's comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub patient: Option<String>,
    pub user: Option<String>,
    /// `at >= from` (canonical RFC 3339).
    pub from: Option<String>,
    /// `at < until` (canonical RFC 3339): the day after a `to` date, or a
    /// millisecond after a `to` instant.
    pub until: Option<String>,
    /// `seq < before`.
    pub before: Option<i64>,
    pub limit: usize,
}

fn bad(name: &str, message: &str) -> Failure {
    Failure::on(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_parameter",
        name,
        message,
    )
}

/// A date (that day's first instant in the hospital's zone) or an RFC 3339
/// instant.
fn instant(value: &str, zone: chrono_tz::Tz) -> Option<(DateTime<Utc>, bool)> {
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some((day_start(day, zone)?, true));
    }
    let at = DateTime::parse_from_rfc3339(value).ok()?;
    Some((at.with_timezone(&Utc), false))
}

/// The first instant of `day` in `zone` (the earliest, if a clock change
/// makes midnight happen twice or not at all).
fn day_start(day: NaiveDate, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let at = day
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(zone)
        .earliest();
    // Midnight skipped by a spring change: the day starts an hour later.
    let at = at.or_else(|| {
        day.and_hms_opt(1, 0, 0)?
            .and_local_timezone(zone)
            .earliest()
    })?;
    Some(at.with_timezone(&Utc))
}

impl Filter {
    /// `zone`: the hospital's (`--time-zone`), in which a date is a day.
    pub fn parse(pairs: &[(String, String)], zone: chrono_tz::Tz) -> Result<Self, Failure> {
        let mut f = Filter {
            limit: AUDIT_PAGE,
            ..Filter::default()
        };
        let when = "Give a date (2026-03-01) or a time (2026-03-01T08:30:00Z).";
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match name.as_str() {
                "patient" => f.patient = Some(value.to_owned()),
                "user" => f.user = Some(value.to_ascii_lowercase()),
                "from" => {
                    let (at, _) = instant(value, zone).ok_or_else(|| bad("from", when))?;
                    f.from = Some(rfc3339(at));
                }
                "to" => {
                    let (at, day) = instant(value, zone).ok_or_else(|| bad("to", when))?;
                    let end = if day {
                        // The next day's start there, not 24 hours on: a
                        // day of a clock change has 23 or 25.
                        NaiveDate::parse_from_str(value, "%Y-%m-%d")
                            .ok()
                            .and_then(|d| d.succ_opt())
                            .and_then(|d| day_start(d, zone))
                    } else {
                        at.checked_add_signed(chrono::TimeDelta::milliseconds(1))
                    };
                    f.until = Some(rfc3339(end.ok_or_else(|| bad("to", when))?));
                }
                "before" => {
                    let n = value.parse::<i64>().ok().filter(|n| *n >= 1);
                    f.before =
                        Some(n.ok_or_else(|| bad("before", "before is a row number, 1 or more."))?);
                }
                "limit" => {
                    let n = value.parse::<usize>().ok().filter(|n| *n >= 1);
                    let n = n.ok_or_else(|| bad("limit", "limit is a whole number, 1 or more."))?;
                    f.limit = n.min(AUDIT_PAGE);
                }
                _ => {}
            }
        }
        Ok(f)
    }

    /// For the audit row of a read: which filters, never a patient's text.
    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.patient.is_some() {
            parts.push("patient (search text not kept)".to_owned());
        }
        if let Some(u) = &self.user {
            parts.push(format!("user {u}"));
        }
        if let Some(from) = &self.from {
            parts.push(format!("from {from}"));
        }
        if let Some(until) = &self.until {
            parts.push(format!("until {until}"));
        }
        if let Some(b) = self.before {
            parts.push(format!("before seq {b}"));
        }
        if parts.is_empty() {
            "no filters".into()
        } else {
            format!("filters: {}", parts.join(", "))
        }
    }
}

enum Param {
    Text(String),
    Int(i64),
}

/// Which direction and where to start.
#[derive(Clone, Copy)]
enum Order {
    /// Newest first, `seq < bound` if given.
    Newest,
    /// Oldest first, `seq > after` and `seq < upto`.
    Oldest { after: i64, upto: i64 },
}

async fn fetch(
    db: &Db,
    filter: &Filter,
    order: Order,
    limit: usize,
) -> Result<Vec<AnyRow>, sqlx::Error> {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    fn param(p: Param, params: &mut Vec<Param>) -> String {
        params.push(p);
        format!("${}", params.len())
    }
    match order {
        Order::Newest => {
            if let Some(b) = filter.before {
                clauses.push(format!("a.seq < {}", param(Param::Int(b), &mut params)));
            }
        }
        Order::Oldest { after, upto } => {
            clauses.push(format!("a.seq > {}", param(Param::Int(after), &mut params)));
            clauses.push(format!("a.seq < {}", param(Param::Int(upto), &mut params)));
        }
    }
    if let Some(u) = &filter.user {
        clauses.push(format!(
            "a.username = {}",
            param(Param::Text(u.clone()), &mut params)
        ));
    }
    if let Some(from) = &filter.from {
        clauses.push(format!(
            "a.at >= {}",
            param(Param::Text(from.clone()), &mut params)
        ));
    }
    if let Some(until) = &filter.until {
        clauses.push(format!(
            "a.at < {}",
            param(Param::Text(until.clone()), &mut params)
        ));
    }
    if let Some(patient) = &filter.patient {
        let p = param(
            Param::Text(super::patients::contains_pattern(patient)),
            &mut params,
        );
        clauses.push(format!(
            "a.case_id IN (SELECT case_id FROM case_patients WHERE name_folded LIKE {p} ESCAPE '\\' OR mrn_folded LIKE {p} ESCAPE '\\')"
        ));
    }
    let limit_param = param(Param::Int(limit as i64), &mut params);
    let sql = format!(
        "SELECT a.seq, a.at, a.recorded_at, a.username, a.device, a.case_id, a.action, a.outcome,
             a.detail, a.hash, p.patient_name, p.mrn
         FROM audit a LEFT JOIN case_patients p ON p.case_id = a.case_id
         {} ORDER BY a.seq {} LIMIT {limit_param}",
        if clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", clauses.join(" AND "))
        },
        match order {
            Order::Newest => "DESC",
            Order::Oldest { .. } => "ASC",
        }
    );
    let mut q = sqlx::query(&sql);
    for p in params {
        q = match p {
            Param::Text(t) => q.bind(t),
            Param::Int(n) => q.bind(n),
        };
    }
    q.fetch_all(&db.pool).await
}

fn time(text: &str) -> DateTime<Utc> {
    // Written by the server in one format; anything else (a hand-edited
    // row) still shows, at the epoch, rather than hiding the log.
    DateTime::parse_from_rfc3339(text)
        .map_or_else(|_| DateTime::default(), |t| t.with_timezone(&Utc))
}

fn to_row(row: &AnyRow) -> Result<AuditRow, sqlx::Error> {
    let seq: i64 = row.try_get("seq")?;
    Ok(AuditRow {
        seq: seq as u64,
        at: time(&row.try_get::<String, _>("at")?),
        recorded_at: time(&row.try_get::<String, _>("recorded_at")?),
        username: row.try_get("username")?,
        device: row.try_get("device")?,
        case_id: row.try_get("case_id")?,
        action: row.try_get("action")?,
        outcome: row.try_get("outcome")?,
        detail: row.try_get("detail")?,
        patient_name: row.try_get("patient_name")?,
        mrn: row.try_get("mrn")?,
    })
}

/// Records a read of the log: the seq of its row.
async fn record_read(db: &Db, entry: Entry) -> Result<i64, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let mut head = lock_head(&mut tx).await?;
    append_locked(&mut tx, &mut head, &[entry], now_ms()).await?;
    tx.commit().await?;
    Ok(head.seq)
}

fn filter_from(
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
    state: &AppState,
) -> Result<Filter, Failure> {
    // Only a query string that is not valid percent-encoded UTF-8 fails here.
    let Query(pairs) = query.map_err(|_| bad("query", "The query string could not be read."))?;
    Filter::parse(&pairs, state.time_zone)
}

/// The newest `n` rows `filter` matches, and whether older ones do too;
/// the read recorded (`audit_viewed`) before they are handed out.
async fn newest(
    db: &Db,
    session: &OnDevice,
    filter: &Filter,
    n: usize,
) -> Result<(Vec<AuditRow>, bool), Failure> {
    let rows = fetch(db, filter, Order::Newest, n + 1).await?;
    let more = rows.len() > n;
    let rows = rows[..rows.len().min(n)]
        .iter()
        .map(to_row)
        .collect::<Result<Vec<_>, _>>()?;
    let entry = Entry::new(action::AUDIT_VIEWED, outcome::OK, &session.user.username)
        .device(session.device.clone())
        .detail(format!("{}; {} rows shown", filter.describe(), rows.len()));
    record_read(db, entry).await?;
    Ok((rows, more))
}

async fn json_page(
    State(state): State<AppState>,
    Auditor(session): Auditor,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<AuditPage>, Failure> {
    let filter = filter_from(query, &state)?;
    let (rows, more) = newest(&state.db, &session, &filter, filter.limit).await?;
    let next_before = if more {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(Json(AuditPage { rows, next_before }))
}

/// `GET /api/audit/page`: the Access log drawn as the app shows it
/// (`advocase_core::audit::page`). The same filters, except that `shown`
/// (200, 400… up to `MOST_SHOWN`) replaces `before` and `limit`.
async fn drawn(
    State(state): State<AppState>,
    Auditor(session): Auditor,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let Query(pairs) = query.map_err(|_| bad("query", "The query string could not be read."))?;
    let mut asked = page::Asked {
        shown: AUDIT_PAGE,
        ..page::Asked::default()
    };
    let mut filters = Vec::new();
    for (name, value) in pairs {
        let trimmed = value.trim().to_owned();
        match name.as_str() {
            "patient" => asked.patient = trimmed.clone(),
            "user" => asked.user = trimmed.clone(),
            "from" => asked.from = trimmed.clone(),
            "to" => asked.to = trimmed.clone(),
            "shown" => {
                asked.shown = trimmed
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| bad("shown", "shown is a whole number, 1 or more."))?
                    .min(page::MOST_SHOWN);
                continue;
            }
            _ => continue,
        }
        filters.push((name, trimmed));
    }
    let filter = Filter::parse(&filters, state.time_zone)?;
    let (rows, more) = newest(&state.db, &session, &filter, asked.shown).await?;
    let local = crate::report::local(&state);
    let html = page::render(&rows, more, &asked, &local);
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// Rows per query of an export.
const EXPORT_PAGE: usize = 1000;

const CSV_HEADER: &str =
    "seq,at,recorded_at,username,device,case_id,patient_name,mrn,action,outcome,detail,hash\r\n";

fn csv_line(row: &AnyRow) -> Result<(i64, String), sqlx::Error> {
    let seq: i64 = row.try_get("seq")?;
    let text = |c: &str| row.try_get::<String, _>(c);
    let maybe = |c: &str| {
        row.try_get::<Option<String>, _>(c)
            .map(Option::unwrap_or_default)
    };
    let fields = [
        seq.to_string(),
        text("at")?,
        text("recorded_at")?,
        text("username")?,
        maybe("device")?,
        maybe("case_id")?,
        maybe("patient_name")?,
        maybe("mrn")?,
        text("action")?,
        text("outcome")?,
        text("detail")?,
        text("hash")?,
    ];
    Ok((seq, advocase_core::export::csv::line(&fields)))
}

async fn export(
    State(state): State<AppState>,
    Auditor(session): Auditor,
    query: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, Failure> {
    let filter = filter_from(query, &state)?;
    // Recorded first, so an export cut off halfway is still on record; it
    // covers the rows before its own.
    let entry = Entry::new(action::AUDIT_EXPORTED, outcome::OK, &session.user.username)
        .device(session.device.clone())
        .detail(format!("{}; CSV, oldest first", filter.describe()));
    let own = record_read(&state.db, entry).await?;
    let upto = filter.before.map_or(own, |b| b.min(own));
    let db = state.db.clone();
    let first = Ok::<_, sqlx::Error>(Bytes::from_static(CSV_HEADER.as_bytes()));
    let pages = futures_util::stream::unfold(Some(0i64), move |after| {
        let db = db.clone();
        let filter = filter.clone();
        async move {
            let after = after?;
            let order = Order::Oldest { after, upto };
            let rows = match fetch(&db, &filter, order, EXPORT_PAGE).await {
                Ok(rows) => rows,
                Err(e) => {
                    db::log_error("exporting the audit trail", &e);
                    return Some((Err(e), None));
                }
            };
            if rows.is_empty() {
                return None;
            }
            let mut chunk = String::new();
            let mut last = after;
            for row in &rows {
                match csv_line(row) {
                    Ok((seq, line)) => {
                        last = seq;
                        chunk.push_str(&line);
                    }
                    Err(e) => return Some((Err(e), None)),
                }
            }
            let next = (rows.len() == EXPORT_PAGE).then_some(last);
            Some((Ok(Bytes::from(chunk)), next))
        }
    });
    // Fused: the compression layer polls a body once more after its end,
    // which an unfused `unfold` answers with a panic.
    let body = futures_util::stream::StreamExt::fuse(futures_util::stream::StreamExt::chain(
        futures_util::stream::iter([first]),
        pages,
    ));
    let filename = format!(
        "attachment; filename=\"advocase-access-log-{}.csv\"",
        &super::timestamp(now_ms())[..10]
    );
    let mut res = Body::from_stream(body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&filename) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn filters_read_dates_and_instants_and_name_what_is_wrong() {
        let f = Filter::parse(
            &pairs(&[
                ("patient", " José "),
                ("user", "Ana"),
                ("from", "2026-03-01"),
                ("to", "2026-03-02"),
                ("before", "40"),
                ("limit", "5000"),
            ]),
            Tz::UTC,
        )
        .unwrap();
        assert_eq!(f.patient.as_deref(), Some("José"));
        assert_eq!(f.user.as_deref(), Some("ana"));
        assert_eq!(f.from.as_deref(), Some("2026-03-01T00:00:00.000Z"));
        assert_eq!(f.until.as_deref(), Some("2026-03-03T00:00:00.000Z"));
        assert_eq!((f.before, f.limit), (Some(40), AUDIT_PAGE));
        let f = Filter::parse(&pairs(&[("to", "2026-03-02T10:00:00+02:00")]), Tz::UTC).unwrap();
        assert_eq!(f.until.as_deref(), Some("2026-03-02T08:00:00.001Z"));
        assert!(!f.describe().contains("José"));
        for (name, value) in [("from", "yesterday"), ("before", "0"), ("limit", "x")] {
            let Failure(status, e) = Filter::parse(&pairs(&[(name, value)]), Tz::UTC).unwrap_err();
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(e.field.as_deref(), Some(name));
            assert!(!e.message.contains(value));
        }
        let described = Filter::parse(&pairs(&[("patient", "Élodie")]), Tz::UTC)
            .unwrap()
            .describe();
        assert!(!described.contains("lodie"), "{described}");
        // Days are the hospital's: New York's 8 March 2026 has 23 hours.
        let f = Filter::parse(
            &pairs(&[("from", "2026-03-08"), ("to", "2026-03-08")]),
            Tz::America__New_York,
        )
        .unwrap();
        assert_eq!(f.from.as_deref(), Some("2026-03-08T05:00:00.000Z"));
        assert_eq!(f.until.as_deref(), Some("2026-03-09T04:00:00.000Z"));
    }
}
