//! Accounts, for administrators: who may sign in, with which role, covering
//! which units. Needs the network (accounts live on the server only).

use advocase_core::access::{Role, User};
use advocase_core::sync::{NewUser, UserUpdate};
use leptos::prelude::*;

use crate::server::{self, Failure};
use crate::session::Auth;
use crate::views::fields::{Control, ErrorSummary, Field, FormState};

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
    let auth = expect_context::<Auth>();
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
    if is_admin() {
        refresh();
    }

    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new("coordinator".to_owned());
    let units = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let new_account = FormState::new("new-account");
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewUser {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked().trim().to_owned(),
            role: Role::from_ident(&role.get_untracked()).unwrap_or(Role::Coordinator),
            units: split_units(&units.get_untracked()),
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
                    refresh();
                }
                Err(f) => {
                    message.set(None);
                    show_failure(new_account, &f);
                }
            }
        });
    };
    let update = move |form: FormState, name: String, change: UserUpdate, done: &'static str| {
        leptos::task::spawn_local(async move {
            let Some(token) = auth.token() else { return };
            let path = format!("/api/users/{name}");
            match server::send::<_, User>("PATCH", Some(&token), &path, &change).await {
                Ok(_) => {
                    form.clear();
                    message.set(Some((true, format!("{name}: {done}"))));
                    refresh();
                }
                Err(f) => {
                    message.set(None);
                    show_failure(form, &f);
                }
            }
        });
    };

    view! {
        <h1>"Accounts"</h1>
        <Show when=is_admin fallback=|| view! { <p class="notice warn">"Only administrators manage accounts."</p> }>
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
                    <Field form=new_account name="units" label="Units covered (comma-separated)" value=units set=move |v| units.set(v)/>
                    <Field form=new_account name="password" label="First password (at least 12 characters)" control=Control::Input("password")
                        autocomplete="new-password" value=password set=move |v| password.set(v)/>
                    <button type="submit" class="primary">"Create account"</button>
                </form>
            </section>
            <section class="panel" aria-labelledby="accounts">
                <h2 id="accounts">"Everyone"</h2>
                <ul class="plain accounts">
                    <For each=move || users.get() key=|u| (u.username.clone(), u.active, u.units.clone(), u.role) let:u>
                        {
                            let name = u.username.clone();
                            let (n1, n2) = (name.clone(), name.clone());
                            let active = u.active;
                            let new_password = RwSignal::new(String::new());
                            let password_form = FormState::new(format!("password-{name}"));
                            view! {
                                <li class="account" class:inactive=!active>
                                    <p>
                                        <strong>{u.display_name.clone()}</strong> " (" {name.clone()} ") · " {u.role.label()}
                                        {(!u.units.is_empty()).then(|| format!(" · {}", u.units.join(", ")))}
                                        {(!active).then_some(" · deactivated")}
                                    </p>
                                    <div class="button-row">
                                        <button type="button" on:click=move |_| update(password_form, n1.clone(), UserUpdate { active: Some(!active), ..UserUpdate::default() },
                                            if active { "deactivated; every session ended." } else { "active again." })>
                                            {if active { format!("Deactivate {name}") } else { format!("Reactivate {name}") }}
                                        </button>
                                    </div>
                                    <form class="inline-form" aria-label=format!("New password for {name}") novalidate on:submit=move |ev| {
                                        ev.prevent_default();
                                        update(password_form, n2.clone(), UserUpdate { password: Some(new_password.get_untracked()), ..UserUpdate::default() }, "password changed; every session ended.");
                                        new_password.set(String::new());
                                    }>
                                        <ErrorSummary form=password_form/>
                                        <Field form=password_form name="password" label="New password" grow=true control=Control::Input("password")
                                            autocomplete="new-password" value=new_password set=move |v| new_password.set(v)/>
                                        <button type="submit">"Set password"</button>
                                    </form>
                                </li>
                            }
                        }
                    </For>
                </ul>
            </section>
        </Show>
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
