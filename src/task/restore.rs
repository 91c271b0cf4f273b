//! `provision-restore FILE`: puts an installed site back to a backup, as Aegir's
//! restore, but without ever losing the current state: a fresh backup is taken first,
//! the current site directory is set aside (renamed within `sites/`, never served) and
//! its database kept, the backup is deployed with a new database; only once that
//! succeeded are the old database and directory removed. On failure everything made
//! is taken back, the old directory returns and a verify puts the site back online.

use super::backup::backup_site;
use super::deploy::{deploy_site, DeployOptions};
use super::install::drop_mysql_db;
use super::progress::Progress;
use super::resolve::ServerServices;
use super::resolve::{load_site, DbService, RunOptions, Site};
use super::verify::{db_env, read_site_drushrc, verify_site, Report};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::service::ServiceError;
use std::path::{Path, PathBuf};

/// Restores site `name` from `file`. Reports the fresh backup's `backup_file` and
/// `backup_file_size` with the restored site's `db_name`, `profile`, `packages` and
/// `cron_key` in `context`.
pub fn restore_site(
    store: &Store,
    name: &str,
    file: &Path,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let old = db_env(&read_site_drushrc(&site)?);
    if !file.is_file() {
        return Err(refused(format!(
            "The backup {} does not exist.",
            file.display()
        )));
    }
    let aside = set_aside_path(&site);
    if aside.exists() {
        return Err(refused(format!(
            "{} is left from an earlier restore: look at it and remove it first.",
            aside.display()
        )));
    }
    let fresh = backup_site(store, name, None, run, p)?;
    std::fs::rename(&site.site_path, &aside)
        .map_err(|e| ServiceError::io("rename", &site.site_path, e))?;
    // A failed deploy takes back all it made before it returns.
    let report = match deploy_site(store, name, file, run, &DeployOptions::default(), p) {
        Ok(report) => report,
        Err(e) => {
            p.warning(format!(
                "Restoring {} failed: {e}. Putting the site back as it was.",
                file.display()
            ));
            put_back(store, &site, &aside, run, p);
            return Err(e);
        }
    };
    remove_old(&site, &old, &aside, p);
    p.success(format!("Restored {} from {}.", site.uri, file.display()));
    Ok(Report {
        context: fresh.context.merge(&report.context),
        self_options: report.self_options,
    })
}

/// Where the current site directory waits during a restore: beside it in `sites/`,
/// a dot name no web server serves and no platform scan takes for a site.
fn set_aside_path(site: &Site) -> PathBuf {
    site.site_path
        .with_file_name(format!(".{}.restore", site.uri))
}

/// After a failed restore: the old directory back in place and the site verified, so
/// its settings, sites.php entry and vhosts are as before.
fn put_back(store: &Store, site: &Site, aside: &Path, run: &RunOptions, p: &mut Progress) {
    if let Err(e) = std::fs::rename(aside, &site.site_path) {
        p.warning(format!(
            "Could not move {} back to {}: {e}.",
            aside.display(),
            site.site_path.display()
        ));
        return;
    }
    if let Err(e) = verify_site(store, &site.name, run, p) {
        p.warning(format!(
            "The site is back, but verifying it failed: {e}. Run provision-verify."
        ));
    }
}

/// Once the backup serves: the old database and the set-aside directory removed. The
/// site is restored by now: a failure here is a warning.
fn remove_old(site: &Site, old: &crate::service::http::DbEnv, aside: &Path, p: &mut Progress) {
    let mut removal = || -> Result<()> {
        if let (Some(DbService::Mysql(server)), "mysql") =
            (site.db_server.db()?, old.db_type.as_str())
        {
            drop_mysql_db(&server, old)?;
            p.step(format!("Dropped the old database {}.", old.db_name));
        }
        crate::fsutil::remove_created_tree(aside)
            .map_err(|e| ServiceError::io("remove", aside, e))?;
        Ok(())
    };
    if let Err(e) = removal() {
        p.warning(format!(
            "The site is restored, but removing its old state failed: {e}."
        ));
    }
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_RESTORE_INVALID", message)
}
