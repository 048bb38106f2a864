//! The page of `slo report` (`emit::report::html`): its charts parse as
//! XML and say what they show, it fetches nothing, it is the same bytes
//! every time, and a real headless Chromium renders it into a picture with
//! something in it, in the light and the dark colour scheme. A page of a
//! thousand SLOs stays under 20 MB (`--release` also times it).
//!
//! `SLO_BLESS=1 cargo test --test report_page` rewrites `docs/report.png`,
//! the page of one alerting SLO.

mod support;

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use slo::lower::picture::{picture, Picture, Profile};

/// Two services, three SLOs: two with alerts (the four-line standard
/// policy and a two-line one whose lowest threshold leaves the ratios
/// just above the budget uncaught), one with `alerting = none`.
const SPEC: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
  ticket 1x    over 3d/6h
}

policy fast {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h  for 15m
}

service checkout {
  sli requests = ratio {
    bad   = `http_requests_total{job="checkout", code=~"5.."}`
    total = `http_requests_total{job="checkout"}`
  }

  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standard
  }

  slo internal {
    sli      = requests
    target   = 99%
    window   = 28d
    alerting = none
  }
}

service search-api_2 {
  sli queries = ratio {
    bad   = `search_queries_total{outcome="error"}`
    total = `search_queries_total`
  }

  slo availability {
    sli      = queries
    target   = 99.5%
    window   = 28d
    alerting = fast
  }
}
"#;

/// One alerting SLO: the page the screenshot in `docs/` shows.
const ONE: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  page   6x    over 6h/30m
  ticket 3x    over 1d/2h  for 15m
}

service checkout {
  sli requests = ratio {
    bad   = `http_requests_total{job="checkout", code=~"5.."}`
    total = `http_requests_total{job="checkout"}`
  }

  slo availability {
    sli      = requests
    target   = 99.9%
    window   = 30d
    alerting = standard
  }
}
"#;

fn program(text: &str) -> slo::check::Program {
    let mut sources = slo::diag::Sources::new();
    sources.add("spec.slo", text);
    let checked = slo::check(&sources);
    checked
        .program
        .unwrap_or_else(|| panic!("the spec does not check: {:?}", checked.diags))
}

fn render(text: &str) -> (Picture, String) {
    let picture = picture(&program(text), None);
    let page = slo::emit::report::html(&picture);
    (picture, page)
}

/// Every `<svg …>…</svg>` of `text`, in order.
fn svgs(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..]
            .find("</svg>")
            .map(|e| start + e + "</svg>".len())
            .expect("every <svg> is closed");
        found.push(&rest[start..end]);
        rest = &rest[end..];
    }
    found
}

fn classes<'a>(node: roxmltree::Node<'a, '_>) -> Vec<&'a str> {
    node.attribute("class")
        .unwrap_or_default()
        .split_whitespace()
        .collect()
}

/// The text of every `<text>` in a chart, with its `<tspan>`s joined.
fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            n.descendants()
                .filter(|d| d.is_text())
                .filter_map(|d| d.text())
                .collect()
        })
        .collect()
}

/// Checks what every chart must have: `role="img"`, a `<title>` and a
/// non-empty `<desc>` that `aria-labelledby` names, a `viewBox` and a
/// width that scales; returns the description.
fn accessible(doc: &roxmltree::Document) -> String {
    let svg = doc.root_element();
    assert_eq!(svg.attribute("role"), Some("img"));
    assert_eq!(svg.attribute("width"), Some("100%"));
    assert!(svg.attribute("viewBox").is_some());
    let by_id: HashMap<&str, roxmltree::Node> = doc
        .descendants()
        .filter_map(|n| n.attribute("id").map(|id| (id, n)))
        .collect();
    let labels: Vec<&str> = svg
        .attribute("aria-labelledby")
        .expect("aria-labelledby")
        .split_whitespace()
        .collect();
    let named: Vec<&str> = labels
        .iter()
        .map(|id| {
            by_id
                .get(id)
                .expect("a labelling element")
                .tag_name()
                .name()
        })
        .collect();
    assert_eq!(named, ["title", "desc"]);
    let title = svg
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .expect("a title");
    assert!(!title.trim().is_empty());
    let desc = svg
        .children()
        .find(|n| n.has_tag_name("desc"))
        .and_then(|n| n.text())
        .unwrap_or_default();
    assert!(desc.len() > 40, "a real description: {desc:?}");
    desc.to_string()
}

#[test]
fn each_alerting_slo_has_a_detection_chart_and_a_timeline_per_profile() {
    let (picture, page) = render(SPEC);
    assert_eq!(picture.slos.len(), 3);
    let sections: Vec<&str> = page.split("<section class=\"slo\"").skip(1).collect();
    assert_eq!(sections.len(), 3);
    let mut detections = 0;
    let mut timelines = 0;
    for (slo, section) in picture.slos.iter().zip(&sections) {
        let name = format!("{}/{}", slo.budget.service, slo.budget.slo);
        let anchor = format!("id=\"slo-{}-{}\"", slo.budget.service, slo.budget.slo);
        assert!(section.starts_with(&format!(" {anchor}")), "{name}");
        let charts: Vec<roxmltree::Document> = svgs(section)
            .into_iter()
            .filter(|s| s.contains("class=\"chart "))
            .map(|s| roxmltree::Document::parse(s).unwrap_or_else(|e| panic!("{name}: {e}\n{s}")))
            .collect();
        let Some(detection) = &slo.detection else {
            assert!(charts.is_empty(), "{name} has no alerts, so no charts");
            assert!(section.contains("No burn-rate alerts"), "{name}");
            continue;
        };
        assert_eq!(charts.len(), 1 + slo.timelines.len(), "{name}");
        assert_eq!(slo.timelines.len(), 3, "{name}: the standard profiles");

        // The detection chart.
        let doc = &charts[0];
        assert!(classes(doc.root_element()).contains(&"detection"), "{name}");
        detections += 1;
        let desc = accessible(doc);
        let words = texts(doc);
        for title in [
            "error ratio (log scale)",
            "time until the alert fires (log scale)",
        ] {
            assert!(words.iter().any(|t| t == title), "{name}: {title}");
        }
        let curves = doc
            .descendants()
            .filter(|n| n.has_tag_name("polyline") && classes(*n).contains(&"curve"))
            .count();
        assert_eq!(curves, detection.lines.len(), "{name}: one curve per line");
        let legend = doc
            .descendants()
            .find(|n| classes(*n).contains(&"legend"))
            .expect("a legend");
        for line in &detection.lines {
            assert!(
                legend
                    .descendants()
                    .any(|n| n.has_tag_name("text") && n.text() == Some(line.label.as_str())),
                "{name}: the legend names {}",
                line.label
            );
            assert!(desc.contains(&line.label), "{name}: {desc}");
        }
        assert!(desc.contains("at 100% errors"), "{desc}");
        assert!(words.iter().any(|t| t == "100%"), "{name}: {words:?}");
        let uncaught = doc.descendants().any(|n| classes(n).contains(&"uncaught"));
        assert_eq!(uncaught, detection.uncaught_below.is_some(), "{name}");
        if detection.uncaught_below.is_some() {
            assert!(words.iter().any(|t| t == "no alert fires"), "{name}");
            assert!(desc.contains("fire no alert"), "{desc}");
        }

        // One timeline per profile.
        for (doc, timeline) in charts[1..].iter().zip(&slo.timelines) {
            assert!(classes(doc.root_element()).contains(&"timeline"), "{name}");
            timelines += 1;
            let desc = accessible(doc);
            assert!(desc.contains(&timeline.profile), "{desc}");
            let words = texts(doc);
            for title in [
                "burn rate (× budget pace)",
                "time since the profile started",
                "error ratio",
            ] {
                assert!(words.iter().any(|t| t == title), "{name}: {title}");
            }
            assert_eq!(
                doc.descendants()
                    .filter(|n| n.has_tag_name("path") && classes(*n).contains(&"burn"))
                    .count(),
                2,
                "{name}: the burn rate and its legend"
            );
            for track in &timeline.alerts {
                assert!(
                    words.iter().any(|t| t.starts_with(&track.label)),
                    "{name}: a lane for {}",
                    track.label
                );
                for &(start, _) in &track.firing {
                    assert!(
                        desc.contains(&format!("fires at minute {start} ")),
                        "{name}: {desc}"
                    );
                }
            }
            let bars = doc
                .descendants()
                .filter(|n| classes(*n).contains(&"bar"))
                .count();
            let intervals: usize = timeline.alerts.iter().map(|a| a.firing.len()).sum();
            assert_eq!(bars, intervals, "{name}: one bar per firing");
        }
    }
    assert_eq!(detections, 2);
    assert_eq!(timelines, 6);

    // A full outage of an hour pages on the fast line of both policies.
    let outage = &picture.slos[0].timelines[0];
    assert_eq!(outage.profile, "1h full outage");
    assert!(!outage.alerts[0].firing.is_empty());

    // The overview links every SLO's section.
    for slo in &picture.slos {
        let link = format!("href=\"#slo-{}-{}\"", slo.budget.service, slo.budget.slo);
        assert!(page.contains(&link), "{link}");
    }
}

#[test]
fn the_page_is_self_contained_and_escapes_what_users_wrote() {
    let (_, page) = render(SPEC);
    let lower = page.to_ascii_lowercase();
    assert!(lower.starts_with("<!doctype html>"));
    for needle in [
        "<meta charset=\"utf-8\">",
        "<meta name=\"viewport\"",
        "<title>",
        "prefers-color-scheme: dark",
    ] {
        assert!(lower.contains(needle), "{needle}");
    }
    assert_eq!(lower.matches("<style>").count(), 1);
    for banned in ["<script", "<link", "@import", "<img", "<iframe", "src="] {
        assert!(!lower.contains(banned), "the page holds {banned}");
    }
    // The only references are to the page itself.
    for opener in ["href=\"", "url("] {
        for (at, _) in lower.match_indices(opener) {
            let value = &lower[at + opener.len()..];
            assert!(
                value.starts_with('#'),
                "a reference out of the page: {}",
                value.chars().take(60).collect::<String>()
            );
        }
    }
    assert!(!lower.contains("http://") && !lower.contains("https://"));

    // A profile's name is the one text the language does not constrain.
    let hostile = r#"<script>alert("x") & 'y'</script>"#;
    let minutes = 180;
    let profile = Profile {
        name: hostile.to_string(),
        traffic: vec![50.0; minutes],
        errors: (0..minutes)
            .map(|m| if (30..90).contains(&m) { 0.5 } else { 0.0 })
            .collect(),
    };
    let picture = picture(&program(SPEC), Some(&[profile]));
    let page = slo::emit::report::html(&picture);
    assert!(!page.to_ascii_lowercase().contains("<script"));
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"));
    for svg in svgs(&page) {
        roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    }
}

#[test]
fn the_same_picture_renders_the_same_bytes() {
    let (_, first) = render(SPEC);
    let (_, second) = render(SPEC);
    assert!(first == second, "two renderings differ");
}

/// `chromium` or `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
        .find(|p| p.is_file())
}

/// Renders `page` in headless Chromium at `width`×`height`, with `extra`
/// arguments, and returns the PNG it took. Fails the test when Chromium
/// does not end within a minute.
fn screenshot(chromium: &Path, page: &str, (width, height): (u32, u32), extra: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("report.html");
    let shot = dir.path().join("shot.png");
    fs::write(&html, page).expect("write the page");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", shot.display()))
        .args(extra)
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let err = child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut { err }, &mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for chromium") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = log.join().unwrap_or_default();
    assert!(status.success(), "chromium failed ({status}):\n{log}");
    fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{log}"))
}

/// What a screenshot shows: its size, its distinct colours, its most
/// common colour (the background) and the share of pixels that differ
/// from it.
struct Shot {
    width: u32,
    height: u32,
    colours: usize,
    background: [u8; 3],
    ink: f64,
}

fn decode(png_bytes: &[u8]) -> Shot {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let frame = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let channels = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected colour type {other:?}"),
    };
    let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
    for row in buf[..frame.buffer_size()].chunks(frame.line_size) {
        for px in row.chunks_exact(channels) {
            *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    let (&background, &most) = counts
        .iter()
        .max_by_key(|(colour, n)| (**n, **colour))
        .expect("pixels");
    Shot {
        width: frame.width,
        height: frame.height,
        colours: counts.len(),
        background,
        ink: (total - most) as f64 / total as f64,
    }
}

fn luminance(c: [u8; 3]) -> f64 {
    0.2126 * f64::from(c[0]) + 0.7152 * f64::from(c[1]) + 0.0722 * f64::from(c[2])
}

#[test]
fn headless_chromium_renders_the_page() {
    let Some(chromium) = chromium() else {
        support::skip_unless_ci(
            "`chromium` is not on PATH",
            "install the Debian package `chromium` to render the report page",
        );
        return;
    };
    let (_, page) = render(SPEC);
    let light = decode(&screenshot(&chromium, &page, (1280, 2000), &[]));
    assert_eq!((light.width, light.height), (1280, 2000));
    assert!(light.colours >= 8, "{} colours", light.colours);
    assert!(
        light.ink > 0.02,
        "only {:.1}% of the page is drawn",
        light.ink * 100.0
    );
    assert!(
        luminance(light.background) > 200.0,
        "{:?}",
        light.background
    );

    // The dark colour scheme, as a browser that prefers it shows the page.
    let dark = decode(&screenshot(
        &chromium,
        &page,
        (1280, 2000),
        &[
            "--force-dark-mode",
            "--blink-settings=preferredColorScheme=0",
        ],
    ));
    assert!(dark.colours >= 8, "{} colours", dark.colours);
    assert!(
        dark.ink > 0.02,
        "only {:.1}% of the page is drawn",
        dark.ink * 100.0
    );
    assert!(luminance(dark.background) < 60.0, "{:?}", dark.background);
}

/// `docs/report.png`: the page of one alerting SLO as a reviewer sees it.
/// Rewritten with `SLO_BLESS=1`; otherwise only checked to be a picture.
#[test]
fn the_screenshot_in_docs_shows_one_slo() {
    let target = support::root().join("docs/report.png");
    let bless = std::env::var_os("SLO_BLESS").is_some_and(|v| !v.is_empty() && v != "0");
    if !bless {
        let shot = decode(&fs::read(&target).expect("docs/report.png"));
        assert!(shot.colours >= 8 && shot.ink > 0.02);
        return;
    }
    let Some(chromium) = chromium() else {
        support::skip_unless_ci(
            "`chromium` is not on PATH",
            "install the Debian package `chromium` to rewrite docs/report.png",
        );
        return;
    };
    let (_, page) = render(ONE);
    let png = screenshot(&chromium, &page, (1100, 2440), &[]);
    fs::write(&target, png).expect("write docs/report.png");
}

/// A program of `n` SLOs in services of ten, as `bench/gen_scale.py`
/// writes them: the standard policy, every tenth SLO without alerts.
fn scale_spec(n: usize) -> String {
    let mut spec = String::from(
        "policy standard {\n  page 14.4x over 1h/5m\n  page 6x over 6h/30m\n  \
         ticket 3x over 1d/2h for 15m\n  ticket 1x over 3d/6h\n}\n",
    );
    for service in 0..n.div_ceil(10) {
        spec.push_str(&format!(
            "service svc-{service:05} {{\n  sli requests = ratio {{\n    \
             bad = `http_requests_total{{job=\"svc-{service:05}\", code=~\"5..\"}}`\n    \
             total = `http_requests_total{{job=\"svc-{service:05}\"}}`\n  }}\n"
        ));
        for i in service * 10..(service * 10 + 10).min(n) {
            let alerting = if i % 10 == 9 { "none" } else { "standard" };
            let target = ["99.9%", "99.5%", "99%", "99.95%"][i % 4];
            spec.push_str(&format!(
                "  slo objective{i} {{\n    sli = requests\n    target = {target}\n    \
                 window = 30d\n    alerting = {alerting}\n  }}\n"
            ));
        }
        spec.push_str("}\n");
    }
    spec
}

/// A page of a thousand SLOs is under 20 MB and renders in well under a
/// second. A debug build simulates and renders a tenth of them, and holds
/// the page to a tenth of the size; `cargo test --release` runs the
/// thousand and times the rendering.
#[test]
fn a_thousand_slos_make_a_page_under_20_mb() {
    let n = if cfg!(debug_assertions) { 100 } else { 1000 };
    let program = program(&scale_spec(n));
    let picture = picture(&program, None);
    assert_eq!(picture.slos.len(), n);
    let started = Instant::now();
    let page = slo::emit::report::html(&picture);
    let rendered = started.elapsed();
    let _ = writeln!(
        std::io::stderr(),
        "{n} SLOs rendered in {rendered:?}: {} bytes",
        page.len()
    );
    assert!(
        page.len() < 20_000 * n,
        "{} bytes for {n} SLOs: more than 20 MB for a thousand",
        page.len()
    );
    if !cfg!(debug_assertions) {
        assert!(
            rendered < Duration::from_secs(1),
            "{n} SLOs took {rendered:?} to render"
        );
    }
}
