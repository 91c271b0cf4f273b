//! Compat tests (services): the http and db services against real nginx, Apache, php-fpm
//! and MariaDB, with the fixture platform installed by its own `install_drupal()`.
//!
//! The servers come from `scripts/services/{php-fpm,nginx,apache2,mariadb}`, which write
//! their facts to `$PROVISION_TEST_RUNTIME` (default `/tmp/provision-test`). A test whose
//! server is not there fails and names the script to run: it never skips.

mod common;

use common::copy_tree;
use common::live::{fact, get, mariadb, service_env, wait_for, wait_for_page, Workspace};
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use provision::service::db::mysql::MysqlServer;
use provision::service::db::{naming, sqlite, SiteDb};
use provision::service::exec::shell_quote;
use provision::service::http::{
    self, ConfigCheck, DbEnv, FpmEndpoint, HttpApp, HttpServer, PlatformVhost, SiteVhost, SslServer,
};

/// One live reload at a time per web server.
static NGINX: Mutex<()> = Mutex::new(());
static APACHE: Mutex<()> = Mutex::new(());

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_obj(pairs: &[(&str, String)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{v}", json_str(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// Installs the site with the platform's own install_drupal() through the driver script.
fn install_site(root: &Path, uri: &str, db_json: String, site_name: &str) {
    let job = json_obj(&[
        ("root", json_str(&root.to_string_lossy())),
        ("uri", json_str(uri)),
        ("profile", json_str("standard")),
        ("db", db_json),
        ("site_name", json_str(site_name)),
        ("site_mail", json_str("admin@example.com")),
        ("account_name", json_str("admin")),
        ("account_mail", json_str("admin@example.com")),
        ("account_pass", json_str("not-a-real-secret")),
    ]);
    let out = provision::service::exec::run(
        Command::new("php").arg(common::fixtures().join("platforms/install-site.php")),
        Some(job.as_bytes()),
        &[],
    )
    .unwrap_or_else(|e| panic!("fixture install failed: {e}"));
    assert_eq!(out.trim(), "installed");
}

/// settings.php as Aegir writes it: the credentials come from the web server's env.
const SETTINGS_FROM_SERVER: &str = r#"<?php
// As Aegir's settings.php: credentials from the vhost, urlencoded, via $_SERVER.
if (isset($_SERVER['db_type'])) {
  $databases['default']['default'] = array(
    'driver' => urldecode($_SERVER['db_type']),
    'database' => urldecode($_SERVER['db_name']),
    'username' => urldecode(isset($_SERVER['db_user']) ? $_SERVER['db_user'] : ''),
    'password' => urldecode(isset($_SERVER['db_passwd']) ? $_SERVER['db_passwd'] : ''),
    'host' => urldecode(isset($_SERVER['db_host']) ? $_SERVER['db_host'] : ''),
    'port' => urldecode(isset($_SERVER['db_port']) ? $_SERVER['db_port'] : ''),
  );
}
"#;

/// The live web server a test links its config into and reloads.
struct Live {
    server: HttpServer,
    link: PathBuf,
}

impl Live {
    fn new(app: HttpApp, ws: &Workspace, ssl: bool) -> Self {
        let fpm = service_env("php-fpm");
        let (env, restart_cmd) = match app {
            HttpApp::Nginx => {
                let env = service_env("nginx");
                let cmd = format!("nginx -c {} -s reload", shell_quote(&fact(&env, "CONF")));
                (env, cmd)
            }
            HttpApp::Apache => {
                let env = service_env("apache2");
                let dir = shell_quote(&fact(&env, "CONFDIR"));
                (env, format!("APACHE_CONFDIR={dir} apache2ctl graceful"))
            }
        };
        let server = HttpServer {
            app,
            config_path: ws.0.join("config"),
            http_port: fact(&env, "PORT").parse().unwrap(),
            php_fpm: FpmEndpoint::Socket(PathBuf::from(fact(&fpm, "SOCKET"))),
            ssl: ssl.then(|| SslServer {
                port: fact(&env, "SSL_PORT").parse().unwrap(),
            }),
            restart_cmd,
        };
        http::write_server(&server).unwrap();
        // As Aegir: conf.d/X.conf -> {aegir_root}/config/{app}.conf -> {config_path}/{app}.conf.
        let aegir_root = ws.0.join("aegir");
        http::link_server_conf(&server, &aegir_root).unwrap();
        let name = ws.0.file_name().unwrap().to_string_lossy().into_owned();
        let link = Path::new(&fact(&env, "CONFD")).join(format!("{name}.conf"));
        let aegir_link = aegir_root
            .join("config")
            .join(format!("{}.conf", app.name()));
        symlink(aegir_link, &link).unwrap();
        Live { server, link }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.link);
        let _ = http::restart(&self.server);
    }
}

enum Backend {
    Sqlite,
    Mariadb,
}

/// Makes the site's database; returns the vhost's DbEnv, the driver's db JSON, and the
/// MariaDB credentials to drop afterwards.
fn make_db(backend: &Backend, uri: &str, site_path: &Path) -> (DbEnv, String, Option<SiteDb>) {
    match backend {
        Backend::Sqlite => {
            let name = naming::base_db_name(uri);
            let file = sqlite::create(site_path, &name, Some("www-data")).unwrap();
            let file = file.to_string_lossy().into_owned();
            let env = DbEnv {
                db_type: "sqlite".into(),
                db_name: file.clone(),
                ..DbEnv::default()
            };
            let json = json_obj(&[
                ("driver", json_str("sqlite")),
                ("database", json_str(&file)),
            ]);
            (env, json, None)
        }
        Backend::Mariadb => {
            let srv = mariadb();
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
            let json = json_obj(&[
                ("driver", json_str("mysql")),
                ("database", json_str(&db.name)),
                ("username", json_str(&db.user)),
                ("password", json_str(&db.password)),
                ("host", json_str(&srv.host)),
                ("port", json_str(&srv.port.to_string())),
            ]);
            (env, json, Some(db))
        }
    }
}

/// The whole flow: platform and site configs, database, the platform's installer,
/// Aegir-style settings.php, reload, and the page built from the database over HTTP.
fn serve_site(app: HttpApp, backend: Backend, ssl: bool) {
    let lock = match app {
        HttpApp::Nginx => &NGINX,
        HttpApp::Apache => &APACHE,
    };
    let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
    let ws = Workspace::new(&format!(
        "{}-{}",
        app.name(),
        matches!(backend, Backend::Sqlite)
    ));
    let root = ws.0.join("platform");
    copy_tree(&common::fixtures().join("platforms/drupal7-mini"), &root);
    let live = Live::new(app, &ws, ssl);
    let port = live.server.http_port;
    http::write_platform(
        &live.server,
        &PlatformVhost {
            name: "platform_mini".into(),
            root: root.clone(),
        },
    )
    .unwrap();

    let kind = if matches!(backend, Backend::Sqlite) {
        "sqlite"
    } else {
        "mariadb"
    };
    let tls = if ssl { "-ssl" } else { "" };
    let uri = format!("{kind}-{}.{}{tls}.test", std::process::id(), app.name());
    let site_path = root.join("sites").join(&uri);
    fs::create_dir_all(&site_path).unwrap();
    let settings = site_path.join("settings.php");
    fs::copy(root.join("sites/default/default.settings.php"), &settings).unwrap();

    let (db_env, db_json, site_db) = make_db(&backend, &uri, &site_path);
    let site_name = format!("Probe {kind} on {} \"quoted\" & more", app.name());
    install_site(&root, &uri, db_json, &site_name);
    fs::write(&settings, SETTINGS_FROM_SERVER).unwrap();

    plant_probes(&root, &site_path);
    let alias = format!("alias-{uri}");
    // As Aegir does for D7: sites.php maps each alias to the site's directory.
    let sites_php = format!("<?php\n$sites['{alias}'] = '{uri}';\n");
    fs::write(root.join("sites/sites.php"), sites_php).unwrap();
    let site = SiteVhost {
        uri: uri.clone(),
        root: root.clone(),
        site_path: site_path.clone(),
        aliases: vec![alias.clone()],
        redirection: None,
        db: db_env,
    };
    http::write_site(&live.server, &site).unwrap();
    http::restart(&live.server).unwrap();

    let escaped = site_name.replace('&', "&amp;").replace('"', "&quot;");
    let want = format!("<h1 id=\"site-name\">{escaped}</h1>");
    wait_for_page(port, false, &uri, &want);
    wait_for_page(port, false, &alias, &want);
    let private = format!("/sites/{uri}/private/db/x.sqlite");
    let (status, _) = get(port, false, &uri, &private);
    assert_eq!(status, "403", "the private directory is not served");
    assert_drupal_rules(port, false, &uri, &want);
    if let Some(ssl) = &live.server.ssl {
        wait_for_page(ssl.port, true, &uri, &want);
        wait_for_page(ssl.port, true, &alias, &want);
        assert_eq!(get(ssl.port, true, &uri, &private).0, "403");
        assert_drupal_rules(ssl.port, true, &uri, &want);
    }

    http::delete_site(&live.server, &uri).unwrap();
    http::restart(&live.server).unwrap();
    wait_for(
        port,
        false,
        &uri,
        "stopped serving the site",
        |status, _| status != "200",
    );
    if let Some(db) = site_db {
        let srv = mariadb();
        srv.drop_site_db(&db, &[]).unwrap();
        assert!(!srv.database_exists(&db.name).unwrap());
        assert!(!srv.user_exists(&db.user, "127.0.0.1").unwrap());
    }
}

/// Files a web server must not hand out (each holds `SECRET`), and a static one it must.
fn plant_probes(root: &Path, site_path: &Path) {
    let files: [(PathBuf, &str); 10] = [
        (site_path.join("private/probe.txt"), "SECRET private file"),
        (
            site_path.join("files/probe.php"),
            "<?php print 'SECRET upload ran';",
        ),
        (
            site_path.join("files/backup_migrate/b.sql"),
            "SECRET backup",
        ),
        (site_path.join("files/probe.css"), "body { color: red; }"),
        (root.join("includes/probe.inc"), "<?php // SECRET source"),
        (root.join(".htaccess"), "# SECRET hidden file"),
        (root.join(".git/config"), "[core] # SECRET repository"),
        (root.join("probe.php"), "<?php print 'SECRET script ran';"),
        (
            root.join("modules/system/system.install"),
            "<?php // SECRET install",
        ),
        (root.join("composer.json"), "{\"SECRET\": true}"),
    ];
    for (path, text) in files {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        // World-readable, as code and uploads are: only the config may keep them out.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        for dir in path.ancestors().skip(1).take_while(|d| d.starts_with(root)) {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

/// Drupal's rules as Aegir's configs apply them: unknown hosts get 404; private,
/// hidden, source and backup files and PHP other than Drupal's entry points are
/// refused (403 or 404, never their content); static files and clean URLs are served.
fn assert_drupal_rules(port: u16, tls: bool, uri: &str, want: &str) {
    let (status, body) = get(port, tls, "no-such-site.invalid", "/");
    assert_eq!(
        status, "404",
        "an unknown host gets 404, not a site: {body}"
    );
    let refused = [
        format!("/sites/{uri}/private/probe.txt"),
        format!("/sites/{uri}/files/probe.php"),
        format!("/sites/{uri}/files/backup_migrate/b.sql"),
        "/includes/bootstrap.inc".to_string(),
        "/includes/probe.inc".to_string(),
        "/.htaccess".to_string(),
        "/.git/config".to_string(),
        "/probe.php".to_string(),
        "/modules/system/system.install".to_string(),
        "/composer.json".to_string(),
    ];
    for path in &refused {
        let (status, body) = get(port, tls, uri, path);
        assert!(
            status == "403" || status == "404",
            "{path} must be refused, got {status}: {body}"
        );
        assert!(!body.contains("SECRET"), "{path} leaked: {body}");
        assert!(
            !body.contains("mini_connection_info"),
            "{path} leaked source"
        );
    }
    let css = format!("/sites/{uri}/files/probe.css");
    assert_eq!(
        get(port, tls, uri, &css),
        ("200".into(), "body { color: red; }".into())
    );
    for path in ["/", "/index.php", "/node/1", "/some/clean/url?x=1"] {
        let (status, body) = get(port, tls, uri, path);
        assert_eq!(status, "200", "{path}: {body}");
        assert!(body.contains(want), "{path}: {body}");
    }
}

#[test]
fn nginx_serves_a_sqlite_site_from_its_database() {
    serve_site(HttpApp::Nginx, Backend::Sqlite, false);
}

#[test]
fn nginx_serves_a_mariadb_site_from_its_database() {
    serve_site(HttpApp::Nginx, Backend::Mariadb, false);
}

#[test]
fn apache_serves_a_sqlite_site_from_its_database() {
    serve_site(HttpApp::Apache, Backend::Sqlite, false);
}

#[test]
fn apache_serves_a_mariadb_site_from_its_database() {
    serve_site(HttpApp::Apache, Backend::Mariadb, false);
}

#[test]
fn nginx_ssl_serves_a_mariadb_site_over_https() {
    serve_site(HttpApp::Nginx, Backend::Mariadb, true);
}

#[test]
fn apache_ssl_serves_a_sqlite_site_over_https() {
    serve_site(HttpApp::Apache, Backend::Sqlite, true);
}

/// Renders every config for `server` with a redirecting and a plain site.
fn render_all(server: &HttpServer, root: &Path) {
    http::write_server(server).unwrap();
    http::write_platform(
        server,
        &PlatformVhost {
            name: "platform_d7".into(),
            root: root.into(),
        },
    )
    .unwrap();
    let db = DbEnv {
        db_type: "mysql".into(),
        db_host: "db.example.com".into(),
        db_port: "3306".into(),
        db_user: "examplecom".into(),
        db_passwd: "a b;c$d'e\"f{g}".into(),
        db_name: "examplecom".into(),
    };
    for (uri, redirection) in [
        ("example.com", Some("www.example.com")),
        ("plain.org", None),
    ] {
        let site = SiteVhost {
            uri: uri.into(),
            root: root.into(),
            site_path: root.join("sites").join(uri),
            aliases: vec![format!("www.{uri}"), format!("old.{uri}")],
            redirection: redirection.map(String::from),
            db: db.clone(),
        };
        http::write_site(server, &site).unwrap();
    }
}

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.push((path.clone(), fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

/// Bad uris, aliases and redirections are refused and leave no file behind.
fn refuses_bad_sites(server: &HttpServer, root: &Path) {
    let before = snapshot(&server.config_path);
    for bad in [
        "../../etc/passwd",
        "a b.com",
        "a'b.com",
        "a\"b.com",
        "a;b.com",
        "a$b.com",
        "",
    ] {
        let site = |uri: &str, aliases: Vec<String>, redirection: Option<String>| SiteVhost {
            uri: uri.into(),
            root: root.into(),
            site_path: root.join("sites/ok.com"),
            aliases,
            redirection,
            db: DbEnv::default(),
        };
        assert!(
            http::write_site(server, &site(bad, vec![], None)).is_err(),
            "uri {bad:?}"
        );
        let alias = site("ok.com", vec![bad.into()], None);
        assert!(http::write_site(server, &alias).is_err(), "alias {bad:?}");
        let redirect = site("ok.com", vec![], Some(bad.into()));
        assert!(
            http::write_site(server, &redirect).is_err(),
            "redirection {bad:?}"
        );
        let platform = PlatformVhost {
            name: bad.into(),
            root: root.into(),
        };
        assert!(
            http::write_platform(server, &platform).is_err(),
            "platform {bad:?}"
        );
    }
    let evil_root = SiteVhost {
        uri: "ok.com".into(),
        root: PathBuf::from("/srv/x; include /etc/passwd"),
        site_path: root.join("sites/ok.com"),
        aliases: vec![],
        redirection: None,
        db: DbEnv::default(),
    };
    assert!(
        http::write_site(server, &evil_root).is_err(),
        "root with directives"
    );
    assert_eq!(before, snapshot(&server.config_path), "nothing was written");
}

fn check_server(app: HttpApp, ssl: bool) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("platform");
    fs::create_dir_all(&root).unwrap();
    let server = HttpServer {
        app,
        config_path: dir.path().join("config"),
        http_port: 8080,
        php_fpm: if ssl {
            FpmEndpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 9000,
            }
        } else {
            FpmEndpoint::Socket(dir.path().join("fpm.sock"))
        },
        ssl: ssl.then_some(SslServer { port: 8443 }),
        restart_cmd: "true".into(),
    };
    render_all(&server, &root);
    let first = snapshot(&server.config_path);
    render_all(&server, &root);
    assert_eq!(
        first,
        snapshot(&server.config_path),
        "a second verify writes identical bytes"
    );
    refuses_bad_sites(&server, &root);
    let run = dir.path().join("run");
    fs::create_dir_all(&run).unwrap();
    let conf = server.server_conf_path();
    let check = match app {
        HttpApp::Nginx => {
            let main = dir.path().join("nginx.conf");
            fs::write(
                &main,
                format!(
                    "pid {r}/nginx.pid;\nerror_log {r}/error.log;\nevents {{}}\nhttp {{\n  include {c};\n}}\n",
                    r = run.display(),
                    c = conf.display()
                ),
            )
            .unwrap();
            ConfigCheck::Nginx { conf: main }
        }
        HttpApp::Apache => {
            let mods = "/usr/lib/apache2/modules";
            let mut main = format!(
                "PidFile {r}/apache2.pid\nDefaultRuntimeDir {r}\nErrorLog {r}/error.log\nServerName localhost\nListen 127.0.0.1:8080\n",
                r = run.display()
            );
            for m in [
                "mpm_event",
                "authz_core",
                "alias",
                "dir",
                "env",
                "mime",
                "proxy",
                "proxy_fcgi",
                "ssl",
                "socache_shmcb",
            ] {
                main += &format!("LoadModule {m}_module {mods}/mod_{m}.so\n");
            }
            main += &format!("Include {}\n", conf.display());
            fs::write(dir.path().join("apache2.conf"), main).unwrap();
            let envvars = format!(
                "export APACHE_RUN_DIR={r}\nexport APACHE_LOCK_DIR={r}\nexport APACHE_LOG_DIR={r}\n",
                r = run.display()
            );
            fs::write(dir.path().join("envvars"), envvars).unwrap();
            ConfigCheck::Apache {
                confdir: dir.path().to_path_buf(),
            }
        }
    };
    if let Err(e) = http::check_config(&check) {
        let vhost = fs::read_to_string(server.vhost_path("example.com")).unwrap_or_default();
        panic!(
            "{} config test failed: {e}\n--- vhost ---\n{vhost}",
            app.name()
        );
    }
    if ssl {
        let (_, key) = server.default_cert();
        let mode = fs::metadata(key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the default key is private");
    }
    let vhost_mode = fs::metadata(server.vhost_path("plain.org"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(vhost_mode & 0o777, 0o600, "vhosts hold credentials");
}

#[test]
fn nginx_configs_pass_nginx_t() {
    check_server(HttpApp::Nginx, false);
}

#[test]
fn nginx_ssl_configs_pass_nginx_t() {
    check_server(HttpApp::Nginx, true);
}

#[test]
fn apache_configs_pass_apache2ctl_t() {
    check_server(HttpApp::Apache, false);
}

#[test]
fn apache_ssl_configs_pass_apache2ctl_t() {
    check_server(HttpApp::Apache, true);
}

/// Logs in as the site's user over TCP and runs `sql`.
fn as_site_user(db: &SiteDb, sql: &str) -> Result<String, provision::service::ServiceError> {
    let admin = mariadb();
    let user = MysqlServer {
        host: "127.0.0.1".into(),
        port: admin.port,
        socket: None,
        user: db.user.clone(),
        password: db.password.clone(),
    };
    user.query(sql, &[])
}

fn assert_gone(srv: &MysqlServer, db: &SiteDb, hosts: &[&str]) {
    assert!(!srv.database_exists(&db.name).unwrap(), "database dropped");
    for host in hosts {
        assert!(
            !srv.user_exists(&db.user, host).unwrap(),
            "user@{host} dropped"
        );
    }
}

#[test]
fn mariadb_grants_each_web_host_plus_localhost_and_rollback_drops_all() {
    let srv = mariadb();
    let uri = format!("www.grants-{}.example.com", std::process::id());
    let db = naming::new_site_db(&uri, |n| srv.database_exists(n)).unwrap();
    assert_eq!(db.name, naming::base_db_name(&uri)[..db.name.len()]);
    let web = vec!["web1.example.com".to_string(), "10.0.0.%".to_string()];
    srv.create_site_db(&db, &web).unwrap();
    for host in ["web1.example.com", "10.0.0.%", "127.0.0.1"] {
        let grants = srv.show_grants(&db.user, host).unwrap().join("\n");
        let escaped = db.name.replace('_', "\\_");
        assert!(
            grants.contains(&format!("GRANT ALL PRIVILEGES ON `{escaped}`.* TO")),
            "{host}: {grants}"
        );
    }
    let who = as_site_user(&db, "SELECT CURRENT_USER(), DATABASE();").unwrap();
    assert!(who.starts_with(&format!("{}@127.0.0.1", db.user)), "{who}");
    as_site_user(&db, &format!("CREATE TABLE `{}`.t (x INT);", db.name)).unwrap();
    assert!(
        as_site_user(&db, "CREATE DATABASE provision_not_mine;").is_err(),
        "no other db"
    );
    assert!(
        srv.create_site_db(&db, &web).is_err(),
        "an existing database is refused"
    );
    assert!(srv.database_exists(&db.name).unwrap(), "and left alone");

    srv.drop_site_db(&db, &web).unwrap();
    assert_gone(&srv, &db, &["web1.example.com", "10.0.0.%", "127.0.0.1"]);
    assert!(as_site_user(&db, "SELECT 1;").is_err(), "the login is gone");
}

#[test]
fn mariadb_quotes_hostile_names_and_refuses_unsafe_ones() {
    let srv = mariadb();
    let db = SiteDb {
        name: format!("we`ird'db_{}", std::process::id()),
        user: format!("us`er'x\"{}", std::process::id() % 1000),
        password: "p'w\"`$;x y".into(),
    };
    srv.create_site_db(&db, &[]).unwrap();
    assert!(srv.database_exists(&db.name).unwrap());
    let out = as_site_user(&db, "SELECT DATABASE(), 1;");
    assert!(out.is_ok(), "login with a hostile password: {out:?}");
    srv.drop_site_db(&db, &[]).unwrap();
    assert_gone(&srv, &db, &["127.0.0.1"]);

    for bad in ["a/b", "a.b", "-x", "a\\b", ""] {
        let db = SiteDb {
            name: bad.into(),
            user: "u".into(),
            password: "p".into(),
        };
        assert!(srv.create_site_db(&db, &[]).is_err(), "{bad:?} refused");
    }
}

#[test]
fn mariadb_rollback_of_a_partial_create_leaves_nothing() {
    let srv = mariadb();
    let db = SiteDb {
        name: format!("partial_{}", std::process::id()),
        user: format!("partial_{}", std::process::id()),
        password: naming::generate_password().unwrap(),
    };
    // Half of a create: the database and one of two accounts.
    let sql = format!(
        "CREATE DATABASE `{n}`; CREATE USER '{u}'@'127.0.0.1' IDENTIFIED BY '{p}'; GRANT ALL PRIVILEGES ON `{n}`.* TO '{u}'@'127.0.0.1';",
        n = db.name,
        u = db.user,
        p = db.password
    );
    srv.query(&sql, &[&db.password]).unwrap();
    // A rollback or delete may not know the password; it is not needed.
    let known = SiteDb {
        password: String::new(),
        ..db.clone()
    };
    srv.drop_site_db(&known, &["web1.example.com".to_string()])
        .unwrap();
    assert_gone(&srv, &db, &["web1.example.com", "127.0.0.1"]);
}

#[test]
fn mariadb_dump_and_import_round_trip() {
    let srv = mariadb();
    let uri = format!("dump-{}.example.com", std::process::id());
    let db = naming::new_site_db(&uri, |n| srv.database_exists(n)).unwrap();
    srv.create_site_db(&db, &[]).unwrap();
    let table = format!("`{}`.probe", db.name);
    let view = format!("`{}`.probe_view", db.name);
    srv.query(
        &format!(
            "CREATE TABLE {table} (v VARCHAR(40)); INSERT INTO {table} VALUES ('kept'), ('DEFINER=`a`@`b`');\
             CREATE VIEW {view} AS SELECT v FROM {table};"
        ),
        &[],
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("database.sql");
    srv.dump(&db.name, &dump).unwrap();
    assert_eq!(
        fs::metadata(&dump).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = fs::read_to_string(&dump).unwrap();
    assert!(text.contains("probe_view"), "the view is dumped");
    assert_eq!(
        text.matches("DEFINER=").count(),
        1,
        "only the data keeps its DEFINER text"
    );
    srv.query(&format!("DROP VIEW {view}; DROP TABLE {table};"), &[])
        .unwrap();
    srv.import(&db.name, &dump).unwrap();
    assert_eq!(
        srv.query(&format!("SELECT v FROM {view} ORDER BY v;"), &[])
            .unwrap(),
        "DEFINER=`a`@`b`\nkept\n"
    );
    srv.drop_site_db(&db, &[]).unwrap();
    assert_gone(&srv, &db, &["127.0.0.1"]);
}
