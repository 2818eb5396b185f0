//! The page's controls and forms: the period and units to ask for next,
//! the suggestions with their note forms, the recommendations, the rates
//! and the managers' patient days.

use super::super::stats::hundredths;
use super::super::{Report, Suggestion};
use super::Reader;
use super::chart::{Page, plural};
use crate::markup::escape;

/// A form of the page's that keeps a note with this report: where it goes,
/// and the report it belongs to (period and units) as hidden fields.
pub(super) fn note_form(r: &Report, class: &str, fields: &[(&str, &str)]) -> String {
    let mut out = format!(
        r#"<form class="{class} no-print" data-post="/api/report/notes"><input type="hidden" name="from" value="{}"><input type="hidden" name="to" value="{}">"#,
        r.period.from, r.period.to
    );
    for u in &r.units {
        out += &format!(
            r#"<input type="hidden" name="units" value="{}">"#,
            escape(u)
        );
    }
    for (name, value) in fields {
        out += &format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(value)
        );
    }
    out
}

/// The period and units to ask for next, filled in with this report's;
/// then the page's buttons. Part of the page, so the app draws none of it
/// (and the copy kept offline shows what it covers).
pub(super) fn controls(p: &mut Page, r: &Report, reader: &Reader<'_>) {
    let (month, from, to) = match r.period.months().as_deref() {
        Some([_]) => (
            r.period.from.to_string()[..7].to_owned(),
            String::new(),
            String::new(),
        ),
        _ => (
            String::new(),
            r.period.from.to_string(),
            r.period.to.to_string(),
        ),
    };
    let field = |name: &str, kind: &str, label: &str, value: &str| {
        format!(
            r#"<div class="field"><label for="report-{name}">{label}</label><input id="report-{name}" name="{name}" type="{kind}" value="{value}"></div>"#
        )
    };
    p.push(&format!(
        r#"<section class="panel no-print" aria-labelledby="report-ask"><h2 id="report-ask">Which period</h2><form id="report-controls" data-get class="inline-form" novalidate aria-label="Which period">{}{}{}"#,
        field("month", "month", "Month", &month),
        field("from", "date", "Or from (first day)", &from),
        field("to", "date", "To (last day)", &to)
    ));
    if !reader.units.is_empty() {
        p.push(r#"<fieldset class="checks"><legend>Units (none chosen: every unit you may see)</legend>"#);
        for u in reader.units {
            let on = if r.units.contains(u) { " checked" } else { "" };
            p.push(&format!(
                r#"<label class="check"><input type="checkbox" name="unit" value="{0}"{on}> {0}</label>"#,
                escape(u)
            ));
        }
        p.push("</fieldset>");
    }
    p.push(r#"<div class="button-row"><button type="submit" class="primary">Show the report</button></div></form></section><div class="button-row no-print"><button type="button" data-act="print">Print</button><button type="button" data-act="export" data-id="/api/report/cases.csv">Cases (CSV)</button><button type="button" data-act="export" data-id="/api/report/interactions.csv">Interactions (CSV)</button><button type="button" data-act="export" data-id="/api/report/fhir.json">FHIR R4 bundle</button></div>"#);
}

pub(super) fn suggestion_item(
    p: &mut Page,
    r: &Report,
    s: &Suggestion,
    reader: &Reader<'_>,
    dismissed: bool,
) {
    p.push(&format!(
        r#"<li class="suggestion"><p class="finding">{}</p><p class="advice">{}</p><table class="figures-behind"><caption>The figures behind it</caption><tbody>"#,
        escape(&s.finding),
        escape(&s.advice)
    ));
    for f in &s.figures {
        p.push(&format!(
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            escape(&f.label),
            escape(&f.value)
        ));
    }
    p.push("</tbody></table>");
    // Listed, not folded: the printout for the meeting shows them too.
    p.push(&format!(
        r#"<p class="cases-head">{}:</p>"#,
        plural((s.cases.len() + s.more) as u64, "case", "cases")
    ));
    p.case_links(&s.cases, s.more);
    if reader.manager {
        let (act, word) = if dismissed {
            ("restore", "Restore")
        } else {
            ("dismiss", "Dismiss")
        };
        p.push(&note_form(
            r,
            "inline",
            &[("action", act), ("suggestion", &s.id)],
        ));
        p.push(&format!(
            r#"<button type="submit" aria-label="{word} the suggestion: {}">{word}</button></form>"#,
            escape(&s.finding)
        ));
    }
    p.push("</li>");
}

pub(super) fn suggestions(p: &mut Page, r: &Report, reader: &Reader<'_>) {
    p.section("report-suggestions", "Suggested improvements");
    let (gone, open): (Vec<&Suggestion>, Vec<&Suggestion>) = r
        .suggestions
        .iter()
        .partition(|s| r.dismissed.contains(&s.id));
    if open.is_empty() {
        p.push(&format!(
            "<p>{}</p>",
            if r.suggestions.is_empty() {
                "No suggestion: no rule had enough cases to say something (each needs at least 3, most 4 or 5)."
            } else {
                "Every suggestion was dismissed."
            }
        ));
    } else {
        p.push(r#"<ol class="suggestions">"#);
        for s in open {
            suggestion_item(p, r, s, reader, false);
        }
        p.push("</ol>");
    }
    if !gone.is_empty() {
        p.push(&format!(
            r#"<details class="dismissed"><summary>Dismissed ({})</summary><ol class="suggestions">"#,
            gone.len()
        ));
        for s in gone {
            suggestion_item(p, r, s, reader, true);
        }
        p.push("</ol></details>");
    }
    p.push(r#"<h4 id="report-recommendations">Recommendations</h4>"#);
    if r.recommendations.is_empty() {
        p.push("<p>None added yet.</p>");
    } else {
        p.push(r#"<ul class="recommendations">"#);
        for rec in &r.recommendations {
            p.push(&format!(
                r#"<li><p>{}</p><p class="meta">{}, {}</p>"#,
                escape(&rec.text),
                escape(&rec.by),
                escape(&crate::dates::date_time((reader.local)(rec.at)))
            ));
            if reader.manager {
                p.push(&note_form(
                    r,
                    "inline",
                    &[("action", "remove"), ("id", &rec.id.to_string())],
                ));
                p.push(&format!(
                    r#"<button type="submit" aria-label="Remove the recommendation: {}">Remove</button></form>"#,
                    escape(&rec.text)
                ));
            }
            p.push("</li>");
        }
        p.push("</ul>");
    }
    if reader.manager {
        p.push(&note_form(
            r,
            "recommend",
            &[("action", "recommend"), ("id", &reader.fresh.to_string())],
        ));
        p.push(r#"<div class="field grow"><label for="report-recommendation">Your recommendation</label><textarea id="report-recommendation" name="text" rows="3"></textarea></div><button type="submit">Add to the report</button></form>"#);
    }
    p.end();
}

pub(super) fn rates(p: &mut Page, r: &Report, reader: &Reader<'_>) {
    p.section(
        "report-rates",
        "Complaints and grievances per 1,000 patient days",
    );
    if let Some(why) = &r.rates_absent {
        p.push(&format!("<p>No rate: {}</p>", escape(why)));
    } else {
        p.push(r#"<table class="report-table"><caption>Rates by unit</caption><thead><tr><th scope="col">Unit</th><th scope="col">Complaints and grievances</th><th scope="col">Patient days</th><th scope="col">Per 1,000 patient days</th></tr></thead><tbody>"#);
        for rate in &r.rates {
            let unit = if rate.unit.is_empty() {
                "All these units".to_owned()
            } else {
                rate.unit.clone()
            };
            let value = match (rate.per_thousand, &rate.missing) {
                (Some(h), _) => hundredths(h),
                (None, Some(why)) => format!("no rate: {why}"),
                (None, None) => "no rate".to_owned(),
            };
            p.push(&format!(
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                escape(&unit),
                rate.complaints,
                rate.patient_days,
                escape(&value)
            ));
        }
        p.push("</tbody></table>");
        if reader.manager {
            patient_days_form(p, r);
        }
    }
    p.end();
}

/// Managers enter the patient days the rates need, per unit and month.
pub(super) fn patient_days_form(p: &mut Page, r: &Report) {
    let Some(months) = r.period.months() else {
        return;
    };
    if r.rates.iter().all(|x| x.unit.is_empty()) {
        return;
    }
    p.push(r#"<form class="patient-days no-print" data-post="/api/report/patient-days" data-method="PUT"><fieldset><legend>Patient days, per unit and month</legend><p>Leave a field empty to keep what is entered.</p><div class="field-grid">"#);
    let mut n = 0;
    for rate in r.rates.iter().filter(|x| !x.unit.is_empty()) {
        for &(y, m) in &months {
            n += 1;
            let month = super::super::PatientDays::month_key(y, m);
            let on = chrono::NaiveDate::from_ymd_opt(y, m, 1).expect("a month");
            // One month: what is entered is the rate's denominator.
            let value = if months.len() == 1 && rate.missing.is_none() {
                rate.patient_days.to_string()
            } else {
                String::new()
            };
            p.push(&format!(
                r#"<div class="field"><label for="pd-{n}">{}, {}</label><input id="pd-{n}" type="number" inputmode="numeric" min="0" name="{}|{}" value="{value}"></div>"#,
                escape(&rate.unit),
                escape(&crate::dates::month_and_year(on)),
                escape(&rate.unit),
                month
            ));
        }
    }
    p.push(r#"</div><button type="submit">Save patient days</button></fieldset></form>"#);
}
