//! The shell: connectivity, the update banner, form fields and messages,
//! a refused session.

use super::*;

#[wasm_bindgen_test]
async fn online_indicator_follows_the_browser_events() {
    let root = fresh_container();
    let _handle = mount_to(root.clone(), || view! { <OnlineIndicator/> });
    let status = root
        .query_selector("[role=status]")
        .unwrap()
        .expect("indicator is a live status region");
    let expected = if window().navigator().on_line() {
        "Online"
    } else {
        "Offline"
    };
    assert_eq!(
        status.text_content().unwrap(),
        expected,
        "starts from navigator.onLine"
    );

    fire("offline");
    tick().await;
    assert_eq!(text_of(&root, ".net-label").as_deref(), Some("Offline"));
    assert!(status.class_list().contains("offline"));

    fire("online");
    tick().await;
    assert_eq!(text_of(&root, ".net-label").as_deref(), Some("Online"));
    assert!(!status.class_list().contains("offline"));
}

#[wasm_bindgen_test]
async fn update_banner_appears_when_a_new_build_waits_and_asks_to_apply_it() {
    let root = fresh_container();
    let _handle = mount_to(root.clone(), || view! { <UpdateBanner/> });
    assert!(
        root.query_selector("[role=alert]").unwrap().is_none(),
        "no banner without an update"
    );

    fire(READY_EVENT);
    tick().await;
    let banner = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("banner shown");
    assert!(
        banner
            .text_content()
            .unwrap()
            .contains("A new version is ready — reload")
    );

    let applied = Rc::new(Cell::new(false));
    let flag = applied.clone();
    let listener = Closure::<dyn Fn()>::new(move || flag.set(true));
    window()
        .add_event_listener_with_callback(APPLY_EVENT, listener.as_ref().unchecked_ref())
        .unwrap();
    banner
        .query_selector("button")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    assert!(
        applied.get(),
        "clicking Reload asks the service worker glue to apply the update"
    );
    window()
        .remove_event_listener_with_callback(APPLY_EVENT, listener.as_ref().unchecked_ref())
        .unwrap();
}

#[wasm_bindgen_test]
async fn a_field_owns_its_message_and_aria_and_the_summary_takes_focus_to_the_first_at_fault() {
    use advocase::views::fields::{Control, ErrorSummary, Field, FormState};
    use advocase_core::validation::Problems;
    let root = fresh_container();
    let form = FormState::new("t");
    let (a, b, c) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let _handle = mount_to(root.clone(), move || {
        view! {
            <form>
                <ErrorSummary form/>
                <div class="grid">
                    <Field form name="patient.name" label="Patient name" value=a set=move |v| a.set(v)/>
                    <Field form name="kind" label="Kind" value=b set=move |v| b.set(v)
                        control=Control::Select(vec![(String::new(), "Choose…".into()), ("concern".into(), "Concern".into())])/>
                    <Field form name="mrn" label="MRN" value=c set=move |v| c.set(v)/>
                </div>
            </form>
        }
    });
    let control = |id: &str| root.query_selector(&format!("#{id}")).unwrap().unwrap();
    assert_eq!(
        root.query_selector("label[for=t-patient-name]")
            .unwrap()
            .and_then(|l| l.text_content())
            .as_deref(),
        Some("Patient name"),
        "the label names its control"
    );
    assert!(
        control("t-patient-name")
            .get_attribute("aria-invalid")
            .is_none()
    );

    // In the order the core reports them, not the form's; one the form
    // does not show.
    let mut p = Problems::default();
    p.add("kind", "Choose what kind of case this is.");
    p.add("patient.name", "Patient name is required.");
    p.add("assignee", "No such colleague.");
    form.invalid(p);
    tick().await;
    for (id, message) in [
        ("t-patient-name", "Patient name is required."),
        ("t-kind", "Choose what kind of case this is."),
    ] {
        let el = control(id);
        assert_eq!(
            el.get_attribute("aria-invalid").as_deref(),
            Some("true"),
            "{id}"
        );
        let described = el
            .get_attribute("aria-describedby")
            .expect("described by its message");
        let msg = root
            .query_selector(&format!("#{described}"))
            .unwrap()
            .expect("message exists");
        assert_eq!(msg.text_content().as_deref(), Some(message));
        assert!(
            el.parent_element().unwrap().contains(Some(&msg)),
            "{id}: the message is in the field's own cell"
        );
        assert!(
            el.compare_document_position(&msg) & web_sys::Node::DOCUMENT_POSITION_FOLLOWING != 0,
            "{id}: the message comes after its control"
        );
    }
    let mrn = control("t-mrn");
    assert!(mrn.get_attribute("aria-invalid").is_none());
    assert!(mrn.get_attribute("aria-describedby").is_none());

    let summary = root
        .query_selector("[role=alert]")
        .unwrap()
        .expect("summary shown");
    let links: Vec<String> = (1..=3)
        .filter_map(|n| {
            summary
                .query_selector(&format!("li:nth-child({n}) a"))
                .unwrap()
        })
        .map(|a| {
            format!(
                "{} {}",
                a.get_attribute("href").unwrap(),
                a.text_content().unwrap()
            )
        })
        .collect();
    assert_eq!(
        links,
        [
            "#t-patient-name Patient name is required.",
            "#t-kind Choose what kind of case this is."
        ],
        "linked in the form's order"
    );
    assert!(
        summary
            .text_content()
            .unwrap()
            .contains("No such colleague.")
    );
    assert!(
        summary.compare_document_position(&control("t-patient-name"))
            & web_sys::Node::DOCUMENT_POSITION_FOLLOWING
            != 0,
        "the summary is above the fields"
    );
    gloo_timers_sleep(50).await;
    assert_eq!(
        document().active_element().map(|e| e.id()).as_deref(),
        Some("t-patient-name"),
        "focus moves to the first field at fault"
    );

    form.clear();
    tick().await;
    assert!(control("t-kind").get_attribute("aria-invalid").is_none());
    assert!(root.query_selector(".field-error").unwrap().is_none());
    assert!(root.query_selector("[role=alert]").unwrap().is_none());
    root.remove();
}

#[wasm_bindgen_test]
fn a_refusal_of_a_session_already_ended_here_asks_nobody_to_sign_in() {
    use advocase::session::Auth;
    use advocase_core::access::{Role, User};
    use advocase_core::sync::Session;

    let store = unlocked("advocase-test-refuse.");
    let session = |token: &str| Session {
        token: token.into(),
        expires_at_ms: u64::MAX,
        user: User {
            username: "ana".into(),
            display_name: "Ana".into(),
            role: Role::Coordinator,
            units: vec!["4 West".into()],
            active: true,
        },
        lock_after_minutes: None,
    };
    store.set("session", &session("new-token")).unwrap();
    let auth = Auth::load(store.clone());
    // A sync sent with the session before (signed out, signed in again
    // since) comes back refused: nothing changes for the person here.
    auth.refuse("old-token", "Your session was ended on the server.".into());
    assert_eq!(auth.refused.get_untracked(), None);
    assert_eq!(auth.token().as_deref(), Some("new-token"));
    // The device's own session refused: it asks for a sign-in.
    auth.refuse("new-token", "Your session was ended on the server.".into());
    assert!(auth.refused.get_untracked().is_some());
    assert_eq!(auth.token(), None);
    clear(&store);
}
