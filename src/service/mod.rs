//! Services on a server: the web server (`http`) and database (`db`) building blocks that
//! verify and install use. Each service renders and writes its own files and runs its own
//! programs; the inputs are plain structs, so callers build them from contexts.
//!
//! Shared pieces: [`validate`] refuses unsafe names before anything is rendered or run,
//! [`fsutil`] writes files atomically with explicit modes, [`exec`] runs programs without a
//! shell and quotes arguments where a shell is unavoidable. [`installer`] runs a platform's own
//! installer through the PHP helper `shim/drupal.php`.

pub mod db;
pub mod drupal;
pub mod error;
pub mod exec;
pub mod http;
pub mod installer;
pub mod validate;

pub use error::ServiceError;
