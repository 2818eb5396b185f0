//! An item on a unit's list, as a manager keeps it: a supply with its unit
//! of count, par level and alert level, or a piece of equipment with the
//! schedule of its checks; both with where they are kept.
//!
//! After it is added, each field is set on its own ([`ItemValue`]) and
//! merged on its own, like a case field: two managers changing the par
//! level and the location of one item both keep their change.

use serde::{Deserialize, Serialize};

use super::MAX_COUNT;
use super::schedule::Every;
use crate::id::Id;
use crate::limits::{MAX_NAME, MAX_SHORT};
use crate::reference::Identified;
use crate::validation::Problems;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Kind {
    /// Counted against a par level: blankets, gowns, water jugs.
    #[default]
    Supply,
    /// Checked on a schedule: wheelchairs, televisions, call bells.
    Equipment,
}
crate::identified!(Kind { Supply, Equipment });

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Supply => "Supply",
            Kind::Equipment => "Equipment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Item {
    pub id: Id,
    pub kind: Kind,
    pub name: String,
    /// What one counts in: "each", "pack of 10", "box".
    #[serde(default)]
    pub count_unit: String,
    /// How many the unit should hold (supplies).
    #[serde(default)]
    pub par: u32,
    /// Below this, the item is marked low (supplies; under `par`).
    #[serde(default)]
    pub alert: u32,
    /// Where it is kept: "Clean utility room, shelf 2".
    #[serde(default)]
    pub location: String,
    /// How often it is checked (equipment).
    #[serde(default)]
    pub every: Option<Every>,
    /// Taken off the list: its history stays.
    #[serde(default)]
    pub retired: bool,
}
crate::record!(Item);

/// One field of an item, set on its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum ItemValue {
    Name(String),
    CountUnit(String),
    Par(u32),
    Alert(u32),
    Location(String),
    Every(Option<Every>),
    Retired(bool),
}
crate::tagged!(ItemValue, "field", "value");

impl ItemValue {
    pub const FIELDS: &'static [&'static str] = &[
        "name",
        "count_unit",
        "par",
        "alert",
        "location",
        "every",
        "retired",
    ];

    pub fn field(&self) -> &'static str {
        match self {
            ItemValue::Name(_) => "name",
            ItemValue::CountUnit(_) => "count_unit",
            ItemValue::Par(_) => "par",
            ItemValue::Alert(_) => "alert",
            ItemValue::Location(_) => "location",
            ItemValue::Every(_) => "every",
            ItemValue::Retired(_) => "retired",
        }
    }

    /// The field's current value on `item`.
    pub fn read(item: &Item, field: &str) -> Option<ItemValue> {
        Some(match field {
            "name" => ItemValue::Name(item.name.clone()),
            "count_unit" => ItemValue::CountUnit(item.count_unit.clone()),
            "par" => ItemValue::Par(item.par),
            "alert" => ItemValue::Alert(item.alert),
            "location" => ItemValue::Location(item.location.clone()),
            "every" => ItemValue::Every(item.every),
            "retired" => ItemValue::Retired(item.retired),
            _ => return None,
        })
    }

    pub fn apply_to(self, item: &mut Item) {
        match self {
            ItemValue::Name(v) => item.name = v,
            ItemValue::CountUnit(v) => item.count_unit = v,
            ItemValue::Par(v) => item.par = v,
            ItemValue::Alert(v) => item.alert = v,
            ItemValue::Location(v) => item.location = v,
            ItemValue::Every(v) => item.every = v,
            ItemValue::Retired(v) => item.retired = v,
        }
    }

    /// For people, in a conflict: "24", "Weekly", "(none)".
    pub fn display(&self) -> String {
        match self {
            ItemValue::Name(s) | ItemValue::CountUnit(s) | ItemValue::Location(s) => {
                if s.is_empty() {
                    "(none)".into()
                } else {
                    s.clone()
                }
            }
            ItemValue::Par(n) | ItemValue::Alert(n) => n.to_string(),
            ItemValue::Every(e) => e.map_or("(none)", Every::label).to_owned(),
            ItemValue::Retired(r) => if *r { "Off the list" } else { "On the list" }.to_owned(),
        }
    }

    pub fn label(field: &str) -> &'static str {
        match field {
            "name" => "Name",
            "count_unit" => "Counted in",
            "par" => "Par level",
            "alert" => "Alert level",
            "location" => "Kept in",
            "every" => "Checked",
            "retired" => "On the list",
            _ => "Field",
        }
    }

    /// The receiver's check of one value (a device checks the whole form
    /// with [`ItemDraft`]).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let long = |label: &str, s: &str, max: usize| {
            (s.chars().count() > max)
                .then(|| format!("{label} is too long (at most {max} characters)."))
        };
        let problem = match self {
            ItemValue::Name(s) if s.trim().is_empty() => Some("An item needs its name.".into()),
            ItemValue::Name(s) => long("Name", s, MAX_NAME),
            ItemValue::CountUnit(s) => long("Counted in", s, MAX_SHORT),
            ItemValue::Location(s) => long("Kept in", s, MAX_NAME),
            ItemValue::Par(n) | ItemValue::Alert(n) if *n > MAX_COUNT => {
                Some(format!("At most {MAX_COUNT}."))
            }
            _ => None,
        };
        problem.map_or(Ok(()), |p| Err((self.field(), p)))
    }
}

impl Item {
    /// The alert level as levels read it: under par whatever two managers
    /// set concurrently (one raised the alert level, the other lowered par).
    pub fn alert_level(&self) -> u32 {
        self.alert.min(self.par.saturating_sub(1))
    }
}

/// The item form as typed: every field a string, so the form keeps what
/// was typed and each problem is tied to its field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemDraft {
    pub kind: String,
    pub name: String,
    pub count_unit: String,
    pub par: String,
    pub alert: String,
    pub location: String,
    pub every: String,
}

impl ItemDraft {
    /// The form filled from `item`, to edit it.
    pub fn of(item: &Item) -> Self {
        ItemDraft {
            kind: Identified::ident(item.kind).to_owned(),
            name: item.name.clone(),
            count_unit: item.count_unit.clone(),
            par: item.par.to_string(),
            alert: item.alert.to_string(),
            location: item.location.clone(),
            every: item.every.map_or("", Identified::ident).to_owned(),
        }
    }

    /// The item the form describes (with `id`), or every problem at once.
    pub fn parse(&self, id: Id) -> Result<Item, Problems> {
        let mut p = Problems::default();
        let kind = match self.kind.as_str() {
            "" | "supply" => Kind::Supply,
            "equipment" => Kind::Equipment,
            _ => {
                p.add("kind", "Choose supply or equipment.");
                Kind::Supply
            }
        };
        let name = p.text("name", "Name", &self.name, MAX_NAME);
        let location = p.optional_text("location", "Kept in", &self.location, MAX_NAME);
        let mut item = Item {
            id,
            kind,
            name,
            count_unit: String::new(),
            par: 0,
            alert: 0,
            location,
            every: None,
            retired: false,
        };
        match kind {
            Kind::Supply => {
                item.count_unit =
                    p.optional_text("count_unit", "Counted in", &self.count_unit, MAX_SHORT);
                if item.count_unit.is_empty() {
                    item.count_unit = "each".into();
                }
                item.par = number(&mut p, "par", "Par level", &self.par, 1).unwrap_or(0);
                item.alert = number(&mut p, "alert", "Alert level", &self.alert, 0).unwrap_or(0);
                if p.for_field("par").is_none()
                    && p.for_field("alert").is_none()
                    && item.alert >= item.par
                {
                    p.add(
                        "alert",
                        format!(
                            "The alert level must be below the par level ({}).",
                            item.par
                        ),
                    );
                }
            }
            Kind::Equipment => match Every::from_ident(&self.every) {
                Some(every) => item.every = Some(every),
                None => p.add("every", "Choose how often it is checked."),
            },
        }
        p.into_result(item)
    }
}

/// A whole number from `min` to [`MAX_COUNT`], or a problem on `field`.
pub fn number(p: &mut Problems, field: &str, label: &str, typed: &str, min: u32) -> Option<u32> {
    let typed = typed.trim();
    if typed.is_empty() {
        p.add(field, format!("{label} is required."));
        return None;
    }
    match typed.parse::<u32>() {
        Ok(n) if (min..=MAX_COUNT).contains(&n) => Some(n),
        _ => {
            p.add(
                field,
                format!("{label} must be a whole number from {min} to {MAX_COUNT}."),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ItemDraft {
        ItemDraft {
            kind: "supply".into(),
            name: "Blankets".into(),
            count_unit: "".into(),
            par: "24".into(),
            alert: "6".into(),
            location: "Linen cupboard".into(),
            every: "".into(),
        }
    }

    #[test]
    fn a_supply_needs_a_par_level_and_an_alert_below_it() {
        let id = Id::new_v7(1, [1; 10]);
        let item = draft().parse(id).unwrap();
        assert_eq!(
            (item.par, item.alert, item.count_unit.as_str()),
            (24, 6, "each")
        );
        let same = ItemDraft {
            alert: "24".into(),
            ..draft()
        };
        let p = same.parse(id).unwrap_err();
        assert_eq!(p.fields(), ["alert"]);
        let bad = ItemDraft {
            name: " ".into(),
            par: "0".into(),
            alert: "x".into(),
            ..draft()
        };
        assert_eq!(
            bad.parse(id).unwrap_err().fields(),
            ["name", "par", "alert"]
        );
    }

    #[test]
    fn equipment_needs_a_schedule_not_levels() {
        let id = Id::new_v7(1, [1; 10]);
        let d = ItemDraft {
            kind: "equipment".into(),
            name: "Wheelchair 3".into(),
            par: "".into(),
            alert: "".into(),
            ..draft()
        };
        assert_eq!(d.parse(id).unwrap_err().fields(), ["every"]);
        let item = ItemDraft {
            every: "weekly".into(),
            ..d
        }
        .parse(id)
        .unwrap();
        assert_eq!(item.every, Some(Every::Weekly));
        assert_eq!(ItemDraft::of(&item).parse(id).unwrap(), item);
    }

    #[test]
    fn the_alert_level_stays_under_par_after_crossing_edits() {
        let mut item = draft().parse(Id::new_v7(1, [1; 10])).unwrap();
        ItemValue::Alert(20).apply_to(&mut item);
        ItemValue::Par(10).apply_to(&mut item);
        assert_eq!(item.alert_level(), 9);
    }

    #[test]
    fn values_round_trip_and_are_checked() {
        for v in [
            ItemValue::Par(12),
            ItemValue::Every(Some(Every::Monthly)),
            ItemValue::Every(None),
            ItemValue::Retired(true),
            ItemValue::Name("Gowns".into()),
        ] {
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(serde_json::from_str::<ItemValue>(&json).unwrap(), v);
            assert!(v.check().is_ok());
        }
        assert_eq!(ItemValue::Name("".into()).check().unwrap_err().0, "name");
        assert_eq!(ItemValue::Par(MAX_COUNT + 1).check().unwrap_err().0, "par");
    }
}
