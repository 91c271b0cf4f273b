//! PHP literal text: single-quoted and interpolated strings, heredoc bodies and
//! number literals.

use super::ast::{Expr, ExprKind, Part};
use super::parser::{parse_embedded, ParseError, Source};
use crate::php::{Key, Value};

/// Undoes the two escapes of a single-quoted string (`\\` and `\'`).
pub fn unescape_single(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && matches!(raw.get(i + 1), Some(b'\\' | b'\'')) {
            i += 1;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// Removes a flexible heredoc's closing-marker indentation from every line and
/// the newline before the marker.
pub fn dedent(body: &str, indent: usize) -> String {
    let body = body
        .strip_suffix('\n')
        .map(|b| b.strip_suffix('\r').unwrap_or(b))
        .unwrap_or(body);
    if indent == 0 {
        return body.to_string();
    }
    let lines: Vec<&str> = body.split('\n').collect();
    lines
        .iter()
        .map(|line| {
            let n = line
                .bytes()
                .take(indent)
                .take_while(|b| *b == b' ' || *b == b'\t')
                .count();
            &line[n..]
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Parses a number literal as PHP does (integers that overflow become floats);
/// `None` for an invalid literal such as `089`.
pub fn parse_number(text: &str) -> Option<Value> {
    let clean: String = text.chars().filter(|&c| c != '_').collect();
    let lower = clean.to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        return Some(radix_int(hex, 16));
    }
    if let Some(bin) = lower.strip_prefix("0b") {
        return Some(radix_int(bin, 2));
    }
    if let Some(oct) = lower.strip_prefix("0o") {
        return Some(radix_int(oct, 8));
    }
    if lower.contains(['.', 'e']) {
        return lower.parse::<f64>().ok().map(Value::Float);
    }
    if lower.len() > 1 && lower.starts_with('0') {
        if !lower.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        return Some(radix_int(&lower[1..], 8));
    }
    Some(match lower.parse::<i64>() {
        Ok(i) => Value::Int(i),
        Err(_) => Value::Float(lower.parse::<f64>().ok()?),
    })
}

fn radix_int(digits: &str, radix: u32) -> Value {
    let mut acc: i64 = 0;
    let mut float: Option<f64> = None;
    for c in digits.chars() {
        let d = c.to_digit(radix).unwrap_or(0);
        match float {
            Some(f) => float = Some(f * radix as f64 + d as f64),
            None => match acc
                .checked_mul(radix as i64)
                .and_then(|a| a.checked_add(d as i64))
            {
                Some(a) => acc = a,
                None => float = Some(acc as f64 * radix as f64 + d as f64),
            },
        }
    }
    float.map_or(Value::Int(acc), Value::Float)
}

/// Splits the body of a double-quoted string or heredoc into literal bytes
/// (escapes applied) and embedded variables/expressions. `start` is the byte
/// offset of `raw` in the file; `quoted` is true for `"…"` (where `\"` is an escape).
pub fn parse_interpolated(
    src: &Source,
    raw: &str,
    start: usize,
    quoted: bool,
) -> Result<Vec<Part>, ParseError> {
    let bytes = src.bytes(raw);
    let mut scan = Interp {
        src,
        b: &bytes,
        i: 0,
        start,
        quoted,
        parts: Vec::new(),
        lit: Vec::new(),
    };
    scan.run()?;
    Ok(scan.parts)
}

struct Interp<'a> {
    src: &'a Source,
    b: &'a [u8],
    i: usize,
    start: usize,
    quoted: bool,
    parts: Vec<Part>,
    lit: Vec<u8>,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

impl Interp<'_> {
    fn peek(&self, k: usize) -> Option<u8> {
        self.b.get(self.i + k).copied()
    }

    fn pos(&self) -> usize {
        self.start + self.i
    }

    fn run(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek(0) {
            match c {
                b'\\' => self.escape(),
                b'$' if self.peek(1).is_some_and(is_ident_start) => self.simple_var()?,
                b'$' if self.peek(1) == Some(b'{') => self.dollar_brace()?,
                b'{' if self.peek(1) == Some(b'$') => self.brace_expr()?,
                _ => {
                    self.lit.push(c);
                    self.i += 1;
                }
            }
        }
        self.flush();
        Ok(())
    }

    fn flush(&mut self) {
        if !self.lit.is_empty() {
            self.parts.push(Part::Lit(std::mem::take(&mut self.lit)));
        }
    }

    fn push_expr(&mut self, e: Expr) {
        self.flush();
        self.parts.push(Part::Expr(e));
    }

    fn escape(&mut self) {
        let next = self.peek(1);
        let simple = match next {
            Some(b'n') => Some(b'\n'),
            Some(b't') => Some(b'\t'),
            Some(b'r') => Some(b'\r'),
            Some(b'v') => Some(0x0b),
            Some(b'e') => Some(0x1b),
            Some(b'f') => Some(0x0c),
            Some(b'\\') => Some(b'\\'),
            Some(b'$') => Some(b'$'),
            Some(b'"') if self.quoted => Some(b'"'),
            _ => None,
        };
        if next == Some(b'{') {
            // `\{` is no escape, but it keeps `{$` from starting an expression.
            self.lit.extend_from_slice(b"\\{");
            self.i += 2;
        } else if let Some(c) = simple {
            self.lit.push(c);
            self.i += 2;
        } else if !self.numeric_escape() {
            self.lit.push(b'\\');
            self.i += 1;
        }
    }

    /// `\x41`, `\101`, `\u{1F680}`; false when the backslash is literal.
    fn numeric_escape(&mut self) -> bool {
        let rest = &self.b[self.i + 1..];
        let run = |skip: usize, max: usize, ok: fn(&u8) -> bool| {
            rest.iter()
                .skip(skip)
                .take(max)
                .take_while(|c| ok(c))
                .count()
        };
        match rest.first() {
            Some(b'x') => {
                let n = run(1, 2, u8::is_ascii_hexdigit);
                if n == 0 {
                    return false;
                }
                self.push_radix(&rest[1..1 + n], 16);
                self.i += 2 + n;
            }
            Some(b'0'..=b'7') => {
                let n = run(0, 3, |c| (b'0'..=b'7').contains(c));
                self.push_radix(&rest[..n], 8);
                self.i += 1 + n;
            }
            Some(b'u') if rest.get(1) == Some(&b'{') => {
                let n = run(2, usize::MAX, u8::is_ascii_hexdigit);
                if n == 0 || rest.get(2 + n) != Some(&b'}') {
                    return false;
                }
                let text = std::str::from_utf8(&rest[2..2 + n]).unwrap_or("0");
                let cp = u32::from_str_radix(text, 16).unwrap_or(u32::MAX);
                let Some(ch) = char::from_u32(cp) else {
                    return false;
                };
                let mut buf = [0u8; 4];
                self.lit
                    .extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                self.i += 4 + n;
            }
            _ => return false,
        }
        true
    }

    fn push_radix(&mut self, digits: &[u8], radix: u32) {
        let v = digits.iter().fold(0u32, |acc, d| {
            acc * radix + (*d as char).to_digit(radix).unwrap_or(0)
        });
        self.lit.push((v & 0xff) as u8);
    }

    fn ident(&mut self) -> String {
        let from = self.i;
        while self.peek(0).is_some_and(is_ident) {
            self.i += 1;
        }
        self.src.text_of(&self.b[from..self.i])
    }

    /// `$name`, `$name[key]`, `$name->prop` (refused).
    fn simple_var(&mut self) -> Result<(), ParseError> {
        let pos = self.pos();
        self.i += 1;
        let name = self.ident();
        let var = Expr {
            pos,
            kind: ExprKind::Var(name),
        };
        if self.peek(0) == Some(b'[') {
            if let Some(e) = self.simple_index(var.clone())? {
                self.push_expr(e);
                return Ok(());
            }
        } else if self.peek(0) == Some(b'-')
            && self.peek(1) == Some(b'>')
            && self.peek(2).is_some_and(is_ident_start)
        {
            return Err(ParseError::Unsupported {
                pos,
                what: "property access in string".into(),
            });
        }
        self.push_expr(var);
        Ok(())
    }

    /// The `[key]` after `$name` in a string: an unquoted name, an integer or a variable.
    fn simple_index(&mut self, base: Expr) -> Result<Option<Expr>, ParseError> {
        let save = self.i;
        let pos = base.pos;
        self.i += 1;
        let key = match self.peek(0) {
            Some(b'$') if self.peek(1).is_some_and(is_ident_start) => {
                self.i += 1;
                ExprKind::Var(self.ident())
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let from = self.i;
                self.i += 1;
                while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
                let text = &self.b[from..self.i];
                if text == b"-" {
                    return self.syntax(save);
                }
                match Key::from_bytes(text) {
                    Key::Int(n) => ExprKind::Lit(Value::Int(n)),
                    Key::Str(s) => ExprKind::Lit(Value::Str(s)),
                }
            }
            Some(c) if is_ident_start(c) => ExprKind::Lit(Value::Str(self.ident().into_bytes())),
            _ => return self.syntax(save),
        };
        if self.peek(0) != Some(b']') {
            return self.syntax(save);
        }
        self.i += 1;
        let key = Expr {
            pos: self.start + save + 1,
            kind: key,
        };
        Ok(Some(Expr {
            pos,
            kind: ExprKind::Index(Box::new(base), Some(Box::new(key))),
        }))
    }

    fn syntax<T>(&self, at: usize) -> Result<T, ParseError> {
        Err(self.src.custom_error(
            self.start + at,
            "expected a variable name, integer or `]` in string interpolation",
        ))
    }

    /// The offset just past the `}` matching the `{` at `from`, skipping quoted text.
    fn matching_brace(&self, from: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut quote: Option<u8> = None;
        let mut i = from;
        while i < self.b.len() {
            let c = self.b[i];
            match quote {
                Some(_) if c == b'\\' => i += 1,
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None => match c {
                    b'\'' | b'"' => quote = Some(c),
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                },
            }
            i += 1;
        }
        None
    }

    /// `{$expr}`.
    fn brace_expr(&mut self) -> Result<(), ParseError> {
        let Some(end) = self.matching_brace(self.i) else {
            return self.syntax(self.i);
        };
        let text = self.src.text_of(&self.b[self.i + 1..end - 1]);
        let e = parse_embedded(self.src, &text, self.pos() + 1)?;
        self.i = end;
        self.push_expr(e);
        Ok(())
    }

    /// `${name}` and `${name[expr]}` (the deprecated forms).
    fn dollar_brace(&mut self) -> Result<(), ParseError> {
        let pos = self.pos();
        let Some(end) = self.matching_brace(self.i + 1) else {
            return self.syntax(self.i);
        };
        let inner = &self.b[self.i + 2..end - 1];
        let name_len = inner.iter().take_while(|c| is_ident(**c)).count();
        let starts_ok = inner.first().is_some_and(|c| is_ident_start(*c));
        let rest = &inner[name_len..];
        let var = Expr {
            pos,
            kind: ExprKind::Var(self.src.text_of(&inner[..name_len])),
        };
        let e = if starts_ok && rest.is_empty() {
            var
        } else if starts_ok && rest.first() == Some(&b'[') && rest.last() == Some(&b']') {
            let text = self.src.text_of(&rest[1..rest.len() - 1]);
            let key = parse_embedded(self.src, &text, pos + 3 + name_len)?;
            Expr {
                pos,
                kind: ExprKind::Index(Box::new(var), Some(Box::new(key))),
            }
        } else {
            return Err(ParseError::Unsupported {
                pos,
                what: "variable variable in string".into(),
            });
        };
        self.i = end;
        self.push_expr(e);
        Ok(())
    }
}
