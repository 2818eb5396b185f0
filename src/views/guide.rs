//! The coordinator's pocket reference: grievance rules, complaint categories,
//! channels and kinds of case, each with the source to cite to a patient or
//! a surveyor. It is compiled in, so it reads the same with no network.
//!
//! Written as markup: it never changes in place, and a `view!` per list
//! item is compiled code while a string costs only its bytes (README, Size).

use std::fmt::Write;

use advocase_core::reference::{
    CaseKind, Channel, ComplaintCategory, ComplaintDomain, GRIEVANCE_RULES, GRIEVANCE_SOURCE,
    PATIENT_RIGHTS, Party, RIGHTS_SOURCE, Source,
};
use leptos::prelude::*;

use crate::views::html::escape;

#[component]
pub fn Guide() -> impl IntoView {
    view! {
        <h1>"Coordinator's guide"</h1>
        <div inner_html=markup()></div>
    }
}

fn markup() -> String {
    let mut out = String::new();
    let list = |out: &mut String, class: &str, items: &mut dyn Iterator<Item = String>| {
        let _ = write!(out, r#"<ul class="{class}">"#);
        for item in items {
            let _ = write!(out, "<li>{item}</li>");
        }
        out.push_str("</ul>");
    };
    let cite = |out: &mut String, s: Source| {
        let _ = write!(
            out,
            r#"<p class="source">Source: <cite>{}</cite>. {}</p></section>"#,
            escape(s.title),
            escape(s.detail)
        );
    };
    let section = |out: &mut String, id: &str, title: &str| {
        let _ = write!(
            out,
            r#"<section class="panel" aria-labelledby="{id}"><h2 id="{id}">{title}</h2>"#
        );
    };
    section(&mut out, "grievance-rules", "Grievances: the rules");
    list(
        &mut out,
        "rules",
        &mut GRIEVANCE_RULES.iter().map(|r| escape(r)),
    );
    cite(&mut out, GRIEVANCE_SOURCE);
    section(&mut out, "patient-rights", "Patients' rights");
    out.push_str("<p>Every case has <strong>Print rights sheet</strong>: these rights in plain words and large type, in English or Spanish, with the hospital's numbers an administrator entered in Settings.</p>");
    list(
        &mut out,
        "rules",
        &mut PATIENT_RIGHTS.iter().map(|r| escape(r)),
    );
    cite(&mut out, RIGHTS_SOURCE);
    section(&mut out, "categories", "Complaint categories");
    for domain in ComplaintDomain::ALL {
        let _ = write!(
            out,
            r#"<h3>{}</h3><dl class="categories">"#,
            escape(domain.label())
        );
        for c in ComplaintCategory::ALL
            .iter()
            .filter(|c| c.domain() == *domain)
        {
            let _ = write!(
                out,
                "<dt>{}</dt><dd>{}</dd>",
                escape(c.label()),
                escape(c.examples())
            );
        }
        out.push_str("</dl>");
    }
    cite(&mut out, advocase_core::reference::TAXONOMY_SOURCE);
    section(&mut out, "channels", "Interaction channels");
    out.push_str("<p>A complaint that arrives in writing is always handled as a grievance.</p>");
    out.push_str(r#"<ul class="chips">"#);
    for c in Channel::ALL {
        let _ = match c.is_written() {
            true => write!(
                out,
                r#"<li class="written">{} (written)</li>"#,
                escape(c.label())
            ),
            false => write!(out, "<li>{}</li>", escape(c.label())),
        };
    }
    out.push_str("</ul>");
    out.push_str("</section>");
    section(&mut out, "kinds", "Kinds of case");
    list(
        &mut out,
        "chips",
        &mut CaseKind::ALL.iter().map(|k| escape(k.label())),
    );
    out.push_str("<h2>People you deal with</h2>");
    list(
        &mut out,
        "chips",
        &mut Party::ALL.iter().map(|p| escape(p.label())),
    );
    out.push_str("</section>");
    out
}
