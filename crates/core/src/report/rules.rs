//! Suggested improvements: explainable rules over a report's figures.
//!
//! Each rule says in plain words what it saw, with the figures behind it
//! and the cases, and what a manager might change. A rule with too little
//! data says nothing: each has a minimum count (never fewer than 3 cases),
//! so one bad week on a quiet unit is not a trend.

use serde::{Deserialize, Serialize};

use super::facts::CaseFacts;
use super::figures::{CaseRef, Figures, Scope, is_complaint};
use super::period::Period;
use super::stats::{change_percent, median, percent, percentile};
use crate::reference::{CaseKind, Channel, ComplaintCategory, Identified};

/// A category rises sharply when it reaches this many complaints in a
/// unit, at least doubles, and grows by at least 3.
pub const RISE_MIN: u64 = 5;
/// Late grievance responses are "concentrated" from this many in one unit
/// or channel, holding at least [`CONCENTRATED_PERCENT`] of all late ones.
pub const LATE_MIN: u64 = 3;
pub const CONCENTRATED_PERCENT: u64 = 60;
/// A theme repeats from this many open complaints.
pub const THEME_MIN: u64 = 4;
/// A kind of case is compared on its resolution time from this many
/// resolved cases of that kind (and as many of the others).
pub const SLOW_MIN: usize = 5;
/// Families contacting again before a promised follow-up: from this many cases.
pub const EARLY_CONTACT_MIN: u64 = 3;
/// Discharges with required items open: from this many, and this share.
pub const DISCHARGE_MIN: u64 = 3;
pub const DISCHARGE_PERCENT: u64 = 25;
/// At most this many cases listed under a suggestion (the count says the rest).
pub const MAX_LINKED: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    CategoryRise,
    LateByUnit,
    LateByChannel,
    RepeatedTheme,
    SlowestKind,
    ContactBeforeDue,
    DischargeItemsOpen,
}
crate::identified!(Rule {
    CategoryRise,
    LateByUnit,
    LateByChannel,
    RepeatedTheme,
    SlowestKind,
    ContactBeforeDue,
    DischargeItemsOpen
});

/// A figure behind a suggestion: "Complaints this period" = "8".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Figure {
    pub label: String,
    pub value: String,
}
crate::record!(Figure);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Suggestion {
    /// The same for the same finding whenever the report is computed
    /// again, so a manager's dismissal sticks: `category_rise/4B/communication`.
    pub id: String,
    pub rule: Rule,
    /// What was seen, in a sentence.
    pub finding: String,
    /// What to consider changing.
    pub advice: String,
    pub figures: Vec<Figure>,
    /// The cases behind it, at most [`MAX_LINKED`].
    pub cases: Vec<CaseRef>,
    /// How many more there are.
    #[serde(default)]
    pub more: usize,
}
crate::record!(Suggestion);

fn figure(label: &str, value: impl ToString) -> Figure {
    Figure {
        label: label.to_owned(),
        value: value.to_string(),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn category_label(ident: &str) -> String {
    ComplaintCategory::from_ident(ident)
        .map(|c| c.label().to_owned())
        .unwrap_or_else(|| "Uncategorised".to_owned())
}

/// What the rules look at.
pub struct Input<'a, 'b> {
    pub now: &'a Figures,
    pub before: &'a Figures,
    pub previous: Period,
    /// The cases, each with the unit it is grouped under.
    pub cases: &'a [(&'a str, &'a CaseFacts)],
    pub scope: &'a Scope<'b>,
}

impl Input<'_, '_> {
    /// The cases matching `keep`, in id order, at most [`MAX_LINKED`].
    fn linked(&self, keep: impl Fn(&str, &CaseFacts) -> bool) -> (Vec<CaseRef>, usize) {
        let mut all: Vec<CaseRef> = self
            .cases
            .iter()
            .filter(|(u, f)| keep(u, f))
            .map(|(u, f)| CaseRef {
                id: f.id,
                patient: f.patient.clone(),
                unit: (*u).to_owned(),
            })
            .collect();
        crate::order::sort(&mut all);
        let more = all.len().saturating_sub(MAX_LINKED);
        all.truncate(MAX_LINKED);
        (all, more)
    }

    fn received(&self, f: &CaseFacts) -> bool {
        self.scope.period.contains(f.received_on)
    }

    fn suggestion(
        &self,
        id: String,
        rule: Rule,
        finding: String,
        advice: &str,
        figures: Vec<Figure>,
        keep: impl Fn(&str, &CaseFacts) -> bool,
    ) -> Suggestion {
        let (cases, more) = self.linked(keep);
        Suggestion {
            id,
            rule,
            finding,
            advice: advice.to_owned(),
            figures,
            cases,
            more,
        }
    }
}

/// Every rule over one report, in the order above.
pub fn suggest(i: &Input<'_, '_>) -> Vec<Suggestion> {
    let mut out = Vec::new();
    category_rise(i, &mut out);
    late_concentrated(i, &mut out);
    repeated_themes(i, &mut out);
    slowest_kind(i, &mut out);
    contact_before_due(i, &mut out);
    discharge_items_open(i, &mut out);
    out
}

fn category_rise(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    for (unit, tally) in &i.now.category_by_unit {
        for (category, &now) in tally {
            let before = i
                .before
                .category_by_unit
                .get(unit)
                .and_then(|t| t.get(category))
                .copied()
                .unwrap_or(0);
            if now < RISE_MIN || now < 2 * before || now < before + 3 {
                continue;
            }
            let label = category_label(category);
            let rise = match change_percent(before, now) {
                Some(p) => format!("from {before} to {now} (+{p} %)"),
                None => format!("from none to {now}"),
            };
            out.push(i.suggestion(
                format!("{}/{unit}/{category}", Rule::CategoryRise.ident()),
                Rule::CategoryRise,
                format!(
                    "{label} complaints in {unit} rose {rise} against {}.",
                    i.previous.describe()
                ),
                "Look at what changed on the unit (staffing, a new process, one recurring \
                 situation) and agree one change with its manager; check the figure again next period.",
                vec![
                    figure("This period", now),
                    figure("Previous period", before),
                ],
                |u, f| {
                    u == unit
                        && is_complaint(f.kind)
                        && i.received(f)
                        && f.category.map(|c| c.ident()).unwrap_or("none") == category
                },
            ));
        }
    }
}

fn late_concentrated(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    let late = &i.now.late;
    let total = late.len() as u64;
    if total < LATE_MIN {
        return;
    }
    let mut by_unit = super::figures::Tally::new();
    let mut by_channel = super::figures::Tally::new();
    for l in late {
        *by_unit.entry(l.case.unit.clone()).or_default() += 1;
        *by_channel.entry(l.via.ident().to_owned()).or_default() += 1;
    }
    let due = i.now.grievances_due();
    // Concentration means something only when there is more than one
    // place it could be.
    if i.now.complaints_by_unit.len() > 1 {
        for (unit, &n) in &by_unit {
            if n >= LATE_MIN && percent(n, total) >= Some(CONCENTRATED_PERCENT) {
                out.push(i.suggestion(
                    format!("{}/{unit}", Rule::LateByUnit.ident()),
                    Rule::LateByUnit,
                    format!("{n} of the {total} late grievance responses were for {unit}."),
                    "Check how grievances on this unit reach the coordinator and who drafts \
                     the written response; an interim letter with a new date keeps a complex \
                     grievance within the rules.",
                    vec![
                        figure("Late responses in the unit", n),
                        figure("Late responses in all", total),
                        figure("Grievances due in the period", due),
                    ],
                    |u, f| u == unit && late.iter().any(|l| l.case.id == f.id),
                ));
            }
        }
    }
    for (channel, &n) in &by_channel {
        if n >= LATE_MIN && percent(n, total) >= Some(CONCENTRATED_PERCENT) {
            let label = Channel::from_ident(channel)
                .map(Channel::label)
                .unwrap_or(channel);
            out.push(i.suggestion(
                format!("{}/{channel}", Rule::LateByChannel.ident()),
                Rule::LateByChannel,
                format!(
                    "{n} of the {total} late grievance responses were for grievances received by {}.",
                    label.to_lowercase()
                ),
                "Make sure grievances arriving this way are logged the day they arrive, so the \
                 seven days start when the patient's do.",
                vec![
                    figure("Late responses received this way", n),
                    figure("Late responses in all", total),
                ],
                |_, f| f.via.ident() == channel && late.iter().any(|l| l.case.id == f.id),
            ));
        }
    }
}

fn repeated_themes(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    let mut themes: Vec<(&String, u64)> = i
        .now
        .open_themes
        .iter()
        .filter(|(_, n)| **n >= THEME_MIN)
        .map(|(k, n)| (k, *n))
        .collect();
    // The largest first; at most three, so the report stays readable.
    crate::order::sort_by(&mut themes, |a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (theme, n) in themes.into_iter().take(3) {
        let (what, about) = match theme.split_once(':') {
            Some(("category", c)) => (format!("are about {}", category_label(c)), c),
            Some((_, tag)) => (format!("are tagged \u{201c}{tag}\u{201d}"), tag),
            None => continue,
        };
        let is_category = theme.starts_with("category:");
        out.push(i.suggestion(
            format!("{}/{theme}", Rule::RepeatedTheme.ident()),
            Rule::RepeatedTheme,
            format!("{n} open complaints, concerns and grievances {what}."),
            "Answer them as one: find the common cause with the departments involved, and \
             tell each patient what is being changed.",
            vec![figure("Open now", n)],
            |_, f| {
                f.status.is_active()
                    && matches!(
                        f.kind,
                        CaseKind::Complaint | CaseKind::Grievance | CaseKind::Concern
                    )
                    && f.received_on <= i.scope.period.to
                    && if is_category {
                        f.category.is_some_and(|c| c.ident() == about)
                    } else {
                        f.tags.iter().any(|t| t.to_lowercase() == about)
                    }
            },
        ));
    }
}

fn slowest_kind(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    let all = i.now.all_resolution_days();
    let slowest = i
        .now
        .resolution_days
        .iter()
        .filter(|(_, d)| d.len() >= SLOW_MIN)
        .max_by_key(|(k, d)| (median(d), std::cmp::Reverse(*k)));
    let Some((kind, days)) = slowest else { return };
    // The others: every resolution of another kind.
    let mut others: Vec<u32> = i
        .now
        .resolution_days
        .iter()
        .filter(|(k, _)| *k != kind)
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    crate::order::sort(&mut others);
    let (Some(m), Some(rest)) = (median(days), median(&others)) else {
        return;
    };
    if others.len() < SLOW_MIN || m < 3 || m < 2 * rest.max(1) {
        return;
    }
    let label = CaseKind::from_ident(kind)
        .map(CaseKind::label)
        .unwrap_or(kind);
    let p90 = percentile(days, 90).unwrap_or(m);
    out.push(i.suggestion(
        format!("{}/{kind}", Rule::SlowestKind.ident()),
        Rule::SlowestKind,
        format!(
            "{label} cases took longest to resolve: a median of {} (90th percentile {}), against {} for other cases.",
            plural(u64::from(m), "day", "days"),
            plural(u64::from(p90), "day", "days"),
            plural(u64::from(rest), "day", "days"),
        ),
        "Find the step these cases wait on (a department, an insurer, a signature) and \
         agree a named contact or a standing time to answer.",
        vec![
            figure("Resolved of this kind", days.len()),
            figure("Median days, this kind", m),
            figure("Median days, other kinds", rest),
            figure("Median days, all cases", median(&all).unwrap_or(0)),
        ],
        |_, f| f.kind.ident() == kind && super::figures::resolved_in(f, i.scope).is_some(),
    ));
}

fn contact_before_due(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    let n = i.now.contacted_before_due;
    if n < EARLY_CONTACT_MIN {
        return;
    }
    out.push(i.suggestion(
        Rule::ContactBeforeDue.ident().to_owned(),
        Rule::ContactBeforeDue,
        format!(
            "In {} the family contacted us again before the follow-up promised to them was due.",
            plural(n, "case", "cases")
        ),
        "When promising a follow-up, give the family the date and a name, and send a short \
         update before it when the answer will take longer.",
        vec![
            figure("Cases", n),
            figure("Cases with contacts in the period", i.now.cases_contacted),
        ],
        |_, f| super::figures::contacted_before_due(f, i.scope),
    ));
}

fn discharge_items_open(i: &Input<'_, '_>, out: &mut Vec<Suggestion>) {
    let open = i.now.open_at_discharge;
    let with_checklist = i.now.discharges - i.now.without_checklist;
    if open < DISCHARGE_MIN || percent(open, with_checklist) < Some(DISCHARGE_PERCENT) {
        return;
    }
    out.push(i.suggestion(
        Rule::DischargeItemsOpen.ident().to_owned(),
        Rule::DischargeItemsOpen,
        format!(
            "Required discharge items were still open at the expected date in {open} of {with_checklist} discharges with a checklist ({} items).",
            i.now.items_open_at_discharge
        ),
        "Start the checklist at admission or as soon as a date is expected, and go through \
         the open required items with the care team the day before.",
        vec![
            figure("Discharges with items open", open),
            figure("Discharges with a checklist", with_checklist),
            figure("Items open", i.now.items_open_at_discharge),
        ],
        |_, f| super::figures::required_open_at_discharge(f, i.scope).is_some_and(|o| o.is_some_and(|n| n > 0)),
    ));
}
