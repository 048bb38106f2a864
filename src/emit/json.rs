//! A JSON tree for generated files (the Grafana dashboards), written exactly
//! as `serde_json::to_string_pretty` writes the same `serde_json::Value`.
//!
//! Dashboards used to be built as `serde_json::Value`s, where every object
//! is a `BTreeMap` with an allocated `String` per key and `json!` copies any
//! `Value` put inside another: most of the time of `slo compile` went to
//! building, copying and dropping maps. Here an object is a vector of
//! entries kept sorted by key (the order a `Value` writes its keys in), keys
//! known at compile time are not copied, a value put inside another is
//! moved, and parts that never change are built and written once
//! ([`shared!`]). The text is written into one buffer; numbers with a
//! fraction are formatted by `serde_json`, and strings escaped by its rules
//! (`"`, `\`, control characters). The tests compare the output with
//! `serde_json`'s for arbitrary trees byte for byte.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

/// A key or a string value: borrowed when it is a literal, owned when built
/// at run time.
pub type Text = Cow<'static, str>;

/// A JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A number with a fraction; NaN and the infinities are written `null`,
    /// as `serde_json` writes them.
    Float(f64),
    /// A string.
    Str(Text),
    /// An array.
    Array(Vec<Json>),
    /// An object.
    Object(Object),
    /// A value built once (a `static`) and shared by every tree that has
    /// it: the parts of panels that are the same in every panel.
    Shared(&'static Shared),
}

/// How many nesting levels a [`Shared`] value keeps its text for.
const SHARED_DEPTHS: usize = 12;

/// A value that never changes, with its text at each nesting level, made
/// the first time it is written there: the same text is written into every
/// dashboard, so it is copied instead of written again.
#[derive(Debug)]
pub struct Shared {
    value: Json,
    text: [OnceLock<Box<str>>; SHARED_DEPTHS],
}

impl Shared {
    /// `value`, its text not written yet.
    pub fn new(value: Json) -> Shared {
        Shared {
            value,
            text: Default::default(),
        }
    }
}

impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        self.value == other.value
    }
}

/// A JSON object: each key once, in byte order (the order a
/// `serde_json::Value` writes them in).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Object(Vec<(Text, Json)>);

impl Object {
    /// The object of `entries`, in any order; a key given twice keeps its
    /// last value, as in `serde_json::json!`.
    pub fn new(mut entries: Vec<(Text, Json)>) -> Object {
        // Reversed and sorted stably, the last value of a key comes first
        // among its duplicates, and `dedup_by` keeps the first.
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        Object(entries)
    }

    /// Sets `key` to `value`, replacing the value it had.
    pub fn set(&mut self, key: &'static str, value: impl Into<Json>) {
        let value = value.into();
        match self.0.binary_search_by(|(k, _)| k.as_ref().cmp(key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (Cow::Borrowed(key), value)),
        }
    }
}

/// The object of a map built at run time (its keys are in order already).
impl From<BTreeMap<String, Json>> for Json {
    fn from(map: BTreeMap<String, Json>) -> Json {
        Json::Object(Object(
            map.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect(),
        ))
    }
}

/// `value` as `serde_json::to_string_pretty` writes it: two spaces of
/// indentation, `"key": value`, `[]` and `{}` when empty.
pub fn pretty(value: &Json) -> String {
    // Room for a dashboard page (40–110 KB) without growing the buffer.
    let mut out = String::with_capacity(128 * 1024);
    write(&mut out, value, 0);
    out
}

/// Appends `value`, written at nesting level `depth`.
fn write(out: &mut String, value: &Json, depth: usize) {
    match value {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Int(n) => {
            if *n < 0 {
                out.push('-');
            }
            digits(out, n.unsigned_abs());
        }
        Json::Uint(n) => digits(out, *n),
        // serde_json's own number text (shortest round-trip form, `1.0`,
        // `1e21`); it has no NaN or infinities and writes `null` for them.
        Json::Float(x) => match serde_json::Number::from_f64(*x) {
            Some(n) => {
                // Writing to a `String` cannot fail.
                let _ = write!(out, "{n}");
            }
            None => out.push_str("null"),
        },
        Json::Str(s) => string(out, s),
        Json::Array(items) if items.is_empty() => out.push_str("[]"),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                new_line(out, depth + 1);
                write(out, item, depth + 1);
            }
            new_line(out, depth);
            out.push(']');
        }
        Json::Object(object) if object.0.is_empty() => out.push_str("{}"),
        Json::Object(object) => {
            out.push('{');
            for (i, (key, value)) in object.0.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                new_line(out, depth + 1);
                string(out, key);
                out.push_str(": ");
                write(out, value, depth + 1);
            }
            new_line(out, depth);
            out.push('}');
        }
        Json::Shared(shared) => match shared.text.get(depth) {
            Some(text) => out.push_str(text.get_or_init(|| {
                let mut text = String::new();
                write(&mut text, &shared.value, depth);
                text.into()
            })),
            None => write(out, &shared.value, depth),
        },
    }
}

/// Appends the decimal digits of `n`.
fn digits(out: &mut String, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[start..].iter().map(|&d| char::from(d)));
}

/// Appends a line break and the indentation of nesting level `depth`, two
/// spaces a level.
fn new_line(out: &mut String, depth: usize) {
    const LINE: &str = "\n                                                                ";
    let width = 2 * depth;
    if width < LINE.len() {
        out.push_str(LINE.get(..=width).unwrap_or_default());
    } else {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

/// How serde_json escapes each byte: 0 for not at all (everything but `"`,
/// `\\` and the control characters below U+0020), else the character after
/// the backslash, `u` for `\\u00XX`.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `s` quoted and escaped as serde_json writes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    // Most text has nothing to escape; this test runs on many bytes at once
    // (`fold`, unlike a search that stops early, compiles to vector code).
    if !s
        .bytes()
        .fold(false, |found, b| found | (ESCAPE[usize::from(b)] != 0))
    {
        out.push_str(s);
        out.push('"');
        return;
    }
    // Escaped bytes are ASCII, so every `start` and `i` is a char boundary.
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        out.push_str(s.get(start..i).unwrap_or_default());
        start = i + 1;
        out.push('\\');
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("u00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        } else {
            out.push(char::from(escape));
        }
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

impl From<bool> for Json {
    fn from(b: bool) -> Json {
        Json::Bool(b)
    }
}

impl From<i32> for Json {
    fn from(n: i32) -> Json {
        Json::Int(n.into())
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Json {
        Json::Int(n)
    }
}

impl From<u32> for Json {
    fn from(n: u32) -> Json {
        Json::Uint(n.into())
    }
}

impl From<u64> for Json {
    fn from(n: u64) -> Json {
        Json::Uint(n)
    }
}

impl From<usize> for Json {
    fn from(n: usize) -> Json {
        // usize is at most 64 bits on every platform Rust supports.
        Json::Uint(n as u64)
    }
}

impl From<f64> for Json {
    fn from(x: f64) -> Json {
        Json::Float(x)
    }
}

impl From<&'static str> for Json {
    fn from(s: &'static str) -> Json {
        Json::Str(Cow::Borrowed(s))
    }
}

impl From<String> for Json {
    fn from(s: String) -> Json {
        Json::Str(Cow::Owned(s))
    }
}

impl From<Text> for Json {
    fn from(s: Text) -> Json {
        Json::Str(s)
    }
}

impl From<Object> for Json {
    fn from(o: Object) -> Json {
        Json::Object(o)
    }
}

/// `None` is `null`.
impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Json {
        value.map_or(Json::Null, Into::into)
    }
}

impl<T: Into<Json>> From<Vec<T>> for Json {
    fn from(items: Vec<T>) -> Json {
        Json::Array(items.into_iter().map(Into::into).collect())
    }
}

/// A [`Json`] value in JSON syntax, as with `serde_json::json!`:
/// `json!({ "type": "row", "panels": [], "gridPos": grid })`.
///
/// Keys are string literals. A value is a `{ … }` object, a `[ … ]` array,
/// or an expression of a type that converts into [`Json`] (moved, not
/// copied); `null` is written `Json::Null`.
macro_rules! json {
    (@array [$($done:tt)*]) => { vec![$($done)*] };
    (@array [$($done:tt)*] { $($value:tt)* } $(, $($rest:tt)*)?) => {
        $crate::emit::json::json!(@array [$($done)* $crate::emit::json::json!({ $($value)* }),] $($($rest)*)?)
    };
    (@array [$($done:tt)*] [ $($value:tt)* ] $(, $($rest:tt)*)?) => {
        $crate::emit::json::json!(@array [$($done)* $crate::emit::json::json!([ $($value)* ]),] $($($rest)*)?)
    };
    (@array [$($done:tt)*] $value:expr $(, $($rest:tt)*)?) => {
        $crate::emit::json::json!(@array [$($done)* $crate::emit::json::Json::from($value),] $($($rest)*)?)
    };
    ({ $($body:tt)* }) => {
        $crate::emit::json::Json::Object($crate::emit::json::object! { $($body)* })
    };
    ([ $($body:tt)* ]) => {
        $crate::emit::json::Json::Array($crate::emit::json::json!(@array [] $($body)*))
    };
    ($value:expr) => { $crate::emit::json::Json::from($value) };
}

/// An [`Object`] from the inside of a [`json!`] object:
/// `object! { "unit": "percentunit", "decimals": 1 }`.
macro_rules! object {
    (@entries [$($done:tt)*]) => { vec![$($done)*] };
    (@entries [$($done:tt)*] $key:literal : { $($value:tt)* } $(, $($rest:tt)*)?) => {
        $crate::emit::json::object!(@entries [$($done)*
            (::std::borrow::Cow::Borrowed($key), $crate::emit::json::json!({ $($value)* })),
        ] $($($rest)*)?)
    };
    (@entries [$($done:tt)*] $key:literal : [ $($value:tt)* ] $(, $($rest:tt)*)?) => {
        $crate::emit::json::object!(@entries [$($done)*
            (::std::borrow::Cow::Borrowed($key), $crate::emit::json::json!([ $($value)* ])),
        ] $($($rest)*)?)
    };
    (@entries [$($done:tt)*] $key:literal : $value:expr $(, $($rest:tt)*)?) => {
        $crate::emit::json::object!(@entries [$($done)*
            (::std::borrow::Cow::Borrowed($key), $crate::emit::json::Json::from($value)),
        ] $($($rest)*)?)
    };
    ($($body:tt)*) => {
        $crate::emit::json::Object::new($crate::emit::json::object!(@entries [] $($body)*))
    };
}

/// A [`json!`] value with nothing computed at run time, built once on
/// first use and then shared by every tree it is put in:
/// `"color": shared!({ "mode": "thresholds" })`.
macro_rules! shared {
    ($($value:tt)+) => {{
        static VALUE: ::std::sync::LazyLock<$crate::emit::json::Shared> =
            ::std::sync::LazyLock::new(|| {
                $crate::emit::json::Shared::new($crate::emit::json::json!($($value)+))
            });
        $crate::emit::json::Json::Shared(&VALUE)
    }};
}

pub(crate) use {json, object, shared};

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// A tree and the `serde_json::Value` the old code would have built for
    /// it, objects given in any order and with repeated keys.
    fn trees() -> impl Strategy<Value = (Json, Value)> {
        let text = "[\\x00-\\x7F\u{e9}\u{7f}\u{85}\u{2028}\u{fffd}\u{1F600}]{0,8}";
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::Int),
            any::<u64>().prop_map(Json::Uint),
            (0u32..1000).prop_map(Json::from),
            prop::sample::select(vec![0, -1, -10, i64::MIN, i64::MAX]).prop_map(Json::Int),
            Just(Json::Uint(u64::MAX)),
            any::<f64>().prop_map(Json::Float),
            prop::sample::select(vec![
                0.0, -0.0, 0.1, 1.0, 1e-7, 1e21, 1e22, -2.5, 99.95, 1e300, 5e-324
            ])
            .prop_map(Json::Float),
            text.prop_map(Json::from),
        ]
        .prop_map(|json| {
            let value = match &json {
                Json::Null => Value::Null,
                Json::Bool(b) => Value::from(*b),
                Json::Int(n) => Value::from(*n),
                Json::Uint(n) => Value::from(*n),
                // Non-finite numbers become `null`.
                Json::Float(x) => Value::from(*x),
                Json::Str(s) => Value::from(s.as_ref()),
                Json::Array(_) | Json::Object(_) | Json::Shared(_) => unreachable!("leaves only"),
            };
            (json, value)
        });
        // Short keys from few letters repeat.
        let key = prop_oneof![text, "[aAb_]{0,2}"];
        leaf.prop_recursive(4, 64, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(|items| {
                    let (json, values): (Vec<Json>, Vec<Value>) = items.into_iter().unzip();
                    (Json::Array(json), Value::Array(values))
                }),
                prop::collection::vec((key.clone(), inner), 0..6).prop_map(|entries| {
                    let mut map = serde_json::Map::new();
                    let mut json = Vec::new();
                    for (k, (j, v)) in entries {
                        map.insert(k.clone(), v);
                        json.push((Cow::Owned(k), j));
                    }
                    (Json::Object(Object::new(json)), Value::Object(map))
                }),
            ]
        })
    }

    /// What the dashboards were written with before.
    fn reference(mut value: Value) -> String {
        value.sort_all_objects();
        serde_json::to_string_pretty(&value).expect("writable")
    }

    proptest! {
        #[test]
        fn writes_what_serde_json_writes((json, value) in trees()) {
            prop_assert_eq!(pretty(&json), reference(value));
        }
    }

    #[test]
    fn macro_builds_what_serde_json_builds() {
        let owned = String::from("owned \"text\"\n");
        let none: Option<f64> = None;
        let ours = json!({
            "b": [1, -2, 0.5, "x", { "z": [], "y": {} }, [true, false]],
            "a": owned.clone(),
            "none": none,
            "some": Some(0.1),
            "if": if owned.is_empty() { "empty" } else { "full" },
            "nested": { "list": vec![1u32, 2, 3], "empty": [] },
            "a": "replaced",
        });
        let theirs = serde_json::json!({
            "b": [1, -2, 0.5, "x", { "z": [], "y": {} }, [true, false]],
            "a": owned.clone(),
            "none": none,
            "some": Some(0.1),
            "if": if owned.is_empty() { "empty" } else { "full" },
            "nested": { "list": vec![1u32, 2, 3], "empty": [] },
            "a": "replaced",
        });
        assert_eq!(pretty(&ours), reference(theirs));
        assert_eq!(pretty(&json!([])), "[]");
        assert_eq!(pretty(&json!({})), "{}");
    }

    #[test]
    fn shared_values_write_as_themselves() {
        let tree = json!({ "a": [shared!({ "b": [1, 2] }), shared!([])] });
        let theirs = serde_json::json!({ "a": [{ "b": [1, 2] }, []] });
        assert_eq!(pretty(&tree), reference(theirs));
    }

    /// The text a shared value keeps for each nesting level, written again
    /// and again at every level (beyond the levels kept too), is the text
    /// of the value written in place.
    #[test]
    fn shared_values_write_the_same_at_every_depth() {
        fn part() -> Json {
            shared!({ "mode": "x", "steps": [{ "color": "red", "value": Json::Null }, 1.5] })
        }
        let inline =
            || json!({ "mode": "x", "steps": [{ "color": "red", "value": Json::Null }, 1.5] });
        let (mut ours, mut theirs) = (part(), inline());
        for depth in 0..2 * SHARED_DEPTHS {
            ours = json!([part(), ours, { "k": part() }]);
            theirs = json!([inline(), theirs, { "k": inline() }]);
            assert_eq!(pretty(&ours), pretty(&theirs), "nested {depth} deep");
        }
    }

    #[test]
    fn deep_nesting_is_indented() {
        let mut ours = json!({ "x": 1 });
        let mut theirs = serde_json::json!({ "x": 1 });
        for _ in 0..40 {
            ours = json!([ours, {}]);
            theirs = serde_json::json!([theirs, {}]);
        }
        assert_eq!(pretty(&ours), reference(theirs));
    }

    #[test]
    fn set_replaces_or_inserts_in_order() {
        let mut o = object! { "b": 1, "d": 2 };
        o.set("c", "new");
        o.set("d", Json::Null);
        o.set("a", true);
        let theirs = serde_json::json!({ "a": true, "b": 1, "c": "new", "d": null });
        assert_eq!(pretty(&Json::Object(o)), reference(theirs));
    }
}
