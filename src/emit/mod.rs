//! The rules IR → file contents. One module per output format.

pub mod alertmanager;
pub mod grafana;
pub mod prometheus;
pub mod report;
mod yaml;
