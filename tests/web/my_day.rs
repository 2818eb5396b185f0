//! My day as the app keeps it (`advocase::my_day`), in the browser, over
//! a real sealed store.

use super::*;
use advocase::hospital::Hospital;
use advocase::my_day::Day;
use advocase::session::Auth;
use advocase_core::followup::my_day::Section;
use advocase_core::followup::{TaskDraft, TaskStatus, TaskValue};

fn today() -> String {
    advocase::clock::today().to_string()
}

fn task(title: &str) -> TaskDraft {
    TaskDraft {
        kind: "call_back".into(),
        title: title.into(),
        due: today(),
        ..TaskDraft::default()
    }
}

/// The section's titles, sorted (rows due at the same time come in case
/// order, and two cases made in one millisecond may be in either).
fn titles(day: &Day, section: Section) -> Vec<String> {
    let mut t: Vec<String> = day
        .page
        .with_untracked(|d| d.section(section).map(|r| r.title.clone()).collect());
    advocase_core::order::sort(&mut t);
    t
}

#[wasm_bindgen_test]
async fn my_day_follows_each_change_and_survives_a_reload_offline() {
    let store = unlocked("advocase-test-day.");
    // Effects run on the executor, which mounting starts.
    let _mounted = mount_to(fresh_container(), || ());
    let owner = Owner::new();
    owner.set();
    let auth = Auth::load(store.clone());
    auth.accept(a_session("t1", "ana", "Ana")).unwrap();
    let cases = Cases::load(store.clone());
    let day = Day::start(cases, auth, Hospital::load(store.clone()));
    let (rosa, wei) = two_cases(&cases, "first visit");
    let call = cases
        .add_task(rosa, &task("Call the daughter back"), None, "ana")
        .unwrap();
    cases
        .add_task(wei, &task("Book the interpreter"), None, "ana")
        .unwrap();
    tick().await;
    assert_eq!(
        titles(&day, Section::DueToday),
        ["Book the interpreter", "Call the daughter back"]
    );

    // Done: off the page at once, the other case's row untouched.
    let done = TaskStatus::Done {
        by: "ana".into(),
        at: advocase::clock::now(),
    };
    cases
        .set_task(rosa, call, vec![TaskValue::Status(done)], "ana")
        .unwrap();
    tick().await;
    assert_eq!(titles(&day, Section::DueToday), ["Book the interpreter"]);
    assert_eq!(day.page.with_untracked(|d| d.count()), 1);
    journal_settled(&cases).await;

    // A reload with no network: the same page from what is stored, and
    // the done task waiting to be sent.
    let again = Cases::load(store.clone());
    let reloaded = Day::start(again, auth, Hospital::load(store.clone()));
    tick().await;
    assert_eq!(
        titles(&reloaded, Section::DueToday),
        ["Book the interpreter"]
    );
    assert!(again.unsent.get_untracked() >= 4);
    owner.unset();
    clear(&store);
}
