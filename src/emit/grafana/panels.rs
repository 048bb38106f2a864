//! Grafana panel models: the few panel types the dashboards use, each with
//! the options its plugin requires, querying through the `datasource`
//! template variable.

use crate::emit::json::{json, object, shared, Json, Object, Text};

/// The template variable every panel and query reads its data source from.
pub const DATASOURCE_VAR: &str = "datasource";

/// The value of [`DATASOURCE_VAR`] in a data source reference.
const DATASOURCE_UID: &str = "${datasource}";

/// A reference to the data source the dashboard's user picks.
pub fn datasource() -> Json {
    shared!({ "type": "prometheus", "uid": DATASOURCE_UID })
}

/// The `datasource` template variable: any Prometheus data source.
pub fn datasource_variable() -> Json {
    shared!({
        "type": "datasource",
        "name": DATASOURCE_VAR,
        "label": "Data source",
        "query": "prometheus",
        "refresh": 1,
        "hide": 0,
        "includeAll": false,
        "multi": false,
        "options": [],
        "regex": "",
        "skipUrlSync": false,
    })
}

/// A PromQL query of a panel.
pub struct Query {
    /// The expression.
    pub expr: String,
    /// The series name in legends (`{{label}}` templates allowed).
    pub legend: Text,
    /// One value at the end of the range (tables, stats) instead of a range.
    pub instant: bool,
}

impl Query {
    /// A range query.
    pub fn range(expr: impl Into<String>, legend: impl Into<Text>) -> Query {
        Query {
            expr: expr.into(),
            legend: legend.into(),
            instant: false,
        }
    }

    /// An instant query.
    pub fn instant(expr: impl Into<String>, legend: impl Into<Text>) -> Query {
        Query {
            instant: true,
            ..Query::range(expr, legend)
        }
    }
}

/// The reference ids of a panel's queries, in order.
const REF_IDS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Panel targets with reference ids `A`, `B`, …; instant queries come back
/// as tables.
fn targets(queries: Vec<Query>) -> Json {
    let targets: Vec<Object> = queries
        .into_iter()
        .zip(0..REF_IDS.len())
        .map(|(q, i)| {
            let mut t = object! {
                "datasource": datasource(),
                "editorMode": "code",
                "expr": q.expr,
                "legendFormat": q.legend,
                "range": !q.instant,
                "instant": q.instant,
                "refId": REF_IDS.get(i..=i).unwrap_or_default(),
            };
            if q.instant {
                t.set("format", "table");
            }
            t
        })
        .collect();
    targets.into()
}

/// Where a panel sits: Grafana's 24-column grid.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    /// Column, 0–23.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Width in columns.
    pub w: u32,
    /// Height in rows.
    pub h: u32,
}

impl Grid {
    fn json(self) -> Json {
        json!({ "x": self.x, "y": self.y, "w": self.w, "h": self.h })
    }
}

/// A colour from `value` upwards; the first step starts at minus infinity.
pub struct Step(pub Option<f64>, pub &'static str);

/// Absolute thresholds from steps sorted by value.
pub fn thresholds(steps: &[Step]) -> Json {
    let steps: Vec<Json> = steps
        .iter()
        .map(|Step(value, color)| json!({ "value": *value, "color": *color }))
        .collect();
    json!({ "mode": "absolute", "steps": steps })
}

/// What every panel has.
pub struct Common {
    /// Unique within the dashboard.
    pub id: u32,
    /// Title.
    pub title: Text,
    /// Shown as the panel's info tooltip.
    pub description: Text,
    /// Position.
    pub grid: Grid,
}

/// A panel of type `kind`; `field` is its default field config.
fn panel(
    kind: &'static str,
    c: Common,
    queries: Vec<Query>,
    field: Object,
    overrides: Vec<Object>,
    options: Json,
) -> Object {
    object! {
        "type": kind,
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "datasource": datasource(),
        "gridPos": c.grid.json(),
        "targets": targets(queries),
        "fieldConfig": { "defaults": field, "overrides": overrides },
        "options": options,
    }
}

/// How a single-value panel reduces its series: the latest value.
fn last_value() -> Json {
    shared!({ "calcs": ["lastNotNull"], "fields": "", "values": false })
}

/// A stat panel: one big number coloured by thresholds.
pub fn stat(c: Common, query: Query, field: Object) -> Object {
    let options = shared!({
        "colorMode": "value",
        "graphMode": "area",
        "justifyMode": "auto",
        "orientation": "auto",
        "percentChangeColorMode": "standard",
        "reduceOptions": last_value(),
        "showPercentChange": false,
        "textMode": "auto",
        "wideLayout": true,
    });
    panel("stat", c, vec![query], field, Vec::new(), options)
}

/// A gauge panel.
pub fn gauge(c: Common, query: Query, field: Object) -> Object {
    let options = shared!({
        "minVizHeight": 75,
        "minVizWidth": 75,
        "orientation": "auto",
        "reduceOptions": last_value(),
        "showThresholdLabels": false,
        "showThresholdMarkers": true,
        "sizing": "auto",
    });
    panel("gauge", c, vec![query], field, Vec::new(), options)
}

/// A time series panel. `field` gets the line style; its thresholds are
/// drawn as dashed lines.
pub fn timeseries(c: Common, queries: Vec<Query>, mut field: Object) -> Object {
    let line_style = shared!({
        "drawStyle": "line",
        "lineInterpolation": "linear",
        "lineWidth": 1,
        "fillOpacity": 10,
        "gradientMode": "none",
        "showPoints": "never",
        "spanNulls": false,
        "axisSoftMin": 0,
        "thresholdsStyle": { "mode": "dashed" },
    });
    field.set("custom", line_style);
    let options = shared!({
        "legend": { "calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": true },
        "tooltip": { "mode": "multi", "sort": "desc" },
    });
    panel("timeseries", c, queries, field, Vec::new(), options)
}

/// A table panel over instant queries.
pub fn table(
    c: Common,
    queries: Vec<Query>,
    field: Object,
    overrides: Vec<Object>,
    transformations: Json,
    sort_by: Option<&'static str>,
) -> Object {
    let mut options = object! {
        "cellHeight": "sm",
        "footer": { "countRows": false, "reducer": ["sum"], "show": false },
        "frameIndex": 0,
        "showHeader": true,
    };
    if let Some(column) = sort_by {
        options.set("sortBy", json!([{ "displayName": column, "desc": false }]));
    }
    let mut p = panel("table", c, queries, field, overrides, options.into());
    p.set("transformations", transformations);
    p
}

/// The `custom` field config of a table: plain cells, coloured per column
/// with [`column_override`].
pub fn table_cells() -> Json {
    shared!({ "align": "auto", "inspect": false })
}

/// Per-column settings of a table: coloured text, by `steps` when given,
/// else by the value mappings. (The published schema admits only object
/// values in overrides, so units cannot differ between columns.)
pub fn column_override(columns: &[&'static str], steps: Option<&[Step]>) -> Object {
    let mut properties =
        vec![shared!({ "id": "custom.cellOptions", "value": { "type": "color-text" } })];
    if let Some(steps) = steps {
        properties.push(json!({ "id": "thresholds", "value": thresholds(steps) }));
    }
    object! {
        "matcher": { "id": "byNames", "options": { "mode": "include", "names": columns.to_vec() } },
        "properties": properties,
    }
}

/// A row heading; the panels after it, up to the next row, belong to it.
pub fn row(id: u32, title: String, y: u32) -> Object {
    object! {
        "type": "row",
        "id": id,
        "title": title,
        "collapsed": false,
        "panels": [],
        "gridPos": Grid { x: 0, y, w: 24, h: 1 }.json(),
    }
}

/// A dashboard link: to another dashboard (`url`) or to dashboards by tag.
pub fn link(
    title: impl Into<Text>,
    url: Option<String>,
    tags: Vec<String>,
    tooltip: &'static str,
) -> Object {
    let mut l = object! {
        "title": title.into(),
        "type": if url.is_some() { "link" } else { "dashboards" },
        "icon": if url.is_some() { "dashboard" } else { "external link" },
        "tooltip": tooltip,
        "tags": tags,
        "asDropdown": url.is_none(),
        "targetBlank": false,
        "includeVars": true,
        "keepTime": true,
    };
    if let Some(url) = url {
        l.set("url", url);
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasource_uid_reads_the_variable() {
        assert_eq!(DATASOURCE_UID, format!("${{{DATASOURCE_VAR}}}"));
    }
}
