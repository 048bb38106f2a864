//! YAML documents with the position of every node, read with `saphyr`, and
//! the typed accessors the importers use: each one that finds a field
//! missing or of the wrong type says so with a diagnostic at the node.

use crate::diag::{Code, Diag, FileId, Span};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// A YAML node and where it is.
#[derive(Debug, Clone)]
pub struct Node {
    pub span: Span,
    pub value: Value,
}

/// What a node holds. Numbers keep their text, so that `99.9` is imported
/// as `99.9`, not as the nearest double.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A key of a mapping.
#[derive(Debug, Clone)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// The documents of a YAML file. A file that is not YAML is one error at
/// the place the parser stopped.
pub fn documents(file: FileId, text: &str) -> Result<Vec<Node>, Box<Diag>> {
    let offsets = Offsets::new(text);
    match MarkedYaml::load_from_str(text) {
        Ok(docs) => Ok(docs
            .iter()
            .map(|d| convert(d, file, text, &offsets))
            .collect()),
        Err(e) => {
            let at = offsets.byte(e.marker().index());
            Err(Box::new(
                Diag::new(
                    Code::InvalidYaml,
                    Span::new(file, at, at + next_char_len(text, at)),
                    format!("this file is not valid YAML: {}", e.info()),
                )
                .label(e.info().to_string())
                .help("fix the YAML; `slo import` reads what the source tool reads"),
            ))
        }
    }
}

fn next_char_len(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8)
}

/// Character indices, as `saphyr` counts, to byte offsets.
struct Offsets {
    /// The byte offset of every character; empty for ASCII text, where
    /// the two are the same.
    bytes: Vec<usize>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Self {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).collect()
        };
        Offsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.len)
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

fn convert(node: &MarkedYaml, file: FileId, text: &str, offsets: &Offsets) -> Node {
    let start = offsets.byte(node.span.start.index());
    let mut end = offsets.byte(node.span.end.index()).max(start);
    // A block scalar's span runs to the start of the next line.
    while end > start
        && text
            .as_bytes()
            .get(end - 1)
            .is_some_and(u8::is_ascii_whitespace)
    {
        end -= 1;
    }
    let span = Span::new(file, start, end);
    let source = || text.get(start..end).unwrap_or_default().trim().to_string();
    let value = match &node.data {
        YamlData::Value(Scalar::Null) => Value::Null,
        YamlData::Value(Scalar::Boolean(b)) => Value::Bool(*b),
        YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => Value::Number(source()),
        YamlData::Value(Scalar::String(s)) => Value::Str(s.to_string()),
        YamlData::Representation(s, _, _) => Value::Str(s.to_string()),
        YamlData::Sequence(items) => Value::Seq(
            items
                .iter()
                .map(|n| convert(n, file, text, offsets))
                .collect(),
        ),
        YamlData::Mapping(map) => Value::Map(
            map.iter()
                .map(|(k, v)| {
                    let key = convert(k, file, text, offsets);
                    let name = match key.value {
                        Value::Str(s) | Value::Number(s) => s,
                        Value::Bool(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (
                        Key {
                            name,
                            span: key.span,
                        },
                        convert(v, file, text, offsets),
                    )
                })
                .collect(),
        ),
        YamlData::Tagged(_, inner) => return convert(inner, file, text, offsets),
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node { span, value }
}

impl Node {
    /// The span of the node's first line: where a whole mapping is pointed at.
    pub fn head(&self, text: &str) -> Span {
        let line_end = text
            .get(self.span.start..self.span.end)
            .and_then(|s| s.find('\n'))
            .map_or(self.span.end, |n| self.span.start + n);
        Span::new(self.span.file, self.span.start, line_end)
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key` of a mapping.
    pub fn entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The value under the first of `keys` a mapping has: Sloth spells
    /// fields in `snake_case` in its files and in `camelCase` in its CRD.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// The entries of a mapping; none for anything else.
    pub fn entries(&self) -> &[(Key, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence; none for anything else.
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The text of a string, or of a number or boolean written where a
    /// string goes (`target: 99` where Pyrra wants `"99"`).
    pub fn text(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) | Value::Number(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// What the node is, for a message.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// Reads fields of one YAML file, collecting a diagnostic for each that is
/// missing or of the wrong type.
pub struct Reader<'a> {
    pub text: &'a str,
    pub diags: &'a mut Vec<Diag>,
}

impl Reader<'_> {
    /// The field `key` of `map`, which must be there.
    pub fn required<'n>(&mut self, map: &'n Node, key: &str, path: &str) -> Option<&'n Node> {
        let found = map.get(key).filter(|n| !n.is_null());
        if found.is_none() {
            self.diags.push(
                Diag::new(
                    Code::MissingField,
                    map.head(self.text),
                    format!("`{path}` is missing"),
                )
                .label(format!("this has no `{key}`"))
                .help(format!("add `{key}`; the source tool requires it too")),
            );
        }
        found
    }

    /// A string field, which must be there.
    pub fn string(&mut self, map: &Node, key: &str, path: &str) -> Option<String> {
        let node = self.required(map, key, path)?;
        self.as_string(node, path)
    }

    /// A string field that may be absent.
    pub fn optional_string(&mut self, map: &Node, key: &str, path: &str) -> Option<String> {
        let node = map.get(key).filter(|n| !n.is_null())?;
        self.as_string(node, path)
    }

    /// The text of a scalar node.
    pub fn as_string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::Str(s) | Value::Number(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    /// A boolean field; absent is `None`.
    pub fn flag(&mut self, map: &Node, key: &str, path: &str) -> Option<bool> {
        let node = map.get(key).filter(|n| !n.is_null())?;
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, path, "`true` or `false`");
                None
            }
        }
    }

    /// A mapping of strings, such as labels; absent is empty.
    pub fn string_map(&mut self, map: &Node, key: &str, path: &str) -> Vec<(Key, String)> {
        let Some(node) = map.get(key).filter(|n| !n.is_null()) else {
            return Vec::new();
        };
        if !matches!(node.value, Value::Map(_)) {
            self.wrong_type(node, path, "a mapping of names to strings");
            return Vec::new();
        }
        let mut out = Vec::new();
        for (k, v) in node.entries() {
            if let Some(text) = self.as_string(v, &format!("{path}.{}", k.name)) {
                out.push((k.clone(), text));
            }
        }
        out
    }

    /// A list of strings, such as Pyrra's `grouping`; absent is empty.
    pub fn string_list(&mut self, map: &Node, key: &str, path: &str) -> Vec<String> {
        let Some(node) = map.get(key).filter(|n| !n.is_null()) else {
            return Vec::new();
        };
        if !matches!(node.value, Value::Seq(_)) {
            self.wrong_type(node, path, "a list of strings");
            return Vec::new();
        }
        node.items()
            .iter()
            .filter_map(|item| self.as_string(item, path))
            .collect()
    }

    /// A field that must be a mapping.
    pub fn mapping<'n>(&mut self, map: &'n Node, key: &str, path: &str) -> Option<&'n Node> {
        let node = self.required(map, key, path)?;
        self.expect_map(node, path).then_some(node)
    }

    /// Whether `node` is a mapping, with a diagnostic when it is not.
    pub fn expect_map(&mut self, node: &Node, path: &str) -> bool {
        let ok = matches!(node.value, Value::Map(_));
        if !ok {
            self.wrong_type(node, path, "a mapping");
        }
        ok
    }

    pub fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        self.diags.push(
            Diag::new(
                Code::InvalidField,
                node.span,
                format!("`{path}` is {}, not {expected}", node.kind()),
            )
            .label(format!("expected {expected}")),
        );
    }

    /// A value that has the right type but cannot be read, e.g. a target
    /// that is not a number.
    pub fn invalid(&mut self, node: &Node, message: String, help: &str) {
        self.diags
            .push(Diag::new(Code::InvalidField, node.span, message).help(help.to_string()));
    }

    /// What cannot be imported: a feature the language does not have.
    pub fn unsupported(&mut self, code: Code, span: Span, message: String, help: &str) {
        self.diags
            .push(Diag::new(code, span, message).help(help.to_string()));
    }
}
