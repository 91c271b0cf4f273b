//! `provision-migrate` of a site to another platform (on the same web server or
//! another one), to another database server, or to a new name — Aegir's migrate:
//! take the site offline (its vhosts removed), back it up, save the target context,
//! deploy the backup into it (new database, paths rewritten on a rename, configs, code
//! and files published), then drop the old database and remove the old site. Until
//! that last step the old site's files and database are untouched, so a failure
//! anywhere before it takes back everything made for the target and puts the old site
//! back online as it was.

use super::backup::backup_site;
use super::deploy::{deploy_into, DeployOptions};
use super::install::drop_mysql_db;
use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::ServerServices;
use super::resolve::{load_platform, load_site, DbService, RunOptions, Site};
use super::undo::{Undo, UndoLog};
use super::verify::{db_env, publish_site, read_site_drushrc, site_vhost, Files, Report};
use super::web::load_web;
use super::{Result, TaskError};
use crate::context::build::{build, Host as MachineFacts};
use crate::context::store::Store;
use crate::context::write::{delete_alias, lock_context, write_alias};
use crate::context::{alias_file, bare_name, prop_text, validate_name, ContextType};
use crate::php::{Key, PhpArray, Value};
use crate::service::{drupal, http, ServiceError};
use serde_json::json;
use std::path::PathBuf;

/// Where a site goes.
#[derive(Clone, Debug, Default)]
pub struct MigrateOptions {
    /// The target platform (`@platform_new`).
    pub platform: String,
    /// The site's new name (`@new.example.com`), for a rename.
    pub new_name: Option<String>,
    /// The target database server (default: the site's).
    pub db_server: Option<String>,
    /// The install profile the site has on the target platform (default: its own).
    pub profile: Option<String>,
    /// The target's other host names, comma separated (default: the site's own for a
    /// migrate, none for a clone, which must not claim the source's names).
    pub aliases: Option<String>,
    /// The target's redirection (default: as the aliases).
    pub redirection: Option<String>,
}

/// Migrates site `name`. Reports `backup_file`, `backup_file_size`, `db_name`,
/// `profile`, `packages`, `cron_key`, `old_platform`, `target_name` and
/// `new_site_path` in `context`.
pub fn migrate_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    opts: &MigrateOptions,
    p: &mut Progress,
) -> Result<Report> {
    let plan = plan(store, name, opts, run)?;
    let old = load_site(store, name)?;
    let old_options = read_site_drushrc(&old)?;
    let mut undo = UndoLog::new();
    let mut backup = Report::default();
    let moved = take_offline(store, &old, &old_options, run, &mut undo, p).and_then(|()| {
        backup = backup_site(store, name, None, run, p)?;
        move_into_target(store, &old, &plan, opts, &backup, run, &mut undo, p)
    });
    let report = match moved {
        Ok(report) => report,
        Err(e) => {
            p.warning(format!(
                "Migrating {} failed: {e}. Taking back the target; the site goes back online on {}.",
                old.uri, old.platform.name
            ));
            undo.roll_back(p);
            return Err(e);
        }
    };
    remove_old_site(store, &old, &old_options, &plan, run, p);
    p.success(format!(
        "Migrated {} to {} as {}.",
        old.name, plan.platform, plan.target
    ));
    let mut context = backup.context.merge(&report.context);
    context.set("old_platform", Value::str(&old.platform.name));
    context.set("target_name", Value::str(&plan.target));
    context.set(
        "new_site_path",
        Value::str(plan.paths.1.to_string_lossy().as_ref()),
    );
    Ok(Report {
        context,
        self_options: report.self_options,
    })
}

/// What migrate and clone share once the site is backed up: the target context saved
/// and `backup` deployed into it (a new database, paths rewritten from the old uri),
/// then published to the target's web servers. Each step is recorded in `undo`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn move_into_target(
    store: &Store,
    old: &Site,
    plan: &MigratePlan,
    opts: &MigrateOptions,
    backup: &Report,
    run: &RunOptions,
    undo: &mut UndoLog,
    p: &mut Progress,
) -> Result<Report> {
    save_target(store, old, plan, opts, undo)?;
    let file = PathBuf::from(prop_text(&backup.context, "backup_file"));
    let deploy = DeployOptions {
        old_uri: Some(old.uri.clone()),
    };
    let mut publish = PublishPlan::new(run.ssh.clone());
    let report = deploy_into(
        store,
        &plan.target,
        &file,
        run,
        &deploy,
        undo,
        &mut publish,
        p,
    )?;
    publish.send(run, p)?;
    Ok(report)
}

/// Aegir's first migrate step: the site's vhosts removed from its web servers (which
/// reload), so nothing writes to it while its backup is taken and moved. Recorded in
/// `undo`: the vhosts are written back and published again, the site back online.
fn take_offline(
    store: &Store,
    site: &Site,
    options: &PhpArray,
    run: &RunOptions,
    undo: &mut UndoLog,
    p: &mut Progress,
) -> Result<()> {
    let Some(web) = load_web(store, &site.platform.web_server, run)? else {
        return Ok(());
    };
    let mut online = PublishPlan::new(run.ssh.clone());
    online.configs(&web)?;
    undo.push(Undo::Republish(online.clone()));
    let vhost = site_vhost(site, &db_env(options));
    for member in &web.members {
        undo.push(Undo::WriteVhost {
            server: member.http.clone(),
            vhost: vhost.clone(),
        });
        http::delete_site(&member.http, &site.uri)?;
    }
    online.send(run, p)?;
    p.step(format!(
        "Took {} offline for the migration (its vhosts removed).",
        site.uri
    ));
    Ok(())
}

/// What a migrate will do, checked before anything is made.
#[derive(Clone, Debug)]
pub struct MigratePlan {
    /// The site as it is (`@old`).
    pub site: String,
    /// The target context (`@new`, or the same name).
    pub target: String,
    /// The target's uri.
    pub uri: String,
    /// The target platform.
    pub platform: String,
    /// The target database server.
    pub db_server: String,
    /// The old site directory and the new one.
    pub paths: (PathBuf, PathBuf),
    /// The old and new web servers' machines (`@server (host)`).
    pub hosts: (Vec<String>, Vec<String>),
}

/// Checks a migrate and returns its plan: the site is installed, the target platform
/// exists and differs (or the name or database server does), the new name is free.
pub fn plan(
    store: &Store,
    name: &str,
    opts: &MigrateOptions,
    run: &RunOptions,
) -> Result<MigratePlan> {
    let site = load_site(store, name)?;
    read_site_drushrc(&site)?;
    let platform = load_platform(store, &opts.platform)?;
    let target = match &opts.new_name {
        Some(n) => {
            validate_name(bare_name(n))?;
            format!("@{}", bare_name(n))
        }
        None => site.name.clone(),
    };
    let uri = bare_name(&target).to_string();
    crate::service::validate::uri(&uri)?;
    let db_server = opts
        .db_server
        .clone()
        .map(|d| format!("@{}", bare_name(&d)))
        .unwrap_or_else(|| site.db_server.name.clone());
    let new_path = platform.root.join("sites").join(&uri);
    if new_path == site.site_path {
        return Err(refused(format!(
            "{} is already {} on {}: name another platform or a new name.",
            site.name,
            new_path.display(),
            platform.name
        )));
    }
    if new_path.exists() {
        return Err(refused(format!(
            "{} exists already on {}.",
            new_path.display(),
            platform.name
        )));
    }
    if target != site.name && store.load(&target)?.is_some() {
        return Err(refused(format!("The context {target} exists already.")));
    }
    let hosts_of = |server| -> Result<Vec<String>> {
        Ok(load_web(store, server, run)?
            .map(|w| {
                w.members
                    .iter()
                    .map(|m| format!("{} ({})", m.server.name, m.server.text("remote_host")))
                    .collect()
            })
            .unwrap_or_default())
    };
    Ok(MigratePlan {
        hosts: (
            hosts_of(&site.platform.web_server)?,
            hosts_of(&platform.web_server)?,
        ),
        site: site.name.clone(),
        target,
        uri,
        platform: platform.name,
        db_server,
        paths: (site.site_path.clone(), new_path),
    })
}

impl MigratePlan {
    /// The steps, in order, as people read them.
    pub fn steps(&self) -> Vec<String> {
        let (old_path, new_path) = &self.paths;
        let mut steps = vec![
            format!(
                "back up {} (database and {})",
                self.site,
                old_path.display()
            ),
            format!(
                "save {} on {} with db_server {}",
                self.target, self.platform, self.db_server
            ),
            format!(
                "deploy the backup into {}: new database on {}, unpack, {}settings, vhosts",
                new_path.display(),
                self.db_server,
                if self.target != self.site {
                    "rewrite paths to the new name, "
                } else {
                    ""
                }
            ),
            format!("publish to {} and reload", self.hosts.1.join(", ")),
            format!("drop the old database of {}", self.site),
            format!(
                "remove {} here and on {}, and its vhost",
                old_path.display(),
                self.hosts.0.join(", ")
            ),
        ];
        if self.target != self.site {
            steps.push(format!("delete the alias {}", self.site));
        }
        steps
    }

    /// The plan for scripts: site, target, platform, db server, paths, hosts, steps.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "site": self.site,
            "target": self.target,
            "uri": self.uri,
            "platform": self.platform,
            "db_server": self.db_server,
            "paths": { "from": self.paths.0, "to": self.paths.1 },
            "hosts": { "from": self.hosts.0, "to": self.hosts.1 },
            "steps": self.steps(),
        })
    }
}

/// Saves the target context: the site's properties with the new platform, uri,
/// database server and the profile, aliases and redirection `opts` names. Recorded in `undo`: a new alias is deleted, a rewritten one
/// restored byte for byte.
fn save_target(
    store: &Store,
    old: &Site,
    plan: &MigratePlan,
    opts: &MigrateOptions,
    undo: &mut UndoLog,
) -> Result<()> {
    let _lock = lock_context(&store.dir, &plan.target)?;
    let path = alias_file(&store.dir, &plan.target);
    match std::fs::read(&path) {
        Ok(bytes) => undo.push(Undo::Restore { path, bytes }),
        Err(_) => undo.push(Undo::Alias {
            dir: store.dir.clone(),
            name: plan.target.clone(),
        }),
    }
    let mut options: PhpArray = old
        .props
        .iter()
        .filter(|(k, _)| !k.to_bytes().starts_with(b"#"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    options.set("platform", Value::str(&plan.platform));
    options.set("uri", Value::str(&plan.uri));
    options.set("db_server", Value::str(&plan.db_server));
    options.remove(&Key::from_bytes(b"root"));
    options.remove(&Key::from_bytes(b"site_path"));
    if plan.target != old.name {
        options.remove(&Key::from_bytes(b"drush_aliases"));
    }
    for (key, value) in [
        ("profile", &opts.profile),
        ("aliases", &opts.aliases),
        ("redirection", &opts.redirection),
    ] {
        match value.as_deref() {
            Some("") if key == "aliases" => options.set(key, Value::Array(PhpArray::new())),
            Some("") if key == "redirection" => options.set(key, Value::Bool(false)),
            Some(value) => options.set(key, Value::str(value)),
            None => {}
        }
    }
    let record = store.load(&plan.target)?.unwrap_or_default();
    let props = build(
        &plan.target,
        ContextType::Site,
        &record,
        &options,
        &MachineFacts::default(),
        store,
    )?;
    write_alias(&store.dir, &plan.target, &props)?;
    Ok(())
}

/// The old site, once the target serves: its database dropped, its vhosts and
/// sites.php entries removed, its directory removed here and on its web servers, and
/// on a rename its alias. The site has moved by now: a failure here is a warning.
fn remove_old_site(
    store: &Store,
    old: &Site,
    options: &PhpArray,
    plan: &MigratePlan,
    run: &RunOptions,
    p: &mut Progress,
) {
    let mut removal = || -> Result<()> {
        let db = db_env(options);
        if let (Some(DbService::Mysql(server)), "mysql") =
            (old.db_server.db()?, db.db_type.as_str())
        {
            drop_mysql_db(&server, &db)?;
            p.step(format!("Dropped the old database {}.", db.db_name));
        }
        let mut publish = PublishPlan::new(run.ssh.clone());
        let new_vhosts = target_vhosts(store, plan, run)?;
        if let Some(web) = load_web(store, &old.platform.web_server, run)? {
            for member in &web.members {
                // Same name on the same web server: the vhost is the target's now.
                if !new_vhosts.contains(&member.http.vhost_path(&old.uri)) {
                    http::delete_site(&member.http, &old.uri)?;
                }
            }
            drupal::remove_from_sites_php(&old.platform.root, &old.uri)?;
            std::fs::remove_dir_all(&old.site_path)
                .map_err(|e| ServiceError::io("remove", &old.site_path, e))?;
            publish_site(old, &web, Files::AsTopology, &mut publish)?;
        }
        if plan.target != old.name {
            for alias in std::iter::once(old.name.clone()).chain(old.list("drush_aliases")) {
                delete_alias(&store.dir, &alias)?;
            }
        }
        publish.send(run, p)?;
        p.step(format!("Removed the old site {}.", old.site_path.display()));
        Ok(())
    };
    if let Err(e) = removal() {
        p.warning(format!(
            "The site has moved, but removing the old one failed: {e}. Run provision-delete on what is left."
        ));
    }
}

/// The vhost files the migrated site has on its web servers.
fn target_vhosts(store: &Store, plan: &MigratePlan, run: &RunOptions) -> Result<Vec<PathBuf>> {
    let target = load_site(store, &plan.target)?;
    Ok(load_web(store, &target.platform.web_server, run)?
        .map(|w| {
            w.members
                .iter()
                .map(|m| m.http.vhost_path(&target.uri))
                .collect()
        })
        .unwrap_or_default())
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_MIGRATE_INVALID", message)
}
