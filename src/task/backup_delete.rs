//! `provision-backup-delete "FILE[,FILE...]"`: removes backup tarballs hosting no
//! longer lists. Only regular files inside the server's `backup_path` are removed;
//! anything else in the list refuses the whole request before a file is touched.

use super::progress::Progress;
use super::resolve::load_server;
use super::verify::Report;
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::service::ServiceError;
use std::path::{Path, PathBuf};

/// Deletes the backups named in `list` (comma separated). A file already gone is a
/// warning, as in Aegir.
pub fn delete_backups(store: &Store, list: &str, p: &mut Progress) -> Result<Report> {
    let backup_path = load_server(store, "@server_master")?.path("backup_path")?;
    let files = list
        .split(',')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| checked(&backup_path, Path::new(f)))
        .collect::<Result<Vec<_>>>()?;
    if files.is_empty() {
        return Err(refused("provision-backup-delete needs the backup files: provision @SITE provision-backup-delete FILE[,FILE...]".into()));
    }
    for file in files {
        match file {
            Found::Present(path) => {
                std::fs::remove_file(&path).map_err(|e| ServiceError::io("remove", &path, e))?;
                p.step(format!("Deleted the backup {}.", path.display()));
            }
            Found::Gone(path) => {
                p.warning(format!("The backup {} was already gone.", path.display()))
            }
        }
    }
    Ok(Report::default())
}

/// A listed backup: there to remove, or already gone.
enum Found {
    Present(PathBuf),
    Gone(PathBuf),
}

/// Refuses a file that is not a regular file directly or deeper inside `backup_path`
/// (symlinks resolved, so a link cannot point the removal elsewhere).
fn checked(backup_path: &Path, file: &Path) -> Result<Found> {
    if !file.is_absolute()
        || file
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(refused(format!(
            "{} is not an absolute path to a backup.",
            file.display()
        )));
    }
    let Ok(meta) = std::fs::symlink_metadata(file) else {
        return Ok(Found::Gone(file.to_path_buf()));
    };
    let inside = std::fs::canonicalize(backup_path)
        .ok()
        .zip(file.parent().and_then(|d| std::fs::canonicalize(d).ok()))
        .is_some_and(|(root, dir)| dir.starts_with(root));
    if !meta.is_file() || !inside {
        return Err(refused(format!(
            "{} is not a backup file in {}: nothing was deleted.",
            file.display(),
            backup_path.display()
        )));
    }
    Ok(Found::Present(file.to_path_buf()))
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_BACKUP_DELETE_INVALID", message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_backup_path() {
        let dir = tempfile::tempdir().unwrap();
        let backups = dir.path().join("backups");
        std::fs::create_dir(&backups).unwrap();
        let inside = backups.join("a.tar.gz");
        std::fs::write(&inside, b"x").unwrap();
        let outside = dir.path().join("b.tar.gz");
        std::fs::write(&outside, b"x").unwrap();
        std::os::unix::fs::symlink(&outside, backups.join("link.tar.gz")).unwrap();
        assert!(matches!(checked(&backups, &inside), Ok(Found::Present(_))));
        assert!(matches!(
            checked(&backups, &backups.join("gone.tar.gz")),
            Ok(Found::Gone(_))
        ));
        assert!(checked(&backups, &outside).is_err());
        assert!(checked(&backups, &backups.join("link.tar.gz")).is_err());
        assert!(checked(&backups, &backups.join("../b.tar.gz")).is_err());
        assert!(checked(&backups, Path::new("a.tar.gz")).is_err());
        assert!(checked(&backups, &backups).is_err());
    }
}
