//! The report as a page: accessible HTML with its charts as SVG, drawn by
//! Advocase itself (no charting library).
//!
//! Why markup from core rather than views in the client: the page is read,
//! printed and kept for offline reading whole, its only controls are a few
//! buttons and one form (read back on submit, like the client's other
//! markup forms), and the client's size is a feature: drawing it in the
//! client would compile the report's types, their serde code and a view per
//! chart into every tablet's download. The server renders it from the
//! report it computed (`GET /api/report/page`); the app's Reports page is
//! to show it, seal it for offline reading and send the buttons' notes
//! (issue 15's client half, still to come).
//!
//! The article carries its period and units (`data-from`, `data-to`,
//! `data-units`, one unit a line): the notes the app sends name the report
//! they are kept with.
//!
//! Every chart is a `<figure>` with a text title, a summary sentence and a
//! data table of its figures; the SVG is `role="img"` named by the title
//! and summary. Everything from data is escaped. No `style` attribute
//! anywhere (the CSP forbids them): classes only, styled in `style/`.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::figures::{CaseRef, Figures, Tally};
use super::stats::{hundredths, median, percent, percentile};
use super::{Report, Suggestion};
use crate::markup::escape;
use crate::reference::{CaseKind, Channel, ComplaintCategory, Identified, Party};

/// Who reads the page, and the hospital's wall time.
pub struct Reader<'a> {
    /// Managers get the buttons and forms that keep notes and patient days.
    pub manager: bool,
    pub local: &'a dyn Fn(DateTime<Utc>) -> NaiveDateTime,
    /// The hospital's units, offered in the page's choice of units.
    pub units: &'a [String],
    /// The id a recommendation added from this page gets (made by the
    /// server for each page drawn, so a form sent twice is stored once).
    pub fresh: crate::id::Id,
}

/// A form of the page's that keeps a note with this report: where it goes,
/// and the report it belongs to (period and units) as hidden fields.
fn note_form(r: &Report, class: &str, fields: &[(&str, &str)]) -> String {
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
fn controls(p: &mut Page, r: &Report, reader: &Reader<'_>) {
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
        r#"<section class="panel no-print" aria-labelledby="report-ask"><h2 id="report-ask">Which period</h2><form id="report-controls" class="inline-form" novalidate aria-label="Which period">{}{}{}"#,
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
    p.push(r#"<div class="button-row"><button type="submit" class="primary">Show the report</button></div></form></section><div class="button-row no-print"><button type="button" data-act="print">Print</button><button type="button" data-act="export" data-id="cases.csv">Cases (CSV)</button><button type="button" data-act="export" data-id="interactions.csv">Interactions (CSV)</button><button type="button" data-act="export" data-id="fhir.json">FHIR R4 bundle</button></div>"#);
}

/// The English name of weekday `d`, Monday first (1 January 2024 was a
/// Monday).
fn weekday(d: usize) -> &'static str {
    let monday = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    crate::i18n::weekday(crate::i18n::Lang::En, monday + chrono::Days::new(d as u64))
}

fn label_of<T: Identified>(ident: &str, label: fn(T) -> &'static str) -> String {
    match T::from_ident(ident) {
        Some(v) => label(v).to_owned(),
        None if ident == "none" => "No category".to_owned(),
        None => ident.to_owned(),
    }
}

fn channel(i: &str) -> String {
    label_of::<Channel>(i, Channel::label)
}
fn party(i: &str) -> String {
    label_of::<Party>(i, Party::label)
}
fn kind(i: &str) -> String {
    label_of::<CaseKind>(i, CaseKind::label)
}
fn category(i: &str) -> String {
    label_of::<ComplaintCategory>(i, ComplaintCategory::label)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "83 %" or "no figure" when there is nothing to share.
fn share(part: u64, whole: u64) -> String {
    percent(part, whole).map_or("no figure".to_owned(), |p| format!("{p} %"))
}

/// A row of a chart: its label, this period's value, the previous one's.
struct Row {
    label: String,
    now: u64,
    before: u64,
}

/// The rows of two tallies, labelled, largest first (then by label).
fn rows(now: &Tally, before: &Tally, label: impl Fn(&str) -> String) -> Vec<Row> {
    let mut keys: Vec<&String> = now.keys().chain(before.keys()).collect();
    crate::order::sort(&mut keys);
    keys.dedup();
    let mut out: Vec<Row> = keys
        .into_iter()
        .map(|k| Row {
            label: label(k),
            now: now.get(k).copied().unwrap_or(0),
            before: before.get(k).copied().unwrap_or(0),
        })
        .collect();
    crate::order::sort_by(&mut out, |a, b| {
        b.now
            .cmp(&a.now)
            .then(b.before.cmp(&a.before))
            .then(a.label.cmp(&b.label))
    });
    out
}

struct Page {
    out: String,
    charts: usize,
}

impl Page {
    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn next_id(&mut self) -> String {
        self.charts += 1;
        format!("chart-{}", self.charts)
    }

    /// A horizontal bar chart of `rows`, this period against the previous,
    /// with its title, summary and table.
    fn bars(&mut self, title: &str, what: &str, rows: &[Row]) {
        let id = self.next_id();
        let total: u64 = rows.iter().map(|r| r.now).sum();
        let summary = match rows.first() {
            _ if total == 0 => format!(
                "None in this period ({} before).",
                rows.iter().map(|r| r.before).sum::<u64>()
            ),
            Some(top) => format!(
                "{} comes first: {} of {} ({}); {} in the previous period.",
                top.label,
                top.now,
                total,
                share(top.now, total),
                top.before
            ),
            None => "None in this period.".to_owned(),
        };
        let max = rows
            .iter()
            .map(|r| r.now.max(r.before))
            .max()
            .unwrap_or(0)
            .max(1);
        let (label_w, bar_w, row_h) = (210u64, 360u64, 30u64);
        let height = row_h * rows.len().max(1) as u64 + 10;
        let mut svg = format!(
            r#"<svg class="chart-bars" viewBox="0 0 640 {height}" role="img" aria-labelledby="{id}-t {id}-s" preserveAspectRatio="xMinYMin meet">"#
        );
        for (i, r) in rows.iter().enumerate() {
            let y = 5 + row_h * i as u64;
            let w_now = r.now * bar_w / max;
            let w_before = r.before * bar_w / max;
            svg += &format!(
                r#"<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text><rect class="bar-now" x="{label_w}" y="{y}" width="{w_now}" height="14"/><rect class="bar-before" x="{label_w}" y="{}" width="{w_before}" height="7"/><text class="chart-value" x="{}" y="{}">{}</text>"#,
                label_w - 8,
                y + 13,
                escape(&r.label),
                y + 17,
                label_w + w_now + 6,
                y + 12,
                r.now
            );
        }
        svg += "</svg>";
        self.figure(&id, title, &summary, &svg, what, rows);
    }

    fn figure(
        &mut self,
        id: &str,
        title: &str,
        summary: &str,
        svg: &str,
        what: &str,
        rows: &[Row],
    ) {
        let mut table = format!(
            r#"<table class="chart-data"><caption>{} — the figures</caption><thead><tr><th scope="col">{}</th><th scope="col">This period</th><th scope="col">Previous period</th></tr></thead><tbody>"#,
            escape(title),
            escape(what)
        );
        for r in rows {
            table += &format!(
                r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td></tr>"#,
                escape(&r.label),
                r.now,
                r.before
            );
        }
        if rows.is_empty() {
            table += r#"<tr><td colspan="3">None</td></tr>"#;
        }
        table += "</tbody></table>";
        self.push(&format!(
            r#"<figure class="chart" aria-labelledby="{id}-t"><figcaption><span class="chart-title" id="{id}-t">{}</span> <span class="chart-summary" id="{id}-s">{}</span></figcaption>{svg}{table}</figure>"#,
            escape(title),
            escape(summary),
        ));
    }

    /// A line chart over the 24 hours of the day.
    fn hours(&mut self, now: &[u64], before: &[u64]) {
        let id = self.next_id();
        let at = |v: &[u64], h: usize| v.get(h).copied().unwrap_or(0);
        let max = (0..24)
            .map(|h| at(now, h).max(at(before, h)))
            .max()
            .unwrap_or(0)
            .max(1);
        let (left, width, top, height) = (40u64, 580u64, 10u64, 160u64);
        let x = |h: usize| left + width * h as u64 / 23;
        let y = |v: u64| top + height - v * height / max;
        let line = |v: &[u64]| {
            (0..24)
                .map(|h| format!("{},{}", x(h), y(at(v, h))))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut svg = format!(
            r#"<svg class="chart-line" viewBox="0 0 640 200" role="img" aria-labelledby="{id}-t {id}-s" preserveAspectRatio="xMinYMin meet"><line class="axis" x1="{left}" y1="{}" x2="{}" y2="{}"/><polyline class="line-before" points="{}"/><polyline class="line-now" points="{}"/>"#,
            top + height,
            left + width,
            top + height,
            line(before),
            line(now)
        );
        for h in (0..24).step_by(3) {
            svg += &format!(
                r#"<text class="chart-label" x="{}" y="{}" text-anchor="middle">{h:02}:00</text>"#,
                x(h),
                top + height + 18
            );
        }
        svg += &format!(
            r#"<text class="chart-label" x="{}" y="{}" text-anchor="end">{max}</text></svg>"#,
            left - 6,
            top + 8
        );
        let busiest = (0..24).max_by_key(|h| (at(now, *h), std::cmp::Reverse(*h)));
        let summary = match busiest {
            Some(h) if at(now, h) > 0 => format!(
                "The busiest hour was {h:02}:00 to {:02}:00, with {}.",
                (h + 1) % 24,
                plural(at(now, h), "interaction", "interactions")
            ),
            _ => "No interaction in this period.".to_owned(),
        };
        let rows: Vec<Row> = (0..24)
            .map(|h| Row {
                label: format!("{h:02}:00"),
                now: at(now, h),
                before: at(before, h),
            })
            .collect();
        self.figure(
            &id,
            "Interactions by hour of the day",
            &summary,
            &svg,
            "Hour",
            &rows,
        );
    }

    fn section(&mut self, id: &str, title: &str) {
        self.push(&format!(
            r#"<section class="report-section" aria-labelledby="{id}"><h3 id="{id}">{}</h3>"#,
            escape(title)
        ));
    }

    fn end(&mut self) {
        self.push("</section>");
    }

    /// A key figure: its label, this period's value and the previous one's.
    fn key_figures(&mut self, items: &[(&str, String, String)]) {
        self.push(r#"<dl class="key-figures">"#);
        for (label, now, before) in items {
            self.push(&format!(
                r#"<div><dt>{}</dt><dd><strong>{}</strong> <span class="before">previous period: {}</span></dd></div>"#,
                escape(label),
                escape(now),
                escape(before)
            ));
        }
        self.push("</dl>");
    }

    fn case_links(&mut self, cases: &[CaseRef], more: usize) {
        self.push(r#"<ul class="case-links">"#);
        for c in cases {
            self.push(&format!(
                r#"<li><a href="/cases/{}">{}</a> <span class="unit">{}</span></li>"#,
                c.id,
                escape(&c.patient),
                escape(&c.unit)
            ));
        }
        if more > 0 {
            self.push(&format!("<li>and {more} more</li>"));
        }
        self.push("</ul>");
    }
}

fn median_text(days: &[u32]) -> String {
    match (median(days), percentile(days, 90)) {
        (Some(m), Some(p)) => format!(
            "{} (90th percentile {})",
            plural(u64::from(m), "day", "days"),
            plural(u64::from(p), "day", "days")
        ),
        _ => "no case resolved".to_owned(),
    }
}

fn grievance_share(f: &Figures) -> String {
    share(
        f.answered_in_time + f.answered_in_extension,
        f.grievances_due(),
    )
}

/// The page of `r`.
pub fn render(r: &Report, reader: &Reader<'_>) -> String {
    let mut p = Page {
        out: String::new(),
        charts: 0,
    };
    controls(&mut p, r, reader);
    let (now, before) = (&r.current, &r.before);
    let units = if r.units.is_empty() {
        "every unit you may see".to_owned()
    } else {
        r.units.join(", ")
    };
    p.push(&format!(
        r#"<article class="report" aria-labelledby="report-title" data-from="{}" data-to="{}" data-units="{}"><header class="report-head"><h2 id="report-title">Report for {}</h2><p>Units: {}. Compared with {}. Figures as of {}.</p><p>In the charts, the thick bar or solid line is this period, the thin bar or dashed line the previous one.</p></header>"#,
        r.period.from,
        r.period.to,
        escape(&r.units.join("\n")),
        escape(&r.period.describe()),
        escape(&units),
        escape(&r.previous.describe()),
        escape(&crate::dates::date_time((reader.local)(r.computed_at)))
    ));

    // What to change first.
    suggestions(&mut p, r, reader);

    p.section("report-summary", "In short");
    let resolution = now.all_resolution_days();
    p.key_figures(&[
        (
            "Interactions",
            now.interactions.to_string(),
            before.interactions.to_string(),
        ),
        (
            "Cases opened",
            now.opened().to_string(),
            before.opened().to_string(),
        ),
        (
            "Cases resolved",
            now.resolved().to_string(),
            before.resolved().to_string(),
        ),
        (
            "Time to resolution (median)",
            median_text(&resolution),
            median_text(&before.all_resolution_days()),
        ),
        (
            "Grievances answered in time",
            grievance_share(now),
            grievance_share(before),
        ),
        (
            "Cases reopened",
            now.reopened.len().to_string(),
            before.reopened.len().to_string(),
        ),
    ]);
    p.end();

    p.section("report-communications", "Patient communications");
    p.push(&format!(
        "<p>{} of {} cases with an interaction in the period had at least one bedside visit ({}; {} in the previous period).</p>",
        now.cases_bedside,
        now.cases_contacted,
        share(now.cases_bedside, now.cases_contacted),
        share(before.cases_bedside, before.cases_contacted)
    ));
    p.bars(
        "Interactions by channel",
        "Channel",
        &rows(&now.by_channel, &before.by_channel, channel),
    );
    p.bars(
        "Interactions by party",
        "With",
        &rows(&now.by_party, &before.by_party, party),
    );
    p.bars(
        "Interactions by unit",
        "Unit",
        &rows(&now.by_unit, &before.by_unit, str::to_owned),
    );
    let days: Vec<Row> = (0..7)
        .map(|d| Row {
            label: weekday(d).to_owned(),
            now: now.by_weekday.get(d).copied().unwrap_or(0),
            before: before.by_weekday.get(d).copied().unwrap_or(0),
        })
        .collect();
    p.bars("Interactions by day of the week", "Day", &days);
    p.hours(&now.by_hour, &before.by_hour);
    p.end();

    p.section("report-cases", "Cases");
    p.bars(
        "Cases opened by kind",
        "Kind",
        &rows(&now.opened_by_kind, &before.opened_by_kind, kind),
    );
    p.bars(
        "Cases opened by complaint category (HCAT)",
        "Category",
        &rows(
            &now.opened_by_category,
            &before.opened_by_category,
            category,
        ),
    );
    p.push(r#"<table class="report-table"><caption>Resolved in the period, by kind</caption><thead><tr><th scope="col">Kind</th><th scope="col">Resolved</th><th scope="col">Median days</th><th scope="col">90th percentile</th><th scope="col">Previous period</th></tr></thead><tbody>"#);
    for row in rows(
        &now.resolved_by_kind,
        &before.resolved_by_kind,
        str::to_owned,
    ) {
        let days = now
            .resolution_days
            .get(&row.label)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let num = |v: Option<u32>| v.map_or("–".to_owned(), |d| d.to_string());
        p.push(&format!(
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(&kind(&row.label)),
            row.now,
            num(median(days)),
            num(percentile(days, 90)),
            row.before
        ));
    }
    p.push("</tbody></table>");
    p.push(&format!(
        "<p>All cases resolved: {}.</p>",
        escape(&median_text(&resolution))
    ));
    if !now.reopened.is_empty() {
        p.push(&format!(
            "<h4>Reopened in the period ({})</h4>",
            now.reopened.len()
        ));
        p.case_links(&now.reopened, 0);
    }
    p.end();

    p.section("report-grievances", "Grievances (CMS)");
    p.push(&format!(
        "<p>{} received. Of the {} whose written response was sent or due, {} were answered within 7 days or a recorded extension ({} within 7 days, {} within an extension); {} were late. {} not yet due.</p>",
        plural(now.grievances, "grievance", "grievances"),
        now.grievances_due(),
        grievance_share(now),
        now.answered_in_time,
        now.answered_in_extension,
        now.late.len(),
        now.grievances_pending
    ));
    if !now.late.is_empty() {
        p.push(r#"<table class="report-table"><caption>Late responses</caption><thead><tr><th scope="col">Patient</th><th scope="col">Unit</th><th scope="col">Received by</th><th scope="col">Days late</th><th scope="col">Response</th></tr></thead><tbody>"#);
        for l in &now.late {
            p.push(&format!(
                r#"<tr><th scope="row"><a href="/cases/{}">{}</a></th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
                l.case.id,
                escape(&l.case.patient),
                escape(&l.case.unit),
                escape(l.via.label()),
                l.days_late,
                if l.answered { "sent late" } else { "still owed" }
            ));
        }
        p.push("</tbody></table>");
    }
    p.end();

    rates(&mut p, r, reader);

    p.section("report-followups", "Follow-ups and escalations");
    p.push(&format!(
        r#"<table class="report-table"><caption>Follow-ups due and escalations sent in the period</caption><thead><tr><th scope="col">Figure</th><th scope="col">This period</th><th scope="col">Previous period</th></tr></thead><tbody>{}</tbody></table>"#,
        [
            ("Follow-ups due", now.tasks_due, before.tasks_due),
            ("Done on time", now.tasks_on_time, before.tasks_on_time),
            ("Done late", now.tasks_late, before.tasks_late),
            ("Still open past their date", now.tasks_overdue, before.tasks_overdue),
            ("Families contacting again before a promised follow-up", now.contacted_before_due, before.contacted_before_due),
            ("Escalations sent", now.escalations, before.escalations),
            ("Acknowledged within the window", now.taken_up_in_time, before.taken_up_in_time),
            ("Acknowledged late", now.taken_up_late, before.taken_up_late),
            ("Waiting past the window", now.waiting_overdue, before.waiting_overdue),
        ]
        .iter()
        .map(|(l, a, b)| format!(r#"<tr><th scope="row">{l}</th><td>{a}</td><td>{b}</td></tr>"#))
        .collect::<String>()
    ));
    let take_up = |v: &[u32]| match median(v) {
        Some(m) => format!("median {}", plural(u64::from(m), "minute", "minutes")),
        None => "none acknowledged".to_owned(),
    };
    p.push(&format!(
        "<p>Time to acknowledge an escalation: {} ({} in the previous period).</p>",
        take_up(&now.take_up_minutes),
        take_up(&before.take_up_minutes)
    ));
    p.end();

    p.section("report-discharge", "Discharge planning");
    let with_checklist = now.discharges - now.without_checklist;
    p.push(&format!(
        "<p>{} expected in the period (days already past): {} with a checklist. {} had every required item finished by the expected day ({}); {} still had required items open ({} items). {} had no checklist.</p>",
        plural(now.discharges, "discharge", "discharges"),
        with_checklist,
        now.ready_in_time,
        share(now.ready_in_time, with_checklist),
        now.open_at_discharge,
        now.items_open_at_discharge,
        now.without_checklist
    ));
    p.end();
    p.push("</article>");
    p.out
}

fn suggestion_item(p: &mut Page, r: &Report, s: &Suggestion, reader: &Reader<'_>, dismissed: bool) {
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

fn suggestions(p: &mut Page, r: &Report, reader: &Reader<'_>) {
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

fn rates(p: &mut Page, r: &Report, reader: &Reader<'_>) {
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
fn patient_days_form(p: &mut Page, r: &Report) {
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
            let month = super::PatientDays::month_key(y, m);
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
