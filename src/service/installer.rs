//! Running a platform's own installer, and reading an installed site, through the PHP
//! helper `shim/drupal.php` (see shim/README.md).
//!
//! The helper runs with system `php`; the job, credentials included, goes to it as one
//! JSON object on stdin and its result comes back as one JSON object on stdout. The
//! script itself is passed with `-r`: it holds no secret, so nothing has to be written to
//! disk, cleaned up or protected from other users.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use super::drupal::{Core, CoreVersion, SystemRow};
use super::error::{Result, ServiceError};
use super::exec;
use super::http::DbEnv;

const HELPER: &str = include_str!("../../shim/drupal.php");

/// What installing a site needs: where, which code base, its database and its first
/// account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallJob {
    /// The platform root.
    pub root: PathBuf,
    /// The site's uri (its host name).
    pub uri: String,
    /// `{root}/sites/{uri}`, holding the settings.php the installer reads.
    pub site_path: PathBuf,
    /// The platform's code base.
    pub core: CoreVersion,
    /// The install profile.
    pub profile: String,
    /// The site's language code (`en`).
    pub language: String,
    /// The site's database.
    pub db: DbEnv,
    /// The site name the installer stores.
    pub site_name: String,
    /// The site's e-mail address.
    pub site_mail: String,
    /// The admin account's (uid 1) user name.
    pub account_name: String,
    /// The admin account's e-mail address.
    pub account_mail: String,
    /// The client's e-mail address (empty for none).
    pub client_email: String,
    /// Whether the login link uses https.
    pub https: bool,
    /// The port the site's vhost listens on (the login link names it unless it is 80
    /// for http or 443 for https).
    pub port: u16,
}

/// What the installer leaves for hosting: the one-time login link and the site's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallResult {
    /// The admin's one-time login link.
    pub login_link: String,
    /// The site's cron key.
    pub cron_key: String,
    /// The installed profile.
    pub profile: String,
    /// The site's modules, themes and profile.
    pub system: Vec<SystemRow>,
}

/// What site verify reads from an installed site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteStatus {
    /// The site's cron key.
    pub cron_key: String,
    /// The installed profile.
    pub profile: String,
    /// The site's modules, themes and profile.
    pub system: Vec<SystemRow>,
}

/// Installs the site with the platform's own installer, running `php` (the binary name
/// or path). Fails when the installer fails or does not finish; the database password
/// never appears in the error.
pub fn install(php: &str, job: &InstallJob) -> Result<InstallResult> {
    let mut fields = site_fields(&job.root, &job.uri, &job.site_path, &job.core, &job.db);
    fields.extend([
        ("profile".to_string(), json!(job.profile)),
        ("language".to_string(), json!(job.language)),
        ("site_name".to_string(), json!(job.site_name)),
        ("site_mail".to_string(), json!(job.site_mail)),
        ("account_name".to_string(), json!(job.account_name)),
        ("account_mail".to_string(), json!(job.account_mail)),
        ("client_email".to_string(), json!(job.client_email)),
        ("https".to_string(), json!(job.https)),
        ("port".to_string(), json!(job.port)),
    ]);
    let out = run_helper(php, "install", fields, &job.db.db_passwd)?;
    let fail = |what| bad_output(php, what);
    Ok(InstallResult {
        login_link: string_field(&out, "login_link").ok_or_else(|| fail("login_link"))?,
        cron_key: string_field(&out, "cron_key").ok_or_else(|| fail("cron_key"))?,
        profile: string_field(&out, "profile").ok_or_else(|| fail("profile"))?,
        system: system_rows(&out).ok_or_else(|| fail("system"))?,
    })
}

/// Reads an installed site's cron key, profile and system rows by bootstrapping it with
/// `php`.
pub fn status(
    php: &str,
    root: &Path,
    uri: &str,
    site_path: &Path,
    core: &CoreVersion,
    db: &DbEnv,
) -> Result<SiteStatus> {
    let fields = site_fields(root, uri, site_path, core, db);
    let out = run_helper(php, "status", fields, &db.db_passwd)?;
    let fail = |what| bad_output(php, what);
    Ok(SiteStatus {
        cron_key: string_field(&out, "cron_key").ok_or_else(|| fail("cron_key"))?,
        profile: string_field(&out, "profile").ok_or_else(|| fail("profile"))?,
        system: system_rows(&out).ok_or_else(|| fail("system"))?,
    })
}

/// What a one-time login link needs: the installed site and where it answers.
#[derive(Clone, Debug)]
pub struct LoginJob<'a> {
    /// The platform root.
    pub root: &'a Path,
    /// The site's uri.
    pub uri: &'a str,
    /// `{root}/sites/{uri}`.
    pub site_path: &'a Path,
    /// The platform's code base.
    pub core: &'a CoreVersion,
    /// The site's database.
    pub db: &'a DbEnv,
    /// Whether the link uses https.
    pub https: bool,
    /// The port the site's vhost listens on.
    pub port: u16,
}

/// A one-time login link for the site's admin account (uid 1), made by the site's own
/// code (Aegir's `provision-login-reset`).
pub fn login_link(php: &str, job: &LoginJob) -> Result<String> {
    let mut fields = site_fields(job.root, job.uri, job.site_path, job.core, job.db);
    fields.insert("https".into(), json!(job.https));
    fields.insert("port".into(), json!(job.port));
    let out = run_helper(php, "login", fields, &job.db.db_passwd)?;
    string_field(&out, "login_link").ok_or_else(|| bad_output(php, "login_link"))
}

/// The database connection an existing site's own `settings.php` names (Drupal 7+ and
/// Backdrop `$databases`, Drupal 6 `$db_url`), read by including it with `php`.
pub fn settings_db(
    php: &str,
    root: &Path,
    uri: &str,
    site_path: &Path,
    core: &CoreVersion,
) -> Result<DbEnv> {
    let fields = site_fields(root, uri, site_path, core, &DbEnv::default());
    let out = run_helper(php, "settings", fields, "")?;
    let text = |k: &str| string_field(&out, k).ok_or_else(|| bad_output(php, k));
    Ok(DbEnv {
        db_type: text("driver")?,
        db_host: text("host")?,
        db_port: text("port")?,
        db_user: text("username")?,
        db_passwd: text("password")?,
        db_name: text("database")?,
    })
}

/// The job fields every action needs: the site, its code base and its database.
fn site_fields(
    root: &Path,
    uri: &str,
    site_path: &Path,
    core: &CoreVersion,
    db: &DbEnv,
) -> serde_json::Map<String, Value> {
    let (kind, major) = match core.core {
        Core::Drupal(major) => ("drupal", major),
        Core::Backdrop(major) => ("backdrop", major),
    };
    let mut fields = serde_json::Map::new();
    fields.insert("root".into(), json!(root.to_string_lossy()));
    fields.insert("uri".into(), json!(uri));
    fields.insert("site_path".into(), json!(site_path.to_string_lossy()));
    fields.insert("core".into(), json!(kind));
    fields.insert("major".into(), json!(major));
    fields.insert("db".into(), db_json(db));
    fields
}

/// The database as the helper takes it (Drupal's connection array keys).
fn db_json(db: &DbEnv) -> Value {
    json!({
        "driver": db.db_type,
        "database": db.db_name,
        "username": db.db_user,
        "password": db.db_passwd,
        "host": db.db_host,
        "port": db.db_port,
    })
}

/// Runs the helper with `{"action", "job"}` on stdin and parses the JSON it prints.
fn run_helper(
    php: &str,
    action: &str,
    job: serde_json::Map<String, Value>,
    password: &str,
) -> Result<Value> {
    let input = json!({ "action": action, "job": job }).to_string();
    let script = HELPER.strip_prefix("<?php").unwrap_or(HELPER);
    let mut cmd = Command::new(php);
    cmd.args(["-d", "display_errors=stderr", "-d", "log_errors=0", "-r"])
        .arg(script);
    let stdout = exec::run(&mut cmd, Some(input.as_bytes()), &[password])?;
    serde_json::from_str(stdout.trim()).map_err(|_| bad_output(php, "a JSON object"))
}

/// The error for a helper that succeeded but printed no usable result.
fn bad_output(php: &str, what: &str) -> ServiceError {
    ServiceError::Command {
        program: php.to_string(),
        status: "exit status: 0".into(),
        stderr: format!("the install helper printed no {what}"),
    }
}

fn string_field(out: &Value, key: &str) -> Option<String> {
    out.get(key)?.as_str().map(str::to_string)
}

fn system_rows(out: &Value) -> Option<Vec<SystemRow>> {
    out.get("system")?
        .as_array()?
        .iter()
        .map(system_row)
        .collect()
}

fn system_row(row: &Value) -> Option<SystemRow> {
    Some(SystemRow {
        filename: string_field(row, "filename")?,
        name: string_field(row, "name")?,
        kind: string_field(row, "type")?,
        status: row.get("status")?.as_i64()?,
        schema_version: row.get("schema_version")?.as_i64()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_system_rows() {
        let out = json!({"system": [
            {"filename": "modules/system/system.module", "name": "system", "type": "module",
             "status": 1, "schema_version": 7000}
        ]});
        let rows = system_rows(&out).unwrap();
        assert_eq!(rows[0].kind, "module");
        assert_eq!(rows[0].schema_version, 7000);
        assert!(system_rows(&json!({"system": [{"name": "x"}]})).is_none());
    }

    #[test]
    fn db_json_uses_drupal_keys() {
        let db = DbEnv {
            db_type: "mysql".into(),
            db_user: "u".into(),
            db_passwd: "p".into(),
            ..DbEnv::default()
        };
        let v = db_json(&db);
        assert_eq!(v["driver"], "mysql");
        assert_eq!(v["username"], "u");
        assert_eq!(v["password"], "p");
    }
}
