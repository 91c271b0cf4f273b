//! Writing alias files: Aegir's template bytes, written atomically under a lock.

use super::{alias_file, bare_name, ContextError};
use crate::fsutil;
use crate::php::var_export::var_export;
use crate::php::{PhpArray, Value};
use std::fs::{self, File, OpenOptions};
use std::path::Path;

/// The bytes of Aegir's alias template for `name`: `<?php ` LF,
/// `$aliases['NAME'] = ` var_export `;` LF.
pub fn render_alias(name: &str, props: &PhpArray) -> Vec<u8> {
    let mut out = b"<?php \n$aliases['".to_vec();
    out.extend_from_slice(bare_name(name).as_bytes());
    out.extend_from_slice(b"'] = ");
    out.extend_from_slice(&var_export(&Value::Array(props.clone())));
    out.extend_from_slice(b";\n");
    out
}

/// An exclusive lock on one context, held until dropped. The lock file sits
/// beside the alias file (`.NAME.alias.lock`) and is never removed, so every
/// process locks the same inode.
#[derive(Debug)]
pub struct ContextLock {
    _file: File,
}

/// Takes the lock of context `name` in alias directory `dir`, waiting for it.
pub fn lock_context(dir: &Path, name: &str) -> Result<ContextLock, ContextError> {
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let path = dir.join(format!(".{}.alias.lock", bare_name(name)));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| io_err(&path, e))?;
    file.lock().map_err(|e| io_err(&path, e))?;
    Ok(ContextLock { _file: file })
}

/// Writes `bytes` to `path` atomically with Aegir's mode 0440 (see
/// [`crate::fsutil::write_atomic`]): readers see the old file or the new one,
/// never a partial one.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), ContextError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    fsutil::write_atomic(path, bytes, 0o440).map_err(|e| io_err(&e.path, e.source))
}

/// Removes temp files a killed save of `name` left in `dir`. Call it holding
/// the context's lock: no live writer of `name` has a temp file then.
pub fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{}.alias.drushrc.php.", bare_name(name));
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        if file.starts_with(&prefix) && file.ends_with(".tmp") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Writes the alias file of `name` in `dir`.
pub fn write_alias(dir: &Path, name: &str, props: &PhpArray) -> Result<(), ContextError> {
    atomic_write(&alias_file(dir, name), &render_alias(name, props))
}

/// Removes the alias file of `name` in `dir` (`provision-save --delete`);
/// a missing file is not an error.
pub fn delete_alias(dir: &Path, name: &str) -> Result<(), ContextError> {
    let path = alias_file(dir, name);
    match fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(&path, e)),
        _ => Ok(()),
    }
}

/// An I/O error naming the path.
fn io_err(path: &Path, e: std::io::Error) -> ContextError {
    ContextError::Io(path.display().to_string(), e)
}
