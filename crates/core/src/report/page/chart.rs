//! The page's drawing pieces: the chart (bars, the 24 hours), a section,
//! key figures, case links, and the vocabulary's words.

use super::super::figures::{CaseRef, Tally};
use super::super::stats::percent;
use crate::markup::escape;
use crate::reference::{CaseKind, Channel, ComplaintCategory, Identified, Party};

/// The English name of weekday `d`, Monday first (1 January 2024 was a
/// Monday).
pub(super) fn weekday(d: usize) -> &'static str {
    let monday = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date");
    crate::i18n::weekday(crate::i18n::Lang::En, monday + chrono::Days::new(d as u64))
}

pub(super) fn label_of<T: Identified>(ident: &str, label: fn(T) -> &'static str) -> String {
    match T::from_ident(ident) {
        Some(v) => label(v).to_owned(),
        None if ident == "none" => "No category".to_owned(),
        None => ident.to_owned(),
    }
}

pub(super) fn channel(i: &str) -> String {
    label_of::<Channel>(i, Channel::label)
}
pub(super) fn party(i: &str) -> String {
    label_of::<Party>(i, Party::label)
}
pub(super) fn kind(i: &str) -> String {
    label_of::<CaseKind>(i, CaseKind::label)
}
pub(super) fn category(i: &str) -> String {
    label_of::<ComplaintCategory>(i, ComplaintCategory::label)
}

pub(super) fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "83 %" or "no figure" when there is nothing to share.
pub(super) fn share(part: u64, whole: u64) -> String {
    percent(part, whole).map_or("no figure".to_owned(), |p| format!("{p} %"))
}

/// A row of a chart: its label, this period's value, the previous one's.
pub(super) struct Row {
    pub label: String,
    pub now: u64,
    pub before: u64,
}

/// The rows of two tallies, labelled, largest first (then by label).
pub(super) fn rows(now: &Tally, before: &Tally, label: impl Fn(&str) -> String) -> Vec<Row> {
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

pub(super) struct Page {
    pub out: String,
    pub charts: usize,
}

impl Page {
    pub(super) fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    pub(super) fn next_id(&mut self) -> String {
        self.charts += 1;
        format!("chart-{}", self.charts)
    }

    /// A horizontal bar chart of `rows`, this period against the previous,
    /// with its title, summary and table.
    pub(super) fn bars(&mut self, title: &str, what: &str, rows: &[Row]) {
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

    pub(super) fn figure(
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
    pub(super) fn hours(&mut self, now: &[u64], before: &[u64]) {
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

    pub(super) fn section(&mut self, id: &str, title: &str) {
        self.push(&format!(
            r#"<section class="report-section" aria-labelledby="{id}"><h3 id="{id}">{}</h3>"#,
            escape(title)
        ));
    }

    pub(super) fn end(&mut self) {
        self.push("</section>");
    }

    /// A key figure: its label, this period's value and the previous one's.
    pub(super) fn key_figures(&mut self, items: &[(&str, String, String)]) {
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

    pub(super) fn case_links(&mut self, cases: &[CaseRef], more: usize) {
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
