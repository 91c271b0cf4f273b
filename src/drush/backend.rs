//! Drush's backend protocol, callee side: options a caller posts on stdin.

use crate::php::{Key, PhpArray, Value};
use std::io::{IsTerminal, Read};

/// Reads the JSON object a POST-mode caller writes on stdin (Drush's `stdin`
/// option context), decoded as PHP's `json_decode($s, TRUE)` would. Anything
/// else on stdin (nothing, a terminal, not an object) gives no options.
pub fn read_stdin_options() -> PhpArray {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return PhpArray::new();
    }
    let mut text = String::new();
    if stdin.lock().read_to_string(&mut text).is_err() {
        return PhpArray::new();
    }
    decode_options(&text)
}

/// Decodes a JSON object into PHP options; anything else gives none.
pub fn decode_options(text: &str) -> PhpArray {
    match serde_json::from_str::<serde_json::Value>(text.trim()) {
        Ok(serde_json::Value::Object(map)) => object(map),
        _ => PhpArray::new(),
    }
}

/// A JSON object as a PHP array (numeric string keys become int keys).
fn object(map: serde_json::Map<String, serde_json::Value>) -> PhpArray {
    map.into_iter()
        .map(|(k, v)| (Key::from_bytes(k.as_bytes()), php_value(v)))
        .collect()
}

/// A JSON value as `json_decode(…, TRUE)` gives it.
fn php_value(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::str(s),
        serde_json::Value::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Key::Int(i as i64), php_value(v)))
                .collect(),
        ),
        serde_json::Value::Object(map) => Value::Array(object(map)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_keys_and_types_follow_json_decode() {
        let o = decode_options(r#"{"a":"3306","b":[1,"x"],"7":{"k":null},"f":1.5,"t":true}"#);
        assert_eq!(o.get_str("a"), Some(&Value::str("3306")));
        assert_eq!(
            o.get(&Key::Int(7))
                .and_then(Value::as_array)
                .map(|a| a.len()),
            Some(1)
        );
        assert_eq!(o.get_str("f"), Some(&Value::Float(1.5)));
        assert_eq!(o.get_str("t"), Some(&Value::Bool(true)));
        assert_eq!(
            o.get_str("b")
                .and_then(Value::as_array)
                .map(|a| a.is_list()),
            Some(true)
        );
    }

    #[test]
    fn non_objects_give_no_options() {
        assert!(decode_options("").is_empty());
        assert!(decode_options("[1]").is_empty());
        assert!(decode_options("nope").is_empty());
    }
}
