//! The case list: search as you type, filters, and urgency order.

use advocase_core::case::{Actor, CaseCommand, CaseDraft, CaseRules};
use advocase_core::caseload::{CaseFile, Caseload, Query};
use advocase_core::encoding;
use advocase_core::id::Id;
use advocase_core::interaction::InteractionDraft;
use advocase_core::reference::CaseKind;
use advocase_core::status::Status;
use chrono::{NaiveDate, TimeZone, Utc};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn actor(user: &str) -> Actor {
    Actor {
        user: user.into(),
        now: Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
        today: today(),
    }
}

fn id(n: u64) -> Id {
    Id::new_v7(1_763_900_000_000 + n, [n as u8; 10])
}

fn file(
    n: u64,
    name: &str,
    mrn: &str,
    unit: &str,
    kind: &str,
    received_on: &str,
    assignee: &str,
) -> CaseFile {
    let case = CaseDraft {
        patient_name: name.into(),
        mrn: mrn.into(),
        unit: unit.into(),
        room: format!("{n}0{n}"),
        kind: kind.into(),
        description: format!("Case number {n}"),
        received_on: received_on.into(),
        assignee: assignee.into(),
        ..CaseDraft::default()
    }
    .validate(id(n), &actor("ana"), &CaseRules::default())
    .unwrap();
    CaseFile::new(case, vec![])
}

fn caseload() -> Caseload {
    let mut overdue_grievance = file(
        1,
        "Maria Lopez",
        "MRN-001",
        "4 West",
        "grievance",
        "2026-11-10",
        "ana",
    );
    let log = InteractionDraft {
        channel: "phone".into(),
        with: "family_or_representative".into(),
        summary: "Daughter upset about the Warfarin dose".into(),
        ..Default::default()
    };
    overdue_grievance
        .interactions
        .push(log.validate(id(50), id(1), None, &actor("ana")).unwrap());
    let mut resolved = file(
        2,
        "John Smith",
        "MRN-002",
        "ICU",
        "grievance",
        "2026-11-01",
        "ben",
    );
    resolved
        .case
        .apply(
            CaseCommand::Resolve {
                summary: "Done".into(),
            },
            &actor("ben"),
        )
        .unwrap();
    Caseload::new([
        file(
            3,
            "Wei Chen",
            "MRN-003",
            "4 West",
            "concern",
            "2026-11-22",
            "ben",
        ),
        resolved,
        overdue_grievance,
        file(
            4,
            "Amara Okafor",
            "MRN-004",
            "ICU",
            "grievance",
            "2026-11-20",
            "ana",
        ),
        file(
            5,
            "Lars Berg",
            "MRN-005",
            "ICU",
            "billing_insurance",
            "2026-11-01",
            "cy",
        ),
    ])
}

fn names(hits: &[&CaseFile]) -> Vec<String> {
    hits.iter().map(|f| f.case.patient.name.clone()).collect()
}

#[test]
fn the_list_puts_overdue_grievances_first_and_closed_work_last() {
    let load = caseload();
    let all = load.query(&Query::default(), today());
    assert_eq!(
        names(&all),
        [
            "Maria Lopez",
            "Amara Okafor",
            "Lars Berg",
            "Wei Chen",
            "John Smith"
        ]
    );
}

#[test]
fn search_matches_every_word_in_any_field_including_interactions() {
    let load = caseload();
    let q = |text: &str| {
        names(&load.query(
            &Query {
                text: text.into(),
                ..Query::default()
            },
            today(),
        ))
    };
    assert_eq!(q("mrn-003"), ["Wei Chen"], "by MRN, any case");
    assert_eq!(
        q("warfarin"),
        ["Maria Lopez"],
        "by a word from an interaction"
    );
    assert_eq!(
        q("WARFARIN daughter"),
        ["Maria Lopez"],
        "all words, case-insensitive"
    );
    assert_eq!(q("warfarin smith"), Vec::<String>::new());
    assert_eq!(q("404"), ["Amara Okafor"], "by room");
    assert_eq!(q("  ").len(), 5, "blank search shows everything");
}

#[test]
fn search_reads_what_the_case_says_now_not_a_corrected_version() {
    let mut f = file(
        6,
        "Rosa Diaz",
        "MRN-006",
        "ICU",
        "concern",
        "2026-11-20",
        "ana",
    );
    let draft = |summary: &str| InteractionDraft {
        channel: "phone".into(),
        with: "patient".into(),
        summary: summary.into(),
        ..Default::default()
    };
    let original = draft("Asked about the Penicillin allergy band")
        .validate(id(60), id(6), None, &actor("ana"))
        .unwrap();
    let correction = draft("Asked about the latex allergy band")
        .validate(id(61), id(6), Some(original.id), &actor("ana"))
        .unwrap();
    f.interactions = vec![original, correction];
    let load = Caseload::new([f]);
    let q = |text: &str| {
        names(&load.query(
            &Query {
                text: text.into(),
                ..Query::default()
            },
            today(),
        ))
    };
    assert_eq!(q("latex"), ["Rosa Diaz"], "the corrected words are found");
    assert_eq!(
        q("penicillin"),
        Vec::<String>::new(),
        "words only the earlier version had are not"
    );
    assert_eq!(q("allergy band"), ["Rosa Diaz"]);
}

#[test]
fn filters_combine() {
    let load = caseload();
    let q = |query: Query| names(&load.query(&query, today()));
    assert_eq!(
        q(Query {
            unit: Some("ICU".into()),
            ..Query::default()
        }),
        ["Amara Okafor", "Lars Berg", "John Smith"]
    );
    assert_eq!(
        q(Query {
            assigned_to: Some("ana".into()),
            ..Query::default()
        }),
        ["Maria Lopez", "Amara Okafor"]
    );
    assert_eq!(
        q(Query {
            overdue_only: true,
            ..Query::default()
        }),
        ["Maria Lopez"]
    );
    assert_eq!(
        q(Query {
            status: Some(Status::Resolved),
            ..Query::default()
        }),
        ["John Smith"]
    );
    assert_eq!(
        q(Query {
            kind: Some(CaseKind::Grievance),
            unit: Some("ICU".into()),
            ..Query::default()
        }),
        ["Amara Okafor", "John Smith"]
    );
    assert_eq!(load.units(), ["4 West", "ICU"]);
}

#[test]
fn a_case_file_round_trips_through_the_storage_encoding() {
    let load = caseload();
    for f in load.files() {
        let back: CaseFile = encoding::decode(&encoding::encode(f)).unwrap();
        assert_eq!(&back, f);
    }
    assert_eq!(load.interaction_count(), 1);
}
