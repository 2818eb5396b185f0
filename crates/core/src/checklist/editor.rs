//! The managers' checklist template editor drawn (`GET /api/templates/editor`
//! with `?id=…`, `?copy=…` or `?new`), in one form sent as a browser sends
//! it (`POST /api/templates/editor`). A desk page (docs/ARCHITECTURE.md):
//! saving needs the server anyway (it refuses a version someone else saved
//! first), so the editor is not compiled into every tablet's download.
//!
//! The form carries the template's `id` and the `version` it was opened
//! from (0: a new template or a copy); a save asks for the next. Its
//! actions (`do`, [`act`]) add and remove sections and items; the form is
//! marked `data-draft`, so the app keeps what is typed on the device until
//! it is saved or cancelled. A saved version is answered with [`saved`].

use super::{Section, Template, TemplateItem};
use crate::directory::page::value;
use crate::markup::{escape, summary, tied};
use crate::reference::{Identified, Responsible};
use crate::validation::Problems;

/// Where the form is drawn and sent.
pub const PAGE: &str = "/api/templates/editor";

/// The name the app keeps the form's draft under (`data-draft`).
pub const DRAFT: &str = "template";

/// What the last action says, and where.
#[derive(Debug, Default)]
pub struct Said {
    /// The template's problems, each under its field, all in a summary (the
    /// first focused).
    pub problems: Problems,
    /// A refusal no field explains (someone saved first), at the top,
    /// marked `data-clash` (the app fetches the newest version then).
    pub alert: Option<String>,
    /// The control to focus otherwise (`sections.1.items.0.text`).
    pub focus: Option<String>,
}

/// The id of the control named `name` (`sections.1.title`).
pub fn control_id(name: &str) -> String {
    format!("template-{}", name.replace('.', "-"))
}

/// A blank item, as "Add an item" makes it.
pub fn blank_item() -> TemplateItem {
    TemplateItem {
        text: String::new(),
        responsible: Responsible::Coordinator,
        required: false,
    }
}

/// A blank section with one blank item, as a new template starts.
pub fn blank_section() -> Section {
    Section {
        title: String::new(),
        items: vec![blank_item()],
    }
}

/// The template the form holds, as typed: `id` from its hidden field (nil
/// if it is not one, which a save refuses), `version` the one it was
/// opened from; sections and items in order, up to the first missing.
pub fn template_of(fields: &[(String, String)]) -> Template {
    let text = |name: &str| value(fields, name).unwrap_or_default().to_owned();
    let mut t = Template {
        id: text("id").trim().parse().unwrap_or_default(),
        version: text("version").trim().parse().unwrap_or_default(),
        name: text("name"),
        source: text("source"),
        sections: Vec::new(),
    };
    for s in 0.. {
        let Some(title) = value(fields, &format!("sections.{s}.title")) else {
            break;
        };
        let mut section = Section {
            title: title.to_owned(),
            items: Vec::new(),
        };
        for i in 0.. {
            let at = format!("sections.{s}.items.{i}");
            let Some(item) = value(fields, &format!("{at}.text")) else {
                break;
            };
            section.items.push(TemplateItem {
                text: item.to_owned(),
                responsible: Responsible::from_ident(&text(&format!("{at}.responsible")))
                    .unwrap_or(Responsible::Coordinator),
                required: value(fields, &format!("{at}.required")) == Some("yes"),
            });
        }
        t.sections.push(section);
    }
    t
}

/// The template to save from what was typed: the next version, every text
/// trimmed.
pub fn next_version(typed: &Template) -> Template {
    Template {
        id: typed.id,
        version: typed.version + 1,
        name: typed.name.trim().to_owned(),
        source: typed.source.trim().to_owned(),
        sections: typed
            .sections
            .iter()
            .map(|s| Section {
                title: s.title.trim().to_owned(),
                items: s
                    .items
                    .iter()
                    .map(|i| TemplateItem {
                        text: i.text.trim().to_owned(),
                        ..i.clone()
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Applies the form's action `act` (`add-section`, `add-item.<s>`,
/// `remove-item.<s>.<i>`, `remove-section.<s>`) to `t`, and says which
/// control to focus after it. `None`: not an action this form has.
pub fn act(t: &mut Template, act: &str) -> Option<String> {
    let mut parts = act.split('.');
    let what = parts.next()?;
    let mut n = || parts.next().and_then(|p| p.parse::<usize>().ok());
    match what {
        "add-section" => {
            t.sections.push(blank_section());
            Some(format!("sections.{}.title", t.sections.len() - 1))
        }
        "add-item" => {
            let s = n()?;
            let section = t.sections.get_mut(s)?;
            section.items.push(blank_item());
            Some(format!(
                "sections.{s}.items.{}.text",
                section.items.len() - 1
            ))
        }
        "remove-item" => {
            let (s, i) = (n()?, n()?);
            let section = t.sections.get_mut(s)?;
            (i < section.items.len()).then(|| section.items.remove(i))?;
            Some(format!("add-item.{s}"))
        }
        "remove-section" => {
            let s = n()?;
            (s < t.sections.len()).then(|| t.sections.remove(s))?;
            Some("add-section".to_owned())
        }
        _ => None,
    }
}

/// A problem from `Template::check`, saying where: "Section 2, item 3: …",
/// so the summary's list reads alone.
fn located(field: &str, message: &str) -> String {
    let parts: Vec<&str> = field.split('.').collect();
    let n = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.parse::<usize>().ok())
            .map(|x| x + 1)
    };
    match (parts.first(), n(1), n(3)) {
        (Some(&"sections"), Some(s), Some(i)) => format!("Section {s}, item {i}: {message}"),
        (Some(&"sections"), Some(s), None) => format!("Section {s}: {message}"),
        _ => message.to_owned(),
    }
}

/// Each problem said with where it is.
pub fn located_problems(p: Problems) -> Problems {
    let mut out = Problems::default();
    for e in p.0 {
        out.add(&e.field, located(&e.field, &e.message));
    }
    out
}

/// A text field, labelled, with its problem under it.
fn input(out: &mut String, said: &Said, focus: Option<&str>, name: &str, label: &str, v: &str) {
    let id = control_id(name);
    let (attributes, line) = tied(&id, said.problems.for_field(name), focus == Some(name));
    *out += &format!(
        r#"<div class="field grow"><label for="{id}">{}</label><input id="{id}" name="{name}" type="text" value="{}"{attributes}>{line}</div>"#,
        escape(label),
        escape(v)
    );
}

/// A button sending the form with `do` set to `act`, focused if asked.
fn button(focus: Option<&str>, act: &str, attributes: &str, text: &str) -> String {
    let autofocus = if focus == Some(act) { " autofocus" } else { "" };
    format!(
        r#"<button type="button" data-act="send" data-id="{act}"{attributes}{autofocus}>{}</button>"#,
        escape(text)
    )
}

/// The form holding `t`, opened from version `t.version` (0: a new template
/// or a copy), with what `said` says.
pub fn render(t: &Template, said: &Said) -> String {
    let focus = said
        .problems
        .0
        .first()
        .map(|p| p.field.as_str())
        .or(said.focus.as_deref());
    let heading = if t.version == 0 {
        "New template".to_owned()
    } else {
        format!("Edit “{}” (version {})", t.name, t.version)
    };
    let alert = said
        .alert
        .as_deref()
        .map(|a| {
            format!(
                r#"<p class="notice error" role="alert" tabindex="-1" data-clash{}>{}</p>"#,
                if focus.is_none() { " autofocus" } else { "" },
                escape(a)
            )
        })
        .unwrap_or_default();
    let mut out = format!(
        r#"<form class="panel template-editor" aria-label="Template" data-post="{PAGE}" data-draft="{DRAFT}" novalidate><h2>{}</h2>{}{alert}<input type="hidden" name="id" value="{}"><input type="hidden" name="version" value="{}">"#,
        escape(&heading),
        summary(
            "Please fix the fields marked below:",
            &said.problems,
            control_id
        ),
        t.id,
        t.version,
    );
    input(&mut out, said, focus, "name", "Template name", &t.name);
    input(
        &mut out,
        said,
        focus,
        "source",
        "Source (shown with the template)",
        &t.source,
    );
    if let Some(m) = said.problems.for_field("sections") {
        // No control of its own: its line stands in the summary and here.
        out += &format!(
            r#"<p class="field-error" id="{}">{}</p>"#,
            control_id("sections"),
            escape(m)
        );
    }
    let options = |chosen: Responsible| -> String {
        Responsible::ALL
            .iter()
            .map(|r| {
                let on = if *r == chosen { " selected" } else { "" };
                format!(
                    r#"<option value="{}"{on}>{}</option>"#,
                    r.ident(),
                    escape(r.label())
                )
            })
            .collect()
    };
    for (si, s) in t.sections.iter().enumerate() {
        let n = si + 1;
        out += &format!(r#"<fieldset class="template-section"><legend>Section {n}</legend>"#);
        input(
            &mut out,
            said,
            focus,
            &format!("sections.{si}.title"),
            &format!("Section {n} title"),
            &s.title,
        );
        for (ii, item) in s.items.iter().enumerate() {
            let m = ii + 1;
            let at = format!("sections.{si}.items.{ii}");
            out += &format!(
                r#"<div class="template-item inline-form" role="group" aria-label="Section {n}, item {m}">"#
            );
            input(
                &mut out,
                said,
                focus,
                &format!("{at}.text"),
                &format!("Section {n}, item {m}"),
                &item.text,
            );
            let id = control_id(&format!("{at}.responsible"));
            out += &format!(
                r#"<div class="field"><label for="{id}">Who usually sees to it: section {n}, item {m}</label><select id="{id}" name="{at}.responsible">{}</select></div><label class="check"><input type="checkbox" name="{at}.required" value="yes" aria-label="Required: section {n}, item {m}"{}><span>Required</span></label>{}</div>"#,
                options(item.responsible),
                if item.required { " checked" } else { "" },
                button(
                    focus,
                    &format!("remove-item.{si}.{ii}"),
                    &format!(r#" aria-label="Remove section {n}, item {m}""#),
                    "Remove"
                ),
            );
        }
        out += &format!(
            r#"<div class="button-row">{}{}</div></fieldset>"#,
            button(
                focus,
                &format!("add-item.{si}"),
                "",
                &format!("Add an item to section {n}")
            ),
            button(
                focus,
                &format!("remove-section.{si}"),
                &format!(r#" data-confirm="Remove section {n} and all its items?""#),
                &format!("Remove section {n}")
            ),
        );
    }
    out += &format!(
        r#"<div class="button-row">{}</div><div class="button-row"><button type="submit" class="primary">Save template</button><button type="button" data-act="discard">Cancel</button></div></form>"#,
        button(focus, "add-section", "", "Add a section")
    );
    out
}

/// The answer to a save: said, announced. `data-saved` asks the app to
/// bring its copy of the templates up to date (and drop the draft).
pub fn saved(t: &Template) -> String {
    format!(
        r#"<p class="notice info" role="status" data-saved="{}">Saved version {} of “{}”.</p>"#,
        t.id,
        t.version,
        escape(&t.name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::default_templates;
    use crate::markup::sent;

    fn red() -> Template {
        let mut t = default_templates().remove(0);
        t.name = "RED <\"plan\"> & co".into();
        t.sections[0].items[1].required = !t.sections[0].items[1].required;
        t.sections[0].items[2].responsible = Responsible::Pharmacy;
        t
    }

    #[test]
    fn the_form_reads_back_as_the_template_it_shows() {
        let t = red();
        let html = render(&t, &Said::default());
        assert_eq!(template_of(&sent(&html)), t);
        assert!(html.contains(r#"data-draft="template""#));
        assert!(html.contains(&format!("Edit “{}” (version 1)", escape(&t.name))));
    }

    #[test]
    fn every_control_is_labelled_and_every_action_named() {
        let html = render(&red(), &Said::default());
        for id in html.split(r#"<input id=""#).skip(1) {
            let id = id.split('"').next().unwrap();
            assert!(html.contains(&format!(r#"<label for="{id}">"#)), "{id}");
        }
        for id in html.split(r#"<select id=""#).skip(1) {
            let id = id.split('"').next().unwrap();
            assert!(html.contains(&format!(r#"<label for="{id}">"#)), "{id}");
        }
        assert!(html.contains(r#"aria-label="Required: section 1, item 2""#));
        assert!(html.contains(r#"aria-label="Remove section 1, item 3""#));
        assert!(html.contains(">Add an item to section 1<"));
        assert!(html.contains(r#"data-confirm="Remove section 1 and all its items?""#));
    }

    #[test]
    fn actions_add_and_remove_and_say_what_to_focus() {
        let mut t = red();
        let items = t.sections[0].items.len();
        assert_eq!(
            act(&mut t, "add-item.0"),
            Some(format!("sections.0.items.{items}.text"))
        );
        assert_eq!(t.sections[0].items[items], blank_item());
        let sections = t.sections.len();
        assert_eq!(
            act(&mut t, "add-section"),
            Some(format!("sections.{sections}.title"))
        );
        assert_eq!(act(&mut t, "remove-item.0.0"), Some("add-item.0".into()));
        assert_eq!(t.sections[0].items.len(), items);
        assert_eq!(
            act(&mut t, &format!("remove-section.{sections}")),
            Some("add-section".to_owned())
        );
        assert_eq!(t.sections.len(), sections);
        assert_eq!(act(&mut t, "remove-section.40"), None);
        assert_eq!(act(&mut t, "add-item.x"), None);
        assert_eq!(act(&mut t, "save"), None);
        let html = render(
            &t,
            &Said {
                focus: Some("add-item.0".into()),
                ..Said::default()
            },
        );
        assert!(html.contains(r#"data-id="add-item.0" autofocus>"#));
    }

    #[test]
    fn problems_are_tied_located_summed_up_and_the_first_focused() {
        let mut t = red();
        t.name = "  ".into();
        t.sections[0].items[2].text = String::new();
        let problems = next_version(&t).check().unwrap_err();
        let said = Said {
            problems: located_problems(problems),
            ..Said::default()
        };
        let html = render(&t, &said);
        assert!(html.contains(r#"id="template-name" name="name" type="text" value="  " autofocus aria-invalid="true" aria-describedby="template-name-error""#));
        assert!(html.contains(r#"aria-describedby="template-sections-0-items-2-text-error""#));
        assert!(html.contains("Section 1, item 3: "));
        assert!(html.contains(r##"<a href="#template-sections-0-items-2-text">"##));
    }

    #[test]
    fn a_save_is_the_next_version_trimmed_and_said() {
        let mut t = red();
        t.sections[0].title = "  Before  ".into();
        let next = next_version(&t);
        assert_eq!(next.version, 2);
        assert_eq!(next.sections[0].title, "Before");
        assert!(
            saved(&next).contains("Saved version 2 of “RED &lt;&quot;plan&quot;&gt; &amp; co”.")
        );
        let refused = render(
            &t,
            &Said {
                alert: Some("Version 3 was saved first.".into()),
                ..Said::default()
            },
        );
        assert!(refused.contains(
            r#"role="alert" tabindex="-1" data-clash autofocus>Version 3 was saved first."#
        ));
    }
}
