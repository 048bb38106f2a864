//! The rules IR → file contents. One module per output format.

pub mod alertmanager;
pub mod grafana;
mod json;
pub mod prometheus;
pub mod report;
mod yaml;
