//! The fast path for plain literal alias files: the files Aegir and most
//! generators write (`<?php` then `$aliases['name'] = array (…);` statements made
//! of literals only, as PHP's `var_export` prints them).
//!
//! A file qualifies only when every byte fits the small literal language below;
//! anything else — comments, double quotes, expressions, a `?>` — makes
//! [`parse_literal_file`] return `None` and the full grammar takes over. A file
//! that qualifies is *pure*: its effect on the scope depends on nothing but its
//! bytes, which is what makes it safe to cache.

use crate::php::{Key, PhpArray, Value};

/// One `$var['key'] = literal;` or `$var = literal;` statement.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// The variable name, without `$`.
    pub var: Vec<u8>,
    /// The key written, or `None` for a whole-variable assignment.
    pub key: Option<Key>,
    /// The value assigned.
    pub value: Value,
}

/// Deepest array nesting the fast path accepts; deeper files go to the full parser.
const MAX_DEPTH: usize = 64;

/// Parses a whole file of literal assignments, or returns `None` when the file
/// uses anything beyond them.
pub fn parse_literal_file(src: &[u8]) -> Option<Vec<Assignment>> {
    let mut p = Cursor { src, pos: 0 };
    p.eat_keyword(b"<?php")?;
    if !p.peek().is_some_and(|c| c.is_ascii_whitespace()) {
        return None;
    }
    let mut out = Vec::new();
    loop {
        p.skip_ws();
        if p.at_end() {
            return Some(out);
        }
        out.push(p.assignment()?);
    }
}

/// Applies parsed assignments to `vars` as PHP would, or returns `None` (leaving
/// `vars` untouched) when one would need PHP's conversion rules for non-arrays.
pub fn apply(assignments: Vec<Assignment>, vars: &mut PhpArray) -> Option<()> {
    if !targets_are_arrays(&assignments, vars) {
        return None;
    }
    for a in assignments {
        let var = Key::Str(a.var);
        match a.key {
            None => vars.insert(var, a.value),
            Some(key) => {
                if let Some(Value::Array(arr)) = vars.get_mut(&var) {
                    arr.insert(key, a.value);
                }
            }
        }
    }
    Some(())
}

/// True when every keyed assignment writes into a variable that holds an array
/// at that point (tracking whole-variable assignments made earlier in the file).
fn targets_are_arrays(assignments: &[Assignment], vars: &PhpArray) -> bool {
    let mut replaced: Vec<(&[u8], bool)> = Vec::new();
    for a in assignments {
        let is_array_now = replaced
            .iter()
            .rev()
            .find(|(name, _)| *name == a.var.as_slice())
            .map(|(_, is_array)| *is_array)
            .unwrap_or_else(|| matches!(vars.get(&Key::Str(a.var.clone())), Some(Value::Array(_))));
        match a.key {
            None => replaced.push((&a.var, matches!(a.value, Value::Array(_)))),
            Some(_) if !is_array_now => return false,
            Some(_) => {}
        }
    }
    true
}

struct Cursor<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    /// Skips white space and comments. A comment the fast path must not judge —
    /// a `?>` inside a line comment (it ends PHP mode) or a `#[` attribute — is
    /// left in place, so the next token fails and the full parser takes the file.
    fn skip_ws(&mut self) {
        loop {
            let rest = &self.src[self.pos..];
            match rest {
                [b' ' | b'\t' | b'\n' | b'\r', ..] => self.pos += 1,
                [b'/', b'/', ..] | [b'#', ..] if !rest.starts_with(b"#[") => {
                    if !self.skip_line_comment() {
                        return;
                    }
                }
                [b'/', b'*', ..] => match rest[2..].windows(2).position(|w| w == b"*/") {
                    Some(end) => self.pos += 2 + end + 2,
                    None => return,
                },
                _ => return,
            }
        }
    }

    /// Skips a `//` or `#` comment to the end of its line; false (nothing
    /// skipped) when a `?>` on that line would end PHP mode.
    fn skip_line_comment(&mut self) -> bool {
        let rest = &self.src[self.pos..];
        let line_end = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
        if rest[..line_end].windows(2).any(|w| w == b"?>") {
            return false;
        }
        self.pos += line_end;
        true
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.skip_ws();
        (self.peek() == Some(c)).then(|| self.pos += 1)
    }

    /// Consumes an ASCII keyword, case-insensitively, if it is not followed by an identifier byte.
    fn eat_keyword(&mut self, word: &[u8]) -> Option<()> {
        let end = self.pos + word.len();
        let candidate = self.src.get(self.pos..end)?;
        if !candidate.eq_ignore_ascii_case(word) || self.src.get(end).is_some_and(|&c| is_ident(c))
        {
            return None;
        }
        self.pos = end;
        Some(())
    }

    fn assignment(&mut self) -> Option<Assignment> {
        self.eat(b'$')?;
        let start = self.pos;
        while self.peek().is_some_and(is_ident) {
            self.pos += 1;
        }
        let var = self.src[start..self.pos].to_vec();
        if var.is_empty()
            || var[0].is_ascii_digit()
            || var[0] == b'_'
            || var == b"GLOBALS"
            || var == b"this"
        {
            return None; // superglobals and special variables need the full evaluator
        }
        let key = if self.eat(b'[').is_some() {
            let key = self.key()?;
            self.eat(b']')?;
            Some(key)
        } else {
            None
        };
        self.eat(b'=')?;
        if self.peek() == Some(b'=') || self.peek() == Some(b'>') {
            return None;
        }
        let value = self.value(0)?;
        self.eat(b';')?;
        Some(Assignment { var, key, value })
    }

    /// An int or string literal key; other key types (floats warn in PHP 8.1+) go to the full parser.
    fn key(&mut self) -> Option<Key> {
        literal_key(&self.scalar()?)
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        self.skip_ws();
        if self.eat_keyword(b"array").is_some() {
            return self.array(depth + 1);
        }
        self.scalar()
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'(')?;
        let mut arr = PhpArray::new();
        loop {
            if self.eat(b')').is_some() {
                return Some(Value::Array(arr));
            }
            let first = self.value(depth)?;
            self.skip_ws();
            if self.src[self.pos..].starts_with(b"=>") {
                self.pos += 2;
                let key = literal_key(&first)?;
                let value = self.value(depth)?;
                arr.insert(key, value);
            } else {
                arr.push(first).ok()?;
            }
            if self.eat(b',').is_none() {
                self.eat(b')')?;
                return Some(Value::Array(arr));
            }
        }
    }

    fn scalar(&mut self) -> Option<Value> {
        self.skip_ws();
        match self.peek()? {
            b'\'' => self.single_quoted().map(Value::Str),
            b'"' => self.plain_double_quoted().map(Value::Str),
            b'-' | b'0'..=b'9' => self.number(),
            _ => self.constant(),
        }
    }

    fn constant(&mut self) -> Option<Value> {
        for (word, value) in [
            (&b"null"[..], Value::Null),
            (b"true", Value::Bool(true)),
            (b"false", Value::Bool(false)),
        ] {
            if self.eat_keyword(word).is_some() {
                return Some(value);
            }
        }
        None
    }

    /// A single-quoted string: only `\\` and `\'` are escapes, as in PHP.
    fn single_quoted(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                b'\'' => return Some(out),
                b'\\' if matches!(self.peek(), Some(b'\\' | b'\'')) => {
                    out.push(self.peek()?);
                    self.pos += 1;
                }
                _ => out.push(c),
            }
        }
    }

    /// A double-quoted string without escapes or `$` (so without interpolation):
    /// its bytes are its value.
    fn plain_double_quoted(&mut self) -> Option<Vec<u8>> {
        self.pos += 1;
        let start = self.pos;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' | b'$' => return None,
                _ => self.pos += 1,
            }
        }
        let s = self.src[start..self.pos].to_vec();
        self.pos += 1;
        Some(s)
    }

    /// A decimal integer or a plain float (`1.5`, `1.0E+25`); other forms go to the full parser.
    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
            self.skip_ws();
        }
        let digits_start = self.pos;
        self.skip_digits();
        let int_digits = &self.src[digits_start..self.pos];
        if int_digits.is_empty() || (int_digits[0] == b'0' && int_digits.len() > 1) {
            return None; // octal and friends
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let frac = self.pos;
            self.skip_digits();
            if self.pos == frac {
                return None;
            }
            is_float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            let exp = self.pos;
            self.skip_digits();
            if self.pos == exp {
                return None;
            }
            is_float = true;
        }
        if self.peek().is_some_and(|c| is_ident(c) || c == b'.') {
            return None;
        }
        let negative = self.src[start] == b'-';
        let text = std::str::from_utf8(&self.src[digits_start..self.pos]).ok()?;
        if is_float {
            let f: f64 = text.parse().ok()?;
            return Some(Value::Float(if negative { -f } else { f }));
        }
        // PHP parses the literal unsigned, then negates; a literal past i64 is a float.
        let magnitude: i64 = text.parse().ok()?;
        Some(Value::Int(if negative { -magnitude } else { magnitude }))
    }

    fn skip_digits(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}

fn literal_key(v: &Value) -> Option<Key> {
    match v {
        Value::Int(i) => Some(Key::Int(*i)),
        Value::Str(s) => Some(Key::from_bytes(s)),
        _ => None,
    }
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php::var_export::var_export;

    fn file_of(name: &str, v: &Value) -> Vec<u8> {
        let mut src = format!("<?php \n$aliases['{name}'] = ").into_bytes();
        src.extend(var_export(v));
        src.extend_from_slice(b";\n");
        src
    }

    #[test]
    fn reads_back_what_var_export_writes() {
        let mut inner = PhpArray::new();
        inner.set("0", "www.example.com");
        let mut rec = PhpArray::new();
        rec.set("context_type", "site");
        rec.set("it's", Value::str("a\\b'c"));
        rec.set("n", Value::Int(-42));
        rec.set("f", Value::Float(1.0e25));
        rec.set("z", Value::Float(-0.0));
        rec.set("t", true);
        rec.set("x", Value::Null);
        rec.set("aliases", Value::Array(inner));
        rec.set("empty", Value::Array(PhpArray::new()));
        let rec = Value::Array(rec);
        let parsed = parse_literal_file(&file_of("example.com", &rec)).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!(parsed[0].key, Some(Key::from("example.com")));
        assert_eq!(parsed[0].value, rec);
    }

    #[test]
    fn comments_are_skipped() {
        let src = b"<?php\n// Site x, environment dev\n# old: 'y'\n/* block\n */ $aliases['x'] = array( // k\n 'root' => '/srv/x', # r\n);";
        let parsed = parse_literal_file(src).unwrap();
        let mut want = PhpArray::new();
        want.set("root", "/srv/x");
        assert_eq!(parsed[0].value, Value::Array(want));
    }

    #[test]
    fn plain_double_quoted_strings_are_literals() {
        let parsed =
            parse_literal_file(b"<?php $aliases[\"a\"] = array(\"k\" => \"{v}'\");").unwrap();
        assert_eq!(parsed[0].key, Some(Key::from("a")));
        let mut want = PhpArray::new();
        want.set("k", "{v}'");
        assert_eq!(parsed[0].value, Value::Array(want));
    }

    #[test]
    fn anything_else_goes_to_the_full_parser() {
        for src in [
            &b"<?php $a = 'x' . 'y';"[..],
            b"<?php $a = \"x\\n\";",
            b"<?php $a = \"$x\";",
            b"<?php // c ?> x\n$a = 1;",
            b"<?php #[Attr]\n$a = 1;",
            b"<?php /* open",
            b"<?php $a = 1; ?>",
            b" <?php $a = 1;",
            b"<?php $a = 0755;",
            b"<?php $a = FOO;",
            b"<?php $a = array(1, 2",
            b"<?php $a = 99999999999999999999;",
            b"<?php $a == 1;",
            b"<?php $a = -9223372036854775807-1;",
            b"<?phpx $a = 1;",
        ] {
            assert_eq!(
                parse_literal_file(src),
                None,
                "{}",
                String::from_utf8_lossy(src)
            );
        }
    }

    #[test]
    fn apply_needs_array_targets() {
        let parsed = parse_literal_file(b"<?php $aliases['a'] = 1;").unwrap();
        let mut vars = PhpArray::new();
        assert_eq!(apply(parsed.clone(), &mut vars), None);
        vars.set("aliases", Value::Array(PhpArray::new()));
        assert_eq!(apply(parsed, &mut vars), Some(()));
        let replaced =
            parse_literal_file(b"<?php $aliases['a'] = 1; $aliases = 5; $aliases['b'] = 2;")
                .unwrap();
        assert_eq!(apply(replaced, &mut vars), None);
        let aliases = vars.get_str("aliases").unwrap().as_array().unwrap();
        assert_eq!(aliases.get_str("a"), Some(&Value::Int(1)));
    }
}
