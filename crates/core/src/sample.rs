//! A realistic, deterministic caseload for benchmarks and capacity figures:
//! names, units, complaints and bedside notes of the length coordinators
//! actually write. Never used for real data.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::case::{Actor, CaseDraft, CaseRules};
use crate::caseload::CaseFile;
use crate::id::Id;
use crate::interaction::InteractionDraft;
use crate::reference::{CaseKind, Channel, ComplaintCategory, Party, ident};

const FIRST: &[&str] = &[
    "Maria", "John", "Wei", "Amara", "Lars", "Fatima", "José", "Olga", "Kwame", "Priya", "Tom",
    "Ana",
];
const LAST: &[&str] = &[
    "Lopez", "Smith", "Chen", "Okafor", "Berg", "Haddad", "García", "Ivanova", "Mensah", "Patel",
    "Byrne",
];
const UNITS: &[&str] = &[
    "4 West",
    "5 East",
    "ICU",
    "Cardiology",
    "Oncology",
    "Maternity",
    "Orthopaedics",
    "ED",
];
const ISSUES: &[&str] = &[
    "Daughter says nobody explained the change in her mother's medication.",
    "Patient waited four hours for pain relief overnight and wants to complain formally.",
    "Family unhappy that the discharge date moved without anyone telling them.",
    "Billing statement shows a charge for a procedure the patient says never happened.",
    "Son requests a copy of the medical records for the last admission.",
    "Patient asks about the right to refuse the proposed transfer to rehabilitation.",
    "Meals arrive cold and do not follow the patient's diabetic diet.",
    "Interpreter was not available for the consent conversation this morning.",
];
const NOTES: &[&str] = &[
    "Spoke with the patient at the bedside; she is upset but calm and wants a written answer.",
    "Called the daughter back; explained the process and the seven-day response time.",
    "Charge nurse confirmed the medication change was discussed with the physician yesterday.",
    "Pharmacy will review the discharge medication list with the family tomorrow at 10.",
    "Billing department found a coding error and will send a corrected statement.",
    "Met the family with the social worker to plan equipment at home after discharge.",
    "Interpreter booked for the next family meeting; patient prefers Spanish.",
    "Patient satisfied with the explanation; asked to be kept informed by phone.",
];

/// A small deterministic generator (SplitMix64): the same seed gives the
/// same caseload on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn id(&mut self, ms: u64) -> Id {
        let r = self.next_u64().to_le_bytes();
        let s = self.next_u64().to_le_bytes();
        Id::new_v7(
            ms,
            [r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], s[0], s[1]],
        )
    }
}

/// `count` cases, each with `interactions` interactions, received over the
/// 60 days before `now`.
pub fn caseload(seed: u64, count: usize, interactions: usize, now: DateTime<Utc>) -> Vec<CaseFile> {
    let mut rng = Rng::new(seed);
    let rules = CaseRules::default();
    (0..count)
        .map(|n| {
            let received = now - Duration::hours(rng.below(60 * 24) as i64);
            let actor = Actor {
                user: "Ana Coordinator".into(),
                now: received,
                today: received.date_naive(),
            };
            let kind = *rng.pick(CaseKind::ALL);
            let draft = CaseDraft {
                patient_name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
                mrn: format!("MRN-{:07}", 1_000_000 + n),
                date_of_birth: NaiveDate::from_ymd_opt(
                    1930 + rng.below(80) as i32,
                    1 + rng.below(12) as u32,
                    1 + rng.below(28) as u32,
                )
                .map(|d| d.to_string())
                .unwrap_or_default(),
                unit: rng.pick(UNITS).to_string(),
                room: format!(
                    "{}{:02}-{}",
                    1 + rng.below(6),
                    rng.below(40),
                    ["A", "B"][rng.below(2)]
                ),
                preferred_language: ["English", "Spanish", "Mandarin", "Arabic"][rng.below(4)]
                    .into(),
                kind: ident(&kind),
                category: ident(rng.pick(ComplaintCategory::ALL)),
                description: rng.pick(ISSUES).to_string(),
                received_on: received.date_naive().to_string(),
                received_via: ident(rng.pick(Channel::ALL)),
                tags: String::new(),
                ..CaseDraft::default()
            };
            let case = draft
                .validate(rng.id(received.timestamp_millis() as u64), &actor, &rules)
                .expect("sample drafts are valid");
            let logs = (0..interactions)
                .map(|i| {
                    let at = received + Duration::hours(i as i64 * 6);
                    let actor = Actor {
                        user: "Ana Coordinator".into(),
                        now: at,
                        today: at.date_naive(),
                    };
                    InteractionDraft {
                        channel: ident(rng.pick(Channel::ALL)),
                        with: ident(rng.pick(Party::ALL)),
                        summary: rng.pick(NOTES).to_string(),
                        outcome: if rng.below(3) == 0 {
                            "Family reassured.".into()
                        } else {
                            String::new()
                        },
                        ..InteractionDraft::default()
                    }
                    .validate(rng.id(at.timestamp_millis() as u64), case.id, None, &actor)
                    .expect("sample interactions are valid")
                })
                .collect();
            CaseFile::new(case, logs)
        })
        .collect()
}

const ROLES: &[&str] = &[
    "Billing specialist",
    "Charge nurse",
    "Pharmacist",
    "Social worker",
    "Discharge planner",
    "Interpreter",
    "Chaplain",
    "Nurse manager",
    "Records clerk",
    "Case manager",
    "Dietitian",
    "Physical therapist",
    "Patient advocate",
    "Security officer",
    "Scheduler",
];
const DEPARTMENTS: &[&str] = &[
    "Patient Financial Services",
    "Nursing",
    "Pharmacy",
    "Social Work",
    "Case Management",
    "Language Services",
    "Spiritual Care",
    "Health Information Management",
    "Food and Nutrition",
    "Rehabilitation",
    "Patient Relations",
    "Security",
    "Scheduling",
];
const TOPICS: &[&str] = &[
    "billing disputes",
    "payment plans",
    "medication questions",
    "discharge home",
    "interpreter booking",
    "end of life",
    "records requests",
    "special diets",
    "equipment at home",
    "formal grievances",
    "visiting rules",
    "appointments",
    "insurance denials",
    "transport home",
];

/// The sample's units as a hospital structure, so that the cases' and
/// entries' units resolve (codes U0, U1…).
pub fn structure() -> crate::directory::Structure {
    crate::directory::Structure {
        units: UNITS
            .iter()
            .enumerate()
            .map(|(i, name)| crate::directory::Unit {
                id: Id::new_v7(1, [i as u8; 10]),
                name: (*name).into(),
                code: format!("U{i}"),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// `count` directory entries (people, roles and services with phones,
/// topics, units and languages), the same for the same seed: for the
/// directory's benchmarks. Never real people.
pub fn directory(seed: u64, count: usize) -> Vec<crate::directory::Entry> {
    use crate::directory::{Entry, EntryKind, Phone, PhoneKind};
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|n| {
            let kind = EntryKind::ALL[rng.below(3)];
            let role = *rng.pick(ROLES);
            Entry {
                id: rng.id(1_772_353_800_000 + n as u64),
                kind,
                name: match kind {
                    EntryKind::Person => format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
                    _ => format!("{role} {}", n),
                },
                title: role.into(),
                department: (*rng.pick(DEPARTMENTS)).into(),
                units: (0..rng.below(3))
                    .map(|_| (*rng.pick(UNITS)).to_owned())
                    .collect(),
                phones: vec![Phone {
                    number: format!("555 010 {:04}", rng.below(10_000)),
                    kind: PhoneKind::ALL[rng.below(5)],
                    languages: if rng.below(4) == 0 {
                        vec!["Spanish".into()]
                    } else {
                        vec![]
                    },
                }],
                hours: "Mon-Fri 8:00-16:30".into(),
                topics: format!("{}, {}", rng.pick(TOPICS), rng.pick(TOPICS)),
                case_kinds: vec![*rng.pick(CaseKind::ALL)],
                categories: vec![*rng.pick(ComplaintCategory::ALL)],
                ..Entry::default()
            }
        })
        .collect()
}

/// The same caseload as [`caseload`], as a device that has synced it holds
/// it: one log per case, every change acknowledged by the server.
pub fn synced_logs(
    seed: u64,
    count: usize,
    interactions: usize,
    now: DateTime<Utc>,
) -> Vec<crate::log::CaseLog> {
    let device = Rng::new(seed ^ 0xD1CE).id(now.timestamp_millis() as u64);
    let mut replica = crate::replica::Replica::new(device);
    for f in caseload(seed, count, interactions, now) {
        replica.import(&f, now.timestamp_millis() as u64);
    }
    let mut server_seq = 0;
    replica
        .logs
        .into_values()
        .map(|mut log| {
            for e in &mut log.entries {
                server_seq += 1;
                e.synced = Some(server_seq);
            }
            log
        })
        .collect()
}

/// The coordinators that sample follow-ups belong to: the first is the one
/// the sample cases are assigned to, so My day over them shows every
/// section.
pub const COORDINATORS: &[&str] = &[
    "Ana Coordinator",
    "Ben Coordinator",
    "Cal Coordinator",
    "Dee Coordinator",
];
/// The manager escalations go to.
pub const MANAGER: &str = "Dana Manager";

const TASKS: &[&str] = &[
    "Call the daughter back with the new discharge date",
    "Book a Spanish interpreter for the family meeting",
    "Send the corrected billing statement",
    "Request the records of the last admission",
    "Ask pharmacy to review the discharge medication list",
    "Confirm the rehabilitation transfer with the patient",
    "Chase the written grievance response with the unit manager",
    "Check that the diabetic meal plan reached the kitchen",
];
const REASONS: &[&str] = &[
    "Family asks for a meeting with the unit manager today.",
    "Billing will not correct the statement without a manager's approval.",
    "Patient says she will go to the press if nobody answers by tomorrow.",
    "Interpreter service has no Mandarin interpreter this week.",
];

/// Follow-ups on `files`, the same for the same seed: `tasks` tasks (most
/// open, some done or cancelled; overdue, due today, this week and later;
/// owned by the [`COORDINATORS`]) and `escalations` escalations (to a
/// coordinator, the [`MANAGER`] or a department; waiting, acknowledged,
/// answered or passed on), each on a case picked at random. Made the way
/// the forms make them (`TaskDraft`, `EscalationDraft`), as of the days
/// before `now`.
pub fn followups(
    seed: u64,
    files: &mut [CaseFile],
    tasks: usize,
    escalations: usize,
    now: DateTime<Utc>,
) {
    use crate::followup::{Answer, EscalationDraft, Recipient, Response, TaskDraft, TaskStatus};
    use crate::reference::{TaskKind, Urgency};
    let mut rng = Rng::new(seed ^ 0x7A5C);
    let today = now.date_naive();
    let actor = |user: &str, at: DateTime<Utc>| Actor {
        user: user.into(),
        now: at,
        today: at.date_naive(),
    };
    for _ in 0..tasks {
        let f = rng.below(files.len());
        // Ten days overdue to two weeks ahead, made up to three days
        // before it was due (and before now).
        let due = today + Duration::days(rng.below(25) as i64 - 10);
        let made = now.min(due.and_hms_opt(8, 0, 0).expect("8:00").and_utc())
            - Duration::hours(rng.below(72) as i64);
        let owner = *rng.pick(COORDINATORS);
        let mut task = TaskDraft {
            kind: ident(rng.pick(TaskKind::ALL)),
            title: rng.pick(TASKS).to_string(),
            due: due.to_string(),
            time: if rng.below(3) == 0 {
                format!("{}:{:02}", 8 + rng.below(10), 15 * rng.below(4))
            } else {
                String::new()
            },
            owner: owner.into(),
            notes: String::new(),
        }
        .validate(
            rng.id(made.timestamp_millis() as u64),
            None,
            &actor(owner, made),
        )
        .expect("sample tasks are valid");
        task.status = match rng.below(10) {
            0..=6 => TaskStatus::Open,
            7 | 8 => TaskStatus::Done {
                by: owner.into(),
                at: made + Duration::hours(2),
            },
            _ => TaskStatus::Cancelled {
                reason: "Family no longer needs it.".into(),
                by: owner.into(),
                at: made + Duration::hours(2),
            },
        };
        files[f].case.tasks.push(task);
    }
    for _ in 0..escalations {
        let f = rng.below(files.len());
        let at = now - Duration::minutes(rng.below(3 * 24 * 60) as i64);
        let by = *rng.pick(COORDINATORS);
        let account = |username: &str| Recipient::Account {
            username: username.into(),
            name: username.into(),
        };
        let to = match rng.below(4) {
            0 => Recipient::Department {
                name: rng.pick(DEPARTMENTS).to_string(),
            },
            1 => account(MANAGER),
            _ => account(COORDINATORS[rng.below(COORDINATORS.len())]),
        };
        let mut x = EscalationDraft {
            to: Some(to.clone()),
            reason: rng.pick(REASONS).to_string(),
            urgency: ident(rng.pick(Urgency::ALL)),
            task: files[f].case.tasks.first().map(|t| t.id),
        }
        .validate(rng.id(at.timestamp_millis() as u64), &actor(by, at))
        .expect("sample escalations are valid");
        let holder = to.username().unwrap_or(MANAGER);
        let answer = match rng.below(6) {
            0 | 1 => None,
            2 | 3 => Some(Answer::Acknowledged),
            4 => Some(Answer::Answered {
                note: "Met the family; the plan stands.".into(),
            }),
            _ => Some(Answer::PassedOn {
                to: account(COORDINATORS[rng.below(COORDINATORS.len())]),
                note: "You know the family.".into(),
            }),
        };
        if let Some(answer) = answer {
            let at = at + Duration::minutes(rng.below(60) as i64);
            x.responses.push(Response {
                id: rng.id(at.timestamp_millis() as u64),
                escalation: x.id,
                answer,
                by: holder.into(),
                at,
            });
        }
        files[f].case.escalations.push(x);
    }
}

/// A fixed "now" for reproducible samples.
pub fn reference_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_deterministic_and_complete() {
        let a = caseload(7, 20, 10, reference_now());
        let b = caseload(7, 20, 10, reference_now());
        assert_eq!(a, b);
        assert_eq!(a.len(), 20);
        assert!(a.iter().all(|f| f.interactions.len() == 10));
        assert_ne!(a, caseload(8, 20, 10, reference_now()));
        let s = structure();
        assert!(s.check().is_ok());
        assert!(
            a.iter().all(|f| s.resolve(&f.case.patient.unit).is_some()),
            "every sample unit resolves"
        );
    }

    /// The follow-ups are deterministic, pass the checks any receiver
    /// makes, and give My day every kind of row to show.
    #[test]
    fn sample_followups_fill_every_section_of_my_day() {
        use crate::change::{Change, Op};
        use crate::followup::my_day::{MyDay, Section, Viewer};
        use crate::followup::{Standing, TaskStatus, Windows};
        use crate::hlc::Timestamp;
        use crate::log::{CaseLog, Entry};

        let now = reference_now();
        let mut a = caseload(3, 200, 0, now);
        followups(3, &mut a, 800, 60, now);
        let mut b = caseload(3, 200, 0, now);
        followups(3, &mut b, 800, 60, now);
        assert_eq!(a, b);
        let tasks: Vec<_> = a.iter().flat_map(|f| &f.case.tasks).collect();
        let escalations: Vec<_> = a.iter().flat_map(|f| &f.case.escalations).collect();
        assert_eq!((tasks.len(), escalations.len()), (800, 60));
        let done = |t: &&&crate::followup::Task| matches!(t.status, TaskStatus::Done { .. });
        assert!(tasks.iter().filter(done).count() > 80);
        assert!(tasks.iter().filter(|t| t.is_open()).count() > 400);
        for who in COORDINATORS {
            assert!(tasks.iter().any(|t| t.owner == *who), "{who} owns tasks");
        }
        let standing =
            |s: fn(&Standing) -> bool| escalations.iter().filter(|x| s(&x.standing())).count();
        assert!(standing(|s| matches!(s, Standing::Waiting { .. })) > 10);
        assert!(standing(|s| matches!(s, Standing::Acknowledged { .. })) > 10);
        assert!(standing(|s| *s == Standing::Answered) > 3);

        // As changes, they pass every receiver's checks and fold back.
        for f in a.iter().take(40) {
            let mut case = f.case.clone();
            let (tasks, escalations) = (
                std::mem::take(&mut case.tasks),
                std::mem::take(&mut case.escalations),
            );
            let mut ops = vec![Op::Open {
                case: Box::new(case),
            }];
            ops.extend(tasks.iter().map(|t| Op::AddTask {
                task: Box::new(t.clone()),
            }));
            for x in &escalations {
                let mut bare = x.clone();
                bare.responses.clear();
                ops.push(Op::Escalate {
                    escalation: Box::new(bare),
                });
                ops.extend(x.responses.iter().map(|r| Op::Respond {
                    response: Box::new(r.clone()),
                }));
            }
            let mut log = CaseLog::default();
            for (n, op) in ops.into_iter().enumerate() {
                let id = Id::new_v7(1_790_000_000_000 + n as u64, [n as u8; 10]);
                let change = Change {
                    id,
                    case_id: f.case.id,
                    device: id,
                    seq: 1,
                    hlc: Timestamp {
                        wall_ms: 1_790_000_000_000 + n as u64,
                        counter: 0,
                        node: 1,
                    },
                    by: f.case.created_by.clone(),
                    at: now,
                    op,
                };
                assert_eq!(change.check(), Ok(()), "{change:?}");
                log.put(Entry {
                    change,
                    synced: Some(n as u64 + 1),
                    refused: None,
                });
            }
            let folded = log.fold().unwrap();
            assert_eq!(folded.case.tasks, tasks);
            assert_eq!(folded.case.escalations, escalations);
        }

        let local = |t: DateTime<Utc>| t.naive_utc();
        let viewer = Viewer {
            me: COORDINATORS[0],
            manager: true,
            now: now.naive_utc(),
            windows: Windows::default(),
            local: &local,
        };
        let day = MyDay::new(&a, &viewer);
        for s in Section::ALL {
            if *s != Section::Discharges {
                assert!(day.section(*s).next().is_some(), "{s:?} has rows");
            }
        }
    }
}
