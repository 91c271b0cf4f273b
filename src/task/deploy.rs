//! `provision-deploy` of a backup tarball into a site context, as Aegir's deploy:
//! the tarball unpacked into the (new) site directory, a new database with new
//! credentials loaded from its `database.sql`, paths rewritten when the site was
//! renamed, `settings.php`, `drushrc.php`, `sites.php` and the vhosts written, and
//! everything published to the site's web servers. The site's alias must exist and
//! the site must not be installed. A failure takes back all of it.

use super::grants::site_grant_hosts;
use super::install::{make_mysql_db, sqlite_env};
use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::ServerServices;
use super::resolve::{load_site, DbService, RunOptions, Site};
use super::undo::{Undo, UndoLog};
use super::verify::{
    db_env, db_options, inspect_platform, publish_site, read_site_drushrc, site_status,
    write_site_configs, write_site_files, Files, Report,
};
use super::web::{load_web, Web};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::{PhpArray, Value};
use crate::service::db::{naming, sqlite};
use crate::service::drupal::{self, rewrite_database, SiteDatabase, UriRewrite};
use crate::service::http::DbEnv;
use crate::service::{exec, ServiceError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a deploy takes besides the site and the tarball.
#[derive(Clone, Debug, Default)]
pub struct DeployOptions {
    /// The uri the backup was taken of, when the site is renamed (Aegir's `--old_uri`).
    pub old_uri: Option<String>,
}

/// Deploys `file` into site `name`. Reports `db_name`, `profile`, `packages` and
/// `cron_key` in `context`, and the new drushrc options in `self`.
pub fn deploy_site(
    store: &Store,
    name: &str,
    file: &Path,
    run: &RunOptions,
    opts: &DeployOptions,
    p: &mut Progress,
) -> Result<Report> {
    let mut undo = UndoLog::new();
    let mut publish = PublishPlan::new(run.ssh.clone());
    let result =
        deploy_into(store, name, file, run, opts, &mut undo, &mut publish, p).and_then(|report| {
            publish.send(run, p)?;
            Ok(report)
        });
    match result {
        Ok(report) => {
            p.success(format!("Deployed {} into {name}.", file.display()));
            Ok(report)
        }
        Err(e) => {
            p.warning(format!("Deploying {} failed: {e}", file.display()));
            undo.roll_back(p);
            Err(e)
        }
    }
}

/// The deploy's steps, each recorded in `undo`; what the web servers must receive is
/// added to `publish` (and its removal recorded first in `undo`), for the caller to
/// send.
#[allow(clippy::too_many_arguments)]
pub(crate) fn deploy_into(
    store: &Store,
    name: &str,
    file: &Path,
    run: &RunOptions,
    opts: &DeployOptions,
    undo: &mut UndoLog,
    publish: &mut PublishPlan,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let (web, db) = validate(store, &site, file, run)?;
    let mut sent = PublishPlan::new(run.ssh.clone());
    publish_site(&site, &web, Files::Push, &mut sent)?;
    undo.push(Undo::Republish(sent));
    publish_site(&site, &web, Files::Push, publish)?;
    unpack(&site, file, undo, p)?;
    let old = read_site_drushrc(&site)?;
    let old_uri = opts.old_uri.clone().unwrap_or_else(|| site.uri.clone());
    let env = load_database(&site, &web, &db, &old, run, undo, p)?;
    rewrite_paths(&db, &env, &old_uri, &site.uri, p)?;
    let profile = Some(crate::context::prop_text(&old, "profile"))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| site.text("profile"));
    let web_group = web.web_group(&site.platform.web_server);
    drupal::create_site_dirs(&site.platform.root, &site.uri, web_group.as_deref())?;
    chgrp_writable_dirs(&site.site_path, web_group.as_deref())?;
    write_site_files(&site, &profile, web_group.as_deref(), p)?;
    undo.push(Undo::SitesPhp {
        root: site.platform.root.clone(),
        uri: site.uri.clone(),
    });
    for member in &web.members {
        undo.push(Undo::Vhost {
            server: member.http.clone(),
            uri: site.uri.clone(),
            restart: member.server.is_local(),
        });
    }
    write_site_configs(&site, &web, &env, p)?;
    let state = inspect_platform(&site.platform, p)?;
    let (status, packages) = site_status(&site, &state, &env, run)?;
    let mut options = drushrc_options(&old, &env, &profile);
    options.set("packages", packages.clone());
    drupal::write_site_drushrc(&site.site_path, &options, web_group.as_deref())?;
    p.step("Wrote the site's drushrc.php.");
    let mut context = PhpArray::new();
    context.set("db_name", Value::str(&env.db_name));
    context.set("profile", Value::str(&profile));
    context.set("packages", packages);
    context.set("cron_key", Value::str(&status.cron_key));
    Ok(Report {
        context,
        self_options: options,
    })
}

/// The site's web and db services; refuses a missing tarball, an installed site, a
/// SQLite database behind a web server on another machine.
fn validate(store: &Store, site: &Site, file: &Path, run: &RunOptions) -> Result<(Web, DbService)> {
    if !file.is_file() {
        return Err(refused(
            "PROVISION_BACKUP_MISSING",
            format!("The backup {} does not exist.", file.display()),
        ));
    }
    if site.site_path.exists() {
        return Err(refused(
            "PROVISION_SITE_INSTALLED",
            format!(
                "{} exists already: deploy into a site that is not installed.",
                site.site_path.display()
            ),
        ));
    }
    let web = load_web(store, &site.platform.web_server, run)?.ok_or_else(|| {
        refused(
            "PROVISION_INVALID_CONTEXT",
            format!("{} has no http service.", site.platform.web_server.name),
        )
    })?;
    let db = site.db_server.db()?.ok_or_else(|| {
        refused(
            "PROVISION_INVALID_CONTEXT",
            format!("{} has no db service.", site.db_server.name),
        )
    })?;
    if matches!(db, DbService::Sqlite) && !web.is_local() {
        return Err(refused(
            "PROVISION_INVALID_CONTEXT",
            format!(
                "{} keeps SQLite databases in the site directory, but {} serves the site from another machine.",
                site.db_server.name, web.name
            ),
        ));
    }
    Ok((web, db))
}

/// `gunzip -c FILE | tar pxf -` into a new site directory.
fn unpack(site: &Site, file: &Path, undo: &mut UndoLog, p: &mut Progress) -> Result<()> {
    crate::fsutil::mkdir_mode(&site.site_path, 0o755).map_err(ServiceError::from)?;
    undo.push(Undo::Dir(site.site_path.clone()));
    let mut cmd = Command::new("tar");
    cmd.arg("xpzf").arg(file).arg("-C").arg(&site.site_path);
    exec::run(&mut cmd, None, &[])?;
    p.step(format!(
        "Unpacked {} into {}.",
        file.display(),
        site.site_path.display()
    ));
    Ok(())
}

/// A new database with new credentials, loaded from the tarball's `database.sql`
/// (MySQL; the dump is removed afterwards), or the tarball's SQLite file under the
/// site's new database name.
fn load_database(
    site: &Site,
    web: &Web,
    db: &DbService,
    old: &PhpArray,
    run: &RunOptions,
    undo: &mut UndoLog,
    p: &mut Progress,
) -> Result<DbEnv> {
    let old_env = db_env(old);
    let dump = site.site_path.join("database.sql");
    let env = match db {
        DbService::Mysql(server) => {
            if !dump.is_file() {
                return Err(refused(
                    "PROVISION_BACKUP_INVALID",
                    "The backup holds no database.sql.".into(),
                ));
            }
            let hosts = site_grant_hosts(site, web, server, &run.ssh)?;
            let env = make_mysql_db(site, server, hosts, undo)?;
            server.import(&env.db_name, &dump)?;
            env
        }
        DbService::Sqlite => sqlite_from_backup(site, &old_env, undo)?,
    };
    crate::fsutil::remove_file_if_exists(&dump).map_err(ServiceError::from)?;
    p.step(format!(
        "Loaded the {} database {}.",
        env.db_type, env.db_name
    ));
    Ok(env)
}

/// The SQLite file the backup holds, moved to the name the site's uri gives it.
fn sqlite_from_backup(site: &Site, old: &DbEnv, undo: &mut UndoLog) -> Result<DbEnv> {
    let file_name = Path::new(&old.db_name)
        .file_name()
        .map(PathBuf::from)
        .filter(|_| old.db_type == "sqlite")
        .ok_or_else(|| {
            refused(
                "PROVISION_BACKUP_INVALID",
                "The backup's drushrc.php names no SQLite database.".into(),
            )
        })?;
    let unpacked = site.site_path.join("private").join("db").join(file_name);
    if !unpacked.is_file() {
        return Err(refused(
            "PROVISION_BACKUP_INVALID",
            format!("The backup holds no {}.", unpacked.display()),
        ));
    }
    let name = naming::base_db_name(&site.uri);
    let path = sqlite::db_path(&site.site_path, &name);
    if path != unpacked {
        std::fs::rename(&unpacked, &path).map_err(|e| ServiceError::io("rename", &unpacked, e))?;
    }
    Ok(sqlite_env(site, name, &path, undo))
}

/// The site's drushrc options: the backup's, with the new database settings and
/// profile, marked installed.
fn drushrc_options(old: &PhpArray, env: &DbEnv, profile: &str) -> PhpArray {
    let mut options = old.merge(&db_options(env));
    options.set("profile", Value::str(profile));
    options.set("installed", Value::Bool(true));
    options
}

/// `chgrp -R` of the directories the web server writes (`files`, `private`).
fn chgrp_writable_dirs(site_path: &Path, web_group: Option<&str>) -> Result<()> {
    let Some(group) = web_group else {
        return Ok(());
    };
    let gid = sqlite::group_id(group)?;
    for dir in ["files", "private"] {
        for entry in walkdir::WalkDir::new(site_path.join(dir))
            .into_iter()
            .flatten()
        {
            if entry.path_is_symlink() {
                continue;
            }
            std::os::unix::fs::chown(entry.path(), None, Some(gid))
                .map_err(|e| ServiceError::io("chgrp", entry.path(), e))?;
        }
    }
    Ok(())
}

/// Rewrites the paths a renamed site's database holds (`sites/OLD` → `sites/NEW`),
/// serialized variables included, as Aegir's Drupal 7 deploy does.
fn rewrite_paths(
    db: &DbService,
    env: &DbEnv,
    old_uri: &str,
    new_uri: &str,
    p: &mut Progress,
) -> Result<()> {
    let rename = UriRewrite::new(old_uri, new_uri);
    if rename.is_noop() {
        return Ok(());
    }
    let target = match db {
        DbService::Mysql(server) => SiteDatabase::Mysql {
            server: server.clone(),
            db_name: env.db_name.clone(),
        },
        DbService::Sqlite => SiteDatabase::Sqlite {
            path: PathBuf::from(&env.db_name),
        },
    };
    let report = rewrite_database(&target, &rename)?;
    p.step(format!(
        "Rewrote the paths of {old_uri} to {new_uri}: {} text column(s), {} variable(s).",
        report.columns.len(),
        report.variables.len()
    ));
    for skipped in &report.skipped {
        p.warning(format!(
            "The variable {} was left as it is: {}",
            skipped.name, skipped.reason
        ));
    }
    Ok(())
}

fn refused(code: &'static str, message: String) -> TaskError {
    TaskError::Refused(code, message)
}
