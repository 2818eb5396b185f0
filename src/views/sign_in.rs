//! Signing in: needs the network once, then the session lasts the shift.

use leptos::prelude::*;

use crate::cases::Cases;
use crate::session::Auth;

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
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = username.get_untracked().trim().to_owned();
        if name.is_empty() || password.with_untracked(String::is_empty) {
            error.set(Some("Type your username and password.".into()));
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
            error.set(Some(format!(
                "Changes by {} on this device have not reached the server. {} must sign in to send them first.",
                others.join(", "),
                others.join(" or ")
            )));
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
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="panel sign-in" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">{title}</h1>
            <form on:submit=submit aria-label=title>
                <label class="field">
                    <span>"Username"</span>
                    <input type="text" autocomplete="username" autocapitalize="none" spellcheck="false"
                        prop:value=move || username.get() on:input=move |ev| username.set(event_target_value(&ev))/>
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input type="password" autocomplete="current-password"
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                </label>
                {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <p class="hint">"Signing in needs the network once; afterwards Advocase works offline for the rest of your shift."</p>
        </section>
    }
}
