//! Alias files: the pest grammar binding, the evaluator of the PHP subset that real
//! alias files use (with a system-PHP fallback for everything else), discovery and
//! Drush 8 alias semantics.

pub mod ast;
pub mod builtins;
pub mod error;
pub mod eval;
pub mod fallback;
pub mod ops;
pub mod parser;
pub mod strings;

pub use error::AliasError;

use crate::php::{PhpArray, Value};
use std::path::Path;

/// The variables visible to an included file. Drush includes every alias file of a
/// scan inside one function scope, so variables persist from file to file.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Variable name (without `$`) → value.
    pub vars: PhpArray,
}

impl Scope {
    /// An empty scope.
    pub fn new() -> Scope {
        Scope::default()
    }

    /// Reads a variable.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get_str(name)
    }

    /// Sets a variable.
    pub fn set(&mut self, name: &str, value: Value) {
        self.vars.set(name, value);
    }

    /// Reads `$name` as an array: missing or non-array values give an empty array,
    /// as Drush's loader treats them.
    pub fn array(&self, name: &str) -> PhpArray {
        self.get(name)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    }
}

/// How alias files are evaluated.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// Evaluate files the native evaluator cannot handle with system PHP.
    pub php_fallback: bool,
    /// The PHP binary used by the fallback.
    pub php_binary: String,
}

impl Default for EvalOptions {
    fn default() -> EvalOptions {
        EvalOptions {
            php_fallback: true,
            php_binary: "php".to_string(),
        }
    }
}

/// What one include did besides changing the scope.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Included {
    /// Text the file printed (inline text outside `<?php … ?>`), which Drush echoes.
    pub output: Vec<u8>,
}

/// Includes `path` into `scope` as PHP's `include` would: natively when the file
/// stays within the supported subset, else (if allowed and `php` is installed)
/// with system PHP, printing a notice on stderr.
pub fn include_file(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<Included, AliasError> {
    match eval::include_native(path, scope, opts) {
        Err(err) if err.wants_fallback() && opts.php_fallback && fallback::php_available(opts) => {
            eprintln!("{err}");
            eprintln!(
                "notice: evaluating {} with system PHP ({})",
                path.display(),
                opts.php_binary
            );
            fallback::include_with_php(path, scope, opts)
        }
        other => other,
    }
}

/// Evaluates one file the way Drush 8's loader does: `$aliases` and `$options`
/// reset to empty arrays, the file included, both read back.
pub fn evaluate_alias_file(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<(PhpArray, PhpArray, Included), AliasError> {
    scope.set("aliases", Value::Array(PhpArray::new()));
    scope.set("options", Value::Array(PhpArray::new()));
    let included = include_file(path, scope, opts)?;
    Ok((scope.array("aliases"), scope.array("options"), included))
}
