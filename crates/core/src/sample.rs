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
}
