//! The corrections waiting for an editor, drawn as a page
//! (`GET /api/directory/suggestions/page`, for managers and
//! administrators): what a coordinator said is wrong, about which entry, by
//! whom and when, with the entry's editor a link away, and Accept or Reject
//! with an optional note. A desk page (docs/ARCHITECTURE.md): the
//! corrections are on the server, so the app only shows it.

use super::wire::Suggestion;
use crate::markup::escape;

/// Where the page is drawn; a correction's form goes to `{PAGE}/{id}`.
pub const PAGE: &str = "/api/directory/suggestions/page";

/// The page: `open` oldest first, each sent at the time `at` reads
/// (`at_ms` as the reader's clock says it).
pub fn render(open: &[Suggestion], at: &dyn Fn(i64) -> String) -> String {
    let mut out = String::from(r#"<p><a href="/directory">← Directory</a></p>"#);
    if open.is_empty() {
        return out + r#"<p role="status">No correction is waiting.</p>"#;
    }
    out += r#"<ul class="entries">"#;
    for s in open {
        let id = s.correction.id;
        let entry = s.correction.entry;
        out += &format!(
            r#"<li class="entry-card"><form aria-label="Correction to {name}" data-post="{PAGE}/{id}" novalidate><p class="entry-name"><a href="/directory/{entry}">{name}</a></p><p>“{text}” — {by}, {at}</p><p><a class="button" href="/directory/{entry}/edit">Edit the entry</a></p><div class="field"><label for="note-{id}">Note for {by} (optional)</label><input id="note-{id}" name="note" type="text"></div><div class="form-actions"><button type="button" class="primary" data-act="send" data-id="accept">Accept</button><button type="button" data-act="send" data-id="reject">Reject</button></div></form></li>"#,
            name = escape(&s.entry_name),
            text = escape(&s.correction.text),
            by = escape(&s.by),
            at = escape(&at(s.at_ms)),
        );
    }
    out + "</ul>"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::wire::{Correction, Decision};

    #[test]
    fn each_correction_has_its_answers_and_text_is_escaped() {
        let id = "0190a0b0-0000-7000-8000-000000000001".parse().unwrap();
        let entry = "0190a0b0-0000-7000-8000-000000000002".parse().unwrap();
        let open = [Suggestion {
            correction: Correction {
                id,
                entry,
                text: "Ext <4412>".into(),
            },
            entry_name: "Dana & co".into(),
            by: "ana".into(),
            at_ms: 7,
            decision: Decision::Open,
            decided_by: None,
            note: String::new(),
        }];
        let html = render(&open, &|ms| format!("at {ms}"));
        assert!(html.contains(&format!(
            r#"<form aria-label="Correction to Dana &amp; co" data-post="/api/directory/suggestions/page/{id}""#
        )));
        assert!(html.contains("<p>“Ext &lt;4412&gt;” — ana, at 7</p>"));
        assert!(html.contains(&format!(
            r#"href="/directory/{entry}/edit">Edit the entry</a>"#
        )));
        assert!(html.contains(&format!(
            r#"<label for="note-{id}">Note for ana (optional)</label>"#
        )));
        assert!(html.contains(r#"data-act="send" data-id="accept">Accept</button>"#));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        let none = render(&[], &|_| String::new());
        assert!(none.ends_with(r#"<p role="status">No correction is waiting.</p>"#));
    }
}
