//! Who knows what: the hospital's structure (units, departments) and its
//! directory of people, roles and services, with search that forgives
//! typos and the suggestions for a case. Reference data, never patient
//! data: it syncs whole to every device like the templates do, not in the
//! case logs (docs/DIRECTORY.md).
//!
//! - `units.rs`: units and departments, and reading a typed unit as the unit
//!   it names (what access rules compare);
//! - `entry.rs`: an entry and its phones, checked;
//! - `merge.rs`: two editors' saves merged field by field;
//! - `search.rs`: search as you type;
//! - `suggest.rs`: "Who can help?" on a case;
//! - `page.rs`: the administrators' structure page, drawn for the app;
//! - `corrections.rs`: the editors' corrections to answer, drawn for the app;
//! - `editor.rs`: the editors' form for an entry, and its clash, drawn for the app.

pub mod corrections;
pub mod editor;
pub mod entry;
pub mod merge;
pub mod page;
pub mod search;
pub mod suggest;
pub mod units;
pub mod wire;

pub use entry::{Entry, EntryKind, Phone, PhoneKind};
pub use units::{Department, DepartmentKind, Structure, Unit, UnitIndex, UnitRef, unit_key};
