//! A supply change: the unit of sync for a unit's supplies, as [`Change`]
//! is for a case. Recorded on the device first, sent later, stored once:
//! `(device, seq)` makes a push idempotent (its own counter, beside the
//! cases'), `id` names it, `hlc` orders concurrent edits.
//!
//! [`Change`]: crate::change::Change

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MAX_COUNT;
use super::item::{Item, ItemValue, Kind};
use crate::access::{Role, User};
use crate::api::ApiError;
use crate::change::{invalid, within};
use crate::directory::UnitIndex;
use crate::hlc::Timestamp;
use crate::id::Id;
use crate::limits::{MAX_LIST, MAX_NAME, MAX_SHORT, MAX_TEXT};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct SupplyChange {
    pub id: Id,
    /// The unit whose supplies it changes, as the hospital's structure
    /// names it.
    pub unit: String,
    pub device: Id,
    /// 1, 2, 3… per device, for supply changes only.
    pub seq: u64,
    pub hlc: Timestamp,
    pub by: String,
    #[serde(with = "crate::wire_time::utc")]
    pub at: DateTime<Utc>,
    pub op: SupplyOp,
}
crate::record!(SupplyChange);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum SupplyOp {
    /// An item put on the unit's list (managers). Added once by id.
    AddItem { item: Box<Item> },
    /// Item fields, each merged on its own (managers).
    SetItem {
        item: Id,
        sets: Vec<ItemSet>,
        /// The crossings this change decides: the ids of the changes whose
        /// values were overwritten.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settles: Vec<Id>,
    },
    /// A round begun: its counts are one count per item.
    StartRound { round: Id },
    /// One item counted in a round. `base`: the count of this item in this
    /// round its author saw (none if none); another one set meanwhile is
    /// a conflict, both counts kept.
    Count {
        round: Id,
        item: Id,
        count: u32,
        base: Option<Id>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        settles: Vec<Id>,
    },
    /// An equipment check: append-only, never in conflict.
    Check {
        item: Id,
        working: bool,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// What was below par, asked of a department.
    Request { request: Box<Request> },
    /// A request marked filled. Two fills agree: the first counts.
    Fill { request: Id },
}
crate::tagged!(SupplyOp, "type");

/// One item field's new value, and the change that set the value its
/// author saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct ItemSet {
    pub value: ItemValue,
    pub base: Option<Id>,
}
crate::record!(ItemSet);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Request {
    pub id: Id,
    /// The department asked (from the directory, or as typed).
    pub to: String,
    pub lines: Vec<Line>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}
crate::record!(Request);

/// One item of a request: as it was when asked, so the request reads the
/// same after the list changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Line {
    pub item: Id,
    pub name: String,
    pub count_unit: String,
    /// The count it was asked from.
    pub have: u32,
    /// How many are asked for: up to par.
    pub want: u32,
}
crate::record!(Line);

fn forbidden(message: &str) -> ApiError {
    ApiError {
        error: "forbidden".into(),
        message: message.into(),
        field: None,
    }
}

impl SupplyChange {
    /// The checks any receiver makes, whoever sent it.
    pub fn check(&self) -> Result<(), ApiError> {
        if self.unit.trim().is_empty() {
            return Err(invalid("unit", "A supply change names its unit."));
        }
        within("unit", "Unit", &self.unit, MAX_SHORT)?;
        match &self.op {
            SupplyOp::AddItem { item } => {
                let name = ItemValue::Name(item.name.clone());
                for v in [
                    name,
                    ItemValue::CountUnit(item.count_unit.clone()),
                    ItemValue::Location(item.location.clone()),
                    ItemValue::Par(item.par),
                    ItemValue::Alert(item.alert),
                ] {
                    v.check()
                        .map_err(|(f, m)| invalid(&format!("op.item.{f}"), m))?;
                }
                if item.kind == Kind::Equipment && item.every.is_none() {
                    return Err(invalid("op.item.every", "Equipment needs its schedule."));
                }
            }
            SupplyOp::SetItem { sets, .. } => {
                if sets.is_empty() {
                    return Err(invalid("op.sets", "Nothing to set."));
                }
                for s in sets {
                    s.value
                        .check()
                        .map_err(|(f, m)| invalid(&format!("op.sets.{f}"), m))?;
                }
            }
            SupplyOp::Count { count, .. } if *count > MAX_COUNT => {
                return Err(invalid(
                    "op.count",
                    format!("A count is at most {MAX_COUNT}."),
                ));
            }
            SupplyOp::Check { note, .. } => within("op.note", "Note", note, MAX_TEXT)?,
            SupplyOp::Request { request } => {
                if request.to.trim().is_empty() {
                    return Err(invalid("op.request.to", "Say which department is asked."));
                }
                within("op.request.to", "Department", &request.to, MAX_NAME)?;
                within("op.request.note", "Note", &request.note, MAX_TEXT)?;
                if request.lines.is_empty() || request.lines.len() > MAX_LIST {
                    return Err(invalid(
                        "op.request.lines",
                        "A request asks for at least one item.",
                    ));
                }
                for line in &request.lines {
                    within("op.request.lines", "Item", &line.name, MAX_NAME)?;
                    within(
                        "op.request.lines",
                        "Counted in",
                        &line.count_unit,
                        MAX_SHORT,
                    )?;
                    if line.want == 0 || line.want > MAX_COUNT || line.have > MAX_COUNT {
                        return Err(invalid(
                            "op.request.lines",
                            format!("Each line asks for 1 to {MAX_COUNT}."),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Whether this change edits the unit's list (managers only).
    pub fn edits_list(&self) -> bool {
        matches!(self.op, SupplyOp::AddItem { .. } | SupplyOp::SetItem { .. })
    }
}

/// Whether `user` may make `change`: as its author, a manager for any
/// unit and any change; a coordinator counting, checking, asking and
/// marking filled on the units they cover; never an administrator (their
/// accounts run the system, not the wards).
pub fn authorize(user: &User, change: &SupplyChange, units: &UnitIndex) -> Result<(), ApiError> {
    if change.by != user.username {
        return Err(forbidden("A change must be made by the person sending it."));
    }
    match user.role {
        Role::Manager => Ok(()),
        Role::Admin => Err(forbidden("Administrators do not keep ward supplies.")),
        Role::Coordinator if change.edits_list() => Err(forbidden(
            "Only a manager may change a unit's list of supplies.",
        )),
        Role::Coordinator if !user.covers(&change.unit, units) => Err(forbidden(
            "You may keep the supplies of your own units only.",
        )),
        Role::Coordinator => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supplies::schedule::Every;

    fn change(by: &str, unit: &str, op: SupplyOp) -> SupplyChange {
        SupplyChange {
            id: Id::new_v7(2, [2; 10]),
            unit: unit.into(),
            device: Id::new_v7(3, [3; 10]),
            seq: 1,
            hlc: Timestamp {
                wall_ms: 1,
                counter: 0,
                node: 1,
            },
            by: by.into(),
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            op,
        }
    }

    fn user(name: &str, role: Role, units: &[&str]) -> User {
        User {
            username: name.into(),
            display_name: name.into(),
            role,
            units: units.iter().map(|u| u.to_string()).collect(),
            active: true,
        }
    }

    fn item() -> Item {
        Item {
            id: Id::new_v7(4, [4; 10]),
            kind: Kind::Equipment,
            name: "Wheelchair".into(),
            count_unit: String::new(),
            par: 0,
            alert: 0,
            location: String::new(),
            every: Some(Every::Weekly),
            retired: false,
        }
    }

    #[test]
    fn roles_for_the_list_and_for_the_rounds() {
        let units = UnitIndex::default();
        let add = |by| {
            change(
                by,
                "Ward 7",
                SupplyOp::AddItem {
                    item: Box::new(item()),
                },
            )
        };
        let count = |by, unit| {
            change(
                by,
                unit,
                SupplyOp::Count {
                    round: Id::new_v7(5, [5; 10]),
                    item: item().id,
                    count: 3,
                    base: None,
                    settles: vec![],
                },
            )
        };
        let ana = user("ana", Role::Coordinator, &["Ward 7"]);
        let mia = user("mia", Role::Manager, &[]);
        let root = user("root", Role::Admin, &[]);
        assert!(authorize(&mia, &add("mia"), &units).is_ok());
        assert_eq!(
            authorize(&ana, &add("ana"), &units).unwrap_err().error,
            "forbidden"
        );
        assert!(authorize(&ana, &count("ana", "Ward 7"), &units).is_ok());
        assert!(authorize(&ana, &count("ana", "Ward 9"), &units).is_err());
        assert!(authorize(&mia, &count("mia", "Ward 9"), &units).is_ok());
        assert!(authorize(&root, &count("root", "Ward 7"), &units).is_err());
        assert!(authorize(&ana, &count("mia", "Ward 7"), &units).is_err());
    }

    #[test]
    fn checks_refuse_what_no_form_makes() {
        let mut bad = item();
        bad.every = None;
        let c = change(
            "mia",
            "Ward 7",
            SupplyOp::AddItem {
                item: Box::new(bad),
            },
        );
        assert_eq!(
            c.check().unwrap_err().field.as_deref(),
            Some("op.item.every")
        );
        let c = change(
            "mia",
            "Ward 7",
            SupplyOp::Request {
                request: Box::new(Request {
                    id: Id::new_v7(6, [6; 10]),
                    to: "Linen services".into(),
                    lines: vec![],
                    note: String::new(),
                }),
            },
        );
        assert_eq!(
            c.check().unwrap_err().field.as_deref(),
            Some("op.request.lines")
        );
        let c = change(
            "mia",
            " ",
            SupplyOp::StartRound {
                round: Id::new_v7(7, [7; 10]),
            },
        );
        assert!(c.check().is_err());
    }

    #[test]
    fn a_change_reads_back_as_written() {
        let c = change(
            "ana",
            "Ward 7",
            SupplyOp::Check {
                item: item().id,
                working: false,
                note: "Brake sticks".into(),
            },
        );
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""type":"check""#), "{json}");
        assert_eq!(serde_json::from_str::<SupplyChange>(&json).unwrap(), c);
    }
}
