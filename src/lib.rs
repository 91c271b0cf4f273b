#![warn(missing_docs)]
//! provision: a fast, faithful Rust replacement for the Aegir hosting backend and a
//! Drush-compatible toolkit for Drush site-alias files.
//!
//! Layers, bottom up:
//! - [`php`]: one model of PHP values and PHP's own writers (var_export, serialize, json).
//! - [`alias`]: the alias-file grammar, the evaluator of the PHP subset alias files use,
//!   discovery and Drush 8 alias semantics.
//! - [`drush`]: Drush 8 command-line conventions.
//! - [`command`]: one module per command; thin wrappers over the library.
//! - [`service`]: web server and database services (configs, databases, programs).
//! - [`task`]: Aegir's tasks on one server (verify, install) over contexts and services,
//!   with rollback.
//! - [`remote`]: commands, rsync pushes and fetches on remote servers over one ssh master
//!   per server, several servers at once.

pub mod alias;
pub mod command;
pub mod context;
pub mod drush;
pub mod fsutil;
pub mod php;
pub mod remote;
pub mod service;
pub mod task;
