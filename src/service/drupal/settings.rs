//! The site's `settings.php` (template `templates/drupal/settings.7.php`, for Drupal 7
//! and Backdrop): database credentials read from `$_SERVER` and then removed from it,
//! as Aegir's cloaked settings do (with utf8mb4 when the database server takes it), the
//! install profile, the site's file paths, `$conf['aegir_api']`, and the server's
//! (`global.inc`), the platform's and the site's own include files. Mode 0440, group
//! `web_group`.

use crate::fsutil;
use crate::service::error::{Result, ServiceError};
use crate::service::http::render::{render_text, Context};
use crate::service::validate;
use minijinja::Value;
use std::path::{Path, PathBuf};

const TEMPLATE_NAME: &str = "drupal/settings.7.php";
const TEMPLATE: &str = include_str!("../../../templates/drupal/settings.7.php");

/// `$conf['aegir_api']`: Aegir's `provision_api_version()`, the major number of
/// provision's version (`7.x-3.x` gives 3), which modules read to know the backend.
pub const AEGIR_API: u32 = 3;

/// What a site's `settings.php` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteSettings {
    /// The site's uri (its directory under `sites/`).
    pub uri: String,
    /// The platform root (for `sites/all/platform.settings.php`).
    pub root: PathBuf,
    /// The site's directory (for `local.settings.php`); `settings.php` goes there.
    pub site_path: PathBuf,
    /// The install profile; left out of the file when empty.
    pub profile: String,
    /// The database server takes utf8mb4 (its `utf8mb4_is_supported`): a MySQL
    /// connection gets `charset` utf8mb4 and `collation` utf8mb4_general_ci.
    pub utf8mb4: bool,
    /// The web server's `{aegir_root}/config/includes` (Aegir's `include_path`), whose
    /// `global.inc` holds settings for every site of the server; `None` leaves it out.
    pub include_path: Option<PathBuf>,
}

impl SiteSettings {
    /// Settings for site `uri` of the platform at `root`, in `root/sites/uri`.
    pub fn new(root: &Path, uri: &str, profile: &str) -> Self {
        SiteSettings {
            uri: uri.to_string(),
            root: root.to_path_buf(),
            site_path: root.join("sites").join(uri),
            profile: profile.to_string(),
            utf8mb4: false,
            include_path: None,
        }
    }
}

/// Checks what goes into the file verbatim (PHP single-quoted strings).
fn validate_settings(s: &SiteSettings) -> Result<()> {
    validate::uri(&s.uri)?;
    validate::path(&s.root)?;
    validate::path(&s.site_path)?;
    if !s.profile.is_empty() {
        validate::name(&s.profile)?;
    }
    if let Some(dir) = &s.include_path {
        validate::path(dir)?;
    }
    Ok(())
}

/// The bytes of `settings.php`.
pub fn render_settings(settings: &SiteSettings) -> Result<Vec<u8>> {
    validate_settings(settings)?;
    let text = |v: &str| Value::from(v.to_string());
    let path = |p: &Path| Value::from(p.to_string_lossy().into_owned());
    let context: Context = [
        ("uri", text(&settings.uri)),
        ("root", path(&settings.root)),
        ("site_path", path(&settings.site_path)),
        ("profile", text(&settings.profile)),
        ("utf8mb4", Value::from(settings.utf8mb4)),
        ("aegir_api", Value::from(AEGIR_API)),
        (
            "include_path",
            settings
                .include_path
                .as_deref()
                .map(path)
                .unwrap_or_default(),
        ),
    ]
    .into_iter()
    .collect();
    Ok(render_text(TEMPLATE_NAME, TEMPLATE, context)?.into_bytes())
}

/// Writes `{site_path}/settings.php` (0440, group `web_group`).
pub fn write_settings(settings: &SiteSettings, web_group: Option<&str>) -> Result<()> {
    let bytes = render_settings(settings)?;
    let path = settings.site_path.join("settings.php");
    fsutil::write_atomic(&path, &bytes, 0o440)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_site_and_refuses_unsafe_values() {
        let s = SiteSettings::new(Path::new("/srv/p"), "a.test", "standard");
        let text = String::from_utf8(render_settings(&s).unwrap()).unwrap();
        assert!(text.contains("$conf['install_profile'] = 'standard';"));
        assert!(text.contains("'sites/a.test/files'"));
        assert!(text.contains("'/srv/p/sites/a.test/local.settings.php'"));
        assert!(!text.contains("{{"));
        assert!(text.contains("$conf['aegir_api'] = 3;"));
        assert!(!text.contains("utf8mb4") && !text.contains("global.inc"));
        let mut full = s.clone();
        full.utf8mb4 = true;
        full.include_path = Some(PathBuf::from("/var/aegir/config/includes"));
        let text = String::from_utf8(render_settings(&full).unwrap()).unwrap();
        assert!(text.contains("['charset'] = 'utf8mb4';"));
        assert!(text.contains("include_once '/var/aegir/config/includes/global.inc';"));
        full.include_path = Some(PathBuf::from("/var/a'b"));
        assert!(render_settings(&full).is_err());
        let no_profile = SiteSettings::new(Path::new("/srv/p"), "a.test", "");
        let text = String::from_utf8(render_settings(&no_profile).unwrap()).unwrap();
        assert!(!text.contains("install_profile"));
        for bad in [
            SiteSettings::new(Path::new("/srv/p"), "a'.test", "standard"),
            SiteSettings::new(Path::new("/srv/p"), "a.test", "x'y"),
            SiteSettings::new(Path::new("/srv/p q"), "a.test", "standard"),
        ] {
            assert!(render_settings(&bad).is_err(), "{bad:?}");
        }
    }
}
