//! The hospital's structure page drawn (`GET /api/structure/page`, for
//! administrators): the units and departments as one form, the directory
//! as a CSV file, and the unit texts that name no unit. A desk page
//! (docs/ARCHITECTURE.md): the server draws it and the app only shows it,
//! so none of it is compiled into every tablet's download.
//!
//! The units form is the draft: every action on it (add a row, retire,
//! restore or remove one, map a text, save) sends the whole form as typed
//! with the action in `do`, and the answer is the page again with the
//! draft kept, so nothing typed is lost to a redraw.

use crate::directory::wire::{Imported, RowProblem, Unmatched};
use crate::directory::{DepartmentKind, Structure};
use crate::id::Id;
use crate::markup::escape;
use crate::reference::Identified;
use crate::validation::Problems;

/// Where the units form goes (`POST`, the action in `do`).
pub const PAGE: &str = "/api/structure/page";
/// Where the CSV file goes; the answer is the CSV section again.
pub const IMPORT: &str = "/api/structure/page/import";
/// The units form's id, which the mapping's controls belong to.
pub const ROWS: &str = "structure-rows";
/// The CSV section's id: an import's answer replaces it.
pub const CSV: &str = "structure-csv";

/// A row's fields (by their names in `Structure::check`'s problems) and
/// labels: a unit's, then a department's.
const FIELDS: [&[(&str, &str)]; 2] = [
    &[
        ("name", "Name"),
        ("code", "Short code"),
        ("location", "Floor or building"),
        ("aliases", "Other names (comma-separated)"),
    ],
    &[("name", "Name"), ("location", "Location"), ("kind", "Kind")],
];
const LIST: [&str; 2] = ["units", "departments"];

/// The id of the control named `name` (`units.1.code`).
pub fn control_id(name: &str) -> String {
    format!("structure-{}", name.replace('.', "-"))
}

/// The structure as the form shows it: each unit's aliases one
/// comma-separated text, the only element.
pub fn editable(mut s: Structure) -> Structure {
    for u in &mut s.units {
        u.aliases = vec![u.aliases.join(", ")];
    }
    s
}

/// The structure as it is saved: the aliases split again.
pub fn to_save(s: &Structure) -> Structure {
    let mut s = s.clone();
    for u in &mut s.units {
        u.aliases = u
            .aliases
            .iter()
            .flat_map(|a| a.split(','))
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
    }
    s
}

/// The value of `name` in a form's fields.
pub fn value<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The draft as the units form sent it (as `editable` makes it): its
/// `version`, and each row by its `id` (rows in order, up to the first
/// without one). A row with an id that is not one is left out.
pub fn draft_of(fields: &[(String, String)]) -> Structure {
    let get = |name: String| value(fields, &name).unwrap_or_default().trim().to_owned();
    let mut s = Structure {
        version: get("version".into()).parse().unwrap_or_default(),
        ..Structure::default()
    };
    for (u, list) in [(true, LIST[0]), (false, LIST[1])] {
        for i in 0.. {
            let Some(id) = value(fields, &format!("{list}.{i}.id")) else {
                break;
            };
            let Ok(id) = id.parse::<Id>() else {
                continue;
            };
            let field = |f: &str| get(format!("{list}.{i}.{f}"));
            let retired = field("retired") == "true";
            if u {
                s.units.push(crate::directory::Unit {
                    id,
                    name: field("name"),
                    code: field("code"),
                    location: field("location"),
                    aliases: vec![field("aliases")],
                    retired,
                });
            } else {
                s.departments.push(crate::directory::Department {
                    id,
                    name: field("name"),
                    kind: DepartmentKind::from_ident(&field("kind")).unwrap_or_default(),
                    location: field("location"),
                    retired,
                });
            }
        }
    }
    s
}

/// What the last action says, and where.
#[derive(Debug, Default)]
pub struct Said {
    /// The draft's problems, each under its field, all in a summary.
    pub problems: Problems,
    /// A status (`true`) or an alert in the units form.
    pub rows: Option<(bool, String)>,
    /// The same in the mapping.
    pub map: Option<(bool, String)>,
    /// A refused mapping: the text's row, and why (under its choice).
    pub map_problem: Option<(usize, String)>,
    /// The unit chosen for a text's row, kept when refused.
    pub picked: Option<(usize, String)>,
    /// The control to focus: its name (`units.1.name`, `map.0`).
    pub focus: Option<String>,
}

/// A notice line: a status or an alert.
fn notice((ok, text): &(bool, String)) -> String {
    let (class, role) = if *ok {
        ("info", "status")
    } else {
        ("error", "alert")
    };
    format!(
        r#"<p class="notice {class}" role="{role}">{}</p>"#,
        escape(text)
    )
}

/// The attributes and message line that tie control `name` to its
/// problem, if it has one; and `autofocus` when it is to be focused.
fn tied(name: &str, message: Option<&str>, focus: bool) -> (String, String) {
    crate::markup::tied(&control_id(name), message, focus)
}

/// Row `i`'s `field` in the units (`u`) or the departments.
fn read(s: &Structure, u: bool, i: usize, field: &str) -> String {
    let text = if u {
        s.units.get(i).map(|r| match field {
            "name" => r.name.clone(),
            "code" => r.code.clone(),
            "location" => r.location.clone(),
            _ => r.aliases.first().cloned().unwrap_or_default(),
        })
    } else {
        s.departments.get(i).map(|r| match field {
            "name" => r.name.clone(),
            "kind" => r.kind.ident().to_owned(),
            _ => r.location.clone(),
        })
    };
    text.unwrap_or_default()
}

/// Row `i`'s id and whether it is retired.
fn state(s: &Structure, u: bool, i: usize) -> (Id, bool) {
    if u {
        (s.units[i].id, s.units[i].retired)
    } else {
        (s.departments[i].id, s.departments[i].retired)
    }
}

/// Whether `id` is a row of the version saved (such a row is retired,
/// never removed).
pub fn is_saved(saved: &Structure, id: Id) -> bool {
    saved.units.iter().any(|r| r.id == id) || saved.departments.iter().any(|r| r.id == id)
}

/// The rows of both lists.
fn rows(draft: &Structure, saved: &Structure, said: &Said) -> String {
    let focus = said.focus.as_deref();
    let mut out = String::new();
    for (u, heading, add, what) in [
        (true, "Units", "Add unit", "Unit"),
        (
            false,
            "Departments and services",
            "Add department",
            "Department",
        ),
    ] {
        let list = LIST[usize::from(!u)];
        let count = if u {
            draft.units.len()
        } else {
            draft.departments.len()
        };
        out += &format!(r#"<h3>{heading}</h3><ol class="structure-rows">"#);
        for i in 0..count {
            let (id, retired) = state(draft, u, i);
            let (class, mark) = if retired {
                (r#" class="retired""#, " (retired)")
            } else {
                ("", "")
            };
            out += &format!(
                r#"<li{class}><fieldset><legend>{what} {n}{mark}</legend><input type="hidden" name="{list}.{i}.id" value="{id}"><input type="hidden" name="{list}.{i}.retired" value="{retired}"><div class="grid">"#,
                n = i + 1
            );
            for &(field, label) in FIELDS[usize::from(!u)] {
                let name = format!("{list}.{i}.{field}");
                let cid = control_id(&name);
                let value = read(draft, u, i, field);
                let (attributes, line) = tied(
                    &name,
                    said.problems.for_field(&name),
                    focus == Some(name.as_str()),
                );
                let control = if field == "kind" {
                    let options: String = DepartmentKind::ALL
                        .iter()
                        .map(|k| {
                            let chosen = if k.ident() == value { " selected" } else { "" };
                            format!(
                                r#"<option value="{}"{chosen}>{}</option>"#,
                                k.ident(),
                                k.label()
                            )
                        })
                        .collect();
                    format!(r#"<select id="{cid}" name="{name}"{attributes}>{options}</select>"#)
                } else {
                    format!(
                        r#"<input id="{cid}" name="{name}" type="text" value="{}"{attributes}>"#,
                        escape(&value)
                    )
                };
                out += &format!(
                    r#"<div class="field"><label for="{cid}">{label}</label>{control}{line}</div>"#
                );
            }
            let action = if !is_saved(saved, id) {
                "Remove"
            } else if retired {
                "Restore"
            } else {
                "Retire"
            };
            let button = format!("{list}.{i}.retire");
            out += &format!(
                r#"</div><button type="button" id="{}" data-act="send" data-id="retire:{list}.{i}"{}>{action}</button></fieldset></li>"#,
                control_id(&button),
                if focus == Some(button.as_str()) {
                    " autofocus"
                } else {
                    ""
                }
            );
        }
        let button = format!("{list}.add");
        out += &format!(
            r#"</ol><button type="button" id="{}" data-act="send" data-id="add:{list}"{}>{add}</button>"#,
            control_id(&button),
            if focus == Some(button.as_str()) {
                " autofocus"
            } else {
                ""
            }
        );
    }
    out
}

/// The summary of the draft's problems: each a link to its field.
fn summary(problems: &Problems) -> String {
    crate::markup::summary(
        "The units and departments were not saved:",
        problems,
        control_id,
    )
}

fn count(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// The unit texts that name no unit, each with its choice of unit; their
/// controls belong to the units form, so mapping keeps the draft.
fn unmatched_rows(list: &[Unmatched], saved: &Structure, said: &Said) -> String {
    if list.is_empty() {
        return r#"<p class="notice info">Every case's and account's unit matches a unit.</p>"#
            .to_owned();
    }
    let (_, live) = saved.offered_units(&[]);
    let mut out = String::from(r#"<ul class="plain">"#);
    for (i, u) in list.iter().enumerate() {
        let name = format!("map.{i}");
        let cid = control_id(&name);
        let text = escape(&u.text);
        let chosen = said
            .picked
            .as_ref()
            .filter(|(row, _)| *row == i)
            .map_or("", |(_, c)| c.as_str());
        let problem = said
            .map_problem
            .as_ref()
            .filter(|(row, _)| *row == i)
            .map(|(_, m)| m.as_str());
        let (attributes, line) = tied(&name, problem, said.focus.as_deref() == Some(&name));
        let options: String = std::iter::once((String::new(), "Choose a unit".to_owned()))
            .chain(live.iter().map(|u| (u.id.to_string(), u.name.clone())))
            .map(|(v, l)| {
                let on = if v == chosen { " selected" } else { "" };
                format!(r#"<option value="{v}"{on}>{}</option>"#, escape(&l))
            })
            .collect();
        out += &format!(
            r#"<li><form class="inline-form" novalidate aria-label="Map “{text}”"><p class="grow"><strong>{text}</strong> · {}, {}</p><input type="hidden" form="{ROWS}" name="{name}.text" value="{text}"><div class="field"><label for="{cid}">Map “{text}” to</label><select id="{cid}" form="{ROWS}" name="{name}"{attributes}>{options}</select>{line}</div><button type="button" form="{ROWS}" data-act="send" data-id="map:{i}">Map</button></form></li>"#,
            count(u.cases, "case"),
            count(u.accounts, "account"),
        );
    }
    out + "</ul>"
}

/// What the last import did, for the CSV section.
#[derive(Debug, Default)]
pub enum Import {
    #[default]
    None,
    Done(Imported),
    /// Nothing imported: why, and every bad row.
    Refused(String, Vec<RowProblem>),
}

/// The directory as a CSV file: the download, the import and what the
/// last one did.
pub fn csv_section(import: &Import) -> String {
    let (attributes, problems, note) = match import {
        Import::None => (String::new(), String::new(), String::new()),
        Import::Done(i) => (
            String::new(),
            String::new(),
            notice(&(
                true,
                format!(
                    "Imported: {} new, {} updated, {} unchanged.",
                    i.created, i.updated, i.unchanged
                ),
            )),
        ),
        Import::Refused(message, rows) => {
            let items: String = rows
                .iter()
                .map(|p| {
                    let line = if p.line > 0 {
                        format!("Line {}: {}", p.line, p.message)
                    } else {
                        p.message.clone()
                    };
                    format!("<li>{}</li>", escape(&line))
                })
                .collect();
            (
                r#" aria-invalid="true" aria-describedby="csv-problems" autofocus"#.to_owned(),
                format!(
                    r#"<div class="field-error" id="csv-problems" role="alert"><p>{}</p><ul>{items}</ul></div>"#,
                    escape(message)
                ),
                String::new(),
            )
        }
    };
    format!(
        r#"<section id="{CSV}" class="panel" aria-labelledby="structure-csv-title"><h2 id="structure-csv-title">The directory as a CSV file</h2><p>Edit the directory in a spreadsheet: download it, change or add rows, and import the file. An import is all or nothing: if any row is wrong, nothing is imported and each wrong row is listed.</p><button type="button" data-act="export" data-id="/api/directory.csv" data-file="directory.csv">Download the directory (CSV)</button><form class="inline-form csv-import" aria-label="Import the directory" data-post="{IMPORT}" data-into="{CSV}" novalidate><div class="field grow"><label for="csv-file">Import a CSV file</label><input id="csv-file" name="file" type="file" accept=".csv,text/csv"{attributes}>{problems}</div><button type="submit">Import</button></form>{note}</section>"#
    )
}

/// The page: `draft` (as `editable` makes it) in the units form, `saved`
/// the newest version (which rows are saved, what may be mapped to),
/// `saved_at` when it was saved as the reader reads it, `unmatched` the
/// texts to map, `import` the CSV section's last import.
pub fn render(
    draft: &Structure,
    saved: &Structure,
    saved_at: &str,
    unmatched: &[Unmatched],
    said: &Said,
    import: &Import,
) -> String {
    let version = if saved.version > 0 {
        format!(
            "Version {}, saved by {} on {}.",
            saved.version,
            escape(&saved.saved_by),
            escape(saved_at)
        )
    } else {
        String::new()
    };
    format!(
        r#"<section class="panel" aria-labelledby="structure-units"><h2 id="structure-units">Units and departments</h2><p>Units are where patients stay; every case names one. A unit is never deleted: a retired one is no longer offered, and cases that name it keep it. A renamed unit keeps its old name and code as other names, so nobody loses a case to a rename.</p><form id="{ROWS}" class="structure" aria-label="Units and departments" data-post="{PAGE}" novalidate>{}<input type="hidden" name="version" value="{}">{}<div class="form-actions"><button type="submit" class="primary">Save units and departments</button>{}{version}</div></form></section>{}<section class="panel" aria-labelledby="structure-map"><h2 id="structure-map">Unit texts that name no unit</h2><p>Cases and accounts typed before this list existed may spell a unit another way. Map each spelling to the unit it means: it becomes one of that unit's other names, and every case and account that says it counts as that unit. No case is rewritten.</p>{}{}</section>"#,
        summary(&said.problems),
        draft.version,
        rows(draft, saved, said),
        said.rows.as_ref().map(notice).unwrap_or_default(),
        csv_section(import),
        said.map.as_ref().map(notice).unwrap_or_default(),
        unmatched_rows(unmatched, saved, said),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::{Department, Unit};

    fn id(n: u8) -> Id {
        format!("0190a0b0-0000-7000-8000-0000000000{n:02}")
            .parse()
            .unwrap()
    }

    fn saved() -> Structure {
        Structure {
            version: 2,
            units: vec![Unit {
                id: id(1),
                name: "Cardiology <4B>".into(),
                code: "4B".into(),
                aliases: vec!["Cardio".into(), "4 North B".into()],
                ..Unit::default()
            }],
            departments: vec![Department {
                id: id(2),
                name: "Billing".into(),
                kind: DepartmentKind::Service,
                ..Department::default()
            }],
            saved_by: "root".into(),
            ..Structure::default()
        }
    }

    #[test]
    fn the_form_reads_back_as_the_draft_it_shows() {
        let mut draft = editable(saved());
        draft.units.push(Unit {
            id: id(3),
            name: "Maternity".into(),
            aliases: vec![String::new()],
            retired: true,
            ..Unit::default()
        });
        let html = render(
            &draft,
            &saved(),
            "1 Mar 2026, 08:30",
            &[],
            &Said::default(),
            &Import::None,
        );
        // The fields as a browser sends them: every named control's value
        // (an input's own, a select's chosen option's).
        let mut fields = Vec::new();
        let inputs = html
            .split("<input ")
            .skip(1)
            .map(|p| (p.split('>').next().unwrap(), false));
        let selects = html
            .split("<select ")
            .skip(1)
            .map(|p| (p.split("</select>").next().unwrap(), true));
        for (part, select) in inputs.chain(selects) {
            let attr = |a: &str| {
                part.split(&format!(r#" {a}=""#))
                    .nth(1)
                    .map(|v| v.split('"').next().unwrap().to_owned())
            };
            let Some(name) = attr("name") else { continue };
            let value = if select {
                let chosen = part.split(r#"" selected>"#).next().unwrap();
                chosen.rsplit(r#"value=""#).next().unwrap().to_owned()
            } else {
                attr("value").unwrap_or_default()
            };
            fields.push((name, value.replace("&lt;", "<").replace("&gt;", ">")));
        }
        // Who saved it is the server's record, not the form's.
        draft.saved_by = String::new();
        assert_eq!(draft_of(&fields), draft);
        assert_eq!(to_save(&draft).units[0].aliases, ["Cardio", "4 North B"]);
        // A saved row is retired, a new one removed; no style attribute.
        assert!(html.contains(r#"data-id="retire:units.0">Retire</button>"#));
        assert!(html.contains(r#"data-id="retire:units.1">Remove</button>"#));
        assert!(html.contains("<legend>Unit 2 (retired)</legend>"));
        assert!(html.contains("Version 2, saved by root on 1 Mar 2026, 08:30."));
        assert!(html.contains("Every case's and account's unit matches a unit."));
        assert!(!html.contains("style="), "the CSP forbids style attributes");
        assert!(!html.contains("<4B>"));
    }

    #[test]
    fn problems_are_tied_to_their_fields_and_the_first_is_focused() {
        let mut problems = Problems::default();
        problems.add("units.0.code", "“4B” already names unit X.");
        let said = Said {
            problems,
            focus: Some("units.0.code".into()),
            map_problem: Some((0, "Choose the unit “Heart” means.".into())),
            ..Said::default()
        };
        let unmatched = [Unmatched {
            text: "Heart".into(),
            cases: 1,
            accounts: 0,
        }];
        let html = render(
            &editable(saved()),
            &saved(),
            "",
            &unmatched,
            &said,
            &Import::None,
        );
        assert!(html.contains(r#"id="structure-units-0-code" name="units.0.code" type="text" value="4B" autofocus aria-invalid="true" aria-describedby="structure-units-0-code-error">"#), "{html}");
        assert!(html.contains(r#"<p class="field-error" id="structure-units-0-code-error">“4B” already names unit X.</p>"#));
        assert!(html.contains(r##"role="alert"><p>The units and departments were not saved:</p><ul><li><a href="#structure-units-0-code">"##));
        assert!(html.contains(r#"aria-label="Map “Heart”"><p class="grow"><strong>Heart</strong> · 1 case, 0 accounts</p>"#));
        assert!(html.contains(r#"<select id="structure-map-0" form="structure-rows" name="map.0" aria-invalid="true" aria-describedby="structure-map-0-error">"#));
        // Only live saved units to map to.
        assert!(html.contains(&format!(
            r#"<option value="{}">Cardiology &lt;4B&gt;</option>"#,
            id(1)
        )));
    }

    #[test]
    fn an_import_says_what_it_did_or_lists_every_bad_row() {
        let done = csv_section(&Import::Done(Imported {
            created: 2,
            updated: 0,
            unchanged: 1,
        }));
        assert!(done.contains(r#"role="status">Imported: 2 new, 0 updated, 1 unchanged.</p>"#));
        assert!(!done.contains("aria-invalid"));
        let refused = csv_section(&Import::Refused(
            "Nothing was imported: 1 row to fix.".into(),
            vec![RowProblem {
                line: 3,
                message: "kind <robot>".into(),
            }],
        ));
        assert!(refused.contains(r#"aria-invalid="true" aria-describedby="csv-problems""#));
        assert!(refused.contains("<li>Line 3: kind &lt;robot&gt;</li>"));
    }
}
