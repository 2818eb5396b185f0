//! The directory as CSV, for administrators: `GET /api/directory.csv`
//! exports every entry, `POST /api/directory.csv` imports a file. The
//! columns (docs/DIRECTORY.md) follow Open Referral's HSDS where it fits:
//!
//! `id, kind, name, title, department, units, hours, on_call, topics,
//! case_kinds, categories, notes, verified_on, verified_by, retired,
//! phone_1, phone_1_type, phone_1_languages, … phone_3_languages`
//!
//! Lists are separated by `;`. Kinds and categories are the codes the API
//! uses (`billing_insurance`) or their labels ("Billing / insurance").
//! `kind` is person, role or service; a phone type voice, extension, pager,
//! fax or text; `verified_on` YYYY-MM-DD; `retired` yes or no (or empty).
//!
//! An import is all or nothing: every bad row is reported with its line
//! number and the reason, and then nothing is stored. A row with an `id`
//! replaces that entry's fields (the import is the administrator's word,
//! not merged); a row without one is a new entry; entries the file does
//! not mention stay as they are.

use advocase_core::directory::entry::{Entry, EntryKind, Phone, PhoneKind};
use advocase_core::directory::wire::{Imported, RowProblem, SaveEntry};
use advocase_core::id::Id;
use advocase_core::reference::{CaseKind, ComplaintCategory, from_ident, ident};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Serialize;

use super::entries::{self, Saved};
use crate::api::Failure;
use crate::auth::Admin;
use crate::{AppState, now_ms};
use advocase_core::export::csv::field as csv_field;

/// The largest file taken: thousands of entries, far more than a hospital's.
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;
const PHONES: usize = 3;

pub fn routes() -> Router<AppState> {
    Router::new().route("/directory.csv", get(export).post(import))
}

pub fn header() -> Vec<String> {
    let mut h: Vec<String> = [
        "id",
        "kind",
        "name",
        "title",
        "department",
        "units",
        "hours",
        "on_call",
        "topics",
        "case_kinds",
        "categories",
        "notes",
        "verified_on",
        "verified_by",
        "retired",
    ]
    .map(str::to_owned)
    .to_vec();
    for i in 1..=PHONES {
        h.push(format!("phone_{i}"));
        h.push(format!("phone_{i}_type"));
        h.push(format!("phone_{i}_languages"));
    }
    h
}

fn kind_code(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Person => "person",
        EntryKind::Role => "role",
        EntryKind::Service => "service",
    }
}

/// One entry as a CSV line (with its line break).
pub fn line(e: &Entry) -> String {
    let mut cells: Vec<String> = vec![
        e.id.to_string(),
        kind_code(e.kind).to_owned(),
        e.name.clone(),
        e.title.clone(),
        e.department.clone(),
        e.units.join("; "),
        e.hours.clone(),
        e.on_call.clone(),
        e.topics.clone(),
        e.case_kinds
            .iter()
            .map(ident)
            .collect::<Vec<_>>()
            .join("; "),
        e.categories
            .iter()
            .map(ident)
            .collect::<Vec<_>>()
            .join("; "),
        e.notes.clone(),
        e.verified_on.map(|d| d.to_string()).unwrap_or_default(),
        e.verified_by.clone(),
        if e.retired { "yes" } else { "" }.to_owned(),
    ];
    for i in 0..PHONES {
        match e.phones.get(i) {
            Some(p) => {
                cells.push(p.number.clone());
                cells.push(p.kind.code().to_owned());
                cells.push(p.languages.join("; "));
            }
            None => cells.extend([String::new(), String::new(), String::new()]),
        }
    }
    let mut out = cells
        .iter()
        .map(|c| csv_field(c))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

fn list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A cell as a person typed it, without the `'` an export puts before a
/// leading `=`, `+`, `-` or `@` so a spreadsheet does not run it.
fn cell(text: &str) -> String {
    let t = text.trim();
    match t.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest.to_owned(),
        _ => t.to_owned(),
    }
}

fn vocabulary<T: serde::de::DeserializeOwned + Copy>(
    text: &str,
    all: &[T],
    label: fn(T) -> &'static str,
    what: &str,
) -> Result<Vec<T>, String> {
    list(text)
        .iter()
        .map(|item| {
            from_ident::<T>(&item.to_lowercase())
                .or_else(|| {
                    all.iter()
                        .copied()
                        .find(|v| label(*v).eq_ignore_ascii_case(item))
                })
                .ok_or_else(|| {
                    format!(
                        "{what} \"{item}\" is not one of: {}.",
                        all.iter().map(|v| label(*v)).collect::<Vec<_>>().join(", ")
                    )
                })
        })
        .collect()
}

/// Reads one record (its cells in header order) into an entry.
fn entry(cells: &[String]) -> Result<Entry, String> {
    let get = |i: usize| cells.get(i).map(|c| cell(c)).unwrap_or_default();
    let id = match get(0) {
        s if s.is_empty() => None,
        s => Some(s.parse::<Id>().map_err(|_| {
            format!("id \"{s}\" is not an id this directory made (leave it empty for a new entry).")
        })?),
    };
    let kind = match get(1).to_lowercase().as_str() {
        "" | "person" => EntryKind::Person,
        "role" => EntryKind::Role,
        "service" => EntryKind::Service,
        other => return Err(format!("kind \"{other}\" is not person, role or service.")),
    };
    let verified_on = match get(12) {
        s if s.is_empty() => None,
        s => Some(
            s.parse::<NaiveDate>()
                .map_err(|_| format!("verified_on \"{s}\" is not a date (YYYY-MM-DD)."))?,
        ),
    };
    let retired = match get(14).to_lowercase().as_str() {
        "" | "no" | "false" | "0" => false,
        "yes" | "true" | "1" => true,
        other => return Err(format!("retired \"{other}\" is not yes or no.")),
    };
    let mut phones = Vec::new();
    for i in 0..PHONES {
        let (number, kind, languages) = (get(15 + 3 * i), get(16 + 3 * i), get(17 + 3 * i));
        if number.is_empty() && kind.is_empty() && languages.is_empty() {
            continue;
        }
        let kind = match kind.as_str() {
            "" => PhoneKind::Voice,
            k => PhoneKind::from_code(k).ok_or_else(|| {
                format!(
                    "phone_{}_type \"{k}\" is not voice, extension, pager, fax or text.",
                    i + 1
                )
            })?,
        };
        phones.push(Phone {
            number,
            kind,
            languages: list(&languages),
        });
    }
    let e = Entry {
        id: id.unwrap_or_default(),
        kind,
        name: get(2),
        title: get(3),
        department: get(4),
        units: list(&get(5)),
        hours: get(6),
        on_call: get(7),
        topics: get(8),
        case_kinds: vocabulary(&get(9), CaseKind::ALL, CaseKind::label, "Case kind")?,
        categories: vocabulary(
            &get(10),
            ComplaintCategory::ALL,
            ComplaintCategory::label,
            "Category",
        )?,
        notes: get(11),
        verified_on,
        verified_by: get(13),
        retired,
        phones,
    };
    e.check().map_err(|p| {
        p.0.iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// The line a record starts on, from its byte offset. Not the reader's own
/// line count: it ends a record at the `\r` of a CRLF and counts the `\n`
/// into the next record, so a file a spreadsheet wrote would have every
/// line named one too early.
fn line_at(text: &str, byte: u64) -> u64 {
    let b = text.as_bytes();
    let mut at = usize::try_from(byte).unwrap_or(usize::MAX).min(b.len());
    while at < b.len() && matches!(b[at], b'\r' | b'\n') {
        at += 1;
    }
    b[..at].iter().filter(|&&c| c == b'\n').count() as u64 + 1
}

/// Reads a whole file: every entry, or every problem with its line.
pub fn parse(text: &str) -> Result<Vec<Entry>, Vec<RowProblem>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let expected = header();
    let mut problems = Vec::new();
    match reader.headers() {
        Ok(h) => {
            let got: Vec<String> = h
                .iter()
                .map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase())
                .collect();
            if got != expected {
                let missing: Vec<&str> = expected
                    .iter()
                    .filter(|e| !got.contains(e))
                    .map(String::as_str)
                    .collect();
                let extra: Vec<&str> = got
                    .iter()
                    .filter(|g| !expected.contains(g))
                    .map(String::as_str)
                    .collect();
                let mut message = "The first line must name the columns, in order: ".to_owned()
                    + &expected.join(",")
                    + ".";
                if !missing.is_empty() {
                    message += &format!(" Missing: {}.", missing.join(", "));
                }
                if !extra.is_empty() {
                    message += &format!(" Not known: {}.", extra.join(", "));
                }
                return Err(vec![RowProblem { line: 1, message }]);
            }
        }
        Err(e) => {
            return Err(vec![RowProblem {
                line: 1,
                message: format!("The file is not CSV: {e}."),
            }]);
        }
    }
    let mut out: Vec<Entry> = Vec::new();
    let mut ids: std::collections::HashMap<Id, u64> = std::collections::HashMap::new();
    for record in reader.records() {
        match record {
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                problems.push(RowProblem {
                    line,
                    message: format!("This row is not valid CSV: {e}."),
                });
                break; // the rest cannot be read reliably
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| line_at(text, p.byte()));
                if r.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                if r.len() > expected.len() {
                    problems.push(RowProblem {
                        line,
                        message: format!(
                            "This row has {} cells; there are {} columns.",
                            r.len(),
                            expected.len()
                        ),
                    });
                    continue;
                }
                let cells: Vec<String> = r.iter().map(str::to_owned).collect();
                match entry(&cells) {
                    Ok(e) => {
                        if !e.id.is_nil()
                            && let Some(first) = ids.insert(e.id, line)
                        {
                            problems.push(RowProblem {
                                line,
                                message: format!("This id is also on line {first}."),
                            });
                            continue;
                        }
                        out.push(e);
                    }
                    Err(message) => problems.push(RowProblem { line, message }),
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

pub(crate) fn new_id() -> Id {
    let mut random = [0u8; 10];
    OsRng.fill_bytes(&mut random);
    Id::new_v7(now_ms(), random)
}

#[derive(Serialize)]
struct Refusal {
    error: &'static str,
    message: String,
    problems: Vec<RowProblem>,
}

/// Why a file was not imported: what to say, and every bad row (none when
/// the file as a whole is wrong). Nothing was stored.
pub struct NotImported {
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    pub problems: Vec<RowProblem>,
}

/// Imports a whole file (`bytes`) as `username`, all or nothing: the
/// JSON endpoint's work and the structure page's.
pub async fn import_file(
    state: &AppState,
    username: &str,
    bytes: &[u8],
) -> Result<Result<Imported, NotImported>, Failure> {
    let refused = |error, message: String, problems| {
        Ok(Err(NotImported {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            error,
            message,
            problems,
        }))
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return refused(
            "invalid_csv",
            "The file is not UTF-8 text: save it as \"CSV UTF-8\".".into(),
            Vec::new(),
        );
    };
    let entries = match parse(text) {
        Ok(e) => e,
        Err(problems) => {
            let message = format!(
                "Nothing was imported: {} row{} to fix.",
                problems.len(),
                if problems.len() == 1 { "" } else { "s" }
            );
            return refused("invalid_csv", message, problems);
        }
    };
    let now = now_ms();
    let saves: Vec<SaveEntry> = entries
        .into_iter()
        .map(|mut e| {
            if e.id.is_nil() {
                e.id = new_id();
            }
            SaveEntry { base: 0, entry: e }
        })
        .collect();
    match entries::import(&state.db, &saves, username, now).await? {
        Ok(imported) => {
            tracing::info!(username = %username, created = imported.created, updated = imported.updated, "directory imported");
            Ok(Ok(imported))
        }
        Err((i, saved)) => {
            let message = match saved {
                Saved::Invalid(p) => p.to_string(),
                _ => "it could not be stored".to_owned(),
            };
            let problems = vec![RowProblem {
                line: 0,
                message: format!("Entry {} ({}): {message}", i + 1, saves[i].entry.name),
            }];
            refused("invalid_csv", "Nothing was imported.".into(), problems)
        }
    }
}

async fn import(
    State(state): State<AppState>,
    Admin(user): Admin,
    body: Body,
) -> Result<Response, Failure> {
    let Ok(body) = axum::body::to_bytes(body, MAX_CSV_BYTES).await else {
        return Err(too_large());
    };
    match import_file(&state, &user.username, &body).await? {
        Ok(imported) => Ok(Json(imported).into_response()),
        Err(no) if no.problems.is_empty() => Err(Failure::new(no.status, no.error, no.message)),
        Err(no) => Ok((
            no.status,
            Json(Refusal {
                error: no.error,
                message: no.message,
                problems: no.problems,
            }),
        )
            .into_response()),
    }
}

/// A file over [`MAX_CSV_BYTES`], or one that did not arrive whole.
pub fn too_large() -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!(
            "A directory file may be at most {} MB, and it must arrive whole.",
            MAX_CSV_BYTES / 1024 / 1024
        ),
    )
}

async fn export(State(state): State<AppState>, _: Admin) -> Result<Response, Failure> {
    let page = entries::page(&state.db, 0).await?;
    let mut body = header().join(",") + "\r\n";
    let mut all: Vec<&Entry> = page.entries.iter().map(|s| &s.entry).collect();
    all.sort_by_key(|e| (e.retired, e.name.to_lowercase()));
    for e in all {
        body.push_str(&line(e));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"directory.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_reads_back_as_the_same_entries() {
        let e = Entry {
            id: new_id(),
            kind: EntryKind::Service,
            name: "Billing, \"front desk\"".into(),
            units: vec!["4B".into(), "Unit 7".into()],
            topics: "=SUM(A1) is not a formula here".into(),
            case_kinds: vec![CaseKind::BillingInsurance],
            categories: vec![ComplaintCategory::Communication],
            notes: "Line one\nline two".into(),
            verified_on: Some("2026-11-30".parse().unwrap()),
            phones: vec![Phone {
                number: "+1 555 010 4411".into(),
                kind: PhoneKind::Fax,
                languages: vec!["Spanish".into(), "Tagalog".into()],
            }],
            ..Entry::default()
        };
        let file = header().join(",") + "\r\n" + &line(&e);
        assert!(file.contains("'=SUM"), "neutralised for spreadsheets");
        assert_eq!(parse(&file).unwrap(), vec![e.check().unwrap()]);
    }

    #[test]
    fn every_bad_row_is_named_by_its_line_and_reason() {
        let file = format!(
            "{}\nnot-an-id,person,Ana\n,robot,Ben\n,person,\n,person,Cy,,,,,,,,,,2026-13-01\n,service,\"Quoted\nacross lines\",,,,,,,grievance; Billing / insurance\n,person,Dee,,,,,,,,,,,,,555,cell\n,role,Eve,,,,,,,sometimes\n",
            header().join(",")
        );
        let problems = parse(&file).unwrap_err();
        let lines: Vec<u64> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 8, 9], "{problems:?}");
        assert!(problems[0].message.contains("id \"not-an-id\""));
        assert!(problems[1].message.contains("robot"));
        assert!(problems[2].message.contains("name: Name is required"));
        assert!(problems[3].message.contains("2026-13-01"));
        assert!(problems[4].message.contains("phone_1_type \"cell\""));
        assert!(problems[5].message.contains("Case kind \"sometimes\""));
        let wrong = "name,phone\nAna,555\n";
        let p = parse(wrong).unwrap_err();
        assert_eq!(p[0].line, 1);
        assert!(p[0].message.contains("Missing: id"), "{}", p[0].message);
    }

    /// Spreadsheets write CRLF line breaks; the lines named are the file's.
    #[test]
    fn lines_are_counted_the_same_with_crlf_line_breaks() {
        let file = format!(
            "{}\r\n,person,Ana\r\n,robot,Ben\r\n,service,\"Quoted\r\nacross lines\"\r\n,person,\r\n",
            header().join(",")
        );
        let lines: Vec<u64> = parse(&file).unwrap_err().iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![3, 6]);
    }
}
