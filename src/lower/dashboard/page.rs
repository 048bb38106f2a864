//! What a service's dashboard page shows: its links, and per SLO the facts
//! its panels state and the PromQL of every query. How they are drawn
//! (panel types, layout, colours, texts) is `emit::grafana`'s business.

use super::{overview_path, pages, Page};
use crate::check::{Service, Slo};
use crate::lower;
use crate::num::{Duration, Ratio, Target};

/// The tag every dashboard `slo` writes carries, which the overview's link
/// to the service dashboards selects by.
pub const TAG: &str = "slo";

/// One dashboard page of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct PageModel {
    /// Where the page lives: uid, title, file and its place among the
    /// service's pages.
    pub page: Page,
    /// The service's name.
    pub service: String,
    /// `slo`, `service:<name>`, and `team:<team>` when the service has one.
    pub tags: Vec<String>,
    /// The page's links, in order.
    pub links: Vec<Link>,
    /// The SLOs of the page, in the order of the source.
    pub slos: Vec<SloView>,
}

/// A link of a service page.
#[derive(Debug, Clone, PartialEq)]
pub enum Link {
    /// The overview dashboard, at this path under Grafana's base URL.
    Overview(String),
    /// The other pages of a service that has several, by their common tag.
    Pages {
        /// The service whose pages these are.
        service: String,
        /// The tag the pages share, `service:<name>`.
        tag: String,
    },
    /// The service's runbook.
    Runbook(String),
}

/// One burn-rate alert of an SLO: a line of its policy.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertLine {
    /// The policy's word for it: `page`, `ticket`, …
    pub severity: String,
    /// The burn rate it fires at.
    pub factor: Ratio,
    /// The long window.
    pub long: Duration,
    /// The short window.
    pub short: Duration,
}

/// What the panels of one SLO show.
#[derive(Debug, Clone, PartialEq)]
pub struct SloView {
    /// The SLO's name.
    pub name: String,
    /// The service's name.
    pub service: String,
    /// The name of the SLI it measures.
    pub sli_name: String,
    /// The target.
    pub target: Target,
    /// The period the budget is counted over.
    pub period: Duration,
    /// The window of the current burn rate: the shortest any alert uses.
    pub current: Duration,
    /// The labels a per-label SLO is split by; empty for one series.
    pub by: Vec<String>,
    /// Its burn-rate alerts, in the order of the policy.
    pub alerts: Vec<AlertLine>,
    /// The labels its firing alerts are summed by, in column order:
    /// severity, the two windows, then the `by` labels.
    pub alert_labels: Vec<String>,
    /// The PromQL of its panels.
    pub queries: SloQueries,
}

/// The PromQL of one SLO's panels.
#[derive(Debug, Clone, PartialEq)]
pub struct SloQueries {
    /// The SLI over the period: `1 - ` the period's error ratio.
    pub sli: String,
    /// The share of the error budget left.
    pub remaining: String,
    /// The burn rate over every window the SLO records, shortest first.
    pub burn: Vec<(Duration, String)>,
    /// The error ratio over the current-burn window.
    pub ratio: String,
    /// The SLO's firing burn-rate alerts, summed by [`SloView::alert_labels`].
    pub firing: String,
}

/// The dashboard pages of a service, with what each shows.
pub fn models(service: &Service) -> Vec<PageModel> {
    pages(service)
        .into_iter()
        .map(|page| model(service, page))
        .collect()
}

fn model(service: &Service, page: Page) -> PageModel {
    let service_tag = format!("service:{}", service.name);
    let mut tags = vec![TAG.to_string(), service_tag.clone()];
    tags.extend(service.team.iter().map(|team| format!("team:{team}")));
    let mut links = vec![Link::Overview(overview_path())];
    if page.count > 1 {
        links.push(Link::Pages {
            service: service.name.clone(),
            tag: service_tag,
        });
    }
    links.extend(service.runbook.iter().cloned().map(Link::Runbook));
    let slos = service
        .slos
        .get(page.slos.clone())
        .unwrap_or_default()
        .iter()
        .map(|slo| view(service, slo))
        .collect();
    PageModel {
        page,
        service: service.name.clone(),
        tags,
        links,
        slos,
    }
}

fn view(service: &Service, slo: &Slo) -> SloView {
    let sel = lower::selector(service, slo);
    let budget = slo.target.budget();
    let current = lower::current_window(slo);
    // A per-label SLO fires per value: the values are kept, one row each.
    let mut alert_labels: Vec<String> = ["severity", "long_window", "short_window"]
        .map(String::from)
        .into();
    alert_labels.extend(slo.by.iter().cloned());
    let firing = format!(
        "sum by ({}) (ALERTS{{alertname=\"{}\", alertstate=\"firing\", {}",
        alert_labels.join(", "),
        slo.alert,
        sel.strip_prefix('{').unwrap_or(&sel)
    );
    let queries = SloQueries {
        sli: format!("1 - {}{sel}", lower::ratio_series(slo.period)),
        remaining: format!("slo:period_error_budget_remaining:ratio{sel}"),
        burn: lower::windows(slo)
            .into_iter()
            .map(|w| (w, format!("{}{sel} / {budget}", lower::ratio_series(w))))
            .collect(),
        ratio: format!("{}{sel}", lower::ratio_series(current)),
        firing: format!("{firing})"),
    };
    SloView {
        name: slo.name.clone(),
        service: service.name.clone(),
        sli_name: slo.sli_name.clone(),
        target: slo.target,
        period: slo.period,
        current,
        by: slo.by.clone(),
        alerts: slo
            .alerts
            .iter()
            .map(|a| AlertLine {
                severity: a.severity.clone(),
                factor: a.factor,
                long: a.long,
                short: a.short,
            })
            .collect(),
        alert_labels,
        queries,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Sources;

    fn service(text: &str) -> Service {
        let mut sources = Sources::new();
        sources.add("t.slo", text);
        let program = crate::check(&sources).program.expect("valid program");
        program.services.into_iter().next().expect("a service")
    }

    const SPEC: &str = r#"
policy standard {
  page   14.4x over 1h/5m
  ticket 3x    over 1d/2h
}
service search {
  runbook = "https://runbooks.example.com/search"
  sli queries = ratio {
    bad   = `errors_total`
    total = `requests_total`
  }
  slo availability {
    sli      = queries
    target   = 99.5%
    by       = [route, region]
    alerting = standard
  }
}
"#;

    #[test]
    fn every_query_of_an_slo_is_decided_here() {
        let pages = models(&service(SPEC));
        let [page] = pages.as_slice() else {
            panic!("one page: {pages:?}");
        };
        let [slo] = page.slos.as_slice() else {
            panic!("one SLO: {:?}", page.slos);
        };
        let sel = r#"{service="search", slo="availability"}"#;
        let q = &slo.queries;
        assert_eq!(q.sli, format!("1 - slo:sli_error:ratio_rate30d{sel}"));
        assert_eq!(q.ratio, format!("slo:sli_error:ratio_rate5m{sel}"));
        let burn: Vec<&str> = q.burn.iter().map(|(_, e)| e.as_str()).collect();
        assert_eq!(
            burn,
            [
                format!("slo:sli_error:ratio_rate5m{sel} / 0.005"),
                format!("slo:sli_error:ratio_rate1h{sel} / 0.005"),
                format!("slo:sli_error:ratio_rate2h{sel} / 0.005"),
                format!("slo:sli_error:ratio_rate1d{sel} / 0.005"),
            ]
        );
        assert_eq!(
            q.firing,
            "sum by (severity, long_window, short_window, route, region) \
             (ALERTS{alertname=\"ErrorBudgetBurn\", alertstate=\"firing\", \
             service=\"search\", slo=\"availability\"})"
        );
        assert_eq!(slo.current, Duration(5 * Duration::MINUTE));
        assert_eq!(
            page.links,
            [
                Link::Overview("/d/slo_overview/slo-overview".into()),
                Link::Runbook("https://runbooks.example.com/search".into()),
            ]
        );
        assert_eq!(page.tags, ["slo", "service:search"]);
    }

    #[test]
    fn the_pages_of_a_service_link_to_each_other() {
        let slos: String = (0..8)
            .map(|i| format!("  slo s{i} {{\n    sli = queries\n    target = 99%\n  }}\n"))
            .collect();
        let text = format!(
            "service big {{\n  team = \"core\"\n  sli queries = ratio {{\n    bad = `e`\n    total = `t`\n  }}\n{slos}}}\n"
        );
        let pages = models(&service(&text));
        assert_eq!(pages.len(), 2);
        for page in &pages {
            assert_eq!(page.tags, ["slo", "service:big", "team:core"]);
            assert!(page.links.contains(&Link::Pages {
                service: "big".into(),
                tag: "service:big".into(),
            }));
        }
        let sizes: Vec<usize> = pages.iter().map(|p| p.slos.len()).collect();
        assert_eq!(sizes, [7, 1]);
    }
}
