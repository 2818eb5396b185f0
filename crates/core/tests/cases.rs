//! Cases and interactions as a coordinator meets them: the new-case form,
//! status changes, the grievance clock and amendments.

use advocase_core::case::{Actor, Case, CaseChange, CaseCommand, CaseDraft, CaseRules, Priority};
use advocase_core::id::Id;
use advocase_core::interaction::{Interaction, InteractionDraft, resolve};
use advocase_core::reference::{CaseKind, Channel, ComplaintCategory, Party};
use advocase_core::status::Status;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn actor(user: &str, now: DateTime<Utc>) -> Actor {
    Actor {
        user: user.into(),
        now,
        today: now.date_naive(),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 14, 30, 0).unwrap()
}

fn id(n: u64) -> Id {
    Id::new_v7(1_763_900_000_000 + n, [n as u8; 10])
}

fn draft() -> CaseDraft {
    CaseDraft {
        patient_name: "Maria Lopez".into(),
        mrn: "MRN-0042".into(),
        date_of_birth: "1948-02-29".into(),
        unit: "4 West".into(),
        room: "412-B".into(),
        preferred_language: "Spanish".into(),
        interpreter_needed: true,
        kind: "complaint".into(),
        category: "communication".into(),
        description: "Daughter says nobody explained the change in medication.".into(),
        received_via: "bedside_visit".into(),
        ..CaseDraft::default()
    }
}

fn open_case() -> Case {
    draft()
        .validate(id(1), &actor("ana", t0()), &CaseRules::default())
        .unwrap()
}

#[test]
fn a_valid_draft_becomes_an_open_case_assigned_to_its_author() {
    let case = open_case();
    assert_eq!(case.status, Status::Open);
    assert_eq!(case.kind, CaseKind::Complaint);
    assert_eq!(case.category, Some(ComplaintCategory::Communication));
    assert_eq!(case.assignee, "ana");
    assert_eq!(case.received_on, date("2026-11-23"));
    assert_eq!(case.patient.date_of_birth, Some(date("1948-02-29")));
    assert!(case.patient.interpreter_needed);
    assert_eq!(
        case.due_on, None,
        "a verbal complaint has no grievance clock"
    );
    assert_eq!(case.history.len(), 1);
    assert!(matches!(case.history[0].change, CaseChange::Opened { .. }));
}

#[test]
fn every_problem_in_a_draft_is_reported_at_once_by_field() {
    let bad = CaseDraft {
        patient_name: "   ".into(),
        date_of_birth: "2030-01-01".into(),
        kind: "complaint".into(),
        category: "rudeness_v2".into(), // from a newer or older client
        description: String::new(),
        received_via: "carrier_pigeon".into(),
        received_on: "2026-11-20".into(),
        due_on: "2026-11-01".into(),
        ..CaseDraft::default()
    };
    let problems = bad
        .validate(id(2), &actor("ana", t0()), &CaseRules::default())
        .unwrap_err();
    assert_eq!(
        problems.fields(),
        [
            "patient.name",
            "patient.date_of_birth",
            "category",
            "received_via",
            "description",
            "due_on"
        ]
    );
    assert_eq!(
        problems.for_field("patient.date_of_birth"),
        Some("Date of birth cannot be in the future.")
    );
    assert!(
        problems
            .for_field("category")
            .unwrap()
            .contains("rudeness_v2")
    );
}

#[test]
fn malformed_dates_and_oversized_text_are_field_errors() {
    let bad = CaseDraft {
        date_of_birth: "29/02/1948".into(),
        description: "x".repeat(10_001),
        ..draft()
    };
    let problems = bad
        .validate(id(3), &actor("ana", t0()), &CaseRules::default())
        .unwrap_err();
    assert_eq!(problems.fields(), ["patient.date_of_birth", "description"]);
    assert!(
        problems
            .for_field("description")
            .unwrap()
            .contains("10001 characters")
    );

    let tagged = CaseDraft {
        tags: "billing, Billing , urgent,,".into(),
        ..draft()
    };
    let case = tagged
        .validate(id(4), &actor("ana", t0()), &CaseRules::default())
        .unwrap();
    assert_eq!(
        case.tags,
        ["billing", "urgent"],
        "trimmed and de-duplicated"
    );
}

#[test]
fn a_written_complaint_is_a_grievance_with_a_response_clock() {
    let letter = CaseDraft {
        received_via: "letter".into(),
        received_on: "2026-11-20".into(),
        ..draft()
    };
    let case = letter
        .validate(id(5), &actor("ana", t0()), &CaseRules::default())
        .unwrap();
    assert_eq!(case.kind, CaseKind::Grievance);
    assert_eq!(case.due_on, Some(date("2026-11-27")));
    assert!(
        matches!(&case.history[0].change, CaseChange::Opened { note: Some(n) } if n.contains("written complaint"))
    );

    let hospital_rules = CaseRules {
        grievance_response_days: 10,
    };
    let grievance = CaseDraft {
        kind: "grievance".into(),
        received_on: "2026-11-20".into(),
        ..draft()
    };
    assert_eq!(
        grievance
            .validate(id(6), &actor("ana", t0()), &hospital_rules)
            .unwrap()
            .due_on,
        Some(date("2026-11-30"))
    );
}

#[test]
fn a_grievance_turns_overdue_after_its_due_date_until_resolved() {
    let mut case = CaseDraft {
        kind: "grievance".into(),
        received_on: "2026-11-10".into(),
        ..draft()
    }
    .validate(id(7), &actor("ana", t0()), &CaseRules::default())
    .unwrap();
    assert_eq!(case.due_on, Some(date("2026-11-17")));
    assert!(!case.is_overdue(date("2026-11-17")));
    assert!(case.is_overdue(date("2026-11-18")));
    assert_eq!(case.days_open(date("2026-11-23")), 13);
    case.apply(
        CaseCommand::Resolve {
            summary: "Apology letter sent; meds reviewed with daughter.".into(),
        },
        &actor("ana", t0()),
    )
    .unwrap();
    assert!(
        !case.is_overdue(date("2026-11-30")),
        "a resolved case is never overdue"
    );
}

#[test]
fn status_changes_reassignments_and_edits_are_recorded_with_who_and_when() {
    let mut case = open_case();
    let later = t0() + Duration::hours(2);
    case.apply(
        CaseCommand::ChangeStatus {
            to: Status::Waiting,
            note: Some("Pharmacy to call back".into()),
        },
        &actor("ana", later),
    )
    .unwrap();
    case.apply(
        CaseCommand::Reassign { to: "ben".into() },
        &actor("ana", later),
    )
    .unwrap();
    case.apply(
        CaseCommand::SetPriority { to: Priority::High },
        &actor("ben", later),
    )
    .unwrap();
    case.apply(
        CaseCommand::Resolve {
            summary: "Pharmacist explained the change.".into(),
        },
        &actor("ben", later),
    )
    .unwrap();
    case.apply(
        CaseCommand::Reopen {
            to: Status::InProgress,
            reason: "Daughter still unsure".into(),
        },
        &actor("ben", later),
    )
    .unwrap();

    assert_eq!(case.status, Status::InProgress);
    assert_eq!(case.assignee, "ben");
    assert_eq!(case.priority, Priority::High);
    assert_eq!(
        case.resolution.as_deref(),
        Some("Pharmacist explained the change.")
    );
    assert_eq!(case.updated_at, later);
    let kinds: Vec<_> = case
        .history
        .iter()
        .map(|e| match &e.change {
            CaseChange::Opened { .. } => "opened",
            CaseChange::Status { .. } => "status",
            CaseChange::Reassigned { .. } => "reassigned",
            CaseChange::Edited { .. } => "edited",
            CaseChange::Resolved { .. } => "resolved",
            CaseChange::Reopened { .. } => "reopened",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "opened",
            "status",
            "reassigned",
            "edited",
            "resolved",
            "reopened"
        ]
    );
    assert_eq!(case.history[3].by, "ben");
    assert_eq!(
        case.history[3].change,
        CaseChange::Edited {
            field: "priority".into(),
            from: "Medium".into(),
            to: "High".into()
        }
    );
}

#[test]
fn refused_commands_change_nothing_and_say_why() {
    let mut case = open_case();
    let before = case.clone();
    let a = actor("ana", t0());
    let cases: Vec<(CaseCommand, &str)> = vec![
        (
            CaseCommand::ChangeStatus {
                to: Status::Closed,
                note: None,
            },
            "status",
        ),
        (
            CaseCommand::ChangeStatus {
                to: Status::Resolved,
                note: None,
            },
            "status",
        ),
        (
            CaseCommand::Resolve {
                summary: "  ".into(),
            },
            "resolution",
        ),
        (
            CaseCommand::Reopen {
                to: Status::Open,
                reason: "why".into(),
            },
            "status",
        ),
        (CaseCommand::Reassign { to: "ana".into() }, "assignee"),
        (
            CaseCommand::SetDueOn {
                to: Some(date("2026-01-01")),
            },
            "due_on",
        ),
        (
            CaseCommand::SetDescription { to: String::new() },
            "description",
        ),
    ];
    for (cmd, field) in cases {
        let err = case.apply(cmd.clone(), &a).unwrap_err();
        assert_eq!(err.fields(), [field], "{cmd:?}");
        assert_eq!(case, before, "{cmd:?} must leave the case untouched");
    }
}

fn quick(summary: &str) -> InteractionDraft {
    InteractionDraft {
        channel: "bedside_visit".into(),
        with: "patient".into(),
        summary: summary.into(),
        ..Default::default()
    }
}

#[test]
fn quick_log_needs_only_channel_party_and_text_and_defaults_to_now() {
    let a = actor("ana", t0());
    let i = quick("Explained visiting hours.")
        .validate(id(10), id(1), None, &a)
        .unwrap();
    assert_eq!(i.at, t0());
    assert_eq!(i.recorded_at, t0());
    assert_eq!(i.channel, Channel::BedsideVisit);
    assert_eq!(i.with, Party::Patient);
    assert_eq!(i.by, "ana");

    let problems = InteractionDraft::default()
        .validate(id(11), id(1), None, &a)
        .unwrap_err();
    assert_eq!(problems.fields(), ["channel", "with", "summary"]);
}

#[test]
fn the_person_contacted_is_kept_by_name_and_absent_from_older_logs() {
    use advocase_core::interaction::Contacted;
    let a = actor("ana", t0());
    let mut d = quick("Called billing about the duplicate charge.");
    d.contact = Some(Contacted {
        entry: id(40),
        name: "  Dana Whitfield ".into(),
    });
    let i = d.validate(id(13), id(1), None, &a).unwrap();
    assert_eq!(
        i.contact,
        Some(Contacted {
            entry: id(40),
            name: "Dana Whitfield".into()
        })
    );
    let json = serde_json::to_string(&i).unwrap();
    assert_eq!(serde_json::from_str::<Interaction>(&json).unwrap(), i);

    // Without one, the JSON is what devices before the directory wrote,
    // and what they wrote reads as "nobody named".
    let plain = quick("Explained visiting hours.")
        .validate(id(14), id(1), None, &a)
        .unwrap();
    let json = serde_json::to_string(&plain).unwrap();
    assert!(!json.contains("contact"), "{json}");
    assert_eq!(
        serde_json::from_str::<Interaction>(&json).unwrap().contact,
        None
    );

    d.contact = Some(Contacted {
        entry: Id::default(),
        name: "Dana".into(),
    });
    assert_eq!(
        d.validate(id(15), id(1), None, &a).unwrap_err().fields(),
        ["contact"]
    );
    d.contact = Some(Contacted {
        entry: id(40),
        name: "x".repeat(1000),
    });
    assert_eq!(
        d.validate(id(15), id(1), None, &a).unwrap_err().fields(),
        ["contact"]
    );
}

#[test]
fn a_follow_up_needs_what_and_when_and_cannot_precede_the_interaction() {
    let a = actor("ana", t0());
    let mut d = quick("Promised a call from pharmacy.");
    d.follow_up = "Pharmacy calls daughter".into();
    d.follow_up_due = "2026-11-22".into();
    assert_eq!(
        d.validate(id(12), id(1), None, &a)
            .unwrap_err()
            .for_field("follow_up_due"),
        Some("The follow-up cannot be due before the interaction.")
    );
    d.follow_up_due = String::new();
    assert_eq!(
        d.validate(id(12), id(1), None, &a).unwrap_err().fields(),
        ["follow_up_due"]
    );
    d.follow_up_due = "2026-11-24".into();
    let i = d.validate(id(12), id(1), None, &a).unwrap();
    assert_eq!(i.follow_up.unwrap().due, date("2026-11-24"));

    let mut future = quick("typo in the time");
    future.at = Some(t0() + Duration::hours(3));
    assert_eq!(
        future
            .validate(id(13), id(1), None, &a)
            .unwrap_err()
            .fields(),
        ["at"]
    );
}

#[test]
fn an_amendment_supersedes_the_original_which_stays_in_the_history() {
    let a = actor("ana", t0());
    let first = quick("Spoke with son")
        .validate(id(20), id(1), None, &a)
        .unwrap();
    let other = quick("Nurse confirmed pain plan")
        .validate(
            id(21),
            id(1),
            None,
            &actor("ana", t0() + Duration::minutes(5)),
        )
        .unwrap();
    let fix = quick("Spoke with daughter (not son)")
        .validate(
            id(22),
            id(1),
            Some(first.id),
            &actor("ana", t0() + Duration::minutes(10)),
        )
        .unwrap();
    let fix2 = quick("Spoke with daughter Rosa (not son)")
        .validate(
            id(23),
            id(1),
            Some(fix.id),
            &actor("ben", t0() + Duration::minutes(20)),
        )
        .unwrap();
    let all = vec![fix2.clone(), other.clone(), first.clone(), fix.clone()];
    let timeline = resolve(&all);
    assert_eq!(timeline.len(), 2);
    assert_eq!(
        timeline[0].original.id, first.id,
        "placed by when the original happened"
    );
    assert_eq!(
        timeline[0].current.summary,
        "Spoke with daughter Rosa (not son)"
    );
    let superseded: Vec<_> = timeline[0].superseded.iter().map(|i| i.id).collect();
    assert_eq!(superseded, [first.id, fix.id]);
    assert_eq!(timeline[1].current.id, other.id);
    assert!(timeline[1].superseded.is_empty());
}

#[test]
fn an_amendment_whose_original_has_not_arrived_still_shows() {
    let orphan = quick("Correction")
        .validate(id(30), id(1), Some(id(99)), &actor("ana", t0()))
        .unwrap();
    let timeline = resolve(std::slice::from_ref(&orphan));
    assert_eq!(timeline.len(), 1);
    assert_eq!(timeline[0].current.id, orphan.id);
}

#[test]
fn records_survive_a_json_round_trip() {
    let mut case = open_case();
    case.apply(
        CaseCommand::Resolve {
            summary: "Done".into(),
        },
        &actor("ana", t0()),
    )
    .unwrap();
    let back: Case = serde_json::from_str(&serde_json::to_string(&case).unwrap()).unwrap();
    assert_eq!(back, case);
    let mut d = quick("Called insurer");
    d.follow_up = "Send EOB copy".into();
    d.follow_up_due = "2026-11-25".into();
    let i = d
        .validate(id(40), case.id, None, &actor("ana", t0()))
        .unwrap();
    let back: Interaction = serde_json::from_str(&serde_json::to_string(&i).unwrap()).unwrap();
    assert_eq!(back, i);
}

fn any_command() -> impl Strategy<Value = CaseCommand> {
    let status = prop::sample::select(Status::ALL.to_vec());
    let text = prop_oneof![Just(String::new()), Just("  ".to_string()), "[a-z ]{1,20}"];
    prop_oneof![
        (status.clone(), prop::option::of(text.clone()))
            .prop_map(|(to, note)| CaseCommand::ChangeStatus { to, note }),
        text.clone()
            .prop_map(|summary| CaseCommand::Resolve { summary }),
        (status, text.clone()).prop_map(|(to, reason)| CaseCommand::Reopen { to, reason }),
        prop::sample::select(vec!["ana", "ben", "cy", ""])
            .prop_map(|to| CaseCommand::Reassign { to: to.into() }),
        prop::sample::select(Priority::ALL.to_vec()).prop_map(|to| CaseCommand::SetPriority { to }),
        text.prop_map(|to| CaseCommand::SetDescription { to }),
        prop::option::of(0i64..60).prop_map(|d| CaseCommand::SetDueOn {
            to: d.map(|d| date("2026-11-01") + Duration::days(d))
        }),
    ]
}

proptest! {
    /// Whatever a coordinator clicks, in any order: every accepted command
    /// adds exactly one history entry, every refused one changes nothing,
    /// status only moves along allowed transitions, and a resolved case
    /// always has its summary.
    #[test]
    fn case_history_records_exactly_the_accepted_commands(commands in prop::collection::vec(any_command(), 0..40)) {
        let mut case = open_case();
        for (n, cmd) in commands.into_iter().enumerate() {
            let before = case.clone();
            let a = actor("ana", t0() + Duration::minutes(n as i64));
            match case.apply(cmd, &a) {
                Ok(()) => {
                    prop_assert_eq!(case.history.len(), before.history.len() + 1);
                    if case.status != before.status {
                        prop_assert!(before.status.can_become(case.status));
                    }
                    prop_assert_eq!(case.updated_at, a.now);
                }
                Err(problems) => {
                    prop_assert!(!problems.is_empty());
                    prop_assert_eq!(&case, &before);
                }
            }
            if case.status == Status::Resolved {
                prop_assert!(case.resolution.as_deref().is_some_and(|s| !s.trim().is_empty()));
            }
            let back: Case = serde_json::from_str(&serde_json::to_string(&case).unwrap()).unwrap();
            prop_assert_eq!(&back, &case);
        }
    }

    /// Any forest of amendments (including references to originals not yet
    /// synced): every interaction appears exactly once in the resolved
    /// timeline, as current or superseded, and the current one is the latest.
    #[test]
    fn amendment_resolution_keeps_every_version_exactly_once(parents in prop::collection::vec(prop::option::of(0usize..30), 1..30)) {
        let all: Vec<Interaction> = parents
            .iter()
            .enumerate()
            .map(|(n, parent)| {
                // Only earlier entries can be amended; a later index stands
                // for an original this device has not received.
                let amends = parent.map(|p| if p < n { id(100 + p as u64) } else { id(999) });
                let at = actor("ana", t0() + Duration::minutes(n as i64));
                quick(&format!("entry {n}")).validate(id(100 + n as u64), id(1), amends, &at).unwrap()
            })
            .collect();
        let timeline = resolve(&all);
        let mut seen: Vec<Id> = timeline.iter().flat_map(|r| r.superseded.iter().map(|i| i.id).chain([r.current.id])).collect();
        advocase_core::order::sort(&mut seen);
        let mut expected: Vec<Id> = all.iter().map(|i| i.id).collect();
        advocase_core::order::sort(&mut expected);
        prop_assert_eq!(seen, expected);
        for r in &timeline {
            for s in &r.superseded {
                prop_assert!(s.recorded_at <= r.current.recorded_at);
            }
        }
    }
}
