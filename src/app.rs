//! The shell: header (name, navigation, connectivity), the routed views, and
//! the footer with the build. Each view under `views/` is a page that works.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::network::{self, OnlineIndicator};
use crate::update::UpdateBanner;
use crate::views::{guide::Guide, settings::Settings};
use crate::{build, preferences, storage::Store};

#[component]
pub fn App() -> impl IntoView {
    provide_context(network::watch());
    let store = Store::default();
    let (prefs, load_error) = preferences::load(&store);
    preferences::apply(&prefs);
    provide_context(store);
    provide_context(PrefsLoadError(load_error.map(|e| e.to_string())));

    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="app-header">
                <A href="/" attr:class="brand">
                    <span class="brand-mark" aria-hidden="true">"A"</span>
                    <span>"Advocase"</span>
                </A>
                <nav aria-label="Main">
                    <A href="/" exact=true>"Guide"</A>
                    <A href="/settings">"Settings"</A>
                </nav>
                <OnlineIndicator/>
            </header>
            <UpdateBanner/>
            <main id="main" tabindex="-1">
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=Guide/>
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
            <p>"This address is not a page of Advocase. " <A href="/">"Go to the guide"</A></p>
        </section>
    }
}
