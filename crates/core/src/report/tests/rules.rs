//! Each suggestion rule, with cases that must and must not trigger it.

use super::super::facts::DischargeFacts;
use super::super::*;
use super::{case, d, ny, params, refs, task};
use crate::reference::{CaseKind, Channel, ComplaintCategory, Party};
use crate::status::Status;
use chrono::NaiveDate;

pub(super) fn with_unit(
    n: u64,
    unit: &str,
    kind: CaseKind,
    received: NaiveDate,
) -> (String, CaseFacts) {
    (unit.to_owned(), case(n, unit, kind, received))
}

pub(super) fn suggestions(cases: &[(String, CaseFacts)], period: Period) -> Vec<Suggestion> {
    compute(&refs(cases), &params(period, ny(2026, 12, 7, 9, 0), &[])).suggestions
}

pub(super) fn rules_of(s: &[Suggestion]) -> Vec<Rule> {
    s.iter().map(|s| s.rule).collect()
}

/// `now` complaints about communication in 4B this month, `before` last
/// month, and a complaint in 5W so the report has two units.
pub(super) fn rise(now: u64, before: u64) -> Vec<(String, CaseFacts)> {
    let mut out = vec![with_unit(999, "5W", CaseKind::Complaint, d(2026, 11, 2))];
    for n in 0..now + before {
        let on = if n < now {
            d(2026, 11, 4)
        } else {
            d(2026, 10, 4)
        };
        let mut c = with_unit(n, "4B", CaseKind::Complaint, on);
        c.1.category = Some(ComplaintCategory::Communication);
        c.1.status = Status::Resolved;
        out.push(c);
    }
    out
}

#[test]
fn a_category_rising_sharply_in_a_unit_is_suggested_with_its_cases() {
    let nov = Period::month_of(d(2026, 11, 1));
    let s = suggestions(&rise(6, 2), nov);
    assert_eq!(rules_of(&s), vec![Rule::CategoryRise]);
    assert_eq!(s[0].id, "category_rise/4B/communication");
    assert!(s[0].finding.contains("from 2 to 6"), "{}", s[0].finding);
    assert!(s[0].finding.contains("October 2026"));
    assert_eq!(s[0].cases.len(), 6, "this month's, not last month's");
    assert!(s[0].cases.iter().all(|c| c.unit == "4B"));
    // From none: stated so.
    let s = suggestions(&rise(5, 0), nov);
    assert!(s[0].finding.contains("from none to 5"));
    // Too few, not doubled, or not up by 3: nothing.
    assert!(suggestions(&rise(4, 0), nov).is_empty());
    assert!(suggestions(&rise(7, 4), nov).is_empty());
    assert!(suggestions(&rise(2, 0), nov).is_empty());
}

pub(super) fn late_grievances(units: &[&str], via: Channel) -> Vec<(String, CaseFacts)> {
    units
        .iter()
        .enumerate()
        .map(|(n, u)| {
            let mut c = with_unit(n as u64, u, CaseKind::Grievance, d(2026, 11, 2));
            c.1.via = via;
            c
        })
        .collect()
}

#[test]
fn late_responses_concentrated_in_one_unit_or_channel() {
    let nov = Period::month_of(d(2026, 11, 1));
    let mut cases = late_grievances(&["4B", "4B", "4B", "5W"], Channel::Phone);
    let s = suggestions(&cases, nov);
    assert_eq!(rules_of(&s), vec![Rule::LateByUnit, Rule::LateByChannel]);
    assert_eq!(s[0].id, "late_by_unit/4B");
    assert!(s[0].finding.starts_with("3 of the 4 late"));
    assert_eq!(s[0].cases.len(), 3);
    assert!(s[1].finding.contains("phone call"));
    // Spread out: nothing about a unit, and two by letter, two by phone.
    cases = late_grievances(&["4B", "4B", "5W", "5W"], Channel::Letter);
    cases[0].1.via = Channel::Phone;
    cases[2].1.via = Channel::Phone;
    assert!(suggestions(&cases, nov).is_empty());
    // Two late ones are never a pattern.
    let cases = late_grievances(&["4B", "4B"], Channel::Phone);
    assert!(suggestions(&cases, nov).is_empty());
}

#[test]
fn repeated_themes_among_open_complaints() {
    let nov = Period::month_of(d(2026, 11, 1));
    let themed = |n: usize, tag: &str| -> Vec<(String, CaseFacts)> {
        (0..n)
            .map(|i| {
                let mut c = with_unit(i as u64, "4B", CaseKind::Concern, d(2026, 11, 20));
                c.1.tags = vec![tag.to_owned()];
                c
            })
            .collect()
    };
    let s = suggestions(&themed(4, "Parking"), nov);
    assert_eq!(rules_of(&s), vec![Rule::RepeatedTheme]);
    assert_eq!(s[0].id, "repeated_theme/tag:parking");
    assert_eq!(s[0].cases.len(), 4);
    assert!(suggestions(&themed(3, "Parking"), nov).is_empty());
    // Resolved ones are not open themes.
    let mut done = themed(4, "Parking");
    done[0].1.status = Status::Resolved;
    assert!(suggestions(&done, nov).is_empty());
}

#[test]
fn the_slowest_kind_to_resolve() {
    let nov = Period::month_of(d(2026, 11, 1));
    let resolved = |n: u64, kind: CaseKind, days: u32| {
        let mut c = with_unit(n, "4B", kind, d(2026, 11, 1));
        c.1.resolved = vec![ny(2026, 11, 1 + days, 12, 0)];
        c.1.status = Status::Resolved;
        c
    };
    let mut cases: Vec<_> = (0..5)
        .map(|n| resolved(n, CaseKind::BillingInsurance, 12 + n as u32))
        .collect();
    cases.extend((10..15).map(|n| resolved(n, CaseKind::Concern, 2)));
    let s = suggestions(&cases, nov);
    assert_eq!(rules_of(&s), vec![Rule::SlowestKind]);
    assert!(
        s[0].finding
            .starts_with("Billing / insurance cases took longest"),
        "{}",
        s[0].finding
    );
    assert!(s[0].finding.contains("median of 14 days"));
    assert_eq!(s[0].cases.len(), 5);
    // Four billing cases are too few to say so.
    cases.remove(0);
    assert!(suggestions(&cases, nov).is_empty());
    // As fast as the others: nothing.
    let even: Vec<_> = (0..5)
        .map(|n| resolved(n, CaseKind::BillingInsurance, 3))
        .chain((10..15).map(|n| resolved(n, CaseKind::Concern, 2)))
        .collect();
    assert!(suggestions(&even, nov).is_empty());
}

#[test]
fn families_contacting_again_before_a_promised_follow_up() {
    let nov = Period::month_of(d(2026, 11, 1));
    let early = |n: u64, party: Party| {
        let mut c = with_unit(n, "4B", CaseKind::CareCoordination, d(2026, 11, 2));
        c.1.tasks = vec![task(d(2026, 11, 10), ny(2026, 11, 2, 9, 0), None)];
        c.1.contacts = vec![(ny(2026, 11, 6, 9, 0), Channel::Phone, party)];
        c.1.status = Status::Resolved;
        c
    };
    let cases: Vec<_> = (0..3)
        .map(|n| early(n, Party::FamilyOrRepresentative))
        .collect();
    let s = suggestions(&cases, nov);
    assert_eq!(rules_of(&s), vec![Rule::ContactBeforeDue]);
    assert_eq!(s[0].cases.len(), 3);
    // The patient calling, or only two families: nothing.
    let mut cases = cases;
    cases[0] = early(0, Party::Patient);
    assert!(suggestions(&cases, nov).is_empty());
}

#[test]
fn discharges_with_required_items_open() {
    let nov = Period::month_of(d(2026, 11, 1));
    let discharge = |n: u64, open: bool| {
        let mut c = with_unit(n, "4B", CaseKind::DischargePlanning, d(2026, 11, 1));
        c.1.status = Status::Resolved;
        c.1.discharge = Some(DischargeFacts {
            expected: d(2026, 11, 15),
            required: vec![if open {
                None
            } else {
                Some(ny(2026, 11, 14, 9, 0))
            }],
        });
        c
    };
    let cases: Vec<_> = (0..10).map(|n| discharge(n, n < 3)).collect();
    let s = suggestions(&cases, nov);
    assert_eq!(rules_of(&s), vec![Rule::DischargeItemsOpen]);
    assert_eq!(s[0].cases.len(), 3);
    let cases: Vec<_> = (0..20).map(|n| discharge(n, n < 3)).collect();
    assert!(suggestions(&cases, nov).is_empty(), "3 of 20 is under 25 %");
}
