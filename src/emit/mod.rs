//! What [`crate::lower`] decided → file contents. One module per output
//! format; each only spells its model in its format.

pub mod alertmanager;
pub mod grafana;
pub mod kubernetes;
pub mod prometheus;
pub mod report;
mod yaml;

/// A generated file: a path relative to the output directory and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators, e.g. `prometheus/checkout.yml`.
    pub path: String,
    /// The full text of the file.
    pub contents: String,
}
