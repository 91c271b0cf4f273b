//! Drush 8 command-line conventions.

pub mod argv;
pub mod backend;
pub mod shim;
