//! The error every service operation returns.

use std::path::PathBuf;

/// Why a service operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An input (uri, name, path, host) was refused before anything was made.
    #[error("invalid {what} {value:?}: {why}")]
    Invalid {
        /// Which input: "uri", "platform name", "path", …
        what: &'static str,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A file system operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done: "write", "create directory", …
        op: &'static str,
        /// The path it was done to.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A program could not be started or exited unsuccessfully.
    #[error("{program} failed ({status}): {stderr}")]
    Command {
        /// The program name (never its arguments, which may hold secrets).
        program: String,
        /// Its exit status, or why it did not start.
        status: String,
        /// Its standard error, with known secrets masked.
        stderr: String,
    },
    /// A program succeeded but printed something other than what was asked for.
    #[error("{program} printed unexpected output: {why}")]
    Output {
        /// The program name.
        program: String,
        /// What was wrong with its output.
        why: String,
    },
    /// A template failed to render.
    #[error("template {name}: {message}")]
    Template {
        /// The template's name.
        name: String,
        /// The engine's message.
        message: String,
    },
    /// No free database name was found after 100 attempts.
    #[error("no free database name for {0:?} after 100 attempts")]
    NoFreeDbName(String),
}

impl ServiceError {
    /// Wraps an I/O error with what was done and where.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ServiceError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

impl From<crate::fsutil::FsError> for ServiceError {
    fn from(e: crate::fsutil::FsError) -> Self {
        ServiceError::io(e.op, e.path, e.source)
    }
}

/// Result of a service operation.
pub type Result<T> = std::result::Result<T, ServiceError>;
