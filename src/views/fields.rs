//! Small pieces the forms share: labelled inputs with their field error,
//! and the stored identifier of a vocabulary value.

use advocase_core::validation::Problems;
use leptos::prelude::*;

/// The message for `field`, if the last attempt had one.
pub fn error_for(
    problems: RwSignal<Option<Problems>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy {
    move || {
        problems.with(|p| {
            p.as_ref()
                .and_then(|p| p.for_field(field).map(str::to_owned))
        })
    }
}

/// A field's error line, announced when it appears.
#[component]
pub fn FieldError(problems: RwSignal<Option<Problems>>, field: &'static str) -> impl IntoView {
    let msg = error_for(problems, field);
    view! {
        {move || msg().map(|m| view! { <p class="field-error" id=format!("err-{}", field.replace('.', "-"))>{m}</p> })}
    }
}

/// Problems not tied to a visible field (e.g. from an older client), listed whole.
pub fn other_problems(problems: &Problems, shown: &[&str]) -> Vec<String> {
    problems
        .0
        .iter()
        .filter(|e| !shown.contains(&e.field.as_str()))
        .map(|e| e.message.clone())
        .collect()
}

/// The options of a "who sees to it" select, `selected` chosen. One
/// function for every such select: each distinct view costs the .wasm.
pub fn responsible_options(
    selected: advocase_core::reference::Responsible,
) -> leptos::prelude::AnyView {
    use advocase_core::reference::{Responsible, ident};
    Responsible::ALL
        .iter()
        .map(|r| view! { <option value=ident(r) selected=*r == selected>{r.label()}</option> })
        .collect_view()
        .into_any()
}

/// A value short enough for a button or a one-line summary.
pub fn short(s: &str) -> String {
    let mut out: String = s.chars().take(30).collect();
    if s.chars().count() > 30 {
        out.push('…');
    }
    out
}
