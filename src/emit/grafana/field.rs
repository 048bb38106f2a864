//! A panel's field config: how its values are shown, coloured and
//! mapped, and per-column settings of tables. Fields in byte order of their
//! JSON names, as in `panels.rs`.

use serde::Serialize;
use std::collections::BTreeMap;

use super::link::Link;

/// A colour from `value` upwards; the first step starts at minus infinity.
#[derive(Serialize, Clone, Copy)]
pub struct Step {
    color: &'static str,
    value: Option<f64>,
}

/// The step of `color` from `value` up (from minus infinity for `None`).
pub fn step(value: Option<f64>, color: &'static str) -> Step {
    Step { color, value }
}

/// Absolute thresholds.
#[derive(Serialize)]
pub struct Thresholds {
    mode: &'static str,
    steps: Vec<Step>,
}

/// Absolute thresholds from steps sorted by value.
pub fn thresholds(steps: &[Step]) -> Thresholds {
    Thresholds {
        mode: "absolute",
        steps: steps.to_vec(),
    }
}

/// How a field is coloured.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Color {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed_color: Option<&'static str>,
    mode: &'static str,
}

/// Coloured by `mode`: `thresholds`, `palette-classic`, …
pub fn color(mode: &'static str) -> Color {
    Color {
        fixed_color: None,
        mode,
    }
}

/// Coloured in one colour.
pub fn fixed_color(color: &'static str) -> Color {
    Color {
        fixed_color: Some(color),
        mode: "fixed",
    }
}

/// A panel's default field config: how its values are shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// How values are coloured.
    pub color: Color,
    /// The panel type's own settings; [`timeseries`] sets its line style.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom: Option<Custom>,
    /// Decimal places.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decimals: Option<usize>,
    /// Links from each value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<Link>>,
    /// Value mappings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mappings: Option<Vec<Mapping>>,
    /// The top of the scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
    /// The bottom of the scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Shown when there is no value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_value: Option<&'static str>,
    /// Thresholds, for colours and lines.
    pub thresholds: Thresholds,
    /// The unit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
}

impl Field {
    /// A field coloured by `color` with `thresholds`, nothing else set.
    pub fn new(color: Color, thresholds: Thresholds) -> Field {
        Field {
            color,
            custom: None,
            decimals: None,
            links: None,
            mappings: None,
            max: None,
            min: None,
            no_value: None,
            thresholds,
            unit: None,
        }
    }
}

/// The `custom` field config of a panel type.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Custom {
    /// A time series' lines.
    Line(LineStyle),
    /// A table's cells.
    Cells(TableCells),
}

/// How a time series draws its lines; thresholds are dashed lines.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LineStyle {
    axis_soft_min: u32,
    draw_style: &'static str,
    fill_opacity: u32,
    gradient_mode: &'static str,
    line_interpolation: &'static str,
    line_width: u32,
    show_points: &'static str,
    span_nulls: bool,
    thresholds_style: Mode,
}

/// Lines of a time series: thin, lightly filled, from zero, its thresholds
/// drawn as dashed lines.
pub const LINES: Custom = Custom::Line(LineStyle {
    axis_soft_min: 0,
    draw_style: "line",
    fill_opacity: 10,
    gradient_mode: "none",
    line_interpolation: "linear",
    line_width: 1,
    show_points: "never",
    span_nulls: false,
    thresholds_style: Mode { mode: "dashed" },
});

/// The `custom` field config of a table: plain cells, coloured per column
/// with [`column_override`].
#[derive(Serialize)]
pub struct TableCells {
    align: &'static str,
    inspect: bool,
}

/// Plain table cells.
pub const TABLE_CELLS: Custom = Custom::Cells(TableCells {
    align: "auto",
    inspect: false,
});

/// An object with only a `mode`.
#[derive(Serialize)]
pub struct Mode {
    mode: &'static str,
}

/// A value mapping: each listed value shown as its mapping says.
#[derive(Serialize)]
pub struct Mapping {
    options: BTreeMap<String, Mapped>,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// Value mappings of exact values.
pub fn value_mappings(options: BTreeMap<String, Mapped>) -> Vec<Mapping> {
    vec![Mapping {
        options,
        kind: "value",
    }]
}

/// What a value is mapped to.
#[derive(Serialize)]
#[serde(untagged)]
pub enum Mapped {
    /// Shown in a colour.
    Color {
        /// The colour.
        color: &'static str,
        /// The mapping's place.
        index: usize,
    },
    /// Shown as another text.
    Text {
        /// The mapping's place.
        index: usize,
        /// The text shown.
        text: String,
    },
}

/// Per-column settings of a table.
#[derive(Serialize)]
pub struct Override {
    matcher: Matcher,
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Matcher {
    id: &'static str,
    options: Names,
}

#[derive(Serialize)]
struct Names {
    mode: &'static str,
    names: Vec<&'static str>,
}

#[derive(Serialize)]
struct Property {
    id: &'static str,
    value: PropertyValue,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PropertyValue {
    CellType {
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Thresholds(Thresholds),
}

/// Per-column settings of a table: coloured text, by `steps` when given,
/// else by the value mappings. (The published schema admits only object
/// values in overrides, so units cannot differ between columns.)
pub fn column_override(columns: &[&'static str], steps: Option<&[Step]>) -> Override {
    let mut properties = vec![Property {
        id: "custom.cellOptions",
        value: PropertyValue::CellType { kind: "color-text" },
    }];
    if let Some(steps) = steps {
        properties.push(Property {
            id: "thresholds",
            value: PropertyValue::Thresholds(thresholds(steps)),
        });
    }
    Override {
        matcher: Matcher {
            id: "byNames",
            options: Names {
                mode: "include",
                names: columns.to_vec(),
            },
        },
        properties,
    }
}
