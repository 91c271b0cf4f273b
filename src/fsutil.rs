//! File helpers every layer uses: atomic writes with an explicit mode, directories
//! with an explicit mode, secret temp files, and random bytes from the kernel's CSPRNG.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// A file operation that failed: what was done, where, and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} {}: {source}", path.display())]
pub struct FsError {
    /// What was being done ("create", "rename", …).
    pub op: &'static str,
    /// The path it was done to.
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

impl FsError {
    fn new(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> FsError {
        FsError {
            op,
            path: path.into(),
            source,
        }
    }
}

/// Result of a file operation.
pub type Result<T> = std::result::Result<T, FsError>;

/// Fills `buf` from `/dev/urandom`.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    let path = "/dev/urandom";
    File::open(path)
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| FsError::new("read", path, e))
}

/// A random suffix for temp file names: 16 lowercase hex digits.
fn random_suffix() -> Result<String> {
    let mut buf = [0u8; 8];
    random_bytes(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `bytes` to `path` atomically: a temp file in the same directory with `mode`,
/// fsync, rename over `path`, fsync of the directory. Readers see the old or the new
/// content, never a mix.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", random_suffix()?));
    let written = write_new(&tmp, bytes, mode)
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| FsError::new("rename", path, e)));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| FsError::new("sync", dir, e))
}

/// Creates `path` (which must not exist) with `mode`, writes `bytes` and fsyncs.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| FsError::new("create", path, e))?;
    // The umask may have narrowed the mode; set it exactly.
    file.set_permissions(fs::Permissions::from_mode(mode))
        .and_then(|()| file.write_all(bytes))
        .and_then(|()| file.sync_all())
        .map_err(|e| FsError::new("write", path, e))
}

/// Creates `path` and its parents if missing, then sets `path`'s mode exactly (setgid
/// and sticky bits included).
pub fn mkdir_mode(path: &Path, mode: u32) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| FsError::new("create directory", path, e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| FsError::new("chmod", path, e))
}

/// Points the symlink `link` at `target`, replacing any file or link there atomically
/// (a temp link in the same directory renamed over it), like `ln -sf`.
pub fn symlink_atomic(target: &Path, link: &Path) -> Result<()> {
    let dir = link.parent().unwrap_or(Path::new("."));
    let file_name = link
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}.tmp", random_suffix()?));
    std::os::unix::fs::symlink(target, &tmp).map_err(|e| FsError::new("symlink", &tmp, e))?;
    fs::rename(&tmp, link).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        FsError::new("rename", link, e)
    })
}

/// Removes a file; a missing file is not an error.
pub fn remove_file_if_exists(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(FsError::new("remove", path, e)),
        _ => Ok(()),
    }
}

/// Removes the directory tree `path` a task created, with everything in it; a missing
/// tree is not an error. When the removal is refused, the directories in the tree are
/// made writable by their owner and it is tried again: an installer may have made one
/// read-only on the way (Drupal 7 leaves its site directory 0555), which stops anyone
/// but root. Only directories inside `path` change, and only this user's own.
pub fn remove_created_tree(path: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            make_dirs_writable(path);
            match fs::remove_dir_all(path) {
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                other => other,
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Adds u+rwx to `dir` and to every directory under it, never following a symlink;
/// a directory that cannot be changed (another user's) is left as it is.
fn make_dirs_writable(dir: &Path) {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o700 != 0o700 {
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(mode | 0o700));
    }
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            make_dirs_writable(&entry.path());
        }
    }
}

/// A file with secret content, mode 0600 from creation, removed when dropped.
#[derive(Debug)]
pub struct SecretFile {
    path: PathBuf,
}

impl SecretFile {
    /// Creates a new 0600 file named `{prefix}{random}` in the system temp dir holding `bytes`.
    pub fn create(prefix: &str, bytes: &[u8]) -> Result<Self> {
        let path = std::env::temp_dir().join(format!("{prefix}{}", random_suffix()?));
        write_new(&path, bytes, 0o600)?;
        Ok(SecretFile { path })
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SecretFile {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conf");
        write_atomic(&path, b"one", 0o600).unwrap();
        write_atomic(&path, b"two", 0o640).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
            0o640
        );
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn symlink_replaces_what_is_there() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("nginx.conf");
        fs::write(&link, "old file").unwrap();
        symlink_atomic(Path::new("/one"), &link).unwrap();
        symlink_atomic(Path::new("/two"), &link).unwrap();
        assert_eq!(fs::read_link(&link).unwrap(), Path::new("/two"));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn secret_file_is_private_and_removed() {
        let file = SecretFile::create("provision-test-", b"secret").unwrap();
        let path = file.path().to_path_buf();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        drop(file);
        assert!(!path.exists());
    }

    #[test]
    fn mkdir_sets_setgid_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b");
        mkdir_mode(&path, 0o2770).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o7777,
            0o2770
        );
    }
}
