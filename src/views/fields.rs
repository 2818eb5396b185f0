//! What every form shares: one [`Field`] that owns a label, its control,
//! the control's message and the ARIA tying them together, and one
//! [`ErrorSummary`] at the top of the form. No form builds these by hand,
//! so none can put a message in the wrong grid cell or forget
//! `aria-describedby` (WCAG 1.3.1, 3.3.1, 3.3.3).
//!
//! A message sits inside its field's wrapper, under the control, so in a
//! two-column grid it stays in that field's cell at every width.

use advocase_core::reference::Identified;
use advocase_core::validation::Problems;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::cases::SaveError;

/// One form's last outcome: problems tied to fields, and a failure tied to
/// none (storage full, server unreachable). `Copy`, so every closure of the
/// form can hold it.
#[derive(Clone, Copy)]
pub struct FormState {
    /// Prefix of the form's element ids; unique on the page.
    id: StoredValue<String>,
    pub problems: RwSignal<Option<Problems>>,
    pub failure: RwSignal<Option<String>>,
    /// The field names this form shows, in the order they were built, so
    /// the summary can link to them and list the rest as plain text.
    shown: StoredValue<Vec<String>>,
}

impl FormState {
    pub fn new(id: impl Into<String>) -> Self {
        FormState {
            id: StoredValue::new(id.into()),
            problems: RwSignal::new(None),
            failure: RwSignal::new(None),
            shown: StoredValue::new(Vec::new()),
        }
    }

    /// The element id of `field`'s control.
    pub fn control_id(&self, field: &str) -> String {
        let field: String = field
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        self.id.with_value(|id| format!("{id}-{field}"))
    }

    /// The message for `field` from the last attempt, if any.
    pub fn message(&self, field: &str) -> Option<String> {
        self.problems.with(|p| {
            p.as_ref()
                .and_then(|p| p.for_field(field).map(str::to_owned))
        })
    }

    /// Counts `field` as shown (markup forms, `views/html.rs`, say so).
    pub fn register(&self, field: &str) {
        self.shown.update_value(|s| {
            if !s.iter().any(|f| f == field) {
                s.push(field.to_owned());
            }
        });
    }

    pub fn clear(&self) {
        self.problems.set(None);
        self.failure.set(None);
    }

    /// Shows `problems` by their fields and moves focus to the first field
    /// at fault (in the order the page shows them).
    pub fn invalid(&self, problems: Problems) {
        self.failure.set(None);
        self.problems.set(Some(problems));
        let form = *self;
        // After the render that marks the fields.
        request_animation_frame(move || form.focus_first());
    }

    /// A failure no field explains.
    pub fn fail(&self, message: impl Into<String>) {
        self.problems.set(None);
        self.failure.set(Some(message.into()));
    }

    /// One problem on one field, from a check the form makes itself.
    pub fn invalid_field(&self, field: &str, message: impl Into<String>) {
        let mut p = Problems::default();
        p.add(field, message);
        self.invalid(p);
    }

    /// Puts a command's outcome where the person looks; true when it went
    /// through.
    pub fn report(&self, result: Result<(), SaveError>) -> bool {
        match result {
            Ok(()) => {
                self.clear();
                true
            }
            Err(SaveError::Invalid(p)) => {
                self.invalid(p);
                false
            }
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }

    /// Problems with a field this form shows, in the form's order, as
    /// (field, message); then the messages of those it does not show.
    fn summary(&self) -> (Vec<(String, String)>, Vec<String>) {
        let Some(p) = self.problems.get() else {
            return Default::default();
        };
        let shown = self.shown.get_value();
        let linked = shown
            .iter()
            .filter_map(|f| p.for_field(f).map(|m| (f.clone(), m.to_owned())))
            .collect();
        let rest =
            p.0.iter()
                .filter(|e| !shown.contains(&e.field))
                .map(|e| e.message.clone())
                .collect();
        (linked, rest)
    }

    fn focus_first(&self) {
        let first = self.problems.with_untracked(|p| {
            let p = p.as_ref()?;
            self.shown
                .with_value(|s| s.iter().find(|f| p.for_field(f).is_some()).cloned())
        });
        if let Some(field) = first {
            focus(&self.control_id(&field));
        }
    }
}

/// Focuses a control, opening the folded section it may be in; a group of
/// radio buttons gives focus to its chosen (or first) button.
pub fn focus(id: &str) {
    let Some(el) = document().get_element_by_id(id) else {
        return;
    };
    let mut up = el.closest("details").ok().flatten();
    while let Some(details) = up {
        let _ = details.set_attribute("open", "");
        up = details
            .parent_element()
            .and_then(|p| p.closest("details").ok().flatten());
    }
    let target = if el.tag_name() == "FIELDSET" {
        el.query_selector("input:checked")
            .ok()
            .flatten()
            .or_else(|| el.query_selector("input").ok().flatten())
    } else {
        Some(el)
    };
    if let Some(t) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = t.focus();
    }
}

/// The form's problems at its top: announced when they appear, each
/// linking to (and focusing) its field. A failure no field explains shows
/// here too.
#[component]
pub fn ErrorSummary(form: FormState) -> impl IntoView {
    move || {
        let failure = form.failure.get();
        let (linked, rest) = form.summary();
        if failure.is_none() && linked.is_empty() && rest.is_empty() {
            return None;
        }
        let heading = (!linked.is_empty()).then_some("Please fix the fields marked below:");
        Some(view! {
            <div class="notice error error-summary" role="alert">
                {heading.map(|h| view! { <p>{h}</p> })}
                <ul>
                    {linked.into_iter().map(|(field, message)| {
                        let id = form.control_id(&field);
                        let href = format!("#{id}");
                        view! {
                            <li><a href=href on:click=move |ev| { ev.prevent_default(); focus(&id) }>{message}</a></li>
                        }
                    }).collect_view()}
                    {rest.into_iter().chain(failure).map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </div>
        })
    }
}

/// What a [`Field`] edits with.
#[derive(Clone, Default)]
pub enum Control {
    /// `<input type=…>`: "text", "date", "password", "datetime-local"…
    Input(&'static str),
    #[default]
    Text,
    /// A username: typed as is, no capitals added, no spell check.
    Identifier,
    /// A whole number in a range, with the numeric keypad.
    Number(u32, u32),
    TextArea(u32),
    /// A PIN: hidden digits, the numeric keypad, never remembered.
    Pin,
    /// (value, label) pairs; a blank choice is one of them if wanted.
    Select(Vec<(String, String)>),
}

/// A field's parts: the control's id, its message's id, the message, and
/// the `aria-describedby` naming it while there is one. (A row of
/// one-tap choices is markup now: `html::Markup::choices`.)
struct Parts<D> {
    id: String,
    error_id: String,
    message: Memo<Option<String>>,
    described: D,
}

impl Parts<()> {
    fn of(
        form: FormState,
        name: &str,
    ) -> Parts<impl Fn() -> Option<String> + Clone + Send + Sync + 'static> {
        form.register(name);
        let id = form.control_id(name);
        let error_id = format!("{id}-error");
        let name = name.to_owned();
        let message = Memo::new(move |_| form.message(&name));
        let described = {
            let error_id = error_id.clone();
            move || message.with(Option::is_some).then(|| error_id.clone())
        };
        Parts {
            id,
            error_id,
            message,
            described,
        }
    }
}

/// A labelled control with its message: the one way forms are built.
/// `name` is the field's name in [`Problems`].
#[component]
pub fn Field(
    form: FormState,
    #[prop(into)] name: String,
    #[prop(into)] label: String,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] set: Callback<String>,
    #[prop(optional)] control: Control,
    /// Widens the field in an inline form.
    #[prop(optional)]
    grow: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
) -> impl IntoView {
    let Parts {
        id,
        error_id,
        message,
        described,
    } = Parts::of(form, &name);
    let invalid = move || message.with(Option::is_some).then_some("true");
    let input = move |ev: leptos::ev::Event| set.run(event_target_value(&ev));
    let control = match control {
        Control::TextArea(rows) => view! {
            <textarea id=id.clone() rows=rows aria-invalid=invalid aria-describedby=described
                prop:value=value on:input=input></textarea>
        }
        .into_any(),
        Control::Select(options) => view! {
            <select id=id.clone() aria-invalid=invalid aria-describedby=described
                prop:value=value on:change=input>
                {option_views(options, value)}
            </select>
        }
        .into_any(),
        other => {
            let plain = matches!(other, Control::Identifier);
            let pin = matches!(other, Control::Pin);
            let (kind, range) = match other {
                Control::Input(kind) => (kind, None),
                Control::Number(min, max) => ("number", Some((min, max))),
                Control::Pin => ("password", None),
                _ => ("text", None),
            };
            let numeric = (range.is_some() || pin).then_some("numeric");
            view! {
                <input id=id.clone() type=kind aria-invalid=invalid aria-describedby=described
                    autocomplete=if pin { Some("off") } else { autocomplete }
                    autocapitalize=plain.then_some("none") spellcheck=plain.then_some("false")
                    min=range.map(|r| r.0) max=range.map(|r| r.1) inputmode=numeric
                    prop:value=value on:input=input/>
            }
            .into_any()
        }
    };
    view! {
        <div class="field" class:grow=grow>
            <label for=id.clone()>{label}</label>
            {control}
            {move || message.get().map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> })}
        </div>
    }
}

fn option_views(options: Vec<(String, String)>, value: Signal<String>) -> impl IntoView {
    options
        .into_iter()
        .map(|(v, l)| {
            let chosen = v.clone();
            view! { <option value=v prop:selected=move || value.with(|x| *x == chosen)>{l}</option> }
        })
        .collect_view()
}

/// The options of a "who sees to it" select. One list for every such
/// select: each distinct view costs the .wasm.
pub fn responsible_options() -> Vec<(String, String)> {
    use advocase_core::reference::Responsible;
    Responsible::ALL
        .iter()
        .map(|r| (ident(r), r.label().to_owned()))
        .collect()
}

/// Options for a vocabulary's select: (stored identifier, label).
pub fn options<T: Identified>(
    all: &[T],
    label: impl Fn(&T) -> &'static str,
) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (ident(v), label(v).to_owned()))
        .collect()
}

/// A vocabulary value's stored identifier (`bedside_visit`), as a form
/// carries it. Through [`Identified`]: one table per type, not a serde
/// round trip compiled per type (README, Size).
pub fn ident<T: Identified>(value: &T) -> String {
    value.ident().to_owned()
}

/// The value a form's identifier stands for, if this build knows it.
pub fn from_ident<T: Identified>(ident: &str) -> Option<T> {
    T::from_ident(ident)
}

/// A value short enough for a button or a one-line summary.
pub fn short(s: &str) -> String {
    let mut out: String = s.chars().take(30).collect();
    if s.chars().count() > 30 {
        out.push('…');
    }
    out
}

/// `<Show>` without its generics: the condition is a `Signal<bool>` and the
/// children and fallback are type-erased, so every use shares one memo and
/// one `Either` of two `AnyView`s. Leptos' `Show` is compiled anew for each
/// condition and each child view type (README, Size). The same behaviour:
/// the condition is memoized, and the children are made again only when it
/// turns true.
#[component]
pub fn Shown(
    children: ChildrenFn,
    when: Signal<bool>,
    #[prop(optional, into)] fallback: ViewFn,
) -> impl IntoView {
    let when = Memo::new(move |_| when.get());
    move || {
        if when.get() {
            leptos::either::Either::Left(children())
        } else {
            leptos::either::Either::Right(fallback.run())
        }
    }
}

/// A form's primary submit button, disabled and saying what is being done
/// while `busy`: one compiled button for the gate's forms (each reactive
/// attribute and text is compiled code of its own: README, Size).
#[component]
pub fn Submit(busy: RwSignal<bool>, idle: &'static str, working: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || busy.get()>
            {move || if busy.get() { working } else { idle }}
        </button>
    }
}

/// `<For>` keyed by strings, without its generics: the app's keyed lists
/// (a case's checklists, their sections, each section's items, ids as
/// text) share one compiled `For`, where each `<For>` written out is
/// compiled on its own (README, Size). `row` makes a key's view, once per
/// key while the key stays.
pub fn keyed(
    each: Memo<Vec<String>>,
    row: impl Fn(String) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    keyed_rows(each, std::sync::Arc::new(row))
}

fn keyed_rows(
    each: Memo<Vec<String>>,
    row: std::sync::Arc<dyn Fn(String) -> AnyView + Send + Sync>,
) -> AnyView {
    view! {
        <For each=move || each.get() key=|k| k.clone() let:k>
            {row(k)}
        </For>
    }
    .into_any()
}
