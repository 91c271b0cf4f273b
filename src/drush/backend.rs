//! Drush's backend protocol, callee side: options a caller posts on stdin, log
//! and error packets on stderr, and the final result block on stdout.

use crate::php::json::{json_encode, JsonFlags};
use crate::php::{Key, PhpArray, Value};
use std::io::{IsTerminal, Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// What a backend-mode command reports: its log and its errors.
#[derive(Clone, Debug, Default)]
pub struct Backend {
    log: Vec<PhpArray>,
    error_log: PhpArray,
}

impl Backend {
    /// A report with nothing logged.
    pub fn new() -> Backend {
        Backend::default()
    }

    /// Logs `message` as `kind` (`success`, `notice`, `error`, …), sending the
    /// `log` packet to stderr at once.
    pub fn log(&mut self, kind: &str, message: &str, error: Option<&str>) {
        let mut entry = PhpArray::new();
        entry.set("type", kind);
        entry.set("message", message);
        entry.set("timestamp", Value::Float(now()));
        entry.set("memory", Value::Int(memory()));
        entry.set("error", error.map(Value::str).unwrap_or(Value::Null));
        let mut packet = entry.clone();
        packet.set("packet", "log");
        send_packet(&packet);
        self.log.push(entry);
    }

    /// Records error `code` (Drush's `drush_set_error`): an `error` log entry,
    /// a `set_error` packet and an `error_log` line.
    pub fn set_error(&mut self, code: &str, message: &str) {
        self.log("error", message, Some(code));
        let mut packet = PhpArray::new();
        packet.set("error", code);
        packet.set("message", message);
        packet.set("packet", "set_error");
        send_packet(&packet);
        let list = self.error_log.entry_or_null(Key::from(code));
        if !matches!(list, Value::Array(_)) {
            *list = Value::Array(PhpArray::new());
        }
        if let Value::Array(a) = list {
            let _ = a.push(Value::str(message));
        }
    }

    /// The final block Drush prints at shutdown: `\0DRUSH_BACKEND_OUTPUT_START>>>`,
    /// the JSON of `output, error_status, log, error_log, self, context`, then
    /// `<<<DRUSH_BACKEND_OUTPUT_END` (no newline). `self_record` is the `@self`
    /// alias record; Drush leaves the `self` key out when it is empty.
    pub fn final_block(&self, output: &str, self_record: &PhpArray, context: &PhpArray) -> Vec<u8> {
        let mut data = PhpArray::new();
        data.set("output", output);
        let status = i64::from(!self.error_log.is_empty());
        data.set("error_status", Value::Int(status));
        let log = self.log.iter().cloned().map(Value::Array);
        data.set(
            "log",
            Value::Array(
                log.enumerate()
                    .map(|(i, v)| (Key::Int(i as i64), v))
                    .collect(),
            ),
        );
        data.set("error_log", Value::Array(self.error_log.clone()));
        if !self_record.is_empty() {
            data.set("self", Value::Array(self_record.clone()));
        }
        data.set("context", Value::Array(context.clone()));
        let mut out = b"\0DRUSH_BACKEND_OUTPUT_START>>>".to_vec();
        out.extend_from_slice(&encode(&Value::Array(data)));
        out.extend_from_slice(b"<<<DRUSH_BACKEND_OUTPUT_END");
        out
    }

    /// Ends a backend-mode command: writes [`Backend::final_block`] to stdout.
    pub fn finish(&self, self_record: &PhpArray, context: &PhpArray) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&self.final_block("", self_record, context));
        let _ = out.flush();
    }
}

/// `json_encode` with Drush's (default) flags; what cannot be encoded is `null`.
fn encode(v: &Value) -> Vec<u8> {
    json_encode(v, JsonFlags::default()).unwrap_or_else(|_| b"null".to_vec())
}

/// Writes `\0DRUSH_BACKEND:{json}\n\0` to stderr.
fn send_packet(packet: &PhpArray) {
    let mut bytes = b"\0DRUSH_BACKEND:".to_vec();
    bytes.extend_from_slice(&encode(&Value::Array(packet.clone())));
    bytes.extend_from_slice(b"\n\0");
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(&bytes);
    let _ = err.flush();
}

/// PHP's `microtime(TRUE)`.
fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The process's resident memory in bytes (Drush reports `memory_get_usage()`).
fn memory() -> i64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<i64>().ok())
        .map_or(0, |pages| pages * 4096)
}

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

/// A backend run's result as Drush's `drush_backend_parse_output()` gives it.
#[derive(Clone, Debug, Default)]
pub struct BackendOutput {
    /// The decoded final block (`output`, `error_status`, `log`, `context`, …).
    pub result: PhpArray,
    /// Its `log` entries.
    pub log: PhpArray,
}

/// Finds the final block in a backend run's output (`\0` packets and other text
/// around it are skipped) and decodes it; `None` without a block or with a block
/// that is not a JSON object.
pub fn parse_output(bytes: &[u8]) -> Option<BackendOutput> {
    const START: &[u8] = b"DRUSH_BACKEND_OUTPUT_START>>>";
    const END: &[u8] = b"<<<DRUSH_BACKEND_OUTPUT_END";
    let from = find(bytes, START)? + START.len();
    let len = find(&bytes[from..], END)?;
    let text = std::str::from_utf8(&bytes[from..from + len]).ok()?;
    let serde_json::Value::Object(map) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let result = object(map);
    let log = result
        .get_str("log")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Some(BackendOutput { result, log })
}

/// The first position of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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
    fn final_block_round_trips_through_the_parser() {
        let mut report = Backend::new();
        report.set_error("X_FAILED", "it broke");
        let mut bytes = b"noise\0DRUSH_BACKEND:{}\n\0".to_vec();
        bytes.extend(report.final_block("out", &PhpArray::new(), &PhpArray::new()));
        let parsed = parse_output(&bytes).unwrap();
        assert_eq!(parsed.result.get_str("error_status"), Some(&Value::Int(1)));
        assert_eq!(parsed.log.len(), 1);
        assert!(parse_output(b"no block").is_none());
        assert!(
            parse_output(b"DRUSH_BACKEND_OUTPUT_START>>>[1]<<<DRUSH_BACKEND_OUTPUT_END").is_none()
        );
    }

    #[test]
    fn non_objects_give_no_options() {
        assert!(decode_options("").is_empty());
        assert!(decode_options("[1]").is_empty());
        assert!(decode_options("nope").is_empty());
    }
}
