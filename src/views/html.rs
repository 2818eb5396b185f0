//! Read-only markup written as text, for long lists that never change in
//! place (directory entries): each `view!` element is compiled code of its
//! own, while a string costs only its bytes. Everything from data goes
//! through [`escape`]; links are plain `<a href>`, which `nav`
//! follows like every other link.

pub use advocase_core::markup::escape;

use crate::views::fields::FormState;
use leptos::prelude::*;

/// A page's "not found" (a case, a checklist, an address): one compiled
/// section for all of them, its text as markup (the app's own words, not
/// escaped).
pub fn not_found(title: &str, text: &str, href: &str, link: &str) -> AnyView {
    let html = format!(r#"<h1>{title}</h1><p>{text} <a href="{href}">{link}</a></p>"#);
    view! { <section class="panel" inner_html=html></section> }.into_any()
}

/// A form's fields as markup, the same as `fields::Field` draws them (label,
/// control, message, `aria-describedby`), so `ErrorSummary` links to them.
/// For long, rarely used forms (the coordination forms): their values are
/// read back with [`FormValues`] instead of a signal per field.
pub struct Markup {
    form: FormState,
    pub out: String,
}

impl Markup {
    pub fn new(form: FormState) -> Self {
        Markup {
            form,
            out: String::new(),
        }
    }

    /// id, the attributes tying the control to its message (tracked),
    /// the message, and the field's opening up to its control.
    fn parts(&self, name: &str, label: &str) -> (String, String, String, String) {
        self.form.register(name);
        let id = self.form.control_id(name);
        let open = format!(
            r#"<div class="field"><label for="{id}">{}</label>"#,
            escape(label)
        );
        match self.form.message(name) {
            Some(m) => (
                id.clone(),
                format!(r#" aria-invalid="true" aria-describedby="{id}-error""#),
                format!(
                    r#"<p class="field-error" id="{id}-error">{}</p>"#,
                    escape(&m)
                ),
                open,
            ),
            None => (id, String::new(), String::new(), open),
        }
    }

    /// `<input type=kind>`.
    pub fn input(&mut self, kind: &str, name: &str, label: &str, value: &str) {
        self.input_with(kind, "", name, label, value);
    }

    /// `<input type=kind>` with more attributes (`extra`, the app's own
    /// text): a number's range, a username's spelling, a datalist.
    pub fn input_with(&mut self, kind: &str, extra: &str, name: &str, label: &str, value: &str) {
        let (id, aria, message, open) = self.parts(name, label);
        self.out += &format!(
            r#"{open}<input id="{id}" name="{}" type="{kind}" value="{}"{extra}{aria}>{message}</div>"#,
            escape(name),
            escape(value)
        );
    }

    pub fn textarea(&mut self, name: &str, label: &str, value: &str) {
        self.area(3, name, label, value);
    }

    /// A textarea `rows` high.
    pub fn area(&mut self, rows: u32, name: &str, label: &str, value: &str) {
        let (id, aria, message, open) = self.parts(name, label);
        self.out += &format!(
            r#"{open}<textarea id="{id}" name="{}" rows="{rows}"{aria}>{}</textarea>{message}</div>"#,
            escape(name),
            escape(value)
        );
    }

    /// A row of one-tap choices (radio buttons drawn as large chips), as
    /// `fields::Choices` draws them, its message under the row.
    pub fn choices(&mut self, name: &str, legend: &str, options: &[(&str, &str)], value: &str) {
        let (id, aria, message, _) = self.parts(name, legend);
        let mut radios = String::new();
        for (v, l) in options {
            let chosen = if *v == value { " checked" } else { "" };
            radios += &format!(
                r#"<label class="choice"><input type="radio" name="{}" value="{}"{chosen}><span>{}</span></label>"#,
                escape(name),
                escape(v),
                escape(l)
            );
        }
        self.out += &format!(
            r#"<fieldset class="choices" id="{id}"{aria}><legend>{}</legend>{radios}{message}</fieldset>"#,
            escape(legend)
        );
    }

    pub fn select(&mut self, name: &str, label: &str, options: &[(&str, &str)], value: &str) {
        self.grouped(name, label, &[("", options.to_vec())], value);
    }

    /// A select whose options come in labelled groups (`<optgroup>`; a
    /// group without a label is not one). Empty groups are left out.
    pub fn grouped(
        &mut self,
        name: &str,
        label: &str,
        groups: &[(&str, Vec<(&str, &str)>)],
        value: &str,
    ) {
        let (id, aria, message, open) = self.parts(name, label);
        let mut options = String::new();
        for (group, list) in groups.iter().filter(|(_, l)| !l.is_empty()) {
            if !group.is_empty() {
                options += &format!(r#"<optgroup label="{}">"#, escape(group));
            }
            for (v, l) in list {
                let chosen = if *v == value { " selected" } else { "" };
                options += &format!(
                    r#"<option value="{}"{chosen}>{}</option>"#,
                    escape(v),
                    escape(l)
                );
            }
            if !group.is_empty() {
                options += "</optgroup>";
            }
        }
        self.out += &format!(
            r#"{open}<select id="{id}" name="{}"{aria}>{options}</select>{message}</div>"#,
            escape(name)
        );
    }
}

/// What a markup form holds now, by field name.
pub struct FormValues(web_sys::FormData);

impl FormValues {
    /// The values of the form an event happened in (`None`: not in one).
    pub fn of(target: &web_sys::EventTarget) -> Option<Self> {
        use wasm_bindgen::JsCast;
        let form = target
            .dyn_ref::<web_sys::Element>()?
            .closest("form")
            .ok()??
            .dyn_into::<web_sys::HtmlFormElement>()
            .ok()?;
        web_sys::FormData::new_with_form(&form).ok().map(FormValues)
    }

    /// The values of the form with element id `id`.
    pub fn by_id(id: &str) -> Option<Self> {
        use wasm_bindgen::JsCast;
        let form = leptos::prelude::document()
            .get_element_by_id(id)?
            .dyn_into::<web_sys::HtmlFormElement>()
            .ok()?;
        web_sys::FormData::new_with_form(&form).ok().map(FormValues)
    }

    /// A markup form's submit, taken over: the values sent, and whether
    /// its folded section (`<details>`, if it has one) is open, so a
    /// redraw leaves it as the person had it.
    pub fn sent(ev: &leptos::ev::SubmitEvent) -> Option<(Self, bool)> {
        use wasm_bindgen::JsCast;
        ev.prevent_default();
        let target = ev.target()?;
        let open = target
            .dyn_ref::<web_sys::Element>()
            .and_then(|f| f.query_selector("details[open]").ok().flatten())
            .is_some();
        Some((FormValues::of(&target)?, open))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).as_string()
    }

    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// Every value under `name` (checked boxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .get_all(name)
            .iter()
            .filter_map(|v| v.as_string())
            .collect()
    }
}

/// The button clicked in a markup list, as its `data-act`, `data-case` and
/// `data-id` say: one handler for the whole list instead of one per row.
pub fn action(ev: &web_sys::MouseEvent) -> Option<(String, String, String)> {
    use wasm_bindgen::JsCast;
    let el = ev
        .target()?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest("[data-act]")
        .ok()??;
    let get = |name: &str| el.get_attribute(name).unwrap_or_default();
    Some((get("data-act"), get("data-case"), get("data-id")))
}

/// A form's draft kept on the device: a JSON object of its fields, the
/// same JSON the drafts were always stored as, read and written by the
/// browser's `JSON` instead of serde code compiled for each draft type
/// (README, Size).
pub struct Draft(pub js_sys::Object);

impl Default for Draft {
    fn default() -> Self {
        Draft(js_sys::Object::new())
    }
}

impl Draft {
    /// The draft under `key`, if one is kept and reads as an object.
    pub fn load(store: &crate::storage::Store, key: &str) -> Option<Self> {
        use wasm_bindgen::JsCast;
        let text = store.read(key).ok()??;
        js_sys::JSON::parse(&text)
            .ok()?
            .dyn_into::<js_sys::Object>()
            .ok()
            .map(Draft)
    }

    pub fn save(&self, store: &crate::storage::Store, key: &str) {
        if let Some(text) = js_sys::JSON::stringify(&self.0)
            .ok()
            .and_then(|t| t.as_string())
        {
            // Best effort: if storage is full the form's Save says so.
            let _ = store.set_raw(key, &text);
        }
    }

    fn value(&self, name: &str) -> wasm_bindgen::JsValue {
        js_sys::Reflect::get(&self.0, &name.into()).unwrap_or_default()
    }

    /// A text field; `None` when the draft has no such field.
    pub fn text(&self, name: &str) -> Option<String> {
        self.value(name).as_string()
    }

    pub fn flag(&self, name: &str) -> bool {
        self.value(name).as_bool().unwrap_or(false)
    }

    /// The objects in list field `name` (a draft's contacts).
    pub fn list(&self, name: &str) -> Vec<Draft> {
        use wasm_bindgen::JsCast;
        js_sys::Array::from(&self.value(name))
            .iter()
            .filter_map(|o| o.dyn_into::<js_sys::Object>().ok().map(Draft))
            .collect()
    }

    pub fn put(&self, name: &str, value: impl Into<wasm_bindgen::JsValue>) {
        let _ = js_sys::Reflect::set(&self.0, &name.into(), &value.into());
    }
}
