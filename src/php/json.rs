//! PHP's `json_encode()`. (Placeholder signature; the writers branch implements it.)

use super::value::Value;

/// The `JSON_*` flags that matter to Drush and Aegir.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonFlags {
    /// `JSON_PRETTY_PRINT`
    pub pretty_print: bool,
}

/// Why PHP's json_encode would return false.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct JsonError(pub String);

/// `json_encode($v, flags)`, byte-identical to PHP 8.2.
pub fn json_encode(_v: &Value, _flags: JsonFlags) -> Result<Vec<u8>, JsonError> {
    todo!("writers branch")
}
