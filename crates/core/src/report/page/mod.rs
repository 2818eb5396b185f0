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

mod chart;
mod forms;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::Report;
use super::figures::Figures;
use super::stats::{median, percentile};
use crate::markup::escape;
use chart::{Page, Row, category, channel, kind, party, plural, rows, share, weekday};
use forms::{controls, rates, suggestions};

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

pub(super) fn median_text(days: &[u32]) -> String {
    match (median(days), percentile(days, 90)) {
        (Some(m), Some(p)) => format!(
            "{} (90th percentile {})",
            plural(u64::from(m), "day", "days"),
            plural(u64::from(p), "day", "days")
        ),
        _ => "no case resolved".to_owned(),
    }
}

pub(super) fn grievance_share(f: &Figures) -> String {
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
    if !r.supplies.is_empty() {
        supplies(&mut p, &r.supplies);
    }
    p.push("</article>");
    p.out
}

/// Ward supplies by unit: what is below par now, how long requests waited
/// to be filled, and the items that keep running out, with the suggestion
/// to raise their par level (`supplies::history`).
fn supplies(p: &mut Page, units: &[crate::supplies::history::UnitFigures]) {
    use crate::supplies::history::median;
    p.section("report-supplies", "Ward supplies");
    for u in units {
        let unit = escape(&u.unit);
        let waits: Vec<f64> = u.refills.iter().map(|r| r.minutes as f64 / 60.0).collect();
        let wait = match median(waits) {
            Some(h) => format!(
                "{} filled, median wait {:.1} hours",
                plural(u.refills.len() as u64, "request", "requests"),
                h
            ),
            None => "no request filled".to_owned(),
        };
        p.push(&format!(
            "<h4>{unit}</h4><p>{} below par now; {wait} in the period; {} still open.</p>",
            plural(u.below.len() as u64, "item", "items"),
            plural(u64::from(u.open_requests), "request", "requests"),
        ));
        if !u.below.is_empty() {
            let rows: String = u
                .below
                .iter()
                .map(|b| {
                    format!(
                        r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td class="{}">{}</td></tr>"#,
                        escape(&b.name),
                        b.have,
                        b.par,
                        b.level.class(),
                        b.level.label()
                    )
                })
                .collect();
            p.push(&format!(
                r#"<table class="report-table"><caption>{unit}: items below par by their last count</caption><thead><tr><th scope="col">Item</th><th scope="col">Last count</th><th scope="col">Par</th><th scope="col">Level</th></tr></thead><tbody>{rows}</tbody></table>"#
            ));
        }
        let advice: Vec<String> = u
            .stock_outs
            .iter()
            .filter_map(|s| s.suggestion(&u.unit))
            .collect();
        if !advice.is_empty() {
            p.push(&format!(
                r#"<ul class="supply-advice" aria-label="{unit}: recurring stock-outs">{}</ul>"#,
                advice
                    .iter()
                    .map(|a| format!("<li>{}</li>", escape(a)))
                    .collect::<String>()
            ));
        }
    }
    p.end();
}
