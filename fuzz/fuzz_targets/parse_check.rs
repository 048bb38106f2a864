//! Arbitrary bytes through everything `slo` does with a program short of
//! touching the disk: parse, check, render every diagnostic, and compile
//! when the program is clean. None of it may panic, overflow the stack or
//! run away with time or memory.
//!
//! A NUL byte splits the input into several files, so that programs spread
//! over files (policies in one, services in another) are fuzzed as well.
#![no_main]

use libfuzzer_sys::fuzz_target;
use slo::diag::{render, Sources};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        // The command line rejects non-UTF-8 files before the library sees them.
        return;
    };
    let mut sources = Sources::new();
    for (i, part) in text.split('\0').enumerate() {
        sources.add(format!("f{i}.slo"), part);
    }
    let checked = slo::check(&sources);
    for d in &checked.diags {
        let _ = render::human(d, &sources, render::Style::default());
    }
    if let Some(program) = &checked.program {
        let _ = slo::compile(program);
    }
});
