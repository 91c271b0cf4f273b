//! A site's directories with Aegir's modes and group.

use crate::fsutil;
use crate::service::error::{Result, ServiceError};
use crate::service::validate;
use std::path::{Path, PathBuf};

/// `sites/URI` and what Aegir makes in it: code dirs writable by the group (02775),
/// file dirs private to owner and web group (02770, group `web_group`).
fn layout(uri: &str) -> Vec<(String, u32, bool)> {
    let mut dirs = vec![(format!("sites/{uri}"), 0o755, false)];
    for code in ["themes", "modules", "libraries"] {
        dirs.push((format!("sites/{uri}/{code}"), 0o2775, false));
    }
    for files in [
        "files",
        "files/tmp",
        "files/images",
        "files/pictures",
        "files/css",
        "files/js",
        "files/ctools",
        "files/imagecache",
        "files/locations",
        "private",
        "private/files",
        "private/temp",
    ] {
        dirs.push((format!("sites/{uri}/{files}"), 0o2770, true));
    }
    dirs
}

/// Creates (or fixes the modes and group of) the site directories of `uri` under
/// `root`; returns the ones that did not exist before, parents first.
pub fn create_site_dirs(root: &Path, uri: &str, web_group: Option<&str>) -> Result<Vec<PathBuf>> {
    validate::uri(uri)?;
    let gid = web_group
        .map(crate::service::db::sqlite::group_id)
        .transpose()?;
    let mut created = Vec::new();
    for (rel, mode, group) in layout(uri) {
        let dir = root.join(rel);
        if !dir.exists() {
            created.push(dir.clone());
        }
        fsutil::mkdir_mode(&dir, mode)?;
        if let (true, Some(gid)) = (group, gid) {
            std::os::unix::fs::chown(&dir, None, Some(gid))
                .map_err(|e| ServiceError::io("chgrp", &dir, e))?;
        }
    }
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn modes_are_exact_and_only_new_dirs_are_reported() {
        let tmp = tempfile::tempdir().unwrap();
        let made = create_site_dirs(tmp.path(), "a.test", None).unwrap();
        assert_eq!(made.len(), layout("a.test").len());
        let mode = |p: &str| {
            std::fs::metadata(tmp.path().join(p))
                .unwrap()
                .permissions()
                .mode()
                & 0o7777
        };
        assert_eq!(mode("sites/a.test"), 0o755);
        assert_eq!(mode("sites/a.test/modules"), 0o2775);
        assert_eq!(mode("sites/a.test/files/tmp"), 0o2770);
        assert!(create_site_dirs(tmp.path(), "a.test", None)
            .unwrap()
            .is_empty());
        assert!(create_site_dirs(tmp.path(), "../x", None).is_err());
    }
}
