//! PHP values: scalars and ordered arrays with PHP's own key rules.

use indexmap::IndexMap;
use std::fmt;

/// An array key: PHP arrays only ever hold integer or (byte) string keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Key {
    /// An integer key.
    Int(i64),
    /// A string key that is not a canonical decimal integer.
    Str(Vec<u8>),
}

impl Key {
    /// Builds a key from a string exactly as PHP does: a canonical decimal integer
    /// string in `i64` range (`"5"`, `"-3"`) becomes an int key; everything else
    /// (`"05"`, `"-0"`, `" 6"`, `"1.5"`) stays a string.
    pub fn from_bytes(s: &[u8]) -> Key {
        match canonical_int(s) {
            Some(i) => Key::Int(i),
            None => Key::Str(s.to_vec()),
        }
    }

    /// Converts a value used as an array key the way PHP does: bools become 0/1,
    /// null becomes `""`, floats truncate toward zero. Arrays cannot be keys.
    pub fn from_value(v: &Value) -> Result<Key, KeyError> {
        match v {
            Value::Null => Ok(Key::Str(Vec::new())),
            Value::Bool(b) => Ok(Key::Int(*b as i64)),
            Value::Int(i) => Ok(Key::Int(*i)),
            Value::Float(f) => Ok(Key::Int(float_to_int(*f))),
            Value::Str(s) => Ok(Key::from_bytes(s)),
            Value::Array(_) => Err(KeyError::IllegalOffset),
        }
    }

    /// The key as a PHP value (int or string).
    pub fn to_value(&self) -> Value {
        match self {
            Key::Int(i) => Value::Int(*i),
            Key::Str(s) => Value::Str(s.clone()),
        }
    }

    /// The key's text, as PHP would print it when the key is cast to string.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Key::Int(i) => i.to_string().into_bytes(),
            Key::Str(s) => s.clone(),
        }
    }
}

impl From<&str> for Key {
    fn from(s: &str) -> Key {
        Key::from_bytes(s.as_bytes())
    }
}

impl From<i64> for Key {
    fn from(i: i64) -> Key {
        Key::Int(i)
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

/// Why a value could not be used as, or appended under, an array key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// An array was used as a key (PHP: "Illegal offset type").
    #[error("Illegal offset type")]
    IllegalOffset,
    /// A key-less append after `PHP_INT_MAX` was used.
    #[error("Cannot add element to the array as the next element is already occupied")]
    NextElementOccupied,
}

/// PHP's `(int)` of a float: truncation toward zero; NaN and infinities give 0
/// and out-of-range values wrap as PHP 8 does on 64-bit platforms.
pub fn float_to_int(f: f64) -> i64 {
    if !f.is_finite() {
        return 0;
    }
    const TWO_63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO_63..TWO_63).contains(&f) {
        return f as i64;
    }
    // zend_dval_to_lval_slow: modular arithmetic over 2^64.
    let two64 = 18_446_744_073_709_551_616.0_f64;
    let mut dmod = f.trunc() % two64;
    if dmod < 0.0 {
        dmod += two64;
    }
    if dmod >= TWO_63 {
        dmod -= two64;
    }
    dmod as i64
}

/// Parses a canonical decimal integer string (PHP's `ZEND_HANDLE_NUMERIC_STR`).
fn canonical_int(s: &[u8]) -> Option<i64> {
    let digits = s.strip_prefix(b"-").unwrap_or(s);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if digits[0] == b'0' && (digits.len() > 1 || s.len() > 1) {
        return None; // "05" and "-0" stay strings
    }
    std::str::from_utf8(s).ok()?.parse::<i64>().ok()
}

/// A PHP value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A 64-bit integer.
    Int(i64),
    /// A double.
    Float(f64),
    /// A byte string (PHP strings are not necessarily UTF-8).
    Str(Vec<u8>),
    /// An ordered array.
    Array(PhpArray),
}

impl Value {
    /// A string value from Rust text.
    pub fn str(s: impl AsRef<[u8]>) -> Value {
        Value::Str(s.as_ref().to_vec())
    }

    /// The array inside, if this is an array.
    pub fn as_array(&self) -> Option<&PhpArray> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The mutable array inside, if this is an array.
    pub fn as_array_mut(&mut self) -> Option<&mut PhpArray> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The bytes inside, if this is a string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// PHP's truthiness (`(bool)$v`).
    pub fn is_truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::Str(s) => !(s.is_empty() || s == b"0"),
            Value::Array(a) => !a.is_empty(),
        }
    }

    /// PHP's `gettype()`-style name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Str(_) => "string",
            Value::Array(_) => "array",
        }
    }
}

impl From<PhpArray> for Value {
    fn from(a: PhpArray) -> Value {
        Value::Array(a)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

/// An ordered PHP array (a hash table that remembers insertion order).
#[derive(Clone, Debug, Default)]
pub struct PhpArray {
    entries: IndexMap<Key, Value, foldhash::fast::RandomState>,
    /// PHP's `nNextFreeElement`: `None` until an integer key is inserted.
    next_free: Option<i64>,
}

impl PartialEq for PhpArray {
    /// Two arrays are equal when they hold the same keys in the same order with equal values.
    fn eq(&self, other: &PhpArray) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(other.entries.iter())
                .all(|(a, b)| a == b)
    }
}

impl PhpArray {
    /// An empty array.
    pub fn new() -> PhpArray {
        PhpArray::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Looks up a key.
    pub fn get(&self, key: &Key) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Looks up a string key given as text (PHP key rules apply: `"5"` finds int 5).
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.entries.get(&Key::from(key))
    }

    /// Mutable lookup.
    pub fn get_mut(&mut self, key: &Key) -> Option<&mut Value> {
        self.entries.get_mut(key)
    }

    /// True when the key exists (even if its value is null).
    pub fn contains_key(&self, key: &Key) -> bool {
        self.entries.contains_key(key)
    }

    /// Sets `key` to `value`: an existing key is overwritten in place, a new one is appended.
    pub fn insert(&mut self, key: Key, value: Value) {
        if let Key::Int(i) = key {
            self.note_int_key(i);
        }
        self.entries.insert(key, value);
    }

    /// Sets a string-keyed element (key rules applied).
    pub fn set(&mut self, key: &str, value: impl Into<Value>) {
        self.insert(Key::from(key), value.into());
    }

    /// `$a[] = $value`: appends under PHP's next free integer key.
    pub fn push(&mut self, value: Value) -> Result<(), KeyError> {
        let key = self.next_key()?;
        self.insert(Key::Int(key), value);
        Ok(())
    }

    /// The key a key-less append would use now.
    pub fn next_key(&self) -> Result<i64, KeyError> {
        match self.next_free {
            None => Ok(0),
            Some(i) if i == i64::MAX && self.entries.contains_key(&Key::Int(i)) => {
                Err(KeyError::NextElementOccupied)
            }
            Some(i) => Ok(i),
        }
    }

    /// Mutable access to `key`, inserting `Value::Null` first when it is missing.
    pub fn entry_or_null(&mut self, key: Key) -> &mut Value {
        if !self.entries.contains_key(&key) {
            self.insert(key.clone(), Value::Null);
        }
        self.entries.get_mut(&key).expect("just inserted")
    }

    /// Removes a key, keeping the order of the others (PHP's `unset`).
    pub fn remove(&mut self, key: &Key) -> Option<Value> {
        self.entries.shift_remove(key)
    }

    /// Iterates over `(key, value)` pairs in order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &Value)> + ExactSizeIterator {
        self.entries.iter()
    }

    /// Iterates mutably over values in order.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.entries.values_mut()
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.entries.keys()
    }

    /// True when the keys are exactly 0, 1, 2, … in order (a PHP "list").
    pub fn is_list(&self) -> bool {
        self.entries
            .keys()
            .enumerate()
            .all(|(i, k)| *k == Key::Int(i as i64))
    }

    /// PHP's `array_merge` of two arrays: string keys overwrite, integer keys are renumbered.
    pub fn merge(&self, other: &PhpArray) -> PhpArray {
        let mut out = PhpArray::new();
        for (k, v) in self.iter().chain(other.iter()) {
            match k {
                Key::Int(_) => out.push(v.clone()).expect("renumbered keys never overflow"),
                Key::Str(_) => out.insert(k.clone(), v.clone()),
            }
        }
        out
    }

    /// PHP's array union `$a + $b`: keys of `other` missing from `self` are appended.
    pub fn union(&self, other: &PhpArray) -> PhpArray {
        let mut out = self.clone();
        for (k, v) in other.iter() {
            if !out.contains_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }

    fn note_int_key(&mut self, i: i64) {
        let next = if i == i64::MAX { i } else { i + 1 };
        match self.next_free {
            Some(n) if i < n => {}
            _ => self.next_free = Some(next),
        }
    }
}

impl FromIterator<(Key, Value)> for PhpArray {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> PhpArray {
        let mut a = PhpArray::new();
        for (k, v) in iter {
            a.insert(k, v);
        }
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_string_keys_follow_php() {
        assert_eq!(Key::from("5"), Key::Int(5));
        assert_eq!(Key::from("-3"), Key::Int(-3));
        assert_eq!(Key::from("0"), Key::Int(0));
        for s in [
            "05",
            "-0",
            " 6",
            "6 ",
            "1.5",
            "",
            "+1",
            "9223372036854775808",
        ] {
            assert_eq!(Key::from(s), Key::Str(s.as_bytes().to_vec()), "{s:?}");
        }
        assert_eq!(Key::from("-9223372036854775808"), Key::Int(i64::MIN));
    }

    #[test]
    fn append_after_negative_key_uses_next_integer() {
        let mut a = PhpArray::new();
        a.insert(Key::Int(-5), Value::Null);
        a.push(Value::Null).unwrap();
        assert_eq!(
            a.keys().cloned().collect::<Vec<_>>(),
            vec![Key::Int(-5), Key::Int(-4)]
        );
    }

    #[test]
    fn append_after_int_max_fails() {
        let mut a = PhpArray::new();
        a.insert(Key::Int(i64::MAX), Value::Null);
        assert_eq!(a.push(Value::Null), Err(KeyError::NextElementOccupied));
    }

    #[test]
    fn overwrite_keeps_position() {
        let mut a = PhpArray::new();
        a.insert(Key::Int(1), Value::Int(7));
        a.set("x", 1);
        a.insert(Key::from_value(&Value::Float(1.9)).unwrap(), Value::Int(9));
        assert_eq!(a.iter().next(), Some((&Key::Int(1), &Value::Int(9))));
    }
}
