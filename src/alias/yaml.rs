//! YAML as Symfony's `Yaml::dump($v, PHP_INT_MAX, 2)` writes it (block style,
//! 2-space indent, empty arrays as `{  }`, Symfony's quoting rules), as Symfony
//! 3.4.41 does — the version Drush 9 and 10 locked, whose converter wrote
//! `site.yml` (Drush 11's 4.4 differs only for numeric strings with trailing
//! whitespace and strings holding non-ASCII spaces). Reading uses serde_norway.

use crate::php::{Key, PhpArray, Value};

/// Spaces per nesting level (`Dumper::setIndentation(2)`).
const INDENT: usize = 2;

/// `Dumper::dump($v, PHP_INT_MAX, 0)` with 2-space indentation.
pub fn dump(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    dump_block(&mut out, v, 0);
    out
}

fn dump_block(out: &mut Vec<u8>, v: &Value, indent: usize) {
    let prefix = " ".repeat(indent);
    let a = match v {
        Value::Array(a) if !a.is_empty() => a,
        _ => {
            out.extend_from_slice(prefix.as_bytes());
            inline(out, v);
            return;
        }
    };
    let hash = is_hash(a);
    for (k, val) in a.iter() {
        out.extend_from_slice(prefix.as_bytes());
        if hash {
            inline(out, &k.to_value());
            out.push(b':');
        } else {
            out.push(b'-');
        }
        match val {
            Value::Array(inner) if !inner.is_empty() => {
                out.push(b'\n');
                dump_block(out, val, indent + INDENT);
            }
            _ => {
                out.push(b' ');
                inline(out, val);
                out.push(b'\n');
            }
        }
    }
}

/// `Inline::isHash`: anything but keys 0, 1, 2, … in order.
fn is_hash(a: &PhpArray) -> bool {
    !a.is_list()
}

/// `Inline::dump` of one value.
fn inline(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Value::Float(f) => out.extend_from_slice(float_text(*f).as_bytes()),
        Value::Str(s) => string(out, s),
        Value::Array(a) => inline_array(out, a),
    }
}

fn inline_array(out: &mut Vec<u8>, a: &PhpArray) {
    if !a.is_empty() && !is_hash(a) {
        out.push(b'[');
        for (i, (_, v)) in a.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(b", ");
            }
            inline(out, v);
        }
        out.push(b']');
        return;
    }
    out.extend_from_slice(b"{ ");
    for (i, (k, v)) in a.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        inline(out, &k.to_value());
        out.extend_from_slice(b": ");
        inline(out, v);
    }
    out.extend_from_slice(b" }");
}

/// A float as `(string)$f` (PHP's `precision` = 14), with Symfony's `.Inf` and
/// `!!float` marks.
fn float_text(f: f64) -> String {
    if f.is_nan() {
        return "NAN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".Inf" } else { "-.Inf" }.into();
    }
    let repr = precision14(f);
    if f.floor() == f && repr.parse::<f64>().ok() == Some(f) {
        format!("!!float {repr}")
    } else {
        repr
    }
}

/// PHP's `%.14G` layout (`zend_gcvt` with precision 14).
fn precision14(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.13e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.replace('.', "").trim_end_matches('0').to_string();
    let sign = if f < 0.0 { "-" } else { "" };
    let decpt = exp + 1;
    if !(-3..=14).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}E{esign}{}", exp.abs());
    }
    if decpt <= 0 {
        return format!("{sign}0.{}{digits}", "0".repeat((-decpt) as usize));
    }
    let d = decpt as usize;
    if digits.len() <= d {
        format!("{sign}{digits}{}", "0".repeat(d - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..d], &digits[d..])
    }
}

/// A string scalar, quoted as Symfony decides.
fn string(out: &mut Vec<u8>, s: &[u8]) {
    if s.is_empty() {
        out.extend_from_slice(b"''");
    } else if is_numeric(s) {
        single_quoted(out, s);
    } else if is_binary(s) {
        out.extend_from_slice(b"!!binary ");
        out.extend_from_slice(base64(s).as_bytes());
    } else if needs_double_quotes(s) {
        double_quoted(out, s);
    } else if needs_single_quotes(s)
        || (s[0].is_ascii_digit() && s.iter().all(|c| c.is_ascii_digit() || *c == b'_'))
        || is_hex(s)
        || is_timestamp(s)
    {
        single_quoted(out, s);
    } else {
        out.extend_from_slice(s);
    }
}

/// PHP 8's `is_numeric()` for strings.
fn is_numeric(s: &[u8]) -> bool {
    let ws = |c: &u8| b" \t\n\r\x0b\x0c".contains(c);
    let start = s.iter().position(|c| !ws(c)).unwrap_or(s.len());
    let end = s.iter().rposition(|c| !ws(c)).map_or(start, |e| e + 1);
    let t = &s[start..end.max(start)];
    let t = t
        .strip_prefix(b"+")
        .or_else(|| t.strip_prefix(b"-"))
        .unwrap_or(t);
    let int_len = t.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = int_len;
    let mut frac_len = 0;
    if t.get(i) == Some(&b'.') {
        frac_len = t[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += 1 + frac_len;
    }
    if int_len + frac_len == 0 {
        return false;
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(t.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp_len = t[j.min(t.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if exp_len > 0 {
            i = j + exp_len;
        }
    }
    i == t.len()
}

/// Symfony 3.4's `isBinaryString`: invalid UTF-8 or a control byte outside
/// `\x00 \x07-\x0d \x1b`.
fn is_binary(s: &[u8]) -> bool {
    std::str::from_utf8(s).is_err()
        || s.iter()
            .any(|c| matches!(c, 0x01..=0x06 | 0x0e..=0x1a | 0x1c..=0x1f))
}

/// Characters (as text) that force double quotes, with their escapes.
fn escape_char(c: char) -> Option<String> {
    Some(match c {
        '\\' => "\\\\".into(),
        '"' => "\\\"".into(),
        '\0' => "\\0".into(),
        '\x07' => "\\a".into(),
        '\x08' => "\\b".into(),
        '\t' => "\\t".into(),
        '\n' => "\\n".into(),
        '\x0b' => "\\v".into(),
        '\x0c' => "\\f".into(),
        '\r' => "\\r".into(),
        '\x1b' => "\\e".into(),
        '\x7f' => "\\x7f".into(),
        c if (c as u32) < 0x20 => format!("\\x{:02x}", c as u32),
        '\u{85}' => "\\N".into(),
        '\u{a0}' => "\\_".into(),
        '\u{2028}' => "\\L".into(),
        '\u{2029}' => "\\P".into(),
        _ => return None,
    })
}

/// `Escaper::requiresDoubleQuoting` (a UTF-8 regex: invalid UTF-8 never matches).
fn needs_double_quotes(s: &[u8]) -> bool {
    let Ok(t) = std::str::from_utf8(s) else {
        return false;
    };
    t.chars()
        .any(|c| !matches!(c, '\\' | '"') && escape_char(c).is_some())
}

/// `Escaper::escapeWithDoubleQuotes` (only reached with valid UTF-8).
fn double_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for c in String::from_utf8_lossy(s).chars() {
        match escape_char(c) {
            Some(e) => out.extend_from_slice(e.as_bytes()),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
}

/// `Escaper::requiresSingleQuoting` plus Symfony's special words.
fn needs_single_quotes(s: &[u8]) -> bool {
    let lower = s.to_ascii_lowercase();
    let words: [&[u8]; 10] = [
        b"null", b"~", b"true", b"false", b"y", b"n", b"yes", b"no", b"on", b"off",
    ];
    if words.contains(&lower.as_slice()) {
        return true;
    }
    if s.iter()
        .any(|c| b" \t\n\x0b\x0c\r'\":{}[],&*#?".contains(c))
    {
        return true;
    }
    b"-?|<>=!%@`".contains(&s[0])
}

fn single_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'\'');
    for &c in s {
        if c == b'\'' {
            out.push(b'\'');
        }
        out.push(c);
    }
    out.push(b'\'');
}

/// `~^0x[0-9a-f]++$~i`.
fn is_hex(s: &[u8]) -> bool {
    s.len() > 2 && s[..2].eq_ignore_ascii_case(b"0x") && s[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Symfony's timestamp pattern (`2001-12-14`, `2001-12-14t21:59:43.10-05:00`, …).
fn is_timestamp(s: &[u8]) -> bool {
    let mut p = Cursor { s, i: 0 };
    let date = p.digits(4, 4) && p.byte(b'-') && p.digits(1, 2) && p.byte(b'-') && p.digits(1, 2);
    if !date {
        return false;
    }
    if p.done() {
        return true;
    }
    let sep = p.byte(b'T') || p.byte(b't') || p.spaces(1);
    let time =
        sep && p.digits(1, 2) && p.byte(b':') && p.digits(2, 2) && p.byte(b':') && p.digits(2, 2);
    if !time {
        return false;
    }
    if p.byte(b'.') {
        p.digits(0, usize::MAX);
    }
    p.spaces(0);
    if p.byte(b'Z') {
        return p.done();
    }
    if p.byte(b'-') || p.byte(b'+') {
        if !p.digits(1, 2) {
            return false;
        }
        if p.byte(b':') && !p.digits(2, 2) {
            return false;
        }
    }
    p.done()
}

/// A tiny matcher for [`is_timestamp`].
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn byte(&mut self, b: u8) -> bool {
        let hit = self.s.get(self.i) == Some(&b);
        self.i += hit as usize;
        hit
    }
    fn digits(&mut self, min: usize, max: usize) -> bool {
        let n = self.s[self.i..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_digit())
            .count();
        self.i += n;
        n >= min
    }
    fn spaces(&mut self, min: usize) -> bool {
        let n = self.s[self.i..]
            .iter()
            .take_while(|c| matches!(c, b' ' | b'\t'))
            .count();
        self.i += n;
        n >= min
    }
}

/// Standard base64 with padding.
fn base64(s: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in s.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Why a YAML file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct YamlError(String);

/// Parses YAML text into a PHP value (maps become arrays with PHP key rules).
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let doc: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| YamlError(e.to_string()))?;
    Ok(from_yaml(&doc))
}

fn from_yaml(v: &serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(*b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        Y::String(s) => Value::str(s),
        Y::Sequence(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| (Key::Int(i as i64), from_yaml(x)))
                .collect(),
        ),
        Y::Mapping(m) => Value::Array(m.iter().map(|(k, x)| (yaml_key(k), from_yaml(x))).collect()),
        Y::Tagged(t) => from_yaml(&t.value),
    }
}

/// A mapping key as a PHP array key.
fn yaml_key(k: &serde_norway::Value) -> Key {
    match from_yaml(k) {
        Value::Str(s) => Key::from_bytes(&s),
        other => Key::from_value(&other).unwrap_or_else(|_| Key::from("")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn y(v: &Value) -> String {
        String::from_utf8(dump(v)).unwrap()
    }

    #[test]
    fn block_style_and_quoting() {
        let mut inner = PhpArray::new();
        inner.set("host", "example.com");
        inner.set("port", "22");
        inner.set("opts", "-p 2222 -o \"A B\"");
        inner.set("empty", Value::Array(PhpArray::new()));
        inner.set("on", "yes");
        inner.set("multi", "a\nb");
        let mut top = PhpArray::new();
        top.set("dev", Value::Array(inner));
        assert_eq!(
            y(&Value::Array(top)),
            "dev:\n  host: example.com\n  port: '22'\n  opts: '-p 2222 -o \"A B\"'\n  empty: {  }\n  'on': 'yes'\n  multi: \"a\\nb\"\n"
        );
    }

    #[test]
    fn lists_and_floats() {
        let mut l = PhpArray::new();
        l.push(Value::str("a")).unwrap();
        l.push(Value::Float(1.0)).unwrap();
        l.push(Value::Float(0.5)).unwrap();
        assert_eq!(y(&Value::Array(l)), "- a\n- !!float 1\n- 0.5\n");
        assert!(is_timestamp(b"2001-12-14"));
        assert!(!is_timestamp(b"2001-12"));
        assert_eq!(base64(b"ab"), "YWI=");
    }
}
