//! Ward supplies and equipment (issue 17): each unit's list of items with
//! par levels, quick counts taken on rounds, equipment checks on a
//! schedule, and restock requests to a department.
//!
//! Nothing here names a patient: a unit's supplies are a log of
//! [`SupplyChange`]s of their own, merged like a case's (per field, last
//! writer wins, crossings kept as visible conflicts) but synced beside the
//! case logs, not in them (docs/SUPPLIES.md).
//!
//! - `item.rs`: an item as a manager lists it, its fields merged one by one.
//! - `level.rs`: what a count means against par and alert levels.
//! - `schedule.rs`: when an equipment check is due (calendar days).
//! - `change.rs`: the change, its operations and the checks any receiver makes.
//! - `book.rs`: a unit's supplies as the fold of its changes.
//! - `editor.rs`: the managers' list editor, a desk page the server draws.
//! - `history.rs`: counts over time, time to refill, recurring stock-outs.
//! - `replica.rs`: what a device holds, sends and has pulled.
//! - `wire.rs`: the supply stream's push and pull, and what a server accepts.

pub mod book;
pub mod change;
pub mod editor;
pub mod history;
pub mod item;
pub mod level;
pub mod replica;
pub mod schedule;
pub mod wire;

pub use book::Book;
pub use change::{SupplyChange, SupplyOp};
pub use item::{Item, ItemDraft, ItemValue};
pub use level::Level;
pub use schedule::Every;

/// A count at most: a ward keeps hundreds, never a million.
pub const MAX_COUNT: u32 = 99_999;
