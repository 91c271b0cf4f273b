//! TODO(parser helper): the native evaluator.

use super::{AliasError, EvalOptions, Included, Scope};
use std::path::Path;

/// Includes `path` into `scope` natively.
pub fn include_native(
    path: &Path,
    _scope: &mut Scope,
    _opts: &EvalOptions,
) -> Result<Included, AliasError> {
    Err(AliasError::Unsupported {
        path: path.to_path_buf(),
        line: 1,
        col: 1,
        construct: "native evaluator not built yet".into(),
    })
}
