//! The page of `slo report`: one self-contained HTML file (inline CSS and
//! SVG, no scripts, nothing fetched) that draws what
//! [`crate::lower::picture`] works out. For every SLO its budget; for every
//! SLO with burn-rate alerts, the figures `slo budget` prints, how long
//! each alert takes to fire at each constant error ratio (the detection
//! chart) and when each alert fires over a few simulated incidents (one
//! timeline per profile).
//!
//! - The output is a pure function of the picture: coordinates are written
//!   with at most one decimal, and nothing depends on the clock, on hashing
//!   or on the machine.
//! - Colours are the Okabe–Ito palette, set as CSS custom properties that a
//!   dark colour scheme overrides; every policy line also has its own dash
//!   pattern and marker, so that colour is never the only cue.
//! - Every chart is `role="img"` with a `<title>` and a `<desc>` that says
//!   in words what it shows.
//! - Long series are thinned to what the chart's width can show (per pixel
//!   column: first, lowest, highest and last point), so that a page of a
//!   thousand SLOs stays under 20 MB (`tests/report_page.rs`).

use std::collections::HashSet;
use std::fmt::{self, Write};

use super::{percent, spell};
use crate::lower::picture::{Detection, Picture, SloPicture, Timeline};
use crate::lower::report::{AlertBudget, SloBudget};
use crate::num::{approx, Duration, Ratio};

/// The page of `picture`.
pub fn html(picture: &Picture) -> String {
    let mut out = String::with_capacity(16 * 1024 + picture.slos.len() * 20 * 1024);
    let budgets: Vec<SloBudget> = picture.slos.iter().map(|s| s.budget.clone()).collect();
    let _ = write(
        &mut |chunk: &str| {
            out.push_str(chunk);
            Ok(())
        },
        &budgets,
        &picture.profiles,
        picture.slos.iter().cloned(),
    );
    out
}

/// Writes the page a piece at a time to `sink`: the head and overview of
/// `budgets` (every SLO, in order), then the section of each SLO as
/// `slos` makes it (the same SLOs, in the same order), then the end. Only
/// one SLO's section is held at a time.
pub fn write(
    sink: &mut dyn FnMut(&str) -> std::io::Result<()>,
    budgets: &[SloBudget],
    profiles: &[String],
    slos: impl Iterator<Item = SloPicture>,
) -> std::io::Result<()> {
    let anchors = anchors(budgets);
    let mut out = String::with_capacity(64 * 1024);
    // Writing into a `String` cannot fail.
    let _ = head(&mut out, budgets, profiles, &anchors);
    sink(&out)?;
    for (i, (slo, anchor)) in slos.zip(&anchors).enumerate() {
        out.clear();
        let _ = section(&mut out, i, &slo, anchor);
        sink(&out)?;
    }
    out.clear();
    let _ = tail(&mut out, budgets);
    sink(&out)
}

// ---------------------------------------------------------------------------
// Text

/// Text escaped for HTML and XML, in element content and in quoted
/// attribute values alike. Control characters, which XML does not allow,
/// print as U+FFFD.
struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' | '\r' => f.write_char(c)?,
                c if c.is_control() => f.write_char('\u{FFFD}')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// A coordinate with at most one decimal, without a trailing `.0`.
struct N(f64);

impl fmt::Display for N {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenths = if self.0.is_finite() {
            (self.0 * 10.0).round()
        } else {
            0.0
        };
        if tenths == 0.0 {
            f.write_str("0")
        } else if tenths % 10.0 == 0.0 {
            write!(f, "{}", tenths / 10.0)
        } else {
            write!(f, "{:.1}", tenths / 10.0)
        }
    }
}

/// A float as an exact ratio, for the spellings that take one.
fn ratio(x: f64) -> Ratio {
    const SCALE: i128 = 1_000_000_000_000;
    if !x.is_finite() {
        return Ratio::ZERO;
    }
    Ratio::new((x * SCALE as f64).round() as i128, SCALE)
}

/// A float ratio as a percentage, as `slo budget` prints one: `1.44%`.
fn pct(x: f64) -> String {
    percent(ratio(x))
}

/// `10^k` as a percentage: `0.1%`, `100%`.
fn decade_percent(k: i32) -> String {
    // A log axis of ratios spans a dozen decades at most (the language
    // keeps twelve significant digits); saturate rather than overflow.
    let power = 10i128.checked_pow(k.unsigned_abs()).unwrap_or(i128::MAX);
    if k >= 0 {
        percent(Ratio::int(power))
    } else {
        percent(Ratio::new(1, power))
    }
}

/// A minute of a profile as a duration since it started: `0m`, `1h2m`.
fn minute(m: usize) -> String {
    if m == 0 {
        "0m".to_string()
    } else {
        spell(Ratio::int(m as i128 * Duration::MINUTE as i128))
    }
}

/// A burn rate for a narrow axis: `0.1`, `1000`, `10k`, `1M`.
fn short(x: f64) -> String {
    if x >= 1e6 {
        format!("{}M", num(x / 1e6))
    } else if x >= 1e4 {
        format!("{}k", num(x / 1e3))
    } else {
        num(x)
    }
}

/// A number to three significant digits: `1000`, `14.4`, `0.25`.
fn num(x: f64) -> String {
    approx(ratio(x), 3)
}

// ---------------------------------------------------------------------------
// Palette

/// Colours of the palette (`--c0` … `--c6`).
const COLOURS: usize = 7;
/// Dash patterns (`.d0` … `.d4`).
const DASHES: usize = 5;
/// Marker shapes.
const MARKERS: usize = 4;

/// The style of policy line `i`: colour, dash pattern and marker.
#[derive(Clone, Copy)]
struct Look {
    colour: usize,
    dash: usize,
    marker: usize,
}

fn look(i: usize) -> Look {
    Look {
        colour: i % COLOURS,
        dash: i % DASHES,
        marker: i % MARKERS,
    }
}

/// Draws the marker of a line centred on `(x, y)`: a circle, a square, a
/// triangle or a diamond.
fn marker(out: &mut String, look: Look, x: f64, y: f64) -> fmt::Result {
    let c = look.colour;
    match look.marker {
        0 => writeln!(
            out,
            r#"<circle class="mk f{c}" cx="{}" cy="{}" r="4.5"/>"#,
            N(x),
            N(y)
        ),
        1 => writeln!(
            out,
            r#"<rect class="mk f{c}" x="{}" y="{}" width="8" height="8"/>"#,
            N(x - 4.0),
            N(y - 4.0)
        ),
        2 => writeln!(
            out,
            r#"<path class="mk f{c}" d="M{} {}l5.5 9.5h-11z"/>"#,
            N(x),
            N(y - 5.5)
        ),
        _ => writeln!(
            out,
            r#"<path class="mk f{c}" d="M{} {}l5.5 5.5l-5.5 5.5l-5.5-5.5z"/>"#,
            N(x),
            N(y - 5.5)
        ),
    }
}

/// A small picture of line `i` (its colour, dash and marker) for a table.
fn key(out: &mut String, i: usize) -> fmt::Result {
    let l = look(i);
    out.push_str(
        r#"<svg class="key" viewBox="0 0 32 12" width="32" height="12" aria-hidden="true">"#,
    );
    writeln!(
        out,
        r#"<line class="curve s{} d{}" x1="2" y1="6" x2="30" y2="6"/>"#,
        l.colour, l.dash
    )?;
    marker(out, l, 16.0, 6.0)?;
    out.push_str("</svg>");
    Ok(())
}

const STYLE: &str = r#"
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --lane: #f3f5f7;
  --grid: #e4e8ec; --rule: #d5dbe1; --link: #0b61a4; --area: #56B4E9;
  --c0: #0072B2; --c1: #E69F00; --c2: #009E73; --c3: #D55E00;
  --c4: #CC79A7; --c5: #56B4E9; --c6: #000000;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #111418; --fg: #e6e9ed; --muted: #9ba5b0; --lane: #1b2027;
    --grid: #29313a; --rule: #343d48; --link: #7cc4f0; --area: #56B4E9;
    --c0: #56B4E9; --c5: #F0E442; --c6: #ffffff;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1040px; margin: 0 auto; padding: 28px 28px 64px; }
h1 { font-size: 1.6rem; margin: 0 0 .35rem; letter-spacing: -.01em; }
h2 { font-size: 1.25rem; margin: 2.75rem 0 .2rem; padding-top: 1rem; border-top: 1px solid var(--rule); }
h3 { font-size: 1rem; margin: 1.6rem 0 .35rem; }
h4 { font-size: .9rem; margin: 1.2rem 0 0; font-weight: 600; }
p { margin: .35rem 0; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
.muted, .lede { color: var(--muted); }
.lede { max-width: 62rem; }
.top { font-size: .8rem; font-weight: 400; margin-left: .6rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .875rem; font-variant-numeric: tabular-nums; margin: .6rem 0; }
th, td { padding: .32rem .8rem .32rem 0; text-align: left; border-bottom: 1px solid var(--rule); white-space: nowrap; }
th { font-size: .78rem; font-weight: 600; color: var(--muted); }
td.num, th.num { text-align: right; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; font-size: .875rem; margin: .5rem 0; }
dt { font-weight: 600; }
dd { margin: 0; color: var(--muted); }
figure { margin: .4rem 0 1.2rem; }
svg.chart { display: block; width: 100%; height: auto; }
svg.chart, svg.key { fill: var(--fg); font-size: 12px; }
svg.key { vertical-align: -1px; margin-right: .45rem; }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .axis-title { fill: var(--muted); font-size: 12px; }
svg .note { fill: var(--muted); font-size: 12px; font-style: italic; }
svg .times { fill: var(--muted); }
svg .halo { paint-order: stroke; stroke: var(--bg); stroke-width: 4px; stroke-linejoin: round; }
.grid { stroke: var(--grid); stroke-width: 1; }
.axis { stroke: var(--muted); stroke-width: 1; }
.frame { fill: none; stroke: var(--rule); stroke-width: 1; }
.curve { fill: none; stroke-width: 2.25; stroke-linejoin: round; stroke-linecap: round; }
.s0 { stroke: var(--c0); } .s1 { stroke: var(--c1); } .s2 { stroke: var(--c2); } .s3 { stroke: var(--c3); }
.s4 { stroke: var(--c4); } .s5 { stroke: var(--c5); } .s6 { stroke: var(--c6); }
.f0 { fill: var(--c0); } .f1 { fill: var(--c1); } .f2 { fill: var(--c2); } .f3 { fill: var(--c3); }
.f4 { fill: var(--c4); } .f5 { fill: var(--c5); } .f6 { fill: var(--c6); }
.d1 { stroke-dasharray: 9 4; } .d2 { stroke-dasharray: 2 3.5; } .d3 { stroke-dasharray: 12 3 2 3; } .d4 { stroke-dasharray: 5 5; }
.curve.d2 { stroke-linecap: butt; }
.mk { stroke: var(--bg); stroke-width: 1.5; }
.burn { fill: none; stroke: var(--fg); stroke-width: 1.75; stroke-linejoin: round; }
.pace { stroke: var(--fg); stroke-width: 1.25; stroke-dasharray: 6 4; opacity: .7; }
.errors { fill: var(--area); fill-opacity: .28; stroke: var(--area); stroke-opacity: .6; stroke-width: 1; }
.lane { fill: var(--lane); }
.hatch { stroke: var(--muted); stroke-width: 1.5; opacity: .45; }
.uncaught { stroke: var(--muted); stroke-width: 1; stroke-dasharray: 3 3; }
"#;

// ---------------------------------------------------------------------------
// Scales and traces

/// Maps values to pixels, linearly or on a log scale. Values outside the
/// domain are drawn at its edges.
#[derive(Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
    log: bool,
}

impl Scale {
    fn linear(lo: f64, hi: f64, from: f64, to: f64) -> Scale {
        Scale {
            lo,
            hi,
            from,
            to,
            log: false,
        }
    }

    /// `lo` and `hi` must be positive.
    fn log(lo: f64, hi: f64, from: f64, to: f64) -> Scale {
        Scale {
            lo: lo.log10(),
            hi: hi.log10(),
            from,
            to,
            log: true,
        }
    }

    fn at(&self, v: f64) -> f64 {
        let v = if self.log {
            v.max(f64::MIN_POSITIVE).log10()
        } else {
            v
        };
        let span = self.hi - self.lo;
        let t = if span > 0.0 {
            ((v - self.lo) / span).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.from + t * (self.to - self.from)
    }

    /// The powers of ten inside a log scale's domain, as exponents.
    fn decades(&self) -> std::ops::RangeInclusive<i32> {
        let lo = (self.lo - 1e-9).ceil() as i32;
        let hi = (self.hi + 1e-9).floor() as i32;
        lo..=hi
    }
}

/// One series in pixels, thinned as it is drawn: of the points in one
/// pixel column it keeps the first, the lowest, the highest and the last
/// (no spike is lost), and of a run along a horizontal or vertical line
/// only its ends. A gap starts a new subpath.
#[derive(Default)]
struct Trace {
    points: Vec<(f64, f64)>,
    /// Where each subpath starts in `points`.
    starts: Vec<usize>,
    column: Option<Column>,
}

/// The points of a trace that fall in one pixel column.
#[derive(Clone, Copy)]
struct Column {
    index: i64,
    first: (f64, f64),
    low: (f64, f64),
    high: (f64, f64),
    last: (f64, f64),
}

impl Trace {
    /// Adds a point; `x` must not be negative.
    fn point(&mut self, x: f64, y: f64) {
        let p = (x, y);
        // Truncation is the floor for what is drawn, right of the origin.
        let index = x as i64;
        match &mut self.column {
            Some(c) if c.index == index => {
                if p.1 < c.low.1 {
                    c.low = p;
                }
                if p.1 > c.high.1 {
                    c.high = p;
                }
                c.last = p;
            }
            _ => {
                self.flush();
                self.column = Some(Column {
                    index,
                    first: p,
                    low: p,
                    high: p,
                    last: p,
                });
            }
        }
    }

    /// Ends the current subpath: the next point starts a new one.
    fn gap(&mut self) {
        self.flush();
        if self.starts.last() != Some(&self.points.len()) {
            self.starts.push(self.points.len());
        }
    }

    fn flush(&mut self) {
        let Some(c) = self.column.take() else {
            return;
        };
        let (a, b) = if c.low.0 <= c.high.0 {
            (c.low, c.high)
        } else {
            (c.high, c.low)
        };
        let mut previous = None;
        for p in [c.first, a, b, c.last] {
            if previous != Some(p) {
                self.keep(p);
                previous = Some(p);
            }
        }
    }

    fn keep(&mut self, p: (f64, f64)) {
        let p = (tenth(p.0), tenth(p.1));
        let start = self.starts.last().copied().unwrap_or(0);
        let len = self.points.len();
        if len > start && self.points.last() == Some(&p) {
            return;
        }
        if len >= start + 2 {
            if let (Some(&a), Some(&b)) = (self.points.get(len - 2), self.points.get(len - 1)) {
                let between = |u: f64, v: f64, w: f64| u.min(w) <= v && v <= u.max(w);
                let straight = (a.1 == b.1 && b.1 == p.1 && between(a.0, b.0, p.0))
                    || (a.0 == b.0 && b.0 == p.0 && between(a.1, b.1, p.1));
                if straight {
                    if let Some(last) = self.points.last_mut() {
                        *last = p;
                    }
                    return;
                }
            }
        }
        self.points.push(p);
    }

    /// The points, as the `d` of a path; `close_at` closes each subpath
    /// down to that height, making an area.
    fn write(&mut self, out: &mut String, close_at: Option<f64>) -> fmt::Result {
        self.flush();
        let mut bounds = Vec::with_capacity(self.starts.len() + 2);
        bounds.push(0);
        bounds.extend(self.starts.iter().copied());
        bounds.push(self.points.len());
        for pair in bounds.windows(2) {
            let &[start, end] = pair else {
                continue;
            };
            let Some(segment) = self.points.get(start..end) else {
                continue;
            };
            let (Some(&(x0, y0)), Some(&(x1, _))) = (segment.first(), segment.last()) else {
                continue;
            };
            match close_at {
                Some(base) => write!(out, "M{} {}L{} {}", N(x0), N(base), N(x0), N(y0))?,
                None => write!(out, "M{} {}", N(x0), N(y0))?,
            }
            for &(x, y) in segment.iter().skip(1) {
                write!(out, "L{} {}", N(x), N(y))?;
            }
            if let Some(base) = close_at {
                write!(out, "L{} {}Z", N(x1), N(base))?;
            }
        }
        Ok(())
    }
}

/// `v` rounded to a tenth, as [`N`] prints it.
fn tenth(v: f64) -> f64 {
    if (0.0..1e9).contains(&v) {
        // A cast truncates in one instruction, where `round` is a call.
        ((v * 10.0 + 0.5) as i64) as f64 / 10.0
    } else {
        (v * 10.0).round() / 10.0
    }
}

// ---------------------------------------------------------------------------
// The page

/// Everything before the first SLO's section: the head, the header and
/// the overview of `slos`.
fn head(
    out: &mut String,
    slos: &[SloBudget],
    profiles: &[String],
    anchors: &[String],
) -> fmt::Result {
    let services = slos
        .iter()
        .map(|s| s.service.as_str())
        .collect::<HashSet<_>>()
        .len();
    let alerting = alerting(slos);

    out.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"slo report\">\n");
    writeln!(
        out,
        "<title>SLO report: {} in {}</title>",
        count(slos.len(), "SLO", "SLOs"),
        count(services, "service", "services")
    )?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>\n<main>")?;

    out.push_str("<header>\n<h1>Error budgets and alert coverage</h1>\n");
    write!(
        out,
        "<p class=\"lede\">{} in {}; {} burn-rate alerts.",
        count(slos.len(), "SLO", "SLOs"),
        count(services, "service", "services"),
        match alerting {
            0 if slos.len() == 1 => "it has no".to_string(),
            0 => "none has".to_string(),
            1 if slos.len() == 1 => "it has".to_string(),
            n if n == slos.len() => "all have".to_string(),
            1 => "1 has".to_string(),
            n => format!("{n} have"),
        }
    )?;
    if alerting > 0 {
        out.push_str(
            " For each SLO with alerts: the budget figures of its policy, how long each \
             alert takes to fire at a constant error ratio, and when each fires over \
             simulated incidents, evaluated minute by minute as Prometheus evaluates the \
             generated rules (<a href=\"#reading\">how to read the charts</a>).",
        );
    }
    out.push_str("</p>\n");
    if alerting > 0 && !profiles.is_empty() {
        out.push_str("<p class=\"lede\">Profiles simulated: ");
        for (i, p) in profiles.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write!(out, "<strong>{}</strong>", Escaped(p))?;
        }
        out.push_str(".</p>\n");
    }
    out.push_str("</header>\n");

    overview(out, slos, anchors)
}

/// How many of `slos` have burn-rate alerts.
fn alerting(slos: &[SloBudget]) -> usize {
    slos.iter().filter(|s| !s.alerts.is_empty()).count()
}

/// Everything after the last SLO's section.
fn tail(out: &mut String, slos: &[SloBudget]) -> fmt::Result {
    if alerting(slos) > 0 {
        reading(out)?;
    }
    out.push_str("</main>\n</body>\n</html>\n");
    Ok(())
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The id of each SLO's section, `slo-<service>-<slo>`; when two SLOs
/// would share one (`a-b`/`c` and `a`/`b-c`), the later gets `-2`, `-3`…
fn anchors(slos: &[SloBudget]) -> Vec<String> {
    let mut used = HashSet::new();
    slos.iter()
        .map(|s| {
            let base = format!("slo-{}-{}", s.service, s.slo);
            let mut anchor = base.clone();
            let mut n = 1;
            while !used.insert(anchor.clone()) {
                n += 1;
                anchor = format!("{base}-{n}");
            }
            anchor
        })
        .collect()
}

/// The table of every SLO.
fn overview(out: &mut String, slos: &[SloBudget], anchors: &[String]) -> fmt::Result {
    out.push_str("<section id=\"overview\">\n<h2>Overview</h2>\n<div class=\"scroll\"><table>\n");
    out.push_str(
        "<thead><tr><th>service</th><th>SLO</th><th class=\"num\">target</th>\
         <th class=\"num\">window</th><th class=\"num\">error budget</th>\
         <th class=\"num\">as full outage</th><th>policy</th></tr></thead>\n<tbody>\n",
    );
    for (b, anchor) in slos.iter().zip(anchors) {
        writeln!(
            out,
            "<tr><td>{}</td><td><a href=\"#{}\">{}</a></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            Escaped(&b.service),
            Escaped(anchor),
            Escaped(&b.slo),
            b.target,
            b.period,
            percent(b.budget),
            spell(b.budget_ms),
            policy(b)
        )?;
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
    Ok(())
}

/// The SLO's policy, or why it has no alerts.
fn policy(b: &SloBudget) -> String {
    match &b.policy {
        Some(p) => Escaped(p).to_string(),
        None => "<span class=\"muted\">none</span>".to_string(),
    }
}

/// What the columns and charts mean, once for the page; the words of the
/// columns are those of `slo budget`.
fn reading(out: &mut String) -> fmt::Result {
    // After the columns of the alert table, as `slo budget` explains them.
    const CHARTS: &[(&str, &str)] = &[
        (
            "detection chart",
            "for an error ratio that starts and stays constant (x), how long until each \
             alert fires (y); a curve begins at the smallest ratio that fires its alert, \
             and a hatched band marks ratios above the budget that fire no alert at all",
        ),
        (
            "timelines",
            "one simulated incident per profile: the burn rate the rules record (left axis) \
             over the profile's own error ratio (shaded, right axis), and below, when each \
             alert fires and resolves",
        ),
    ];
    out.push_str("<section id=\"reading\">\n<h2>How to read this page</h2>\n<dl>\n");
    for (term, meaning) in super::table::LEGEND.iter().chain(CHARTS) {
        write!(out, "<dt>{term}</dt><dd>")?;
        // `code` in backticks, as the terminal legend writes it.
        for (i, part) in meaning.split('`').enumerate() {
            if i % 2 == 1 {
                write!(out, "<code>{}</code>", Escaped(part))?;
            } else {
                write!(out, "{}", Escaped(part))?;
            }
        }
        out.push_str("</dd>\n");
    }
    out.push_str("</dl>\n</section>\n");
    Ok(())
}

/// One SLO's section.
fn section(out: &mut String, index: usize, slo: &SloPicture, anchor: &str) -> fmt::Result {
    let b = &slo.budget;
    writeln!(
        out,
        "<section class=\"slo\" id=\"{}\">\n<h2>{} / {}<a class=\"top\" href=\"#overview\">overview ↑</a></h2>",
        Escaped(anchor),
        Escaped(&b.service),
        Escaped(&b.slo),
    )?;
    write!(
        out,
        "<p>Target {} over {}: an error budget of {}, or {} of full outage",
        b.target,
        b.period,
        percent(b.budget),
        spell(b.budget_ms)
    )?;
    match (&slo.detection, &b.policy) {
        (Some(_), Some(p)) => writeln!(out, "; policy <strong>{}</strong>.</p>", Escaped(p))?,
        (Some(_), None) => out.push_str(".</p>\n"),
        (None, None) => out.push_str(
            ".</p>\n<p class=\"muted\">No burn-rate alerts (<code>alerting = none</code>).</p>\n",
        ),
        (None, Some(p)) => writeln!(
            out,
            ".</p>\n<p class=\"muted\">No burn-rate alerts: policy <code>{}</code> has no lines.</p>",
            Escaped(p)
        )?,
    }
    if let Some(d) = &slo.detection {
        figures(out, b)?;
        if let Some(n) = &b.no_data {
            writeln!(
                out,
                "<p class=\"muted\">No SLI data for {}: {}.</p>",
                n.for_,
                Escaped(&n.severity)
            )?;
        }
        out.push_str("<h3>Time to fire, by error ratio</h3>\n<figure>\n");
        detection_chart(out, index, b, d)?;
        out.push_str("</figure>\n<h3>Simulated incidents</h3>\n");
        for (t, timeline) in slo.timelines.iter().enumerate() {
            writeln!(out, "<h4>{}</h4>\n<figure>", Escaped(&timeline.profile))?;
            timeline_chart(out, index, t, b, timeline)?;
            out.push_str("</figure>\n");
        }
    }
    out.push_str("</section>\n");
    Ok(())
}

/// The alert table, as `slo budget` prints it.
fn figures(out: &mut String, b: &SloBudget) -> fmt::Result {
    // The columns of `slo budget`'s table, and its cells.
    let class = |c: &super::table::Column| if c.numeric { " class=\"num\"" } else { "" };
    out.push_str("<div class=\"scroll\"><table class=\"figures\">\n<thead><tr>");
    for c in super::table::COLUMNS {
        write!(out, "<th{}>{}</th>", class(c), c.heading)?;
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, a) in b.alerts.iter().enumerate() {
        out.push_str("<tr>");
        for (n, c) in super::table::COLUMNS.iter().enumerate() {
            write!(out, "<td{}>", class(c))?;
            // The first cell starts with the line's colour, dash and marker.
            if n == 0 {
                key(out, i)?;
            }
            write!(out, "{}</td>", Escaped(&(c.cell)(a)))?;
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    Ok(())
}

/// The opening of a chart: `role="img"`, labelled by its title and
/// description.
fn open_svg(out: &mut String, class: &str, id: &str, height: f64, title: &str) -> fmt::Result {
    writeln!(
        out,
        "<svg class=\"chart {class}\" viewBox=\"0 0 {} {}\" \
         width=\"100%\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\">\n<title id=\"{id}-t\">{}</title>",
        N(WIDTH),
        N(height),
        Escaped(title)
    )
}

/// The width of every chart, in its own units (about pixels at full size).
const WIDTH: f64 = 960.0;

/// A text of class `class` (none when empty) at `(x, y)`.
fn text(out: &mut String, class: &str, anchor: &str, x: f64, y: f64, body: &str) -> fmt::Result {
    if !class.is_empty() {
        write!(out, "<text class=\"{class}\" ")?;
    } else {
        out.push_str("<text ");
    }
    writeln!(
        out,
        "x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
        N(x),
        N(y),
        Escaped(body)
    )
}

/// Texts that share a class and an anchor (tick labels), as one group.
fn texts<S: AsRef<str>>(
    out: &mut String,
    class: &str,
    anchor: &str,
    items: &[(f64, f64, S)],
) -> fmt::Result {
    write!(out, "<g class=\"{class}\" text-anchor=\"{anchor}\">")?;
    for (x, y, body) in items {
        write!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            N(*x),
            N(*y),
            Escaped(body.as_ref())
        )?;
    }
    out.push_str("</g>\n");
    Ok(())
}

/// Straight lines of one class as a single path: each `(x, y, dx, dy)`
/// is a line from `(x, y)` to `(x + dx, y + dy)`, horizontal or vertical.
fn rules(out: &mut String, class: &str, lines: &[(f64, f64, f64, f64)]) -> fmt::Result {
    if lines.is_empty() {
        return Ok(());
    }
    write!(out, "<path class=\"{class}\" d=\"")?;
    for &(x, y, dx, dy) in lines {
        if dy == 0.0 {
            write!(out, "M{} {}h{}", N(x), N(y), N(dx))?;
        } else if dx == 0.0 {
            write!(out, "M{} {}v{}", N(x), N(y), N(dy))?;
        } else {
            write!(out, "M{} {}l{} {}", N(x), N(y), N(dx), N(dy))?;
        }
    }
    out.push_str("\"/>\n");
    Ok(())
}

/// The points of a smooth curve that a reader can tell apart: a point is
/// dropped when it lies within `tolerance` of the straight line between
/// the points kept on either side of it.
fn simplify(points: &[(f64, f64)], tolerance: f64) -> Vec<(f64, f64)> {
    let mut kept = Vec::with_capacity(points.len());
    let Some(&first) = points.first() else {
        return kept;
    };
    kept.push(first);
    let mut anchor = first;
    let mut start = 1;
    for (i, &p) in points.iter().enumerate().skip(1) {
        let between = points.get(start..i).unwrap_or_default();
        if between.iter().any(|&q| off_line(q, anchor, p, tolerance)) {
            if let Some(&last) = between.last() {
                kept.push(last);
                anchor = last;
            }
            start = i;
        }
    }
    if let Some(&last) = points.last().filter(|_| points.len() > 1) {
        kept.push(last);
    }
    kept
}

/// Whether `p` is further than `tolerance` from the line through `a` and
/// `b` (from `a`, when they are one point).
fn off_line(p: (f64, f64), a: (f64, f64), b: (f64, f64), tolerance: f64) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let (px, py) = (p.0 - a.0, p.1 - a.1);
    let length2 = dx * dx + dy * dy;
    if length2 == 0.0 {
        return px * px + py * py > tolerance * tolerance;
    }
    let cross = px * dy - py * dx;
    cross * cross > tolerance * tolerance * length2
}

/// A vertical axis title, centred on `y` at `x`, reading upwards.
fn vertical_title(out: &mut String, x: f64, y: f64, body: &str) -> fmt::Result {
    writeln!(
        out,
        "<text class=\"axis-title\" transform=\"translate({} {}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        N(x),
        N(y),
        Escaped(body)
    )
}

/// A line of class `class`.
fn line(out: &mut String, class: &str, x1: f64, y1: f64, x2: f64, y2: f64) -> fmt::Result {
    writeln!(
        out,
        "<line class=\"{class}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
        N(x1),
        N(y1),
        N(x2),
        N(y2)
    )
}

// ---------------------------------------------------------------------------
// The detection chart

/// Durations that make round ticks, in milliseconds: the ones labelled
/// first, then the ones fitted between them where there is room.
const MAJOR_TICKS: &[u64] = &[
    100,
    1_000,
    10_000,
    Duration::MINUTE,
    10 * Duration::MINUTE,
    Duration::HOUR,
    6 * Duration::HOUR,
    Duration::DAY,
    7 * Duration::DAY,
    30 * Duration::DAY,
    365 * Duration::DAY,
];
const MINOR_TICKS: &[u64] = &[
    200,
    500,
    2_000,
    5_000,
    30_000,
    2 * Duration::MINUTE,
    5 * Duration::MINUTE,
    15 * Duration::MINUTE,
    30 * Duration::MINUTE,
    2 * Duration::HOUR,
    3 * Duration::HOUR,
    12 * Duration::HOUR,
    2 * Duration::DAY,
    3 * Duration::DAY,
    14 * Duration::DAY,
    90 * Duration::DAY,
];

/// The duration ticks of `scale` (milliseconds), at least `gap` apart.
fn duration_ticks(scale: &Scale, lo: f64, hi: f64, gap: f64) -> Vec<u64> {
    let mut ticks: Vec<(f64, u64)> = Vec::new();
    for list in [MAJOR_TICKS, MINOR_TICKS] {
        for &ms in list {
            let v = ms as f64;
            if v < lo || v > hi {
                continue;
            }
            let y = scale.at(v);
            if ticks.iter().all(|&(at, _)| (at - y).abs() >= gap) {
                ticks.push((y, ms));
            }
        }
    }
    let mut ms: Vec<u64> = ticks.into_iter().map(|(_, ms)| ms).collect();
    ms.sort_unstable();
    ms
}

/// A tick's duration as a label: `30s`, `1h`, `7d`.
fn tick_label(ms: u64) -> String {
    Duration(ms).to_string()
}

fn detection_chart(out: &mut String, index: usize, b: &SloBudget, d: &Detection) -> fmt::Result {
    const LEFT: f64 = 78.0;
    const RIGHT: f64 = 28.0;
    const TOP: f64 = 14.0;
    const PLOT: f64 = 280.0;
    const ROW: f64 = 22.0;
    let bottom = TOP + PLOT;
    let rows = d.lines.len().div_ceil(2);
    let legend_top = bottom + 66.0;
    let height = legend_top + rows as f64 * ROW + 6.0;
    let id = format!("s{index}-det");

    let from = if d.from > 0.0 && d.from < 1.0 {
        d.from
    } else {
        1e-3
    };
    let xs = Scale::log(from, 1.0, LEFT, WIDTH - RIGHT);
    let times = d.lines.iter().flat_map(|l| l.points.iter().map(|p| p.1));
    let (min_t, max_t) = times.fold((f64::INFINITY, 0.0f64), |(lo, hi), t| {
        (lo.min(t), hi.max(t))
    });
    let (lo_t, hi_t) = if min_t.is_finite() && min_t > 0.0 && max_t >= min_t {
        (min_t / 1.8, max_t * 1.8)
    } else {
        (Duration::MINUTE as f64, Duration::DAY as f64)
    };
    let ys = Scale::log(lo_t, hi_t, bottom, TOP);

    open_svg(
        out,
        "detection",
        &id,
        height,
        &format!(
            "{} / {}: time until each alert fires, by error ratio",
            b.service, b.slo
        ),
    )?;
    writeln!(
        out,
        "<desc id=\"{id}-d\">{}</desc>",
        Escaped(&detection_desc(b, d))
    )?;
    writeln!(
        out,
        "<defs><pattern id=\"{id}-hatch\" width=\"7\" height=\"7\" patternUnits=\"userSpaceOnUse\" \
         patternTransform=\"rotate(45)\"><line class=\"hatch\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"7\"/></pattern></defs>"
    )?;

    // Grid and axes: round durations up the side, decades of the error
    // ratio along the bottom with a short mark at each of their multiples.
    let ticks = duration_ticks(&ys, lo_t, hi_t, 22.0);
    let mut grid: Vec<(f64, f64, f64, f64)> = ticks
        .iter()
        .map(|&ms| (LEFT, ys.at(ms as f64), WIDTH - RIGHT - LEFT, 0.0))
        .collect();
    grid.extend(xs.decades().map(|k| (xs.at(10f64.powi(k)), TOP, 0.0, PLOT)));
    rules(out, "grid", &grid)?;
    let first = *xs.decades().start();
    let minor: Vec<(f64, f64, f64, f64)> = (first - 1..=0)
        .flat_map(|k| (2..10).map(move |m| f64::from(m) * 10f64.powi(k)))
        .filter(|&v| v > from && v < 1.0)
        .map(|v| (xs.at(v), bottom, 0.0, 4.0))
        .collect();
    rules(out, "axis", &minor)?;
    let side: Vec<(f64, f64, String)> = ticks
        .iter()
        .map(|&ms| (LEFT - 8.0, ys.at(ms as f64) + 4.0, tick_label(ms)))
        .collect();
    texts(out, "tick", "end", &side)?;
    // Along the bottom: the budget where the axis starts, the lowest ratio
    // any alert catches, then the decades that do not crowd them.
    let from_x = xs.at(from);
    let mut candidates: Vec<(f64, String)> = vec![(from_x, pct(from))];
    if let Some(u) = d.uncaught_below.filter(|&u| u < 1.0) {
        candidates.push((xs.at(u), pct(u)));
    }
    candidates.extend(
        xs.decades()
            .map(|k| (xs.at(10f64.powi(k)), decade_percent(k))),
    );
    let mut bottom_labels: Vec<(f64, f64, String)> = Vec::new();
    for (x, label) in candidates {
        if bottom_labels.iter().all(|p| (p.0 - x).abs() >= 40.0) {
            bottom_labels.push((x, bottom + 18.0, label));
        }
    }
    bottom_labels.push((from_x, bottom + 31.0, "(budget)".to_string()));
    texts(out, "tick", "middle", &bottom_labels)?;
    writeln!(
        out,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        N(LEFT),
        N(TOP),
        N(WIDTH - RIGHT - LEFT),
        N(PLOT)
    )?;
    text(
        out,
        "axis-title",
        "middle",
        (LEFT + WIDTH - RIGHT) / 2.0,
        bottom + 44.0,
        "error ratio (log scale)",
    )?;
    vertical_title(
        out,
        16.0,
        TOP + PLOT / 2.0,
        "time until the alert fires (log scale)",
    )?;

    // Ratios that no alert catches.
    if let Some(u) = d.uncaught_below {
        let x1 = xs.at(u.min(1.0));
        let width = (x1 - from_x).max(1.0);
        writeln!(
            out,
            "<rect class=\"uncaught\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#{id}-hatch)\"/>",
            N(from_x),
            N(TOP),
            N(width),
            N(PLOT)
        )?;
        if width >= 100.0 {
            text(
                out,
                "note halo",
                "middle",
                from_x + width / 2.0,
                TOP + 20.0,
                "no alert fires",
            )?;
        } else {
            writeln!(
                out,
                "<text class=\"note halo\" transform=\"translate({} {}) rotate(-90)\" text-anchor=\"end\">no alert fires</text>",
                N(from_x + width / 2.0 + 4.0),
                N(TOP + 10.0)
            )?;
        }
    }

    // One curve per line, with its marker at either end.
    for (i, l) in d.lines.iter().enumerate() {
        let look = look(i);
        if l.points.is_empty() {
            continue;
        }
        write!(
            out,
            "<polyline class=\"curve s{} d{}\" points=\"",
            look.colour, look.dash
        )?;
        let pixels: Vec<(f64, f64)> = l
            .points
            .iter()
            .map(|&(r, t)| (xs.at(r), ys.at(t)))
            .collect();
        for (j, &(x, y)) in simplify(&pixels, 0.25).iter().enumerate() {
            if j > 0 {
                out.push(' ');
            }
            write!(out, "{},{}", N(x), N(y))?;
        }
        writeln!(out, "\"><title>{}</title></polyline>", Escaped(&l.label))?;
        let ends = [l.points.first(), l.points.last()];
        for &(r, t) in ends.into_iter().flatten() {
            marker(out, look, xs.at(r), ys.at(t))?;
        }
    }

    // The legend.
    let column = (WIDTH - LEFT - RIGHT) / 2.0;
    out.push_str("<g class=\"legend\">\n");
    for (i, l) in d.lines.iter().enumerate() {
        let look = look(i);
        let x = LEFT + (i % 2) as f64 * column;
        let y = legend_top + (i / 2) as f64 * ROW;
        writeln!(
            out,
            "<line class=\"curve s{} d{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>",
            look.colour,
            look.dash,
            N(x),
            N(y - 4.0),
            N(x + 34.0),
            N(y - 4.0)
        )?;
        marker(out, look, x + 17.0, y - 4.0)?;
        let label = if l.points.is_empty() {
            format!("{}: never fires", l.label)
        } else {
            l.label.clone()
        };
        text(out, "", "start", x + 44.0, y, &label)?;
    }
    out.push_str("</g>\n</svg>\n");
    Ok(())
}

/// The detection chart in words.
fn detection_desc(b: &SloBudget, d: &Detection) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (i, l) in d.lines.iter().enumerate() {
        let figures: Option<&AlertBudget> = b.alerts.get(i);
        let part = match figures {
            _ if l.points.is_empty() => format!(
                "{} never fires: its threshold, {}, is not below 100% errors",
                l.label,
                pct(l.threshold)
            ),
            Some(a) => format!(
                "{} fires after {} at 100% errors and catches error ratios above {}",
                l.label,
                spell(a.detection_ms),
                percent(a.min_error_ratio)
            ),
            None => format!(
                "{} catches error ratios above {}",
                l.label,
                pct(l.threshold)
            ),
        };
        parts.push(part);
    }
    let tail = match d.uncaught_below {
        Some(u) => format!(
            "error ratios from the budget, {}, up to {} fire no alert however long they last",
            percent(b.budget),
            pct(u.min(1.0))
        ),
        None => format!(
            "every error ratio above the budget, {}, fires an alert",
            percent(b.budget)
        ),
    };
    parts.push(tail);
    let mut s = parts.join("; ");
    s.push('.');
    s
}

// ---------------------------------------------------------------------------
// The timelines

/// Steps between time ticks, in minutes: the first that gives at most a
/// dozen ticks.
const TIME_STEPS: &[usize] = &[
    1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10_080,
];

fn time_step(minutes: usize) -> usize {
    TIME_STEPS
        .iter()
        .copied()
        .find(|s| minutes / s <= 12)
        .unwrap_or(minutes.max(1))
}

/// A time tick: whole hours as `6h`, else minutes.
fn time_label(m: usize, step: usize) -> String {
    if step.is_multiple_of(60) {
        format!("{}h", m / 60)
    } else {
        format!("{m}m")
    }
}

/// The lowest burn rate drawn; lower ones, and zero, sit on the bottom.
const BURN_FLOOR: f64 = 0.1;

fn timeline_chart(
    out: &mut String,
    index: usize,
    t: usize,
    b: &SloBudget,
    timeline: &Timeline,
) -> fmt::Result {
    const LEFT: f64 = 70.0;
    const RIGHT: f64 = 70.0;
    const TOP: f64 = 34.0;
    const PANEL: f64 = 160.0;
    const LANE: f64 = 32.0;
    let panel_bottom = TOP + PANEL;
    let lanes_top = panel_bottom + 14.0;
    let lanes_bottom = lanes_top + timeline.alerts.len() as f64 * LANE;
    let height = lanes_bottom + 46.0;
    let id = format!("s{index}-t{t}");

    let minutes = timeline.burn.len().saturating_sub(1).max(1);
    let xs = Scale::linear(0.0, minutes as f64, LEFT, WIDTH - RIGHT);
    let budget = b.budget.to_f64();
    let full = if budget > 0.0 { 1.0 / budget } else { 1000.0 };
    // Some room above a full outage, so that its line is not the frame.
    let ceiling = full.max(10.0 * BURN_FLOOR) * 1.6;
    let ys = Scale::log(BURN_FLOOR, ceiling, panel_bottom, TOP);

    open_svg(
        out,
        "timeline",
        &id,
        height,
        &format!(
            "{} / {} under the profile {}: burn rate and alerts",
            b.service, b.slo, timeline.profile
        ),
    )?;
    writeln!(
        out,
        "<desc id=\"{id}-d\">{}</desc>",
        Escaped(&timeline_desc(timeline))
    )?;

    // The grid: hours through the panel and the lanes, decades of the
    // burn rate across the panel.
    let step = time_step(minutes);
    let times: Vec<usize> = (0..=minutes).step_by(step).collect();
    let decades: Vec<i32> = ys.decades().collect();
    let mut grid: Vec<(f64, f64, f64, f64)> = times
        .iter()
        .map(|&m| (xs.at(m as f64), TOP, 0.0, lanes_bottom - TOP))
        .collect();
    grid.extend(
        decades
            .iter()
            .map(|&k| (LEFT, ys.at(10f64.powi(k)), WIDTH - LEFT - RIGHT, 0.0)),
    );
    rules(out, "grid", &grid)?;
    let bottom_labels: Vec<(f64, f64, String)> = times
        .iter()
        .map(|&m| (xs.at(m as f64), lanes_bottom + 16.0, time_label(m, step)))
        .collect();
    texts(out, "tick", "middle", &bottom_labels)?;
    text(
        out,
        "axis-title",
        "middle",
        (LEFT + WIDTH - RIGHT) / 2.0,
        lanes_bottom + 36.0,
        "time since the profile started",
    )?;
    // Burn rates on the left, the error ratios they stand for on the right.
    let full_y = ys.at(full);
    let lowest = decades.first().copied().unwrap_or(0);
    let left: Vec<(f64, f64, String)> = decades
        .iter()
        .map(|&k| {
            let v = 10f64.powi(k);
            let floor = if k == lowest && v <= BURN_FLOOR {
                "≤"
            } else {
                ""
            };
            (LEFT - 8.0, ys.at(v) + 4.0, format!("{floor}{}×", short(v)))
        })
        .collect();
    texts(out, "tick", "end", &left)?;
    let mut right: Vec<(f64, f64, String)> = decades
        .iter()
        .map(|&k| 10f64.powi(k))
        .filter(|&v| (ys.at(v) - full_y).abs() >= 14.0)
        .map(|v| (WIDTH - RIGHT + 8.0, ys.at(v) + 4.0, pct(v * budget)))
        .collect();
    right.push((WIDTH - RIGHT + 8.0, full_y + 4.0, "100%".to_string()));
    texts(out, "tick", "start", &right)?;
    vertical_title(out, 16.0, TOP + PANEL / 2.0, "burn rate (× budget pace)")?;
    writeln!(
        out,
        "<text class=\"axis-title\" transform=\"translate({} {}) rotate(90)\" text-anchor=\"middle\">error ratio</text>",
        N(WIDTH - 14.0),
        N(TOP + PANEL / 2.0)
    )?;

    // The profile's error ratio, in burn-rate units, shaded.
    if !timeline.errors.is_empty() {
        // A corner wherever the ratio changes.
        let mut area = Trace::default();
        let mut last: Option<(f64, f64)> = None;
        for &(m, e) in &timeline.errors {
            let x = xs.at(m as f64);
            if let Some((_, y)) = last {
                area.point(x, y);
            }
            let y = ys.at(e / budget);
            area.point(x, y);
            last = Some((e, y));
        }
        if let Some((_, y)) = last {
            area.point(xs.at(minutes as f64), y);
        }
        out.push_str("<path class=\"errors\" d=\"");
        area.write(out, Some(panel_bottom))?;
        out.push_str("\"/>\n");
    }
    // Budget pace, and the burn rate itself.
    let pace = ys.at(1.0);
    line(out, "pace", LEFT, pace, WIDTH - RIGHT, pace)?;
    let mut burn = Trace::default();
    // Long runs hold one value: its logarithm is worked out once.
    let mut last = (f64::NAN, 0.0);
    for (m, b) in timeline.burn.iter().enumerate() {
        match *b {
            Some(v) => {
                if v != last.0 {
                    last = (v, ys.at(v));
                }
                burn.point(xs.at(m as f64), last.1);
            }
            None => burn.gap(),
        }
    }
    out.push_str("<path class=\"burn\" d=\"");
    burn.write(out, None)?;
    out.push_str("\"/>\n");
    writeln!(
        out,
        "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/>",
        N(LEFT),
        N(TOP),
        N(WIDTH - LEFT - RIGHT),
        N(PANEL)
    )?;

    // The legend, above the panel.
    let window = b.alerts.iter().map(|a| a.short).min();
    let burn_label = window.map_or_else(
        || "burn rate".to_string(),
        |w| format!("burn rate over {w}"),
    );
    timeline_legend(out, &burn_label)?;

    // One lane per alert: its label and when it fires, then its bars.
    for (i, track) in timeline.alerts.iter().enumerate() {
        let look = look(i);
        let top = lanes_top + i as f64 * LANE;
        writeln!(
            out,
            "<rect class=\"lane\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\"/>",
            N(LEFT),
            N(top + 17.0),
            N(WIDTH - LEFT - RIGHT)
        )?;
        writeln!(
            out,
            "<text class=\"halo\" x=\"{}\" y=\"{}\"><tspan>{}</tspan><tspan class=\"times\" dx=\"10\">{}</tspan></text>",
            N(LEFT),
            N(top + 12.0),
            Escaped(&track.label),
            Escaped(&firing_summary(&track.firing, minutes)),
        )?;
        for &(start, end) in &track.firing {
            let x0 = xs.at(start as f64);
            let x1 = xs.at(end.min(minutes) as f64).max(x0 + 2.0);
            writeln!(
                out,
                "<rect class=\"bar f{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"12\"><title>{}: {}</title></rect>",
                look.colour,
                N(x0),
                N(top + 17.0),
                N(x1 - x0),
                Escaped(&track.label),
                Escaped(&interval(start, end, minutes)),
            )?;
        }
        // The line's marker, left of the lane, ties it to the detection chart.
        marker(out, look, LEFT - 12.0, top + 23.0)?;
    }
    out.push_str("</svg>\n");
    Ok(())
}

/// What a timeline's legend shows a sample of.
#[derive(Clone, Copy)]
enum Swatch {
    Burn,
    Pace,
    Errors,
}

/// The legend of a timeline, on one row above its panel: the burn rate,
/// budget pace and the profile's error ratio.
fn timeline_legend(out: &mut String, burn_label: &str) -> fmt::Result {
    /// Roughly the width of a character of a 12px label.
    const CHAR: f64 = 6.8;
    let y = 14.0;
    let mut x = 70.0;
    out.push_str("<g class=\"legend\">\n");
    for (swatch, label) in [
        (Swatch::Burn, burn_label),
        (Swatch::Pace, "budget pace (1×)"),
        (Swatch::Errors, "error ratio of the profile (right axis)"),
    ] {
        match swatch {
            Swatch::Burn => writeln!(
                out,
                "<path class=\"burn\" d=\"M{} {}h30\"/>",
                N(x),
                N(y - 4.0)
            )?,
            Swatch::Pace => line(out, "pace", x, y - 4.0, x + 30.0, y - 4.0)?,
            Swatch::Errors => writeln!(
                out,
                "<rect class=\"errors\" x=\"{}\" y=\"{}\" width=\"30\" height=\"10\"/>",
                N(x),
                N(y - 9.0)
            )?,
        }
        text(out, "", "start", x + 38.0, y, label)?;
        x += 38.0 + label.chars().count() as f64 * CHAR + 28.0;
    }
    out.push_str("</g>\n");
    Ok(())
}

/// One firing interval in words, for a tooltip.
fn interval(start: usize, end: usize, minutes: usize) -> String {
    if end > minutes {
        format!(
            "fires at minute {start} ({}) and still fires at the end",
            minute(start)
        )
    } else {
        format!(
            "fires at minute {start} ({}) and resolves at minute {end} ({})",
            minute(start),
            minute(end)
        )
    }
}

/// When an alert fires, briefly: `fires 1h2m → resolves 2h5m`.
fn firing_summary(firing: &[(usize, usize)], minutes: usize) -> String {
    const SHOWN: usize = 3;
    if firing.is_empty() {
        return "does not fire".to_string();
    }
    let mut parts: Vec<String> = firing
        .iter()
        .take(SHOWN)
        .map(|&(start, end)| {
            if end > minutes {
                format!("fires {} → still firing", minute(start))
            } else {
                format!("fires {} → resolves {}", minute(start), minute(end))
            }
        })
        .collect();
    if firing.len() > SHOWN {
        parts.push(format!("{} more", firing.len() - SHOWN));
    }
    parts.join(", ")
}

/// The timeline in words.
fn timeline_desc(timeline: &Timeline) -> String {
    let minutes = timeline.burn.len().saturating_sub(1);
    let mut s = format!(
        "Simulated profile {} ({}).",
        timeline.profile,
        minute(minutes)
    );
    let peak = timeline
        .burn
        .iter()
        .enumerate()
        .filter_map(|(m, b)| b.map(|b| (m, b)))
        .fold(None, |best: Option<(usize, f64)>, (m, b)| match best {
            Some((_, top)) if top >= b => best,
            _ => Some((m, b)),
        });
    if let Some((m, b)) = peak {
        let _ = write!(
            s,
            " The burn rate peaks at {}× budget pace at minute {m}.",
            num(b)
        );
    }
    for track in &timeline.alerts {
        let _ = write!(s, " {} ", track.label);
        if track.firing.is_empty() {
            s.push_str("never fires.");
            continue;
        }
        let spans: Vec<String> = track
            .firing
            .iter()
            .map(|&(start, end)| interval(start, end, minutes))
            .collect();
        s.push_str(&spans.join(", then "));
        s.push('.');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html_and_xml() {
        assert_eq!(
            Escaped(r#"<script>alert("x") & 'y'</script>"#).to_string(),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(Escaped("a\u{1}b\tc").to_string(), "a\u{FFFD}b\tc");
        assert_eq!(Escaped("checkout-api_2").to_string(), "checkout-api_2");
    }

    #[test]
    fn coordinates_have_one_decimal_at_most() {
        assert_eq!(N(12.0).to_string(), "12");
        assert_eq!(N(12.345).to_string(), "12.3");
        assert_eq!(N(-0.01).to_string(), "0");
        assert_eq!(N(f64::NAN).to_string(), "0");
    }

    #[test]
    fn traces_keep_the_ends_of_straight_runs_and_the_extremes_of_a_column() {
        let mut t = Trace::default();
        for i in 0..10 {
            t.point(i as f64 * 10.0, 5.0);
        }
        t.point(100.0, 50.0);
        t.gap();
        t.point(200.0, 1.0);
        t.point(200.2, 9.0);
        t.point(200.4, 3.0);
        t.point(200.6, 4.0);
        let mut d = String::new();
        t.write(&mut d, None).expect("write");
        assert_eq!(d, "M0 5L90 5L100 50M200 1L200.2 9L200.6 4");
    }

    #[test]
    fn ticks_are_round_durations() {
        let s = Scale::log(30_000.0, 4.0 * 86_400_000.0, 300.0, 0.0);
        let ticks: Vec<String> = duration_ticks(&s, 30_000.0, 4.0 * 86_400_000.0, 22.0)
            .into_iter()
            .map(tick_label)
            .collect();
        assert!(ticks.contains(&"1m".to_string()), "{ticks:?}");
        assert!(ticks.contains(&"1h".to_string()), "{ticks:?}");
        assert!(ticks.contains(&"1d".to_string()), "{ticks:?}");
    }

    #[test]
    fn percentages_and_minutes_read_as_slo_budget_writes_them() {
        assert_eq!(decade_percent(-3), "0.1%");
        assert_eq!(decade_percent(0), "100%");
        assert_eq!(pct(0.0144), "1.44%");
        assert_eq!(minute(0), "0m");
        assert_eq!(minute(62), "1h2m");
        assert_eq!(short(0.1), "0.1");
        assert_eq!(short(1000.0), "1000");
        assert_eq!(short(100_000.0), "100k");
    }
}
