//! `provision-verify` of a server, a platform or a site: make sure everything the
//! context needs on this machine exists and is current, then reload the web server.
//! Verify is idempotent: a second run writes the same bytes.

use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::ServerServices;
use super::resolve::{
    load_platform, load_server, load_site, DbService, Platform, RunOptions, Server, Site,
};
use super::web::{load_web, Web};
use super::{Result, TaskError};
use crate::alias::{evaluate_alias_file, Scope};
use crate::context::store::Store;
use crate::fsutil;
use crate::php::{PhpArray, Value};
use crate::remote::SyncOptions;
use crate::service::db::mysql::MysqlServer;
use crate::service::drupal::{self, CoreVersion, PlatformScan};
use crate::service::http::{self, ConfigCheck, DbEnv, HttpServer, PlatformVhost, SiteVhost};
use crate::service::installer;
use std::path::Path;

/// What a verify reports to hosting (`context` keys in backend output).
#[derive(Debug, Default)]
pub struct Report {
    /// Options hosting reads from `context` (`packages`, `profiles`, `sites`, `cron_key`, …).
    pub context: PhpArray,
    /// Options hosting reads from `self` (the site drushrc options, e.g. `db_name`).
    pub self_options: PhpArray,
}

/// Verifies the contexts `names` (servers, platforms, sites, in any mix) in one run:
/// each is verified here in turn, then everything the web servers must receive is
/// published once per machine, machines in parallel, with one restart each.
/// Reports the last context's report.
pub fn verify_many(
    store: &Store,
    names: &[String],
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let mut plan = PublishPlan::new(run.ssh.clone());
    let mut report = Report::default();
    for name in names {
        let record = store.load(name)?.unwrap_or_default();
        report = match crate::context::prop_text(&record, "context_type").as_str() {
            "server" => verify_server_into(store, name, run, &mut plan, p)?,
            "platform" => verify_platform_into(store, name, run, &mut plan, p)?,
            _ => verify_site_into(store, name, run, &mut plan, p)?,
        };
    }
    plan.send(run, p)?;
    Ok(report)
}

/// Verifies server `name`: its directories, its database service (a test database is
/// created and dropped) and its web server config, published to the server's machine
/// (to every member of a cluster or pack), then reloads the web server.
pub fn verify_server(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    verify_many(store, &[name.to_string()], run, p)
}

fn verify_server_into(
    store: &Store,
    name: &str,
    run: &RunOptions,
    plan: &mut PublishPlan,
    p: &mut Progress,
) -> Result<Report> {
    let server = load_server(store, name)?;
    make_server_dirs(&server, p)?;
    if let Some(DbService::Mysql(db)) = server.db()? {
        check_mysql(&db, p)?;
    }
    if let Some(web) = load_web(store, &server, run)? {
        for member in &web.members {
            if member.server.name != server.name {
                make_server_dirs(&member.server, p)?;
            }
            write_server_config(&member.server, &member.http, p)?;
            plan.config(member)?;
        }
    }
    p.success(format!("Verified the server {}.", server.name));
    Ok(Report::default())
}

/// Aegir's server directories: `config` and the server's config path and clients
/// directory 0711, backups 0700, the shared includes 0711.
fn make_server_dirs(server: &Server, p: &mut Progress) -> Result<()> {
    let root = server.path("aegir_root")?;
    let dirs = [
        (root.join("config"), 0o711),
        (server.path("config_path")?, 0o711),
        (server.path("clients_path")?, 0o711),
        (server.path("backup_path")?, 0o700),
        (server.path("include_path")?, 0o711),
    ];
    for (dir, mode) in dirs {
        fsutil::mkdir_mode(&dir, mode).map_err(crate::service::ServiceError::from)?;
    }
    p.step(format!(
        "Server directories of {} are in place.",
        server.name
    ));
    Ok(())
}

/// The database server answers and lets the admin create and drop a database.
fn check_mysql(db: &MysqlServer, p: &mut Progress) -> Result<()> {
    let master = crate::context::mysql::MasterDb {
        user: db.user.clone(),
        pass: db.password.clone(),
        host: db.host.clone(),
    };
    crate::context::mysql::check(&master, &db.port.to_string())?;
    p.step(format!(
        "The database server {}:{} can create databases.",
        db.host, db.port
    ));
    Ok(())
}

/// Writes the server config, and for this machine's server its link under
/// `{aegir_root}/config` (a remote server's web server includes its config path).
fn write_server_config(server: &Server, web: &HttpServer, p: &mut Progress) -> Result<()> {
    http::write_server(web)?;
    if server.is_local() {
        http::link_server_conf(web, &server.path("aegir_root")?)?;
    }
    p.step(format!(
        "Wrote {} and linked it.",
        web.server_conf_path().display()
    ));
    Ok(())
}

/// Runs the web server's config test (the main config given, or the one its restart
/// command allows), then its restart command.
pub(crate) fn check_and_reload(web: &HttpServer, run: &RunOptions, p: &mut Progress) -> Result<()> {
    let check = run.config_check(web);
    http::check_config(&check)?;
    http::restart(web)?;
    match check {
        ConfigCheck::None => p.step(format!("{} reloaded.", web.app.name())),
        _ => p.step(format!("{} config test passed; reloaded.", web.app.name())),
    }
    Ok(())
}

/// What a platform verify found.
pub(crate) struct PlatformState {
    pub core: CoreVersion,
    pub scan: PlatformScan,
}

/// Verifies platform `name`: the root holds a Drupal or Backdrop code base; its
/// profiles, modules and themes are scanned; `sites/all` and the platform's
/// `drushrc.php` and web server config are written; code and config are published to
/// the web servers; they reload. Reports `packages`, `profiles` and `sites` as
/// hosting reads them.
pub fn verify_platform(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    verify_many(store, &[name.to_string()], run, p)
}

fn verify_platform_into(
    store: &Store,
    name: &str,
    run: &RunOptions,
    plan: &mut PublishPlan,
    p: &mut Progress,
) -> Result<Report> {
    let platform = load_platform(store, name)?;
    let state = inspect_platform(&platform, p)?;
    let sites = drupal::find_sites(&platform.root)?;
    let mut options = PhpArray::new();
    options.set("sites", list_value(&sites));
    options.set("profiles", state.scan.profiles());
    options.set("packages", state.scan.packages());
    make_sites_all(&platform.root)?;
    drupal::write_platform_drushrc(&platform.root, &options)?;
    p.step("Wrote sites/all/drush/drushrc.php.");
    if let Some(web) = load_web(store, &platform.web_server, run)? {
        write_platform_configs(&platform, &web, p)?;
        plan.code(&web, &platform.root, SyncOptions::platform())?;
        plan.configs(&web)?;
    }
    p.success(format!("Verified the platform {}.", platform.name));
    Ok(Report {
        context: options,
        self_options: PhpArray::new(),
    })
}

/// Detects the code base and scans it.
pub(crate) fn inspect_platform(platform: &Platform, p: &mut Progress) -> Result<PlatformState> {
    let core = drupal::detect(&platform.root)?;
    p.step(format!(
        "{} runs {} {}.",
        platform.name,
        core_name(&core),
        core.version
    ));
    let scan = drupal::scan_platform(&platform.root, &core)?;
    Ok(PlatformState { core, scan })
}

/// `drupal` or `backdrop`.
pub(crate) fn core_name(core: &CoreVersion) -> &'static str {
    match core.core {
        drupal::Core::Drupal(_) => "drupal",
        drupal::Core::Backdrop(_) => "backdrop",
    }
}

/// `sites/all` and its `modules`, `themes`, `libraries` (02775) and `drush` (0755).
fn make_sites_all(root: &Path) -> Result<()> {
    let all = root.join("sites").join("all");
    fsutil::mkdir_mode(&all, 0o755).map_err(crate::service::ServiceError::from)?;
    for (dir, mode) in [
        ("modules", 0o2775),
        ("themes", 0o2775),
        ("libraries", 0o2775),
        ("drush", 0o755),
    ] {
        fsutil::mkdir_mode(&all.join(dir), mode).map_err(crate::service::ServiceError::from)?;
    }
    Ok(())
}

/// Writes, for every member of `web`, its server config if missing and
/// `platform.d/{platform}.conf`.
pub(crate) fn write_platform_configs(
    platform: &Platform,
    web: &Web,
    p: &mut Progress,
) -> Result<()> {
    web.members
        .iter()
        .try_for_each(|m| write_platform_config(platform, &m.server, &m.http, p))
}

/// Writes the server config if missing and `platform.d/{platform}.conf`.
fn write_platform_config(
    platform: &Platform,
    server: &Server,
    web: &HttpServer,
    p: &mut Progress,
) -> Result<()> {
    if !web.server_conf_path().exists() {
        write_server_config(server, web, p)?;
    }
    let vhost = PlatformVhost {
        name: platform.bare_name().to_string(),
        root: platform.root.clone(),
    };
    http::write_platform(web, &vhost)?;
    p.step(format!(
        "Wrote {}.",
        web.platform_conf_path(platform.bare_name()).display()
    ));
    Ok(())
}

/// A PHP list of strings.
pub(crate) fn list_value(items: &[String]) -> Value {
    let mut a = PhpArray::new();
    for item in items {
        let _ = a.push(Value::str(item));
    }
    Value::Array(a)
}

/// Verifies site `name`, which must be installed: its directories and modes,
/// `settings.php`, `sites/sites.php`, vhost, `drushrc.php` (with the packages the
/// site's database reports), publishes the site and the configs to its web servers,
/// which reload. Reports `packages` and `cron_key` in `context` and the drushrc
/// options (`db_name`, …) in `self`.
pub fn verify_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    verify_many(store, &[name.to_string()], run, p)
}

fn verify_site_into(
    store: &Store,
    name: &str,
    run: &RunOptions,
    plan: &mut PublishPlan,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let mut options = read_site_drushrc(&site)?;
    let db = db_env(&options);
    let state = inspect_platform(&site.platform, p)?;
    let web = load_web(store, &site.platform.web_server, run)?;
    let web_group = match &web {
        Some(web) => web.web_group(&site.platform.web_server),
        None => site.platform.web_server.web_group(),
    };
    drupal::create_site_dirs(&site.platform.root, &site.uri, web_group.as_deref())?;
    p.step(format!("Site directories of {} are in place.", site.uri));
    write_site_files(&site, &site.text("profile"), web_group.as_deref(), p)?;
    let (status, packages) = site_status(&site, &state, &db, run)?;
    options.set("packages", packages.clone());
    drupal::write_site_drushrc(&site.site_path, &options, web_group.as_deref())?;
    p.step("Wrote the site's drushrc.php.");
    if let Some(web) = &web {
        write_site_configs(&site, web, &db, p)?;
        publish_site(&site, web, Files::AsTopology, plan)?;
    }
    p.success(format!("Verified the site {}.", site.uri));
    let mut context = PhpArray::new();
    context.set("packages", packages);
    context.set("cron_key", Value::str(&status.cron_key));
    Ok(Report {
        context,
        self_options: options,
    })
}

/// What the site's database reports (cron key, enabled modules) and the packages the
/// site has, as hosting reads them.
pub(crate) fn site_status(
    site: &Site,
    state: &PlatformState,
    db: &DbEnv,
    run: &RunOptions,
) -> Result<(installer::SiteStatus, Value)> {
    let status = installer::status(
        &run.php,
        &site.platform.root,
        &site.uri,
        &site.site_path,
        &state.core,
        db,
    )?;
    let packages = state.scan.site_packages(
        &site.platform.root,
        &site.site_path,
        &status.profile,
        &status.system,
    );
    Ok((status, packages))
}

/// The options of an installed site's `drushrc.php`; a site without one is not installed.
pub(crate) fn read_site_drushrc(site: &Site) -> Result<PhpArray> {
    let path = site.site_path.join("drushrc.php");
    if !path.is_file() {
        return Err(TaskError::Refused(
            "PROVISION_SITE_NOT_INSTALLED",
            format!(
                "{} is not installed ({} is missing): run provision-install first.",
                site.uri,
                path.display()
            ),
        ));
    }
    let (_, options, _) = evaluate_alias_file(&path, &mut Scope::new(), &Default::default())
        .map_err(|e| TaskError::Refused("PROVISION_DRUSHRC_INVALID", e.to_string()))?;
    Ok(options)
}

/// The database settings a site's drushrc options hold.
pub(crate) fn db_env(options: &PhpArray) -> DbEnv {
    let text = |k: &str| crate::context::prop_text(options, k);
    DbEnv {
        db_type: text("db_type"),
        db_host: text("db_host"),
        db_port: text("db_port"),
        db_user: text("db_user"),
        db_passwd: text("db_passwd"),
        db_name: text("db_name"),
    }
}

/// The drushrc options that hold database settings `env` (the inverse of [`db_env`]).
pub(crate) fn db_options(env: &DbEnv) -> PhpArray {
    let mut options = PhpArray::new();
    for (key, value) in [
        ("db_type", &env.db_type),
        ("db_host", &env.db_host),
        ("db_port", &env.db_port),
        ("db_passwd", &env.db_passwd),
        ("db_name", &env.db_name),
        ("db_user", &env.db_user),
    ] {
        options.set(key, Value::str(value));
    }
    options
}

/// What the site's `settings.php` names, with install profile `profile`.
pub(crate) fn site_settings(site: &Site, profile: &str) -> drupal::SiteSettings {
    drupal::SiteSettings {
        uri: site.uri.clone(),
        root: site.platform.root.clone(),
        site_path: site.site_path.clone(),
        profile: profile.to_string(),
        utf8mb4: (site.db_server.props.get_str("utf8mb4_is_supported"))
            .is_some_and(Value::is_truthy),
        include_path: site
            .platform
            .web_server
            .path("aegir_root")
            .ok()
            .map(|root| root.join("config/includes")),
    }
}

/// `settings.php` (install profile `profile`) and the site's entries in `sites/sites.php`.
pub(crate) fn write_site_files(
    site: &Site,
    profile: &str,
    web_group: Option<&str>,
    p: &mut Progress,
) -> Result<()> {
    drupal::write_settings(&site_settings(site, profile), web_group)?;
    drupal::update_sites_php(&site.platform.root, &site.uri, &site.list("aliases"))?;
    p.step("Wrote settings.php and sites/sites.php.");
    Ok(())
}

/// The platform config and the site's vhost on every member of `web`.
pub(crate) fn write_site_configs(
    site: &Site,
    web: &Web,
    db: &DbEnv,
    p: &mut Progress,
) -> Result<()> {
    write_platform_configs(&site.platform, web, p)?;
    for member in &web.members {
        let vhost = site_vhost(site, db);
        match disabled_redirect(site, &member.server)? {
            None => http::write_site(&member.http, &vhost)?,
            Some(url) => http::write_disabled_site(&member.http, &vhost, &url)?,
        }
        p.step(format!(
            "Wrote {}.",
            member.http.vhost_path(&site.uri).display()
        ));
    }
    Ok(())
}

/// For a disabled site (`site_enabled` false), where its vhost on web server
/// `server` sends visitors: the server's `web_disable_url` and the site's uri
/// (Aegir's `redirect_url`). `None` for an enabled site.
pub(crate) fn disabled_redirect(site: &Site, server: &Server) -> Result<Option<String>> {
    if site_is_enabled(site) {
        return Ok(None);
    }
    let base = server.text("web_disable_url");
    let url = format!("{}/{}", base.trim_end_matches('/'), site.uri);
    crate::service::validate::url(&url).map_err(|_| {
        TaskError::Refused(
            "PROVISION_WEB_DISABLE_URL",
            format!(
                "{} is disabled, but {}'s web_disable_url '{base}' is not an http(s) URL: save the server with --master_url=http://YOUR-AEGIR.",
                site.uri, server.name
            ),
        )
    })?;
    Ok(Some(url))
}

/// True unless the site context says `site_enabled` is false.
pub(crate) fn site_is_enabled(site: &Site) -> bool {
    site.props
        .get_str("site_enabled")
        .is_none_or(Value::is_truthy)
}

/// The site directory and `sites/sites.php` to the members that get code (with the
/// site's `files/` and `private/` in a cluster, or when `Files::Push`: a deploy brings
/// them from the backup), configs and restarts to all.
pub(crate) fn publish_site(
    site: &Site,
    web: &Web,
    files: Files,
    plan: &mut PublishPlan,
) -> Result<()> {
    let with_files = files == Files::Push || web.topology.pushes_site_files();
    plan.code(web, &site.site_path, SyncOptions::site(with_files))?;
    plan.code(
        web,
        &site.platform.root.join("sites").join("sites.php"),
        SyncOptions::default(),
    )?;
    plan.configs(web)
}

/// Whether a site publish carries the site's files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Files {
    /// As the web service does: only a cluster's members get them.
    AsTopology,
    /// Always: the files came from here (a deploy), not from the web server.
    Push,
}

/// The site's vhost view.
pub(crate) fn site_vhost(site: &Site, db: &DbEnv) -> SiteVhost {
    let redirection = Some(site.text("redirection")).filter(|r| !r.is_empty() && r != "0");
    SiteVhost {
        uri: site.uri.clone(),
        root: site.platform.root.clone(),
        site_path: site.site_path.clone(),
        aliases: site.list("aliases"),
        redirection,
        db: db.clone(),
    }
}
