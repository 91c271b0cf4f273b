//! Drush 8's own `drush_var_export()` (`drush sa --format=var_export`), and
//! PHP's loose comparison `==`, which decides whether it prints array keys.
//!
//! The format: `array(` with no space, two more spaces of indent per level,
//! nested arrays start on their key's line, `TRUE`/`FALSE`, empty arrays as
//! `array()`, and keys left out when PHP finds `array_values($a) == $a`.
//! A string holding a newline or `'` is written in double quotes with only
//! `\`, `"`, newline, CR and tab escaped (a `$` is left as is); any other
//! string is written in single quotes with nothing escaped at all. Other
//! scalars are written as PHP's `var_export()` writes them.

use super::value::{Key, PhpArray, Value};
use super::var_export::{float_text, var_export};

/// Drush 8's `drush_var_export($v)`, byte for byte.
///
/// One case depends on PHP's memory layout rather than on the value: an array
/// with keys 0, 1, … in order that holds NAN directly is written without keys
/// here (as PHP does for arrays built as lists), but PHP writes its keys when
/// the array was built as a hash (e.g. by `unserialize()`).
pub fn drush_var_export(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v, 0);
    out
}

fn write_value(out: &mut Vec<u8>, v: &Value, indent: usize) {
    match v {
        Value::Bool(b) => out.extend_from_slice(if *b { b"TRUE" } else { b"FALSE" }),
        Value::Str(s) => write_string(out, s),
        Value::Array(a) => write_array(out, a, indent),
        Value::Float(f) => out.extend_from_slice(float_text(*f).as_bytes()),
        Value::Null | Value::Int(_) => out.extend_from_slice(&var_export(v)),
    }
}

/// An array whose lines are indented by `indent` spaces beyond the first.
fn write_array(out: &mut Vec<u8>, a: &PhpArray, indent: usize) {
    if a.is_empty() {
        out.extend_from_slice(b"array()");
        return;
    }
    let with_keys = !values_equal_array(a);
    out.extend_from_slice(b"array(\n");
    for (k, v) in a.iter() {
        push_spaces(out, indent + 2);
        if with_keys {
            write_value(out, &k.to_value(), 0);
            out.extend_from_slice(b" => ");
        }
        write_value(out, v, indent + 2);
        out.extend_from_slice(b",\n");
    }
    push_spaces(out, indent);
    out.push(b')');
}

/// A string in Drush's quoting (see the module documentation).
fn write_string(out: &mut Vec<u8>, s: &[u8]) {
    if !s.iter().any(|&c| c == b'\n' || c == b'\'') {
        out.push(b'\'');
        out.extend_from_slice(s);
        out.push(b'\'');
        return;
    }
    out.push(b'"');
    for &c in s {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

fn push_spaces(out: &mut Vec<u8>, n: usize) {
    out.extend(std::iter::repeat_n(b' ', n));
}

/// PHP's `array_values($a) == $a`: the keys are exactly 0..n-1 and, position
/// by position, the value under key `i` loosely equals the `i`-th value.
/// Keys already in order compare each value with itself, which PHP short-cuts
/// for arrays built as lists, so they count as equal without looking.
fn values_equal_array(a: &PhpArray) -> bool {
    let n = a.len() as i64;
    let in_range = |k: &Key| matches!(k, Key::Int(i) if (0..n).contains(i));
    if !a.keys().all(in_range) {
        return false;
    }
    if a.is_list() {
        return true;
    }
    a.iter().enumerate().all(|(i, (_, v))| {
        let same_key = a.get(&Key::Int(i as i64));
        same_key.is_some_and(|w| loose_eq(w, v))
    })
}

/// PHP 8's loose comparison `$a == $b`.
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    use Value::{Array, Bool, Float, Int, Null, Str};
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(i), Float(f)) | (Float(f), Int(i)) => *i as f64 == *f,
        (Array(x), Array(y)) => arrays_loose_eq(x, y),
        (Str(x), Str(y)) => strings_loose_eq(x, y),
        (Null, Str(s)) | (Str(s), Null) => s.is_empty(),
        (Null | Bool(_), _) | (_, Null | Bool(_)) => a.is_truthy() == b.is_truthy(),
        (Int(i), Str(s)) | (Str(s), Int(i)) => match numeric(s) {
            Some(Num::Long(l)) => l == *i,
            Some(Num::Double(d, _)) => d == *i as f64,
            None => false,
        },
        (Float(f), Str(s)) | (Str(s), Float(f)) => float_string_eq(*f, s),
        (Array(_), _) | (_, Array(_)) => false,
    }
}

/// Same size, and every key of `x` is in `y` with a loosely equal value (order ignored).
fn arrays_loose_eq(x: &PhpArray, y: &PhpArray) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_some_and(|w| loose_eq(v, w)))
}

/// A float against a string: numerically when the string is numeric, else as
/// text (only `INF` and `-INF` can then match; NAN never does).
fn float_string_eq(f: f64, s: &[u8]) -> bool {
    match numeric(s) {
        _ if f.is_nan() => false,
        Some(Num::Long(l)) => f == l as f64,
        Some(Num::Double(d, _)) => f == d,
        None if f.is_infinite() => s == if f > 0.0 { &b"INF"[..] } else { b"-INF" },
        None => false,
    }
}

/// Two strings: numerically when both are numeric, else byte for byte
/// (PHP's `zendi_smart_strcmp`).
fn strings_loose_eq(x: &[u8], y: &[u8]) -> bool {
    let (Some(nx), Some(ny)) = (numeric(x), numeric(y)) else {
        return x == y;
    };
    match (nx, ny) {
        (Num::Long(a), Num::Long(b)) => a == b,
        // Integers too big for i64 on the same side: doubles would lose digits.
        (Num::Double(a, ox), Num::Double(b, oy)) if ox != 0 && ox == oy && a == b => x == y,
        (Num::Long(_), Num::Double(_, o)) | (Num::Double(_, o), Num::Long(_)) if o != 0 => false,
        (Num::Double(a, _), Num::Double(b, _)) if a == b && a.is_infinite() => x == y,
        (a, b) => a.as_f64() == b.as_f64(),
    }
}

/// A numeric string's value, as PHP's `is_numeric_string` reads it.
#[derive(Clone, Copy)]
enum Num {
    Long(i64),
    /// A double, with the sign of the overflow when the text was an integer out of range.
    Double(f64, i8),
}

impl Num {
    fn as_f64(self) -> f64 {
        match self {
            Num::Long(l) => l as f64,
            Num::Double(d, _) => d,
        }
    }
}

fn is_php_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// PHP 8's numeric strings: optional leading and trailing whitespace around
/// `[+-]? (digits [. digits*] | . digits) ([eE] [+-]? digits)?`.
fn numeric(s: &[u8]) -> Option<Num> {
    let start = s.iter().position(|&c| !is_php_space(c))?;
    let end = s.iter().rposition(|&c| !is_php_space(c))? + 1;
    let body = &s[start..end];
    let unsigned = body
        .strip_prefix(b"-")
        .or(body.strip_prefix(b"+"))
        .unwrap_or(body);
    let int_len = unsigned.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut rest = &unsigned[int_len..];
    let mut is_int = true;
    if let Some(frac) = rest.strip_prefix(b".") {
        let frac_len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if int_len + frac_len == 0 {
            return None;
        }
        rest = &frac[frac_len..];
        is_int = false;
    } else if int_len == 0 {
        return None;
    }
    if let Some(exp) = rest.strip_prefix(b"e").or(rest.strip_prefix(b"E")) {
        let digits = exp
            .strip_prefix(b"-")
            .or(exp.strip_prefix(b"+"))
            .unwrap_or(exp);
        let exp_len = digits.iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_len == 0 {
            return None;
        }
        rest = &digits[exp_len..];
        is_int = false;
    }
    if !rest.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    if is_int {
        if let Ok(l) = text.parse::<i64>() {
            return Some(Num::Long(l));
        }
    }
    // PHP stops counting at 20 significant integer digits and then flags an
    // overflow, even when a fraction or exponent follows.
    let significant = unsigned[..int_len]
        .iter()
        .skip_while(|&&c| c == b'0')
        .count();
    let overflow = if is_int || significant >= 20 {
        if body[0] == b'-' {
            -1
        } else {
            1
        }
    } else {
        0
    };
    Some(Num::Double(text.parse().ok()?, overflow))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &Value) -> String {
        String::from_utf8(drush_var_export(v)).unwrap()
    }

    fn arr(items: Vec<(Key, Value)>) -> Value {
        Value::Array(items.into_iter().collect())
    }

    #[test]
    fn scalars() {
        assert_eq!(text(&Value::Bool(true)), "TRUE");
        assert_eq!(text(&Value::Bool(false)), "FALSE");
        assert_eq!(text(&Value::Null), "NULL");
        assert_eq!(text(&Value::Int(i64::MIN)), "-9223372036854775807-1");
        assert_eq!(text(&Value::Float(2.0)), "2.0");
        assert_eq!(text(&Value::Float(-0.0)), "-0.0");
    }

    #[test]
    fn strings() {
        assert_eq!(text(&Value::str("a\\b$c\"")), "'a\\b$c\"'");
        assert_eq!(text(&Value::str("it's")), "\"it's\"");
        assert_eq!(
            text(&Value::str("a\nb\r\t\\\"$x")),
            "\"a\\nb\\r\\t\\\\\\\"$x\""
        );
        assert_eq!(text(&Value::str("\r\0")), "'\r\0'");
    }

    #[test]
    fn lists_drop_keys_and_maps_keep_them() {
        let list = arr(vec![(Key::Int(0), "a".into()), (Key::Int(1), Value::Null)]);
        assert_eq!(text(&list), "array(\n  'a',\n  NULL,\n)");
        let map = arr(vec![
            (Key::from("x"), list.clone()),
            (Key::Int(i64::MIN), Value::Array(PhpArray::new())),
        ]);
        assert_eq!(
            text(&map),
            "array(\n  'x' => array(\n    'a',\n    NULL,\n  ),\n  -9223372036854775807-1 => array(),\n)"
        );
    }

    #[test]
    fn out_of_order_keys_compare_loosely() {
        let same = arr(vec![
            (Key::Int(1), "1".into()),
            (Key::Int(0), Value::Int(1)),
        ]);
        assert_eq!(text(&same), "array(\n  '1',\n  1,\n)");
        let differ = arr(vec![(Key::Int(1), "a".into()), (Key::Int(0), "b".into())]);
        assert_eq!(text(&differ), "array(\n  1 => 'a',\n  0 => 'b',\n)");
    }

    #[test]
    fn loose_equality_follows_php8() {
        let eq = |a: Value, b: Value| loose_eq(&a, &b);
        assert!(eq(Value::Float(f64::INFINITY), "INF".into()));
        assert!(eq("1e3".into(), "1000".into()));
        assert!(eq(" 1".into(), "1 ".into()));
        assert!(eq(Value::Array(PhpArray::new()), Value::Bool(false)));
        assert!(!eq("abc".into(), Value::Int(0)));
        assert!(!eq(Value::Null, "0".into()));
        assert!(!eq("1e999".into(), "2e999".into()));
        assert!(!eq(
            "9223372036854775808".into(),
            "9223372036854775809".into()
        ));
        assert!(!eq(
            "9223372036854775807".into(),
            "9223372036854775808".into()
        ));
        assert!(!eq(Value::Float(f64::NAN), Value::Float(f64::NAN)));
        assert!(!eq("1\0".into(), "1".into()));
        assert!(eq("0000000000000000000001".into(), "1".into()));
        assert!(!eq(
            "100000000000000000000.0".into(),
            "100000000000000000000".into()
        ));
    }
}
