//! The `slo` command line: the only part of `slo` that reads files, writes
//! files and talks to the terminal.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
