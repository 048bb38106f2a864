//! The error-budget report (`slo budget`) of [`crate::lower::report`]: an
//! aligned table and Markdown (`table.rs`), and JSON (`json.rs`).

mod html;
mod json;
mod table;

use crate::num::Ratio;

pub use html::{html, write as write_html};
pub use json::json;
pub use table::{human, markdown, percent};

/// A duration spelt with every unit down to the second, rounded to the
/// nearest second: `43m12s`, `6h43m12s`, `4d6h51m26s`; under a second, in
/// milliseconds. Unlike [`crate::num::human_duration`] nothing but the
/// fraction of a second is dropped: a budget of 6h43m12s is not 6h43m.
pub fn spell(ms: Ratio) -> String {
    let ms = ms.to_f64();
    if !ms.is_finite() || ms < 0.0 {
        return "∞".to_string();
    }
    if ms < 1000.0 {
        return format!("{}ms", ms.round() as u64);
    }
    let total = (ms / 1000.0).round() as u64;
    [
        (total / 86_400, "d"),
        (total % 86_400 / 3600, "h"),
        (total % 3600 / 60, "m"),
        (total % 60, "s"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, unit)| format!("{n}{unit}"))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Ratio {
        Ratio::parse_decimal(s).expect("decimal")
    }

    #[test]
    fn durations_are_spelt_to_the_second() {
        assert_eq!(spell(r("2592000")), "43m12s");
        assert_eq!(spell(r("24192000")), "6h43m12s");
        assert_eq!(spell(r("51840")), "52s");
        assert_eq!(spell(r("180000000")), "2d2h");
        assert_eq!(spell(r("86401000")), "1d1s");
        assert_eq!(spell(r("840")), "840ms");
    }
}
