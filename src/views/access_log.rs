//! The Access log, for administrators: who was shown or changed which
//! patient's case, when and on which device (the server's audit trail,
//! `GET /api/audit`), newest first, a page at a time, filtered by patient,
//! user and dates, and exported as CSV. Needs the network: the log is kept
//! on the server only (and each read of it is itself recorded there).

use advocase_core::access::Role;
use advocase_core::audit::{AuditPage, AuditRow, action_label, outcome};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::clock;
use crate::server::{self, Failure};
use crate::views::fields::{Control, ErrorSummary, Field, FormState};
use crate::views::html::escape;

const OFFLINE: &str =
    "The access log needs the network: the server could not be reached. Try again when online.";

/// The filters: the server's parameter (and the field's name) and label.
const FILTERS: [(&str, &str); 4] = [
    ("patient", "Patient name or MRN"),
    ("user", "User"),
    ("from", "From date"),
    ("to", "To date"),
];

/// The table's head, static: one `innerHTML` costs less code than elements.
const HEAD: &str = "<tr><th scope=col>When</th><th scope=col>Who</th><th scope=col>Device</th><th scope=col>Patient</th><th scope=col>What</th><th scope=col>Outcome</th><th scope=col>Detail</th></tr>";

/// A date field's value as the instant its local day starts (`from`) or
/// the last millisecond of that day (`to`), so the days are this device's,
/// like the times the table shows. Anything else goes as typed: the
/// server's answer then names the field.
fn day_bound(value: &str, end: bool) -> String {
    let mut parts = value.split('-').map(|p| p.parse::<u32>().ok());
    if let (Some(Some(y)), Some(Some(m)), Some(Some(d)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    {
        let day = js_sys::Date::new_with_year_month_day(y, m as i32 - 1, (d + end as u32) as i32);
        let at = js_sys::Date::new(&(day.get_time() - end as u8 as f64).into());
        if let Some(iso) = at.to_iso_string().as_string() {
            return iso;
        }
    }
    value.to_owned()
}

/// The query string of the filters as typed (without the `?`).
fn query(values: &[RwSignal<String>; 4]) -> String {
    let mut q = String::new();
    for ((name, _), value) in FILTERS.iter().zip(values) {
        let value = value.get_untracked();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        let value = match *name {
            "from" => day_bound(value, false),
            "to" => day_bound(value, true),
            _ => value.to_owned(),
        };
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(name);
        q.push('=');
        q.push_str(&String::from(js_sys::encode_uri_component(&value)));
    }
    q
}

fn outcome_label(code: &str) -> &str {
    match code {
        outcome::OK => "Done",
        outcome::REFUSED => "Refused",
        outcome::FAILED => "Failed",
        outcome::LOCKED => "Locked",
        other => other,
    }
}

/// A row as markup: the log is read, never edited, and a page holds up
/// to 200 rows (a view per row cost about 8 KB of the app's download).
fn row(r: &AuditRow) -> String {
    let patient = [
        r.patient_name.clone(),
        r.mrn
            .as_ref()
            .filter(|m| !m.is_empty())
            .map(|m| format!("MRN {m}")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let device = r.device.clone().unwrap_or_default();
    format!(
        r#"<tr><td class="nowrap">{}</td><td>{}</td><td title="{}">{}</td><td>{}</td><td>{}</td><td>{}</td><td class="detail">{}</td></tr>"#,
        escape(&clock::show_time(r.at)),
        escape(&r.username),
        escape(&device),
        escape(device.get(..8).unwrap_or(&device)),
        escape(&patient),
        escape(action_label(&r.action)),
        escape(outcome_label(&r.outcome)),
        escape(&r.detail)
    )
}

#[component]
pub fn AccessLog() -> AnyView {
    let auth = crate::app::handles().auth;
    if !auth.user_untracked().is_some_and(|u| u.role == Role::Admin) {
        return view! {
            <h1>"Access log"</h1>
            <p class="notice warn">"Only administrators read the access log."</p>
        }
        .into_any();
    }
    let values: [RwSignal<String>; 4] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let form = FormState::new("access-log");
    let rows = RwSignal::new(Vec::<AuditRow>::new());
    let next = RwSignal::new(None::<u64>);
    // A page was shown (and the query of the rows shown).
    let loaded = RwSignal::new(false);
    let shown = StoredValue::new(String::new());
    let busy = RwSignal::new(false);

    // One request at a time: a page (`before` for older rows) or the CSV.
    let request = move |q: String, before: Option<u64>, csv: bool| {
        if busy.get_untracked() {
            return;
        }
        let Some(token) = auth.token() else {
            return form.fail("Sign in again to read the access log.");
        };
        if !window().navigator().on_line() {
            loaded.set(false);
            return form.fail(OFFLINE);
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = if csv {
                let path = format!("/api/audit.csv?{q}");
                match server::fetch("GET", Some(&token), &path, None).await {
                    Ok(response) => save_csv(response, "access-log.csv").await,
                    Err(f) => Err(f),
                }
            } else {
                let path = match before {
                    Some(b) => format!("/api/audit?{q}&before={b}"),
                    None => format!("/api/audit?{q}"),
                };
                server::get::<AuditPage>(Some(&token), &path)
                    .await
                    .map(|page| {
                        if before.is_some() {
                            rows.update(|r| r.extend(page.rows));
                        } else {
                            rows.set(page.rows);
                            shown.set_value(q);
                        }
                        next.set(page.next_before);
                        loaded.set(true);
                    })
            };
            match result {
                Ok(()) => form.clear(),
                Err(Failure::Refused { error, .. }) => match error.field {
                    Some(field) if FILTERS.iter().any(|(n, _)| *n == field) => {
                        form.invalid_field(&field, error.message)
                    }
                    _ => form.fail(error.message),
                },
                Err(Failure::Unreachable) => {
                    loaded.set(false);
                    form.fail(OFFLINE)
                }
            }
            busy.set(false);
        });
    };

    // The newest rows at once.
    request(String::new(), None, false);
    view! {
        <h1>"Access log"</h1>
        <section class="panel" aria-labelledby="access-filters">
            <h2 id="access-filters">"Who was shown which case"</h2>
            <form class="inline-form" aria-label="Filter the access log" novalidate on:submit=move |ev| {
                ev.prevent_default();
                request(query(&values), None, false);
            }>
                <ErrorSummary form/>
                {FILTERS.iter().zip(values).map(|(&(name, label), value)| {
                    let control = match name {
                        "user" => Control::Identifier,
                        "from" | "to" => Control::Input("date"),
                        _ => Control::Text,
                    };
                    view! { <Field form name label control grow=true value set=move |v| value.set(v)/> }
                }).collect_view()}
                <div class="button-row">
                    <button type="submit" class="primary" disabled=busy>"Show"</button>
                    <button type="button" disabled=busy
                        on:click=move |_| request(shown.get_value(), None, true)>"Export CSV"</button>
                </div>
            </form>
        </section>
        {move || (loaded.get() && rows.with(Vec::is_empty)).then(|| view! {
            <p class="notice info">"Nothing in the access log matches these filters."</p>
        })}
        <div class="table-scroll panel" role="region" aria-labelledby="access-rows" tabindex="0"
            hidden=move || !loaded.get() || rows.with(Vec::is_empty)>
            <table class="log-table">
                <caption id="access-rows">"Access log, newest first"</caption>
                <thead inner_html=HEAD></thead>
                <tbody inner_html=move || rows.with(|r| r.iter().map(row).collect::<String>())></tbody>
            </table>
        </div>
        <button type="button" disabled=busy hidden=move || !loaded.get() || next.get().is_none()
            on:click=move |_| request(shown.get_value(), next.get_untracked(), false)>"Show older"</button>
    }
    .into_any()
}

/// Hands a CSV answer to the browser as a download named `file` (the
/// Access log's, the directory's).
pub async fn save_csv(response: web_sys::Response, file: &str) -> Result<(), Failure> {
    let blob = response.blob().map_err(|_| Failure::Unreachable)?;
    let blob: web_sys::Blob = wasm_bindgen_futures::JsFuture::from(blob)
        .await
        .map_err(|_| Failure::Unreachable)?
        .unchecked_into();
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| Failure::Unreachable)?;
    if let Ok(a) = document().create_element("a") {
        let _ = a.set_attribute("href", &url);
        let _ = a.set_attribute("download", file);
        if let Some(body) = document().body() {
            let _ = body.append_child(&a);
        }
        a.unchecked_ref::<web_sys::HtmlElement>().click();
        a.remove();
    }
    // After the download has started.
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Ok(())
}
