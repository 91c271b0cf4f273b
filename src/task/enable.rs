//! `provision-disable` and `provision-enable` of an installed site, as Aegir 7.x-3.x's:
//! disable marks the context `site_enabled` false and replaces its vhost with one that
//! sends every request to the server's `web_disable_url` (no backup: Aegir's disable
//! reports none, so hosting records none); enable marks it enabled again and writes
//! its own vhost back. The web servers reload either way.

use super::progress::Progress;
use super::publish::PublishPlan;
use super::resolve::{load_site, RunOptions};
use super::verify::{db_env, disabled_redirect, read_site_drushrc, write_site_configs, Report};
use super::web::load_web;
use super::Result;
use crate::context::store::Store;
use crate::php::Value;

/// Disables site `name`. Reports `redirect_url` in `context`.
pub fn disable_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let mut report = Report::default();
    let redirect = switch(store, name, false, run, p)?;
    report
        .context
        .set("redirect_url", Value::str(redirect.unwrap_or_default()));
    p.success(format!(
        "Disabled the site {}.",
        crate::context::bare_name(name)
    ));
    Ok(report)
}

/// Enables site `name` again: its own vhost is written and published.
pub fn enable_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    switch(store, name, true, run, p)?;
    p.success(format!(
        "Enabled the site {}.",
        crate::context::bare_name(name)
    ));
    Ok(Report::default())
}

/// Records `site_enabled` in the context of the installed site `name`, writes the
/// matching vhost on every web server of the site and reloads them; returns where a
/// disabled site redirects. A vhost that cannot be written leaves the context as it
/// was.
fn switch(
    store: &Store,
    name: &str,
    enabled: bool,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Option<String>> {
    let site = load_site(store, name)?;
    let db = db_env(&read_site_drushrc(&site)?);
    let Some(web) = load_web(store, &site.platform.web_server, run)? else {
        store.set_property(name, "site_enabled", Value::Bool(enabled))?;
        return Ok(None);
    };
    let mut wanted = site.clone();
    wanted.props.set("site_enabled", Value::Bool(enabled));
    let redirect = disabled_redirect(&wanted, &web.first().server)?;
    write_site_configs(&wanted, &web, &db, p)?;
    store.set_property(name, "site_enabled", Value::Bool(enabled))?;
    let mut plan = PublishPlan::new(run.ssh.clone());
    plan.configs(&web)?;
    plan.send(run, p)?;
    Ok(redirect)
}
