//! The rules IR → file contents. One module per output format.

pub mod prometheus;
mod yaml;
