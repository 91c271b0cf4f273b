//! The Drupal site selected with `--root`/`--uri`, as far as `sa` sees it: the
//! extra alias locations Drush searches under the root, and the local
//! multisite directories it lists (without `@`) for a valid Drupal root.
//! (Drush also finds a root from the current directory; that is not done here.)

use super::discovery::base_directory;
use super::record::uri_to_site_dir;
use crate::php::{Key, PhpArray, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// `DRUSH_SELECTED_DRUPAL_ROOT` for `--root=ROOT`: its real path, or nothing
/// when it does not exist.
pub fn selected_root(root: &str) -> Option<String> {
    if root.is_empty() {
        return None;
    }
    let real = fs::canonicalize(root).ok()?;
    Some(real.to_string_lossy().into_owned())
}

/// The locations `drush_sitealias_alias_path()` adds for a selected root:
/// `ROOT/../drush`, `ROOT/drush`, `ROOT/sites/all/drush` and the site directory
/// of `uri` (default `default`), each restricted to its `site-aliases/`.
pub fn root_alias_paths(root: &str, uri: Option<&str>) -> Vec<PathBuf> {
    let site_dir = uri_to_site_dir(uri.unwrap_or("default"));
    [
        format!("{root}/../drush"),
        format!("{root}/drush"),
        format!("{root}/sites/all/drush"),
        format!("{root}/sites/{site_dir}"),
    ]
    .iter()
    .map(|p| base_directory(Path::new(p)))
    .collect()
}

/// Drush's boot classes' `valid_root()`: a Drupal 8+, 7 or 6 code base.
pub fn is_drupal_root(root: &str) -> bool {
    let has = |p: &str| Path::new(root).join(p).exists();
    let d8 = has("autoload.php")
        && has("core/includes/common.inc")
        && has("core/core.services.yml")
        && (has("core/misc/drupal.js") || has("core/assets/js/drupal.js"));
    let d6_or_d7 = has("index.php") && has("includes/common.inc") && has("misc/drupal.js");
    Path::new(root).is_dir() && (d8 || d6_or_d7)
}

/// `_drush_sitealias_site_list()`: one record per `ROOT/sites/*/settings.php`
/// (`all` skipped), keyed by directory, `uri` = `http://DIR`.
pub fn local_sites(root: &str) -> PhpArray {
    let mut sites = PhpArray::new();
    let Ok(read) = fs::read_dir(Path::new(root).join("sites")) else {
        return sites;
    };
    let mut dirs: Vec<String> = read
        .filter_map(Result::ok)
        .filter(|e| e.path().join("settings.php").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && !matches!(name.as_str(), "all" | "CVS"))
        .collect();
    // Drush takes readdir order; sorted here for deterministic output (sa sorts anyway).
    dirs.sort();
    for dir in dirs {
        let uri = format!("http://{dir}");
        let mut record = PhpArray::new();
        record.set("root", root);
        record.set("uri", Value::str(&uri));
        sites.insert(
            Key::from(uri_to_site_dir(&uri).as_str()),
            Value::Array(record),
        );
    }
    sites
}
