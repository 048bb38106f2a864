//! Where each SLO's dashboard lives: pages, uids, titles and file names;
//! and what each dashboard shows (`page.rs`, `overview.rs`), which
//! `emit::grafana` only writes out.
//!
//! Alerts link to the dashboard of their SLO (`dashboard_url`) and the
//! overview links to every service dashboard, so the names are fixed here,
//! once, from the program alone.

mod overview;
mod page;

pub use overview::{overview, OverviewModel, OverviewQueries};
pub use page::{models, AlertLine, Link, PageModel, SloQueries, SloView, TAG};

use crate::check::Service;

/// SLOs per dashboard page. Each SLO takes a row and six panels, so seven
/// SLOs (49 panels) stay within the 50 panels a dashboard should hold; a
/// service with more SLOs gets more pages.
pub const SLOS_PER_PAGE: usize = 7;

/// The overview dashboard's uid. Service uids all start with `slo-`, so this
/// one cannot collide with any of them.
pub const OVERVIEW_UID: &str = "slo_overview";

/// The overview dashboard's title.
pub const OVERVIEW_TITLE: &str = "SLO overview";

/// The overview dashboard's file.
pub const OVERVIEW_FILE: &str = "grafana/slo-overview.json";

/// Grafana's limit on the length of a dashboard uid.
const MAX_UID: usize = 40;

/// One dashboard of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 1-based page number.
    pub number: usize,
    /// How many pages the service has.
    pub count: usize,
    /// The dashboard uid, stable for a given service name and page.
    pub uid: String,
    /// The dashboard title.
    pub title: String,
    /// The file, relative to the output directory.
    pub file: String,
    /// The indices of the service's SLOs on this page.
    pub slos: std::ops::Range<usize>,
}

impl Page {
    /// The path of the dashboard under Grafana's base URL: `/d/<uid>/<slug>`.
    pub fn path(&self) -> String {
        format!("/d/{}/{}", self.uid, slug(&self.title))
    }
}

/// The overview's path under Grafana's base URL.
pub fn overview_path() -> String {
    format!("/d/{OVERVIEW_UID}/{}", slug(OVERVIEW_TITLE))
}

/// The dashboards of a service: one per [`SLOS_PER_PAGE`] SLOs, none for a
/// service without SLOs.
pub fn pages(service: &Service) -> Vec<Page> {
    let count = service.slos.len().div_ceil(SLOS_PER_PAGE);
    (1..=count)
        .map(|number| {
            let first = (number - 1) * SLOS_PER_PAGE;
            let (title, file) = if count == 1 {
                (
                    format!("{} SLOs", service.name),
                    format!("grafana/{}.json", service.name),
                )
            } else {
                (
                    format!("{} SLOs ({number}/{count})", service.name),
                    // Service names cannot contain `.`, so page files never
                    // collide with another service's file.
                    if number == 1 {
                        format!("grafana/{}.json", service.name)
                    } else {
                        format!("grafana/{}.{number}.json", service.name)
                    },
                )
            };
            Page {
                number,
                count,
                uid: uid(&service.name, number),
                title,
                file,
                slos: first..(first + SLOS_PER_PAGE).min(service.slos.len()),
            }
        })
        .collect()
}

/// The uid of page `number` of a service's dashboards: `slo-<service>` for
/// the first page of a service whose name fits. Longer names and later pages
/// keep a readable prefix and end with a hash of the name (and page), so they
/// stay unique and within Grafana's 40 characters.
pub fn uid(service: &str, number: usize) -> String {
    let plain = format!("slo-{service}");
    if number == 1 && plain.len() <= MAX_UID {
        return plain;
    }
    let (key, tag) = if number == 1 {
        (service.to_string(), String::new())
    } else {
        (format!("{service}#{number}"), format!("p{number}-"))
    };
    let suffix = format!("-{tag}{:08x}", fnv1a(key.as_bytes()) as u32);
    let room = MAX_UID - "slo-".len() - suffix.len();
    // Names are ASCII (the grammar says so); a cut inside a character would
    // only shorten the prefix.
    let mut cut = service.len().min(room);
    while !service.is_char_boundary(cut) {
        cut -= 1;
    }
    let prefix = service.get(..cut).unwrap_or_default();
    format!("slo-{}{suffix}", prefix.trim_end_matches(['-', '_']))
}

/// Grafana's URL slug of a title: lowercase letters and digits, other runs
/// of characters turned into one `-`. Grafana finds a dashboard by uid; the
/// slug only makes the URL readable.
pub fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// 64-bit FNV-1a: small, stable across platforms and releases.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_give_readable_uids() {
        assert_eq!(uid("checkout", 1), "slo-checkout");
    }

    #[test]
    fn long_names_and_later_pages_stay_within_forty_characters() {
        let long = "a-very-long-service-name-that-goes-on-and-on";
        for number in 1..4 {
            let u = uid(long, number);
            assert!(u.len() <= MAX_UID, "{u}");
            assert!(u.starts_with("slo-a-very-long"), "{u}");
        }
        assert_ne!(uid(long, 1), uid(&format!("{long}x"), 1));
        assert_ne!(uid("checkout", 2), uid("checkout", 3));
        assert_ne!(uid("checkout", 2), uid("checkout", 1));
    }

    #[test]
    fn uids_are_stable() {
        // A uid change breaks every bookmark and alert link: pin one.
        assert_eq!(uid("checkout", 2), "slo-checkout-p2-ef6c53b4");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("checkout SLOs"), "checkout-slos");
        assert_eq!(slug("check_out SLOs (2/3)"), "check-out-slos-2-3");
        assert_eq!(slug(OVERVIEW_TITLE), "slo-overview");
    }
}
