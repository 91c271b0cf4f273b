//! A reader for PHP's `serialize()` format, with mixed-key arrays (which
//! serde_php cannot read). Objects and references are refused with a clear error.

use super::value::{Key, PhpArray, Value};

/// Why a serialized string could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unserialize: {what} at byte {offset}")]
pub struct UnserializeError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was wrong or expected.
    pub what: String,
}

/// Reads one serialized value; trailing bytes are an error.
pub fn unserialize(input: &[u8]) -> Result<Value, UnserializeError> {
    let mut r = Reader {
        input,
        pos: 0,
        depth: 0,
    };
    let v = r.value()?;
    if r.pos != input.len() {
        return Err(r.err("end of input"));
    }
    Ok(v)
}

const MAX_DEPTH: usize = 4096;

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Reader<'_> {
    fn err(&self, expected: &str) -> UnserializeError {
        UnserializeError {
            offset: self.pos,
            what: format!("expected {expected}"),
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), UnserializeError> {
        if self.input.get(self.pos) == Some(&b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(&format!("'{}'", b as char)))
        }
    }

    /// Bytes up to (not including) `end`, consuming `end`.
    fn until(&mut self, end: u8) -> Result<&[u8], UnserializeError> {
        let rest = &self.input[self.pos..];
        let n = rest
            .iter()
            .position(|&c| c == end)
            .ok_or_else(|| self.err(&format!("'{}'", end as char)))?;
        self.pos += n + 1;
        Ok(&rest[..n])
    }

    fn int(&mut self, end: u8) -> Result<i64, UnserializeError> {
        let start = self.pos;
        let text = self.until(end)?;
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.strip_prefix('+').unwrap_or(t).parse::<i64>().ok())
            .ok_or(UnserializeError {
                offset: start,
                what: "expected an integer".into(),
            })
    }

    fn float(&mut self) -> Result<f64, UnserializeError> {
        let start = self.pos;
        let text = self.until(b';')?;
        let parsed = match text {
            b"INF" => Some(f64::INFINITY),
            b"-INF" => Some(f64::NEG_INFINITY),
            b"NAN" => Some(f64::NAN),
            _ => std::str::from_utf8(text)
                .ok()
                .and_then(|t| t.parse::<f64>().ok()),
        };
        parsed.ok_or(UnserializeError {
            offset: start,
            what: "expected a float".into(),
        })
    }

    fn string(&mut self) -> Result<Vec<u8>, UnserializeError> {
        let len = self.int(b':')?;
        let len = usize::try_from(len).map_err(|_| self.err("a string length"))?;
        self.expect(b'"')?;
        let end = self.pos.checked_add(len).filter(|&e| e <= self.input.len());
        let end = end.ok_or_else(|| self.err(&format!("{len} bytes of string")))?;
        let s = self.input[self.pos..end].to_vec();
        self.pos = end;
        self.expect(b'"')?;
        Ok(s)
    }

    fn value(&mut self) -> Result<Value, UnserializeError> {
        let tag = *self
            .input
            .get(self.pos)
            .ok_or_else(|| self.err("a value"))?;
        self.pos += 1;
        if tag == b'N' {
            self.expect(b';')?;
            return Ok(Value::Null);
        }
        self.expect(b':')?;
        match tag {
            b'b' => match self.until(b';')? {
                b"0" => Ok(Value::Bool(false)),
                b"1" => Ok(Value::Bool(true)),
                _ => Err(self.err("0 or 1")),
            },
            b'i' => Ok(Value::Int(self.int(b';')?)),
            b'd' => Ok(Value::Float(self.float()?)),
            b's' => {
                let s = self.string()?;
                self.expect(b';')?;
                Ok(Value::Str(s))
            }
            b'a' => self.array(),
            b'O' | b'C' | b'E' => Err(UnserializeError {
                offset: self.pos - 2,
                what: "objects are not supported".into(),
            }),
            b'r' | b'R' => Err(UnserializeError {
                offset: self.pos - 2,
                what: "references are not supported".into(),
            }),
            _ => Err(UnserializeError {
                offset: self.pos - 2,
                what: "unknown type tag".into(),
            }),
        }
    }

    fn key(&mut self) -> Result<Key, UnserializeError> {
        match self.value()? {
            Value::Int(i) => Ok(Key::Int(i)),
            Value::Str(s) => Ok(Key::from_bytes(&s)),
            _ => Err(self.err("an int or string key")),
        }
    }

    fn array(&mut self) -> Result<Value, UnserializeError> {
        let count = self.int(b':')?;
        self.expect(b'{')?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("less nesting"));
        }
        let mut a = PhpArray::new();
        for _ in 0..count.max(0) {
            let k = self.key()?;
            let v = self.value()?;
            a.insert(k, v);
        }
        self.expect(b'}')?;
        self.depth -= 1;
        Ok(Value::Array(a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mixed_keys_and_scalars() {
        let v = unserialize(br#"a:4:{i:0;s:1:"a";s:1:"k";d:0.1;s:1:"n";N;i:7;a:1:{i:0;b:1;}}"#)
            .unwrap();
        let a = v.as_array().unwrap();
        assert_eq!(a.len(), 4);
        assert_eq!(a.get(&Key::Int(0)), Some(&Value::str("a")));
        assert_eq!(a.get_str("k"), Some(&Value::Float(0.1)));
    }

    #[test]
    fn refuses_objects_and_garbage() {
        assert!(unserialize(b"O:8:\"stdClass\":0:{}").is_err());
        assert!(unserialize(b"s:5:\"ab\";").is_err());
        assert!(unserialize(b"a:1:{").is_err());
        assert!(unserialize(b"i:1;x").is_err());
    }
}
