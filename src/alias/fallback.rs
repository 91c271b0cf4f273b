//! The faithful fallback: evaluate one alias file with system PHP through a small
//! wrapper that shares our scope (variables go in and come back serialized).

use super::{AliasError, EvalOptions, Included, Scope};
use crate::php::serialize::serialize;
use crate::php::unserialize::unserialize;
use crate::php::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;

const WRAPPER: &str = include_str!("fallback.php");

/// True when the configured PHP binary can be run (asked once per binary per process).
pub fn php_available(opts: &EvalOptions) -> bool {
    static KNOWN: Mutex<Vec<(String, bool)>> = Mutex::new(Vec::new());
    let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, ok)) = known.iter().find(|(bin, _)| *bin == opts.php_binary) {
        return *ok;
    }
    let ok = Command::new(&opts.php_binary)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    known.push((opts.php_binary.clone(), ok));
    ok
}

/// Includes `path` with system PHP, the scope's variables passed in and read back.
pub fn include_with_php(
    path: &Path,
    scope: &mut Scope,
    opts: &EvalOptions,
) -> Result<Included, AliasError> {
    let fail = |message: String| AliasError::Php {
        path: path.to_path_buf(),
        message,
    };
    let mut child = Command::new(&opts.php_binary)
        .args(["-d", "display_errors=stderr", "-d", "log_errors=0", "-r"])
        .arg(WRAPPER.trim_start_matches("<?php\n"))
        .arg("--")
        .arg(path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(format!("cannot run {}: {e}", opts.php_binary)))?;
    let input = serialize(&Value::Array(scope.vars.clone()));
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    writer
        .join()
        .expect("writer thread")
        .map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let result = unserialize(&out.stdout).map_err(|e| fail(e.to_string()))?;
    let result = result
        .as_array()
        .ok_or_else(|| fail("wrapper printed no array".into()))?;
    if let Some(Value::Array(vars)) = result.get_str("vars") {
        scope.vars = vars.clone();
    }
    let output = result
        .get_str("output")
        .and_then(Value::as_bytes)
        .unwrap_or_default()
        .to_vec();
    Ok(Included {
        output,
        pure: false,
    })
}
