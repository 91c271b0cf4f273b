//! `provision-backup` of a site, in Aegir's tarball layout: the database dumped to
//! `database.sql` in the site directory (credentials never on a command line), then
//! `tar` of the site directory with `./` as its root, then the dump removed again.

use super::progress::Progress;
use super::resolve::{load_server, load_site, DbService, RunOptions, Site};
use super::verify::{db_env, read_site_drushrc, Report};
use super::web::{load_web, Web};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::{PhpArray, Value};
use crate::service::{exec, ServiceError};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// Backs site `name` up to `file`, or to `{backup_path}/{uri}-{Ymd.His}.tar.gz` (UTC;
/// `_N` added on a clash). The site's files are fetched from its web server first
/// when it is another machine (never from a cluster: the master's copy is the
/// reference). Reports `backup_file` and `backup_file_size` in `context`.
pub fn backup_site(
    store: &Store,
    name: &str,
    file: Option<&Path>,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    if let Some(web) = load_web(store, &site.platform.web_server, run)? {
        fetch_site_files(&site, &web, run, p)?;
    }
    let options = read_site_drushrc(&site)?;
    let db = db_env(&options);
    let target = match file {
        Some(f) => f.to_path_buf(),
        // Backups live on the site's `server` (always @server_master in Aegir).
        None => free_name(
            &load_server(store, "@server_master")?.path("backup_path")?,
            &site.uri,
            SystemTime::now(),
        ),
    };
    if target.exists() {
        return Err(TaskError::Refused(
            "PROVISION_BACKUP_EXISTS",
            format!("{} exists already: name another file.", target.display()),
        ));
    }
    let dump = site.site_path.join("database.sql");
    crate::fsutil::remove_file_if_exists(&dump).map_err(ServiceError::from)?;
    if let (Some(DbService::Mysql(server)), "mysql") = (site.db_server.db()?, db.db_type.as_str()) {
        server.dump(&db.db_name, &dump)?;
        p.step(format!(
            "Dumped the database {} to database.sql.",
            db.db_name
        ));
    }
    let tarred = tar(&site.site_path, &target);
    crate::fsutil::remove_file_if_exists(&dump).map_err(ServiceError::from)?;
    tarred?;
    let size = std::fs::metadata(&target)
        .map_err(|e| ServiceError::io("stat", &target, e))?
        .len();
    p.success(format!(
        "Backed {} up to {} ({size} bytes).",
        site.uri,
        target.display()
    ));
    let mut context = PhpArray::new();
    context.set(
        "backup_file",
        Value::str(target.to_string_lossy().as_bytes()),
    );
    context.set("backup_file_size", Value::Int(size as i64));
    Ok(Report {
        context,
        self_options: options,
    })
}

/// The directories a site's web server writes to (uploads, and modules or themes
/// installed through the site), fetched from the first member that gets code.
const FETCHED_DIRS: [&str; 5] = ["files", "private", "modules", "themes", "libraries"];

fn fetch_site_files(site: &Site, web: &Web, run: &RunOptions, p: &mut Progress) -> Result<()> {
    let Some(member) = web.code_members().next() else {
        return Ok(());
    };
    if !web.topology.fetches_site_files() || member.server.is_local() {
        return Ok(());
    }
    let host = member.server.host()?;
    let remote =
        crate::remote::Remote::new(run.ssh.clone()).map_err(super::publish::remote_error)?;
    // The directories at once, over the one ssh master: each rsync run costs a round of
    // handshakes and file lists even for an empty directory.
    let fetched: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = FETCHED_DIRS
            .iter()
            .map(|dir| {
                let (remote, host, path) = (&remote, &host, site.site_path.join(dir));
                scope.spawn(move || {
                    remote.fetch(host, &path, &crate::remote::SyncOptions::default())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a fetch thread panicked"))
            .collect()
    });
    remote.close();
    for result in fetched {
        result.map_err(super::publish::remote_error)?;
    }
    p.step(format!(
        "Fetched the site's files from {} ({}).",
        host.server, host.address
    ));
    Ok(())
}

/// `tar cpzf TARGET .` in the site directory; a partial tarball is removed.
fn tar(site_path: &Path, target: &Path) -> Result<()> {
    if let Some(dir) = target.parent() {
        crate::fsutil::mkdir_mode(dir, 0o700).map_err(ServiceError::from)?;
    }
    let mut cmd = Command::new("tar");
    cmd.arg("cpzf")
        .arg(target)
        .arg("-C")
        .arg(site_path)
        .arg(".");
    exec::run(&mut cmd, None, &[]).map(drop).map_err(|e| {
        let _ = std::fs::remove_file(target);
        TaskError::from(e)
    })
}

/// `{dir}/{uri}-{Ymd.His}.tar.gz`, or with `_1`, `_2` … before `.tar.gz` when taken.
fn free_name(dir: &Path, uri: &str, now: SystemTime) -> PathBuf {
    let stamp = ymd_his(now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    let first = dir.join(format!("{uri}-{stamp}.tar.gz"));
    std::iter::once(first.clone())
        .chain((1..).map(|i| dir.join(format!("{uri}-{stamp}_{i}.tar.gz"))))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// PHP's `date('Ymd.His')` of a Unix time, in UTC.
fn ymd_his(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}.{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_php_ymd_his_in_utc() {
        assert_eq!(ymd_his(0), "19700101.000000");
        assert_eq!(ymd_his(1_795_412_860), "20261123.054740");
        assert_eq!(ymd_his(951_782_400), "20000229.000000");
    }

    #[test]
    fn a_taken_name_gets_a_counter() {
        let tmp = tempfile::tempdir().unwrap();
        let now = UNIX_EPOCH;
        let first = free_name(tmp.path(), "a.test", now);
        assert!(first.ends_with("a.test-19700101.000000.tar.gz"));
        std::fs::write(&first, b"x").unwrap();
        assert!(free_name(tmp.path(), "a.test", now).ends_with("a.test-19700101.000000_1.tar.gz"));
    }
}
