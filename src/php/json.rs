//! PHP's `json_encode()` and Drush 8's `drush_json_encode()`.

use super::float::php_repr;
use super::value::{Key, PhpArray, Value};

/// The `JSON_*` flags of PHP's `json_encode()` that change its output.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonFlags {
    /// `JSON_PRETTY_PRINT`: 4-space indents, one member per line, `": "`.
    pub pretty_print: bool,
    /// `JSON_UNESCAPED_SLASHES`: `/` instead of `\/`.
    pub unescaped_slashes: bool,
    /// `JSON_UNESCAPED_UNICODE`: raw UTF-8 (U+2028/U+2029 stay escaped).
    pub unescaped_unicode: bool,
    /// `JSON_HEX_TAG`: `<` and `>` as `\u003C` and `\u003E`.
    pub hex_tag: bool,
    /// `JSON_HEX_AMP`: `&` as `\u0026`.
    pub hex_amp: bool,
    /// `JSON_HEX_APOS`: `'` as `\u0027`.
    pub hex_apos: bool,
    /// `JSON_HEX_QUOT`: `"` as `\u0022`.
    pub hex_quot: bool,
    /// `JSON_FORCE_OBJECT`: every array becomes an object.
    pub force_object: bool,
    /// `JSON_PRESERVE_ZERO_FRACTION`: `1.0` instead of `1`.
    pub preserve_zero_fraction: bool,
    /// `JSON_PARTIAL_OUTPUT_ON_ERROR`: replace what cannot be encoded
    /// (`0` for INF/NAN, `null` for bad strings, `""` for bad keys) instead of failing.
    pub partial_output_on_error: bool,
}

/// Why PHP's `json_encode()` would return false; shows `json_last_error_msg()`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// `JSON_ERROR_DEPTH`: arrays nested deeper than [`MAX_DEPTH`].
    #[error("Maximum stack depth exceeded")]
    Depth,
    /// `JSON_ERROR_UTF8`: a string or key is not valid UTF-8.
    #[error("Malformed UTF-8 characters, possibly incorrectly encoded")]
    Utf8,
    /// `JSON_ERROR_INF_OR_NAN`: a float is infinite or NaN.
    #[error("Inf and NaN cannot be JSON encoded")]
    InfOrNan,
}

/// `json_encode()`'s default `$depth`: deeper nesting is an error.
pub const MAX_DEPTH: usize = 512;

/// `json_encode($v, flags)` (default depth), byte-identical to PHP 8.2.
///
/// Like PHP, the error reported is the last one met: an invalid key or an
/// INF/NAN does not stop encoding, an invalid string or too deep nesting does.
pub fn json_encode(v: &Value, flags: JsonFlags) -> Result<Vec<u8>, JsonError> {
    let mut enc = Encoder {
        flags,
        out: Vec::new(),
        depth: 0,
        error: None,
    };
    // A failure has always recorded its error, so the result is not needed here.
    let _ = enc.value(v);
    match enc.error {
        Some(e) if !flags.partial_output_on_error => Err(e),
        _ => Ok(enc.out),
    }
}

/// Drush 8's `--format=json` text: `json_encode($v, JSON_PRETTY_PRINT)` with
/// every `<`, `>` and `&` then replaced by `\u003c`, `\u003e` and `\u0026`
/// (lower-case hex, unlike `JSON_HEX_TAG`). Where PHP's `json_encode()` fails
/// Drush prints an empty string; this returns the error instead.
pub fn drush_json(v: &Value) -> Result<Vec<u8>, JsonError> {
    let flags = JsonFlags {
        pretty_print: true,
        ..JsonFlags::default()
    };
    let json = json_encode(v, flags)?;
    let mut out = Vec::with_capacity(json.len());
    for c in json {
        match c {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// Marks an encoding step that stops the encoder (PHP's `FAILURE`).
struct Stop;

struct Encoder {
    flags: JsonFlags,
    out: Vec<u8>,
    depth: usize,
    /// The last error met, as in `json_last_error()`.
    error: Option<JsonError>,
}

impl Encoder {
    fn value(&mut self, v: &Value) -> Result<(), Stop> {
        match v {
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(b) => self
                .out
                .extend_from_slice(if *b { b"true" } else { b"false" }),
            Value::Int(i) => self.out.extend_from_slice(i.to_string().as_bytes()),
            Value::Float(f) => self.float(*f),
            Value::Str(s) => self.string(s)?,
            Value::Array(a) => self.array(a)?,
        }
        Ok(())
    }

    /// Finite floats as PHP's repr with a lower-case `e`; INF/NAN write `0` and
    /// record an error without stopping.
    fn float(&mut self, f: f64) {
        if !f.is_finite() {
            self.error = Some(JsonError::InfOrNan);
            self.out.push(b'0');
            return;
        }
        let text = php_repr(f).replace('E', "e");
        self.out.extend_from_slice(text.as_bytes());
        if self.flags.preserve_zero_fraction && !text.contains('.') {
            self.out.extend_from_slice(b".0");
        }
    }

    /// A string value: invalid UTF-8 stops the encoder (or gives `null`).
    fn string(&mut self, s: &[u8]) -> Result<(), Stop> {
        if self.escaped(s) {
            return Ok(());
        }
        self.error = Some(JsonError::Utf8);
        if self.flags.partial_output_on_error {
            self.out.extend_from_slice(b"null");
        }
        Err(Stop)
    }

    /// An object key: invalid UTF-8 is recorded but never stops the encoder.
    fn key(&mut self, k: &Key) {
        match k {
            Key::Int(i) => {
                self.out.push(b'"');
                self.out.extend_from_slice(i.to_string().as_bytes());
                self.out.push(b'"');
            }
            Key::Str(s) => {
                if !self.escaped(s) {
                    self.error = Some(JsonError::Utf8);
                    if self.flags.partial_output_on_error {
                        self.out.extend_from_slice(b"\"\"");
                    }
                }
            }
        }
    }

    /// Writes `s` as a JSON string; returns false (writing nothing) if it is not UTF-8.
    fn escaped(&mut self, s: &[u8]) -> bool {
        let Ok(text) = std::str::from_utf8(s) else {
            return false;
        };
        self.out.push(b'"');
        for c in text.chars() {
            self.char(c);
        }
        self.out.push(b'"');
        true
    }

    fn char(&mut self, c: char) {
        let f = self.flags;
        let escape: Option<&[u8]> = match c {
            '"' if f.hex_quot => Some(b"\\u0022"),
            '"' => Some(b"\\\""),
            '\\' => Some(b"\\\\"),
            '/' if !f.unescaped_slashes => Some(b"\\/"),
            '\u{8}' => Some(b"\\b"),
            '\u{c}' => Some(b"\\f"),
            '\n' => Some(b"\\n"),
            '\r' => Some(b"\\r"),
            '\t' => Some(b"\\t"),
            '<' if f.hex_tag => Some(b"\\u003C"),
            '>' if f.hex_tag => Some(b"\\u003E"),
            '&' if f.hex_amp => Some(b"\\u0026"),
            '\'' if f.hex_apos => Some(b"\\u0027"),
            _ => None,
        };
        if let Some(e) = escape {
            self.out.extend_from_slice(e);
        } else if c < ' ' || (!c.is_ascii() && !self.raw_unicode(c)) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                self.out
                    .extend_from_slice(format!("\\u{unit:04x}").as_bytes());
            }
        } else {
            let mut buf = [0u8; 4];
            self.out
                .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }

    /// Non-ASCII characters stay raw only with `unescaped_unicode`, and even then
    /// the JavaScript line terminators U+2028 and U+2029 are escaped.
    fn raw_unicode(&self, c: char) -> bool {
        self.flags.unescaped_unicode && !matches!(c, '\u{2028}' | '\u{2029}')
    }

    fn array(&mut self, a: &PhpArray) -> Result<(), Stop> {
        let as_list = !self.flags.force_object && a.is_list();
        self.out.push(if as_list { b'[' } else { b'{' });
        self.depth += 1;
        for (i, (k, v)) in a.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.newline_indent();
            if !as_list {
                self.key(k);
                self.out.push(b':');
                if self.flags.pretty_print {
                    self.out.push(b' ');
                }
            }
            if self.value(v).is_err() && !self.flags.partial_output_on_error {
                return Err(Stop);
            }
        }
        if self.depth > MAX_DEPTH {
            self.error = Some(JsonError::Depth);
            if !self.flags.partial_output_on_error {
                return Err(Stop);
            }
        }
        self.depth -= 1;
        if !a.is_empty() {
            self.newline_indent();
        }
        self.out.push(if as_list { b']' } else { b'}' });
        Ok(())
    }

    fn newline_indent(&mut self) {
        if self.flags.pretty_print {
            self.out.push(b'\n');
            self.out.extend(std::iter::repeat_n(b' ', 4 * self.depth));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &Value, flags: JsonFlags) -> String {
        String::from_utf8(json_encode(v, flags).unwrap()).unwrap()
    }

    fn list(items: Vec<Value>) -> Value {
        let mut a = PhpArray::new();
        for v in items {
            a.push(v).unwrap();
        }
        Value::Array(a)
    }

    #[test]
    fn escapes_like_php() {
        let s = Value::str("<>&'\"/\u{e9}\u{2028}\u{1F600}\x7f\x1f\x01\t\u{8}");
        assert_eq!(
            enc(&s, JsonFlags::default()),
            r#""<>&'\"\/\u00e9\u2028\ud83d\ude00"#.to_string() + "\x7f" + r#"\u001f\u0001\t\b""#
        );
        let hex = JsonFlags {
            hex_tag: true,
            hex_amp: true,
            hex_apos: true,
            hex_quot: true,
            unescaped_slashes: true,
            unescaped_unicode: true,
            ..JsonFlags::default()
        };
        assert_eq!(
            enc(&Value::str("<>&'\"/\u{e9}\u{2028}"), hex),
            r#""\u003C\u003E\u0026\u0027\u0022/é\u2028""#
        );
    }

    #[test]
    fn floats() {
        let v = list(vec![
            Value::Float(-0.0),
            Value::Float(1e25),
            Value::Float(1.0),
            Value::Float(0.1),
        ]);
        assert_eq!(enc(&v, JsonFlags::default()), "[-0,1.0e+25,1,0.1]");
        let pzf = JsonFlags {
            preserve_zero_fraction: true,
            ..JsonFlags::default()
        };
        assert_eq!(enc(&v, pzf), "[-0.0,1.0e+25,1.0,0.1]");
    }

    #[test]
    fn pretty_print_and_objects() {
        let mut obj = PhpArray::new();
        obj.set("a", Value::Array(PhpArray::new()));
        let v = list(vec![Value::Array(PhpArray::new()), Value::Array(obj)]);
        let pretty = JsonFlags {
            pretty_print: true,
            ..JsonFlags::default()
        };
        assert_eq!(
            enc(&v, pretty),
            "[\n    [],\n    {\n        \"a\": []\n    }\n]"
        );
        let forced = JsonFlags {
            force_object: true,
            ..JsonFlags::default()
        };
        assert_eq!(enc(&v, forced), r#"{"0":{},"1":{"a":{}}}"#);
    }

    #[test]
    fn errors_are_the_last_one_met() {
        let f = JsonFlags::default();
        let inf_then_bad = list(vec![Value::Float(f64::INFINITY), Value::str(b"\xff")]);
        assert_eq!(json_encode(&inf_then_bad, f), Err(JsonError::Utf8));
        let mut bad_key = PhpArray::new();
        bad_key.insert(Key::Str(b"\xff".to_vec()), Value::Float(f64::NAN));
        assert_eq!(
            json_encode(&Value::Array(bad_key.clone()), f),
            Err(JsonError::InfOrNan)
        );
        let partial = JsonFlags {
            partial_output_on_error: true,
            ..f
        };
        assert_eq!(enc(&inf_then_bad, partial), "[0,null]");
        assert_eq!(enc(&Value::Array(bad_key), partial), r#"{"":0}"#);
    }

    #[test]
    fn depth_limit() {
        let mut v = Value::Array(PhpArray::new());
        for _ in 0..MAX_DEPTH - 1 {
            v = list(vec![v]);
        }
        assert!(json_encode(&v, JsonFlags::default()).is_ok());
        let v = list(vec![v]);
        assert_eq!(json_encode(&v, JsonFlags::default()), Err(JsonError::Depth));
    }

    #[test]
    fn drush_json_lowercases_hex_escapes() {
        let mut a = PhpArray::new();
        a.set("<a>", "&");
        let out = drush_json(&Value::Array(a)).unwrap();
        assert_eq!(out, b"{\n    \"\\u003ca\\u003e\": \"\\u0026\"\n}");
    }
}
