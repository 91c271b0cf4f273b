//! `provision-login-reset`: a one-time login link for an installed site's admin account,
//! made by the site's own code, returned in `context.login_link` as hosting reads it.

use super::install::site_address;
use super::progress::Progress;
use super::resolve::{load_site, RunOptions};
use super::verify::{db_env, read_site_drushrc, Report};
use super::web::load_web;
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::Value;
use crate::service::{drupal, installer};

/// Makes a one-time login link for site `name`. Reports `login_link` in `context`.
pub fn login_reset(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    let db = db_env(&read_site_drushrc(&site)?);
    let web = load_web(store, &site.platform.web_server, run)?.ok_or_else(|| {
        TaskError::Refused(
            "PROVISION_INVALID_CONTEXT",
            format!(
                "{} has no http service: the site has no address to log in at.",
                site.platform.web_server.name
            ),
        )
    })?;
    let (https, port) = site_address(&site, web.first());
    let core = drupal::detect(&site.platform.root)?;
    let link = installer::login_link(
        &run.php,
        &installer::LoginJob {
            root: &site.platform.root,
            uri: &site.uri,
            site_path: &site.site_path,
            core: &core,
            db: &db,
            https,
            port,
        },
    )?;
    p.success(format!("Login link: {link}"));
    let mut report = Report::default();
    report.context.set("login_link", Value::str(link));
    Ok(report)
}
