//! Advocase's domain: the vocabulary coordinators work in, the rules they
//! work under, and the records they keep, as plain data and pure functions.
//!
//! This crate must stay free of browser and server APIs (no web-sys, no
//! tokio, no sqlx, no clock, no random source): the client compiles it to
//! wasm32, the server natively, and its tests run natively in milliseconds.
//! Time and randomness come in as arguments. Anything both sides must agree
//! on lives here.

pub mod access;
pub mod accounts;
pub mod api;
pub mod audit;
pub mod case;
pub mod caseload;
pub mod change;
pub mod checklist;
pub mod dates;
pub mod deadline;
pub mod default_templates;
pub mod directory;
pub mod discharge;
pub mod encoding;
pub mod export;
pub mod followup;
pub mod hlc;
pub mod hospital;
pub mod i18n;
pub mod id;
pub mod interaction;
pub mod keyring;
pub mod limits;
pub mod listing;
pub mod log;
pub mod markup;
pub mod order;
pub mod outbox;
pub mod patient;
pub mod reference;
pub mod replica;
pub mod report;
pub mod sample;
pub mod sealed;
pub mod status;
pub mod summary;
pub mod supplies;
pub mod sync;
pub mod tagged;
pub mod validation;
pub mod wire_time;
