//! The hospital's structure, for administrators (issue 13): units and
//! departments, the directory as CSV, and mapping the unit texts of
//! existing cases and accounts. Online only: the server keeps all of it
//! (an administrator edits it at a desk), so every action says plainly when
//! the server cannot be reached, and what was typed stays in the form.
//!
//! A desk page used a few times a year, so its forms are markup
//! (`views/html.rs`) read back with `FormData`, not a signal and a view per
//! field: written as views, this page alone cost about 19 KB brotli.
//! What is typed lives in the form; it is read into `draft` before
//! anything redraws the rows (adding, retiring, a message, a mapping).

use crate::views::fields::{from_ident, ident};
use advocase_core::access::Role;
use advocase_core::directory::wire::{Imported, MapText, RowProblem, Unmatched};
use advocase_core::directory::{Department, DepartmentKind, Structure, Unit};
use advocase_core::id::Id;
use leptos::prelude::*;
use serde::Deserialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::clock;
use crate::network::use_online;
use crate::server::{self, Failure};
use crate::views::access_log::save_csv;
use crate::views::fields::{ErrorSummary, FormState, focus};
use crate::views::html::{FormValues, Markup, escape};

const OFFLINE: &str = "This needs the server, which could not be reached: nothing was sent, \
and what you typed is still here. Try again when online.";
const UNLOADED: &str = "The hospital's structure needs the server, which could not be reached: \
it shows here once this device is back online (or open the page again).";
const STALE: &str = "Someone else saved the units and departments first, so your changes were \
not saved. The form now shows their version: make your changes again.";

/// The id of the units-and-departments form, read back by it.
const ROWS_FORM: &str = "structure-rows-form";

/// A unit's aliases while edited: one comma-separated text, the only
/// element, as the form shows them.
fn editable(mut s: Structure) -> Structure {
    for u in &mut s.units {
        u.aliases = vec![u.aliases.join(", ")];
    }
    s
}

/// The structure as the server takes it: the aliases split again.
fn to_save(s: &Structure) -> Structure {
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

/// A row's fields (by their names in `Structure::check`'s problems) and
/// labels: a unit's, then a department's. Read and written by name, so
/// one loop draws both lists.
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
            "kind" => ident(&r.kind),
            _ => r.location.clone(),
        })
    };
    text.unwrap_or_default()
}

fn write(s: &mut Structure, u: bool, i: usize, field: &str, v: String) {
    if u {
        if let Some(r) = s.units.get_mut(i) {
            match field {
                "name" => r.name = v,
                "code" => r.code = v,
                "location" => r.location = v,
                _ => r.aliases = vec![v],
            }
        }
    } else if let Some(r) = s.departments.get_mut(i) {
        match field {
            "name" => r.name = v,
            "kind" => r.kind = from_ident(&v).unwrap_or_default(),
            _ => r.location = v,
        }
    }
}

/// Row `i`'s id and whether it is retired.
fn state(s: &Structure, u: bool, i: usize) -> Option<(Id, bool)> {
    if u {
        s.units.get(i).map(|r| (r.id, r.retired))
    } else {
        s.departments.get(i).map(|r| (r.id, r.retired))
    }
}

fn len(s: &Structure, u: bool) -> usize {
    if u {
        s.units.len()
    } else {
        s.departments.len()
    }
}

/// What the rows' form holds now, into `s` (rows are the same ones: only
/// their texts change between redraws).
fn typed(s: &mut Structure) {
    let Some(v) = FormValues::by_id(ROWS_FORM) else {
        return;
    };
    for u in [true, false] {
        let list = LIST[usize::from(!u)];
        for i in 0..len(s, u) {
            for (field, _) in FIELDS[usize::from(!u)] {
                if let Some(text) = v.get(&format!("{list}.{i}.{field}")) {
                    write(s, u, i, field, text);
                }
            }
        }
    }
}

/// The rows of both lists as markup. `saved`: whether an id is in the
/// version loaded (such a row is retired, never removed).
fn rows(form: FormState, s: &Structure, saved: impl Fn(Id) -> bool) -> String {
    let kinds: Vec<(String, &str)> = DepartmentKind::ALL
        .iter()
        .map(|k| (ident(k), k.label()))
        .collect();
    let kinds: Vec<(&str, &str)> = kinds.iter().map(|(v, l)| (v.as_str(), *l)).collect();
    let mut m = Markup::new(form);
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
        m.out += &format!(r#"<h3>{heading}</h3><ol class="structure-rows">"#);
        for i in 0..len(s, u) {
            let (id, retired) = state(s, u, i).unwrap_or_default();
            let (class, mark) = if retired {
                (r#" class="retired""#, " (retired)")
            } else {
                ("", "")
            };
            m.out += &format!(
                r#"<li{class}><fieldset><legend>{what} {n}{mark}</legend><div class="grid">"#,
                n = i + 1
            );
            for &(field, label) in FIELDS[usize::from(!u)] {
                let name = format!("{list}.{i}.{field}");
                let value = read(s, u, i, field);
                if field == "kind" {
                    m.select(&name, label, &kinds, &value);
                } else {
                    m.input("text", &name, label, &value);
                }
            }
            let action = if !saved(id) {
                "Remove"
            } else if retired {
                "Restore"
            } else {
                "Retire"
            };
            m.out += &format!(
                r#"</div><button type="button" id="{}" data-row="{list}.{i}">{action}</button></fieldset></li>"#,
                form.control_id(&format!("{list}.{i}.retire"))
            );
        }
        m.out += &format!(
            r#"</ol><button type="button" id="{}" data-add="{list}">{add}</button>"#,
            form.control_id(&format!("{list}.add"))
        );
    }
    m.out
}

/// A status (`true`) or an alert, where it is placed; one view for every
/// such line of the page.
fn notice(s: RwSignal<Option<(bool, String)>>) -> impl Fn() -> Option<AnyView> + Copy {
    move || {
        s.get().map(|(ok, m)| {
            view! {
                <p class="notice" class:info=ok class:error=!ok role=if ok { "status" } else { "alert" }>{m}</p>
            }
            .into_any()
        })
    }
}

/// The body of the import's 422 (every bad row) and of any other refusal.
#[derive(serde::Serialize, Deserialize)]
#[serde(remote = "Self")]
struct Refusal {
    message: String,
    #[serde(default)]
    problems: Vec<RowProblem>,
}
advocase_core::record!(Refusal);

fn count(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// The import's refusal, every bad row listed, as markup.
fn refusal(r: &Refusal) -> String {
    let mut out = format!("<p>{}</p><ul>", escape(&r.message));
    for p in &r.problems {
        let line = if p.line > 0 {
            format!("Line {}: {}", p.line, p.message)
        } else {
            p.message.clone()
        };
        out += &format!("<li>{}</li>", escape(&line));
    }
    out + "</ul>"
}

/// The unit texts that name no unit, one small form each, as markup.
/// `choices`: the units they may be mapped to; `picked`: the choice last
/// sent (kept when it is refused).
fn unmatched_rows(
    form: FormState,
    list: &[Unmatched],
    choices: &[(String, String)],
    picked: &(String, String),
) -> String {
    let choices: Vec<(&str, &str)> = choices
        .iter()
        .map(|(v, l)| (v.as_str(), l.as_str()))
        .collect();
    let mut m = Markup::new(form);
    m.out += r#"<ul class="plain">"#;
    for (i, u) in list.iter().enumerate() {
        let field = format!("map-{i}");
        let text = escape(&u.text);
        let chosen = if picked.0 == field {
            picked.1.as_str()
        } else {
            ""
        };
        m.out += &format!(
            r#"<li><form class="inline-form" novalidate aria-label="Map “{text}”" data-field="{field}" data-text="{text}"><p class="grow"><strong>{text}</strong> · {}, {}</p>"#,
            count(u.cases, "case"),
            count(u.accounts, "account"),
        );
        m.select(&field, &format!("Map “{}” to", u.text), &choices, chosen);
        m.out += r#"<button type="submit">Map</button></form></li>"#;
    }
    m.out + "</ul>"
}

#[component]
pub fn StructurePage() -> AnyView {
    let auth = crate::app::handles().auth;
    if !auth.user_untracked().is_some_and(|u| u.role == Role::Admin) {
        return view! {
            <h1>"Hospital structure"</h1>
            <p class="notice warn">"Only administrators keep the hospital's structure."</p>
        }
        .into_any();
    }
    let online = use_online();
    // The newest version the server gave (as edited, see `editable`), and
    // the form's copy of it.
    let loaded = RwSignal::new(None::<Structure>);
    let draft = RwSignal::new(Structure::default());
    let form = FormState::new("structure");
    let note = RwSignal::new(None::<(bool, String)>);
    let load_failure = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let unmatched = RwSignal::new(None::<Vec<Unmatched>>);
    let map_form = FormState::new("map");
    // Redraws the rows with what is typed kept, then `then` (a message).
    let keep_typed = move || draft.update(typed);

    let load_unmatched = move || {
        let token = auth.token();
        leptos::task::spawn_local(async move {
            match server::get::<Vec<Unmatched>>(token.as_deref(), "/api/structure/unmatched").await
            {
                Ok(list) => unmatched.set(Some(list)),
                Err(Failure::Unreachable) => map_form.fail(OFFLINE),
                Err(f) => map_form.fail(f.message()),
            }
        });
    };
    // The newest version into the form, replacing the draft; `then` is
    // said once it is shown (why it was reloaded).
    let load = move |then: Option<&'static str>| {
        let token = auth.token();
        leptos::task::spawn_local(async move {
            match server::get::<Structure>(token.as_deref(), "/api/structure").await {
                Ok(s) => {
                    let s = editable(s);
                    draft.set(s.clone());
                    loaded.set(Some(s));
                    load_failure.set(None);
                    if let Some(m) = then {
                        form.fail(m);
                    }
                }
                Err(Failure::Unreachable) => load_failure.set(Some((false, UNLOADED.into()))),
                Err(f) => load_failure.set(Some((false, f.message()))),
            }
        });
        load_unmatched();
    };
    // At once, and again when the network comes back if nothing was shown.
    Effect::new(move |_| {
        if online.get() && loaded.with_untracked(Option::is_none) {
            load(None);
        } else if !online.get_untracked() && loaded.with_untracked(Option::is_none) {
            load_failure.set(Some((false, UNLOADED.into())));
        }
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        note.set(None);
        keep_typed();
        let next = to_save(&draft.get_untracked());
        // Every problem at once, each at its field; the server checks the
        // same rules and names only the first.
        if let Err(p) = next.check() {
            return form.invalid(p);
        }
        // Not even tried offline: a request the browser cannot send is an
        // error in its console, and the answer is known.
        if !online.get_untracked() {
            return form.fail(OFFLINE);
        }
        let Some(token) = auth.token() else {
            return form.fail("Sign in again to save.");
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result =
                server::send::<_, Structure>("PUT", Some(&token), "/api/structure", &next).await;
            busy.set(false);
            keep_typed();
            match result {
                Ok(s) => {
                    form.clear();
                    note.set(Some((true, format!("Saved as version {}.", s.version))));
                    let s = editable(s);
                    draft.set(s.clone());
                    loaded.set(Some(s));
                    load_unmatched();
                }
                // Theirs replaces the draft: nothing of ours half-saved.
                Err(Failure::Refused { status: 409, .. }) => load(Some(STALE)),
                Err(Failure::Refused { error, .. }) => match error.field {
                    Some(f) => form.invalid_field(&f, error.message),
                    None => form.fail(error.message),
                },
                Err(Failure::Unreachable) => form.fail(OFFLINE),
            }
        });
    };
    // "Add unit", "Add department", and each row's Retire, Restore or
    // Remove: one listener for the markup's buttons.
    let click = move |ev: leptos::ev::MouseEvent| {
        let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let (add, row) = (
            button.get_attribute("data-add"),
            button.get_attribute("data-row"),
        );
        if add.is_none() && row.is_none() {
            return;
        }
        keep_typed();
        let focused = if let Some(list) = add {
            let id = clock::new_id();
            draft.try_update(|s| {
                if list == LIST[0] {
                    s.units.push(Unit {
                        id,
                        aliases: vec![String::new()],
                        ..Unit::default()
                    });
                    format!("units.{}.name", s.units.len() - 1)
                } else {
                    s.departments.push(Department {
                        id,
                        ..Department::default()
                    });
                    format!("departments.{}.name", s.departments.len() - 1)
                }
            })
        } else {
            let row = row.unwrap_or_default();
            let mut parts = row.split('.');
            let u = parts.next() == Some(LIST[0]);
            let Some(i) = parts.next().and_then(|i| i.parse::<usize>().ok()) else {
                return;
            };
            let Some((id, _)) = draft.with_untracked(|s| state(s, u, i)) else {
                return;
            };
            // A row saved before is retired (or restored); one added since
            // the last save is simply taken out.
            let saved = loaded.with_untracked(|l| {
                l.as_ref().is_some_and(|l| {
                    l.units.iter().any(|r| r.id == id) || l.departments.iter().any(|r| r.id == id)
                })
            });
            draft.update(|s| match (u, saved) {
                (true, false) => drop(s.units.remove(i)),
                (true, true) => s.units[i].retired ^= true,
                (false, false) => drop(s.departments.remove(i)),
                (false, true) => s.departments[i].retired ^= true,
            });
            // The same button keeps the focus; a removed row's goes to its
            // list's Add button.
            Some(if saved {
                format!("{row}.retire")
            } else {
                format!("{}.add", LIST[usize::from(!u)])
            })
        };
        if let Some(field) = focused {
            let control = form.control_id(&field);
            request_animation_frame(move || focus(&control));
        }
    };
    let rows_html = move || {
        let s = draft.get();
        loaded.with(|l| {
            rows(form, &s, |id| {
                l.as_ref().is_some_and(|l| {
                    l.units.iter().any(|r| r.id == id) || l.departments.iter().any(|r| r.id == id)
                })
            })
        })
    };

    // The directory as CSV.
    let csv_note = RwSignal::new(None::<(bool, String)>);
    let import_error = RwSignal::new(None::<String>);
    let download = move |_| {
        let token = auth.token();
        csv_note.set(None);
        if !online.get_untracked() {
            return csv_note.set(Some((false, OFFLINE.into())));
        }
        leptos::task::spawn_local(async move {
            let got = match server::fetch("GET", token.as_deref(), "/api/directory.csv", None).await
            {
                Ok(response) => save_csv(response, "directory.csv").await,
                Err(f) => Err(f),
            };
            match got {
                Ok(()) => {}
                Err(Failure::Unreachable) => csv_note.set(Some((false, OFFLINE.into()))),
                Err(f) => csv_note.set(Some((false, f.message()))),
            }
        });
    };
    let import = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        csv_note.set(None);
        // The file as chosen, sent as its bytes: the server checks that it
        // is UTF-8 and reads every row.
        let file = document()
            .get_element_by_id("csv-file")
            .and_then(|input| js_sys::Reflect::get(&input, &"files".into()).ok())
            .and_then(|files| js_sys::Reflect::get(&files, &JsValue::from(0)).ok())
            .filter(|f| !f.is_undefined() && !f.is_null());
        let Some(file) = file else {
            import_error.set(Some("<p>Choose a CSV file first.</p>".into()));
            return;
        };
        if !online.get_untracked() {
            return csv_note.set(Some((false, OFFLINE.into())));
        }
        let token = auth.token();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = server::answer(
                "POST",
                token.as_deref(),
                "/api/directory.csv",
                Some(("text/csv", &file)),
            )
            .await;
            busy.set(false);
            match answer {
                Ok((200, text)) => {
                    import_error.set(None);
                    let i: Imported = serde_json::from_str(&text).unwrap_or_default();
                    csv_note.set(Some((
                        true,
                        format!(
                            "Imported: {} new, {} updated, {} unchanged.",
                            i.created, i.updated, i.unchanged
                        ),
                    )));
                }
                Ok((status, text)) => {
                    let r = serde_json::from_str::<Refusal>(&text).unwrap_or(Refusal {
                        message: format!("The server answered with status {status}."),
                        problems: Vec::new(),
                    });
                    import_error.set(Some(refusal(&r)));
                }
                // The file stays chosen: try again when online.
                Err(_) => csv_note.set(Some((false, OFFLINE.into()))),
            }
        });
    };

    // Mapping a unit text: it becomes an alias of the chosen unit.
    let mapped = RwSignal::new(None::<(bool, String)>);
    let picked = RwSignal::new((String::new(), String::new()));
    let map = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(target) = ev.target() else { return };
        let Some(el) = target.dyn_ref::<web_sys::Element>() else {
            return;
        };
        let field = el.get_attribute("data-field").unwrap_or_default();
        let text = el.get_attribute("data-text").unwrap_or_default();
        let choice = FormValues::of(&target)
            .map(|v| v.text(&field))
            .unwrap_or_default();
        mapped.set(None);
        picked.set((field.clone(), choice.clone()));
        let (Some(unit), Some(version)) = (
            choice.parse::<Id>().ok(),
            loaded.with_untracked(|l| l.as_ref().map(|l| l.version)),
        ) else {
            return map_form.invalid_field(&field, format!("Choose the unit “{text}” means."));
        };
        if !online.get_untracked() {
            return map_form.fail(OFFLINE);
        }
        let token = auth.token();
        let req = MapText {
            version,
            text: text.clone(),
            unit,
        };
        leptos::task::spawn_local(async move {
            let answer =
                server::send::<_, Structure>("POST", token.as_deref(), "/api/structure/map", &req)
                    .await;
            match answer {
                Ok(saved) => {
                    map_form.clear();
                    let name = saved
                        .units
                        .iter()
                        .find(|u| u.id == unit)
                        .map(|u| u.name.clone());
                    mapped.set(Some((
                        true,
                        format!("“{text}” now names {}.", name.unwrap_or_default()),
                    )));
                    let saved = editable(saved);
                    // The same alias into an unsaved draft, now made from
                    // the new version, so mapping keeps what is typed above.
                    keep_typed();
                    draft.update(|d| {
                        if loaded.with_untracked(|l| l.as_ref() == Some(d)) {
                            *d = saved.clone();
                        } else {
                            d.version = saved.version;
                            if let Some(a) = d
                                .units
                                .iter_mut()
                                .find(|u| u.id == unit)
                                .and_then(|u| u.aliases.first_mut())
                            {
                                if !a.trim().is_empty() {
                                    a.push_str(", ");
                                }
                                a.push_str(&text);
                            }
                        }
                    });
                    loaded.set(Some(saved));
                    load_unmatched();
                }
                Err(Failure::Refused { status: 409, .. }) => {
                    map_form.fail(
                        "Someone else saved the units meanwhile: the list now shows the newest. Map it again.",
                    );
                    load(None);
                }
                Err(Failure::Refused { error, .. }) => {
                    map_form.invalid_field(&field, error.message)
                }
                Err(Failure::Unreachable) => map_form.fail(OFFLINE),
            }
        });
    };
    let unmatched_html = move || {
        let list = unmatched.get()?;
        if list.is_empty() {
            return Some(
                r#"<p class="notice info">Every case's and account's unit matches a unit.</p>"#
                    .to_owned(),
            );
        }
        // The units a text may be mapped to: saved and live ones.
        let mut choices = vec![(String::new(), "Choose a unit".to_owned())];
        loaded.with(|l| {
            if let Some(l) = l {
                choices.extend(
                    l.offered_units(&[])
                        .1
                        .into_iter()
                        .map(|u| (u.id.to_string(), u.name.clone())),
                );
            }
        });
        Some(unmatched_rows(map_form, &list, &choices, &picked.get()))
    };

    view! {
        <h1>"Hospital structure"</h1>
        {notice(load_failure)}
        <section class="panel" aria-labelledby="structure-units" hidden=move || loaded.with(Option::is_none)>
            <h2 id="structure-units">"Units and departments"</h2>
            <p>"Units are where patients stay; every case names one. A unit is never deleted: a retired one is no longer offered, and cases that name it keep it. A renamed unit keeps its old name and code as other names, so nobody loses a case to a rename."</p>
            <form id=ROWS_FORM class="structure" aria-label="Units and departments" novalidate on:submit=save on:click=click>
                <ErrorSummary form/>
                <div inner_html=rows_html></div>
                <div class="form-actions">
                    <button type="submit" class="primary" disabled=busy>"Save units and departments"</button>
                    {notice(note)}
                    {move || loaded.with(|l| l.as_ref().filter(|l| l.version > 0).map(|l| {
                        let at = chrono::DateTime::from_timestamp_millis(l.saved_at_ms).unwrap_or_default();
                        format!("Version {}, saved by {} on {}.", l.version, l.saved_by, clock::show_time(at))
                    }))}
                </div>
            </form>
        </section>
        <section class="panel" aria-labelledby="structure-csv">
            <h2 id="structure-csv">"The directory as a CSV file"</h2>
            <p>"Edit the directory in a spreadsheet: download it, change or add rows, and import the file. An import is all or nothing: if any row is wrong, nothing is imported and each wrong row is listed."</p>
            <button type="button" on:click=download>"Download the directory (CSV)"</button>
            <form class="inline-form csv-import" aria-label="Import the directory" novalidate on:submit=import>
                // A file is read when sent, not typed into a value, so this
                // control is written here; its label and the tie to its
                // problems are the same as a field's.
                <div class="field grow">
                    <label for="csv-file">"Import a CSV file"</label>
                    <input id="csv-file" type="file" accept=".csv,text/csv"
                        aria-invalid=move || import_error.with(Option::is_some).then_some("true")
                        aria-describedby=move || import_error.with(Option::is_some).then_some("csv-problems")/>
                    {move || import_error.get().map(|html| view! {
                        <div class="field-error" id="csv-problems" role="alert" inner_html=html></div>
                    })}
                </div>
                <button type="submit" disabled=busy>"Import"</button>
            </form>
            {notice(csv_note)}
        </section>
        <section class="panel" aria-labelledby="structure-map">
            <h2 id="structure-map">"Unit texts that name no unit"</h2>
            <p>"Cases and accounts typed before this list existed may spell a unit another way. Map each spelling to the unit it means: it becomes one of that unit's other names, and every case and account that says it counts as that unit. No case is rewritten."</p>
            <ErrorSummary form=map_form/>
            {notice(mapped)}
            <div on:submit=map inner_html=move || unmatched_html().unwrap_or_default()></div>
        </section>
    }
    .into_any()
}
