//! Grafana panel models: the few panel types the dashboards use, each with
//! the options its plugin requires, querying through the `datasource`
//! template variable.

use serde_json::{json, Value};

/// The template variable every panel and query reads its data source from.
pub const DATASOURCE_VAR: &str = "datasource";

/// A reference to the data source the dashboard's user picks.
pub fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": format!("${{{DATASOURCE_VAR}}}") })
}

/// The `datasource` template variable: any Prometheus data source.
pub fn datasource_variable() -> Value {
    json!({
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
    pub legend: String,
    /// One value at the end of the range (tables, stats) instead of a range.
    pub instant: bool,
}

impl Query {
    /// A range query.
    pub fn range(expr: impl Into<String>, legend: impl Into<String>) -> Query {
        Query {
            expr: expr.into(),
            legend: legend.into(),
            instant: false,
        }
    }

    /// An instant query.
    pub fn instant(expr: impl Into<String>, legend: impl Into<String>) -> Query {
        Query {
            instant: true,
            ..Query::range(expr, legend)
        }
    }
}

/// Panel targets with reference ids `A`, `B`, …; instant queries come back
/// as tables.
fn targets(queries: &[Query]) -> Value {
    let targets: Vec<Value> = queries
        .iter()
        .zip('A'..='Z')
        .map(|(q, ref_id)| {
            let mut t = json!({
                "datasource": datasource(),
                "editorMode": "code",
                "expr": q.expr,
                "legendFormat": q.legend,
                "range": !q.instant,
                "instant": q.instant,
                "refId": ref_id.to_string(),
            });
            if q.instant {
                t["format"] = json!("table");
            }
            t
        })
        .collect();
    Value::Array(targets)
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
    fn json(self) -> Value {
        json!({ "x": self.x, "y": self.y, "w": self.w, "h": self.h })
    }
}

/// A colour from `value` upwards; the first step starts at minus infinity.
pub struct Step(pub Option<f64>, pub &'static str);

/// Absolute thresholds from steps sorted by value.
pub fn thresholds(steps: &[Step]) -> Value {
    let steps: Vec<Value> = steps
        .iter()
        .map(|Step(value, color)| json!({ "value": value, "color": color }))
        .collect();
    json!({ "mode": "absolute", "steps": steps })
}

/// What every panel has.
pub struct Common<'a> {
    /// Unique within the dashboard.
    pub id: u32,
    /// Title.
    pub title: &'a str,
    /// Shown as the panel's info tooltip.
    pub description: &'a str,
    /// Position.
    pub grid: Grid,
}

fn panel(kind: &str, c: &Common, queries: &[Query], field: Value, options: Value) -> Value {
    json!({
        "type": kind,
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "datasource": datasource(),
        "gridPos": c.grid.json(),
        "targets": targets(queries),
        "fieldConfig": { "defaults": field, "overrides": [] },
        "options": options,
    })
}

/// How a single-value panel reduces its series: the latest value.
fn last_value() -> Value {
    json!({ "calcs": ["lastNotNull"], "fields": "", "values": false })
}

/// A stat panel: one big number coloured by thresholds.
pub fn stat(c: &Common, query: Query, field: Value) -> Value {
    let options = json!({
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
    panel("stat", c, &[query], field, options)
}

/// A gauge panel.
pub fn gauge(c: &Common, query: Query, field: Value) -> Value {
    let options = json!({
        "minVizHeight": 75,
        "minVizWidth": 75,
        "orientation": "auto",
        "reduceOptions": last_value(),
        "showThresholdLabels": false,
        "showThresholdMarkers": true,
        "sizing": "auto",
    });
    panel("gauge", c, &[query], field, options)
}

/// A time series panel. `field` gets the line style; its thresholds are
/// drawn as dashed lines.
pub fn timeseries(c: &Common, queries: Vec<Query>, mut field: Value) -> Value {
    field["custom"] = json!({
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
    let options = json!({
        "legend": { "calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": true },
        "tooltip": { "mode": "multi", "sort": "desc" },
    });
    panel("timeseries", c, &queries, field, options)
}

/// A table panel over instant queries.
pub fn table(
    c: &Common,
    queries: Vec<Query>,
    field: Value,
    overrides: Vec<Value>,
    transformations: Value,
    sort_by: Option<&str>,
) -> Value {
    let mut options = json!({
        "cellHeight": "sm",
        "footer": { "countRows": false, "reducer": ["sum"], "show": false },
        "frameIndex": 0,
        "showHeader": true,
    });
    if let Some(column) = sort_by {
        options["sortBy"] = json!([{ "displayName": column, "desc": false }]);
    }
    let mut p = panel("table", c, &queries, field, options);
    p["fieldConfig"]["overrides"] = Value::Array(overrides);
    p["transformations"] = transformations;
    p
}

/// The `custom` field config of a table: plain cells, coloured per column
/// with [`column_override`].
pub fn table_cells() -> Value {
    json!({ "align": "auto", "inspect": false })
}

/// Per-column settings of a table: coloured text, by `steps` when given,
/// else by the value mappings. (The published schema admits only object
/// values in overrides, so units cannot differ between columns.)
pub fn column_override(columns: &[&str], steps: Option<&[Step]>) -> Value {
    let mut properties =
        vec![json!({ "id": "custom.cellOptions", "value": { "type": "color-text" } })];
    if let Some(steps) = steps {
        properties.push(json!({ "id": "thresholds", "value": thresholds(steps) }));
    }
    json!({
        "matcher": { "id": "byNames", "options": { "mode": "include", "names": columns } },
        "properties": properties,
    })
}

/// A row heading; the panels after it, up to the next row, belong to it.
pub fn row(id: u32, title: &str, y: u32) -> Value {
    json!({
        "type": "row",
        "id": id,
        "title": title,
        "collapsed": false,
        "panels": [],
        "gridPos": Grid { x: 0, y, w: 24, h: 1 }.json(),
    })
}

/// A dashboard link: to another dashboard (`url`) or to dashboards by tag.
pub fn link(title: &str, url: Option<&str>, tags: &[&str], tooltip: &str) -> Value {
    let mut l = json!({
        "title": title,
        "type": if url.is_some() { "link" } else { "dashboards" },
        "icon": if url.is_some() { "dashboard" } else { "external link" },
        "tooltip": tooltip,
        "tags": tags,
        "asDropdown": url.is_none(),
        "targetBlank": false,
        "includeVars": true,
        "keepTime": true,
    });
    if let Some(url) = url {
        l["url"] = json!(url);
    }
    l
}
