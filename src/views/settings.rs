//! Settings for this device: who uses it, display, what it stores and how
//! much more fits, entries set aside, whether the server answers, and
//! exactly which build is running.

use leptos::prelude::*;

use crate::views::fields::Shown;

use crate::network::use_online;
use crate::preferences::{self, Preferences};
use crate::storage::Store;
use crate::views::fields::{Control, ErrorSummary, Field, FormState};
use crate::views::html::escape;
use crate::views::sign_in::INSECURE;
use crate::{build, server};

/// What browsers allow one site in localStorage: five million UTF-16 code
/// units (Chromium, Firefox, Safari), i.e. 10 MiB as `Usage` counts bytes.
pub const QUOTA_BYTES: usize = 10 * 1024 * 1024;
/// Bytes a case with ten interactions takes, measured by `scripts/bench`;
/// used for the estimate until the device has cases of its own.
const TYPICAL_CASE_BYTES: usize = 4_041;
const TYPICAL_INTERACTION_BYTES: usize = 322;

/// "12.3": one decimal, by integer arithmetic (float formatting would
/// add kilobytes of code to the client for this one figure).
fn kilobytes(bytes: usize) -> String {
    let tenths = (bytes * 10 + 512) / 1024;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Saves a change to the preferences and shows it; the error is for a person.
/// `change` as a `&dyn`: one compiled save for the three settings rather
/// than one per closure (README, Size).
fn update_prefs(change: &dyn Fn(&mut Preferences)) -> Result<(), String> {
    let base = crate::app::base();
    save_prefs(&base.store, base.prefs, change)
}

fn save_prefs(
    store: &Store,
    prefs: RwSignal<Preferences>,
    change: &dyn Fn(&mut Preferences),
) -> Result<(), String> {
    let mut next = prefs.get_untracked();
    change(&mut next);
    preferences::save(store, &next).map_err(|e| e.to_string())?;
    preferences::apply(&next);
    prefs.set(next);
    Ok(())
}

#[component]
pub fn Settings() -> impl IntoView {
    let store = crate::app::base().store;
    let prefs = crate::app::base().prefs;
    let cases = crate::app::handles().cases;
    let load_error = crate::app::base().prefs_error;
    let save_error = RwSignal::new(None::<String>);
    let auth = crate::app::handles().auth;
    let sync = crate::app::handles().sync;
    let gate = crate::app::base().gate;
    let keep_days = RwSignal::new(prefs.get_untracked().keep_closed_days.to_string());
    let keep_form = FormState::new("keep");
    // Some(why): the sign-out found `unsent_n` changes unsent (why, in
    // words) and asks before deleting. Two signals of types other views
    // share rather than one of its own (README, Size).
    let confirm_unsent = RwSignal::new(None::<String>);
    let unsent_n = RwSignal::new(0usize);
    let signing_out = RwSignal::new(false);
    // Sync is held from the flush until the session is gone (Sync::hold).
    let finish_sign_out = move |held: bool| {
        leptos::task::spawn_local(async move {
            if !held {
                sync.hold().await;
            }
            cases.wipe();
            auth.sign_out().await;
            gate.signed_out().await;
            sync.release();
            confirm_unsent.set(None);
            signing_out.set(false);
        });
    };
    let sign_out = move |_| {
        signing_out.set(true);
        leptos::task::spawn_local(async move {
            sync.hold().await;
            let why = sync.flush().await.err().unwrap_or_default();
            let n = cases.unsent.get_untracked();
            if n == 0 {
                finish_sign_out(true);
            } else {
                sync.release();
                signing_out.set(false);
                unsent_n.set(n);
                confirm_unsent.set(Some(why));
            }
        });
    };

    // What is stored and how much more fits: read again whenever the
    // caseload or preferences change (with the facts they are drawn in, not
    // as memos: each memo type is compiled code of its own, README, Size).
    let capacity = move || {
        cases.caseload.track();
        prefs.track();
        let u = store.usage();
        let used = u.bytes;
        let free = QUOTA_BYTES.saturating_sub(used);
        let (n_cases, n_interactions) = cases.caseload.with(|c| (c.len(), c.interaction_count()));
        let per_case = if n_cases >= 5 {
            used / n_cases.max(1)
        } else {
            TYPICAL_CASE_BYTES
        };
        let per_interaction = if n_interactions >= 20 {
            (used / (n_cases + n_interactions).max(1)).max(1)
        } else {
            TYPICAL_INTERACTION_BYTES
        };
        (
            u,
            free / per_case.max(1),
            free / per_interaction,
            n_cases,
            n_interactions,
        )
    };

    let online = use_online();
    // The server's answer to a health check, asked again each time the
    // device comes online (None: asking; Some(None): offline). A signal and
    // a task rather than a resource: the resource machinery cost about
    // 2 KB of brotli for this one line. Kept as the line shown (None:
    // asking), a signal type other views share (README, Size).
    let health = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if !online.get() {
            return health.set(Some("Not checked while offline".to_owned()));
        }
        health.set(None);
        leptos::task::spawn_local(async move {
            let answer = match server::health().await {
                Ok(h) => format!("Version {}, database {}", h.version, h.database.status),
                Err(e) => e,
            };
            if online.get_untracked() {
                health.set(Some(answer));
            }
        });
    });

    view! {
        <h1>"Settings"</h1>
        <section class="panel" aria-labelledby="you">
            <h2 id="you">"You"</h2>
            <p data-testid="signed-in-as" inner_html=move || auth.user().map(|u| format!(
                "Signed in as <strong>{}</strong> ({}, {}{})",
                escape(&u.display_name),
                escape(&u.username),
                u.role.label().to_lowercase(),
                if u.units.is_empty() { String::new() } else { escape(&format!("; covers {}", u.units.join(", "))) }
            ))></p>
            <button type="button" on:click=sign_out disabled=move || signing_out.get()>
                {move || if signing_out.get() { "Sending changes…" } else { "Sign out" }}
            </button>
            {move || confirm_unsent.get().map(|why| (unsent_n.get(), why)).map(|(n, why)| view! {
                <div class="notice warn" role="alertdialog" aria-label="Unsent changes">
                    <p>
                        {if n == 1 { "1 change has not reached the server.".to_owned() } else { format!("{n} changes have not reached the server.") }}
                        " " {why} " Signing out deletes all patient data from this device, including them."
                    </p>
                    <div class="button-row">
                        <button type="button" class="primary" on:click=move |_| confirm_unsent.set(None)>"Stay signed in"</button>
                        <button type="button" class="danger" on:click=move |_| finish_sign_out(false)>
                            {format!("Sign out and delete {n} unsent")}
                        </button>
                    </div>
                </div>
            })}
        </section>
        // Read-only sections as markup (README, Size).
        <section class="panel" aria-labelledby="protection" inner_html=format!(
            r#"<h2 id="protection">Device protection</h2>{}"#,
            if crate::vault::secure_context() {
                "<p>Patient data on this device is encrypted (AES-256) and opens only with your PIN or, online, your password. It locks after a few idle minutes and when you tap Lock.</p>".to_owned()
            } else {
                format!(r#"<p class="notice error" role="alert" data-testid="insecure">{INSECURE}</p>"#)
            }
        )></section>
        {move || auth.user().is_some_and(|u| u.role == advocase_core::access::Role::Admin).then(crate::views::hospital::numbers)}
        <section class="panel" aria-labelledby="keeping">
            <h2 id="keeping">"What stays on this device"</h2>
            <p>"Open cases you may see and anything not yet sent always stay. Closed cases leave this device after the number of days below (they stay on the server)."</p>
            <form class="inline-form" aria-label="Keep closed cases" novalidate on:submit=move |ev| {
                ev.prevent_default();
                match keep_days.get_untracked().trim().parse::<u32>() {
                    Ok(d) if (1..=3650).contains(&d) => match update_prefs(&|p| p.keep_closed_days = d) {
                        Ok(()) => {
                            keep_form.clear();
                            sync.now();
                        }
                        Err(e) => keep_form.fail(e),
                    },
                    _ => keep_form.invalid_field("keep_closed_days", "Keep closed cases for a number of days from 1 to 3650."),
                }
            }>
                <ErrorSummary form=keep_form/>
                <Field form=keep_form name="keep_closed_days" label="Keep closed cases (days)" control=Control::Number(1, 3650)
                    value=keep_days set=move |v| keep_days.set(v)/>
                <button type="submit">"Save"</button>
            </form>
        </section>
        <section class="panel" aria-labelledby="display">
            <h2 id="display">"Display"</h2>
            {load_error.map(|e| view! { <p class="notice warn" role="alert">"Saved display settings were reset: " {e}</p> })}
            <label class="switch">
                <input
                    type="checkbox"
                    prop:checked=move || prefs.with(|p| p.large_text)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        save_error.set(update_prefs(&|p| p.large_text = on).err());
                    }
                />
                <span>"Large text"</span>
            </label>
            <label class="switch">
                <input
                    type="checkbox"
                    prop:checked=move || prefs.with(|p| p.notify)
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let store = crate::app::base().store;
                        let keep = move |on: bool| save_error.set(save_prefs(&store, prefs, &|p| p.notify = on).err());
                        if on {
                            crate::notify::ask(move |allowed| {
                                if !allowed {
                                    save_error.set(Some("This browser does not allow notifications from Advocase. Due follow-ups still show in a banner.".into()));
                                }
                                keep(allowed);
                            });
                        } else {
                            keep(false);
                        }
                    }
                />
                <span>"Notify me when a follow-up comes due (while Advocase is open)"</span>
            </label>
            {move || save_error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </section>
        <section class="panel" aria-labelledby="device">
            <h2 id="device">"This device"</h2>
            // One string for the five facts: a reactive text node each
            // would be compiled code each (README, Size).
            <dl class="facts" inner_html=move || {
                let (u, more_cases, more_interactions, c, i) = capacity();
                let server = health.get().unwrap_or_else(|| "Checking…".to_owned());
                format!(
                    r#"<dt>Cases here</dt><dd>{c} cases, {i} interactions</dd><dt>Stored by Advocase</dt><dd data-testid="storage-usage">{} entries, {} KB of about {} MB</dd><dt>Room for</dt><dd data-testid="storage-room">about {more_cases} more cases with 10 interactions each, or {more_interactions} more interactions</dd><dt>Connection</dt><dd>{}</dd><dt>Server</dt><dd data-testid="server-status">{}</dd>"#,
                    u.entries,
                    kilobytes(u.bytes),
                    QUOTA_BYTES / (1024 * 1024),
                    if online.get() { "Online" } else { "Offline: the app keeps working from this device" },
                    escape(&server),
                )
            }>
            </dl>
        </section>
        <Shown when=Signal::derive(move || cases.quarantined.with(|q| !q.is_empty()))>
            <section class="panel" aria-labelledby="set-aside">
                <h2 id="set-aside">"Entries set aside"</h2>
                <p class="notice warn" role="alert">
                    {move || format!("{} Everything else loaded normally. Ask IT before discarding.", crate::cases::set_aside_message(cases.quarantined.with(Vec::len)))}
                </p>
                // Markup, one listener: a list that is almost always empty.
                <ul class="quarantine"
                    on:click=move |ev| {
                        let key = ev.target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                            .and_then(|el| el.get_attribute("data-key"));
                        if let Some(key) = key {
                            cases.discard_quarantined(&key);
                        }
                    }
                    inner_html=move || cases.quarantined.with(|list| list.iter().map(|q| {
                        let key = escape(&q.key);
                        format!(
                            r#"<li><code>{key}</code> — {} ({} characters) <button type="button" data-key="{key}" aria-label="Discard {key}">Discard</button></li>"#,
                            escape(&q.reason),
                            q.chars
                        )
                    }).collect::<String>())>
                </ul>
            </section>
        </Shown>
        <section class="panel" aria-labelledby="about" inner_html=format!(
            r#"<h2 id="about">About</h2><dl class="facts"><dt>App version</dt><dd data-testid="app-version">{}</dd></dl><p>Advocase keeps patient information on this device and on your hospital's server only.</p>"#,
            escape(&build::describe())
        )></section>
    }
}
