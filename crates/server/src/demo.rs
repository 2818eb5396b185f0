//! `advocase-server seed-demo`: a demo hospital to look around in: units
//! and departments, a directory of about 60 entries, a few accounts whose
//! passwords it prints, and a realistic caseload from the core's sample
//! generator, pushed through the same path a tablet's changes take.
//!
//! It never touches a real database: it marks the one it seeds
//! (`server_meta` key `demo`), and refuses a database that holds accounts
//! but no such mark. Seeding again reprints the accounts and adds nothing.
//! The demo passwords are kept in that database in the clear, so they can
//! be printed again: they open nothing but demo data.

use advocase_core::access::{Role, User};
use advocase_core::directory::wire::SaveEntry;
use advocase_core::directory::{
    Department, DepartmentKind, Entry, EntryKind, Phone, PhoneKind, Structure, Unit,
};
use advocase_core::id::Id;
use advocase_core::reference::{CaseKind, ComplaintCategory};
use advocase_core::replica::Replica;
use advocase_core::sync::{MAX_BATCH, PushRequest};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::accounts;
use crate::db::Db;
use crate::directory::{entries, structure};
use advocase_core::sync::NewUser;

/// A demo account, as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoAccount {
    pub username: String,
    pub role: String,
    pub password: String,
    pub covers: Vec<String>,
}

/// (name, code, location) of each unit: the sample caseload's units.
const UNITS: &[(&str, &str, &str)] = &[
    ("4 West", "4W", "Floor 4, West wing"),
    ("5 East", "5E", "Floor 5, East wing"),
    ("Intensive Care Unit", "ICU", "Floor 2"),
    ("Cardiology", "CARD", "Floor 3, North tower"),
    ("Oncology", "ONC", "Floor 6"),
    ("Maternity", "MAT", "Floor 1, South wing"),
    ("Orthopaedics", "ORTH", "Floor 3, South tower"),
    ("Emergency Department", "ED", "Ground floor"),
];

/// Departments and services, each with who answers there: (department,
/// kind, entry name, title, topics, case kinds, categories, phone, kind,
/// languages, hours).
type Service = (
    &'static str,
    DepartmentKind,
    &'static str,
    &'static str,
    &'static str,
    &'static [CaseKind],
    &'static [ComplaintCategory],
    &'static str,
    PhoneKind,
    &'static [&'static str],
    &'static str,
);

#[rustfmt::skip]
const SERVICES: &[Service] = {
    use CaseKind as K;
    use ComplaintCategory as C;
    use DepartmentKind::{Department as D, Service as S};
    use PhoneKind::{Extension as X, Pager as P, Voice as V};
    &[
        ("Patient Financial Services", D, "Billing office", "Billing counsellors", "billing disputes, itemised bills, payment plans, financial assistance", &[K::BillingInsurance], &[C::InstitutionalProcesses], "555 010 4410", V, &["Spanish"], "Mon–Fri 8:00–16:30"),
        ("Patient Financial Services", D, "Dana Whitfield", "Billing specialist", "billing disputes, duplicate charges, collections", &[K::BillingInsurance], &[], "4411", X, &[], "Mon–Thu 8:00–16:00"),
        ("Patient Financial Services", D, "Insurance verification", "Pre-authorisation team", "insurance denials, pre-authorisation, coverage questions, prior authorization", &[K::BillingInsurance, K::CareCoordination], &[], "555 010 4420", V, &[], "Mon–Fri 7:30–17:00"),
        ("Health Information Management", D, "Medical records (release of information)", "Release-of-information desk", "medical records requests, copies of records, amendments, portal access", &[K::RecordsRequest], &[], "555 010 4600", V, &["Spanish"], "Mon–Fri 8:00–16:00"),
        ("Health Information Management", D, "Priya Raman", "HIM supervisor", "records amendments, urgent records requests", &[K::RecordsRequest], &[], "4601", X, &[], "Mon–Fri 9:00–17:00"),
        ("Language Services", S, "Interpreter line", "Phone and video interpreters, 240 languages", "interpreter, translation, sign language, ASL", &[], &[C::Communication], "555 010 4500", V, &["Spanish", "Mandarin", "Arabic", "Vietnamese", "ASL"], "24/7"),
        ("Language Services", S, "Marisol Vega", "Staff Spanish interpreter", "in-person interpreting, consent conversations", &[], &[C::Communication], "4502", X, &["Spanish"], "Mon–Fri 7:00–15:30"),
        ("Patient Relations", D, "Patient relations lead", "Grievance coordinator", "formal grievances, written responses, CMS grievance process", &[K::Grievance, K::Complaint], &[C::Listening, C::Communication, C::RespectAndRights], "555 010 4400", V, &[], "Mon–Fri 8:00–17:00"),
        ("Patient Relations", D, "Grace Okafor", "Patient advocate manager", "escalations, complex grievances, media or legal threats", &[K::Grievance], &[C::Safety, C::RespectAndRights], "4403", X, &[], "Mon–Fri 8:30–17:00"),
        ("Nursing Administration", D, "House supervisor on call", "Nursing supervisor", "after-hours escalations, staffing, bed placement", &[K::Complaint, K::Concern], &[C::Quality, C::Safety, C::Environment], "2200", P, &[], "24/7; page after 17:00 and at weekends"),
        ("Nursing Administration", D, "Director of nursing", "Chief nursing officer's office", "nursing care complaints, staff conduct", &[K::Grievance], &[C::Quality, C::RespectAndRights], "555 010 4700", V, &[], "Mon–Fri 8:00–17:00"),
        ("Case Management", D, "Case management office", "Case managers and discharge planners", "discharge planning, placement, home health, durable medical equipment", &[K::DischargePlanning, K::CareCoordination], &[C::InstitutionalProcesses], "555 010 4800", V, &[], "Mon–Sun 8:00–18:00"),
        ("Case Management", D, "Tomás Herrera", "Discharge planner", "skilled nursing placement, rehab transfers", &[K::DischargePlanning], &[], "4805", X, &["Spanish"], "Mon–Fri 8:00–16:30"),
        ("Social Work", D, "Social work on call", "Medical social workers", "housing, transport home, financial hardship, family conflict, safeguarding", &[K::CareCoordination, K::DischargePlanning], &[], "2300", P, &[], "24/7"),
        ("Pharmacy", D, "Inpatient pharmacy", "Pharmacists", "medication questions, discharge prescriptions, prior authorization for drugs", &[K::Concern], &[C::Safety], "4300", X, &[], "24/7"),
        ("Spiritual Care", S, "Chaplaincy", "Chaplains of several faiths", "spiritual care, end of life, bereavement, prayer", &[], &[], "555 010 4900", V, &["Spanish"], "24/7 on call"),
        ("Ethics", S, "Ethics consultation", "Clinical ethics committee", "consent, capacity, advance directives, end-of-life decisions", &[K::RightsQuestion], &[C::RespectAndRights], "2400", P, &[], "24/7 on call"),
        ("Privacy Office", D, "Privacy officer", "HIPAA privacy officer", "confidentiality, privacy complaints, records disclosed in error", &[K::Complaint, K::RecordsRequest], &[C::RespectAndRights], "555 010 4950", V, &[], "Mon–Fri 8:00–16:30"),
        ("Risk Management", D, "Risk management", "Risk and patient safety", "incidents, falls, medication errors, legal threats, harm", &[K::Grievance], &[C::Safety], "555 010 4960", V, &[], "Mon–Fri 8:00–17:00; on call after"),
        ("Scheduling", D, "Central scheduling", "Appointments and follow-up visits", "appointments, follow-up visits, rescheduling, specialist referral", &[K::CareCoordination], &[C::InstitutionalProcesses], "555 010 5000", V, &["Spanish", "Mandarin"], "Mon–Fri 7:00–19:00"),
        ("Scheduling", D, "Referral office", "Specialist referrals", "specialist referral, second opinions, outside referrals", &[K::CareCoordination], &[], "5010", X, &[], "Mon–Fri 8:00–16:30"),
        ("Radiology", D, "Radiology scheduling", "Imaging appointments", "MRI, CT, imaging results, waiting times for scans", &[K::CareCoordination], &[C::InstitutionalProcesses], "5100", X, &[], "Mon–Sat 7:00–19:00"),
        ("Facilities", S, "Facilities help desk", "Maintenance", "broken call bell, heating, noise, room repairs", &[K::Concern], &[C::Environment], "5200", X, &[], "24/7"),
        ("Environmental Services", S, "Environmental services", "Housekeeping", "cleanliness, room cleaning, linen", &[K::Complaint], &[C::Environment], "5210", X, &[], "24/7"),
        ("Food and Nutrition", S, "Food and nutrition", "Patient meals and dietitians", "food, special diets, meal times, allergies", &[K::Complaint], &[C::Environment], "5300", X, &["Spanish"], "6:00–20:00"),
        ("Security", S, "Security control room", "Security officers", "lost property, visitor conduct, violence, parking", &[K::Concern], &[C::Safety], "5555", X, &[], "24/7"),
        ("Patient Transport", S, "Patient transport", "Porters and transport", "transport home, wheelchair, ambulance booking", &[K::DischargePlanning], &[], "5400", X, &[], "24/7"),
        ("Volunteer Services", S, "Volunteer services", "Volunteers", "companionship, errands, comfort items", &[K::Compliment], &[], "5450", X, &[], "Mon–Fri 9:00–17:00"),
        ("Quality", D, "Quality improvement", "Quality and accreditation", "compliments, survey results, recurring themes", &[K::Compliment], &[C::Quality], "555 010 5500", V, &[], "Mon–Fri 8:00–16:30"),
        ("Compliance", D, "Compliance hotline", "Anonymous reporting", "fraud, billing compliance, EMTALA, regulatory", &[K::Grievance], &[C::InstitutionalProcesses], "1 800 555 0199", V, &["Spanish"], "24/7"),
        ("Patient Access", D, "Admitting", "Admissions and registration", "admission, registration errors, bed assignment", &[K::Concern], &[C::InstitutionalProcesses], "5600", X, &[], "24/7"),
        ("Palliative Care", D, "Palliative care team", "Symptom control and goals of care", "pain control, goals of care, hospice referral", &[K::CareCoordination], &[C::Quality], "5700", X, &[], "Mon–Fri 8:00–17:00; on call after"),
        ("Rehabilitation", D, "Physical therapy", "Inpatient therapists", "mobility, rehab after surgery, equipment at home", &[K::CareCoordination], &[], "5800", X, &[], "Mon–Sat 7:30–16:00"),
        ("Medical Staff Office", D, "Medical staff office", "Physician relations", "complaints about physicians, second opinion requests", &[K::Grievance, K::Complaint], &[C::Communication, C::Listening], "555 010 5900", V, &[], "Mon–Fri 8:00–16:30"),
        ("Health Information Management", D, "Patient portal support", "MyChart help desk", "portal access, proxy access, messages to the care team", &[K::RecordsRequest], &[C::Communication], "555 010 4650", V, &["Spanish"], "Mon–Fri 7:00–19:00"),
        ("Patient Relations", D, "Patient rights information", "Rights and responsibilities", "patient rights, advance directives, visitation rules", &[K::RightsQuestion], &[C::RespectAndRights], "4405", X, &["Spanish", "Mandarin"], "Mon–Fri 8:00–17:00"),
    ]
};

const PEOPLE: &[&str] = &[
    "Aisha Bello",
    "Ben Carter",
    "Chloe Dubois",
    "Dmitri Volkov",
    "Elena Rossi",
    "Farid Haddad",
    "Hana Sato",
    "Ivan Petrov",
    "Julia Berg",
    "Kwame Mensah",
    "Lucía Fernández",
    "Mei Chen",
    "Nora Byrne",
    "Omar Aziz",
    "Paula Silva",
    "Rafael Costa",
    "Sara Lindqvist",
    "Tariq Khan",
    "Uma Patel",
    "Victor Nguyen",
    "Wen Li",
    "Yara Haddad",
    "Zoe Martin",
    "Arjun Rao",
];

fn id(random: &mut impl RngCore, at_ms: u64) -> Id {
    let mut r = [0u8; 10];
    random.fill_bytes(&mut r);
    Id::new_v7(at_ms, r)
}

/// Two capitalised words are a person ("Dana Whitfield"); someone on call
/// or in charge is a role; the rest are services.
fn kind_of(name: &str) -> EntryKind {
    let words: Vec<&str> = name.split(' ').collect();
    if words.len() == 2
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
    {
        EntryKind::Person
    } else if ["on call", "lead", "officer", "Director"]
        .iter()
        .any(|r| name.contains(r))
    {
        EntryKind::Role
    } else {
        EntryKind::Service
    }
}

fn password() -> String {
    // 16 letters and digits without look-alikes: easy to type from the screen.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// The demo's structure.
pub fn structure(now_ms: u64) -> Structure {
    let mut rng = OsRng;
    let mut departments: Vec<Department> = Vec::new();
    for s in SERVICES {
        if !departments.iter().any(|d| d.name == s.0) {
            departments.push(Department {
                id: id(&mut rng, now_ms),
                name: s.0.into(),
                kind: s.1,
                ..Department::default()
            });
        }
    }
    Structure {
        units: UNITS
            .iter()
            .map(|(name, code, location)| Unit {
                id: id(&mut rng, now_ms),
                name: (*name).into(),
                code: (*code).into(),
                location: (*location).into(),
                ..Unit::default()
            })
            .collect(),
        departments,
        ..Structure::default()
    }
}

/// The demo's directory: the services above, then for each unit its
/// charge nurse (a role), its nurse manager and its social worker.
pub fn directory(today: chrono::NaiveDate, now_ms: u64) -> Vec<Entry> {
    let mut rng = OsRng;
    let mut out: Vec<Entry> = SERVICES
        .iter()
        .enumerate()
        .map(|(i, s)| Entry {
            id: id(&mut rng, now_ms),
            kind: kind_of(s.2),
            name: s.2.into(),
            title: s.3.into(),
            department: s.0.into(),
            topics: s.4.into(),
            case_kinds: s.5.to_vec(),
            categories: s.6.to_vec(),
            phones: vec![Phone {
                number: s.7.into(),
                kind: s.8,
                languages: s.9.iter().map(|l| (*l).to_owned()).collect(),
            }],
            hours: s.10.into(),
            // A few not checked for a long time, so the mark shows.
            verified_on: Some(
                today
                    - chrono::Duration::days(if i % 9 == 4 {
                        240
                    } else {
                        20 + (i as i64 * 3) % 90
                    }),
            ),
            verified_by: "Patient Relations".into(),
            ..Entry::default()
        })
        .collect();
    let mut people = PEOPLE.iter();
    for (n, (name, code, _)) in UNITS.iter().enumerate() {
        let ext = 6000 + n as u32 * 10;
        out.push(Entry {
            id: id(&mut rng, now_ms),
            kind: EntryKind::Role,
            name: format!("{name} charge nurse"),
            title: "Charge nurse on shift".into(),
            department: "Nursing Administration".into(),
            units: vec![(*code).into()],
            topics: "care on the unit tonight, call bells, pain relief delays, visiting".into(),
            case_kinds: vec![CaseKind::Concern, CaseKind::Complaint],
            categories: vec![ComplaintCategory::Quality, ComplaintCategory::Communication],
            phones: vec![Phone {
                number: ext.to_string(),
                kind: PhoneKind::Extension,
                languages: vec![],
            }],
            hours: "24/7, whoever is in charge".into(),
            verified_on: Some(today - chrono::Duration::days(10 + n as i64)),
            ..Entry::default()
        });
        for (title, topics, kinds, dept) in [
            (
                "Nurse manager",
                "staffing, nursing complaints, family meetings",
                vec![CaseKind::Grievance, CaseKind::Complaint],
                "Nursing Administration",
            ),
            (
                "Unit social worker",
                "discharge home, family support, transport, housing",
                vec![CaseKind::DischargePlanning, CaseKind::CareCoordination],
                "Social Work",
            ),
        ] {
            let Some(person) = people.next() else { break };
            out.push(Entry {
                id: id(&mut rng, now_ms),
                kind: EntryKind::Person,
                name: (*person).into(),
                title: format!("{title}, {name}"),
                department: dept.into(),
                units: vec![(*code).into()],
                topics: topics.into(),
                case_kinds: kinds,
                phones: vec![Phone {
                    number: (ext + out.len() as u32 % 9 + 1).to_string(),
                    kind: PhoneKind::Extension,
                    languages: vec![],
                }],
                hours: "Mon–Fri 8:00–16:30".into(),
                on_call: "Out of hours: the charge nurse".into(),
                verified_on: Some(today - chrono::Duration::days(30 + out.len() as i64)),
                ..Entry::default()
            });
        }
    }
    out
}

#[derive(Debug)]
pub enum DemoError {
    /// The database holds accounts and is not a demo's.
    NotADemo,
    Failed(String),
}

impl std::fmt::Display for DemoError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DemoError::NotADemo => f.write_str("this database holds accounts and is not a demo database: the demo never touches real data. Give it a database of its own (scripts/run --demo uses data/demo.db)."),
            DemoError::Failed(e) => write!(f, "the demo could not be seeded: {e}"),
        }
    }
}

fn failed(e: impl std::fmt::Display) -> DemoError {
    DemoError::Failed(e.to_string())
}

/// Seeds `db` with the demo hospital unless it already is the demo, and
/// returns the demo accounts.
pub async fn seed(
    db: &Db,
    cases: usize,
    now: DateTime<Utc>,
) -> Result<Vec<DemoAccount>, DemoError> {
    let marked: Option<String> = sqlx::query("SELECT value FROM server_meta WHERE key = 'demo'")
        .fetch_optional(&db.pool)
        .await
        .map_err(failed)?
        .map(|r| r.try_get("value"))
        .transpose()
        .map_err(failed)?;
    if let Some(accounts) = marked {
        return serde_json::from_str(&accounts).map_err(failed);
    }
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&db.pool)
        .await
        .map_err(failed)?;
    if users > 0 {
        return Err(DemoError::NotADemo);
    }
    let now_ms = now.timestamp_millis() as u64;
    let accounts = [
        ("admin", "Alex Admin", Role::Admin, vec![]),
        ("manager", "Morgan Manager", Role::Manager, vec![]),
        (
            "ana",
            "Ana Ruiz",
            Role::Coordinator,
            vec!["4W", "5E", "ICU"],
        ),
        (
            "ben",
            "Ben Okoro",
            Role::Coordinator,
            vec!["CARD", "ONC", "ORTH"],
        ),
        ("cy", "Cy Laurent", Role::Coordinator, vec!["MAT", "ED"]),
    ];
    // Marked first, in its own statement: a seed that fails half-way is
    // still a demo database, and a rerun refuses nothing real.
    let printed: Vec<DemoAccount> = accounts
        .iter()
        .map(|(username, _, role, units)| DemoAccount {
            username: (*username).into(),
            role: role.label().into(),
            password: password(),
            covers: units.iter().map(|u| (*u).to_owned()).collect(),
        })
        .collect();
    let mut made: Vec<User> = Vec::new();
    sqlx::query("INSERT INTO server_meta (key, value) VALUES ('demo', $1)")
        .bind(serde_json::to_string(&printed).expect("serializes"))
        .execute(&db.pool)
        .await
        .map_err(failed)?;
    for ((username, name, role, units), p) in accounts.iter().zip(&printed) {
        let new = NewUser {
            username: (*username).into(),
            display_name: (*name).into(),
            role: *role,
            units: units.iter().map(|u| (*u).to_owned()).collect(),
            password: p.password.clone(),
        };
        made.push(accounts::create(db, &new, now_ms).await.map_err(failed)?);
    }
    structure::store(db, structure(now_ms), "admin", now_ms)
        .await
        .map_err(failed)?
        .map_err(|r| failed(format!("{r:?}")))?;
    for entry in directory(now.date_naive(), now_ms) {
        match entries::store(db, &SaveEntry { base: 0, entry }, "admin", now_ms)
            .await
            .map_err(failed)?
        {
            entries::Saved::Stored(_) => {}
            other => return Err(failed(format!("{other:?}"))),
        }
    }
    // The caseload: the sample generator's cases, each opened by the
    // coordinator who covers its unit (the manager for the rest), pushed
    // in batches as that person's tablet would.
    let structure = structure::newest(&db.pool).await.map_err(failed)?;
    let mut files = advocase_core::sample::caseload(now_ms, cases, 6, now);
    let owner = |unit: &str| -> &User {
        let wanted = structure.unit_ref(unit);
        made.iter()
            .find(|u| {
                u.role == Role::Coordinator
                    && u.units.iter().any(|c| structure.unit_ref(c) == wanted)
            })
            .unwrap_or(&made[1])
    };
    let mut by_user: std::collections::BTreeMap<String, Vec<advocase_core::caseload::CaseFile>> =
        Default::default();
    for f in files.drain(..) {
        let user = owner(&f.case.patient.unit).username.clone();
        let mut f = f;
        f.case.created_by = user.clone();
        f.case.assignee = user.clone();
        for i in &mut f.interactions {
            i.by = user.clone();
        }
        by_user.entry(user).or_default().push(f);
    }
    let mut rng = OsRng;
    for (username, files) in by_user {
        let user = made
            .iter()
            .find(|u| u.username == username)
            .expect("made")
            .clone();
        let mut replica = Replica::new(id(&mut rng, now_ms));
        for f in &files {
            replica.import(f, now_ms);
        }
        loop {
            let changes = replica.outbox(MAX_BATCH);
            if changes.is_empty() {
                break;
            }
            let req = PushRequest {
                device: replica.state.device,
                changes: changes.clone(),
            };
            let answer = crate::changes::push(db, &user, &req, now_ms)
                .await
                .map_err(failed)?;
            replica.on_push(&changes, &answer.results);
        }
    }
    Ok(printed)
}
