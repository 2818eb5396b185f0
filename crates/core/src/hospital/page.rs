//! The hospital's numbers drawn as the administrators' form on Settings
//! (`GET /api/hospital/page`): a desk part (docs/ARCHITECTURE.md) the
//! server draws and the app only shows, so none of it is compiled into
//! every tablet's download. Saving needs the server anyway.

use super::HospitalContacts;
use crate::markup::escape;
use crate::validation::Problems;

/// Where the form is drawn and sent.
pub const PAGE: &str = "/api/hospital/page";

type Read = fn(&HospitalContacts) -> &String;

/// The fields (by their names in `HospitalContacts::check`'s problems)
/// and labels, in the form's order.
pub const FIELDS: [(&str, &str, Read); 7] = [
    ("hospital_name", "Hospital name", |c| &c.hospital_name),
    (
        "patient_relations_phone",
        "Patient relations office phone",
        |c| &c.patient_relations_phone,
    ),
    ("interpreter_phone", "Interpreter line phone", |c| {
        &c.interpreter_phone
    }),
    ("state_agency_name", "State survey agency name", |c| {
        &c.state_agency_name
    }),
    ("state_agency_phone", "State survey agency phone", |c| {
        &c.state_agency_phone
    }),
    ("qio_name", "Medicare QIO name (BFCC-QIO)", |c| &c.qio_name),
    ("qio_phone", "Medicare QIO phone", |c| &c.qio_phone),
];

/// The numbers as the form sent them (`value` of each field's name).
pub fn typed(value: &dyn Fn(&str) -> String) -> HospitalContacts {
    HospitalContacts {
        hospital_name: value("hospital_name"),
        patient_relations_phone: value("patient_relations_phone"),
        interpreter_phone: value("interpreter_phone"),
        state_agency_name: value("state_agency_name"),
        state_agency_phone: value("state_agency_phone"),
        qio_name: value("qio_name"),
        qio_phone: value("qio_phone"),
        ..HospitalContacts::default()
    }
}

/// The form: `shown` in its fields, each of `problems` under its field
/// (the first focused) and all in a summary; `said` a status after a save;
/// `last`, when the saved version was saved as the reader reads it.
pub fn render(
    shown: &HospitalContacts,
    problems: &Problems,
    said: Option<&str>,
    last: Option<&str>,
) -> String {
    let mut fields = String::new();
    let first = problems.0.first().map(|p| p.field.as_str());
    for (name, label, read) in FIELDS {
        let id = format!("hospital-{name}");
        let (attributes, line) = match problems.for_field(name) {
            Some(m) => (
                format!(
                    r#" aria-invalid="true" aria-describedby="{id}-error"{}"#,
                    if first == Some(name) {
                        " autofocus"
                    } else {
                        ""
                    }
                ),
                format!(
                    r#"<p class="field-error" id="{id}-error">{}</p>"#,
                    escape(m)
                ),
            ),
            None => (String::new(), String::new()),
        };
        fields += &format!(
            r#"<div class="field"><label for="{id}">{label}</label><input id="{id}" name="{name}" type="text" value="{}"{attributes}>{line}</div>"#,
            escape(read(shown))
        );
    }
    let summary = if problems.is_empty() {
        String::new()
    } else {
        let items: String = problems
            .0
            .iter()
            .map(|p| {
                format!(
                    r##"<li><a href="#hospital-{}">{}</a></li>"##,
                    escape(&p.field),
                    escape(&p.message)
                )
            })
            .collect();
        format!(
            r#"<div class="notice error error-summary" role="alert"><p>The numbers were not saved:</p><ul>{items}</ul></div>"#
        )
    };
    let said = said.map_or_else(String::new, |s| {
        format!(r#"<span class="saved" role="status">{}</span>"#, escape(s))
    });
    let last = last.map_or_else(String::new, escape);
    format!(
        r#"<section class="panel" aria-labelledby="hospital-numbers"><h2 id="hospital-numbers">Numbers on the patient's rights sheet</h2><p>Patients are told whom to call, inside and outside the hospital. A number left empty is printed as “ask us for this number”: Advocase never makes one up.</p><form class="grid" aria-label="Hospital numbers" data-post="{PAGE}" novalidate>{summary}{fields}<div class="form-actions"><button type="submit" class="primary">Save numbers</button>{said}{last}</div></form></section>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_back_and_problems_are_tied_to_their_fields() {
        let shown = HospitalContacts {
            hospital_name: "St. <Mary>".into(),
            state_agency_phone: "call us".into(),
            ..HospitalContacts::default()
        };
        let problems = shown.check().unwrap_err();
        let html = render(
            &shown,
            &problems,
            None,
            Some("Last saved by root on 1 Mar 2026, 08:30."),
        );
        assert!(html.contains(r#"value="St. &lt;Mary&gt;""#));
        assert!(html.contains(r#"<input id="hospital-state_agency_phone" name="state_agency_phone" type="text" value="call us" aria-invalid="true" aria-describedby="hospital-state_agency_phone-error" autofocus>"#), "{html}");
        assert!(
            html.contains(
                r##"<a href="#hospital-state_agency_phone">State survey agency phone: "##
            )
        );
        assert!(html.contains("Last saved by root on 1 Mar 2026, 08:30."));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        // Every field's value is the one it was drawn with.
        let value = |name: &str| {
            let at = html.find(&format!(r#"name="{name}""#)).unwrap();
            let v = html[at..].split(r#"value=""#).nth(1).unwrap();
            v.split('"')
                .next()
                .unwrap()
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        };
        assert_eq!(typed(&value), shown);
        let saved = render(&shown, &Problems::default(), Some("Saved."), None);
        assert!(saved.contains(r#"<span class="saved" role="status">Saved.</span>"#));
        assert!(!saved.contains("aria-invalid"));
    }
}
