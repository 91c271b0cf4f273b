//! The site's `settings.php` (template `templates/drupal/settings.php`): database
//! credentials read from `$_SERVER`, as Aegir's cloaked settings do, and the site's
//! file paths. Mode 0440, group `web_group`.

use crate::fsutil;
use crate::service::error::{Result, ServiceError};
use crate::service::validate;
use std::path::Path;

const TEMPLATE: &str = include_str!("../../../templates/drupal/settings.php");

/// The bytes of `settings.php` for site `uri`.
pub fn render_settings(uri: &str) -> Result<Vec<u8>> {
    validate::uri(uri)?;
    Ok(TEMPLATE.replace("{{ uri }}", uri).into_bytes())
}

/// Writes `{site_path}/settings.php` (0440, group `web_group`).
pub fn write_settings(site_path: &Path, web_group: Option<&str>) -> Result<()> {
    let uri = site_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let path = site_path.join("settings.php");
    fsutil::write_atomic(&path, &render_settings(&uri)?, 0o440)?;
    chgrp(&path, web_group)
}

/// Gives `path` the group `web_group`, when one is set.
pub(crate) fn chgrp(path: &Path, web_group: Option<&str>) -> Result<()> {
    let Some(group) = web_group else {
        return Ok(());
    };
    let gid = crate::service::db::sqlite::group_id(group)?;
    std::os::unix::fs::chown(path, None, Some(gid)).map_err(|e| ServiceError::io("chgrp", path, e))
}
