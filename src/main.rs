//! The `slo` command line: the only part of `slo` that reads files, writes
//! files and talks to the terminal.

#![deny(clippy::string_slice)]

mod cli;

/// See `Cargo.toml` and docs/performance.md for why not the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
