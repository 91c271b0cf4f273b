//! `sites/sites.php`: Drupal's map of host names to site directories, kept for every
//! site's aliases. Updates are atomic and serialized by a lock file, so two tasks on
//! one platform never lose each other's entries.

use crate::alias::{include_file, EvalOptions, Scope};
use crate::fsutil;
use crate::php::var_export::var_export;
use crate::php::{PhpArray, Value};
use crate::service::error::{Result, ServiceError};
use crate::service::validate;
use std::fs::OpenOptions;
use std::path::Path;

const HEADER: &str = "<?php \n/**\n * @file\n * Host names mapped to site directories (Drupal's multi-site aliasing), kept by\n * provision from each site's aliases; changes here are overwritten on verify.\n */\n\n";

/// Maps `uri` and each of `aliases` to `uri`, replacing the site's earlier entries.
pub fn update_sites_php(root: &Path, uri: &str, aliases: &[String]) -> Result<()> {
    validate::uri(uri)?;
    for alias in aliases {
        validate::uri(&alias.replace('/', "."))?;
    }
    edit(root, |sites| {
        let mut kept = without(sites, uri);
        // The uri maps to itself too: Backdrop only uses sites/URI/ when sites.php says so.
        kept.set(uri, Value::str(uri));
        for alias in aliases {
            kept.set(&alias.replace('/', "."), Value::str(uri));
        }
        kept
    })
}

/// Removes every entry that maps to `uri`.
pub fn remove_from_sites_php(root: &Path, uri: &str) -> Result<()> {
    validate::uri(uri)?;
    edit(root, |sites| without(sites, uri))
}

fn without(sites: &PhpArray, uri: &str) -> PhpArray {
    sites
        .iter()
        .filter(|(_, v)| v.as_bytes() != Some(uri.as_bytes()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Reads `$sites`, applies `change` and writes the result, under the lock.
fn edit(root: &Path, change: impl FnOnce(&PhpArray) -> PhpArray) -> Result<()> {
    let sites_dir = root.join("sites");
    let path = sites_dir.join("sites.php");
    let lock_path = sites_dir.join(".sites.php.lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ServiceError::io("open", &lock_path, e))?;
    lock.lock()
        .map_err(|e| ServiceError::io("lock", &lock_path, e))?;
    let current = read_sites(&path)?;
    let next = change(&current);
    if path.exists() && next == current {
        return Ok(());
    }
    let mut text = HEADER.as_bytes().to_vec();
    text.extend_from_slice(b"$sites = ");
    text.extend_from_slice(&var_export(&Value::Array(next)));
    text.extend_from_slice(b";\n");
    fsutil::write_atomic(&path, &text, 0o644)?;
    Ok(())
}

/// `$sites` as an include of the file leaves it (empty when there is no file).
fn read_sites(path: &Path) -> Result<PhpArray> {
    if !path.exists() {
        return Ok(PhpArray::new());
    }
    let mut scope = Scope::new();
    include_file(path, &mut scope, &EvalOptions::default()).map_err(|e| ServiceError::Invalid {
        what: "sites.php",
        value: format!("{}: {e}", path.display()),
        why: "cannot be read",
    })?;
    Ok(match scope.vars.get_str("sites") {
        Some(Value::Array(a)) => a.clone(),
        _ => PhpArray::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_of_other_sites_are_kept() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("sites")).unwrap();
        update_sites_php(tmp.path(), "a.test", &["www.a.test".into()]).unwrap();
        update_sites_php(
            tmp.path(),
            "b.test",
            &["www.b.test".into(), "b.test/sub".into()],
        )
        .unwrap();
        update_sites_php(tmp.path(), "a.test", &["a2.test".into()]).unwrap();
        let sites = read_sites(&tmp.path().join("sites/sites.php")).unwrap();
        let keys: Vec<String> = sites.keys().map(|k| k.to_string()).collect();
        assert_eq!(
            keys,
            ["b.test", "www.b.test", "b.test.sub", "a.test", "a2.test"]
        );
        remove_from_sites_php(tmp.path(), "b.test").unwrap();
        assert_eq!(
            read_sites(&tmp.path().join("sites/sites.php"))
                .unwrap()
                .len(),
            2
        );
        assert!(update_sites_php(tmp.path(), "x';", &[]).is_err());
    }

    #[test]
    fn concurrent_updates_lose_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("sites")).unwrap();
        std::thread::scope(|s| {
            for i in 0..20 {
                let root = tmp.path();
                s.spawn(move || {
                    let uri = format!("s{i}.test");
                    update_sites_php(root, &uri, &[format!("www.{uri}")]).unwrap();
                });
            }
        });
        let sites = read_sites(&tmp.path().join("sites/sites.php")).unwrap();
        assert_eq!(sites.len(), 40);
    }
}
