//! Browser benchmarks (not run by `scripts/test`): `scripts/bench` runs this
//! file in headless Chromium with a release build and prints the figures.
//! It checks that the data is right, never how fast it was. Every record is
//! sealed, as on a device (`storage.rs`): each store is unlocked first.
#![cfg(target_arch = "wasm32")]

use advocase::cases::{Cases, SaveError};
use advocase::storage::{StorageError, Store};
use advocase_core::caseload::{CaseFile, Caseload, Query};
use advocase_core::encoding;
use advocase_core::interaction::InteractionDraft;
use advocase_core::sample;
use leptos::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

fn summarize(name: &str, mut samples: Vec<f64>) {
    advocase_core::order::sort_by(&mut samples, |a, b| a.total_cmp(b));
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    let line = format!(
        "BENCH {name}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms over {} runs",
        at(0.5),
        at(0.95),
        at(1.0),
        samples.len()
    );
    web_sys::console::log_1(&line.into());
}

fn report(line: String) {
    web_sys::console::log_1(&format!("BENCH {line}").into());
}

/// An empty store under `prefix`, unlocked with a fixed data key: every
/// record written to it is sealed.
fn unlocked(prefix: &str) -> Store {
    advocase::storage::set_data_key(Some([7u8; 32]));
    let store = Store::new(prefix);
    for k in store.keys() {
        store.remove(&k);
    }
    store
}

fn is_sealed(store: &Store, key: &str) -> bool {
    store
        .get_raw(key)
        .is_some_and(|raw| advocase_core::sealed::is_sealed(&raw))
}

#[wasm_bindgen_test]
fn search_per_keystroke_over_5000_cases_and_50000_interactions() {
    let files = sample::caseload(42, 5_000, 10, sample::reference_now());
    let t = now_ms();
    let load = Caseload::new(files);
    report(format!(
        "index 5,000 cases / {} interactions: {:.1} ms",
        load.interaction_count(),
        now_ms() - t
    ));
    assert_eq!(load.interaction_count(), 50_000);
    let today = sample::reference_now().date_naive();
    let mut samples = Vec::new();
    let mut hits = 0;
    for query in [
        "pharmacy family",
        "MRN-1003",
        "interpreter spanish",
        "warfarin",
        "discharge date",
        "4 west",
    ] {
        for n in 1..=query.len() {
            let q = Query {
                text: query[..n].to_owned(),
                ..Query::default()
            };
            let t = now_ms();
            // What the list does per keystroke: query, then take the rows it draws.
            let result = load.query(&q, today);
            let shown: Vec<&CaseFile> = result.iter().take(100).copied().collect();
            samples.push(now_ms() - t);
            hits = result.len().max(shown.len());
        }
    }
    assert!(hits <= 5_000);
    summarize(
        "search keystroke (5,000 cases, 50,000 interactions)",
        samples,
    );
}

async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// An empty store under `prefix` holding 50 synced sample cases of 10
/// interactions each, as a device would after a sync.
fn stored_sample(prefix: &str, seed: u64) -> (Store, Vec<advocase_core::log::CaseLog>) {
    let store = unlocked(prefix);
    let logs = sample::synced_logs(seed, 50, 10, sample::reference_now());
    for l in &logs {
        store
            .set_raw(
                &format!("case.{}", l.case_id().unwrap()),
                &encoding::encode(l),
            )
            .unwrap();
    }
    (store, logs)
}

#[wasm_bindgen_test]
async fn saving_one_interaction_and_bytes_per_record() {
    let (store, logs) = stored_sample("advocase-bench-save.", 7);
    let cases = Cases::load(store.clone());
    let ids: Vec<_> = logs.iter().filter_map(|l| l.case_id()).collect();
    assert!(is_sealed(&store, &format!("case.{}", ids[0])));
    let mut samples = Vec::new();
    let mut durable = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let draft = InteractionDraft {
            channel: "bedside_visit".into(),
            with: "patient".into(),
            summary: format!(
                "Follow-up visit {n}: patient comfortable, family informed of the plan."
            ),
            ..Default::default()
        };
        let t = now_ms();
        cases.log(*id, &draft, None, "Ana Coordinator").unwrap();
        samples.push(now_ms() - t);
        // Until IndexedDB has it on disk ("Saved on this device").
        while cases.pending.get_untracked() > 0 {
            sleep_ms(1).await;
        }
        durable.push(now_ms() - t);
    }
    assert_eq!(
        Cases::load(store.clone())
            .caseload
            .get_untracked()
            .interaction_count(),
        50 * 11
    );
    assert!(is_sealed(&store, &format!("case.{}", ids[0])));
    summarize(
        "save one interaction, sealed, shown (case with 10 interactions)",
        samples,
    );
    summarize(
        "save one interaction, sealed, on disk via the journal (1 ms polling)",
        durable,
    );

    // As stored: each case's log of synced changes.
    let bare: Vec<usize> = sample::synced_logs(9, 200, 0, sample::reference_now())
        .iter()
        .map(|l| encoding::encode(l).encode_utf16().count() * 2)
        .collect();
    let full: Vec<usize> = sample::synced_logs(9, 200, 10, sample::reference_now())
        .iter()
        .map(|l| encoding::encode(l).encode_utf16().count() * 2)
        .collect();
    let per_case = bare.iter().sum::<usize>() / bare.len();
    let per_ten = full.iter().sum::<usize>() / full.len();
    let plain = serde_json::to_string(&sample::synced_logs(9, 1, 10, sample::reference_now())[0])
        .unwrap()
        .len()
        * 2;
    report(format!(
        "bytes: case without interactions {per_case} B, case with 10 interactions {per_ten} B, so {} B per interaction (plain JSON would be {plain} B for the case with 10)",
        (per_ten - per_case) / 10
    ));
    // What sealing adds to each of those records, as stored.
    let overhead: Vec<usize> = sample::synced_logs(9, 200, 10, sample::reference_now())
        .iter()
        .map(|l| {
            let key = format!("case.{}", l.case_id().unwrap());
            let text = encoding::encode(l);
            let sealed = store.seal(&key, &text).unwrap();
            assert!(advocase_core::sealed::is_sealed(&sealed));
            (sealed.encode_utf16().count() - text.encode_utf16().count()) * 2
        })
        .collect();
    report(format!(
        "bytes: sealing adds {}..{} B to a case record",
        overhead.iter().min().unwrap(),
        overhead.iter().max().unwrap()
    ));
    for k in store.keys() {
        store.remove(&k);
    }
}

#[wasm_bindgen_test]
fn capacity_and_loading_a_full_store() {
    let store = unlocked("advocase-bench-cap.");
    let logs = sample::synced_logs(3, 4_000, 10, sample::reference_now());
    let mut fitted = 0;
    for l in &logs {
        match store.set_raw(
            &format!("case.{}", l.case_id().unwrap()),
            &encoding::encode(l),
        ) {
            Ok(_) => fitted += 1,
            Err(StorageError::QuotaExceeded) => break,
            Err(e) => panic!("unexpected storage error: {e}"),
        }
    }
    assert!(is_sealed(
        &store,
        &format!("case.{}", logs[0].case_id().unwrap())
    ));
    report(format!(
        "capacity: {fitted} sealed cases with 10 interactions each fit in localStorage ({} bytes used)",
        store.usage().bytes
    ));

    let t = now_ms();
    let cases = Cases::load(store.clone());
    let first_page = cases.caseload.with_untracked(|c| {
        c.query(&Query::default(), sample::reference_now().date_naive())
            .len()
    });
    report(format!(
        "start: open, load and index {fitted} stored sealed cases and draw the list query: {:.1} ms",
        now_ms() - t
    ));
    assert_eq!(first_page, fitted);
    assert!(cases.quarantined.get_untracked().is_empty());

    // Past the quota a save is refused and nothing is lost.
    let id = logs[0].case_id().unwrap();
    let draft = InteractionDraft {
        channel: "phone".into(),
        with: "patient".into(),
        // Text that does not compress away: the store is full to within a
        // case's few kilobytes.
        summary: {
            let mut rng = sample::Rng::new(99);
            (0..9_000)
                .map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789 "[rng.below(37)]))
                .collect()
        },
        ..Default::default()
    };
    assert!(matches!(
        cases.log(id, &draft, None, "ana"),
        Err(SaveError::Storage(StorageError::QuotaExceeded))
    ));
    assert_eq!(
        Cases::load(store.clone()).caseload.get_untracked().len(),
        fitted
    );
    for k in store.keys() {
        store.remove(&k);
    }
}

#[wasm_bindgen_test]
async fn discharge_planning_ticks_and_the_discharges_view() {
    use advocase_core::case::CaseCommand;
    use advocase_core::checklist::{ItemState, ItemValue, default_templates};
    use advocase_core::discharge::leaving;

    let (store, logs) = stored_sample("advocase-bench-discharge.", 11);
    let cases = Cases::load(store.clone());
    let ids: Vec<_> = logs.iter().filter_map(|l| l.case_id()).collect();
    let template = default_templates().remove(0);
    let today = advocase::clock::today();
    let before = store.usage().bytes;
    let mut ticks = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let on = today + chrono::Days::new((n % 7) as u64);
        let plan = CaseCommand::PlanDischarge {
            on: Some(on),
            destination: None,
        };
        // Sample cases may be closed or received later: plan only where allowed.
        if cases.apply(*id, plan, "ana").is_err() {
            continue;
        }
        let Ok(checklist) = cases.start_checklist(*id, &template, "ana") else {
            continue;
        };
        let items: Vec<_> = cases.caseload.with_untracked(|c| {
            c.get(id).unwrap().case.checklists[0]
                .items
                .iter()
                .map(|i| i.id)
                .collect()
        });
        for item in items.into_iter().take(5) {
            let done = ItemState::Done {
                by: "ana".into(),
                at: advocase::clock::now(),
            };
            let t = now_ms();
            cases
                .set_item(*id, checklist, item, vec![ItemValue::State(done)], "ana")
                .unwrap();
            ticks.push(now_ms() - t);
        }
    }
    while cases.pending.get_untracked() > 0 {
        sleep_ms(1).await;
    }
    let with_lists = ticks.len() / 5;
    assert!(with_lists > 10, "{with_lists} cases got a checklist");
    summarize(
        "tick one checklist item, shown (case with 10 interactions)",
        ticks,
    );
    report(format!(
        "bytes: a 20-item checklist with 5 ticks and the plan adds {} B to a case",
        (store.usage().bytes - before) / with_lists
    ));

    let files = sample::caseload(42, 5_000, 2, sample::reference_now());
    let mut load = Caseload::new(Vec::new());
    for (n, mut f) in files.into_iter().enumerate() {
        f.case.expected_discharge = Some(today + chrono::Days::new((n % 9) as u64));
        let mut ids = || advocase::clock::new_id();
        f.case
            .checklists
            .push(advocase_core::checklist::Checklist::start(
                ids(),
                &template,
                &mut ids,
            ));
        load.put(f);
    }
    let mut samples = Vec::new();
    let mut listed = 0;
    for _ in 0..20 {
        let t = now_ms();
        listed = leaving(load.iter(), today).len();
        samples.push(now_ms() - t);
    }
    assert!(listed > 0 && listed < 5_000);
    summarize(
        "Discharges view grouping over 5,000 cases with checklists",
        samples,
    );
    for k in store.keys() {
        store.remove(&k);
    }
}

#[wasm_bindgen_test]
async fn unlocking_with_the_pin() {
    use advocase::vault;
    let store = Store::new("advocase-bench-pin.");
    for k in store.keys() {
        store.remove(&k);
    }
    vault::lock();
    let t = now_ms();
    vault::create(&store, "ana", "Ana Ruiz", "480516", Some(&[5u8; 32]))
        .await
        .unwrap();
    report(format!(
        "PIN: making the keys (PBKDF2-SHA256, {} iterations, and the escrow wrapping): {:.0} ms",
        advocase_core::keyring::PBKDF2_ITERATIONS,
        now_ms() - t
    ));
    let mut samples = Vec::new();
    for _ in 0..5 {
        vault::lock();
        assert!(!advocase::storage::unlocked());
        let t = now_ms();
        vault::unlock_pin(&store, "480516").await.unwrap();
        samples.push(now_ms() - t);
        assert!(advocase::storage::unlocked());
    }
    summarize("unlock with the PIN (PBKDF2 + unwrap)", samples);
    vault::destroy(&store);
    for k in store.keys() {
        store.remove(&k);
    }
}

#[wasm_bindgen_test]
fn start_up_with_1000_stored_sealed_cases() {
    let store = unlocked("advocase-bench-start.");
    let logs = sample::synced_logs(5, 1_000, 10, sample::reference_now());
    let texts: Vec<(String, String)> = logs
        .iter()
        .map(|l| {
            (
                format!("case.{}", l.case_id().unwrap()),
                encoding::encode(l),
            )
        })
        .collect();
    let load = |label: &str| {
        let mut samples = Vec::new();
        for _ in 0..5 {
            let t = now_ms();
            let cases = Cases::load(store.clone());
            samples.push(now_ms() - t);
            assert_eq!(cases.caseload.with_untracked(|c| c.len()), 1_000);
            assert!(cases.quarantined.get_untracked().is_empty());
        }
        summarize(label, samples);
    };
    for (key, text) in &texts {
        store.set_raw(key, text).unwrap();
    }
    assert!(texts.iter().all(|(key, _)| is_sealed(&store, key)));
    report(format!(
        "start: 1,000 sealed cases of 10 interactions take {} bytes",
        store.usage().bytes
    ));
    load("start: Cases::load of 1,000 sealed cases (10 interactions each)");
    // The same records in the clear, for what opening them costs.
    for (key, text) in &texts {
        store.put(key, text).unwrap();
    }
    load("start: Cases::load of the same 1,000 cases in the clear (for comparison)");
    for k in store.keys() {
        store.remove(&k);
    }
}

#[wasm_bindgen_test]
fn directory_search_per_keystroke_and_suggestions_over_2000_entries() {
    use advocase_core::directory::search::Index;
    use advocase_core::directory::suggest::who_can_help;
    let entries = sample::directory(11, 2_000);
    let json = serde_json::to_string(&entries).unwrap();
    let t = now_ms();
    let index = Index::new(&entries);
    report(format!(
        "directory: indexing 2,000 entries {:.1} ms; {} KB as JSON (what a first sync fetches, before compression)",
        now_ms() - t,
        json.len() / 1024
    ));
    // Typing, a keystroke at a time, as a coordinator would: words in
    // full, beginnings, and typos.
    let typed = [
        "billing disputes",
        "pharmasist",
        "interpeter spanish",
        "charge nurse",
        "discharge home",
        "Okafor",
    ];
    let mut samples = Vec::new();
    let mut found = 0;
    for query in typed {
        for n in 1..=query.len() {
            let t = now_ms();
            let hits = index.search(&query[..n]);
            samples.push(now_ms() - t);
            found += hits.len().min(1);
        }
    }
    assert!(found > 0, "the queries find entries");
    summarize("directory search per keystroke, 2,000 entries", samples);
    let cases = sample::caseload(5, 200, 0, sample::reference_now());
    let structure = sample::structure();
    let mut samples = Vec::new();
    let mut suggested = 0;
    for f in &cases {
        let t = now_ms();
        suggested += who_can_help(&entries, &f.case, &structure).len();
        samples.push(now_ms() - t);
    }
    assert!(suggested > 0, "some case has a suggestion");
    summarize("Who can help? for one case, 2,000 entries", samples);
}

/// My day as the client computes it (`src/my_day.rs`): in full over the
/// caseload at start, then only the case a change touched.
#[wasm_bindgen_test]
fn my_day_over_5000_cases_20000_tasks_and_500_escalations() {
    use advocase_core::followup::my_day::{MyDay, Section, Viewer};
    use advocase_core::followup::{TaskStatus, Windows};

    let now = sample::reference_now();
    let mut files = sample::caseload(42, 5_000, 2, now);
    sample::followups(42, &mut files, 20_000, 500, now);
    let load = Caseload::new(files);
    let viewer = |manager| Viewer {
        me: sample::COORDINATORS[0],
        manager,
        now: advocase::clock::local(now),
        windows: Windows::default(),
        local: &advocase::clock::local,
    };
    for (manager, label) in [(false, "a coordinator"), (true, "a manager, with the team")] {
        let v = viewer(manager);
        let mut samples = Vec::new();
        let mut day = MyDay::default();
        for _ in 0..10 {
            let t = now_ms();
            let fresh = MyDay::new(load.iter(), &v);
            samples.push(now_ms() - t);
            // The page it replaces goes outside the timing.
            day = fresh;
        }
        assert!(day.section(Section::OverdueTasks).next().is_some());
        assert!(day.section(Section::Escalations).next().is_some());
        assert_eq!(manager, day.section(Section::Team).next().is_some());
        report(format!(
            "My day for {label}: {} rows, {} needing action",
            day.rows().count(),
            day.count()
        ));
        summarize(
            &format!(
                "My day first computation for {label} (5,000 cases, 20,000 tasks, 500 escalations)"
            ),
            samples,
        );

        // One change: a case's first open task marked done, its rows put.
        let mut samples = Vec::new();
        let changed: Vec<CaseFile> = load
            .iter()
            .filter_map(|f| {
                let mut f = f.clone();
                let task = f.case.tasks.iter_mut().find(|t| t.is_open())?;
                task.status = TaskStatus::Done {
                    by: sample::COORDINATORS[0].into(),
                    at: now,
                };
                Some(f)
            })
            .take(200)
            .collect();
        for f in &changed {
            let t = now_ms();
            day.put(f, &v);
            samples.push(now_ms() - t);
        }
        let mut changed_load = Caseload::new(load.iter().cloned());
        for f in changed {
            changed_load.put(f);
        }
        assert_eq!(day, MyDay::new(changed_load.iter(), &v), "put = full");
        summarize(
            &format!("My day update after one changed case, for {label}"),
            samples,
        );
    }
}

#[wasm_bindgen_test]
async fn saving_a_task() {
    use advocase_core::followup::TaskDraft;

    let (store, logs) = stored_sample("advocase-bench-task.", 13);
    let cases = Cases::load(store.clone());
    let ids: Vec<_> = logs.iter().filter_map(|l| l.case_id()).collect();
    let today = advocase::clock::today();
    let mut samples = Vec::new();
    let mut durable = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        let draft = TaskDraft {
            kind: "call_back".into(),
            title: format!("Call the daughter back with the discharge date ({n})"),
            due: (today + chrono::Days::new((n % 7) as u64)).to_string(),
            time: if n % 2 == 0 {
                "14:30".into()
            } else {
                String::new()
            },
            owner: String::new(),
            notes: "She prefers the afternoon.".into(),
        };
        let t = now_ms();
        let task = cases.add_task(*id, &draft, None, "ana").unwrap();
        samples.push(now_ms() - t);
        while cases.pending.get_untracked() > 0 {
            sleep_ms(1).await;
        }
        durable.push(now_ms() - t);
        assert!(
            cases
                .caseload
                .with_untracked(|c| { c.get(id).unwrap().case.tasks.iter().any(|x| x.id == task) })
        );
    }
    let reloaded = Cases::load(store.clone());
    let tasks: usize = reloaded
        .caseload
        .with_untracked(|c| c.iter().map(|f| f.case.tasks.len()).sum());
    assert_eq!(tasks, 50);
    assert!(is_sealed(&store, &format!("case.{}", ids[0])));
    summarize(
        "save one task, sealed, shown (case with 10 interactions)",
        samples,
    );
    summarize(
        "save one task, sealed, on disk via the journal (1 ms polling)",
        durable,
    );
    for k in store.keys() {
        store.remove(&k);
    }
}

/// The report page (issue 15): the server draws it, the app shows it. Here
/// the same page, over 5,000 cases of 10 interactions for one month and for
/// twelve, is drawn by the core (what the server does, timed for the
/// record) and put into the document with its layout computed, which is
/// what a manager waits for in the browser.
#[wasm_bindgen_test]
fn the_report_page_with_its_charts() {
    use advocase_core::report::{self, Params, Period, facts::CaseFacts, page};

    let now = sample::reference_now();
    let files = sample::caseload(42, 5_000, 10, now);
    let facts: Vec<(String, CaseFacts)> = files
        .iter()
        .filter_map(|f| Some((f.case.patient.unit.clone(), CaseFacts::of(f)?)))
        .collect();
    let refs: Vec<(&str, &CaseFacts)> = facts.iter().map(|(u, f)| (u.as_str(), f)).collect();
    let last = now.date_naive();
    let units: Vec<String> = sample::structure()
        .units
        .iter()
        .map(|u| u.name.clone())
        .collect();
    let document = web_sys::window().unwrap().document().unwrap();
    let body = document.body().unwrap();
    // The app's stylesheet, so the layout is the app's.
    let style = document.create_element("style").unwrap();
    style.set_text_content(Some(concat!(
        include_str!("../style/main.css"),
        ".everything .report-section { content-visibility: visible !important; }"
    )));
    document.head().unwrap().append_child(&style).unwrap();
    for (label, period) in [
        ("a month", Period::month_of(last)),
        (
            "twelve months",
            Period::new(
                Period::month_of(last).previous().from - chrono::Duration::days(334),
                last,
            )
            .unwrap(),
        ),
    ] {
        let params = Params {
            period,
            units: vec![],
            now,
            response_days: 7,
            windows: Default::default(),
            local: &advocase::clock::local,
            patient_days: &[],
        };
        let t = now_ms();
        let r = report::compute(&refs, &params);
        let computed = now_ms() - t;
        let reader = page::Reader {
            manager: true,
            local: &advocase::clock::local,
            units: &units,
            fresh: advocase::clock::new_id(),
        };
        let t = now_ms();
        let html = page::render(&r, &reader);
        let drawn = now_ms() - t;
        report(format!(
            "report over {label} of 5,000 cases in the core (the server's work): computed in {computed:.1} ms, drawn in {drawn:.1} ms, {} KB of markup, {} charts, {} suggestions",
            html.len() / 1024,
            html.matches("<figure").count(),
            r.suggestions.len()
        ));
        // On screen, sections below the fold are laid out when scrolled to
        // (`content-visibility: auto`); "every section" lays out the whole
        // page at once, as printing does.
        for (class, what) in [
            ("desk-page", "on screen"),
            ("desk-page everything", "every section laid out"),
        ] {
            let mut samples = Vec::new();
            for _ in 0..20 {
                let host = document.create_element("div").unwrap();
                host.set_class_name(class);
                body.append_child(&host).unwrap();
                let t = now_ms();
                host.set_inner_html(&html);
                // Layout, as the first paint needs it.
                let height = wasm_bindgen::JsCast::dyn_ref::<web_sys::HtmlElement>(&host)
                    .unwrap()
                    .offset_height();
                samples.push(now_ms() - t);
                assert!(height > 0);
                assert_eq!(
                    host.get_elements_by_tag_name("svg").length() as usize,
                    html.matches("<figure").count()
                );
                host.remove();
            }
            summarize(
                &format!(
                    "report page over {label} shown with its charts, {what} (markup in, layout done)"
                ),
                samples,
            );
        }
    }
}
