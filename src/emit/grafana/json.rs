//! The dashboards' JSON, written as `serde_json::to_writer_pretty` writes
//! it (two spaces of indentation, `": "` after keys, numbers as
//! `serde_json` spells them), into one `String`.
//!
//! `serde_json` writes every key, indentation step and punctuation mark as
//! a write of its own and looks at strings a byte at a time for escapes;
//! dashboards are nearly all keys, indentation and short strings, so its
//! writer took a third of the instructions of `slo compile`. Here the
//! indentation of a line is one copy, and a string with nothing to escape
//! (most of them) is checked in one pass that compiles to vector code and
//! copied whole. `tests/golden.rs` holds the files to `serde_json`'s bytes,
//! and a test below holds this writer to `serde_json` on every kind of
//! value the dashboards use.

use serde::ser::{self, Serialize};
use std::fmt;

/// `value` as pretty JSON, appended to `out`.
pub fn write_pretty<T: Serialize + ?Sized>(value: &T, out: &mut String) -> Result<(), Error> {
    value.serialize(&mut Writer { out, depth: 0 })
}

/// Why a value could not be written: it is no JSON (a map key that is not
/// a string), or its `Serialize` failed. Dashboards never are.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

struct Writer<'o> {
    out: &'o mut String,
    /// Nesting depth of the value being written.
    depth: usize,
}

/// Indentation for 64 levels; deeper ones (no dashboard has them) are
/// written in pieces.
const SPACES: &str = "                                                                                                                                ";

impl Writer<'_> {
    /// A line break and the indentation of the current depth.
    fn newline(&mut self) {
        self.out.push('\n');
        let mut n = self.depth * 2;
        while n > 0 {
            let piece = n.min(SPACES.len());
            self.out.push_str(SPACES.get(..piece).unwrap_or_default());
            n -= piece;
        }
    }

    fn open(&mut self, bracket: char) {
        self.out.push(bracket);
        self.depth += 1;
    }

    /// Before an element or key: a comma after an earlier one, then the
    /// element's line.
    fn element(&mut self, first: bool) {
        if !first {
            self.out.push(',');
        }
        self.newline();
    }

    fn close(&mut self, bracket: char, empty: bool) {
        self.depth -= 1;
        if !empty {
            self.newline();
        }
        self.out.push(bracket);
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        escape(s, self.out);
        self.out.push('"');
    }

    fn unsigned(&mut self, mut v: u64) {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            if let Some(d) = digits.get_mut(at) {
                *d = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 {
                break;
            }
        }
        for &d in digits.get(at..).unwrap_or_default() {
            self.out.push(char::from(d));
        }
    }

    fn signed(&mut self, v: i64) {
        if v < 0 {
            self.out.push('-');
        }
        self.unsigned(v.unsigned_abs());
    }

    /// A float as `serde_json` spells it; `null` when not finite.
    fn float(&mut self, v: f64, single: Option<f32>) {
        if !v.is_finite() {
            self.out.push_str("null");
            return;
        }
        use serde_json::ser::{CompactFormatter, Formatter};
        let mut text = Vec::with_capacity(32);
        let written = match single {
            Some(f) => CompactFormatter.write_f32(&mut text, f),
            None => CompactFormatter.write_f64(&mut text, v),
        };
        if written.is_ok() {
            self.out.push_str(&String::from_utf8_lossy(&text));
        }
    }
}

/// The first byte from `at` on that JSON escapes (`"`, `\\`, a control
/// character), looked for eight bytes at a time: in a little-endian word,
/// a byte below `n` (at most 0x80) sets its top bit in
/// `(x - n…) & !x & 0x80…` when it or a byte before it is below `n`, so the
/// lowest bit set is the first such byte.
fn next_special(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    while let Some(word) = bytes.get(at..at + 8) {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        let x = u64::from_le_bytes(w);
        let found = below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = bytes.get(at..).unwrap_or_default();
    rest.iter()
        .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
        .map(|i| at + i)
}

/// `s` with `"`, `\\` and control characters escaped as `serde_json` escapes
/// them, appended to `out`. Most strings have none, and are copied whole.
fn escape(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut run = 0;
    while let Some(i) = next_special(bytes, run) {
        let b = bytes.get(i).copied().unwrap_or_default();
        // Escaped bytes are ASCII, so `run..i` lies on character boundaries.
        out.push_str(s.get(run..i).unwrap_or_default());
        out.push('\\');
        match b {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            0x08 => out.push('b'),
            0x0c => out.push('f'),
            b'\n' => out.push('n'),
            b'\r' => out.push('r'),
            b'\t' => out.push('t'),
            _ => {
                out.push_str("u00");
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0xf)]));
            }
        }
        run = i + 1;
    }
    out.push_str(s.get(run..).unwrap_or_default());
}

/// An array or object being written.
struct Compound<'w, 'o> {
    w: &'w mut Writer<'o>,
    /// No element written yet.
    first: bool,
}

impl<'w, 'o> Compound<'w, 'o> {
    fn open(w: &'w mut Writer<'o>, bracket: char) -> Self {
        w.open(bracket);
        Compound { w, first: true }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.w.element(self.first);
        self.first = false;
        value.serialize(&mut *self.w)
    }

    fn key(&mut self, key: &str) {
        self.w.element(self.first);
        self.first = false;
        self.w.string(key);
        self.w.out.push_str(": ");
    }

    /// A map key: it must be written as a string.
    fn any_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.w.element(self.first);
        self.first = false;
        let at = self.w.out.len();
        key.serialize(&mut *self.w)?;
        if self.w.out.as_bytes().get(at) != Some(&b'"') {
            return Err(Error("a JSON object's key must be a string".to_string()));
        }
        self.w.out.push_str(": ");
        Ok(())
    }

    fn close(self, bracket: char) {
        self.w.close(bracket, self.first);
    }
}

/// The `serialize_*` methods of the integer types, each handing its value,
/// widened, to the writer's method for signed or unsigned numbers.
macro_rules! integers {
    ($($method:ident($t:ty) => $via:ident),* $(,)?) => {
        $(
            fn $method(self, v: $t) -> Result<(), Error> {
                self.$via(v.into());
                Ok(())
            }
        )*
    };
}

impl<'w, 'o> ser::Serializer for &'w mut Writer<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'w, 'o>;
    type SerializeTuple = Compound<'w, 'o>;
    type SerializeTupleStruct = Compound<'w, 'o>;
    type SerializeTupleVariant = Compound<'w, 'o>;
    type SerializeMap = Compound<'w, 'o>;
    type SerializeStruct = Compound<'w, 'o>;
    type SerializeStructVariant = Compound<'w, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    // Integers print as `serde_json` prints them, whatever their width.
    integers! {
        serialize_i8(i8) => signed, serialize_i16(i16) => signed,
        serialize_i32(i32) => signed, serialize_i64(i64) => signed,
        serialize_u8(u8) => unsigned, serialize_u16(u16) => unsigned,
        serialize_u32(u32) => unsigned, serialize_u64(u64) => unsigned,
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v.into(), Some(v));
        Ok(())
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v, None);
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        ser::Serializer::collect_seq(self, v)
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut c = Compound::open(self, '{');
        c.key(variant);
        value.serialize(&mut *c.w)?;
        c.close('}');
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Ok(Compound::open(self, '['))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        // `{"variant": [` … closed by `end`.
        self.open('{');
        self.element(true);
        self.string(variant);
        self.out.push_str(": ");
        Ok(Compound::open(self, '['))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(Compound::open(self, '{'))
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Ok(Compound::open(self, '{'))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        // `{"variant": {` … closed by `end`.
        self.open('{');
        self.element(true);
        self.string(variant);
        self.out.push_str(": ");
        Ok(Compound::open(self, '{'))
    }
}

/// Sequences, tuples and tuple structs are all JSON arrays.
macro_rules! arrays {
    ($($kind:ident :: $method:ident),* $(,)?) => {
        $(
            impl ser::$kind for Compound<'_, '_> {
                type Ok = ();
                type Error = Error;

                fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                    self.element(value)
                }

                fn end(self) -> Result<(), Error> {
                    self.close(']');
                    Ok(())
                }
            }
        )*
    };
}

arrays! {
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }

    fn end(self) -> Result<(), Error> {
        let w = self.w;
        w.close(']', self.first);
        w.close('}', false);
        Ok(())
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.any_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), Error> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key(key);
        value.serialize(&mut *self.w)
    }

    fn end(self) -> Result<(), Error> {
        self.close('}');
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }

    fn end(self) -> Result<(), Error> {
        let w = self.w;
        w.close('}', self.first);
        w.close('}', false);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
