//! The discharge plan on a case: expected date and destination, and the
//! checklists started from templates, ticked item by item.
//!
//! Each item is its own component reading its own slice of the case where
//! it is drawn (closures over the case page's memo, not memos of their own:
//! each memo type is compiled code of its own, README, Size). A tick
//! arriving from sync updates the items' texts in place; their forms are
//! built once and never wipe a reason or a note someone is typing.

use crate::views::fields::{from_ident, ident};
use advocase_core::case::CaseCommand;
use advocase_core::caseload::CaseFile;
use advocase_core::checklist::{Checklist, Item, ItemDraft, ItemState, ItemValue};
use advocase_core::id::Id;
use advocase_core::log::ItemConflict;
use advocase_core::reference::{Destination, Responsible};
use chrono::NaiveDate;
use leptos::prelude::*;

use crate::views::fields::{Shown, keyed};

use crate::clock;
use crate::views::fields::{
    Control, ErrorSummary, Field, FormState, options, responsible_options, short,
};

fn parse_date(s: &str) -> Option<NaiveDate> {
    advocase_core::dates::parse_iso(s)
}

/// `file`: the case page's memo of this case (one memo, not one per part).
#[component]
pub fn DischargePlan(case_id: Id, file: Memo<Option<CaseFile>>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let templates = crate::app::handles().templates;
    let plan = move || {
        file.with(|f| {
            f.as_ref()
                .map(|f| (f.case.expected_discharge, f.case.destination))
        })
        .unwrap_or_default()
    };
    let checklist_ids = Memo::new(move |_| {
        file.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.case
                        .checklists
                        .iter()
                        .map(|k| k.id.to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let active = move || file.with(|f| f.as_ref().is_some_and(|f| f.case.status.is_active()));
    // Read from the case's memo where drawn, not as memos of their own: each
    // memo type is compiled code of its own (README, Size).
    let progress = move || file.with(|f| f.as_ref().and_then(|f| f.case.discharge_progress()));

    let date = RwSignal::new(String::new());
    let destination = RwSignal::new(String::new());
    // What is stored shows in the form, also when sync brings a new value,
    // unless the person is changing it.
    let touched = RwSignal::new(false);
    Effect::new(move |_| {
        let (on, to) = plan();
        if !touched.get_untracked() {
            date.set(on.map(|d| d.to_string()).unwrap_or_default());
            destination.set(to.as_ref().map(ident).unwrap_or_default());
        }
    });
    let plan_form = FormState::new(format!("plan-{case_id}"));
    let save_plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let on = parse_date(&date.get_untracked());
        let to = from_ident::<Destination>(&destination.get_untracked());
        if (on, to) == untrack(plan) {
            plan_form.invalid_field(
                "expected_discharge",
                "Nothing changed: change the date or the destination first.",
            );
            touched.set(false);
            return;
        }
        let r = cases.apply(
            case_id,
            CaseCommand::PlanDischarge {
                on,
                destination: to,
            },
            &auth.username(),
        );
        if plan_form.report(r) {
            touched.set(false);
        }
    };

    let startable = Memo::new(move |_| {
        let started: Vec<Id> = file.with(|f| {
            f.as_ref()
                .map(|f| f.case.checklists.iter().map(|k| k.template).collect())
                .unwrap_or_default()
        });
        templates
            .offered()
            .into_iter()
            .filter(|t| !started.contains(&t.id))
            .map(|t| t.id.to_string())
            .collect::<Vec<_>>()
    });
    // The first template is chosen and shown; nothing starts from a
    // template the person did not see. Chosen where the select is drawn
    // again for a new list, not by an effect of its own (README, Size).
    let chosen = RwSignal::new(String::new());
    let start_form = FormState::new(format!("start-{case_id}"));
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let id = chosen.get_untracked().parse::<Id>().ok();
        let Some(template) = id.and_then(|id| templates.get(id)) else {
            start_form.invalid_field("template", "Choose a template.");
            return;
        };
        let r = cases
            .start_checklist(case_id, &template, &auth.username())
            .map(|_| ());
        start_form.report(r);
    };
    let template_options = move || {
        let list = startable.get();
        if !list.contains(&chosen.get_untracked()) {
            chosen.set(list.first().cloned().unwrap_or_default());
        }
        list.into_iter()
            .filter_map(|id| {
                let t = templates.get(id.parse().ok()?)?;
                Some((id, format!("{} (version {})", t.name, t.version)))
            })
            .collect::<Vec<_>>()
    };
    let mut destinations = vec![(String::new(), "Not decided yet".to_owned())];
    destinations.extend(options(Destination::ALL, |d| d.label()));

    view! {
        <section class="panel discharge" aria-labelledby="discharge-title">
            <h2 id="discharge-title">"Discharge plan"</h2>
            <p class="discharge-progress" class:attention=move || progress().is_some_and(|p| !p.is_ready()) data-testid="discharge-progress">
                {move || match progress() {
                    Some(p) => p.describe(),
                    None => "No checklist started.".to_owned(),
                }}
            </p>
            <form class="inline-form" aria-label="Expected discharge" novalidate on:submit=save_plan>
                <ErrorSummary form=plan_form/>
                <Field form=plan_form name="expected_discharge" label="Expected discharge date" control=Control::Input("date")
                    value=date set=move |v| { touched.set(true); date.set(v) }/>
                <Field form=plan_form name="destination" label="Destination" control=Control::Select(destinations)
                    value=destination set=move |v| { touched.set(true); destination.set(v) }/>
                <button type="submit">"Save plan"</button>
            </form>
            {keyed(checklist_ids, move |k| {
                view! { <ChecklistPanel case_id checklist=k.parse().unwrap_or_default() file/> }.into_any()
            })}
            <Shown when=Signal::derive(move || active() && !startable.with(Vec::is_empty))>
                <form class="inline-form" aria-label="Start a checklist" novalidate on:submit=start>
                    <ErrorSummary form=start_form/>
                    {move || view! {
                        <Field form=start_form name="template" label="Checklist template" grow=true
                            control=Control::Select(template_options()) value=chosen set=move |v| chosen.set(v)/>
                    }}
                    <button type="submit" class="primary">"Start checklist"</button>
                </form>
            </Shown>
        </section>
    }
}

/// Which part of an item crossed, in words.
fn field_label(field: &str) -> &'static str {
    match field {
        "state" => "done or not",
        "responsible" => "who sees to it",
        "due" => "due date",
        _ => "note",
    }
}

fn find_checklist(file: &Option<CaseFile>, id: Id) -> Option<&Checklist> {
    file.as_ref()?.case.checklists.iter().find(|k| k.id == id)
}

#[component]
fn ChecklistPanel(case_id: Id, checklist: Id, file: Memo<Option<CaseFile>>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let head = move || {
        file.with(|f| {
            find_checklist(f, checklist)
                .map(|k| (k.title.clone(), k.template_version, k.progress()))
        })
    };
    // Sections in the order their first item comes.
    let sections = Memo::new(move |_| {
        file.with(|f| {
            let mut out: Vec<String> = Vec::new();
            for item in find_checklist(f, checklist)
                .map(|k| k.items.as_slice())
                .unwrap_or_default()
            {
                if !out.contains(&item.section) {
                    out.push(item.section.clone());
                }
            }
            out
        })
    });
    // Each section's items by id: an item added keeps the others' rows.
    let items_of = move |section: String| {
        Memo::new(move |_| {
            file.with(|f| {
                find_checklist(f, checklist)
                    .map(|k| {
                        k.items
                            .iter()
                            .filter(|i| i.section == section)
                            .map(|i| i.id.to_string())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        })
    };
    let conflicts = move || {
        file.with(|f| {
            f.as_ref()
                .map(|f| {
                    f.item_conflicts
                        .iter()
                        .filter(|c| c.checklist == checklist)
                        .cloned()
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let conflict_form = FormState::new(format!("crossed-{checklist}"));
    let item_text = move |item: Id| {
        file.with(|f| {
            find_checklist(f, checklist)
                .and_then(|k| k.items.iter().find(|i| i.id == item))
                .map(|i| i.text.clone())
                .unwrap_or_default()
        })
    };
    let settle = move |c: ItemConflict, restore: bool| {
        conflict_form.report(cases.settle_item(case_id, &c, restore, &auth.username()));
    };
    let title = move || head().map(|h| h.0).unwrap_or_default();
    view! {
        <section class="checklist" aria-label=title data-testid="checklist">
            <div class="page-head">
                <h3>{title}</h3>
                <a href=format!("/cases/{case_id}/checklists/{checklist}/print") class="button" aria-label=move || format!("Print for the patient: {}", title())>"Print for the patient"</a>
            </div>
            <p class="checklist-progress" data-testid="checklist-progress">
                {move || head().map(|(_, v, p)| format!("{} · template version {v}", p.describe()))}
            </p>
            <ErrorSummary form=conflict_form/>
            {move || {
                let list = conflicts();
                (!list.is_empty()).then(|| view! {
                    <div class="conflicts" role="group" aria-label="Item edits that crossed">
                        <p><strong>"Item edits that crossed: "</strong> "two people changed the same thing on an item at the same time. Decide which stands."</p>
                        <ul class="plain">
                            {list.into_iter().map(|c| {
                                let text = item_text(c.item);
                                let what = field_label(&c.field);
                                let kept = short(&c.kept.value.display());
                                let lost = short(&c.lost.value.display());
                                let (keep_c, restore_c) = (c.clone(), c.clone());
                                view! {
                                    <li class="conflict" data-testid="item-conflict">
                                        <p>
                                            "“" {text} "”, " {what} ": shows “" {kept.clone()} "” (" {c.kept.by.clone()} ", " {clock::show_time(c.kept.at)} "). “"
                                            {lost.clone()} "” by " {c.lost.by.clone()} " (" {clock::show_time(c.lost.at)} ") was overwritten."
                                        </p>
                                        <div class="button-row">
                                            <button type="button" on:click=move |_| settle(keep_c.clone(), false)>{format!("Keep “{kept}”")}</button>
                                            <button type="button" on:click=move |_| settle(restore_c.clone(), true)>{format!("Use “{lost}” instead")}</button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </div>
                })
            }}
            {keyed(sections, move |section| {
                let ids = items_of(section.clone());
                view! {
                    <h4>{section}</h4>
                    <ul class="items">
                        {keyed(ids, move |k| {
                            view! { <ItemRow case_id checklist item=k.parse().unwrap_or_default() file/> }.into_any()
                        })}
                    </ul>
                }
                .into_any()
            })}
            <AddItem case_id checklist title=Signal::derive(title)/>
        </section>
    }
}

fn state_line(item: &Item) -> String {
    match &item.state {
        ItemState::ToDo => "To do".to_owned(),
        ItemState::Done { by, at } => format!("Done · {by}, {}", clock::show_time(*at)),
        ItemState::NotApplicable { reason, by, at } => {
            format!("Not applicable: {reason} · {by}, {}", clock::show_time(*at))
        }
    }
}

/// One item. The row is built once; only its text, state and buttons
/// follow the stored item, so a tick arriving from sync leaves an open
/// details form and whatever is typed in it alone.
#[component]
fn ItemRow(case_id: Id, checklist: Id, item: Id, file: Memo<Option<CaseFile>>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    // The item as stored, read from the case's memo (not a memo of its own:
    // README, Size).
    let current = move || {
        file.with(|f| {
            find_checklist(f, checklist)
                .and_then(|k| k.items.iter().find(|i| i.id == item).cloned())
        })
    };
    let Some(first) = untrack(current) else {
        return ().into_any();
    };
    let text = first.text.clone();
    // Ticks and undo report here; the two small forms have their own.
    let row = FormState::new(format!("item-{item}"));
    let why = FormState::new(format!("item-{item}-why"));
    let details = FormState::new(format!("item-{item}-details"));
    let asking_reason = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let set = move |form: FormState, values: Vec<ItemValue>| {
        form.report(cases.set_item(case_id, checklist, item, values, &auth.username()))
    };
    let decide = move |form: FormState, not_applicable: Option<String>| -> bool {
        let Some(mut it) = untrack(current) else {
            return false;
        };
        match advocase_core::checklist::decide(
            &mut it,
            not_applicable.as_deref(),
            &auth.username(),
            clock::now(),
        ) {
            Ok(()) => set(form, vec![ItemValue::State(it.state)]),
            Err(p) => {
                form.invalid(p);
                false
            }
        }
    };
    // The details form shows what is stored until the person types in it;
    // from then on it keeps what they typed until they save.
    let responsible = RwSignal::new(ident(&first.responsible));
    let due = RwSignal::new(first.due.map(|d| d.to_string()).unwrap_or_default());
    let note = RwSignal::new(first.note.clone());
    let touched = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(it) = current()
            && !touched.get_untracked()
        {
            responsible.set(ident(&it.responsible));
            due.set(it.due.map(|d| d.to_string()).unwrap_or_default());
            note.set(it.note.clone());
        }
    });
    let save_details = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(it) = untrack(current) else {
            return;
        };
        let mut values = Vec::new();
        if let Some(r) =
            from_ident::<Responsible>(&responsible.get_untracked()).filter(|r| *r != it.responsible)
        {
            values.push(ItemValue::Responsible(r));
        }
        let d = parse_date(&due.get_untracked());
        if d != it.due {
            values.push(ItemValue::Due(d));
        }
        let n = note.get_untracked();
        if n.trim() != it.note {
            values.push(ItemValue::Note(n.trim().to_owned()));
        }
        if values.is_empty() {
            details.fail("Nothing changed.");
            touched.set(false);
        } else if set(details, values) {
            touched.set(false);
        }
    };
    let open = move || current().is_some_and(|i| i.state == ItemState::ToDo);
    let required = first.required;
    let label = text.clone();
    let (done_label, na_label, undo_label) = (
        format!("Done: {text}"),
        format!("Not applicable: {text}"),
        format!("Undo: {text}"),
    );
    let (why_label, details_label) = (
        format!("Why “{text}” does not apply"),
        format!("Details: {text}"),
    );
    view! {
        <li class="item" class:done=move || !open() class:required-open=move || open() && required aria-label=label data-testid="item">
            <p class="item-text">
                {text.clone()}
                {required.then(|| view! { " " <span class="badge required">"Required"</span> })}
            </p>
            <p class="item-meta">
                {move || current().map(|it| view! {
                    <span class="item-state" data-testid="item-state">{state_line(&it)}</span>
                    " · " {it.responsible.label()}
                    {it.due.map(|d| format!(" · due {}", clock::show_date(d)))}
                })}
            </p>
            {move || current().filter(|it| !it.note.is_empty()).map(|it| view! {
                <p class="item-note">"Note: " {it.note}</p>
            })}
            <ErrorSummary form=row/>
            <div class="button-row">
                <Shown when=Signal::derive(open) fallback=move || view! {
                    <button type="button" aria-label=undo_label.clone() on:click=move |_| { set(row, vec![ItemValue::State(ItemState::ToDo)]); }>"Undo"</button>
                }>
                    <button type="button" class="primary" aria-label=done_label.clone() on:click=move |_| { decide(row, None); }>"Done"</button>
                    <button type="button" aria-label=na_label.clone() aria-expanded=move || asking_reason.get().to_string()
                        on:click=move |_| asking_reason.update(|a| *a = !*a)>"Not applicable"</button>
                </Shown>
            </div>
            <Shown when=Signal::derive(move || open() && asking_reason.get())>
                <form class="inline-form" aria-label=why_label.clone() novalidate on:submit=move |ev| {
                    ev.prevent_default();
                    if decide(why, Some(reason.get_untracked())) {
                        reason.set(String::new());
                        asking_reason.set(false);
                    }
                }>
                    <ErrorSummary form=why/>
                    <Field form=why name="reason" label="Why does it not apply?" grow=true value=reason set=move |v| reason.set(v)/>
                    <button type="submit">"Mark not applicable"</button>
                </form>
            </Shown>
            <details class="item-details">
                <summary>"Who, when, note"</summary>
                <form class="inline-form" aria-label=details_label novalidate on:submit=save_details>
                    <ErrorSummary form=details/>
                    <Field form=details name="responsible" label="Who sees to it" control=Control::Select(responsible_options())
                        value=responsible set=move |v| { touched.set(true); responsible.set(v) }/>
                    <Field form=details name="due" label="Due date" control=Control::Input("date")
                        value=due set=move |v| { touched.set(true); due.set(v) }/>
                    <Field form=details name="note" label="Note for the care team (not printed)" grow=true
                        value=note set=move |v| { touched.set(true); note.set(v) }/>
                    <button type="submit">"Save details"</button>
                </form>
            </details>
        </li>
    }
    .into_any()
}

#[component]
fn AddItem(case_id: Id, checklist: Id, title: Signal<String>) -> impl IntoView {
    let cases = crate::app::handles().cases;
    let auth = crate::app::handles().auth;
    let text = RwSignal::new(String::new());
    let responsible = RwSignal::new(ident(&Responsible::Coordinator));
    let required = RwSignal::new(false);
    let due = RwSignal::new(String::new());
    let form = FormState::new(format!("add-{checklist}"));
    view! {
        <details class="add-item">
            <summary>"Add an item for this patient"</summary>
            <p class="hint">"Added items are printed on the patient's sheet; keep care-team matters in an item's note."</p>
            <form class="inline-form" aria-label=move || format!("Add an item to {}", title.get()) novalidate on:submit=move |ev| {
                ev.prevent_default();
                let draft = ItemDraft {
                    text: text.get_untracked(),
                    section: String::new(),
                    responsible: from_ident(&responsible.get_untracked()),
                    required: required.get_untracked(),
                    due: parse_date(&due.get_untracked()),
                };
                if form.report(cases.add_item(case_id, checklist, &draft, &auth.username())) {
                    text.set(String::new());
                    required.set(false);
                    due.set(String::new());
                }
            }>
                <ErrorSummary form/>
                <Field form name="text" label="New item" grow=true value=text set=move |v| text.set(v)/>
                <Field form name="responsible" label="Who sees to it" control=Control::Select(responsible_options())
                    value=responsible set=move |v| responsible.set(v)/>
                <Field form name="due" label="Due date" control=Control::Input("date") value=due set=move |v| due.set(v)/>
                <label class="check">
                    <input type="checkbox" prop:checked=move || required.get() on:change=move |ev| required.set(event_target_checked(&ev))/>
                    <span>"Required before discharge"</span>
                </label>
                <button type="submit">"Add item"</button>
            </form>
        </details>
    }
}
