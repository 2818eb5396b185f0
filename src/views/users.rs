//! Accounts, for administrators: who may sign in, with which role, covering
//! which units (chosen from the hospital's structure, so a covered unit is
//! never a typo that hides cases). Needs the network (accounts live on the
//! server only).

use advocase_core::access::{Role, User};
use advocase_core::directory::Structure;
use advocase_core::sync::{NewUser, UserUpdate};
use leptos::prelude::*;

use crate::views::fields::Shown;

use crate::server::{self, Failure};
use crate::views::fields::{Control, ErrorSummary, Field, FormState};
use crate::views::html::{FormValues, Markup, escape};
use wasm_bindgen::JsCast;

/// The units to choose from as checkboxes (markup, read back on submit):
/// the structure's live units, then any unit text `chosen` holds that
/// names none of them, so saving never drops it unseen.
fn unit_checks(form: FormState, name: &str, offered: &[String], chosen: &[String]) -> String {
    let mut options: Vec<(String, String)> =
        offered.iter().map(|u| (u.clone(), u.clone())).collect();
    for c in chosen.iter().filter(|c| !offered.contains(c)) {
        options.push((c.clone(), format!("{c} (names no unit)")));
    }
    let options: Vec<(String, &str)> = options
        .iter()
        .map(|(v, l)| (v.clone(), l.as_str()))
        .collect();
    let mut m = Markup::new(form);
    m.checks(name, "Units covered", &options, chosen);
    m.out
}

/// Everyone's account, with its buttons and forms, as markup.
fn rows(form: FormState, users: &[User], offered: &[String]) -> String {
    let mut out = String::new();
    for u in users {
        let name = escape(&u.username);
        let units = if u.units.is_empty() {
            String::new()
        } else {
            format!(" · {}", escape(&u.units.join(", ")))
        };
        let (class, state, button) = if u.active {
            ("account", "", "Deactivate")
        } else {
            ("account inactive", " · deactivated", "Reactivate")
        };
        out += &format!(
            r#"<li class="{class}"><p><strong>{}</strong> ({name}) · {}{units}{state}</p><div class="button-row"><button type="button" data-user="{name}" data-active="{}">{button} {name}</button></div>"#,
            escape(&u.display_name),
            u.role.label(),
            !u.active,
        );
        if u.role == Role::Coordinator && !offered.is_empty() {
            out += &format!(
                r#"<form class="stack" aria-label="Units covered by {name}" data-user="{name}" data-form="units" novalidate>{}<button type="submit">Save units covered</button></form>"#,
                unit_checks(form, &format!("{}.units", u.username), offered, &u.units)
            );
        }
        let mut m = Markup::new(form);
        m.password(&format!("{}.password", u.username), "New password");
        out += &format!(
            r#"<form class="inline-form" aria-label="New password for {name}" data-user="{name}" data-form="password" novalidate>{}<button type="submit">Set password</button></form></li>"#,
            m.out
        );
    }
    out
}

/// A refusal naming a field goes under that field; any other in the
/// form's summary.
fn show_failure(form: FormState, f: &Failure) {
    match f {
        Failure::Refused { error, .. } if error.field.is_some() => form.invalid_field(
            error.field.as_deref().unwrap_or_default(),
            error.message.clone(),
        ),
        _ => form.fail(describe(f)),
    }
}

#[component]
pub fn Users() -> impl IntoView {
    let auth = crate::app::handles().auth;
    let is_admin = move || auth.user().is_some_and(|u| u.role == Role::Admin);
    let users = RwSignal::new(Vec::<User>::new());
    let message = RwSignal::new(None::<(bool, String)>);
    let refresh = move || {
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            match server::get::<Vec<User>>(Some(&token), "/api/users").await {
                Ok(mut list) => {
                    advocase_core::order::sort_by(&mut list, |a, b| a.username.cmp(&b.username));
                    users.set(list);
                }
                Err(f) => message.set(Some((false, f.message()))),
            }
        });
    };
    // The structure's live units to choose from; none (no structure yet,
    // or not fetched) leaves the typed list.
    let offered = RwSignal::new(Vec::<String>::new());
    if is_admin() {
        refresh();
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            if let Ok(s) = server::get::<Structure>(Some(&token), "/api/structure").await {
                let (_, units) = s.offered_units(&[]);
                offered.set(units.into_iter().map(|u| u.name.clone()).collect());
            }
        });
    }

    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new("coordinator".to_owned());
    let units = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let password = RwSignal::new(String::new());
    let new_account = FormState::new("new-account");
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !offered.with_untracked(Vec::is_empty) {
            let values = ev.target().and_then(|t| FormValues::of(&t));
            chosen.set(values.map(|v| v.all("units")).unwrap_or_default());
        }
        let new = NewUser {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked().trim().to_owned(),
            role: Role::from_ident(&role.get_untracked()).unwrap_or(Role::Coordinator),
            units: if offered.with_untracked(Vec::is_empty) {
                split_units(&units.get_untracked())
            } else {
                chosen.get_untracked()
            },
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            match server::send::<_, User>("POST", Some(&token), "/api/users", &new).await {
                Ok(u) => {
                    new_account.clear();
                    message.set(Some((true, format!("Account {} created.", u.username))));
                    for s in [username, display_name, units, password] {
                        s.set(String::new());
                    }
                    chosen.set(Vec::new());
                    refresh();
                }
                Err(f) => {
                    message.set(None);
                    show_failure(new_account, &f);
                }
            }
        });
    };
    // Every account's forms are one markup list (`rows`) answered by two
    // listeners; their fields are named "<username>.<field>" in one form
    // state, so a refusal shows under the right account's field.
    let accounts = FormState::new("account");
    let update = move |name: String, change: UserUpdate, done: &'static str| {
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            let path = format!("/api/users/{name}");
            match server::send::<_, User>("PATCH", Some(&token), &path, &change).await {
                Ok(_) => {
                    accounts.clear();
                    message.set(Some((true, format!("{name}: {done}"))));
                    refresh();
                }
                Err(f) => {
                    message.set(None);
                    match &f {
                        Failure::Refused { error, .. } if error.field.is_some() => accounts
                            .invalid_field(
                                &format!("{name}.{}", error.field.as_deref().unwrap_or_default()),
                                error.message.clone(),
                            ),
                        _ => accounts.fail(describe(&f)),
                    }
                }
            }
        });
    };

    // Deactivate or reactivate.
    let act = move |ev: leptos::ev::MouseEvent| {
        let Some(el) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        else {
            return;
        };
        let (Some(name), Some(active)) = (
            el.get_attribute("data-user"),
            el.get_attribute("data-active"),
        ) else {
            return;
        };
        let on = active == "true";
        let done = if on {
            "active again."
        } else {
            "deactivated; every session ended."
        };
        update(
            name,
            UserUpdate {
                active: Some(on),
                ..UserUpdate::default()
            },
            done,
        );
    };
    // A new password, or the units covered.
    let act_form = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(target) = ev.target() else { return };
        let Some(el) = target.dyn_ref::<web_sys::Element>() else {
            return;
        };
        let (Some(name), Some(values)) = (el.get_attribute("data-user"), FormValues::of(&target))
        else {
            return;
        };
        if el.get_attribute("data-form").as_deref() == Some("units") {
            let units = values.all(&format!("{name}.units"));
            update(
                name,
                UserUpdate {
                    units: Some(units),
                    ..UserUpdate::default()
                },
                "units covered saved.",
            );
        } else {
            let password = values.text(&format!("{name}.password"));
            update(
                name,
                UserUpdate {
                    password: Some(password),
                    ..UserUpdate::default()
                },
                "password changed; every session ended.",
            );
        }
    };

    view! {
        <h1>"Accounts"</h1>
        <Shown when=Signal::derive(is_admin) fallback=|| view! { <p class="notice warn">"Only administrators manage accounts."</p> }>
            {move || message.get().map(|(ok, m)| view! {
                <p class="notice" class:info=ok class:error=!ok role=if ok { "status" } else { "alert" }>{m}</p>
            })}
            <section class="panel" aria-labelledby="new-account">
                <h2 id="new-account">"New account"</h2>
                <form class="stack" on:submit=create aria-label="New account" novalidate>
                    <ErrorSummary form=new_account/>
                    <Field form=new_account name="username" label="Username" control=Control::Identifier value=username set=move |v| username.set(v)/>
                    <Field form=new_account name="display_name" label="Full name" value=display_name set=move |v| display_name.set(v)/>
                    <Field form=new_account name="role" label="Role"
                        control=Control::Select(Role::ALL.iter().map(|r| (r.ident().to_owned(), r.label().to_owned())).collect())
                        value=role set=move |v| role.set(v)/>
                    {move || if offered.with(Vec::is_empty) {
                        view! { <Field form=new_account name="units" label="Units covered (comma-separated)" value=units set=move |v| units.set(v)/> }.into_any()
                    } else {
                        view! { <div inner_html=move || offered.with(|o| unit_checks(new_account, "units", o, &chosen.get()))></div> }.into_any()
                    }}
                    <Field form=new_account name="password" label="First password (at least 12 characters)" control=Control::Input("password")
                        autocomplete="new-password" value=password set=move |v| password.set(v)/>
                    <button type="submit" class="primary">"Create account"</button>
                </form>
            </section>
            <section class="panel" aria-labelledby="accounts">
                <h2 id="accounts">"Everyone"</h2>
                <ErrorSummary form=accounts/>
                <ul class="plain accounts" on:click=act on:submit=act_form
                    inner_html=move || users.with(|list| offered.with(|o| rows(accounts, list, o)))></ul>
            </section>
        </Shown>
    }
}

fn split_units(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect()
}

fn describe(f: &Failure) -> String {
    match f {
        Failure::Unreachable => {
            "Accounts need the network: the server could not be reached.".into()
        }
        Failure::Refused { error, .. } => match &error.field {
            Some(field) => format!("{} ({field})", error.message),
            None => error.message.clone(),
        },
    }
}
