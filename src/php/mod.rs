//! One model of PHP values and writers that are byte-identical to PHP's own functions.

pub mod drush_export;
pub mod float;
pub mod json;
pub mod serialize;
pub mod unserialize;
pub mod value;
pub mod var_export;

pub use value::{Key, KeyError, PhpArray, Value};
