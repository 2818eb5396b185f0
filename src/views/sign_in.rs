//! Signing in: needs the network once, then the session lasts the shift.

use leptos::prelude::*;

use crate::views::fields::{Control, ErrorSummary, Field, FormState, Submit};
use crate::{session, vault};
use advocase_core::validation::Problems;

#[component]
pub fn SignIn(
    /// The heading: "Sign in", or "Sign in again to sync".
    title: &'static str,
) -> impl IntoView {
    let gate = crate::app::base().gate;
    let username = RwSignal::new(
        gate.ring
            .with_untracked(|r| r.as_ref().map(|r| r.owner.clone()))
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let form = FormState::new("sign-in");
    let busy = RwSignal::new(false);
    let secure = vault::secure_context();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_ascii_lowercase();
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
        if let Some(why) = gate.strands_changes(&name) {
            form.invalid_field("username", why);
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match session::login(&name, &password.get_untracked(), gate.device()).await
            {
                Ok(s) => gate.signed_in(s).await,
                Err(e) => Err(e),
            };
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
            {if secure {
                view! {
                    <form on:submit=submit aria-label=title novalidate>
                        <ErrorSummary form/>
                        <Field form name="username" label="Username" control=Control::Identifier autocomplete="username" value=username set=move |v| username.set(v)/>
                        <Field form name="password" label="Password" control=Control::Input("password") autocomplete="current-password"
                            value=password set=move |v| password.set(v)/>
                        <Submit busy idle="Sign in" working="Signing in…"/>
                    </form>
                    <p class="hint">"Signing in needs the network once; afterwards Advocase works offline for the rest of your shift."</p>
                }
                .into_any()
            } else {
                view! { <InsecureNotice/> }.into_any()
            }}
        </section>
    }
}

/// Shown where the page is not a secure context (http:// under a name).
#[component]
pub fn InsecureNotice() -> impl IntoView {
    view! {
        <p class="notice error" role="alert" data-testid="insecure">{INSECURE}</p>
    }
}

/// What [`InsecureNotice`] says (Settings draws it as markup).
pub const INSECURE: &str = "This address is not secure (http://), so the browser gives Advocase no offline storage protection and no offline start. Patient data could not be protected here, so signing in is turned off. Open Advocase at its https:// address; ask IT if you do not know it.";
