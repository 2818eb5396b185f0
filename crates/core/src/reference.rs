//! The reference vocabulary shipped as defaults: kinds of case, complaint
//! categories, interaction channels, the parties a coordinator deals with, and
//! the grievance rules, each with the public source a coordinator can cite.
//!
//! The serde names are stable identifiers: they are stored on devices and on
//! the server, so renaming a label is free but renaming a variant is a
//! migration.

use std::fmt;

use serde::Serialize;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// The stored identifier of a vocabulary value (`bedside_visit`): what forms
/// carry and storage keeps. For any serde type; code the client runs uses
/// [`Identified::ident`], which is not compiled once per type.
pub fn ident<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|j| j.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// The value an identifier stands for; `None` for one this build does not
/// know (from an older or newer client). Code the client runs uses
/// [`Identified::from_ident`].
pub fn from_ident<T: DeserializeOwned>(ident: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(ident.trim().to_owned())).ok()
}

/// A fieldless enum stored as its variant's name in snake_case
/// (`BedsideVisit` is `"bedside_visit"`), byte for byte what serde's
/// `#[serde(rename_all = "snake_case")]` derive writes and reads. Its serde
/// goes through [`identified!`](crate::identified!): one table of names per
/// type and one shared reader, where the derive compiled a visitor, an
/// enum reader and an identifier reader of its own for every enum, into
/// every struct holding one (README, Size).
pub trait Identified: Copy + 'static {
    /// Every value, in declaration order.
    const VALUES: &'static [Self];
    /// Their identifiers, in the same order.
    const IDENTS: &'static [&'static str];

    /// Where `self` is in [`Self::VALUES`].
    fn index(self) -> usize;

    fn ident(self) -> &'static str {
        Self::IDENTS[self.index()]
    }

    /// The value `ident` (trimmed) stands for; `None` for one this build
    /// does not know.
    fn from_ident(ident: &str) -> Option<Self> {
        position(Self::IDENTS, ident.trim()).map(|i| Self::VALUES[i])
    }
}

/// Where `name` is in `names`. Not generic: every vocabulary shares it.
#[inline(never)]
pub fn position(names: &[&str], name: &str) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

/// Reads an identifier out of `names`, as its position. Generic over the
/// deserializer only, so every [`Identified`] type shares one instance.
pub fn read_ident<'de, D: Deserializer<'de>>(
    d: D,
    names: &'static [&'static str],
) -> Result<usize, D::Error> {
    d.deserialize_str(IdentVisitor(names))
}

struct IdentVisitor(&'static [&'static str]);

impl Visitor<'_> for IdentVisitor {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("variant identifier")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        position(self.0, v).ok_or_else(|| E::unknown_variant(v, self.0))
    }
}

/// The length of `camel` in snake_case (for [`snake`]).
#[doc(hidden)]
pub const fn snake_len(camel: &str) -> usize {
    let b = camel.as_bytes();
    let mut n = b.len();
    let mut i = 1;
    while i < b.len() {
        if b[i].is_ascii_uppercase() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// `camel` in snake_case, serde's `rename_all = "snake_case"` rule for
/// variants: an underscore before every capital but the first, and
/// lowercase. At compile time: the names are constants.
#[doc(hidden)]
pub const fn snake<const N: usize>(camel: &str) -> [u8; N] {
    let b = camel.as_bytes();
    let mut out = [0u8; N];
    let (mut i, mut j) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_uppercase() {
            if i > 0 {
                out[j] = b'_';
                j += 1;
            }
            out[j] = c.to_ascii_lowercase();
        } else {
            out[j] = c;
        }
        i += 1;
        j += 1;
    }
    out
}

/// Implements [`Identified`], `Serialize` and `Deserialize` for a
/// fieldless enum, every variant listed in declaration order (checked at
/// compile time): `identified!(Priority { Low, Medium, High, Urgent })`.
#[macro_export]
macro_rules! identified {
    ($ty:ident { $($variant:ident),+ $(,)? }) => {
        impl $crate::reference::Identified for $ty {
            const VALUES: &'static [Self] = &[$($ty::$variant),+];
            const IDENTS: &'static [&'static str] = &[$({
                const BYTES: [u8; $crate::reference::snake_len(stringify!($variant))] =
                    $crate::reference::snake(stringify!($variant));
                match ::core::str::from_utf8(&BYTES) {
                    Ok(s) => s,
                    Err(_) => panic!("variant names are ASCII"),
                }
            }),+];

            fn index(self) -> usize {
                self as usize
            }
        }
        const _: () = {
            // Every variant listed (the match is exhaustive) and in order.
            let _: fn($ty) = |v| match v { $($ty::$variant)|+ => () };
            let values = <$ty as $crate::reference::Identified>::VALUES;
            let mut i = 0;
            while i < values.len() {
                assert!(values[i] as usize == i, "variants listed in declaration order");
                i += 1;
            }
        };
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::reference::Identified::ident(*self))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let i = $crate::reference::read_ident(d, <$ty as $crate::reference::Identified>::IDENTS)?;
                Ok(<$ty as $crate::reference::Identified>::VALUES[i])
            }
        }
    };
}

/// A citation shown next to reference material in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    pub title: &'static str,
    pub detail: &'static str,
}

pub const GRIEVANCE_SOURCE: Source = Source {
    title: "42 CFR 482.13(a)(2); CMS State Operations Manual, Appendix A",
    detail: "Medicare Conditions of Participation, patient's rights; interpretive guidance for tags A-0118 to A-0123.",
};

pub const TAXONOMY_SOURCE: Source = Source {
    title: "Healthcare Complaints Analysis Tool (HCAT)",
    detail: "Reader, Gillespie & Roberts, \"Patient complaints in healthcare systems: a systematic review and coding taxonomy\", BMJ Quality & Safety 2014;23:678-689.",
};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        $crate::identified!($name { $($variant),+ });

        impl $name {
            /// Every value, in the order the app lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The words a coordinator reads.
            pub const fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }
    };
}

vocabulary! {
    /// What a case is about. Compliments are recorded too: they feed the reports.
    CaseKind {
        Concern => "Concern",
        Complaint => "Complaint",
        Grievance => "Grievance",
        RightsQuestion => "Rights question",
        CareCoordination => "Care coordination",
        BillingInsurance => "Billing / insurance",
        RecordsRequest => "Medical-records request",
        DischargePlanning => "Discharge planning",
        Compliment => "Compliment",
    }
}

vocabulary! {
    /// The HCAT domains that group complaint categories.
    ComplaintDomain {
        Clinical => "Clinical",
        Management => "Management",
        Relationships => "Relationships",
    }
}

vocabulary! {
    /// HCAT's seven top-level complaint categories.
    ComplaintCategory {
        Quality => "Quality",
        Safety => "Safety",
        Environment => "Environment",
        InstitutionalProcesses => "Institutional processes",
        Listening => "Listening",
        Communication => "Communication",
        RespectAndRights => "Respect and patient rights",
    }
}

impl ComplaintCategory {
    pub const fn domain(self) -> ComplaintDomain {
        use ComplaintCategory::*;
        match self {
            Quality | Safety => ComplaintDomain::Clinical,
            Environment | InstitutionalProcesses => ComplaintDomain::Management,
            Listening | Communication | RespectAndRights => ComplaintDomain::Relationships,
        }
    }

    /// What typically falls in the category, to help a coordinator choose.
    pub const fn examples(self) -> &'static str {
        use ComplaintCategory::*;
        match self {
            Quality => "care or treatment below standard, examinations, diagnosis, nursing care",
            Safety => "errors, incidents, medication problems, falls, skill of staff",
            Environment => "cleanliness, food, noise, facilities, staffing levels",
            InstitutionalProcesses => {
                "waiting times, delays, admission, discharge or transfer, access, bureaucracy, billing"
            }
            Listening => "patient or family not listened to, concerns dismissed",
            Communication => "missing, wrong or confusing information; not kept informed",
            RespectAndRights => {
                "disrespect, dignity, consent, confidentiality, discrimination, abuse"
            }
        }
    }
}

vocabulary! {
    /// How an interaction took place.
    Channel {
        BedsideVisit => "Bedside visit",
        Phone => "Phone call",
        Email => "E-mail",
        Letter => "Letter",
        VideoCall => "Video call",
        Meeting => "Meeting",
        WalkIn => "Walk-in at the office",
        PortalMessage => "Patient-portal message",
    }
}

impl Channel {
    /// A complaint received in writing is always a grievance (CMS, A-0118).
    pub const fn is_written(self) -> bool {
        matches!(
            self,
            Channel::Email | Channel::Letter | Channel::PortalMessage
        )
    }
}

vocabulary! {
    /// Who the coordinator dealt with.
    Party {
        Patient => "Patient",
        FamilyOrRepresentative => "Family member or legal representative",
        Physician => "Physician",
        Nurse => "Nurse",
        OtherClinician => "Other clinician",
        Department => "Department",
        Insurer => "Insurer",
        Supervisor => "Supervisor",
        ExternalBody => "External body (QIO, ombudsman, regulator)",
    }
}

vocabulary! {
    /// Who usually sees to a discharge-planning item.
    Responsible {
        Patient => "Patient",
        Family => "Family or caregiver",
        Coordinator => "Coordinator",
        Nurse => "Nurse",
        Physician => "Physician",
        SocialWork => "Social work",
        Pharmacy => "Pharmacy",
        CaseManagement => "Case management",
    }
}

vocabulary! {
    /// Where the patient goes after discharge.
    Destination {
        Home => "Home",
        HomeWithServices => "Home with home-health services",
        SkilledNursing => "Skilled nursing facility",
        Rehabilitation => "Inpatient rehabilitation",
        OtherFacility => "Other facility or hospital",
        Hospice => "Hospice",
    }
}

vocabulary! {
    /// What a follow-up (a task on a case) is for.
    TaskKind {
        Appointment => "Appointment",
        Referral => "Specialist referral",
        RecordsRequest => "Records request",
        BillingInsurance => "Billing / insurance",
        CallBack => "Call back",
        Interpreter => "Interpreter",
        RightsInformation => "Rights information",
        Other => "Other",
    }
}

vocabulary! {
    /// How soon an escalation must be acknowledged (the windows are the
    /// server operator's: `followup::escalation::Windows`).
    Urgency {
        Urgent => "Urgent",
        Routine => "Routine",
    }
}

/// Days within which CMS guidance expects a grievance response, on average.
pub const DEFAULT_GRIEVANCE_RESPONSE_DAYS: u32 = 7;

/// The grievance rules in a coordinator's words, for the in-app guide.
pub const GRIEVANCE_RULES: &[&str] = &[
    "A grievance is a written or verbal complaint by a patient or their representative about care, abuse or neglect, the hospital's compliance with the Conditions of Participation, or a Medicare billing-rights complaint, when staff present cannot resolve it at the time.",
    "A written complaint (letter, e-mail, fax, portal message) is always a grievance.",
    "A verbal complaint becomes a grievance when it cannot be resolved on the spot, needs investigation, or the patient asks for it to be handled as one.",
    "Allegations of abuse or neglect are always grievances and need immediate action.",
    "Ordinary billing questions and satisfaction-survey feedback are not grievances unless the patient asks.",
    "Medicare patients' concerns about quality of care or a premature discharge can be referred to the Quality Improvement Organization (QIO).",
    "Respond within 7 days on average. If it will take longer, tell the patient it is still being worked on and give the date a written response will follow.",
    "Close with a written notice naming the hospital contact person, the steps taken to investigate, the results, and the date of completion.",
];

/// The patient's rights a coordinator explains, in a coordinator's words,
/// for the in-app guide; the patient's own sheet says them in plain words
/// (`crate::i18n`, "Your rights as a patient").
pub const PATIENT_RIGHTS: &[&str] = &[
    "Notice of rights: each patient or representative is told their rights, where possible before care is given or stopped (482.13(a)(1)).",
    "Grievances: the patient is told whom to contact, may file spoken or in writing, gets a written response, and may contact the state survey agency whatever the hospital's process (482.13(a)(2)).",
    "Taking part in care: to be informed of their health status, take part in the care plan and discharge plan, make decisions, and request or refuse treatment (482.13(b)(1)-(2)).",
    "Advance directives: to write one and have staff follow it (482.13(b)(3)).",
    "A family member or representative and their own physician told promptly of the admission, if the patient wishes (482.13(b)(4)).",
    "Privacy and safety: personal privacy, care in a safe setting, freedom from abuse and harassment (482.13(c)).",
    "Records: confidentiality, and access to the information in them within a reasonable time (482.13(d)).",
    "Restraint and seclusion only to keep someone safe, never for convenience or punishment (482.13(e)).",
    "Visitors of their choosing, without restriction by race, religion, sex, gender identity, sexual orientation or disability (482.13(h)).",
    "Language: free interpreters and translated vital documents (Section 1557 of the Affordable Care Act, 45 CFR 92.201).",
    "Medicare patients may take quality-of-care concerns or a discharge they think too early to the Quality Improvement Organization (BFCC-QIO).",
];

pub const RIGHTS_SOURCE: Source = Source {
    title: "42 CFR 482.13; 45 CFR 92.201",
    detail: "Medicare Conditions of Participation: patient's rights; CMS State Operations Manual, Appendix A (tags A-0115 to A-0214); Section 1557 of the Affordable Care Act, language access.",
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashSet;

    #[test]
    fn every_category_has_a_domain_and_all_three_domains_are_used() {
        let domains: HashSet<_> = ComplaintCategory::ALL.iter().map(|c| c.domain()).collect();
        assert_eq!(domains.len(), ComplaintDomain::ALL.len());
        assert_eq!(
            ComplaintCategory::ALL.len(),
            7,
            "HCAT has seven top-level categories"
        );
    }

    #[test]
    fn labels_are_unique_within_each_vocabulary() {
        fn unique(labels: impl Iterator<Item = &'static str>) -> bool {
            let v: Vec<_> = labels.collect();
            v.iter().collect::<HashSet<_>>().len() == v.len()
        }
        assert!(unique(CaseKind::ALL.iter().map(|k| k.label())));
        assert!(unique(Channel::ALL.iter().map(|k| k.label())));
        assert!(unique(Party::ALL.iter().map(|k| k.label())));
        assert!(unique(ComplaintCategory::ALL.iter().map(|k| k.label())));
    }

    #[test]
    fn stored_identifiers_are_stable_snake_case() {
        // These strings live in browsers and databases: changing one breaks stored data.
        assert_eq!(
            serde_json::to_string(&CaseKind::RightsQuestion).unwrap(),
            r#""rights_question""#
        );
        assert_eq!(
            serde_json::to_string(&Channel::BedsideVisit).unwrap(),
            r#""bedside_visit""#
        );
        assert_eq!(
            serde_json::from_str::<ComplaintCategory>(r#""institutional_processes""#).unwrap(),
            ComplaintCategory::InstitutionalProcesses
        );
        assert!(serde_json::from_str::<Channel>(r#""carrier_pigeon""#).is_err());
    }

    /// Every identified enum reads and writes what serde's
    /// `rename_all = "snake_case"` derive did: the variant's name in
    /// snake_case, as a JSON string.
    #[test]
    fn identifiers_are_what_the_serde_derive_wrote() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Derived {
            BedsideVisit,
            FamilyOrRepresentative,
            InProgress,
            Voice,
        }
        for (name, derived) in [
            ("BedsideVisit", Derived::BedsideVisit),
            ("FamilyOrRepresentative", Derived::FamilyOrRepresentative),
            ("InProgress", Derived::InProgress),
            ("Voice", Derived::Voice),
        ] {
            let json = serde_json::to_string(&derived).unwrap();
            let ours = String::from_utf8(snake::<64>(name)[..snake_len(name)].to_vec()).unwrap();
            assert_eq!(json, format!("\"{ours}\""));
            assert!(serde_json::from_str::<Derived>(&json).is_ok());
        }

        fn check<T: Identified + std::fmt::Debug + PartialEq + Serialize + DeserializeOwned>() {
            assert_eq!(T::VALUES.len(), T::IDENTS.len());
            for (i, v) in T::VALUES.iter().enumerate() {
                let debug = format!("{v:?}");
                let mut snake = String::new();
                for (k, c) in debug.chars().enumerate() {
                    if c.is_ascii_uppercase() && k > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                assert_eq!(v.index(), i);
                assert_eq!(v.ident(), snake);
                assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{snake}\""));
                assert_eq!(
                    serde_json::from_str::<T>(&format!("\"{snake}\"")).unwrap(),
                    *v
                );
                assert_eq!(T::from_ident(&format!(" {snake} ")), Some(*v));
                assert_eq!(ident(v), snake);
                assert_eq!(from_ident::<T>(&snake), Some(*v));
            }
            assert_eq!(T::from_ident("carrier_pigeon"), None);
            let err = serde_json::from_str::<T>(r#""carrier_pigeon""#).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("unknown variant `carrier_pigeon`, expected "),
                "{err}"
            );
            assert!(serde_json::from_str::<T>("3").is_err());
        }
        check::<CaseKind>();
        check::<ComplaintDomain>();
        check::<ComplaintCategory>();
        check::<Channel>();
        check::<Party>();
        check::<Responsible>();
        check::<Destination>();
        check::<TaskKind>();
        check::<Urgency>();
        check::<crate::case::Priority>();
        check::<crate::status::Status>();
        check::<crate::access::Role>();
        check::<crate::directory::entry::EntryKind>();
        check::<crate::directory::entry::PhoneKind>();
        check::<crate::directory::wire::Decision>();
        check::<crate::directory::units::DepartmentKind>();
    }

    #[test]
    fn only_letters_emails_and_portal_messages_are_written_channels() {
        let written: Vec<_> = Channel::ALL.iter().filter(|c| c.is_written()).collect();
        assert_eq!(
            written,
            [&Channel::Email, &Channel::Letter, &Channel::PortalMessage]
        );
    }
}
