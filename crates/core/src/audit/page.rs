//! The Access log drawn as a page (`GET /api/audit/page`): its filters, a
//! table of rows newest first, and "Show older". The server draws it, the
//! app shows it as it shows a report (a desk page: docs/ARCHITECTURE.md),
//! so none of it is compiled into every tablet's download.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{AUDIT_PAGE, AuditRow, action_label, outcome};
use crate::dates::date_time;
use crate::markup::escape;

/// Rows one page shows at most: "Show older" adds [`AUDIT_PAGE`] at a time
/// up to this; beyond it, narrower filters or the CSV.
pub const MOST_SHOWN: usize = 10 * AUDIT_PAGE;

/// The filters as the administrator typed them (shown again in the form,
/// and carried by "Show older"), and how many rows are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Asked {
    pub patient: String,
    pub user: String,
    pub from: String,
    pub to: String,
    pub shown: usize,
}

const FILTERS: [(&str, &str, &str); 4] = [
    ("patient", "Patient name or MRN", "text"),
    ("user", "User", "text"),
    ("from", "From date", "date"),
    ("to", "To date", "date"),
];

impl Asked {
    fn values(&self) -> [&str; 4] {
        [&self.patient, &self.user, &self.from, &self.to]
    }
}

fn outcome_label(code: &str) -> &str {
    match code {
        outcome::OK => "Done",
        outcome::REFUSED => "Refused",
        outcome::FAILED => "Failed",
        outcome::LOCKED => "Locked",
        other => other,
    }
}

fn row(r: &AuditRow, local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime) -> String {
    let patient = [
        r.patient_name.clone(),
        r.mrn
            .as_ref()
            .filter(|m| !m.is_empty())
            .map(|m| format!("MRN {m}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let device = r.device.clone().unwrap_or_default();
    format!(
        r#"<tr><td class="nowrap">{}</td><td>{}</td><td title="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="detail">{}</td></tr>"#,
        escape(&date_time(local(r.at))),
        escape(&r.username),
        escape(&device),
        escape(device.get(..8).unwrap_or(&device)),
        escape(&patient),
        escape(action_label(&r.action)),
        escape(outcome_label(&r.outcome)),
        escape(&r.detail)
    )
}

/// The page: `rows` newest first, `more` when older rows match too.
pub fn render(
    rows: &[AuditRow],
    more: bool,
    asked: &Asked,
    local: &dyn Fn(DateTime<Utc>) -> NaiveDateTime,
) -> String {
    let mut out = String::from(
        r#"<section class="panel" aria-labelledby="access-filters"><h2 id="access-filters">Who was shown which case</h2><form id="access-controls" class="inline-form" data-get novalidate aria-label="Filter the access log">"#,
    );
    for ((name, label, kind), value) in FILTERS.iter().zip(asked.values()) {
        out += &format!(
            r#"<div class="field grow"><label for="access-{name}">{label}</label><input id="access-{name}" name="{name}" type="{kind}" value="{}" autocomplete="off"{}></div>"#,
            escape(value),
            // A username is typed as it is stored.
            if *name == "user" {
                r#" autocapitalize="none" spellcheck="false""#
            } else {
                ""
            }
        );
    }
    out += r#"<div class="button-row"><button type="submit" class="primary">Show</button><button type="button" data-act="export" data-id="/api/audit.csv" data-file="access-log.csv">Export CSV</button></div></form></section>"#;
    if rows.is_empty() {
        out += r#"<p class="notice info desk-result">Nothing in the access log matches these filters.</p>"#;
        return out;
    }
    out += r#"<div class="table-scroll panel desk-result" role="region" aria-labelledby="access-rows" tabindex="0"><table class="log-table"><caption id="access-rows">Access log, newest first</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Device</th><th scope="col">Patient</th><th scope="col">What</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead><tbody>"#;
    for r in rows {
        out += &row(r, local);
    }
    out += "</tbody></table></div>";
    if more && asked.shown < MOST_SHOWN {
        // The filters of the rows shown, not what is typed now.
        out += r#"<form class="desk-result" data-get aria-label="Older rows">"#;
        for ((name, ..), value) in FILTERS.iter().zip(asked.values()) {
            out += &format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                escape(value)
            );
        }
        out += &format!(
            r#"<input type="hidden" name="shown" value="{}"><button type="submit">Show older</button></form>"#,
            asked.shown + AUDIT_PAGE
        );
    } else if more {
        out += &format!(
            r#"<p class="notice info desk-result">More rows match than a page shows ({MOST_SHOWN}): narrow the filters, or export them all as CSV.</p>"#
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        crate::wire_time::parse_instant(s).unwrap()
    }

    fn audit_row(seq: u64, name: &str) -> AuditRow {
        AuditRow {
            seq,
            at: at("2026-03-01T08:30:00Z"),
            recorded_at: at("2026-03-01T08:30:01Z"),
            username: "ana".into(),
            device: Some("0190a0b0-0000-7000-8000-000000000009".into()),
            case_id: Some("c".into()),
            action: super::super::action::CASE_OPENED.into(),
            outcome: outcome::OK.into(),
            detail: "<b>".into(),
            patient_name: Some(name.into()),
            mrn: Some("M-1".into()),
        }
    }

    #[test]
    fn rows_are_escaped_in_local_time_and_older_rows_keep_the_filters_shown() {
        let asked = Asked {
            patient: "O\"Brien".into(),
            shown: AUDIT_PAGE,
            ..Asked::default()
        };
        let utc = |t: DateTime<Utc>| t.naive_utc();
        let html = render(&[audit_row(2, "<i>Ann</i>")], true, &asked, &utc);
        assert!(html.contains("&lt;i&gt;Ann&lt;/i&gt; · MRN M-1"));
        assert!(html.contains("&lt;b&gt;"));
        assert!(!html.contains("<i>Ann"));
        assert!(html.contains(r#"value="O&quot;Brien""#), "{html}");
        assert!(html.contains("Opened the case"));
        assert!(html.contains(&date_time(at("2026-03-01T08:30:00Z").naive_utc())));
        assert!(html.contains(r#"<input type="hidden" name="shown" value="400">"#));
        assert!(html.contains(r#"<input type="hidden" name="patient" value="O&quot;Brien">"#));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        // The last page, the most a page shows, and nothing found.
        assert!(!render(&[audit_row(2, "A")], false, &asked, &utc).contains("Show older"));
        let most = Asked {
            shown: MOST_SHOWN,
            ..asked.clone()
        };
        let html = render(&[audit_row(2, "A")], true, &most, &utc);
        assert!(!html.contains("Show older"));
        assert!(html.contains("narrow the filters"));
        let none = render(&[], false, &asked, &utc);
        assert!(none.contains("Nothing in the access log matches these filters."));
        assert!(!none.contains("<table"));
    }
}
