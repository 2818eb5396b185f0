//! "Who can help?" on a case: the directory entries that match it, best
//! first, each with the reasons in words, so a coordinator sees why the
//! billing office comes before the pharmacist.

use super::entry::Entry;
use super::search::words;
use super::units::{Structure, UnitIndex};
use crate::case::Case;

/// Suggestions shown at most.
pub const MAX_SUGGESTIONS: usize = 6;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Index into the entries given.
    pub entry: usize,
    pub score: u32,
    /// "Handles grievances", "Serves 4B", "Ask about: billing".
    pub why: Vec<String>,
}

/// Words too common in descriptions to say anything about whom to ask.
const COMMON: &[&str] = &[
    "about", "after", "again", "also", "been", "before", "being", "could", "does", "from", "have",
    "into", "just", "more", "only", "other", "over", "patient", "patients", "said", "says",
    "should", "some", "still", "than", "that", "their", "them", "then", "there", "they", "this",
    "told", "very", "wants", "were", "what", "when", "which", "while", "will", "with", "would",
    "your",
];

fn telling(word: &str) -> bool {
    word.chars().count() >= 4 && !COMMON.contains(&word)
}

/// The entries that can help with `case`, best first (at most
/// [`MAX_SUGGESTIONS`]); retired ones never. Scores: the case's kind 6, its
/// complaint category 5, its unit served 4, the patient's language spoken
/// 3, each word shared between the entry's topics and the case's
/// description 2 (three at most). Ties keep the directory's order.
pub fn who_can_help(entries: &[Entry], case: &Case, structure: &Structure) -> Vec<Suggestion> {
    let described: Vec<String> = words(&case.description)
        .chain(case.tags.iter().flat_map(|t| words(t)))
        .filter(|w| telling(w))
        .collect();
    // Looked up in an index: each entry's units are read for every case.
    let index = UnitIndex::new(structure);
    let unit = index.unit_ref(&case.patient.unit);
    let unit_named = !case.patient.unit.trim().is_empty();
    let language = case.patient.preferred_language.trim();
    let language =
        (!language.is_empty() && !language.eq_ignore_ascii_case("english")).then_some(language);
    let mut out: Vec<Suggestion> = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        if e.retired {
            continue;
        }
        let mut score = 0;
        let mut why = Vec::new();
        if e.case_kinds.contains(&case.kind) {
            score += 6;
            why.push(format!(
                "Handles {} cases",
                case.kind.label().to_lowercase()
            ));
        }
        if let Some(c) = case.category.filter(|c| e.categories.contains(c)) {
            score += 5;
            why.push(format!("Handles {} complaints", c.label().to_lowercase()));
        }
        if unit_named && e.units.iter().any(|u| index.unit_ref(u) == unit) {
            score += 4;
            why.push(format!(
                "Serves {}",
                structure.unit_name(&case.patient.unit)
            ));
        }
        if let Some(l) =
            language.filter(|l| e.languages().iter().any(|s| s.eq_ignore_ascii_case(l)))
        {
            score += 3;
            why.push(format!("Speaks {l}"));
        }
        let mut shared: Vec<String> = Vec::new();
        for w in words(&e.topics).filter(|w| telling(w)) {
            if !shared.contains(&w) && described.iter().any(|d| same_word(d, &w)) {
                shared.push(w);
            }
        }
        shared.truncate(3);
        if !shared.is_empty() {
            score += 2 * shared.len() as u32;
            why.push(format!("Ask about: {}", shared.join(", ")));
        }
        if score > 0 {
            out.push(Suggestion {
                entry: i,
                score,
                why,
            });
        }
    }
    crate::order::sort_by(&mut out, |a, b| {
        b.score.cmp(&a.score).then(a.entry.cmp(&b.entry))
    });
    out.truncate(MAX_SUGGESTIONS);
    out
}

/// The same word, give or take an ending: "bill" and "billing", "dispute"
/// and "disputes".
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short) && long.len() - short.len() <= 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::entry::Phone;
    use crate::directory::units::Unit;
    use crate::id::Id;
    use crate::reference::{CaseKind, ComplaintCategory};

    fn case(
        kind: CaseKind,
        category: Option<ComplaintCategory>,
        unit: &str,
        description: &str,
    ) -> Case {
        let now = crate::sample::reference_now();
        let mut c = crate::sample::caseload(7, 1, 0, now).remove(0).case;
        c.kind = kind;
        c.category = category;
        c.patient.unit = unit.into();
        c.patient.preferred_language = "English".into();
        c.description = description.into();
        c.tags.clear();
        c
    }

    fn structure() -> Structure {
        Structure {
            units: vec![Unit {
                id: Id::new_v7(1, [1; 10]),
                name: "Cardiology 4B".into(),
                code: "4B".into(),
                ..Unit::default()
            }],
            ..Structure::default()
        }
    }

    fn directory() -> Vec<Entry> {
        vec![
            Entry {
                name: "Billing office".into(),
                topics: "itemised bills, billing disputes".into(),
                case_kinds: vec![CaseKind::BillingInsurance],
                ..Entry::default()
            },
            Entry {
                name: "4B pharmacist".into(),
                units: vec!["Unit 4B".into()],
                topics: "medication questions".into(),
                ..Entry::default()
            },
            Entry {
                name: "Patient relations lead".into(),
                case_kinds: vec![CaseKind::Grievance, CaseKind::Complaint],
                categories: vec![ComplaintCategory::Communication],
                ..Entry::default()
            },
            Entry {
                name: "Old billing line".into(),
                case_kinds: vec![CaseKind::BillingInsurance],
                retired: true,
                ..Entry::default()
            },
            Entry {
                name: "Interpreter line".into(),
                phones: vec![Phone {
                    number: "5000".into(),
                    languages: vec!["Spanish".into()],
                    ..Phone::default()
                }],
                ..Entry::default()
            },
        ]
    }

    fn suggested(c: &Case) -> Vec<(String, Vec<String>)> {
        let d = directory();
        who_can_help(&d, c, &structure())
            .into_iter()
            .map(|s| (d[s.entry].name.clone(), s.why))
            .collect()
    }

    #[test]
    fn the_kind_the_category_the_unit_and_shared_topics_rank_entries_with_reasons() {
        let c = case(
            CaseKind::BillingInsurance,
            None,
            "4b",
            "Disputes the bill for the MRI",
        );
        assert_eq!(
            suggested(&c),
            vec![
                (
                    "Billing office".to_owned(),
                    vec![
                        "Handles billing / insurance cases".to_owned(),
                        "Ask about: bills, billing, disputes".to_owned()
                    ]
                ),
                (
                    "4B pharmacist".to_owned(),
                    vec!["Serves Cardiology 4B".to_owned()]
                ),
            ],
            "the retired line never, the unit matched by its code"
        );
        let c = case(
            CaseKind::Grievance,
            Some(ComplaintCategory::Communication),
            "",
            "Nobody explained the discharge",
        );
        assert_eq!(
            suggested(&c),
            vec![(
                "Patient relations lead".to_owned(),
                vec![
                    "Handles grievance cases".to_owned(),
                    "Handles communication complaints".to_owned()
                ]
            )]
        );
    }

    #[test]
    fn nothing_matching_suggests_nothing_and_the_patients_language_counts() {
        let c = case(CaseKind::Compliment, None, "", "Thanks to the night staff");
        assert!(
            suggested(&c).is_empty(),
            "a blank unit matches no unit-less entry"
        );
        let mut c = c;
        c.patient.preferred_language = "spanish".into();
        assert_eq!(
            suggested(&c),
            vec![(
                "Interpreter line".to_owned(),
                vec!["Speaks spanish".to_owned()]
            )]
        );
    }
}
