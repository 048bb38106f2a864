//! Links of a dashboard, and from the values of a table.

use super::panels::Text;
use serde::Serialize;

/// A link of a dashboard, or from a table's values.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Link {
    as_dropdown: bool,
    icon: &'static str,
    include_vars: bool,
    keep_time: bool,
    tags: Vec<String>,
    target_blank: bool,
    title: Text,
    tooltip: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// A dashboard link: to another dashboard (`url`) or to dashboards by tag.
pub fn link(
    title: impl Into<Text>,
    url: Option<String>,
    tags: Vec<String>,
    tooltip: &'static str,
) -> Link {
    Link {
        as_dropdown: url.is_none(),
        icon: if url.is_some() {
            "dashboard"
        } else {
            "external link"
        },
        include_vars: true,
        keep_time: true,
        tags,
        target_blank: false,
        title: title.into(),
        tooltip,
        kind: if url.is_some() { "link" } else { "dashboards" },
        url,
    }
}

/// A link to a page outside Grafana, in a new tab, with an icon of a
/// document.
pub fn document_link(title: &'static str, url: String, tooltip: &'static str) -> Link {
    Link {
        icon: "doc",
        target_blank: true,
        include_vars: false,
        keep_time: false,
        ..link(title, Some(url), Vec::new(), tooltip)
    }
}

/// A link from a table's values to a URL built from them, carrying nothing
/// of the dashboard's state but what the URL says.
pub fn value_link(title: &'static str, url: &'static str) -> Link {
    Link {
        tooltip: "",
        include_vars: false,
        keep_time: false,
        ..link(title, Some(url.to_string()), Vec::new(), "")
    }
}
