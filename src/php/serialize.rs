//! PHP's `serialize()`.

use super::float::php_repr;
use super::value::{Key, Value};

/// Serializes `v` exactly as PHP 8.2's `serialize()` does.
pub fn serialize(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"N;"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"b:1;" } else { b"b:0;" }),
        Value::Int(i) => out.extend_from_slice(format!("i:{i};").as_bytes()),
        Value::Float(f) => out.extend_from_slice(format!("d:{};", php_repr(*f)).as_bytes()),
        Value::Str(s) => write_string(out, s),
        Value::Array(a) => {
            out.extend_from_slice(format!("a:{}:{{", a.len()).as_bytes());
            for (k, v) in a.iter() {
                match k {
                    Key::Int(i) => out.extend_from_slice(format!("i:{i};").as_bytes()),
                    Key::Str(s) => write_string(out, s),
                }
                write_value(out, v);
            }
            out.push(b'}');
        }
    }
}

fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(format!("s:{}:\"", s.len()).as_bytes());
    out.extend_from_slice(s);
    out.extend_from_slice(b"\";");
}
