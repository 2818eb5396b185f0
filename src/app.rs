//! The shell: header (name, navigation, connectivity), the routed views, and
//! the footer with the build. Provides what every view shares: the store,
//! the preferences, the caseload and the online signal.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::cases::Cases;
use crate::network::{self, OnlineIndicator};
use crate::update::UpdateBanner;
use crate::views::{
    case_detail::CaseDetail, case_list::CaseList, guide::Guide, new_case::NewCase,
    settings::Settings,
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
    let cases = Cases::load(store.clone());
    leptos::task::spawn_local(async move {
        cases.recover().await;
    });
    provide_context(cases);
    provide_context(store);

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"A"</span>
                    <span>"Advocase"</span>
                </A>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Cases"</A>
                    <A href="/guide">"Guide"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                {move || (cases.pending.get() > 0).then(|| view! { <span class="saving">"Saving…"</span> })}
                <OnlineIndicator/>
            </header>
            <UpdateBanner/>
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
                        <A href="/settings">"See Settings"</A>
                    </p>
                })
            }}
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=CaseList/>
                    <Route path=path!("/cases/new") view=NewCase/>
                    <Route path=path!("/cases/:id") view=CaseDetail/>
                    <Route path=path!("/guide") view=Guide/>
                    <Route path=path!("/settings") view=Settings/>
                </Routes>
            </main>
            <footer class="app-footer">
                <span>"Advocase " {build::describe()}</span>
            </footer>
        </Router>
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
            <p>"This address is not a page of Advocase. " <A href="/">"Go to the cases"</A></p>
        </section>
    }
}
