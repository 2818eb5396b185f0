//! The gate's screens: choose a PIN, the lock screen, and the password
//! path out of it. None of them shows anything of the caseload.

use advocase_core::keyring;
use leptos::prelude::*;

use crate::views::fields::Shown;

use crate::gate::Phase;
use crate::views::fields::{Control, ErrorSummary, Field, FormState, Submit};
use crate::views::sign_in::SignIn;

/// What the gate shows in place of the app.
#[component]
pub fn GateScreen() -> impl IntoView {
    let gate = crate::app::base().gate;
    move || match gate.phase.get() {
        Phase::SignIn | Phase::Open => view! { <SignIn title="Sign in to Advocase"/> }.into_any(),
        Phase::SetPin => view! { <ChoosePin/> }.into_any(),
        Phase::Locked => view! { <Locked/> }.into_any(),
    }
}

#[component]
fn ChoosePin() -> impl IntoView {
    let gate = crate::app::base().gate;
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let form = FormState::new("choose-pin");
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = pin.get_untracked();
        if let Some(why) = keyring::pin_problem(&p) {
            form.invalid_field("pin", why);
            return;
        }
        if again.get_untracked() != p {
            form.invalid_field("again", "The two PINs differ: type the same PIN twice.");
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = gate.set_pin(&p).await;
            busy.set(false);
            match result {
                Ok(()) => form.clear(),
                Err(e) => form.fail(e),
            }
        });
    };
    view! {
        <section class="panel sign-in" aria-labelledby="pin-title">
            <h1 id="pin-title">"Choose a PIN for this device"</h1>
            <p>{format!("{}, the PIN unlocks Advocase on this tablet, also offline. Patient data here is encrypted with it.", gate.owner_name())}</p>
            <form on:submit=submit aria-label="Choose a PIN" novalidate>
                <ErrorSummary form/>
                <Field form name="pin" label="PIN (at least 6 digits)" control=Control::Pin value=pin set=move |v| pin.set(v)/>
                <Field form name="again" label="Repeat the PIN" control=Control::Pin value=again set=move |v| again.set(v)/>
                <Submit busy idle="Set PIN" working="Protecting…"/>
            </form>
            <p class="hint">{format!("After {} wrong PINs, only your password unlocks the device again (online).", keyring::PIN_TRIES)}</p>
        </section>
    }
}

#[component]
fn Locked() -> impl IntoView {
    let gate = crate::app::base().gate;
    let pin = RwSignal::new(String::new());
    let form = FormState::new("unlock");
    let busy = RwSignal::new(false);
    let destroyed = move || {
        gate.ring
            .with(|r| r.as_ref().is_none_or(|r| r.pin.is_none()))
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = pin.get_untracked();
        if p.is_empty() {
            form.invalid_field("pin", "Type your PIN.");
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = gate.unlock(&p).await;
            busy.set(false);
            pin.set(String::new());
            match result {
                Ok(()) => form.clear(),
                Err(e) => form.invalid_field("pin", e),
            }
        });
    };
    view! {
        <section class="panel sign-in" aria-labelledby="locked-title">
            <h1 id="locked-title">"Advocase is locked"</h1>
            <p>"In use by " <strong>{move || gate.ring.with(|r| r.as_ref().map(|r| r.owner_name.clone()))}</strong></p>
            <Shown when=Signal::derive(move || !destroyed())>
                <form on:submit=submit aria-label="Unlock" novalidate>
                    <ErrorSummary form/>
                    <Field form name="pin" label="PIN" control=Control::Pin value=pin set=move |v| pin.set(v)/>
                    <Submit busy idle="Unlock" working="Unlocking…"/>
                </form>
            </Shown>
            {move || destroyed().then(|| view! {
                <p class="notice warn" role="alert">
                    "The PIN no longer unlocks this device. Sign in with your password (needs the network): nothing on the device is lost."
                </p>
            })}
            <Shown when=Signal::derive(move || !destroyed() && !gate.with_password.get())>
                <button type="button" class="link-button" on:click=move |_| gate.with_password.set(true)>
                    "Forgot the PIN, or not you? Sign in with a password"
                </button>
            </Shown>
        </section>
        <Shown when=Signal::derive(move || destroyed() || gate.with_password.get())>
            <SignIn title="Sign in with your password"/>
        </Shown>
    }
}
