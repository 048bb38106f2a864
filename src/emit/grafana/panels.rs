//! Grafana panel models: the few panel types the dashboards use, each with
//! the options its plugin requires, querying through the `datasource`
//! template variable.
//!
//! Each is a struct that `serde` writes. Fields are declared in byte order
//! of their JSON names (the order the dashboards have always had, from when
//! they were written through `serde_json::Value`, whose maps are sorted);
//! `tests/golden.rs` holds the files to it.

use super::field::{Field, Override, LINES};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A text: borrowed when it is a literal, owned when built at run time.
pub type Text = Cow<'static, str>;

/// The template variable every panel and query reads its data source from.
pub const DATASOURCE_VAR: &str = "datasource";

/// The value of [`DATASOURCE_VAR`] in a data source reference.
const DATASOURCE_UID: &str = "${datasource}";

/// A reference to the data source the dashboard's user picks.
#[derive(Serialize, Clone, Copy)]
pub struct Datasource {
    #[serde(rename = "type")]
    kind: &'static str,
    uid: &'static str,
}

/// The data source of every panel and query.
pub const DATASOURCE: Datasource = Datasource {
    kind: "prometheus",
    uid: DATASOURCE_UID,
};

/// The `datasource` template variable: any Prometheus data source.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DatasourceVariable {
    hide: u32,
    include_all: bool,
    label: &'static str,
    multi: bool,
    name: &'static str,
    options: &'static [u8],
    query: &'static str,
    refresh: u32,
    regex: &'static str,
    skip_url_sync: bool,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The one template variable of every dashboard.
pub const DATASOURCE_VARIABLE: DatasourceVariable = DatasourceVariable {
    hide: 0,
    include_all: false,
    label: "Data source",
    multi: false,
    name: DATASOURCE_VAR,
    options: &[],
    query: "prometheus",
    refresh: 1,
    regex: "",
    skip_url_sync: false,
    kind: "datasource",
};

/// A PromQL query of a panel.
pub struct Query<'a> {
    /// The expression.
    pub expr: &'a str,
    /// The series name in legends (`{{label}}` templates allowed).
    pub legend: String,
    /// One value at the end of the range (tables, stats) instead of a range.
    pub instant: bool,
}

impl<'a> Query<'a> {
    /// A range query.
    pub fn range(expr: &'a str, legend: impl Into<String>) -> Query<'a> {
        Query {
            expr,
            legend: legend.into(),
            instant: false,
        }
    }

    /// An instant query without a legend.
    pub fn instant(expr: &'a str) -> Query<'a> {
        Query {
            instant: true,
            ..Query::range(expr, String::new())
        }
    }
}

/// A query as a panel target.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target<'a> {
    datasource: Datasource,
    editor_mode: &'static str,
    expr: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'static str>,
    instant: bool,
    legend_format: String,
    range: bool,
    ref_id: &'static str,
}

/// The reference ids of a panel's queries, in order.
const REF_IDS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Panel targets with reference ids `A`, `B`, …; instant queries come back
/// as tables.
fn targets(queries: Vec<Query<'_>>) -> Vec<Target<'_>> {
    queries
        .into_iter()
        .zip(0..REF_IDS.len())
        .map(|(q, i)| Target {
            datasource: DATASOURCE,
            editor_mode: "code",
            expr: q.expr,
            format: q.instant.then_some("table"),
            instant: q.instant,
            legend_format: q.legend,
            range: !q.instant,
            ref_id: REF_IDS.get(i..=i).unwrap_or_default(),
        })
        .collect()
}

/// Where a panel sits: Grafana's 24-column grid.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct Grid {
    /// Height in rows.
    pub h: u32,
    /// Width in columns.
    pub w: u32,
    /// Column, 0–23.
    pub x: u32,
    /// Row.
    pub y: u32,
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

/// A panel of a dashboard.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Panel<'a> {
    /// A row heading.
    Row(Row),
    /// A panel that shows data.
    Data(Box<DataPanel<'a>>),
}

/// A row heading; the panels after it, up to the next row, belong to it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    collapsed: bool,
    grid_pos: Grid,
    id: u32,
    panels: &'static [u8],
    title: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A row heading at grid row `y`.
pub fn row<'a>(id: u32, title: String, y: u32) -> Panel<'a> {
    Panel::Row(Row {
        collapsed: false,
        grid_pos: Grid {
            x: 0,
            y,
            w: 24,
            h: 1,
        },
        id,
        panels: &[],
        title,
        kind: "row",
    })
}

impl<'a> From<DataPanel<'a>> for Panel<'a> {
    fn from(p: DataPanel<'a>) -> Panel<'a> {
        Panel::Data(Box::new(p))
    }
}

/// A panel that queries the data source.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataPanel<'a> {
    datasource: Datasource,
    description: Text,
    field_config: FieldConfig,
    grid_pos: Grid,
    id: u32,
    options: Options,
    targets: Vec<Target<'a>>,
    /// The panel's own time range, instead of the dashboard's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_from: Option<String>,
    title: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    transformations: Option<Vec<Transformation>>,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct FieldConfig {
    defaults: Field,
    overrides: Vec<Override>,
}

/// The options of a panel type.
#[derive(Serialize)]
#[serde(untagged)]
enum Options {
    Stat(StatOptions),
    Gauge(GaugeOptions),
    Timeseries(TimeseriesOptions),
    Table(TableOptions),
}

/// A panel of type `kind`; `field` is its default field config.
fn panel<'a>(
    kind: &'static str,
    c: Common,
    queries: Vec<Query<'a>>,
    field: Field,
    overrides: Vec<Override>,
    options: Options,
) -> DataPanel<'a> {
    DataPanel {
        datasource: DATASOURCE,
        description: c.description,
        field_config: FieldConfig {
            defaults: field,
            overrides,
        },
        grid_pos: c.grid,
        id: c.id,
        options,
        targets: targets(queries),
        time_from: None,
        title: c.title,
        transformations: None,
        kind,
    }
}

/// How a single-value panel reduces its series: the latest value.
#[derive(Serialize)]
struct ReduceOptions {
    calcs: &'static [&'static str],
    fields: &'static str,
    values: bool,
}

const LAST_VALUE: ReduceOptions = ReduceOptions {
    calcs: &["lastNotNull"],
    fields: "",
    values: false,
};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatOptions {
    color_mode: &'static str,
    graph_mode: &'static str,
    justify_mode: &'static str,
    orientation: &'static str,
    percent_change_color_mode: &'static str,
    reduce_options: ReduceOptions,
    show_percent_change: bool,
    text_mode: &'static str,
    wide_layout: bool,
}

/// A stat panel: one big number coloured by thresholds.
pub fn stat<'a>(c: Common, query: Query<'a>, field: Field) -> Panel<'a> {
    let options = Options::Stat(StatOptions {
        color_mode: "value",
        graph_mode: "area",
        justify_mode: "auto",
        orientation: "auto",
        percent_change_color_mode: "standard",
        reduce_options: LAST_VALUE,
        show_percent_change: false,
        text_mode: "auto",
        wide_layout: true,
    });
    panel("stat", c, vec![query], field, Vec::new(), options).into()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GaugeOptions {
    min_viz_height: u32,
    min_viz_width: u32,
    orientation: &'static str,
    reduce_options: ReduceOptions,
    show_threshold_labels: bool,
    show_threshold_markers: bool,
    sizing: &'static str,
}

/// A gauge panel.
pub fn gauge<'a>(c: Common, query: Query<'a>, field: Field) -> Panel<'a> {
    let options = Options::Gauge(GaugeOptions {
        min_viz_height: 75,
        min_viz_width: 75,
        orientation: "auto",
        reduce_options: LAST_VALUE,
        show_threshold_labels: false,
        show_threshold_markers: true,
        sizing: "auto",
    });
    panel("gauge", c, vec![query], field, Vec::new(), options).into()
}

#[derive(Serialize)]
struct TimeseriesOptions {
    legend: Legend,
    tooltip: Tooltip,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Legend {
    calcs: &'static [&'static str],
    display_mode: &'static str,
    placement: &'static str,
    show_legend: bool,
}

#[derive(Serialize)]
struct Tooltip {
    mode: &'static str,
    sort: &'static str,
}

/// A time series panel. `field` gets the line style; its thresholds are
/// drawn as dashed lines.
pub fn timeseries(c: Common, queries: Vec<Query<'_>>, mut field: Field) -> DataPanel<'_> {
    field.custom = Some(LINES);
    let options = Options::Timeseries(TimeseriesOptions {
        legend: Legend {
            calcs: &[],
            display_mode: "list",
            placement: "bottom",
            show_legend: true,
        },
        tooltip: Tooltip {
            mode: "multi",
            sort: "desc",
        },
    });
    panel("timeseries", c, queries, field, Vec::new(), options)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TableOptions {
    cell_height: &'static str,
    footer: Footer,
    frame_index: u32,
    show_header: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sort_by: Option<[SortBy; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Footer {
    count_rows: bool,
    reducer: &'static [&'static str],
    show: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SortBy {
    desc: bool,
    display_name: &'static str,
}

/// A transformation of a table's data.
#[derive(Serialize)]
pub struct Transformation {
    id: &'static str,
    options: Transform,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Transform {
    Merge {},
    Organize(Organize),
}

/// Which columns a table shows, in which order, under which names.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Organize {
    /// Columns left out.
    pub exclude_by_name: BTreeMap<&'static str, bool>,
    /// The place of each column.
    pub index_by_name: BTreeMap<String, usize>,
    /// Headers of columns, where they differ from the column's name.
    pub rename_by_name: BTreeMap<&'static str, &'static str>,
}

/// Merges the results of a table's queries into one row per label set.
pub fn merge() -> Transformation {
    Transformation {
        id: "merge",
        options: Transform::Merge {},
    }
}

/// Picks, orders and renames the columns of a table.
pub fn organize(organize: Organize) -> Transformation {
    Transformation {
        id: "organize",
        options: Transform::Organize(organize),
    }
}

/// A table panel over instant queries, sorted by `sort_by` when given.
pub fn table<'a>(
    c: Common,
    queries: Vec<Query<'a>>,
    field: Field,
    overrides: Vec<Override>,
    transformations: Vec<Transformation>,
    sort_by: Option<&'static str>,
) -> Panel<'a> {
    let options = Options::Table(TableOptions {
        cell_height: "sm",
        footer: Footer {
            count_rows: false,
            reducer: &["sum"],
            show: false,
        },
        frame_index: 0,
        show_header: true,
        sort_by: sort_by.map(|column| {
            [SortBy {
                desc: false,
                display_name: column,
            }]
        }),
    });
    let mut p = panel("table", c, queries, field, overrides, options);
    p.transformations = Some(transformations);
    p.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datasource_uid_reads_the_variable() {
        assert_eq!(DATASOURCE_UID, format!("${{{DATASOURCE_VAR}}}"));
    }
}
