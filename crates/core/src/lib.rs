//! Advocase's domain: the vocabulary coordinators work in and the rules they
//! work under, as plain data.
//!
//! This crate must stay free of browser and server APIs (no web-sys, no
//! tokio, no sqlx): the client compiles it to wasm32, the server natively,
//! and its tests run natively in milliseconds. Anything both sides must agree
//! on lives here.

pub mod api;
pub mod reference;
