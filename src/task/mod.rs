//! Aegir's tasks on one server: verify a server, a platform or a site, install a site,
//! back it up and delete it. Each task loads its contexts from the store, drives the services (db, http,
//! the Drupal files and installer) and reports its steps; a task that fails after it
//! made something undoes it, in reverse order, before it returns the error.

pub mod backup;
pub mod backup_delete;
pub mod clone;
pub mod delete;
pub mod deploy;
pub mod enable;
pub mod grants;
pub mod import;
pub mod install;
pub mod login;
pub mod migrate;
pub mod progress;
pub mod publish;
pub mod resolve;
pub mod restore;
pub mod undo;
pub mod verify;
pub mod web;

use crate::context::ContextError;
use crate::service::ServiceError;

/// Why a task failed. The `code` is Drush's error code hosting stores with the message.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// A context could not be loaded, or is not what the task needs.
    #[error("{0}")]
    Context(#[from] ContextError),
    /// A service operation failed.
    #[error("{0}")]
    Service(#[from] ServiceError),
    /// The task refused to start (Drush error code, message).
    #[error("{1}")]
    Refused(&'static str, String),
}

impl TaskError {
    /// Drush's error code for this error (`PROVISION_…`).
    pub fn code(&self) -> &'static str {
        match self {
            TaskError::Context(ContextError::Refused(code, _)) => code,
            TaskError::Context(_) => "PROVISION_CONTEXT_ERROR",
            TaskError::Service(ServiceError::Invalid { .. }) => "PROVISION_INVALID_INPUT",
            TaskError::Service(_) => "PROVISION_FRAMEWORK_ERROR",
            TaskError::Refused(code, _) => code,
        }
    }
}

/// Result of a task step.
pub type Result<T> = std::result::Result<T, TaskError>;
