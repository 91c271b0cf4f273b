//! Errors from reading and evaluating alias files.

use std::path::PathBuf;

/// Something went wrong reading or evaluating an alias file.
#[derive(Debug, thiserror::Error)]
pub enum AliasError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid PHP (rendered with file, line, column, snippet and caret).
    #[error("{rendered}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// The full message: location, snippet, caret and what was expected.
        rendered: String,
    },
    /// Valid PHP outside the subset the native evaluator supports.
    #[error("{}:{line}:{col}: unsupported PHP construct: {construct}", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What the construct is, e.g. "closure", "function call preg_match()".
        construct: String,
    },
    /// A runtime error PHP itself would raise (e.g. "Cannot add element to the array").
    #[error("{}:{line}:{col}: {message}", path.display())]
    Runtime {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// PHP's message.
        message: String,
    },
    /// The system-PHP fallback failed.
    #[error("{}: PHP failed: {message}", path.display())]
    Php {
        /// The file.
        path: PathBuf,
        /// What PHP said, or why it could not run.
        message: String,
    },
}

impl AliasError {
    /// True for errors that system PHP might get right where the native evaluator cannot.
    pub fn wants_fallback(&self) -> bool {
        matches!(
            self,
            AliasError::Unsupported { .. } | AliasError::Syntax { .. }
        )
    }
}
