//! PHP's `var_export()`.

use super::float::php_repr;
use super::value::{Key, Value};

/// `var_export($v, TRUE)`, byte-identical to PHP 8.2.
pub fn var_export(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v, 1);
    out
}

/// Writes `v` at PHP's nesting `level` (1 at the top, +2 per array level).
fn write_value(out: &mut Vec<u8>, v: &Value, level: usize) {
    match v {
        Value::Null => out.extend_from_slice(b"NULL"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Int(i) => write_int(out, *i),
        Value::Float(f) => out.extend_from_slice(float_text(*f).as_bytes()),
        Value::Str(s) => write_string(out, s),
        Value::Array(a) => {
            if level > 1 {
                out.push(b'\n');
                push_spaces(out, level - 1);
            }
            out.extend_from_slice(b"array (\n");
            for (k, v) in a.iter() {
                push_spaces(out, level + 1);
                write_key(out, k);
                out.extend_from_slice(b" => ");
                write_value(out, v, level + 2);
                out.extend_from_slice(b",\n");
            }
            if level > 1 {
                push_spaces(out, level - 1);
            }
            out.push(b')');
        }
    }
}

/// An integer value; `PHP_INT_MIN` has no literal, so PHP writes an expression.
fn write_int(out: &mut Vec<u8>, i: i64) {
    if i == i64::MIN {
        out.extend_from_slice(b"-9223372036854775807-1");
    } else {
        out.extend_from_slice(i.to_string().as_bytes());
    }
}

/// A float's text: PHP's repr plus `.0` when a finite value would otherwise read as an int.
pub(crate) fn float_text(f: f64) -> String {
    let mut s = php_repr(f);
    if f.is_finite() && !s.contains(['.', 'e', 'E']) {
        s.push_str(".0");
    }
    s
}

/// Array keys: integers bare (even `PHP_INT_MIN`), strings quoted like values.
fn write_key(out: &mut Vec<u8>, k: &Key) {
    match k {
        Key::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Key::Str(s) => write_string(out, s),
    }
}

/// A single-quoted literal escaping `\` and `'`; each NUL byte becomes
/// `' . "\0" . '` so the literal stays printable.
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'\'');
    for &c in s {
        match c {
            b'\\' | b'\'' => out.extend_from_slice(&[b'\\', c]),
            0 => out.extend_from_slice(b"' . \"\\0\" . '"),
            _ => out.push(c),
        }
    }
    out.push(b'\'');
}

fn push_spaces(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat_n(b' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php::value::PhpArray;

    fn text(v: &Value) -> String {
        String::from_utf8(var_export(v)).unwrap()
    }

    #[test]
    fn scalars() {
        assert_eq!(text(&Value::Null), "NULL");
        assert_eq!(text(&Value::Bool(false)), "false");
        assert_eq!(text(&Value::Int(i64::MIN)), "-9223372036854775807-1");
        assert_eq!(text(&Value::Int(i64::MAX)), "9223372036854775807");
        let floats = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e25, "1.0E+25"),
            (1e15, "1000000000000000.0"),
            (f64::INFINITY, "INF"),
            (f64::NEG_INFINITY, "-INF"),
            (f64::NAN, "NAN"),
        ];
        for (f, want) in floats {
            assert_eq!(text(&Value::Float(f)), want);
        }
    }

    #[test]
    fn strings_escape_quote_backslash_and_split_at_nul() {
        assert_eq!(text(&Value::str("it's \\")), r"'it\'s \\'");
        assert_eq!(text(&Value::str("\0")), r#"'' . "\0" . ''"#);
        assert_eq!(text(&Value::str("a\0b")), r#"'a' . "\0" . 'b'"#);
        assert_eq!(text(&Value::str("\n\r")), "'\n\r'");
    }

    #[test]
    fn nested_layout() {
        let mut inner = PhpArray::new();
        inner.set("x", Value::Array(PhpArray::new()));
        let mut a = PhpArray::new();
        a.insert(Key::Int(i64::MIN), Value::Int(1));
        a.set("a", Value::Array(inner));
        let want = "array (\n  -9223372036854775808 => 1,\n  'a' => \n  array (\n    'x' => \n    array (\n    ),\n  ),\n)";
        assert_eq!(text(&Value::Array(a)), want);
        assert_eq!(text(&Value::Array(PhpArray::new())), "array (\n)");
    }
}
