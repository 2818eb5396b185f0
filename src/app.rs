//! The shell: header (name, navigation, connectivity), the routed views, and
//! the footer with the build. Provides what every view shares: the store,
//! the preferences, the caseload and the online signal.

use leptos::prelude::*;

use advocase_core::access::Role;

use crate::cases::Cases;
use crate::directory::Directory;
use crate::gate::{Gate, Inside, Phase};
use crate::hospital::Hospital;
use crate::network::{self, OnlineIndicator};
use crate::session::Auth;
use crate::sync::Sync;
use crate::templates::Templates;
use crate::update::UpdateBanner;
use crate::views::access_log::AccessLog;
use crate::views::directory;
use crate::views::{
    case_detail::CaseDetail, case_list::CaseList, discharges::Discharges, guide::Guide,
    lock::GateScreen, new_case::NewCase, print::PrintChecklist, rights::PrintRights,
    settings::Settings, sign_in::SignIn, templates::TemplateList, users::Users,
};
use crate::{build, preferences, storage::Store};

#[component]
pub fn App() -> impl IntoView {
    provide_context(network::watch());
    let store = Store::default();
    let (prefs, load_error) = preferences::load(&store);
    preferences::apply(&prefs);
    provide_context(RwSignal::new(prefs));
    provide_context(PrefsLoadError(load_error.map(|e| e.to_string())));
    let gate = Gate::new(store.clone());
    provide_context(gate);
    provide_context(store);
    crate::nav::start();
    view! {
            <a class="skip-link" href="#main">"Skip to content"</a>
            // The shell (and everything it reads) is made on the first unlock.
            <Show when=move || gate.opened.get() fallback=|| view! {
                <header class="app-header">
                    <span class="brand"><span class="brand-mark" aria-hidden="true">"A"</span><span>"Advocase"</span></span>
                    <OnlineIndicator/>
                </header>
                <UpdateBanner/>
                <main id="main" tabindex="-1"><GateScreen/></main>
                <Footer/>
            }>
                <Shell/>
            </Show>
    }
}

#[component]
fn Footer() -> impl IntoView {
    view! {
        <footer class="app-footer">
            <span>"Advocase " {build::describe()}</span>
        </footer>
    }
}

#[component]
fn Shell() -> impl IntoView {
    let gate = expect_context::<Gate>();
    let store = expect_context::<Store>();
    let prefs = expect_context::<RwSignal<preferences::Preferences>>();
    let cases = Cases::load(store.clone());
    let auth = Auth::load(store.clone());
    let templates = Templates::load(store.clone());
    let hospital = Hospital::load(store.clone());
    let directory = Directory::load(store);
    let sync = Sync::new(cases, auth, prefs, templates, hospital, directory);
    gate.attach(Inside { cases, auth, sync });
    leptos::task::spawn_local(async move {
        cases.recover().await;
        auth.recover().await;
        sync.start();
    });
    crate::idle::watch(gate, auth);
    // Shortly after every local write, and as soon as someone signs in.
    Effect::new(move |_| {
        if cases.unsent.get() > 0 {
            sync.soon();
        }
    });
    // The signed-in person's queued corrections (theirs only).
    Effect::new(move |_| {
        directory.load_queue(&auth.user().map(|u| u.username).unwrap_or_default())
    });
    Effect::new(move |previous: Option<bool>| {
        let ready = auth.session.with(Option::is_some) && auth.refused.with(Option::is_none);
        if ready && previous == Some(false) {
            sync.now();
        }
        ready
    });
    provide_context(cases);
    provide_context(auth);
    provide_context(sync);
    provide_context(templates);
    provide_context(hospital);
    provide_context(directory);
    let open = move || gate.phase.get() == Phase::Open;
    let nav = expect_context::<crate::nav::Nav>();
    let is_admin = move || auth.user().is_some_and(|u| u.role == Role::Admin);

    view! {
        <header class="app-header">
            <a href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"A"</span>
                <span>"Advocase"</span>
            </a>
            <Show when=open>
                <nav aria-label="Main">
                    <a href="/" aria-current=nav.current("/")>"Cases"</a>
                    {move || if is_admin() {
                        view! {
                            <a href="/users" aria-current=nav.current("/users")>"Accounts"</a>
                            <a href="/structure" aria-current=nav.current("/structure")>"Structure"</a>
                            <a href="/access-log" aria-current=nav.current("/access-log")>"Access log"</a>
                        }.into_any()
                    } else {
                        view! { <a href="/discharges" aria-current=nav.current("/discharges")>"Discharges"</a> }.into_any()
                    }}
                    <a href="/directory" aria-current=nav.current("/directory")>"Directory"</a>
                    <a href="/guide" aria-current=nav.current("/guide")>"Guide"</a>
                    <a href="/settings" aria-current=nav.current("/settings")>"Settings"</a>
                </nav>
                <button type="button" class="lock-button" on:click=move |_| gate.lock()>"Lock"</button>
            </Show>
            {move || (cases.pending.get() > 0).then(|| view! { <span class="saving">"Saving…"</span> })}
            <Show when=move || !is_admin()>
                <SyncIndicator/>
            </Show>
            <OnlineIndicator/>
        </header>
        <UpdateBanner/>
        <Show when=open>
            {move || cases.read_only.get().map(|why| view! { <p class="notice error banner" role="alert">{why}</p> })}
            {move || cases.journal_error.get().map(|why| view! {
                <p class="notice error banner" role="alert">
                    "Changes are in this browser but could not be written to disk (" {why} "). Keep this tab open and tell IT."
                </p>
            })}
            {move || {
                let n = cases.quarantined.with(Vec::len);
                (n > 0).then(|| view! {
                    <p class="notice warn banner" role="alert">
                        {crate::cases::set_aside_message(n)} " "
                        <a href="/settings">"See Settings"</a>
                    </p>
                })
            }}
            {move || auth.refused.get().map(|why| view! {
                <div class="banner">
                    <p class="notice warn" role="alert">{why}</p>
                    <SignIn title="Sign in again to sync"/>
                </div>
            })}
        </Show>
        <main id="main" tabindex="-1">
            <Show when=open fallback=|| view! { <GateScreen/> }>
                {move || page(&nav.path())}
            </Show>
        </main>
        <Footer/>
    }
}

/// The page at `path`. Matched here in one function rather than by a tree
/// of `<Route>`s: the router's matching is generic over every route and
/// cost about as much .wasm as the pages (docs/ARCHITECTURE.md, Size).
/// Links and navigation are `nav`'s.
fn page(path: &str) -> AnyView {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let id = |s: &str| s.parse::<advocase_core::id::Id>().ok();
    match parts.as_slice() {
        [] => view! { <CaseList/> }.into_any(),
        ["cases", "new"] => view! { <NewCase/> }.into_any(),
        ["cases", c] => view! { <CaseDetail id=id(c)/> }.into_any(),
        ["cases", c, "checklists", k, "print"] => {
            view! { <PrintChecklist id=id(c) checklist=id(k)/> }.into_any()
        }
        ["cases", c, "rights"] => view! { <PrintRights id=id(c)/> }.into_any(),
        ["discharges"] => view! { <Discharges/> }.into_any(),
        ["templates"] => view! { <TemplateList/> }.into_any(),
        ["users"] => view! { <Users/> }.into_any(),
        ["access-log"] => view! { <AccessLog/> }.into_any(),
        ["structure"] => view! { <crate::views::structure::StructurePage/> }.into_any(),
        ["guide"] => view! { <Guide/> }.into_any(),
        ["settings"] => view! { <Settings/> }.into_any(),
        ["directory", rest @ ..] => {
            directory::page(rest).unwrap_or_else(|| view! { <NotFound/> }.into_any())
        }
        _ => view! { <NotFound/> }.into_any(),
    }
}

/// "3 to send · synced 14:02" or what stopped sync, in words.
#[component]
fn SyncIndicator() -> impl IntoView {
    let cases = expect_context::<Cases>();
    let sync = expect_context::<Sync>();
    let text = move || {
        let n = cases.unsent.get();
        let status = sync.status.get();
        let waiting = match n {
            0 => None,
            1 => Some("1 change to send".to_owned()),
            n => Some(format!("{n} changes to send")),
        };
        let last = status.last_success_ms.map(|ms| {
            let at = chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default();
            crate::clock::show_recent(at)
        });
        let state = if status.running {
            "Syncing…".to_owned()
        } else if let Some(e) = status.error {
            match last {
                Some(at) => format!("{e} Last synced {at}."),
                None => e,
            }
        } else if let Some(at) = last {
            format!("Synced {at}")
        } else {
            "Not synced yet".to_owned()
        };
        match waiting {
            Some(w) => format!("{w} · {state}"),
            None => state,
        }
    };
    view! {
        <p class="sync-status" class:problem=move || sync.status.with(|s| s.error.is_some()) title=text
            role="status" aria-live="polite" aria-label="Sync" data-testid="sync-status">
            {text}
        </p>
    }
}

/// Why saved preferences were not applied, if they could not be read.
#[derive(Clone)]
pub struct PrefsLoadError(pub Option<String>);

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <section class="panel">
            <h1>"Page not found"</h1>
            <p>"This address is not a page of Advocase. " <a href="/">"Go to the cases"</a></p>
        </section>
    }
}
