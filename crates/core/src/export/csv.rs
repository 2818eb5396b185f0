//! CSV exports: RFC 4180 (fields quoted when they hold a comma, a quote or
//! a line break, quotes doubled, lines ended by CRLF), UTF-8 with a byte
//! order mark so spreadsheets read accents right, and every field a
//! spreadsheet would take for a formula neutralised.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::local_text;
use crate::case::CaseChange;
use crate::caseload::CaseFile;
use crate::interaction;
use crate::report::Period;

/// Written first: the byte order mark.
pub const BOM: &str = "\u{feff}";

pub const CASE_COLUMNS: &[&str] = &[
    "case_id",
    "received_on",
    "unit",
    "kind",
    "category",
    "status",
    "priority",
    "received_via",
    "patient_name",
    "mrn",
    "assignee",
    "created_by",
    "due_on",
    "resolved_at",
    "expected_discharge",
    "destination",
    "tags",
    "description",
    "resolution",
];

pub const INTERACTION_COLUMNS: &[&str] = &[
    "interaction_id",
    "case_id",
    "at",
    "channel",
    "with",
    "contact",
    "duration_minutes",
    "by",
    "summary",
    "outcome",
    "follow_up",
    "follow_up_due",
    "corrected",
    "patient_name",
    "mrn",
    "unit",
];

/// One field. A field starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is prefixed with `'`: opening the file never runs what
/// someone typed.
pub fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// One record, CRLF-terminated.
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields
        .iter()
        .map(|f| field(f.as_ref()))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// The case's row, its unit shown as `unit`.
pub fn case_row(
    file: &CaseFile,
    unit: &str,
    local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime,
) -> Vec<String> {
    let c = &file.case;
    let day = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let resolved = c
        .history
        .iter()
        .rev()
        .find(|e| matches!(e.change, CaseChange::Resolved { .. }))
        .filter(|_| !c.status.is_active())
        .map(|e| local_text(e.at, local))
        .unwrap_or_default();
    vec![
        c.id.to_string(),
        c.received_on.to_string(),
        unit.to_owned(),
        c.kind.label().to_owned(),
        c.category.map(|x| x.label()).unwrap_or("").to_owned(),
        c.status.label().to_owned(),
        c.priority.label().to_owned(),
        c.received_via.label().to_owned(),
        c.patient.name.clone(),
        c.patient.mrn.clone(),
        c.assignee.clone(),
        c.created_by.clone(),
        day(c.due_on),
        resolved,
        day(c.expected_discharge),
        c.destination.map(|d| d.label()).unwrap_or("").to_owned(),
        c.tags.join("; "),
        c.description.clone(),
        c.resolution.clone().unwrap_or_default(),
    ]
}

/// The rows of the case's interactions that took place in `period`, each
/// as it stands now (a correction in place of what it corrects).
pub fn interaction_rows(
    file: &CaseFile,
    unit: &str,
    period: &Period,
    local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime,
) -> Vec<Vec<String>> {
    let c = &file.case;
    interaction::resolve(&file.interactions)
        .into_iter()
        .filter(|r| period.contains(local(r.current.at).date()))
        .map(|r| {
            let i = r.current;
            let (promise, due) = match &i.follow_up {
                Some(f) => (f.what.clone(), f.due.to_string()),
                None => Default::default(),
            };
            vec![
                r.original.id.to_string(),
                c.id.to_string(),
                local_text(i.at, local),
                i.channel.label().to_owned(),
                i.with.label().to_owned(),
                i.contact
                    .as_ref()
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                i.duration_minutes
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                i.by.clone(),
                i.summary.clone(),
                i.outcome.clone(),
                promise,
                due,
                if r.superseded.is_empty() { "no" } else { "yes" }.to_owned(),
                c.patient.name.clone(),
                c.patient.mrn.clone(),
                unit.to_owned(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(field("+1 555"), "'+1 555");
        assert_eq!(field("-3"), "'-3");
        assert_eq!(field("@cmd"), "'@cmd");
        assert_eq!(field("\tx"), "'\tx");
        assert_eq!(field("\rx"), "\"'\rx\"");
        assert_eq!(field("=1,2"), "\"'=1,2\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field(""), "");
        assert_eq!(line(&["a", "b,c"]), "a,\"b,c\"\r\n");
        assert_eq!(field("Peña"), "Peña");
    }
}
