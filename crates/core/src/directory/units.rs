//! The hospital's structure: its units and wards, where patients stay, and
//! its departments and services, whom coordinators escalate to.
//! Administrators keep it; it syncs to every device whole (a hospital has
//! tens of units, not thousands) and is reference data: no patient in it.
//!
//! Access rules compare units, and a unit was typed freehand on every case
//! before this list existed: "4B", "Unit 4B" and "4 b" were three units to
//! the rules. [`Structure::resolve`] reads any such text as the unit it
//! names, ignoring case, spacing and punctuation and a leading "Unit" or
//! "Ward", by name, code or alias. A rename keeps the old name and code as
//! aliases ([`Structure::succeed`]), and units are retired, never removed,
//! so no text that once named a unit stops naming it: renaming never breaks
//! access. Cases keep the unit's name as it was chosen; what they are shown
//! and filtered by is the unit it resolves to now.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::limits::{MAX_LIST, MAX_SHORT};
use crate::validation::Problems;

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Unit {
    pub id: Id,
    /// As coordinators say it: "Cardiology 4B".
    pub name: String,
    /// The short code on signs and lists: "4B".
    pub code: String,
    /// Floor or building: "Floor 4, North tower".
    pub location: String,
    /// Other texts that mean this unit: former names and codes, and the
    /// spellings an administrator mapped to it.
    pub aliases: Vec<String>,
    /// No longer offered for new cases; still resolves.
    pub retired: bool,
}
crate::record!(Unit);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DepartmentKind {
    /// A clinical or administrative department: Cardiology, Billing.
    #[default]
    Department,
    /// A service anyone can call on: the interpreter line, chaplaincy.
    Service,
}
crate::identified!(DepartmentKind {
    Department,
    Service
});

impl DepartmentKind {
    pub const ALL: [DepartmentKind; 2] = [DepartmentKind::Department, DepartmentKind::Service];

    pub fn label(self) -> &'static str {
        match self {
            DepartmentKind::Department => "Department",
            DepartmentKind::Service => "Service",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Department {
    pub id: Id,
    pub name: String,
    pub kind: DepartmentKind,
    pub location: String,
    pub retired: bool,
}
crate::record!(Department);

/// The whole structure, as administrators save it: each save is the next
/// `version`, so a device knows whether it holds the newest.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(remote = "Self", default)]
pub struct Structure {
    pub version: u64,
    pub units: Vec<Unit>,
    pub departments: Vec<Department>,
    pub saved_by: String,
    pub saved_at_ms: i64,
}
crate::record!(Structure);

/// The form of a text that units are compared by: lower case, letters and
/// digits only, without a leading "unit" or "ward" word ("Unit 4-B" and
/// "4b" are the same). Empty for a text with neither.
pub fn unit_key(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let skip = usize::from(words.len() > 1 && matches!(words[0].as_str(), "unit" | "ward"));
    words[skip..].concat()
}

/// A case's or a coordinator's unit as the rules compare it: the unit it
/// resolves to, or its [`unit_key`] if it names none (so two texts that
/// name no unit still match each other as they always did).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitRef {
    Known(Id),
    Text(String),
}

/// Every text that names a unit, by its [`unit_key`]: what the access
/// rules look units up in, once per request rather than once per case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitIndex {
    keys: HashMap<String, Id>,
}

impl UnitIndex {
    pub fn new(structure: &Structure) -> Self {
        let mut keys = HashMap::new();
        for u in &structure.units {
            keys.insert(u.id.to_string(), u.id);
            for text in [&u.name, &u.code].into_iter().chain(&u.aliases) {
                let key = unit_key(text);
                if !key.is_empty() {
                    // A checked structure has no key twice; the first wins
                    // otherwise, as `Structure::resolve` does.
                    keys.entry(key).or_insert(u.id);
                }
            }
        }
        UnitIndex { keys }
    }

    /// What the access rules compare `text` as.
    pub fn unit_ref(&self, text: &str) -> UnitRef {
        let key = unit_key(text);
        match self.keys.get(text.trim()).or_else(|| self.keys.get(&key)) {
            Some(id) => UnitRef::Known(*id),
            None => UnitRef::Text(key),
        }
    }
}

impl Structure {
    /// The unit `text` names (by id, name, code or alias), if any.
    pub fn resolve(&self, text: &str) -> Option<&Unit> {
        let key = unit_key(text);
        if key.is_empty() {
            return None;
        }
        let by_id = text.trim().parse::<Id>().ok();
        self.units.iter().find(|u| {
            Some(u.id) == by_id
                || unit_key(&u.name) == key
                || unit_key(&u.code) == key
                || u.aliases.iter().any(|a| unit_key(a) == key)
        })
    }

    /// What the access rules compare `text` as.
    pub fn unit_ref(&self, text: &str) -> UnitRef {
        match self.resolve(text) {
            Some(u) => UnitRef::Known(u.id),
            None => UnitRef::Text(unit_key(text)),
        }
    }

    /// The name a case's unit is shown by now: the unit's current name, or
    /// the text as typed if it names no unit.
    pub fn unit_name(&self, text: &str) -> String {
        match self.resolve(text) {
            Some(u) => u.name.clone(),
            None => text.trim().to_owned(),
        }
    }

    /// The units a new case offers, `mine` (a coordinator's covered units,
    /// as any text) first, each group in name order; retired ones not.
    pub fn offered_units(&self, mine: &[String]) -> (Vec<&Unit>, Vec<&Unit>) {
        let own: Vec<Id> = mine
            .iter()
            .filter_map(|m| self.resolve(m))
            .map(|u| u.id)
            .collect();
        let mut live: Vec<&Unit> = self.units.iter().filter(|u| !u.retired).collect();
        crate::order::sort_by_key(&mut live, |u| u.name.to_lowercase());
        live.into_iter().partition(|u| own.contains(&u.id))
    }

    /// The texts among `texts` (cases' and accounts' units) that name no
    /// unit, with how often each spelling occurs, most frequent first:
    /// what an administrator maps by hand. Blank texts are not listed.
    pub fn unmatched<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> Vec<(String, usize)> {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for t in texts {
            let t = t.trim();
            if !unit_key(t).is_empty() && self.resolve(t).is_none() {
                *counts.entry(t.to_owned()).or_default() += 1;
            }
        }
        let mut out: Vec<(String, usize)> = counts.into_iter().collect();
        crate::order::sort_by(&mut out, |a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }

    /// Maps the spelling `text` to the unit `unit`: it becomes an alias, so
    /// every case and account that says it resolves there.
    pub fn map_text(&mut self, text: &str, unit: Id) -> Result<(), String> {
        let text = text.trim();
        if let Some(u) = self.resolve(text) {
            return if u.id == unit {
                Ok(())
            } else {
                Err(format!("\"{text}\" already names {}.", u.name))
            };
        }
        let u = self
            .units
            .iter_mut()
            .find(|u| u.id == unit)
            .ok_or("That unit is not in the list.")?;
        u.aliases.push(text.to_owned());
        Ok(())
    }

    /// Checks a structure as an administrator would save it: names and
    /// codes present and short, no text naming two units, no department
    /// name twice. Every message is tied to its row's field
    /// (`units.2.code`).
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        if self.units.len() > MAX_LIST || self.departments.len() > MAX_LIST {
            p.add(
                "units",
                format!("At most {MAX_LIST} units and {MAX_LIST} departments."),
            );
        }
        // Every text that names a unit, by key: which unit and where.
        let mut names: HashMap<String, (usize, String)> = HashMap::new();
        for (i, u) in self.units.iter().enumerate() {
            let name = p.text(&format!("units.{i}.name"), "Name", &u.name, MAX_SHORT);
            let code = p.text(&format!("units.{i}.code"), "Code", &u.code, MAX_SHORT);
            p.optional_text(
                &format!("units.{i}.location"),
                "Floor or building",
                &u.location,
                MAX_SHORT,
            );
            let texts = [(name, "name"), (code, "code")]
                .into_iter()
                .chain(u.aliases.iter().map(|a| (a.trim().to_owned(), "aliases")));
            for (text, field) in texts {
                let key = unit_key(&text);
                if key.is_empty() {
                    if !text.is_empty() {
                        p.add(
                            &format!("units.{i}.{field}"),
                            "Use at least one letter or digit.",
                        );
                    }
                    continue;
                }
                match names.get(&key) {
                    Some((j, other)) if *j != i => p.add(
                        &format!("units.{i}.{field}"),
                        format!("\"{text}\" already names unit {other}: each name and code must name one unit."),
                    ),
                    _ => {
                        names.insert(key, (i, u.name.trim().to_owned()));
                    }
                }
            }
        }
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, d) in self.departments.iter().enumerate() {
            let name = p.text(&format!("departments.{i}.name"), "Name", &d.name, MAX_SHORT);
            p.optional_text(
                &format!("departments.{i}.location"),
                "Location",
                &d.location,
                MAX_SHORT,
            );
            let key = unit_key(&name);
            if !key.is_empty() && seen.insert(key, i).is_some() {
                p.add(
                    &format!("departments.{i}.name"),
                    format!("\"{name}\" is listed twice."),
                );
            }
        }
        let mut ids: Vec<Id> = self
            .units
            .iter()
            .map(|u| u.id)
            .chain(self.departments.iter().map(|d| d.id))
            .collect();
        crate::order::sort(&mut ids);
        if ids.windows(2).any(|w| w[0] == w[1]) {
            p.add("units", "Two rows share one id.");
        }
        p.into_result(())
    }

    /// `next` as it is stored after `self`: the next version, each renamed
    /// unit keeping its old name and code as aliases, and any unit or
    /// department left out kept, retired (a unit that names cases is never
    /// removed). `None` if `next` was made from an older version than this
    /// one (someone saved meanwhile).
    pub fn succeed(&self, mut next: Structure, by: &str, at_ms: i64) -> Option<Structure> {
        if next.version != self.version {
            return None;
        }
        for old in &self.units {
            match next.units.iter_mut().find(|u| u.id == old.id) {
                Some(u) => {
                    for former in [&old.name, &old.code].into_iter().chain(&old.aliases) {
                        let k = unit_key(former);
                        let kept = unit_key(&u.name) == k
                            || unit_key(&u.code) == k
                            || u.aliases.iter().any(|a| unit_key(a) == k);
                        if !kept && !k.is_empty() {
                            u.aliases.push(former.trim().to_owned());
                        }
                    }
                }
                None => next.units.push(Unit {
                    retired: true,
                    ..old.clone()
                }),
            }
        }
        for old in &self.departments {
            if !next.departments.iter().any(|d| d.id == old.id) {
                next.departments.push(Department {
                    retired: true,
                    ..old.clone()
                });
            }
        }
        for u in &mut next.units {
            u.name = u.name.trim().to_owned();
            u.code = u.code.trim().to_owned();
            u.location = u.location.trim().to_owned();
            u.aliases.retain(|a| !a.trim().is_empty());
        }
        next.version = self.version + 1;
        next.saved_by = by.to_owned();
        next.saved_at_ms = at_ms;
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id(n: u8) -> Id {
        Id::new_v7(1_772_353_800_000, [n; 10])
    }

    fn unit(n: u8, name: &str, code: &str) -> Unit {
        Unit {
            id: id(n),
            name: name.into(),
            code: code.into(),
            ..Unit::default()
        }
    }

    fn hospital() -> Structure {
        Structure {
            version: 3,
            units: vec![
                unit(1, "Cardiology 4B", "4B"),
                unit(2, "4 West", "4W"),
                unit(3, "Maternity", "MAT"),
            ],
            ..Structure::default()
        }
    }

    #[test]
    fn free_text_resolves_by_name_or_code_ignoring_case_spacing_and_the_word_unit() {
        let h = hospital();
        for text in [
            "4B",
            "4b",
            " 4 b ",
            "Unit 4B",
            "unit 4-b",
            "WARD 4B",
            "cardiology 4b",
            "Cardiology-4B",
        ] {
            assert_eq!(h.resolve(text).map(|u| u.id), Some(id(1)), "{text}");
        }
        assert_eq!(h.resolve("4West").map(|u| u.id), Some(id(2)));
        assert_eq!(h.resolve(&id(3).to_string()).map(|u| u.id), Some(id(3)));
        for text in ["", "  ", "-", "4C", "Unit", "Cardiology"] {
            assert!(h.resolve(text).is_none(), "{text}");
        }
        // "Unit" alone is a word, not a prefix.
        assert_eq!(unit_key("Unit"), "unit");
        assert_eq!(unit_key("Unit 7 North"), "7north");
    }

    #[test]
    fn a_rename_keeps_old_names_as_aliases_and_a_removed_unit_is_retired() {
        let h = hospital();
        let mut next = h.clone();
        next.units[0].name = "Heart Centre".into();
        next.units[0].code = "HC".into();
        next.units.remove(2);
        let saved = h.succeed(next, "admin", 5).unwrap();
        assert_eq!(saved.version, 4);
        assert_eq!(
            saved.units[0].aliases,
            vec!["Cardiology 4B".to_owned(), "4B".to_owned()]
        );
        for text in ["Unit 4B", "cardiology 4b", "hc", "Heart Centre"] {
            assert_eq!(saved.resolve(text).map(|u| u.id), Some(id(1)), "{text}");
        }
        let maternity = saved.resolve("MAT").unwrap();
        assert!(maternity.retired, "kept, retired");
        assert_eq!(saved.unit_name("4b"), "Heart Centre");
        assert_eq!(saved.unit_name(" 9 East "), "9 East");
        // Made from an older version: refused.
        assert!(saved.succeed(h.clone(), "admin", 6).is_none());
        assert!(saved.check().is_ok());
    }

    #[test]
    fn a_text_that_would_name_two_units_is_refused_at_its_field() {
        let mut h = hospital();
        h.units[1].code = "unit 4b".into();
        let p = h.check().unwrap_err();
        assert_eq!(p.fields(), vec!["units.1.code"]);
        assert!(p.0[0].message.contains("Cardiology 4B"), "{p}");
        let mut h = hospital();
        h.units[2].name = " ".into();
        h.units[2].aliases = vec!["??".into()];
        let p = h.check().unwrap_err();
        assert_eq!(p.fields(), vec!["units.2.name", "units.2.aliases"]);
    }

    #[test]
    fn unmatched_spellings_are_counted_and_mapping_one_resolves_it() {
        let mut h = hospital();
        let texts = [
            "4B", "Cardio 4", "cardio 4", "Cardio 4", "", "ICU", "unit 4w",
        ];
        let open = h.unmatched(texts);
        assert_eq!(
            open,
            vec![
                ("Cardio 4".to_owned(), 2),
                ("ICU".to_owned(), 1),
                ("cardio 4".to_owned(), 1)
            ]
        );
        h.map_text("Cardio 4", id(1)).unwrap();
        assert_eq!(
            h.unmatched(texts),
            vec![("ICU".to_owned(), 1)],
            "both spellings of one key resolve"
        );
        assert!(h.map_text("4W", id(1)).unwrap_err().contains("4 West"));
        assert!(
            h.map_text("4W", id(2)).is_ok(),
            "already there: nothing to do"
        );
        assert!(h.check().is_ok());
    }

    #[test]
    fn own_units_are_offered_first_and_retired_ones_not_at_all() {
        let mut h = hospital();
        h.units[2].retired = true;
        let (mine, others) = h.offered_units(&["unit 4w".to_owned()]);
        assert_eq!(
            mine.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            vec!["4W"]
        );
        assert_eq!(
            others.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(),
            vec!["4B"]
        );
    }

    #[test]
    fn the_index_reads_texts_as_resolve_does() {
        let mut h = hospital();
        h.map_text("Cardio 4", id(1)).unwrap();
        let index = UnitIndex::new(&h);
        for text in [
            "4B",
            "unit 4-b",
            "cardio 4",
            "4west",
            "MAT",
            &id(3).to_string(),
            "ICU",
            "",
            "Unit",
        ] {
            let expected = match h.resolve(text) {
                Some(u) => UnitRef::Known(u.id),
                None => UnitRef::Text(unit_key(text)),
            };
            assert_eq!(index.unit_ref(text), expected, "{text}");
            assert_eq!(h.unit_ref(text), expected, "{text}");
        }
        assert_eq!(
            UnitIndex::default().unit_ref(" Unit 4 West"),
            UnitRef::Text("4west".into())
        );
    }

    proptest! {
        /// Whatever an administrator renames, every text that named a unit
        /// before names the same unit after: access never breaks.
        #[test]
        fn renames_never_stop_a_text_naming_its_unit(
            renames in proptest::collection::vec((0usize..3, "[A-Za-z0-9 ]{1,12}", "[A-Z0-9]{1,4}"), 1..6),
        ) {
            let mut h = hospital();
            let mut texts: Vec<(String, Id)> = h.units.iter().flat_map(|u| [(u.name.clone(), u.id), (u.code.clone(), u.id)]).collect();
            for (i, name, code) in renames {
                let mut next = h.clone();
                next.units[i].name = name;
                next.units[i].code = code;
                if next.check().is_err() {
                    continue; // refused: nothing saved
                }
                let saved = h.succeed(next, "admin", 1).unwrap();
                if saved.check().is_err() {
                    continue; // an alias would now name two units: refused
                }
                h = saved;
                texts.extend(h.units.iter().flat_map(|u| [(u.name.clone(), u.id), (u.code.clone(), u.id)]));
            }
            for (text, unit) in &texts {
                prop_assert_eq!(h.resolve(text).map(|u| u.id), Some(*unit), "{}", text);
            }
        }
    }
}
