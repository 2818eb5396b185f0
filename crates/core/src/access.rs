//! Who may see and change which cases. The server enforces these rules on
//! every push and pull; the client uses the same functions only to avoid
//! offering what would be refused.

use serde::{Deserialize, Serialize};

use crate::api::ApiError;
use crate::case::Case;
use crate::change::{Change, Op, Refusal};
use crate::directory::{UnitIndex, unit_key};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sees the cases of the units they cover and those assigned to them.
    Coordinator,
    /// Sees and may change every case; deletes cases opened by mistake.
    Manager,
    /// Manages accounts. Sees no patient data: IT staff need not.
    Admin,
}
crate::identified!(Role {
    Coordinator,
    Manager,
    Admin
});

impl Role {
    pub const ALL: &'static [Role] = &[Role::Coordinator, Role::Manager, Role::Admin];

    pub const fn label(self) -> &'static str {
        match self {
            Role::Coordinator => "Coordinator",
            Role::Manager => "Manager",
            Role::Admin => "Administrator",
        }
    }

    pub fn ident(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn from_ident(s: &str) -> Option<Role> {
        Role::ALL.iter().copied().find(|r| r.ident() == s)
    }
}

/// An account as the API shows it (never with its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct User {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The units a coordinator covers, e.g. "4 West".
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}
crate::record!(User);

/// What decides who may see a case: its unit and the people it is tied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holders<'a> {
    pub unit: &'a str,
    pub assignee: &'a str,
    pub created_by: &'a str,
    /// Everyone else the case is tied to, one username a line: owners of
    /// its tasks and those escalations were sent to ([`Case::involved`]).
    pub involved: &'a str,
}

fn yes() -> bool {
    true
}

impl User {
    /// Whether this user covers `unit`, comparing units as `units` reads
    /// them: "4B", "Unit 4-B" and a unit's former name are one unit, and
    /// two texts that name no unit match if they are the same but for
    /// case, spacing and punctuation (`directory::unit_key`).
    pub fn covers(&self, unit: &str, units: &UnitIndex) -> bool {
        if unit_key(unit).is_empty() {
            return false;
        }
        let wanted = units.unit_ref(unit);
        self.units.iter().any(|u| units.unit_ref(u) == wanted)
    }

    pub fn can_see(&self, case: &Case, units: &UnitIndex) -> bool {
        self.can_see_case_of(
            &Holders {
                unit: &case.patient.unit,
                assignee: &case.assignee,
                created_by: &case.created_by,
                involved: &case.involved(),
            },
            units,
        )
    }

    /// [`User::can_see`] from the only fields it reads, so a server that
    /// keeps those beside each case decides without reading whole cases.
    pub fn can_see_case_of(&self, holders: &Holders<'_>, units: &UnitIndex) -> bool {
        match self.role {
            Role::Manager => true,
            Role::Admin => false,
            Role::Coordinator => {
                self.covers(holders.unit, units)
                    || holders.assignee == self.username
                    || holders.created_by == self.username
                    || holders.involved.lines().any(|u| u == self.username)
            }
        }
    }
}

fn forbidden(message: impl Into<String>) -> Refusal {
    ApiError::new("forbidden", message)
}

/// Whether `user` may make `change` to the case as the receiver holds it
/// (`None`: a case it has never seen). Run after [`Change::check`].
pub fn authorize(
    user: &User,
    change: &Change,
    current: Option<&Holders<'_>>,
    units: &UnitIndex,
) -> Result<(), Refusal> {
    if change.by != user.username {
        return Err(forbidden(format!(
            "This change was recorded by {} and cannot be sent by {}.",
            change.by, user.username
        )));
    }
    if user.role == Role::Admin {
        return Err(forbidden(
            "Administrators manage accounts; they cannot change cases.",
        ));
    }
    match (&change.op, current) {
        (Op::Open { case }, None) => {
            if user.can_see(case, units) {
                Ok(())
            } else {
                Err(forbidden(
                    "You cannot open a case you would not be allowed to see: assign it to yourself or to a unit you cover.",
                ))
            }
        }
        (Op::Open { .. }, Some(_)) => Err(ApiError {
            error: "invalid".into(),
            message: "A case with this id already exists.".into(),
            field: Some("case_id".into()),
        }),
        (_, None) => Err(ApiError {
            error: "invalid".into(),
            message: "This case is not on the server (was its opening refused?).".into(),
            field: Some("case_id".into()),
        }),
        (op, Some(holders)) => {
            if !user.can_see_case_of(holders, units) {
                return Err(forbidden(
                    "This case belongs to a unit you do not cover and is not assigned to you.",
                ));
            }
            if matches!(op, Op::Delete { .. }) && user.role != Role::Manager {
                return Err(forbidden("Only a manager can delete a case."));
            }
            Ok(())
        }
    }
}
