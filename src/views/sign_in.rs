//! Signing in: needs the network once, then the session lasts the shift.

use leptos::prelude::*;

use crate::cases::Cases;
use crate::session::Auth;
use crate::views::fields::{Control, ErrorSummary, Field, FormState};
use advocase_core::validation::Problems;

#[component]
pub fn SignIn(
    /// The heading: "Sign in", or "Sign in again to sync".
    title: &'static str,
) -> impl IntoView {
    let auth = expect_context::<Auth>();
    let cases = expect_context::<Cases>();
    let username = RwSignal::new(
        auth.user_untracked()
            .map(|u| u.username)
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let form = FormState::new("sign-in");
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        let mut missing = Problems::default();
        if name.is_empty() {
            missing.add("username", "Type your username.");
        }
        if password.with_untracked(String::is_empty) {
            missing.add("password", "Type your password.");
        }
        if !missing.is_empty() {
            form.invalid(missing);
            return;
        }
        // Unsent changes carry their author's name, and only the author may
        // send them: someone else signing in would strand them.
        let others: Vec<String> = cases
            .unsent_authors()
            .into_iter()
            .filter(|a| *a != name)
            .collect();
        if !others.is_empty() {
            form.invalid_field(
                "username",
                format!(
                    "Changes by {} on this device have not reached the server. {} must sign in to send them first.",
                    others.join(", "),
                    others.join(" or ")
                ),
            );
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = auth
                .sign_in(&name, &password.get_untracked(), cases.device())
                .await;
            busy.set(false);
            match result {
                Ok(()) => {
                    password.set(String::new());
                    form.clear();
                }
                Err(e) => form.fail(e),
            }
        });
    };
    view! {
        <section class="panel sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{title}</h1>
            <form on:submit=submit aria-label=title novalidate>
                <ErrorSummary form/>
                <Field form name="username" label="Username" control=Control::Identifier autocomplete="username" value=username set=move |v| username.set(v)/>
                <Field form name="password" label="Password" control=Control::Input("password") autocomplete="current-password"
                    value=password set=move |v| password.set(v)/>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="hint">"Signing in needs the network once; afterwards Advocase works offline for the rest of your shift."</p>
        </section>
    }
}
