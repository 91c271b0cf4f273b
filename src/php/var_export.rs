//! PHP's `var_export()`. (Placeholder signature; the writers branch implements it.)

use super::value::Value;

/// `var_export($v, TRUE)`, byte-identical to PHP 8.2.
pub fn var_export(_v: &Value) -> Vec<u8> {
    todo!("writers branch")
}
