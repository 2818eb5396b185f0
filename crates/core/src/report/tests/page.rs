//! The drawn page: escaped, complete charts, the managers' controls.

use super::super::*;
use super::rules::rise;
use super::{d, id, local, ny, params, refs};

#[test]
fn the_page_escapes_names_and_gives_every_chart_a_title_summary_and_table() {
    let mut cases = rise(6, 2);
    cases[1].1.patient = "<script>alert(1)</script> & Co".into();
    let r = compute(
        &refs(&cases),
        &params(Period::month_of(d(2026, 11, 1)), ny(2026, 12, 7, 9, 0), &[]),
    );
    let manager = page::render(
        &r,
        &page::Reader {
            manager: true,
            local: &local,
            units: &["4B".to_owned(), "5W".to_owned()],
            fresh: id(99),
        },
    );
    assert!(!manager.contains("<script>"), "escaped");
    assert!(manager.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co"));
    assert!(
        !manager.contains("style="),
        "the CSP forbids style attributes"
    );
    let charts = manager.matches("<figure class=\"chart\"").count();
    assert!(charts >= 7, "{charts}");
    for tag in [
        "class=\"chart-title\"",
        "class=\"chart-summary\"",
        "<table class=\"chart-data\">",
        "role=\"img\"",
    ] {
        assert_eq!(manager.matches(tag).count(), charts, "{tag}");
    }
    assert!(manager.contains("Report for November 2026"));
    assert!(manager.contains(r#"<th scope="row">Monday</th>"#));
    assert!(manager.contains(r#"<th scope="row">Sunday</th>"#));
    assert!(manager.contains("Communication complaints in 4B rose from 2 to 6"));
    assert!(manager.contains(r#"name="action" value="dismiss"><input type="hidden" name="suggestion" value="category_rise/4B/communication">"#));
    assert!(manager.contains(r#"<form class="recommend no-print" data-post="/api/report/notes">"#));
    // A coordinator reads the same report without the managers' controls.
    let coordinator = page::render(
        &r,
        &page::Reader {
            manager: false,
            local: &local,
            units: &[],
            fresh: id(99),
        },
    );
    assert!(!coordinator.contains(r#"value="dismiss""#));
    assert!(!coordinator.contains("data-post="));
    // Both can ask for another period, print and export.
    assert!(coordinator.contains(r#"<form id="report-controls""#));
    assert!(coordinator.contains(r#"data-act="print""#));
    assert!(manager.contains(r#"name="month" type="month" value="2026-11""#));
    assert!(manager.contains(r#"<input type="checkbox" name="unit" value="4B">"#));
    // Dismissed: under "Dismissed", with Restore.
    let mut kept = r.clone();
    kept.dismissed = vec!["category_rise/4B/communication".into()];
    let html = page::render(
        &kept,
        &page::Reader {
            manager: true,
            local: &local,
            units: &["4B".to_owned(), "5W".to_owned()],
            fresh: id(99),
        },
    );
    assert!(html.contains("Dismissed (1)"));
    assert!(html.contains(r#"name="action" value="restore""#));
    assert!(html.contains("Every suggestion was dismissed."));
}

/// Ward supplies, when the server adds them: each unit's items below par
/// (escaped), the wait for refills, and the suggestion for an item that
/// keeps running out; no section when no unit keeps a list.
#[test]
fn the_page_shows_ward_supplies_with_the_par_suggestion() {
    use crate::supplies::history::{Below, Refill, StockOuts, UnitFigures};
    use crate::supplies::level::Level;
    let mut r = compute(
        &refs(&rise(1, 1)),
        &params(Period::month_of(d(2026, 11, 1)), ny(2026, 12, 7, 9, 0), &[]),
    );
    let reader = page::Reader {
        manager: true,
        local: &local,
        units: &[],
        fresh: id(99),
    };
    assert!(!page::render(&r, &reader).contains("Ward supplies"));
    let at = chrono::DateTime::from_timestamp_millis(ny(2026, 11, 3, 9, 0)).unwrap();
    r.supplies = vec![UnitFigures {
        unit: "4B".into(),
        below: vec![Below {
            name: "Gowns <size L>".into(),
            have: 0,
            par: 20,
            level: Level::Out,
        }],
        refills: vec![Refill {
            request: id(5),
            to: "Linen".into(),
            asked: at,
            filled: at + chrono::Duration::hours(6),
            minutes: 360,
        }],
        stock_outs: vec![StockOuts {
            item: id(6),
            name: "Gowns".into(),
            month: d(2026, 11, 1),
            times: 3,
            par: 20,
        }],
        open_requests: 1,
    }];
    let html = page::render(&r, &reader);
    assert!(html.contains(r#"<h3 id="report-supplies">Ward supplies</h3>"#));
    assert!(html.contains("Gowns &lt;size L&gt;"));
    assert!(html.contains(r#"<td class="level-out">Out</td>"#));
    assert!(html.contains("1 request filled, median wait 6.0 hours"));
    assert!(html.contains(
        "Gowns on 4B ran out 3 times in November 2026: consider raising its par level above 20."
    ));
}
