//! `provision-delete` of a site or a platform on this server. A site is backed up
//! first (the tarball is kept), then its database, grants and user are dropped, its
//! vhost removed (and the web server reloaded), its sites.php entries, directory and
//! alias files removed. A platform is refused while a site uses it.

use super::backup::backup_site;
use super::install::drop_mysql_db;
use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::ServerServices;
use super::resolve::{load_platform, load_site, DbService, RunOptions};
use super::verify::{db_env, read_site_drushrc, Report};
use super::web::load_web;
use super::{Result, TaskError};
use crate::context::prop_text;
use crate::context::store::{referrers, Store};
use crate::context::write::delete_alias;
use crate::service::{drupal, http, ServiceError};

/// Deletes site `name` after a backup; reports `backup_file` and `backup_file_size`.
pub fn delete_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let options = read_site_drushrc(&site)?;
    let report = backup_site(store, name, None, run, p)?;
    let db = db_env(&options);
    if let (Some(DbService::Mysql(server)), "mysql") = (site.db_server.db()?, db.db_type.as_str()) {
        drop_mysql_db(&server, &db)?;
        p.step(format!(
            "Dropped the database {} and its grants.",
            db.db_name
        ));
    }
    let mut plan = PublishPlan::new(run.ssh.clone());
    let web = load_web(store, &site.platform.web_server, run)?;
    if let Some(web) = &web {
        for member in &web.members {
            http::delete_site(&member.http, &site.uri)?;
        }
        p.step(format!("Removed the vhost of {}.", site.uri));
    }
    drupal::remove_from_sites_php(&site.platform.root, &site.uri)?;
    std::fs::remove_dir_all(&site.site_path)
        .map_err(|e| ServiceError::io("remove", &site.site_path, e))?;
    if let Some(web) = &web {
        super::verify::publish_site(&site, web, super::verify::Files::AsTopology, &mut plan)?;
    }
    plan.send(run, p)?;
    for alias in std::iter::once(site.name.clone()).chain(site.list("drush_aliases")) {
        delete_alias(&store.dir, &alias)?;
    }
    p.success(format!("Deleted the site {}.", site.uri));
    Ok(report)
}

/// Deletes server `name` as Aegir does: nothing on the machine is removed (its alias
/// goes with the `provision-save --delete` hosting runs next). Refused while a
/// platform, site or other server refers to it.
pub fn delete_server(store: &Store, name: &str, p: &mut Progress) -> Result<Report> {
    let users = referrers(&store.load_all()?, name);
    if !users.is_empty() {
        return Err(TaskError::Refused(
            "PROVISION_SERVER_IN_USE",
            format!(
                "{name} is still used by {}: delete or move them first.",
                users.join(", ")
            ),
        ));
    }
    p.success(format!("Deleted the server {name}."));
    Ok(Report::default())
}

/// Deletes platform `name`: its web server config, its alias and its root. Refused
/// while a site context refers to it or its root holds an installed site.
pub fn delete_platform(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let platform = load_platform(store, name)?;
    let all = store.load_all()?;
    let sites: Vec<String> = referrers(&all, &platform.name)
        .into_iter()
        .filter(|n| {
            all.get(n)
                .is_some_and(|r| prop_text(r, "context_type") == "site")
        })
        .chain(drupal::find_sites(&platform.root)?)
        .collect();
    if !sites.is_empty() {
        return Err(TaskError::Refused(
            "PROVISION_PLATFORM_HAS_SITES",
            format!(
                "{} still has sites ({}): delete or migrate them first.",
                platform.name,
                sites.join(", ")
            ),
        ));
    }
    let mut plan = PublishPlan::new(run.ssh.clone());
    if let Some(web) = load_web(store, &platform.web_server, run)? {
        for member in &web.members {
            http::delete_platform(&member.http, platform.bare_name())?;
        }
        plan.remove(&web, &platform.root)?;
        plan.configs(&web)?;
        p.step(format!("Removed the config of {}.", platform.name));
    }
    delete_alias(&store.dir, &platform.name)?;
    std::fs::remove_dir_all(&platform.root)
        .map_err(|e| ServiceError::io("remove", &platform.root, e))?;
    plan.send(run, p)?;
    p.success(format!("Deleted the platform {}.", platform.name));
    Ok(Report::default())
}
