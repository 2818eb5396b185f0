//! Checklist templates: everyone sees which exist; managers create, copy
//! and edit them. Saving makes a new version on the server; checklists
//! already started keep the items of the version they started from.
//!
//! The editor redraws its inputs only when the shape of the template
//! changes (a section or an item added or removed), so typing never loses
//! focus; the draft is written to the device on every change.

use crate::views::fields::from_ident;
use advocase_core::access::Role;
use advocase_core::checklist::{Section, Template, TemplateItem};
use advocase_core::reference::Responsible;
use leptos::prelude::*;

use crate::clock;
use crate::views::fields::ident;
use crate::views::fields::{Control, ErrorSummary, Field, FormState, responsible_options};
use advocase_core::validation::Problems;

#[component]
pub fn TemplateList() -> impl IntoView {
    let templates = crate::app::handles().templates;
    let auth = crate::app::handles().auth;
    let user = auth.username();
    let is_manager = auth
        .user_untracked()
        .is_some_and(|u| u.role == Role::Manager);
    let restored = is_manager.then(|| templates.draft(&user)).flatten();
    let had_draft = restored.is_some();
    let editing = RwSignal::new(restored);
    let message = RwSignal::new(None::<String>);
    let open = move |t: Template| {
        // One template at a time: never drop an edit without asking.
        if editing.with_untracked(Option::is_some)
            && !window()
                .confirm_with_message("Discard the template you are editing?")
                .unwrap_or(false)
        {
            return;
        }
        message.set(None);
        editing.set(Some(t));
    };
    view! {
        <div class="page-head">
            <h1>"Checklist templates"</h1>
            {is_manager.then(|| view! {
                <button type="button" class="primary" on:click=move |_| open(Template {
                    id: clock::new_id(),
                    version: 0,
                    name: String::new(),
                    source: String::new(),
                    sections: vec![Section { title: String::new(), items: vec![blank_item()] }],
                })>"New template"</button>
            })}
        </div>
        {(!is_manager).then(|| view! {
            <p class="notice info">"Managers create and edit templates. Checklists already started keep the items they started with."</p>
        })}
        {had_draft.then(|| view! {
            <p class="notice warn" role="status">"Your unsaved template is back where you left it. Save it, or cancel to discard it."</p>
        })}
        {move || message.get().map(|m| view! { <p class="notice info" role="status">{m}</p> })}
        {move || editing.get().map(|t| view! { <Editor start=t editing message/> })}
        <ul class="plain template-list">
            {move || templates.offered().into_iter().map(|t| {
                let (edit_t, copy_t) = (t.clone(), t.clone());
                let name = t.name.clone();
                view! {
                    <li class="panel" data-testid="template">
                        <h2>{t.name.clone()}</h2>
                        <p class="case-meta">
                            {describe(&t)}
                        </p>
                        {(!t.source.is_empty()).then(|| view! { <p class="case-meta">"Source: " {t.source.clone()}</p> })}
                        {is_manager.then(|| view! {
                            <div class="button-row">
                                <button type="button" aria-label=format!("Edit {name}") on:click=move |_| open(edit_t.clone())>"Edit"</button>
                                <button type="button" aria-label=format!("Copy {name}") on:click=move |_| open(Template {
                                    id: clock::new_id(),
                                    version: 0,
                                    name: format!("Copy of {}", copy_t.name),
                                    ..copy_t.clone()
                                })>"Copy"</button>
                            </div>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A problem from `Template::check`, saying where: "Section 2, item 3: …".
fn where_(field: &str, message: &str) -> String {
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

/// Writes one text input's value into the draft.
type Setter = std::sync::Arc<dyn Fn(&mut Template, String) + Send + Sync>;

/// Each problem said with where it is, so the summary's list reads alone.
fn located(p: Problems) -> Problems {
    let mut out = Problems::default();
    for e in p.0 {
        out.add(&e.field, where_(&e.field, &e.message));
    }
    out
}

/// "Version 2 · 1 section, 13 items, 7 required".
fn describe(t: &Template) -> String {
    let count = |n: usize, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let required = t
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.required)
        .count();
    format!(
        "Version {} · {}, {}, {required} required",
        t.version,
        count(t.sections.len(), "section"),
        count(t.item_count(), "item")
    )
}

fn blank_item() -> TemplateItem {
    TemplateItem {
        text: String::new(),
        responsible: Responsible::Coordinator,
        required: false,
    }
}

/// Edits a template; `start.version` is the version it was opened from (0
/// for a new template or a copy). Saving asks the server for the next.
#[component]
fn Editor(
    start: Template,
    editing: RwSignal<Option<Template>>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let templates = crate::app::handles().templates;
    let auth = crate::app::handles().auth;
    let user = auth.username();
    let heading = if start.version == 0 {
        "New template".to_owned()
    } else {
        format!("Edit “{}” (version {})", start.name, start.version)
    };
    let draft = RwSignal::new(start);
    let form = FormState::new("template");
    let saving = RwSignal::new(false);
    let user = StoredValue::new(user);
    let keep = move || {
        let kept = draft.with_untracked(|t| user.with_value(|u| templates.keep_draft(u, Some(t))));
        if let Err(e) = kept {
            form.fail(format!("The draft could not be kept on this device: {e}"));
        }
    };
    // Bumped when sections or items come or go: the form redraws then only.
    let shape = RwSignal::new(0u32);
    let change = move |f: &dyn Fn(&mut Template)| {
        draft.update_untracked(|t| f(t));
        shape.update(|n| *n += 1);
        keep();
    };
    // Text edits change the draft without redrawing the form.
    let edit = move |f: &dyn Fn(&mut Template)| {
        draft.update_untracked(|t| f(t));
        keep();
    };
    let cancel = move |_| {
        let _ = user.with_value(|u| templates.keep_draft(u, None));
        editing.set(None);
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = draft.with_untracked(|t| Template {
            id: t.id,
            version: t.version + 1,
            name: t.name.trim().to_owned(),
            source: t.source.trim().to_owned(),
            sections: t
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
        });
        if let Err(p) = next.check() {
            form.invalid(located(p));
            return;
        }
        let Some(token) = auth.token() else {
            form.fail("Sign in again to save: your draft stays on this device.");
            return;
        };
        saving.set(true);
        form.clear();
        leptos::task::spawn_local(async move {
            let result = templates.save(&token, &next).await;
            saving.set(false);
            match result {
                Ok(saved) => {
                    let _ = user.with_value(|u| templates.keep_draft(u, None));
                    message.set(Some(format!(
                        "Saved version {} of “{}”.",
                        saved.version, saved.name
                    )));
                    editing.set(None);
                }
                Err(e) => {
                    // Someone saved first: keep this edit and let it build
                    // on their version, saying so.
                    let newer = templates
                        .get(next.id)
                        .map(|t| t.version)
                        .filter(|&v| v >= next.version);
                    let mut lines = vec![e];
                    if let Some(v) = newer {
                        draft.update_untracked(|t| t.version = v);
                        keep();
                        lines.push(format!(
                            "Your changes are still here. Saving again makes version {} from them, replacing what version {v} says: compare with it below first.",
                            v + 1
                        ));
                    }
                    form.fail(lines.join(" "));
                }
            }
        });
    };
    // The value is the one the form was drawn with: typing updates the
    // draft without redrawing, so the input keeps focus.
    let text_input = move |name: String, label: String, value: String, set: Setter| {
        view! {
            <Field form name label grow=true value=Signal::stored(value)
                set=move |v: String| edit(&|t| set(t, v.clone()))/>
        }
    };
    view! {
        <form class="panel template-editor" aria-label="Template" on:submit=save>
            <h2>{heading}</h2>
            <ErrorSummary form/>
            {move || {
                shape.track();
                let t = draft.get_untracked();
                view! {
                    {text_input("name".into(), "Template name".into(), t.name.clone(), std::sync::Arc::new(|t, v| t.name = v))}
                    {text_input("source".into(), "Source (shown with the template)".into(), t.source.clone(), std::sync::Arc::new(|t, v| t.source = v))}
                    {t.sections.iter().enumerate().map(|(si, s)| {
                        let n = si + 1;
                        view! {
                            <fieldset class="template-section">
                                <legend>{format!("Section {n}")}</legend>
                                {text_input(format!("sections.{si}.title"), format!("Section {n} title"), s.title.clone(), std::sync::Arc::new(move |t, v| if let Some(s) = t.sections.get_mut(si) { s.title = v }))}
                                {s.items.iter().enumerate().map(|(ii, item)| {
                                    let m = ii + 1;
                                    let required = item.required;
                                    view! {
                                        <div class="template-item inline-form" role="group" aria-label=format!("Section {n}, item {m}")>
                                            {text_input(format!("sections.{si}.items.{ii}.text"), format!("Section {n}, item {m}"), item.text.clone(), std::sync::Arc::new(move |t, v| if let Some(i) = t.sections.get_mut(si).and_then(|s| s.items.get_mut(ii)) { i.text = v }))}
                                            <Field form name=format!("sections.{si}.items.{ii}.responsible")
                                                label=format!("Who usually sees to it: section {n}, item {m}")
                                                control=Control::Select(responsible_options()) value=Signal::stored(ident(&item.responsible))
                                                set=move |v: String| {
                                                    let v = from_ident::<Responsible>(&v);
                                                    edit(&|t| if let (Some(r), Some(i)) = (v, t.sections.get_mut(si).and_then(|s| s.items.get_mut(ii))) { i.responsible = r });
                                                }/>
                                            <label class="check">
                                                <input type="checkbox" checked=required aria-label=format!("Required: section {n}, item {m}") on:change=move |ev| {
                                                    let on = event_target_checked(&ev);
                                                    edit(&|t| if let Some(i) = t.sections.get_mut(si).and_then(|s| s.items.get_mut(ii)) { i.required = on });
                                                }/>
                                                <span>"Required"</span>
                                            </label>
                                            <button type="button" aria-label=format!("Remove section {n}, item {m}")
                                                on:click=move |_| change(&|t| if let Some(s) = t.sections.get_mut(si) && ii < s.items.len() { s.items.remove(ii); })>"Remove"</button>
                                        </div>
                                    }
                                }).collect_view()}
                                <div class="button-row">
                                    <button type="button" on:click=move |_| change(&|t| if let Some(s) = t.sections.get_mut(si) { s.items.push(blank_item()) })>{format!("Add an item to section {n}")}</button>
                                    <button type="button" on:click=move |_| {
                                        let sure = window()
                                            .confirm_with_message(&format!("Remove section {n} and all its items?"))
                                            .unwrap_or(false);
                                        if sure {
                                            change(&|t| if si < t.sections.len() { t.sections.remove(si); });
                                        }
                                    }>{format!("Remove section {n}")}</button>
                                </div>
                            </fieldset>
                        }
                    }).collect_view()}
                }
            }}
            <div class="button-row">
                <button type="button" on:click=move |_| change(&|t| t.sections.push(Section { title: String::new(), items: vec![blank_item()] }))>"Add a section"</button>
            </div>
            <div class="button-row">
                <button type="submit" class="primary" disabled=move || saving.get()>
                    {move || if saving.get() { "Saving…" } else { "Save template" }}
                </button>
                <button type="button" on:click=cancel>"Cancel"</button>
            </div>
        </form>
    }
}
