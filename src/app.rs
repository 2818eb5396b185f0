//! The shell: header (name, navigation, connectivity), the routed views, and
//! the footer with the build. Provides what every view shares: the store,
//! the preferences, the caseload and the online signal.

use leptos::prelude::*;

use crate::views::fields::Shown;

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
    let prefs = RwSignal::new(prefs);
    let gate = Gate::new(store.clone());
    let nav = crate::nav::start();
    provide_context(Base {
        store,
        gate,
        prefs,
        prefs_error: load_error.map(|e| e.to_string()),
        nav,
    });
    view! {
            <a class="skip-link" href="#main">"Skip to content"</a>
            // The shell (and everything it reads) is made on the first unlock.
            <Shown when=Signal::derive(move || gate.opened.get()) fallback=|| view! {
                <header class="app-header">
                    <span class="brand"><span class="brand-mark" aria-hidden="true">"A"</span><span>"Advocase"</span></span>
                    <OnlineIndicator/>
                </header>
                <UpdateBanner/>
                <main id="main" tabindex="-1"><GateScreen/></main>
                <Footer/>
            }>
                <Shell/>
            </Shown>
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

/// What the shell makes and every page uses, as one context: each context
/// type read costs its own compiled lookup (README, Size), and these are
/// always made together.
#[derive(Clone, Copy)]
pub struct Handles {
    pub cases: Cases,
    pub auth: Auth,
    pub sync: Sync,
    pub templates: Templates,
    pub hospital: Hospital,
    pub directory: Directory,
    pub colleagues: crate::colleagues::Colleagues,
    pub day: crate::my_day::Day,
}

/// The shell's [`Handles`] (pages are only made inside the shell).
pub fn handles() -> Handles {
    expect_context::<Handles>()
}

#[component]
fn Shell() -> impl IntoView {
    let gate = crate::app::base().gate;
    let store = crate::app::base().store;
    let prefs = crate::app::base().prefs;
    let cases = Cases::opening(store.clone());
    let auth = Auth::load(store.clone());
    let templates = Templates::load(store.clone());
    let hospital = Hospital::load(store.clone());
    let directory = Directory::load(store.clone());
    let colleagues = crate::colleagues::Colleagues::load(store);
    let sync = Sync::new(
        cases, auth, prefs, templates, hospital, directory, colleagues,
    );
    gate.attach(Inside { cases, auth, sync });
    leptos::task::spawn_local(async move {
        cases.ready().await;
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
    let day = crate::my_day::Day::start(cases, auth, hospital);
    provide_context(Handles {
        cases,
        auth,
        sync,
        templates,
        hospital,
        directory,
        colleagues,
        day,
    });
    let open = Signal::derive(move || gate.phase.get() == Phase::Open);
    let nav = crate::app::base().nav;
    let is_admin = move || auth.user().is_some_and(|u| u.role == Role::Admin);

    view! {
        <header class="app-header">
            <a href="/" class="brand">
                <span class="brand-mark" aria-hidden="true">"A"</span>
                <span>"Advocase"</span>
            </a>
            <Shown when=open>
                <nav aria-label="Main" inner_html=move || {
                    let count = day.page.with(|d| d.count());
                    nav.path.with(|p| main_links(p, is_admin(), count))
                }></nav>
                <button type="button" class="lock-button" on:click=move |_| gate.lock()>"Lock"</button>
            </Shown>
            {move || (cases.pending.get() > 0).then(|| view! { <span class="saving">"Saving…"</span> })}
            <Shown when=Signal::derive(move || !is_admin())>
                <SyncIndicator/>
            </Shown>
            <OnlineIndicator/>
        </header>
        <UpdateBanner/>
        <Shown when=open>
            <Reminders/>
            <div inner_html=move || alerts(cases)></div>
            {move || auth.refused.get().map(|why| view! {
                <div class="banner">
                    <p class="notice warn" role="alert">{why}</p>
                    <SignIn title="Sign in again to sync"/>
                </div>
            })}
        </Shown>
        <main id="main" tabindex="-1">
            <Shown when=open fallback=|| view! { <GateScreen/> }>
                {move || {
                    let path = nav.path();
                    // The case list shows from its stored rows while a start
                    // reads the logs; pages drawn from whole cases wait.
                    if path != "/cases" && cases.reading.get() {
                        view! { <p class="notice info" role="status">"Reading the cases on this device…"</p> }.into_any()
                    } else {
                        page(&path)
                    }
                }}
            </Shown>
        </main>
        <Footer/>
    }
}

/// The shell's alert banners (this device's storage; entries set aside) as
/// markup: one dynamic node instead of a compiled view per banner.
fn alerts(cases: Cases) -> String {
    use crate::views::html::escape;
    let mut out = String::new();
    let banner = |out: &mut String, kind: &str, text: &str| {
        *out += &format!(r#"<p class="notice {kind} banner" role="alert">{text}</p>"#);
    };
    if let Some(why) = cases.read_only.get() {
        banner(&mut out, "error", &escape(&why));
    }
    if let Some(why) = cases.journal_error.get() {
        let text = format!(
            "Changes are in this browser but could not be written to disk ({}). Keep this tab open and tell IT.",
            escape(&why)
        );
        banner(&mut out, "error", &text);
    }
    let n = cases.quarantined.with(Vec::len);
    if n > 0 {
        let text = format!(
            r#"{} <a href="/settings">See Settings</a>"#,
            escape(&crate::cases::set_aside_message(n))
        );
        banner(&mut out, "warn", &text);
    }
    out
}

/// The page at `path`. Matched here in one function rather than by a tree
/// of `<Route>`s: the router's matching is generic over every route and
/// cost about as much .wasm as the pages (docs/ARCHITECTURE.md, Size).
/// Links and navigation are `nav`'s.
fn page(path: &str) -> AnyView {
    let is_admin = || {
        crate::app::handles()
            .auth
            .user()
            .is_some_and(|u| u.role == Role::Admin)
    };
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let id = |s: &str| s.parse::<advocase_core::id::Id>().ok();
    match parts.as_slice() {
        [] if is_admin() => view! { <Users/> }.into_any(),
        [] => view! { <crate::views::my_day::MyDayPage/> }.into_any(),
        ["cases"] => view! { <CaseList/> }.into_any(),
        ["cases", "new"] => view! { <NewCase/> }.into_any(),
        ["cases", c] => view! { <CaseDetail id=id(c)/> }.into_any(),
        ["cases", c, "checklists", k, "print"] => {
            view! { <PrintChecklist id=id(c) checklist=id(k)/> }.into_any()
        }
        ["cases", c, "rights"] => view! { <PrintRights id=id(c)/> }.into_any(),
        ["discharges"] => view! { <Discharges/> }.into_any(),
        ["reports"] => view! { <crate::views::report::Report/> }.into_any(),
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

/// The main navigation as markup (one string instead of a compiled view
/// per link; `nav` follows the links): My day with what it counts, then
/// the pages of the signed-in person's role.
fn main_links(path: &str, admin: bool, count: usize) -> String {
    let mut links: Vec<(&str, String)> = Vec::new();
    if admin {
        links.push(("/users", "Accounts".into()));
        links.push(("/structure", "Structure".into()));
        links.push(("/access-log", "Access log".into()));
    } else {
        let due = if count > 0 {
            format!(
                r#" <span class="count">{count}<span class="visually-hidden"> to do</span></span>"#
            )
        } else {
            String::new()
        };
        links.push(("/", format!("My day{due}")));
        links.push(("/cases", "Cases".into()));
        links.push(("/discharges", "Discharges".into()));
        links.push(("/reports", "Reports".into()));
    }
    links.push(("/directory", "Directory".into()));
    links.push(("/guide", "Guide".into()));
    links.push(("/settings", "Settings".into()));
    links
        .into_iter()
        .map(|(href, text)| {
            let current = if crate::nav::is_current(path, href) {
                r#" aria-current="page""#
            } else {
                ""
            };
            format!(r#"<a href="{href}"{current}>{text}</a>"#)
        })
        .collect()
}

/// "3 to send · synced 14:02" or what stopped sync, in words.
#[component]
fn SyncIndicator() -> impl IntoView {
    let cases = crate::app::handles().cases;
    let sync = crate::app::handles().sync;
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

/// What the app makes before anyone unlocks it, as one context (each
/// context type read costs its own compiled lookup: README, Size).
#[derive(Clone)]
pub struct Base {
    pub store: Store,
    pub gate: Gate,
    pub prefs: RwSignal<preferences::Preferences>,
    /// Why saved preferences were not applied, if they could not be read.
    pub prefs_error: Option<String>,
    pub nav: crate::nav::Nav,
}

/// The app's [`Base`].
pub fn base() -> Base {
    expect_context::<Base>()
}

#[component]
fn NotFound() -> impl IntoView {
    crate::views::html::not_found(
        "Page not found",
        "This address is not a page of Advocase.",
        "/cases",
        "Go to the cases",
    )
}

/// Follow-ups of mine whose time has come, one line each: unobtrusive (a
/// status, not an alert), and dismissing one completes nothing. Markup,
/// with one handler for its buttons.
#[component]
fn Reminders() -> impl IntoView {
    use crate::views::html::escape;
    let day = crate::app::handles().day;
    let lines = move || {
        day.reminders.with(|list| {
            list.iter()
                .map(|r| {
                    let title = escape(&r.title);
                    format!(
                        r#"<p class="notice">Due now: <strong>{title}</strong> · {} <a href="/cases/{}">Open case</a> <button type="button" data-act="dismiss" data-id="{}" aria-label="Dismiss the reminder: {title}">Dismiss</button></p>"#,
                        escape(&r.patient),
                        r.case,
                        r.task
                    )
                })
                .collect::<String>()
        })
    };
    let dismiss = move |ev: leptos::ev::MouseEvent| {
        if let Some((_, _, id)) = crate::views::html::action(&ev)
            && let Ok(task) = id.parse()
        {
            day.dismiss(task);
        }
    };
    view! {
        <div class="banner reminders" role="status" aria-label="Reminders" on:click=dismiss inner_html=lines></div>
    }
}
