//! Compat tests (installer): `service::installer` runs the PHP helper `shim/drupal.php`
//! against the fixture platform's own `install_drupal()` with SQLite, and with MariaDB
//! from `scripts/services/mariadb` (whose facts are in `$PROVISION_TEST_RUNTIME`,
//! default `/tmp/provision-test`). Two optional tests install a real Drupal 7 or
//! Backdrop code base named by `PROVISION_TEST_DRUPAL7_ROOT` / `PROVISION_TEST_BACKDROP_ROOT`.
//! They call the library in this (root) process and run no provision task; the install
//! task as Aegir's unprivileged user is tested in compat-tests/tasks.rs.

mod common;

use common::live::mariadb;
use std::fs;
use std::path::{Path, PathBuf};

use provision::service::db::mysql::MysqlServer;
use provision::service::db::{naming, SiteDb};
use provision::service::drupal::{Core, CoreVersion};
use provision::service::http::DbEnv;
use provision::service::installer::{self, InstallJob};

/// settings.php as provision writes it: the credentials come from `$_SERVER`, urlencoded.
const SETTINGS_FROM_SERVER: &str = r#"<?php
if (isset($_SERVER['db_type'])) {
  $databases['default']['default'] = array(
    'driver' => urldecode($_SERVER['db_type']),
    'database' => urldecode($_SERVER['db_name']),
    'username' => urldecode($_SERVER['db_user']),
    'password' => urldecode($_SERVER['db_passwd']),
    'host' => urldecode($_SERVER['db_host']),
    'port' => urldecode($_SERVER['db_port']),
  );
}
"#;

/// A copy of a platform with one site directory holding `settings`.
struct Site {
    _dir: tempfile::TempDir,
    root: PathBuf,
    site_path: PathBuf,
    uri: String,
}

impl Site {
    fn new(platform: &Path, uri: &str, settings: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("platform");
        common::copy_tree(platform, &root);
        let site_path = root.join("sites").join(uri);
        fs::create_dir_all(site_path.join("files")).unwrap();
        fs::write(site_path.join("settings.php"), settings).unwrap();
        Site {
            _dir: dir,
            root,
            site_path,
            uri: uri.to_string(),
        }
    }

    fn fixture(settings: &str) -> Self {
        Site::new(
            &common::fixtures().join("platforms/drupal7-mini"),
            "www.example.test",
            settings,
        )
    }

    fn sqlite(&self, password: &str) -> DbEnv {
        DbEnv {
            db_type: "sqlite".into(),
            db_name: self.site_path.join("db.sqlite").to_string_lossy().into(),
            db_passwd: password.into(),
            ..DbEnv::default()
        }
    }

    fn job(&self, core: Core, db: DbEnv, site_name: &str) -> InstallJob {
        InstallJob {
            root: self.root.clone(),
            uri: self.uri.clone(),
            site_path: self.site_path.clone(),
            core: CoreVersion {
                core,
                version: String::new(),
            },
            profile: "standard".into(),
            language: "en".into(),
            db,
            site_name: site_name.into(),
            site_mail: "admin@example.test".into(),
            account_name: "admin".into(),
            account_mail: "admin@example.test".into(),
            client_email: String::new(),
            https: false,
            port: 80,
        }
    }
}

/// The site name stored in a Drupal 7 SQLite database, read with PHP's PDO.
fn sqlite_site_name(file: &str) -> String {
    let code = r#"$p = new PDO('sqlite:' . $argv[1]);
print unserialize($p->query("SELECT value FROM variable WHERE name = 'site_name'")->fetchColumn());"#;
    String::from_utf8(common::php(code, &[file], b"")).unwrap()
}

/// The theme logo path stored in a Drupal 7 SQLite database, read with PHP's PDO.
fn sqlite_logo_path(file: &str) -> String {
    let code = r#"$p = new PDO('sqlite:' . $argv[1]);
$settings = unserialize($p->query("SELECT value FROM variable WHERE name = 'theme_settings'")->fetchColumn());
print $settings['logo_path'];"#;
    String::from_utf8(common::php(code, &[file], b"")).unwrap()
}

/// Asserts `link` is `{scheme}://{uri}/user/reset/1/TIMESTAMP/HASH/login`.
fn assert_login_link(link: &str, scheme: &str, uri: &str) {
    let prefix = format!("{scheme}://{uri}/user/reset/1/");
    let rest = link
        .strip_prefix(&prefix)
        .and_then(|r| r.strip_suffix("/login"))
        .unwrap_or_else(|| panic!("login link {link:?} is not {prefix}…/login"));
    let (timestamp, hash) = rest.split_once('/').expect("timestamp/hash");
    assert!(timestamp.parse::<u64>().is_ok(), "{link}");
    assert!(!hash.is_empty() && !hash.contains('/'), "{link}");
}

#[test]
fn installs_the_fixture_on_sqlite_and_status_reads_it_back() {
    let site = Site::fixture(SETTINGS_FROM_SERVER);
    let db = site.sqlite("");
    let job = site.job(Core::Drupal(7), db.clone(), "Probe \"site\" & ünïcode");
    let done = installer::install(&common::php_binary(), &job).unwrap();

    assert_login_link(&done.login_link, "http", &site.uri);
    assert_eq!(done.cron_key.len(), 32, "{}", done.cron_key);
    assert_eq!(done.profile, "standard");
    let system = done
        .system
        .iter()
        .find(|r| r.name == "system")
        .expect("system row");
    assert_eq!(
        (system.kind.as_str(), system.status, system.schema_version),
        ("module", 1, 7000)
    );
    assert!(done
        .system
        .iter()
        .any(|r| r.kind == "theme" && r.name == "mini"));
    assert_eq!(sqlite_site_name(&db.db_name), "Probe \"site\" & ünïcode");
    assert_eq!(
        sqlite_logo_path(&db.db_name),
        format!("sites/{}/files/logo.png", site.uri)
    );
    let settings = fs::read_to_string(site.site_path.join("settings.php")).unwrap();
    assert_eq!(settings, SETTINGS_FROM_SERVER, "settings.php stays cloaked");

    let status = installer::status(
        &common::php_binary(),
        &site.root,
        &site.uri,
        &site.site_path,
        &job.core,
        &db,
    )
    .unwrap();
    assert_eq!(status.cron_key, done.cron_key);
    assert_eq!(status.profile, "standard");
    assert_eq!(status.system, done.system);
}

#[test]
fn a_failing_installer_is_an_error_with_its_reason_and_never_the_password() {
    let password = "pw+with/odd%chars&more";
    // A settings.php that prints the credentials: the helper must capture and mask them.
    let noisy = format!(
        "{SETTINGS_FROM_SERVER}print 'debug ' . $_SERVER['db_passwd'] . ' ' . urldecode($_SERVER['db_passwd']);\n"
    );
    let site = Site::fixture(&noisy);
    let job = site.job(Core::Drupal(7), site.sqlite(password), "FAIL AFTER TABLES");
    let err = installer::install(&common::php_binary(), &job)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Installation failed on purpose after creating the tables"),
        "{err}"
    );
    assert!(
        err.contains("debug ***"),
        "the captured output is quoted: {err}"
    );
    assert!(!err.contains(password), "{err}");
    assert!(!err.contains("pw%2Bwith"), "{err}");
    assert!(
        site.site_path.join("db.sqlite").exists(),
        "the tables were made"
    );
}

#[test]
fn an_unknown_profile_is_an_error() {
    let site = Site::fixture(SETTINGS_FROM_SERVER);
    let mut job = site.job(Core::Drupal(7), site.sqlite("s3cret-pw"), "Site");
    job.profile = "nosuchprofile".into();
    let err = installer::install(&common::php_binary(), &job)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Unknown installation profile: nosuchprofile"),
        "{err}"
    );
    assert!(!err.contains("s3cret-pw"), "{err}");
}

#[test]
fn status_of_a_site_without_tables_is_an_error() {
    let site = Site::fixture(SETTINGS_FROM_SERVER);
    let db = site.sqlite("");
    let core = CoreVersion {
        core: Core::Drupal(7),
        version: "7.99".into(),
    };
    let err = installer::status(
        &common::php_binary(),
        &site.root,
        &site.uri,
        &site.site_path,
        &core,
        &db,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("no such table: variable"), "{err}");
}

/// A new MariaDB database and user for `uri`, and the DbEnv the site gets.
fn mariadb_site_db(srv: &MysqlServer, uri: &str) -> (SiteDb, DbEnv) {
    let db = naming::new_site_db(uri, |n| srv.database_exists(n)).unwrap();
    srv.create_site_db(&db, &[]).unwrap();
    let env = DbEnv {
        db_type: "mysql".into(),
        db_host: srv.host.clone(),
        db_port: srv.port.to_string(),
        db_user: db.user.clone(),
        db_passwd: db.password.clone(),
        db_name: db.name.clone(),
    };
    (db, env)
}

#[test]
fn installs_the_fixture_on_mariadb_with_an_https_login_link() {
    let srv = mariadb();
    let site = Site::fixture(SETTINGS_FROM_SERVER);
    let uri = format!("inst{}.example.test", std::process::id());
    let (db, env) = mariadb_site_db(&srv, &uri);
    let mut job = site.job(Core::Drupal(7), env.clone(), "Probe on MariaDB");
    job.https = true;
    job.port = 443;
    let result = installer::install(&common::php_binary(), &job);
    let name = srv.query(
        &format!(
            "SELECT value FROM `{}`.variable WHERE name = 'site_name';",
            db.name
        ),
        &[],
    );
    let status = installer::status(
        &common::php_binary(),
        &site.root,
        &site.uri,
        &site.site_path,
        &job.core,
        &env,
    );
    srv.drop_site_db(&db, &[]).unwrap();

    let done = result.unwrap();
    assert_login_link(&done.login_link, "https", &site.uri);
    assert_eq!(name.unwrap().trim(), "s:16:\"Probe on MariaDB\";");
    assert_eq!(status.unwrap().cron_key, done.cron_key);
}

/// The code base an optional test installs, or None (with a note on stderr).
fn optional_root(var: &str) -> Option<PathBuf> {
    let root = std::env::var_os(var).map(PathBuf::from);
    if root.is_none() {
        eprintln!("{var} is not set: skipping the install on a real code base");
    }
    root
}

#[test]
fn installs_a_real_drupal7_on_sqlite_when_configured() {
    let Some(platform) = optional_root("PROVISION_TEST_DRUPAL7_ROOT") else {
        return;
    };
    let site = Site::new(&platform, "d7.example.test", SETTINGS_FROM_SERVER);
    let db = site.sqlite("");
    let job = site.job(Core::Drupal(7), db.clone(), "Real Drupal 7");
    let done = installer::install(&common::php_binary(), &job).unwrap();
    assert_login_link(&done.login_link, "http", &site.uri);
    assert!(!done.cron_key.is_empty());
    assert!(done
        .system
        .iter()
        .any(|r| r.name == "node" && r.status == 1));
    assert_eq!(sqlite_site_name(&db.db_name), "Real Drupal 7");
    let settings = fs::read_to_string(site.site_path.join("settings.php")).unwrap();
    assert_eq!(settings, SETTINGS_FROM_SERVER, "settings.php stays cloaked");
    let status = installer::status(
        &common::php_binary(),
        &site.root,
        &site.uri,
        &site.site_path,
        &job.core,
        &db,
    )
    .unwrap();
    assert_eq!(status.cron_key, done.cron_key);
}

#[test]
fn installs_a_real_backdrop_on_mariadb_when_configured() {
    let Some(platform) = optional_root("PROVISION_TEST_BACKDROP_ROOT") else {
        return;
    };
    let srv = mariadb();
    // Backdrop has no SQLite driver; it also needs its config directories.
    let settings = format!(
        "{SETTINGS_FROM_SERVER}$config_directories['active'] = __DIR__ . '/files/config/active';\n\
         $config_directories['staging'] = __DIR__ . '/files/config/staging';\n"
    );
    let site = Site::new(&platform, "backdrop.example.test", &settings);
    // Backdrop uses a directory under sites/ only when sites/sites.php maps the host to it.
    let sites_php = "<?php\n$sites['backdrop.example.test'] = 'backdrop.example.test';\n";
    fs::write(site.root.join("sites/sites.php"), sites_php).unwrap();
    let uri = format!("bd{}.example.test", std::process::id());
    let (db, env) = mariadb_site_db(&srv, &uri);
    let job = site.job(Core::Backdrop(1), env.clone(), "Real Backdrop");
    let result = installer::install(&common::php_binary(), &job);
    let status = installer::status(
        &common::php_binary(),
        &site.root,
        &site.uri,
        &site.site_path,
        &job.core,
        &env,
    );
    srv.drop_site_db(&db, &[]).unwrap();
    let done = result.unwrap();
    assert_login_link(&done.login_link, "http", &site.uri);
    assert!(!done.cron_key.is_empty());
    assert_eq!(status.unwrap().cron_key, done.cron_key);
    let core = site.site_path.join("files/config/active/system.core.json");
    let core: serde_json::Value = serde_json::from_slice(&fs::read(core).unwrap()).unwrap();
    assert_eq!(core["site_name"], "Real Backdrop");
    assert_eq!(core["site_mail"], "admin@example.test");
    // The installer keeps our settings (it appends only a hash_salt) and writes no password.
    let settings_now = fs::read_to_string(site.site_path.join("settings.php")).unwrap();
    assert!(settings_now.starts_with(&settings), "{settings_now}");
    assert!(
        !settings_now.contains(&env.db_passwd),
        "settings.php stays cloaked"
    );
}
