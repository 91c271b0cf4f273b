//! `provision-import`: adopts a site that already runs on a platform (found by a
//! platform verify, or moved in by hand) into its saved context. A site provisioned
//! before has its `drushrc.php`; for any other the database connection is read from
//! its own `settings.php` and recorded in a new `drushrc.php`. Then the site is
//! verified, which writes Aegir's settings, sites.php entry and vhost, and reports
//! what hosting records: `db_name`, `profile`, `packages`, `cron_key`.

use super::progress::Progress;
use super::resolve::{load_site, RunOptions, Site};
use super::verify::{db_options, verify_site, Report};
use super::web::load_web;
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::Value;
use crate::service::{drupal, installer};

/// Imports site `name`, whose directory must hold a `settings.php`.
pub fn import_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    if !site.site_path.join("settings.php").is_file() {
        return Err(TaskError::Refused(
            "PROVISION_SITE_NOT_FOUND",
            format!(
                "{} holds no settings.php: there is no site to import.",
                site.site_path.display()
            ),
        ));
    }
    if !site.site_path.join("drushrc.php").is_file() {
        record_connection(store, &site, run, p)?;
    }
    let mut report = verify_site(store, name, run, p)?;
    for key in ["db_name", "profile"] {
        let value = report.self_options.get_str(key).cloned();
        if let Some(value) = value {
            report.context.set(key, value);
        }
    }
    report
        .context
        .set("language", Value::str(site.text("language")));
    p.success(format!("Imported the site {}.", site.uri));
    Ok(report)
}

/// Reads the connection from the site's `settings.php` and writes the `drushrc.php`
/// a provisioned site has.
fn record_connection(store: &Store, site: &Site, run: &RunOptions, p: &mut Progress) -> Result<()> {
    let core = drupal::detect(&site.platform.root)?;
    let db = installer::settings_db(
        &run.php,
        &site.platform.root,
        &site.uri,
        &site.site_path,
        &core,
    )?;
    if db.db_type.is_empty() || db.db_name.is_empty() {
        return Err(TaskError::Refused(
            "PROVISION_IMPORT_NO_DATABASE",
            format!(
                "{}/settings.php names no database.",
                site.site_path.display()
            ),
        ));
    }
    let web_group = load_web(store, &site.platform.web_server, run)?
        .and_then(|w| w.web_group(&site.platform.web_server));
    let mut options = db_options(&db);
    options.set("installed", Value::Bool(true));
    drupal::write_site_drushrc(&site.site_path, &options, web_group.as_deref())?;
    p.step(format!(
        "Recorded the database {} of {} from its settings.php.",
        db.db_name, site.uri
    ));
    Ok(())
}
