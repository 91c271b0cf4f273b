//! `provision-install` of a site, in Aegir's order: validate → database → vhost →
//! settings → the platform's own installer → drushrc → reload. Input is checked
//! before anything is made; a failure after that takes back everything made so far,
//! in reverse (database and grants, site directory, sites.php entries, vhost, alias).

use super::grants::site_grant_hosts;
use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::ServerServices;
use super::resolve::{load_server, load_site, DbService, RunOptions, Site};
use super::undo::{Undo, UndoLog};
use super::verify::{
    db_env, inspect_platform, publish_site, read_site_drushrc, site_settings, site_vhost,
    write_platform_configs, write_site_files, Files, PlatformState, Report,
};
use super::web::{load_web, Web};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::{PhpArray, Value};
use crate::service::db::mysql::MysqlServer;
use crate::service::db::{naming, sqlite, SiteDb};
use crate::service::drupal;
use crate::service::http::{self, DbEnv};
use crate::service::installer::{self, InstallJob};
use std::path::Path;

/// What `provision-install` takes besides the site.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// Remove an installed site (database, files, vhost) and install it again.
    pub force_reinstall: bool,
    /// The install profile (default: the site's `profile`, else `standard`).
    pub profile: Option<String>,
    /// The e-mail of the site's admin account (default: the master's `admin_email`, unless
    /// its domain is an IP address, which Drupal refuses; then `admin@{uri}`).
    pub client_email: Option<String>,
}

/// Installs site `name`. Reports `login_link`, `packages`, `cron_key`, `profile` and
/// `db_name` in `context`, and the site's drushrc options in `self`.
pub fn install_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    opts: &InstallOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let plan = validate(store, &site, run, opts, p)?;
    if opts.force_reinstall && site.site_path.exists() {
        remove_installed(&site, &plan, p)?;
    }
    let mut undo = UndoLog::new();
    // What the web servers will receive is known now; if the install fails after it
    // was sent, sending it again once everything here is undone removes it there.
    let mut publish = PublishPlan::new(run.ssh.clone());
    publish_site(&site, &plan.web, Files::AsTopology, &mut publish)?;
    undo.push(Undo::Republish(publish.clone()));
    undo.push(Undo::Alias {
        dir: store.dir.clone(),
        name: site.name.clone(),
    });
    for alias in site.list("drush_aliases") {
        undo.push(Undo::Alias {
            dir: store.dir.clone(),
            name: alias,
        });
    }
    match make_site(&site, &plan, run, &mut undo, p).and_then(|report| {
        publish.send(run, p)?;
        Ok(report)
    }) {
        Ok(report) => {
            p.success(format!("Installed {}.", site.uri));
            Ok(report)
        }
        Err(e) => {
            p.warning(format!("Installing {} failed: {e}", site.uri));
            undo.roll_back(p);
            Err(e)
        }
    }
}

/// Everything the install needs, checked before anything is made.
struct Plan {
    state: PlatformState,
    web: Web,
    db: DbService,
    profile: String,
    email: String,
    web_group: Option<String>,
}

/// Refuses what would fail: an unknown profile, an installed site (without
/// `--force-reinstall`), a platform that is not a code base, a missing web or
/// database service, a SQLite database for a web server on another machine.
fn validate(
    store: &Store,
    site: &Site,
    run: &RunOptions,
    opts: &InstallOptions,
    p: &mut Progress,
) -> Result<Plan> {
    let web = load_web(store, &site.platform.web_server, run)?.ok_or_else(|| {
        refused(format!(
            "{} has no http service: the site {} needs one.",
            site.platform.web_server.name, site.uri
        ))
    })?;
    let db = site.db_server.db()?.ok_or_else(|| {
        refused(format!(
            "{} has no db service: the site {} needs one.",
            site.db_server.name, site.uri
        ))
    })?;
    if matches!(db, DbService::Sqlite) && !web.is_local() {
        return Err(refused(format!(
            "{} keeps SQLite databases in the site directory, but {} serves the site from another machine: use a MySQL db_server.",
            site.db_server.name, web.name
        )));
    }
    let state = inspect_platform(&site.platform, p)?;
    let profile = opts
        .profile
        .clone()
        .or_else(|| Some(site.text("profile")).filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "standard".into());
    if !state.scan.has_profile(&profile) {
        return Err(TaskError::Refused(
            "PROVISION_INVALID_PROFILE",
            format!(
                "The install profile '{profile}' does not exist on {}.",
                site.platform.name
            ),
        ));
    }
    if site.site_path.join("settings.php").exists() && !opts.force_reinstall {
        return Err(TaskError::Refused(
            "PROVISION_SITE_INSTALLED",
            format!(
                "{} is already installed ({}): use --force-reinstall to install it again.",
                site.uri,
                site.site_path.display()
            ),
        ));
    }
    let master = load_server(store, "@server_master").ok();
    let email = opts
        .client_email
        .clone()
        .or_else(|| master.map(|m| m.text("admin_email")))
        .filter(|e| is_deliverable(e))
        .unwrap_or_else(|| PLACEHOLDER_EMAIL.to_string());
    Ok(Plan {
        web_group: web.web_group(&site.platform.web_server),
        state,
        web,
        db,
        profile,
        email,
    })
}

/// The steps that make the site, each recorded in `undo` as it succeeds.
fn make_site(
    site: &Site,
    plan: &Plan,
    run: &RunOptions,
    undo: &mut UndoLog,
    p: &mut Progress,
) -> Result<Report> {
    make_dirs(site, plan, undo, p)?;
    let (db, mut options) = make_db(site, plan, run, undo, p)?;
    write_site_files(site, &plan.profile, plan.web_group.as_deref(), p)?;
    undo.push(Undo::SitesPhp {
        root: site.platform.root.clone(),
        uri: site.uri.clone(),
    });
    write_platform_configs(&site.platform, &plan.web, p)?;
    for member in &plan.web.members {
        http::write_site(&member.http, &site_vhost(site, &db))?;
        undo.push(Undo::Vhost {
            server: member.http.clone(),
            uri: site.uri.clone(),
            restart: member.server.is_local(),
        });
        p.step(format!(
            "Wrote {}.",
            member.http.vhost_path(&site.uri).display()
        ));
    }
    let result = run_installer(site, plan, &db, run, p)?;
    // Drupal 7's installer leaves the site directory 0555: give the site directories
    // Aegir's modes back (as Aegir's post-install verify does) before writing in it.
    drupal::create_site_dirs(&site.platform.root, &site.uri, plan.web_group.as_deref())?
        .into_iter()
        .for_each(|d| undo.push(Undo::Dir(d)));
    // The installer may have rewritten settings.php: write ours again (0440).
    drupal::write_settings(
        &site_settings(site, &result.profile),
        plan.web_group.as_deref(),
    )?;
    let packages = plan.state.scan.site_packages(
        &site.platform.root,
        &site.site_path,
        &result.profile,
        &result.system,
    );
    options.set("profile_installed", Value::Bool(true));
    options.set("installed", Value::Bool(true));
    options.set("packages", packages.clone());
    drupal::write_site_drushrc(&site.site_path, &options, plan.web_group.as_deref())?;
    p.step("Wrote the site's drushrc.php.");
    let mut context = PhpArray::new();
    context.set("login_link", Value::str(&result.login_link));
    context.set("packages", packages);
    context.set("cron_key", Value::str(&result.cron_key));
    context.set("profile", Value::str(&result.profile));
    context.set("db_name", Value::str(&db.db_name));
    Ok(Report {
        context,
        self_options: options,
    })
}

/// The site directories with Aegir's modes; a new site directory is undone whole.
fn make_dirs(site: &Site, plan: &Plan, undo: &mut UndoLog, p: &mut Progress) -> Result<()> {
    let existed = site.site_path.exists();
    let created =
        drupal::create_site_dirs(&site.platform.root, &site.uri, plan.web_group.as_deref())?;
    if existed {
        created.into_iter().for_each(|d| undo.push(Undo::Dir(d)));
    } else {
        undo.push(Undo::Dir(site.site_path.clone()));
    }
    p.step(format!("Created the site directories of {}.", site.uri));
    Ok(())
}

/// Creates the site's database and returns its settings and the drushrc options
/// Aegir records for it (`db_type, db_host, db_port, db_passwd, db_name, db_user`).
fn make_db(
    site: &Site,
    plan: &Plan,
    run: &RunOptions,
    undo: &mut UndoLog,
    p: &mut Progress,
) -> Result<(DbEnv, PhpArray)> {
    let db = match &plan.db {
        DbService::Mysql(server) => {
            let hosts = site_grant_hosts(site, &plan.web, server, &run.ssh)?;
            make_mysql_db(site, server, hosts, undo)?
        }
        DbService::Sqlite => make_sqlite_db(site, plan, undo)?,
    };
    p.step(format!(
        "Created the {} database {}.",
        db.db_type, db.db_name
    ));
    let port = site
        .db_server
        .props
        .get_str("db_port")
        .cloned()
        .unwrap_or_else(|| Value::str(&db.db_port));
    let mut options = PhpArray::new();
    options.set("db_type", Value::str(&db.db_type));
    options.set("db_host", Value::str(&db.db_host));
    options.set(
        "db_port",
        if db.db_type == "mysql" {
            port
        } else {
            Value::str("")
        },
    );
    options.set("db_passwd", Value::str(&db.db_passwd));
    options.set("db_name", Value::str(&db.db_name));
    options.set("db_user", Value::str(&db.db_user));
    Ok((db, options))
}

/// Aegir's credentials on a MySQL server, granted to `web_hosts` and 127.0.0.1.
pub(crate) fn make_mysql_db(
    site: &Site,
    server: &MysqlServer,
    web_hosts: Vec<String>,
    undo: &mut UndoLog,
) -> Result<DbEnv> {
    let db = naming::new_site_db(&site.uri, |n| server.database_exists(n))?;
    server.create_site_db(&db, &web_hosts)?;
    let env = DbEnv {
        db_type: "mysql".into(),
        db_host: site.db_server.text("remote_host"),
        db_port: server.port.to_string(),
        db_user: db.user.clone(),
        db_passwd: db.password.clone(),
        db_name: db.name.clone(),
    };
    undo.push(Undo::MysqlDb {
        server: server.clone(),
        db,
        web_hosts,
    });
    Ok(env)
}

/// Drops an installed site's MySQL database, revokes its grants on every host its
/// user has an account on and drops the user (the reverse of [`make_mysql_db`]; the
/// password is not needed).
pub(crate) fn drop_mysql_db(server: &MysqlServer, db: &DbEnv) -> Result<()> {
    let creds = SiteDb {
        name: db.db_name.clone(),
        user: db.db_user.clone(),
        password: String::new(),
    };
    let hosts = server.user_hosts(&db.db_user)?;
    Ok(server.drop_site_db(&creds, &hosts)?)
}

/// A SQLite file in the site's private directory, named as Aegir names databases.
fn make_sqlite_db(site: &Site, plan: &Plan, undo: &mut UndoLog) -> Result<DbEnv> {
    let name = naming::base_db_name(&site.uri);
    let path = sqlite::create(&site.site_path, &name, plan.web_group.as_deref())?;
    Ok(sqlite_env(site, name, &path, undo))
}

/// The settings of the SQLite file at `path`, database `name` of the site, recorded in
/// `undo`.
pub(crate) fn sqlite_env(site: &Site, name: String, path: &Path, undo: &mut UndoLog) -> DbEnv {
    undo.push(Undo::SqliteDb {
        site_path: site.site_path.clone(),
        db_name: name,
    });
    DbEnv {
        db_type: "sqlite".into(),
        db_name: path.to_string_lossy().into_owned(),
        ..DbEnv::default()
    }
}

/// Runs the platform's installer through the PHP helper; settings.php is writable
/// by its owner while it runs, as Drupal's installer requires.
fn run_installer(
    site: &Site,
    plan: &Plan,
    db: &DbEnv,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<installer::InstallResult> {
    set_mode(&site.site_path.join("settings.php"), 0o640)?;
    let (https, port) = site_address(site, plan.web.first());
    let job = InstallJob {
        root: site.platform.root.clone(),
        uri: site.uri.clone(),
        site_path: site.site_path.clone(),
        core: plan.state.core.clone(),
        profile: plan.profile.clone(),
        language: Some(site.text("language"))
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "en".into()),
        db: db.clone(),
        site_name: site.uri.clone(),
        site_mail: plan.email.clone(),
        account_name: "admin".into(),
        account_mail: plan.email.clone(),
        client_email: plan.email.clone(),
        https,
        port,
    };
    let result = installer::install(&run.php, &job)?;
    p.step(format!(
        "Installed the '{}' profile with the platform's installer.",
        plan.profile
    ));
    Ok(result)
}

/// Where visitors reach the site on web server `member`: whether over https (an
/// https-required site, `ssl_enabled` 2) and the port.
pub(crate) fn site_address(site: &Site, member: &super::web::WebMember) -> (bool, u16) {
    let https = matches!(site.text("ssl_enabled").as_str(), "2");
    let port = match (&member.http.ssl, https) {
        (Some(ssl), true) => ssl.port,
        _ => member.http.http_port,
    };
    (https, port)
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| crate::service::ServiceError::io("chmod", path, e).into())
}

/// `--force-reinstall`: drops the installed site's database, vhost and directory.
fn remove_installed(site: &Site, plan: &Plan, p: &mut Progress) -> Result<()> {
    if let Ok(options) = read_site_drushrc(site) {
        let db = db_env(&options);
        if let (DbService::Mysql(server), "mysql") = (&plan.db, db.db_type.as_str()) {
            drop_mysql_db(server, &db)?;
        }
    }
    for member in &plan.web.members {
        http::delete_site(&member.http, &site.uri)?;
    }
    drupal::remove_from_sites_php(&site.platform.root, &site.uri)?;
    std::fs::remove_dir_all(&site.site_path)
        .map_err(|e| crate::service::ServiceError::io("remove", &site.site_path, e))?;
    p.step(format!(
        "Removed the installed site {} (--force-reinstall).",
        site.uri
    ));
    Ok(())
}

/// The admin address when none usable is given, as Aegir's installer uses.
const PLACEHOLDER_EMAIL: &str = "admin@example.com";

/// True when Drupal's installer takes `email` for the admin account: one `@`, a local
/// part, and a domain that is a dotted host name (Drupal refuses the server's default
/// `admin@localhost`, and `admin@127.0.0.1` of a master saved with an IP address).
fn is_deliverable(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()))
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_INVALID_CONTEXT", message)
}

#[cfg(test)]
mod tests {
    use super::is_deliverable;

    #[test]
    fn server_defaults_are_not_deliverable() {
        for bad in [
            "admin@localhost",
            "admin@127.0.0.1",
            "admin@",
            "@example.com",
            "a@b@c.com",
            "admin@example.",
        ] {
            assert!(!is_deliverable(bad), "{bad}");
        }
        for ok in ["admin@example.com", "me@aegir.example.org"] {
            assert!(is_deliverable(ok), "{ok}");
        }
    }
}
