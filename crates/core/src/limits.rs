//! How long texts and lists may be, for every record that holds them:
//! cases, interactions, checklists, the hospital's structure and its
//! directory. One place, so a field that moves between records keeps its
//! limit, and the server refuses what a device would.

/// A person's or an entry's name.
pub const MAX_NAME: usize = 200;
/// A label, a code, a phone number, a unit.
pub const MAX_SHORT: usize = 100;
/// Free text: a description, a summary, notes.
pub const MAX_TEXT: usize = 10_000;
/// Tags on a case.
pub const MAX_TAGS: usize = 20;
/// Rows of a small list kept whole: units, departments, an entry's phones.
pub const MAX_LIST: usize = 500;
