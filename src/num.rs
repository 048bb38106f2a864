//! Exact numbers for the budget math, and clean printing.
//!
//! Targets, burn factors and windows are written as decimals and compared at
//! boundaries ("can 10x at 90% ever fire?" — exactly not), so the math is done
//! on fractions, not floats. Literals are bounded by the parser (at most 12
//! significant digits, durations at most ten years), which keeps every
//! product the checker forms far inside `i128`.

use std::cmp::Ordering;
use std::fmt;

/// A reduced fraction `num / den` with `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ratio {
    num: i128,
    den: i128,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.unsigned_abs(), b.unsigned_abs());
    // Fractions in specs are small: 64-bit division is many times faster
    // than the 128-bit one, which is done in software.
    if let (Ok(mut x), Ok(mut y)) = (u64::try_from(a), u64::try_from(b)) {
        while y != 0 {
            (x, y) = (y, x % y);
        }
        return i128::from(x).max(1);
    }
    while b != 0 {
        (a, b) = (b, a % b);
    }
    i128::try_from(a).unwrap_or(i128::MAX).max(1)
}

/// `a / b` truncated, as `i128` divides; in 64 bits when both fit, since
/// the 128-bit division is done in software.
fn quot(a: i128, b: i128) -> i128 {
    match (i64::try_from(a), i64::try_from(b)) {
        (Ok(x), Ok(y)) => x.checked_div(y).map_or_else(|| a / b, i128::from),
        _ => a / b,
    }
}

// Plain methods rather than `std::ops`: `div` is partial (it returns an
// `Option`), and one style for all four reads better at the call sites.
#[allow(clippy::should_implement_trait)]
impl Ratio {
    /// `num / den`; `den` must not be zero.
    pub fn new(num: i128, den: i128) -> Ratio {
        debug_assert!(den != 0, "zero denominator");
        let sign = if den < 0 { -1 } else { 1 };
        let g = gcd(num, den);
        Ratio {
            num: quot(sign * num, g),
            den: quot(sign * den, g),
        }
    }

    /// A whole number.
    pub fn int(n: i128) -> Ratio {
        Ratio { num: n, den: 1 }
    }

    /// Zero.
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    /// One.
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// Parses a plain decimal such as `14.4` or `99.95`. `None` when it has
    /// more than 12 significant digits or is not a decimal.
    pub fn parse_decimal(s: &str) -> Option<Ratio> {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) || (s.contains('.') && frac.is_empty()) {
            return None;
        }
        let digits = format!("{int}{frac}");
        let significant = digits.trim_start_matches('0');
        if significant.len() > 12 || frac.len() > 12 {
            return None;
        }
        let num: i128 = if significant.is_empty() {
            0
        } else {
            significant.parse().ok()?
        };
        Some(Ratio::new(num, 10i128.pow(frac.len() as u32)))
    }

    /// `self × other`.
    pub fn mul(self, other: Ratio) -> Ratio {
        let g1 = gcd(self.num, other.den);
        let g2 = gcd(other.num, self.den);
        Ratio::new(
            quot(self.num, g1) * quot(other.num, g2),
            quot(self.den, g2) * quot(other.den, g1),
        )
    }

    /// `self ÷ other`; `None` when `other` is zero.
    pub fn div(self, other: Ratio) -> Option<Ratio> {
        (other.num != 0).then(|| self.mul(Ratio::new(other.den, other.num)))
    }

    /// `self + other`.
    pub fn add(self, other: Ratio) -> Ratio {
        let g = gcd(self.den, other.den);
        let den = quot(self.den, g) * other.den;
        Ratio::new(
            self.num * quot(den, self.den) + other.num * quot(den, other.den),
            den,
        )
    }

    /// `self − other`.
    pub fn sub(self, other: Ratio) -> Ratio {
        self.add(Ratio::new(-other.num, other.den))
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// The nearest float.
    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl PartialOrd for Ratio {
    fn partial_cmp(&self, other: &Ratio) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ratio {
    fn cmp(&self, other: &Ratio) -> Ordering {
        (self.num * other.den).cmp(&(other.num * self.den))
    }
}

/// A terminating decimal whose digits fit 64 bits, written without 128-bit
/// division (done in software, and by far the common case): `None` for the
/// rest, which [`Ratio`]'s `Display` handles.
fn small_decimal(f: &mut fmt::Formatter<'_>, num: i128, den: i128) -> Option<fmt::Result> {
    let n = u64::try_from(num.unsigned_abs()).ok()?;
    let d = u64::try_from(den).ok()?;
    // `den` = 2^twos × 5^fives: the decimal has max(twos, fives) places.
    let (mut rest, mut twos, mut fives) = (d, 0u32, 0u32);
    while rest % 2 == 0 {
        rest /= 2;
        twos += 1;
    }
    while rest % 5 == 0 {
        rest /= 5;
        fives += 1;
    }
    if rest != 1 {
        return None;
    }
    let places = twos.max(fives);
    let power = 10u64.checked_pow(places)?;
    let scaled = n.checked_mul(power / d)?;
    // Integer part, and the fraction without its trailing zeros.
    let (int, mut frac, mut width) = (scaled / power, scaled % power, places as usize);
    while width > 0 && frac % 10 == 0 {
        frac /= 10;
        width -= 1;
    }
    let sign = if num < 0 { "-" } else { "" };
    Some(if width == 0 {
        write!(f, "{sign}{int}")
    } else {
        write!(f, "{sign}{int}.{frac:0width$}")
    })
}

impl fmt::Display for Ratio {
    /// Exact decimals print exactly (`0.999`, `0.0144`); others print with 12
    /// significant digits and no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        small_decimal(f, self.num, self.den).unwrap_or_else(|| self.fmt_any(f))
    }
}

impl Ratio {
    /// [`Ratio`]'s `Display` for any value.
    fn fmt_any(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut den = self.den;
        for p in [2, 5] {
            while den % p == 0 {
                den /= p;
            }
        }
        // Terminating decimal: scale to a power of ten, unless that power (or
        // the scaled value) does not fit, as for `1 / 2^60`.
        let scale = |mut places: u32| loop {
            let power = 10i128.checked_pow(places)?;
            if power % self.den == 0 {
                return Some((places, self.num.checked_mul(power / self.den)?));
            }
            places += 1;
        };
        let exact = if den == 1 { scale(0) } else { None };
        if let Some((places, scaled)) = exact {
            let sign = if scaled < 0 { "-" } else { "" };
            let digits = scaled.unsigned_abs().to_string();
            if places == 0 {
                return write!(f, "{sign}{digits}");
            }
            let places = places as usize;
            let padded = format!("{digits:0>width$}", width = places + 1);
            let (int, frac) = padded.split_at(padded.len() - places);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                write!(f, "{sign}{int}")
            } else {
                write!(f, "{sign}{int}.{frac}")
            }
        } else {
            f.write_str(&clean_f64(self.to_f64()))
        }
    }
}

/// Prints a float with at most 12 significant digits and nothing spurious:
/// `0.1 + 0.2` prints `0.3`.
pub fn clean_f64(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    let s = rounded.to_string();
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// An SLO's target: the percentage as written (`99.9` for `target =
/// 99.9%`), the ratio it stands for (`0.999`) and the error budget that
/// leaves (`0.001`), all exact. It prints as written, `99.9%`.
///
/// Keeping the written value means nothing multiplies a ratio back by 100
/// to show it, and the decimals shown are those the author wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    percent: Ratio,
    ratio: Ratio,
    /// Worked out once: every alert of the SLO asks for it.
    budget: Ratio,
}

impl Target {
    /// The target written as `percent`%; `None` when it is not strictly
    /// between 0 and 100 (no budget, or nothing to meet).
    pub fn from_percent(percent: Ratio) -> Option<Target> {
        let ratio = percent.div(Ratio::int(100))?;
        (Ratio::ZERO < ratio && ratio < Ratio::ONE).then(|| Target {
            percent,
            ratio,
            budget: Ratio::ONE.sub(ratio),
        })
    }

    /// The percentage as written: 99.9.
    pub fn percent(self) -> Ratio {
        self.percent
    }

    /// The share of good events it asks for: 0.999.
    pub fn ratio(self) -> Ratio {
        self.ratio
    }

    /// The error budget, the share of events that may fail: 0.001.
    pub fn budget(self) -> Ratio {
        self.budget
    }

    /// The error budget in percent: 0.1.
    pub fn budget_percent(self) -> Ratio {
        Ratio::int(100).sub(self.percent)
    }

    /// How many decimals the percentage has: 1 for `99.9%`, 0 for `99%`.
    pub fn decimals(self) -> usize {
        let mut scaled = self.percent;
        let mut places = 0;
        // Written targets have at most 12 significant digits.
        while scaled.den != 1 && places < 40 {
            scaled = scaled.mul(Ratio::int(10));
            places += 1;
        }
        places
    }
}

impl fmt::Display for Target {
    /// As written: `99.9%`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.percent)
    }
}

/// A duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub u64);

impl Duration {
    /// One second.
    pub const SECOND: u64 = 1000;
    /// One minute.
    pub const MINUTE: u64 = 60 * Self::SECOND;
    /// One hour.
    pub const HOUR: u64 = 60 * Self::MINUTE;
    /// One day.
    pub const DAY: u64 = 24 * Self::HOUR;
    /// One week.
    pub const WEEK: u64 = 7 * Self::DAY;
    /// The longest duration the language accepts: ten years.
    pub const MAX: Duration = Duration(3650 * Self::DAY);

    /// Parses `5m`, `300ms`, `1h30m`, `1.5h`. `None` when malformed, not a
    /// whole number of milliseconds, or longer than [`Duration::MAX`].
    pub fn parse(s: &str) -> Option<Duration> {
        let mut total = Ratio::ZERO;
        let mut rest = s;
        while !rest.is_empty() {
            let digits = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at_checked(digits)?;
            let number = Ratio::parse_decimal(number)?;
            rest = after;
            let (unit, len) = if rest.starts_with("ms") {
                (1, 2)
            } else {
                let unit = match rest.chars().next()? {
                    's' => Self::SECOND,
                    'm' => Self::MINUTE,
                    'h' => Self::HOUR,
                    'd' => Self::DAY,
                    'w' => Self::WEEK,
                    _ => return None,
                };
                (unit, 1)
            };
            rest = rest.get(len..)?;
            total = total.add(number.mul(Ratio::int(unit as i128)));
            if total > Ratio::int(Self::MAX.0 as i128) {
                return None;
            }
        }
        (total.den == 1 && total.num >= 0).then_some(Duration(total.num as u64))
    }

    /// The duration as an exact number of milliseconds.
    pub fn ratio(self) -> Ratio {
        Ratio::int(self.0 as i128)
    }

    /// The duration in seconds.
    pub fn seconds(self) -> Ratio {
        Ratio::new(self.0 as i128, Self::SECOND as i128)
    }

    /// The duration in days.
    pub fn days(self) -> Ratio {
        Ratio::new(self.0 as i128, Self::DAY as i128)
    }
}

impl fmt::Display for Duration {
    /// The Prometheus spelling with a single unit, the largest that divides
    /// evenly, never weeks: `5m`, `1h`, `90m`, `30d`. Used in series names
    /// (`ratio_rate30d`) and in PromQL ranges, so it must stay stable.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        for (unit, suffix) in [
            (Self::DAY, "d"),
            (Self::HOUR, "h"),
            (Self::MINUTE, "m"),
            (Self::SECOND, "s"),
        ] {
            if ms != 0 && ms.is_multiple_of(unit) {
                return write!(f, "{}{suffix}", ms / unit);
            }
        }
        if ms == 0 {
            // As a spec writes it: `0s`, not `0ms`.
            return f.write_str("0s");
        }
        write!(f, "{ms}ms")
    }
}

/// A human spelling of a duration with up to two units: `43m12s`, `2d2h`, `7h12m`.
pub fn human_duration(ms: f64) -> String {
    if !ms.is_finite() || ms < 0.0 {
        return "∞".to_string();
    }
    let total_s = (ms / 1000.0).round() as u64;
    if total_s == 0 {
        return format!("{}ms", ms.round() as u64);
    }
    let parts = [
        (total_s / 86400, "d"),
        (total_s % 86400 / 3600, "h"),
        (total_s % 3600 / 60, "m"),
        (total_s % 60, "s"),
    ];
    let first = parts.iter().position(|(n, _)| *n > 0).unwrap_or(3);
    parts[first..]
        .iter()
        .take(2)
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect()
}

/// A number rounded to at most `digits` significant digits, for reading
/// rather than computing: `2.057142857…` prints `2.057`, `14.4` stays `14.4`.
pub fn approx(r: Ratio, digits: u32) -> String {
    let x = r.to_f64();
    if x == 0.0 || !x.is_finite() {
        return clean_f64(x);
    }
    let magnitude = x.abs().log10().floor() as i32;
    let places = (digits as i32 - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.places$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> Ratio {
        Ratio::parse_decimal(s).expect("decimal")
    }

    #[test]
    fn a_target_keeps_what_was_written() {
        let t = Target::from_percent(r("99.95")).expect("in range");
        assert_eq!(t.to_string(), "99.95%");
        assert_eq!(t.ratio().to_string(), "0.9995");
        assert_eq!(t.budget().to_string(), "0.0005");
        assert_eq!(t.budget_percent().to_string(), "0.05");
        assert_eq!(t.decimals(), 2);
        assert_eq!(Target::from_percent(r("99")).map(Target::decimals), Some(0));
        assert_eq!(Target::from_percent(r("100")), None);
        assert_eq!(Target::from_percent(r("0")), None);
    }

    #[test]
    fn decimals_print_exactly() {
        let objective = r("99.9").div(Ratio::int(100)).expect("nonzero");
        assert_eq!(objective.to_string(), "0.999");
        assert_eq!(Ratio::ONE.sub(objective).to_string(), "0.001");
        assert_eq!(
            r("14.4").mul(Ratio::ONE.sub(objective)).to_string(),
            "0.0144"
        );
        assert_eq!(Ratio::int(30).to_string(), "30");
    }

    #[test]
    fn boundary_comparisons_are_exact() {
        // 10x at 90%: 10 × 0.1 is exactly 1, which floats get wrong.
        let budget = Ratio::ONE.sub(r("0.9"));
        assert_eq!(r("10").mul(budget), Ratio::ONE);
    }

    #[test]
    fn decimals_too_long_for_i128_print_rounded() {
        // 1 / 2^60 terminates, but only after 60 decimal places.
        let tiny = Ratio::new(1, 1 << 60);
        assert_eq!(tiny.to_string(), clean_f64(tiny.to_f64()));
        assert_eq!(Ratio::new(3, 1 << 20).to_string(), "0.00000286102294921875");
    }

    #[test]
    fn the_fast_way_prints_what_the_general_one_does() {
        struct General(Ratio);
        impl fmt::Display for General {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt_any(f)
            }
        }
        let nums = [
            0,
            1,
            -1,
            7,
            999,
            -12_345,
            123_456_789,
            i128::from(u64::MAX),
            -(1 << 100),
        ];
        let dens = [
            (0, 0),
            (1, 0),
            (0, 1),
            (3, 3),
            (10, 0),
            (0, 20),
            (30, 12),
            (62, 0),
            (1, 27),
        ];
        for num in nums {
            for (twos, fives) in dens {
                let r = Ratio::new(num, (1i128 << twos) * 5i128.pow(fives));
                assert_eq!(
                    r.to_string(),
                    General(r).to_string(),
                    "{num} / 2^{twos} 5^{fives}"
                );
            }
        }
        assert_eq!(Ratio::new(-1, 2).to_string(), "-0.5");
        assert_eq!(Ratio::new(1, 1024).to_string(), "0.0009765625");
        assert_eq!(Ratio::new(12_345_678, 100).to_string(), "123456.78");
    }

    #[test]
    fn non_terminating_fractions_print_rounded() {
        assert_eq!(Ratio::new(1, 3).to_string(), "0.333333333333");
        assert_eq!(clean_f64(0.1 + 0.2), "0.3");
    }

    #[test]
    fn durations_parse_and_print() {
        assert_eq!(Duration::parse("5m"), Some(Duration(300_000)));
        assert_eq!(Duration::parse("300ms"), Some(Duration(300)));
        // A zero window is an error, and its message says it as written.
        assert_eq!(Duration(0).to_string(), "0s");
        assert_eq!(
            Duration::parse("1h30m").map(|d| d.to_string()),
            Some("90m".into())
        );
        assert_eq!(
            Duration::parse("1.5h").map(|d| d.to_string()),
            Some("90m".into())
        );
        assert_eq!(
            Duration::parse("30d").map(|d| d.to_string()),
            Some("30d".into())
        );
        assert_eq!(
            Duration::parse("1w").map(|d| d.to_string()),
            Some("7d".into())
        );
        assert_eq!(Duration::parse("0.5ms"), None);
        assert_eq!(Duration::parse("99999w"), None);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(43.2 * 60_000.0), "43m12s");
        assert_eq!(human_duration(50.0 * 3_600_000.0), "2d2h");
    }

    #[test]
    fn approximations_keep_significant_digits() {
        assert_eq!(approx(r("14.4"), 4), "14.4");
        assert_eq!(approx(Ratio::new(72, 35), 4), "2.057");
        assert_eq!(approx(r("0.0001"), 4), "0.0001");
        assert_eq!(approx(r("123456"), 4), "123456");
        assert_eq!(approx(Ratio::new(2, 3), 2), "0.67");
    }
}
