//! PHP 8's conversions, arithmetic and comparisons on [`Value`]s.

use crate::php::value::float_to_int;
use crate::php::{PhpArray, Value};
use std::cmp::Ordering;

/// Receives the warnings PHP would print.
pub trait Warn {
    /// Reports one warning (without the "Warning:" prefix and location).
    fn warn(&mut self, message: &str);
}

/// A number, as arithmetic sees it.
#[derive(Clone, Copy, Debug)]
pub enum Num {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }

    fn value(self) -> Value {
        match self {
            Num::Int(i) => Value::Int(i),
            Num::Float(f) => Value::Float(f),
        }
    }
}

/// How much of a string is numeric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Numeric {
    /// The whole string (give or take surrounding whitespace).
    Full,
    /// A numeric prefix followed by other text.
    Leading,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// Reads a string as a number the way PHP 8 does.
pub fn str_number(s: &[u8]) -> Option<(Num, Numeric)> {
    let mut i = s.iter().take_while(|c| is_space(**c)).count();
    let start = i;
    if matches!(s.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut float = false;
    let mut frac = 0;
    if s.get(i) == Some(&b'.') {
        frac = s[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac > 0 {
            i += 1 + frac;
            float = true;
        }
    }
    if int_digits + frac == 0 {
        return None;
    }
    if matches!(s.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(s.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp = s[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp > 0 {
            i = j + exp;
            float = true;
        }
    }
    let text = std::str::from_utf8(&s[start..i]).ok()?;
    let num = match (float, text.parse::<i64>()) {
        (false, Ok(n)) => Num::Int(n),
        _ => Num::Float(text.parse::<f64>().ok()?),
    };
    let rest = s[i..].iter().all(|c| is_space(*c));
    Some((
        num,
        if rest {
            Numeric::Full
        } else {
            Numeric::Leading
        },
    ))
}

/// `(string)` of a float: 14 significant digits, as PHP's `precision` setting.
pub fn float_str(f: f64) -> String {
    if f.is_nan() {
        return "NAN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "INF" } else { "-INF" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.into();
    }
    let sci = format!("{:.13e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-4..14).contains(&exp) {
        let rest = if digits.len() > 1 { &digits[1..] } else { "0" };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{}.{rest}E{esign}{}", &digits[..1], exp.abs());
    }
    if exp < 0 {
        let zeros = "0".repeat((-exp - 1) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        format!("{sign}{digits}{}", "0".repeat(int_len - digits.len()))
    } else {
        format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
    }
}

/// `(string)$v`.
pub fn to_str(v: &Value, w: &mut dyn Warn) -> Vec<u8> {
    match v {
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::Bool(true) => b"1".to_vec(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) => float_str(*f).into_bytes(),
        Value::Str(s) => s.clone(),
        Value::Array(_) => {
            w.warn("Array to string conversion");
            b"Array".to_vec()
        }
    }
}

/// `(int)$v`.
pub fn to_int(v: &Value) -> i64 {
    match v {
        Value::Null => 0,
        Value::Bool(b) => *b as i64,
        Value::Int(i) => *i,
        Value::Float(f) => float_to_int(*f),
        Value::Str(s) => match str_number(s) {
            Some((Num::Int(i), _)) => i,
            Some((Num::Float(f), _)) => float_to_int(f),
            None => 0,
        },
        Value::Array(a) => !a.is_empty() as i64,
    }
}

/// `(float)$v`.
pub fn to_float(v: &Value) -> f64 {
    match v {
        Value::Float(f) => *f,
        Value::Str(s) => str_number(s).map_or(0.0, |(n, _)| n.f()),
        other => to_int(other) as f64,
    }
}

/// `(array)$v`.
pub fn to_array(v: Value) -> PhpArray {
    match v {
        Value::Array(a) => a,
        Value::Null => PhpArray::new(),
        other => {
            let mut a = PhpArray::new();
            let _ = a.push(other);
            a
        }
    }
}

/// The operand of an arithmetic operator, or PHP's TypeError message.
fn operand(
    v: &Value,
    w: &mut dyn Warn,
    op: &str,
    other: &Value,
    left: bool,
) -> Result<Num, String> {
    let unsupported = || {
        let (a, b) = if left { (v, other) } else { (other, v) };
        format!(
            "Unsupported operand types: {} {op} {}",
            a.type_name(),
            b.type_name()
        )
    };
    Ok(match v {
        Value::Null => Num::Int(0),
        Value::Bool(b) => Num::Int(*b as i64),
        Value::Int(i) => Num::Int(*i),
        Value::Float(f) => Num::Float(*f),
        Value::Str(s) => match str_number(s) {
            Some((n, Numeric::Full)) => n,
            Some((n, Numeric::Leading)) => {
                w.warn("A non-numeric value encountered");
                n
            }
            None => return Err(unsupported()),
        },
        Value::Array(_) => return Err(unsupported()),
    })
}

/// `+ - * / %` (and array union for `+`). Errors carry PHP's message.
pub fn arith(op: &str, a: &Value, b: &Value, w: &mut dyn Warn) -> Result<Value, String> {
    if let (Value::Array(x), Value::Array(y), "+") = (a, b, op) {
        return Ok(Value::Array(x.union(y)));
    }
    let x = operand(a, w, op, b, true)?;
    let y = operand(b, w, op, a, false)?;
    Ok(match (op, x, y) {
        ("%", _, _) => {
            let (x, y) = (to_int(&x.value()), to_int(&y.value()));
            if y == 0 {
                return Err("Modulo by zero".into());
            }
            Value::Int(x.wrapping_rem(y))
        }
        ("/", _, _) if y.f() == 0.0 => return Err("Division by zero".into()),
        ("/", Num::Int(i), Num::Int(j)) if j != 0 && i.checked_rem(j) == Some(0) => {
            Value::Int(i / j)
        }
        ("/", _, _) => Value::Float(x.f() / y.f()),
        (_, Num::Int(i), Num::Int(j)) => {
            let r = match op {
                "+" => i.checked_add(j),
                "-" => i.checked_sub(j),
                _ => i.checked_mul(j),
            };
            r.map_or_else(
                || Value::Float(float_op(op, i as f64, j as f64)),
                Value::Int,
            )
        }
        _ => Value::Float(float_op(op, x.f(), y.f())),
    })
}

fn float_op(op: &str, x: f64, y: f64) -> f64 {
    match op {
        "+" => x + y,
        "-" => x - y,
        _ => x * y,
    }
}

/// `-$v`.
pub fn negate(v: &Value, w: &mut dyn Warn) -> Result<Value, String> {
    arith("*", v, &Value::Int(-1), w)
}

/// `===`.
pub fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && identical(v1, v2))
        }
        (Value::Float(x), Value::Float(y)) => x == y,
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a == b,
    }
}

/// PHP 8's `<=>` for `<`, `<=`, `>`, `>=`; `None` when uncomparable (false both ways).
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::{Array, Bool, Float, Int, Null, Str};
    match (a, b) {
        (Null, Str(s)) => Some(b"".as_slice().cmp(s)),
        (Str(s), Null) => Some(s.as_slice().cmp(b"")),
        (Null | Bool(_), _) | (_, Null | Bool(_)) => Some(a.is_truthy().cmp(&b.is_truthy())),
        (Str(x), Str(y)) => match (str_number(x), str_number(y)) {
            (Some((n, Numeric::Full)), Some((m, Numeric::Full))) => num_cmp(n, m),
            _ => Some(x.cmp(y)),
        },
        (Int(_) | Float(_), Str(s)) => match str_number(s) {
            Some((m, Numeric::Full)) => num_cmp(num_of(a), m),
            _ => Some(num_text(a).as_slice().cmp(s)),
        },
        (Str(_), Int(_) | Float(_)) => compare(b, a).map(Ordering::reverse),
        (Array(x), Array(y)) => array_cmp(x, y),
        (Array(_), _) => Some(Ordering::Greater),
        (_, Array(_)) => Some(Ordering::Less),
        _ => num_cmp(num_of(a), num_of(b)),
    }
}

fn num_of(v: &Value) -> Num {
    match v {
        Value::Float(f) => Num::Float(*f),
        other => Num::Int(to_int(other)),
    }
}

fn num_text(v: &Value) -> Vec<u8> {
    match v {
        Value::Float(f) => float_str(*f).into_bytes(),
        other => to_int(other).to_string().into_bytes(),
    }
}

fn num_cmp(a: Num, b: Num) -> Option<Ordering> {
    match (a, b) {
        (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
        _ => a.f().partial_cmp(&b.f()),
    }
}

fn array_cmp(x: &PhpArray, y: &PhpArray) -> Option<Ordering> {
    if x.len() != y.len() {
        return Some(x.len().cmp(&y.len()));
    }
    for (k, v) in x.iter() {
        match compare(v, y.get(k)?)? {
            Ordering::Equal => {}
            other => return Some(other),
        }
    }
    Some(Ordering::Equal)
}
