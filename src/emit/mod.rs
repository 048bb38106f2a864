//! The rules IR → file contents. One module per output format.

// Slicing a string inside a character panics; `get` says what to do instead.
#![deny(clippy::string_slice)]

pub mod alertmanager;
pub mod grafana;
mod json;
pub mod prometheus;
pub mod report;
mod yaml;
