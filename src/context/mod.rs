//! Aegir contexts (server, platform, site): the properties provision-save computes,
//! the alias files they live in, and the store that loads and checks them.

pub mod build;
pub mod mysql;
pub mod nginx;
pub mod save;
pub mod store;
pub mod view;
pub mod write;

use crate::php::{PhpArray, Value};
use std::path::{Path, PathBuf};

/// The three context types Aegir knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContextType {
    /// A machine with services (db, http).
    Server,
    /// A Drupal code base on a web server.
    Platform,
    /// A Drupal site on a platform.
    Site,
}

impl ContextType {
    /// Parses Aegir's `context_type` value.
    pub fn parse(s: &str) -> Result<ContextType, ContextError> {
        match s {
            "server" => Ok(ContextType::Server),
            "platform" => Ok(ContextType::Platform),
            "site" => Ok(ContextType::Site),
            other => Err(ContextError::Invalid(format!(
                "Unknown context type '{other}': expected server, platform or site."
            ))),
        }
    }

    /// The `context_type` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextType::Server => "server",
            ContextType::Platform => "platform",
            ContextType::Site => "site",
        }
    }
}

/// Why a context could not be loaded, built or saved.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// Bad input: a name, a uri, a type or an option.
    #[error("{0}")]
    Invalid(String),
    /// A `'@name'` reference to a context that has no alias file.
    #[error("The context {0} referenced by {1} does not exist.")]
    Missing(String, String),
    /// An alias file could not be read or evaluated.
    #[error("{0}")]
    Load(String),
    /// A file system operation failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    /// A context a task needs is missing or unusable (Drush error code, message).
    #[error("{1}")]
    Refused(&'static str, String),
}

/// Strips one leading `@` from a context name.
pub fn bare_name(name: &str) -> &str {
    name.strip_prefix('@').unwrap_or(name)
}

/// Checks that a context name (without `@`) is safe as a file name and in a shell, by
/// the rules every layer uses ([`crate::service::validate::name`]).
pub fn validate_name(name: &str) -> Result<(), ContextError> {
    crate::service::validate::name(name).map_err(|_| {
        ContextError::Invalid(format!(
            "Invalid context name '{name}': use letters, digits, '.', '_' and '-' only, starting with a letter or digit."
        ))
    })
}

/// Checks a site uri ([`crate::service::validate::uri`]): it becomes a directory name,
/// a config word and a shell word.
pub fn validate_uri(uri: &str) -> Result<(), ContextError> {
    crate::service::validate::uri(uri).map_err(|_| {
        ContextError::Invalid(format!(
            "Invalid uri '{uri}': use letters, digits, '.', '_' and '-' only, starting with a letter or digit (no '/', '..', spaces or shell characters)."
        ))
    })
}

/// Checks a server's `remote_host` ([`crate::service::validate::remote_host`]).
pub fn validate_host(host: &str) -> Result<(), ContextError> {
    crate::service::validate::remote_host(host).map_err(|_| {
        ContextError::Invalid(format!(
            "Invalid remote_host '{host}': use a host name or an IP address."
        ))
    })
}

/// Checks a server's `script_user` ([`crate::service::validate::user`]).
pub fn validate_user(user: &str) -> Result<(), ContextError> {
    crate::service::validate::user(user).map_err(|_| {
        ContextError::Invalid(format!(
            "Invalid script_user '{user}': use letters, digits, '.', '_' and '-' only."
        ))
    })
}

/// The directory alias files live in: `$HOME/.drush`.
pub fn alias_dir(home: &Path) -> PathBuf {
    home.join(".drush")
}

/// The alias file of context `name` (with or without `@`) in `dir`.
pub fn alias_file(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{}.alias.drushrc.php", bare_name(name)))
}

/// The text PHP prints for a scalar in string context (`(string)$v`); arrays give `Array`.
pub fn php_string(v: &Value) -> Vec<u8> {
    match v {
        Value::Null | Value::Bool(false) => Vec::new(),
        Value::Bool(true) => b"1".to_vec(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) => crate::php::float::php_repr(*f).into_bytes(),
        Value::Str(s) => s.clone(),
        Value::Array(_) => b"Array".to_vec(),
    }
}

/// A property of a record as text (`''` when missing).
pub fn prop_text(record: &PhpArray, key: &str) -> String {
    String::from_utf8_lossy(&record.get_str(key).map(php_string).unwrap_or_default()).into_owned()
}
