//! Alias files: the pest grammar binding, the evaluator of the PHP subset that real
//! alias files use (with a system-PHP fallback for everything else), discovery and
//! Drush 8 alias semantics.

pub mod ast;
pub mod builtins;
pub mod convert;
pub mod discovery;
pub mod drupal;
pub mod error;
pub mod eval;
pub mod fallback;
pub mod list_cache;
pub mod literal;
pub mod loader;
pub mod ops;
pub mod parser;
pub mod record;
pub mod strings;
pub mod yaml;

pub use error::AliasError;

use crate::php::{Key, PhpArray, Value};
use std::path::{Path, PathBuf};

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
    /// True when the file's effect depended on its bytes alone (it took the
    /// literal fast path: no function calls, includes or environment reads).
    pub pure: bool,
}

/// Reads a file's bytes for inclusion.
pub fn read_source(path: &Path) -> Result<Vec<u8>, AliasError> {
    std::fs::read(path).map_err(|source| AliasError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Calls `each` with every path and its bytes, in order, while a background
/// thread reads ahead: the loader evaluates files one by one (they share a
/// scope) but need not wait for each read. Stops at the first error `each` returns.
pub fn for_each_source<E>(
    paths: &[PathBuf],
    mut each: impl FnMut(&Path, Result<Vec<u8>, AliasError>) -> Result<(), E>,
) -> Result<(), E> {
    if paths.len() < 64 {
        return paths.iter().try_for_each(|p| each(p, read_source(p)));
    }
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel(256);
        s.spawn(move || {
            for p in paths {
                if tx.send(read_source(p)).is_err() {
                    break; // the consumer stopped early
                }
            }
        });
        paths.iter().zip(rx).try_for_each(|(p, src)| each(p, src))
    })
}

/// Includes `path` into `scope` as PHP's `include` would.
pub fn include_file(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<Included, AliasError> {
    include_source(path, &read_source(path)?, scope, opts)
}

/// Includes the file `path` whose bytes are `src`: plain literal files (what
/// Aegir writes) by the fast path, other files by the native evaluator when they
/// stay within the supported subset, else (if allowed and `php` is installed) by
/// system PHP, with a notice on stderr.
pub fn include_source(
    path: &Path,
    src: &[u8],
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<Included, AliasError> {
    if let Some(assignments) = literal::parse_literal_file(src) {
        if literal::apply(assignments, &mut scope.vars).is_some() {
            return Ok(Included {
                output: Vec::new(),
                pure: true,
            });
        }
    }
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

/// Includes `path` the way Drush 8's loader does (`$aliases` and `$options` reset
/// to empty arrays first) and returns both variables exactly as the file left them.
pub fn include_alias_file(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<(Value, Value, Included), AliasError> {
    include_alias_source(path, &read_source(path)?, scope, opts)
}

/// [`include_alias_file`] with the file's bytes already read. Both variables are
/// moved out of the scope: the loader resets them before the next include anyway.
pub fn include_alias_source(
    path: &Path,
    src: &[u8],
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<(Value, Value, Included), AliasError> {
    scope.set("aliases", Value::Array(PhpArray::new()));
    scope.set("options", Value::Array(PhpArray::new()));
    let included = include_source(path, src, scope, opts)?;
    let mut take = |name: &str| match scope.vars.get_mut(&Key::from(name)) {
        Some(v) => std::mem::replace(v, Value::Null),
        None => Value::Null,
    };
    Ok((take("aliases"), take("options"), included))
}

/// Like [`include_alias_source`], with `$aliases` and `$options` as arrays: a
/// file that leaves either as something else defines nothing through it.
pub fn evaluate_alias_source(
    path: &Path,
    src: &[u8],
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<(PhpArray, PhpArray, Included), AliasError> {
    let (aliases, options, included) = include_alias_source(path, src, scope, opts)?;
    let array = |v: Value| match v {
        Value::Array(a) => a,
        _ => PhpArray::new(),
    };
    Ok((array(aliases), array(options), included))
}

/// [`evaluate_alias_source`] reading the file first.
pub fn evaluate_alias_file(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<(PhpArray, PhpArray, Included), AliasError> {
    evaluate_alias_source(path, &read_source(path)?, scope, opts)
}
