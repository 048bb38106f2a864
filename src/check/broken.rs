//! When part of the program does not parse, what was missing from it.

use crate::diag::{Code, Diag};

/// What an item or entry that did not parse may explain: a name it may
/// define, a use of a name it may hold, a setting it may route or default.
const EXPLAINED: &[Code] = &[
    Code::UnknownName,
    Code::UnknownReceiver,
    Code::UnknownNotifyScope,
    Code::UnknownSeverity,
    Code::UnknownNoDataSeverity,
    Code::UnusedSli,
    Code::UnusedPolicy,
    Code::UnusedReceiver,
    Code::UnroutedSeverity,
    Code::NoDefaultReceiver,
    Code::NoAlerting,
];

/// Drops the diagnostics of `diags` that an item that did not parse (or
/// holds a malformed literal, and so is not checked) may explain, and says
/// so once, in the help of the first of `syntax`.
pub fn explained_by_broken_items(diags: &mut Vec<Diag>, syntax: &mut [Diag]) {
    let before = diags.len();
    diags.retain(|d| !EXPLAINED.contains(&d.code));
    let dropped = before - diags.len();
    let Some(first) = syntax.first_mut() else {
        return;
    };
    if dropped > 0 {
        let note = "names, severities and receivers this item may define are not reported missing elsewhere until it parses";
        first.help = Some(match first.help.take() {
            Some(help) => format!("{help}; {note}"),
            None => note.to_string(),
        });
    }
}
