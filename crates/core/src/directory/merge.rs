//! Two editors, one entry: a save carries the version it was made from,
//! and the server merges it into the entry as it is now field by field.
//! A field only one side changed takes that change; a field both changed
//! to different values is a conflict the editor sees, with both values,
//! and settles by choosing (nothing is overwritten silently).

use serde::{Deserialize, Serialize};

use super::entry::Entry;

/// One field both sides changed differently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct FieldConflict {
    /// The form field: `phones`, `hours`…
    pub field: String,
    pub label: String,
    /// What it was when the editor started, what it is now, what they saved.
    pub base: String,
    pub theirs: String,
    pub mine: String,
}
crate::record!(FieldConflict);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// Every change applied; a conflicting field keeps `theirs`.
    pub entry: Entry,
    pub conflicts: Vec<FieldConflict>,
}

macro_rules! fields {
    ($($field:ident => $label:literal, $show:expr;)+) => {
        /// The fields merged one by one, with their labels.
        pub const FIELDS: &[(&str, &str)] = &[$((stringify!($field), $label)),+];

        /// Merges `mine` (made from `base`) into `theirs` (the entry now).
        pub fn merge(base: &Entry, theirs: &Entry, mine: &Entry) -> Merged {
            let mut entry = theirs.clone();
            let mut conflicts = Vec::new();
            $(
                if mine.$field != base.$field && mine.$field != theirs.$field {
                    if theirs.$field == base.$field {
                        entry.$field = mine.$field.clone();
                    } else {
                        let show = $show;
                        conflicts.push(FieldConflict {
                            field: stringify!($field).to_owned(),
                            label: $label.to_owned(),
                            base: show(&base.$field),
                            theirs: show(&theirs.$field),
                            mine: show(&mine.$field),
                        });
                    }
                }
            )+
            Merged { entry, conflicts }
        }

        /// `entry` with `field` taken from `from`: the editor's choice of
        /// "mine" for a conflict. False for a field not merged.
        pub fn take_field(entry: &mut Entry, from: &Entry, field: &str) -> bool {
            match field {
                $(stringify!($field) => { entry.$field = from.$field.clone(); true })+
                _ => false,
            }
        }
    };
}

fn text(s: &str) -> String {
    s.to_owned()
}

fn list(items: &[String]) -> String {
    items.join(", ")
}

fields! {
    kind => "Kind", |k: &super::entry::EntryKind| k.label().to_owned();
    name => "Name", text;
    title => "Title or role", text;
    department => "Department", text;
    units => "Units served", list;
    phones => "Phone numbers", |ps: &Vec<super::entry::Phone>| ps
        .iter()
        .map(|p| {
            let langs = if p.languages.is_empty() { String::new() } else { format!(" ({})", p.languages.join(", ")) };
            format!("{} {}{langs}", p.kind.label(), p.number)
        })
        .collect::<Vec<_>>()
        .join("; ");
    hours => "Hours", text;
    on_call => "On-call notes", text;
    topics => "Ask about", text;
    case_kinds => "Case kinds", |ks: &Vec<crate::reference::CaseKind>| ks.iter().map(|k| k.label()).collect::<Vec<_>>().join(", ");
    categories => "Complaint categories", |cs: &Vec<crate::reference::ComplaintCategory>| cs.iter().map(|c| c.label()).collect::<Vec<_>>().join(", ");
    notes => "Notes", text;
    verified_on => "Verified on", |d: &Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    verified_by => "Verified by", text;
    retired => "Retired", |r: &bool| if *r { "yes".to_owned() } else { "no".to_owned() };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::entry::{Phone, PhoneKind};
    use proptest::prelude::*;

    fn base() -> Entry {
        Entry {
            name: "Billing office".into(),
            hours: "Mon-Fri 8-16".into(),
            phones: vec![Phone {
                number: "4411".into(),
                kind: PhoneKind::Extension,
                languages: vec![],
            }],
            ..Entry::default()
        }
    }

    #[test]
    fn changes_to_different_fields_both_land() {
        let b = base();
        let mut theirs = b.clone();
        theirs.hours = "Mon-Fri 8-17".into();
        let mut mine = b.clone();
        mine.phones[0].number = "4412".into();
        let m = merge(&b, &theirs, &mine);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.entry.hours, "Mon-Fri 8-17");
        assert_eq!(m.entry.phones[0].number, "4412");
    }

    #[test]
    fn the_same_field_changed_twice_is_a_visible_conflict_that_keeps_theirs() {
        let b = base();
        let mut theirs = b.clone();
        theirs.hours = "Mon-Fri 9-17".into();
        let mut mine = b.clone();
        mine.hours = "Mon-Sat 8-16".into();
        mine.notes = "Ask for Dana".into();
        let m = merge(&b, &theirs, &mine);
        assert_eq!(m.conflicts.len(), 1);
        let c = &m.conflicts[0];
        assert_eq!((c.field.as_str(), c.label.as_str()), ("hours", "Hours"));
        assert_eq!(
            (c.base.as_str(), c.theirs.as_str(), c.mine.as_str()),
            ("Mon-Fri 8-16", "Mon-Fri 9-17", "Mon-Sat 8-16")
        );
        assert_eq!(m.entry.hours, "Mon-Fri 9-17", "nothing overwritten");
        assert_eq!(m.entry.notes, "Ask for Dana", "the rest still merged");
        let mut chosen = m.entry.clone();
        assert!(take_field(&mut chosen, &mine, "hours"));
        assert_eq!(chosen.hours, "Mon-Sat 8-16");
        assert!(!take_field(&mut chosen, &mine, "id"));
        // The same change on both sides is no conflict.
        let m = merge(&b, &theirs, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.entry, theirs);
    }

    fn arb_entry() -> impl Strategy<Value = Entry> {
        (
            "[ab]{0,2}",
            "[ab]{0,2}",
            "[ab]{0,2}",
            proptest::collection::vec("[ab]", 0..2),
            any::<bool>(),
        )
            .prop_map(|(name, hours, notes, units, retired)| Entry {
                name,
                hours,
                notes,
                units,
                retired,
                ..Entry::default()
            })
    }

    proptest! {
        /// A merge never loses a side's change silently: each field ends
        /// as theirs, as mine, or is reported; what only one side changed
        /// is theirs or mine exactly; with no concurrent edit it is mine.
        #[test]
        fn no_change_is_lost_silently(b in arb_entry(), t in arb_entry(), m in arb_entry()) {
            let merged = merge(&b, &t, &m);
            let conflicted = |f: &str| merged.conflicts.iter().any(|c| c.field == f);
            macro_rules! check {
                ($f:ident) => {
                    let f = stringify!($f);
                    if conflicted(f) {
                        prop_assert!(t.$f != b.$f && m.$f != b.$f && t.$f != m.$f);
                        prop_assert_eq!(&merged.entry.$f, &t.$f);
                    } else if m.$f != b.$f {
                        prop_assert_eq!(&merged.entry.$f, &m.$f);
                    } else {
                        prop_assert_eq!(&merged.entry.$f, &t.$f);
                    }
                };
            }
            check!(name);
            check!(hours);
            check!(notes);
            check!(units);
            check!(retired);
            let unchanged = merge(&b, &b, &m);
            prop_assert!(unchanged.conflicts.is_empty());
            prop_assert_eq!(unchanged.entry, m);
        }
    }
}
