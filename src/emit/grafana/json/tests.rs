use super::write_pretty;
use serde::Serialize;
use std::collections::BTreeMap;

fn same<T: Serialize>(value: &T) {
    let mut ours = String::new();
    write_pretty(value, &mut ours).expect("writes");
    let theirs = serde_json::to_string_pretty(value).expect("writes");
    assert_eq!(ours, theirs);
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
#[serde(untagged)]
enum Untagged {
    A { a: u32 },
    B(Empty),
}

#[derive(Serialize)]
enum Tagged {
    Unit,
    New(u8),
    Tuple(u8, i8),
    EmptyTuple(),
    Struct { x: bool },
    EmptyStruct {},
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct All<'a> {
    yes: bool,
    no: bool,
    small: u8,
    big: u64,
    negative: i64,
    least: i64,
    zero: u32,
    floats: Vec<f64>,
    single: f32,
    missing: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<u32>,
    text: &'a str,
    letter: char,
    empty_list: [u8; 0],
    empty_slice: &'a [u8],
    empty_struct: Empty,
    nested: Vec<Vec<Empty>>,
    map: BTreeMap<&'a str, usize>,
    empty_map: BTreeMap<String, bool>,
    untagged: Vec<Untagged>,
    tagged: Vec<Tagged>,
    unit: (),
    pair: (u32, &'a str),
}

#[test]
fn writes_what_serde_json_writes() {
    let every_byte: String = (0u8..0x80).map(char::from).collect();
    let all = All {
        yes: true,
        no: false,
        small: 7,
        big: u64::MAX,
        negative: -42,
        least: i64::MIN,
        zero: 0,
        floats: vec![
            0.0,
            -0.0,
            1.0,
            0.999,
            99.95,
            1e-7,
            1e21,
            123456789.125,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ],
        single: 0.1,
        missing: None,
        skipped: None,
        text: &every_byte,
        letter: '"',
        empty_list: [],
        empty_slice: &[],
        empty_struct: Empty {},
        nested: vec![vec![], vec![Empty {}, Empty {}]],
        map: [("b", 2), ("a \"quoted\" key", 1), ("ünïcødé ✓", 3)]
            .into_iter()
            .collect(),
        empty_map: BTreeMap::new(),
        untagged: vec![Untagged::A { a: 1 }, Untagged::B(Empty {})],
        tagged: vec![
            Tagged::Unit,
            Tagged::New(3),
            Tagged::Tuple(1, -1),
            Tagged::EmptyTuple(),
            Tagged::Struct { x: true },
            Tagged::EmptyStruct {},
        ],
        unit: (),
        pair: (5, "line\nbreak\ttab\r\u{1}\u{1f}\u{7f}\\"),
    };
    same(&all);
    same(&vec![all]);
    same(&"");
    same(&Vec::<u8>::new());
}

#[test]
fn escapes_every_byte_wherever_it_is() {
    for len in 1..20 {
        for at in 0..len {
            for b in 0..=0x7fu8 {
                for other in [b'a', b'"', 0x1f] {
                    let mut bytes = vec![other; len];
                    bytes[at] = b;
                    same(&String::from_utf8(bytes).expect("ASCII"));
                }
            }
        }
    }
}

#[test]
fn deep_nesting_is_indented_in_full() {
    let mut deep = serde_json::json!(1);
    for _ in 0..100 {
        deep = serde_json::json!([deep]);
    }
    same(&deep);
}
