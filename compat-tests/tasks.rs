//! End-to-end tasks against the real servers `scripts/services/*` start: contexts
//! saved with `provision-save`, then `provision-verify` of server, platform and site
//! and `provision-install` of a site on the fixture platform, served by nginx or
//! Apache with php-fpm from MariaDB or SQLite, fetched with curl by Host header.
//! Also: verify writes identical bytes twice, rollback leaves nothing behind, bad
//! input is refused before anything is made.
//!
//! Every provision run is the unprivileged task user's (`scripts/services/aegir-user`,
//! as Aegir runs its backend as `aegir`): it owns HOME and the platform copies, is in
//! www-data, and reloads the web servers through sudo with the rule that script
//! installs. The test itself stays root to set up, assert and clean up.

mod common;

use common::live::{
    fact, get, mariadb, service_env, urlencode, wait_for, wait_for_page, Workspace,
};
use common::user::{task_user, TaskUser};
use common::{backend_result, copy_tree, fixtures};
use provision::service::db::mysql::MysqlServer;
use serde_json::Value as Json;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Mutex;

/// One live scenario at a time: they reload the shared web servers.
static LIVE: Mutex<()> = Mutex::new(());

#[derive(Clone, Copy, PartialEq)]
enum Web {
    Nginx,
    Apache,
}

#[derive(Clone, Copy, PartialEq)]
enum Db {
    Mariadb,
    Sqlite,
}

/// A test installation: HOME (= aegir_root) with the contexts, a copy of the fixture
/// platform, and the live web server including this HOME's server config.
struct Scene {
    ws: Workspace,
    user: TaskUser,
    web: Web,
    link: PathBuf,
    run_args: Vec<String>,
    port: u16,
    uri: String,
}

impl Scene {
    fn new(name: &str, web: Web) -> Scene {
        Scene::with_platform(name, web, &fixtures().join("platforms/drupal7-mini"))
    }

    /// A scene whose platform is a copy of the code base at `source`.
    fn with_platform(name: &str, web: Web, source: &Path) -> Scene {
        let user = task_user();
        let ws = Workspace::new(name);
        fs::create_dir_all(ws.0.join("home")).unwrap();
        fs::set_permissions(ws.0.join("home"), fs::Permissions::from_mode(0o755)).unwrap();
        copy_tree(source, &ws.0.join("platform"));
        // As Aegir's: HOME (the aegir_root) and the platform code are the user's; so is
        // the workspace, where a test may ask for a named backup.
        user.chown_tree(&ws.0);
        let fpm = service_env("php-fpm");
        let mut run_args = vec![format!("--phpfpm_socket_path={}", fact(&fpm, "SOCKET"))];
        let (env, app) = match web {
            // nginx's own config test (`nginx -t`) opens the root-owned pid file, which
            // the task user cannot: its sudo reload (which parses the config first) is
            // the test, as in Aegir.
            Web::Nginx => (service_env("nginx"), "nginx"),
            // apache2ctl -t runs as the task user: the config test is kept.
            Web::Apache => {
                let env = service_env("apache2");
                run_args.push(format!("--apache_confdir={}", fact(&env, "CONFDIR")));
                (env, "apache")
            }
        };
        let link = Path::new(&fact(&env, "CONFD")).join(format!(
            "{}.conf",
            ws.0.file_name().unwrap().to_string_lossy()
        ));
        let uri = format!(
            "{}.test",
            ws.0.file_name()
                .unwrap()
                .to_string_lossy()
                .replace('_', "-")
        );
        let scene = Scene {
            run_args,
            user,
            port: fact(&env, "PORT").parse().unwrap(),
            link,
            web,
            uri,
            ws,
        };
        // As Aegir: the web server includes {aegir_root}/config/{app}.conf. Until the
        // server verify links the real config there it is empty: a dangling link would
        // break every reload of the shared server, other test runs' too.
        let conf = scene.home().join("config").join(format!("{app}.conf"));
        fs::create_dir_all(conf.parent().unwrap()).unwrap();
        fs::write(&conf, "").unwrap();
        scene.user.chown_tree(&scene.home());
        symlink(&conf, &scene.link).unwrap();
        scene
    }

    fn home(&self) -> PathBuf {
        self.ws.0.join("home")
    }

    fn root(&self) -> PathBuf {
        self.ws.0.join("platform")
    }

    fn site_path(&self) -> PathBuf {
        self.root().join("sites").join(&self.uri)
    }

    /// The reload through sudo the task user may run (Aegir's `sudo /usr/sbin/nginx -s
    /// reload`, `sudo apache2ctl graceful`, for the test servers).
    fn restart_cmd(&self) -> String {
        match self.web {
            Web::Nginx => self.user.nginx_reload.clone(),
            Web::Apache => self.user.apache_graceful.clone(),
        }
    }

    /// Runs provision as the task user with HOME = this scene's aegir_root.
    fn run(&self, args: &[&str]) -> Output {
        self.user.provision(args, &self.home())
    }

    /// Runs a task command with this scene's run options; returns the output.
    fn task(&self, args: &[&str]) -> Output {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(self.run_args.iter().map(String::as_str));
        self.run(&all)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.task(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Saves @server_master with this scene's web server and `db`, as hosting would.
    fn save_server(&self, db: Db, admin: &MysqlServer) {
        let http = match self.web {
            Web::Nginx => "nginx",
            Web::Apache => "apache",
        };
        let mut args = vec![
            "provision-save".to_string(),
            "@server_master".into(),
            "--context_type=server".into(),
            "--remote_host=127.0.0.1".into(),
            format!("--aegir_root={}", self.home().display()),
            format!("--http_service_type={http}"),
            format!("--http_port={}", self.port),
            format!("--http_restart_cmd={}", self.restart_cmd()),
            "--web_group=www-data".into(),
        ];
        match db {
            Db::Sqlite => args.push("--db_service_type=sqlite".into()),
            Db::Mariadb => {
                args.push("--db_service_type=mysql".into());
                args.push(format!(
                    "--master_db=mysql://{}:{}@{}:{}",
                    admin.user,
                    urlencode(&admin.password),
                    admin.host,
                    admin.port
                ));
                args.push(format!("--db_port={}", admin.port));
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&args);
        assert!(
            out.status.success(),
            "save server: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn save_platform(&self) {
        let root = format!("--root={}", self.root().display());
        let out = self.run(&[
            "provision-save",
            "@platform_mini",
            "--context_type=platform",
            &root,
            "--web_server=@server_master",
        ]);
        assert!(
            out.status.success(),
            "save platform: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn save_site(&self) {
        let uri = format!("--uri={}", self.uri);
        let aliases = format!("--aliases=www.{}", self.uri);
        let out = self.run(&[
            "provision-save",
            &format!("@{}", self.uri),
            "--context_type=site",
            &uri,
            "--platform=@platform_mini",
            "--db_server=@server_master",
            "--profile=standard",
            &aliases,
        ]);
        assert!(
            out.status.success(),
            "save site: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Saves and verifies server and platform, and saves the site.
    fn prepare(&self, db: Db, admin: &MysqlServer) {
        self.save_server(db, admin);
        self.ok(&["@server_master", "provision-verify"]);
        self.save_platform();
        self.ok(&["@platform_mini", "provision-verify"]);
        self.save_site();
    }

    /// Installs this scene's site; returns its database name.
    fn install(&self) -> String {
        let out = self.ok(&[&format!("@{}", self.uri), "provision-install", "--backend"]);
        backend_result(&out)["self"]["db_name"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// A second platform `@platform_NAME` (a copy of the fixture) on @server_master,
    /// saved and verified; returns its root.
    fn add_platform(&self, name: &str) -> PathBuf {
        let root = self.ws.0.join(format!("platform-{name}"));
        copy_tree(&fixtures().join("platforms/drupal7-mini"), &root);
        self.user.chown_tree(&root);
        let out = self.run(&[
            "provision-save",
            &format!("@platform_{name}"),
            "--context_type=platform",
            &format!("--root={}", root.display()),
            "--web_server=@server_master",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.ok(&[&format!("@platform_{name}"), "provision-verify"]);
        root
    }

    fn alias_file(&self, name: &str) -> PathBuf {
        self.home()
            .join(".drush")
            .join(format!("{name}.alias.drushrc.php"))
    }

    fn vhost(&self) -> PathBuf {
        let app = match self.web {
            Web::Nginx => "nginx",
            Web::Apache => "apache",
        };
        self.home()
            .join("config/server_master")
            .join(app)
            .join("vhost.d")
            .join(&self.uri)
    }
}

impl Drop for Scene {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.link);
        let _ = provision::service::exec::run_shell(&self.restart_cmd());
    }
}

/// Every regular file under `dir` with its bytes, sorted by path.
fn snapshot(dirs: &[PathBuf]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in dirs {
        for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
            let e = e.unwrap();
            if e.file_type().is_file() && !e.path().to_string_lossy().contains("/private/db/") {
                out.push((e.path().to_path_buf(), fs::read(e.path()).unwrap()));
            }
        }
    }
    out
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().mode() & 0o7777
}

fn www_data_gid() -> u32 {
    provision::service::db::sqlite::group_id("www-data").unwrap()
}

/// Install, serve, verify twice with identical bytes.
fn install_and_serve(web: Web, db: Db) {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new(
        match (web, db) {
            (Web::Nginx, Db::Mariadb) => "nginx-maria",
            (Web::Nginx, Db::Sqlite) => "nginx-sqlite",
            (Web::Apache, Db::Mariadb) => "apache-maria",
            (Web::Apache, Db::Sqlite) => "apache-sqlite",
        },
        web,
    );
    let admin = mariadb();
    scene.prepare(db, &admin);

    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-install", "--backend"]);
    let result = backend_result(&out);
    assert_eq!(result["error_status"], 0, "{result}");
    let login = result["context"]["login_link"].as_str().unwrap_or_default();
    assert!(
        login.starts_with(&format!(
            "http://{}:{}/user/reset/1/",
            scene.uri, scene.port
        )) && login.ends_with("/login"),
        "login_link {login:?}"
    );
    let db_name = result["self"]["db_name"].as_str().unwrap().to_string();
    assert!(!db_name.is_empty());
    assert!(
        result["context"]["packages"]["modules"]["system"].is_object(),
        "{}",
        result["context"]["packages"]
    );
    assert!(!result["context"]["cron_key"]
        .as_str()
        .unwrap_or_default()
        .is_empty());

    wait_for_page(
        scene.port,
        false,
        &scene.uri,
        &format!("<h1 id=\"site-name\">{}</h1>", scene.uri),
    );
    assert_site_files_path_shown(&scene);
    if db == Db::Mariadb {
        assert!(admin.database_exists(&db_name).unwrap());
    }
    let settings = scene.site_path().join("settings.php");
    assert_eq!(mode(&settings), 0o440);
    assert_eq!(fs::metadata(&settings).unwrap().gid(), www_data_gid());
    // Made by the task user, not by root.
    for made in [&settings, &scene.home().join(".drush")] {
        assert_eq!(
            fs::metadata(made).unwrap().uid(),
            scene.user.uid,
            "{made:?}"
        );
    }
    assert_eq!(mode(&scene.site_path().join("drushrc.php")), 0o440);
    assert_drushrc_is_aegirs(&scene.site_path());
    assert_settings_read_drushrc_credentials(&scene.site_path());
    assert_eq!(mode(&scene.site_path().join("files")), 0o2770);

    // Verify is idempotent: the same bytes on every run.
    let watched = [
        scene.site_path(),
        scene.home().join("config"),
        scene.root().join("sites/sites.php"),
        scene.home().join(".drush"),
    ];
    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-verify", "--backend"]);
    let result = backend_result(&out);
    assert_eq!(result["self"]["db_name"], db_name.as_str());
    let first = snapshot(&watched);
    scene.ok(&[&format!("@{}", scene.uri), "provision-verify"]);
    assert!(first == snapshot(&watched), "a second verify changed files");
    wait_for_page(
        scene.port,
        false,
        &scene.uri,
        &format!("<h1 id=\"site-name\">{}</h1>", scene.uri),
    );

    if db == Db::Mariadb {
        assert_backup(&scene);
        assert_delete(&scene, &admin, &db_name);
    }
}

/// provision-delete: a platform with a site is refused; the site goes (backup kept,
/// database, user, vhost, sites.php entry, directory, alias), then the platform.
fn assert_delete(scene: &Scene, admin: &MysqlServer, db_name: &str) {
    let out = scene.task(&["@platform_mini", "provision-delete"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("still has sites"));
    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-delete", "--backend"]);
    let backup = backend_result(&out)["context"]["backup_file"]
        .as_str()
        .map(PathBuf::from)
        .unwrap();
    assert!(backup.is_file(), "the backup is kept");
    assert!(!admin.database_exists(db_name).unwrap());
    for host in ["localhost", "127.0.0.1"] {
        assert!(!admin.user_exists(db_name, host).unwrap());
    }
    assert!(!scene.vhost().exists() && !scene.site_path().exists());
    assert!(!scene.alias_file(&scene.uri).exists());
    let sites_php = fs::read_to_string(scene.root().join("sites/sites.php")).unwrap();
    assert!(!sites_php.contains(&scene.uri));
    scene.ok(&["@platform_mini", "provision-delete"]);
    assert!(!scene.root().exists() && !scene.alias_file("platform_mini").exists());
}

/// provision-backup writes Aegir's tarball: `./` holding settings.php, drushrc.php,
/// database.sql (a real dump) and the site dirs; the dump is gone from the site dir after.
fn assert_backup(scene: &Scene) {
    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-backup", "--backend"]);
    let result = backend_result(&out);
    let file = PathBuf::from(result["context"]["backup_file"].as_str().unwrap());
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let stamp = name
        .strip_prefix(&format!("{}-", scene.uri))
        .and_then(|r| r.strip_suffix(".tar.gz"))
        .unwrap_or_else(|| panic!("backup name {name}"));
    assert!(stamp.len() == 15 && stamp.as_bytes()[8] == b'.', "{stamp}");
    assert_eq!(file.parent().unwrap(), scene.home().join("backups"));
    assert_eq!(
        result["context"]["backup_file_size"],
        fs::metadata(&file).unwrap().len()
    );
    let list = std::process::Command::new("tar")
        .arg("tzf")
        .arg(&file)
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    for entry in [
        "./settings.php",
        "./drushrc.php",
        "./database.sql",
        "./files/",
    ] {
        assert!(list.lines().any(|l| l == entry), "{entry} not in {list}");
    }
    let dump = std::process::Command::new("tar")
        .arg("xzOf")
        .arg(&file)
        .arg("./database.sql")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&dump.stdout).contains("CREATE TABLE `variable`"));
    assert!(!scene.site_path().join("database.sql").exists());
}

/// The site's drushrc.php is byte-identical to what Aegir's template prints for the
/// same options: PHP includes our file and prints the layout with its own var_export.
fn assert_drushrc_is_aegirs(site_path: &Path) {
    let file = site_path.join("drushrc.php");
    let ours = fs::read(&file).unwrap();
    let php = common::php(
        r#"include $argv[1];
$out = "<?php \n\n";
foreach ($options as $key => $value) {
  $out .= "\n\$options['$key'] = " . var_export($value, TRUE) . ';';
}
$out .= "\n# Aegir additions.\n";
foreach (array('db_type', 'db_port', 'db_host', 'db_user', 'db_passwd', 'db_name') as $key) {
  $out .= "\$_SERVER['$key'] = \$options['$key'];\n";
}
$out .= "\n# Local non-aegir-generated additions.\n@include_once('" . $argv[2] . "/local.drushrc.php');\n";
echo $out;"#,
        &[&file.to_string_lossy(), &site_path.to_string_lossy()],
        b"",
    );
    common::assert_bytes_eq(&ours, &php, "site drushrc.php");
    let options = common::php(
        "include $argv[1]; echo $_SERVER['db_name'] === $options['db_name'] ? 'ok' : 'no';",
        &[&file.to_string_lossy()],
        b"",
    );
    assert_eq!(options, b"ok");
}

/// On the command line, PHP including drushrc.php then settings.php gets the site's
/// connection from the drushrc options (the credentials are not in settings.php).
fn assert_settings_read_drushrc_credentials(site_path: &Path) {
    let check = common::php(
        r#"include $argv[1] . '/drushrc.php';
include $argv[1] . '/settings.php';
$db = $databases['default']['default'];
$ok = $db['driver'] === $options['db_type'] && $db['database'] === $options['db_name']
  && $db['username'] === $options['db_user'] && $db['password'] === $options['db_passwd'];
echo $ok ? 'ok' : json_encode($db);"#,
        &[&site_path.to_string_lossy()],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&check), "ok");
    let settings = fs::read_to_string(site_path.join("settings.php")).unwrap();
    let drushrc = fs::read_to_string(site_path.join("drushrc.php")).unwrap();
    let passwd = drushrc
        .lines()
        .find_map(|l| l.strip_prefix("$options['db_passwd'] = '"))
        .map(|rest| rest.trim_end_matches("';").to_string())
        .unwrap();
    assert!(
        passwd.is_empty() || !settings.contains(&passwd),
        "settings.php holds the password"
    );
}

/// Drops a site's database and accounts (test cleanup).
fn drop_site_db(admin: &MysqlServer, name: &str) {
    let db = provision::service::db::SiteDb {
        name: name.into(),
        user: name.into(),
        password: String::new(),
    };
    admin.drop_site_db(&db, &["localhost".into()]).unwrap();
}

#[test]
fn install_on_mariadb_behind_nginx_serves_the_site_and_verify_is_idempotent() {
    install_and_serve(Web::Nginx, Db::Mariadb);
}

#[test]
fn install_on_mariadb_behind_apache_serves_the_site_and_verify_is_idempotent() {
    install_and_serve(Web::Apache, Db::Mariadb);
}

#[test]
fn install_on_sqlite_behind_nginx_serves_the_site() {
    install_and_serve(Web::Nginx, Db::Sqlite);
}

#[test]
fn platform_verify_reports_packages_profiles_and_sites_and_writes_its_drushrc() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("platform", Web::Nginx);
    scene.save_server(Db::Sqlite, &mariadb());
    scene.ok(&["@server_master", "provision-verify"]);
    scene.save_platform();
    let out = scene.ok(&["@platform_mini", "provision-verify", "--backend"]);
    let result = backend_result(&out);
    let profiles = &result["context"]["profiles"];
    assert!(
        profiles
            .as_array()
            .is_some_and(|p| p.contains(&"standard".into()) && p.contains(&"minimal".into())),
        "{profiles}"
    );
    let packages = &result["context"]["packages"];
    assert!(
        packages["base"]["platforms"]["drupal"].is_object(),
        "{packages}"
    );
    assert!(
        packages["base"]["modules"]["system"].is_object(),
        "{packages}"
    );
    assert!(result["context"]["sites"].is_array(), "{result}");
    let drushrc = scene.root().join("sites/all/drush/drushrc.php");
    assert_eq!(mode(&drushrc), 0o444);
    // PHP's own include of the file gives the options hosting got.
    let php_json = common::php(
        "include $argv[1]; echo json_encode($options['profiles']);",
        &[&drushrc.to_string_lossy()],
        b"",
    );
    let from_php: Json = serde_json::from_slice(&php_json).unwrap();
    assert_eq!(&from_php, profiles);
    let conf = scene
        .home()
        .join("config/server_master/nginx/platform.d/platform_mini.conf");
    assert!(conf.is_file());
}

/// The databases and accounts on the test MariaDB.
fn db_state(admin: &MysqlServer) -> String {
    admin
        .query(
            "SHOW DATABASES; SELECT User, Host FROM mysql.user ORDER BY User, Host;",
            &[],
        )
        .unwrap()
}

/// What must be gone after a failed install: the state of files and MariaDB is as before.
fn assert_nothing_left(scene: &Scene, admin: &MysqlServer, db_before: &str) {
    assert!(!scene.site_path().exists(), "site dir left");
    assert!(!scene.vhost().exists(), "vhost left");
    assert!(!scene.alias_file(&scene.uri).exists(), "alias left");
    let sites_php = fs::read_to_string(scene.root().join("sites/sites.php")).unwrap_or_default();
    assert!(
        !sites_php.contains(&scene.uri),
        "sites.php keeps {}",
        scene.uri
    );
    assert_eq!(db_before, db_state(admin), "a database or account was left");
}

#[test]
fn a_database_failure_mid_way_rolls_everything_back() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("rollback-db", Web::Nginx);
    let admin = mariadb();
    // An admin that may create databases but not users: the install fails after
    // CREATE DATABASE, at CREATE USER.
    let limited = MysqlServer {
        user: format!("lim{}", std::process::id()),
        password: "limited-pw".into(),
        ..admin.clone()
    };
    for host in ["localhost", "127.0.0.1"] {
        admin
            .query(
                &format!(
                    "CREATE USER IF NOT EXISTS '{u}'@'{host}' IDENTIFIED BY 'limited-pw'; GRANT CREATE, DROP, SELECT ON *.* TO '{u}'@'{host}';",
                    u = limited.user
                ),
                &[],
            )
            .unwrap();
    }
    scene.prepare(Db::Mariadb, &limited);
    let before = db_state(&admin);
    let out = scene.task(&[&format!("@{}", scene.uri), "provision-install"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Rolled back"), "{stderr}");
    assert!(
        !stderr.contains("limited-pw"),
        "a password leaked: {stderr}"
    );
    assert_nothing_left(&scene, &admin, &before);
    for host in ["localhost", "127.0.0.1"] {
        let _ = admin.query(
            &format!("DROP USER IF EXISTS '{}'@'{host}';", limited.user),
            &[],
        );
    }
}

#[test]
fn an_installer_failure_rolls_everything_back() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("rollback-installer", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    // A profile whose install fails after the installer created its tables.
    add_failing_profile(&scene);
    let before = db_state(&admin);
    let out = scene.task(&[
        &format!("@{}", scene.uri),
        "provision-install",
        "--profile=failing",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Rolled back"), "{stderr}");
    assert!(stderr.contains("The failing profile failed."), "{stderr}");
    assert_nothing_left(&scene, &admin, &before);
}

/// Adds the profile `failing` to a platform copy: the fixture installer creates its
/// tables, then stops with an error, for this profile.
fn add_failing_profile(scene: &Scene) {
    add_profile(
        scene,
        "failing",
        "throw new RuntimeException('The failing profile failed.');",
    );
}

/// What Drupal 7's installer does to the site once it is configured
/// (`drupal_verify_install_file(conf_path(), FILE_NOT_WRITABLE, 'dir')` and the same
/// for settings.php): the site directory 0555, settings.php 0444.
const D7_READ_ONLY: &str = "chmod(DRUPAL_ROOT . '/' . conf_path() . '/settings.php', 0444);\n  chmod(DRUPAL_ROOT . '/' . conf_path(), 0555);";

/// Adds the profile `name` to the scene's platform, owned by the task user: its
/// hook_install() (run by the fixture installer once the tables exist) is `body`.
fn add_profile(scene: &Scene, name: &str, body: &str) {
    let dir = scene.root().join("profiles").join(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join(format!("{name}.info")),
        format!("name = {name}\ndescription = A test profile.\ncore = 7.x\n"),
    )
    .unwrap();
    fs::write(
        dir.join(format!("{name}.profile")),
        format!("<?php\nfunction {name}_install() {{\n  {body}\n}}\n"),
    )
    .unwrap();
    scene.user.chown_tree(&dir);
}

/// Drupal 7 makes the site directory 0555 during its install; when the install
/// then fails, the rollback still removes everything the task made.
#[test]
fn an_installer_failure_after_drupal_made_the_site_dir_read_only_rolls_everything_back() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("rollback-0555", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    add_profile(
        &scene,
        "readonly_failing",
        &format!("{D7_READ_ONLY}\n  throw new RuntimeException('Failed after the site dir went read-only.');"),
    );
    let before = db_state(&admin);
    let out = scene.task(&[
        &format!("@{}", scene.uri),
        "provision-install",
        "--profile=readonly_failing",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Rolled back"), "{stderr}");
    assert!(
        stderr.contains("Failed after the site dir went read-only."),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Rollback of"),
        "a rollback step failed: {stderr}"
    );
    assert_nothing_left(&scene, &admin, &before);
}

/// Drupal 7 makes the site directory 0555 during a successful install: provision
/// still writes settings.php and drushrc.php after it, gives the directory its mode
/// back (as Aegir's post-install verify does), and can verify and delete the site.
#[test]
fn an_install_whose_drupal_makes_the_site_dir_read_only_completes() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("install-0555", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    add_profile(&scene, "readonly", D7_READ_ONLY);
    let site = format!("@{}", scene.uri);
    let out = scene.ok(&[
        &site,
        "provision-install",
        "--profile=readonly",
        "--backend",
    ]);
    let db_name = backend_result(&out)["self"]["db_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(mode(&scene.site_path()), 0o755);
    assert_eq!(mode(&scene.site_path().join("settings.php")), 0o440);
    assert_eq!(mode(&scene.site_path().join("drushrc.php")), 0o440);
    wait_for_page(
        scene.port,
        false,
        &scene.uri,
        &format!("<h1 id=\"site-name\">{}</h1>", scene.uri),
    );
    scene.ok(&[&site, "provision-verify"]);
    scene.ok(&[&site, "provision-delete"]);
    assert!(!scene.site_path().exists(), "site dir left");
    assert!(!admin.database_exists(&db_name).unwrap());
}

/// Writes a site alias by hand (provision-save would refuse these values).
fn write_site_alias(scene: &Scene, name: &str, uri: &str, platform: &str) {
    let text = format!(
        "<?php \n$aliases['{name}'] = array (\n  'context_type' => 'site',\n  'platform' => '{platform}',\n  'server' => '@server_master',\n  'db_server' => '@server_master',\n  'uri' => '{}',\n  'root' => '{}',\n  'profile' => 'standard',\n);\n",
        uri.replace('\\', "\\\\").replace('\'', "\\'"),
        scene.root().display()
    );
    fs::write(scene.alias_file(name), text).unwrap();
    scene.user.chown_tree(&scene.alias_file(name));
}

#[test]
fn bad_input_is_refused_before_anything_is_made() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("refuse", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    let before = snapshot(&[scene.root(), scene.home().join("config")]);
    let dbs_before = admin.query("SHOW DATABASES;", &[]).unwrap();
    let cases: Vec<(String, String, &str, Vec<&str>)> = vec![
        ("bad1".into(), "../escape".into(), "@platform_mini", vec![]),
        (
            "bad2".into(),
            "quo'te.test".into(),
            "@platform_mini",
            vec![],
        ),
        (
            "bad3".into(),
            "spa ce.test".into(),
            "@platform_mini",
            vec![],
        ),
        (
            "bad4".into(),
            "semi;colon.test".into(),
            "@platform_mini",
            vec![],
        ),
        (
            "bad5".into(),
            "ok-missing.test".into(),
            "@platform_missing",
            vec![],
        ),
        (
            "bad6".into(),
            "ok-profile.test".into(),
            "@platform_mini",
            vec!["--profile=nope"],
        ),
    ];
    for (name, uri, platform, extra) in &cases {
        write_site_alias(&scene, name, uri, platform);
        let mut args = vec![format!("@{name}"), "provision-install".to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = scene.task(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{uri}: {stderr}");
        assert!(
            !stderr.contains("Rolled back"),
            "{uri}: something was made: {stderr}"
        );
        match platform {
            &"@platform_missing" => assert!(stderr.contains("@platform_missing"), "{stderr}"),
            _ if extra.is_empty() => assert!(stderr.contains("invalid uri"), "{uri}: {stderr}"),
            _ => assert!(stderr.contains("'nope' does not exist"), "{stderr}"),
        }
    }
    assert!(
        before == snapshot(&[scene.root(), scene.home().join("config")]),
        "files changed"
    );
    assert_eq!(dbs_before, admin.query("SHOW DATABASES;", &[]).unwrap());
}

#[test]
fn a_second_install_is_refused_unless_forced() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("reinstall", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Sqlite, &admin);
    let site = format!("@{}", scene.uri);
    let first = backend_result(&scene.ok(&[&site, "provision-install", "--backend"]));
    let out = scene.task(&[&site, "provision-install"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already installed"));
    let again =
        backend_result(&scene.ok(&[&site, "provision-install", "--backend", "--force-reinstall"]));
    // A new database: the installer drew a new cron key.
    assert_ne!(first["context"]["cron_key"], again["context"]["cron_key"]);
    wait_for_page(
        scene.port,
        false,
        &scene.uri,
        &format!("<h1 id=\"site-name\">{}</h1>", scene.uri),
    );
}

/// Optional: the whole flow on a real Drupal 7 code base (`PROVISION_TEST_DRUPAL7_ROOT`),
/// on SQLite behind nginx; its front page must carry the site name (the uri).
#[test]
fn a_real_drupal7_installs_and_answers_when_configured() {
    let Some(source) = std::env::var_os("PROVISION_TEST_DRUPAL7_ROOT") else {
        eprintln!("PROVISION_TEST_DRUPAL7_ROOT is not set: the real Drupal 7 install is not run");
        return;
    };
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::with_platform("drupal7", Web::Nginx, Path::new(&source));
    scene.prepare(Db::Sqlite, &mariadb());
    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-install", "--backend"]);
    let result = backend_result(&out);
    let login = result["context"]["login_link"].as_str().unwrap_or_default();
    assert!(
        login.starts_with(&format!(
            "http://{}:{}/user/reset/1/",
            scene.uri, scene.port
        )),
        "{login}"
    );
    assert_eq!(
        result["context"]["packages"]["modules"]["system"]["status"],
        1
    );
    wait_for_page(scene.port, false, &scene.uri, &scene.uri);
    scene.ok(&[&format!("@{}", scene.uri), "provision-verify"]);
    wait_for_page(scene.port, false, &scene.uri, &scene.uri);
}

/// Optional: the whole flow on a real Backdrop code base (`PROVISION_TEST_BACKDROP_ROOT`),
/// on MariaDB (Backdrop has no SQLite driver) behind nginx.
#[test]
fn a_real_backdrop_installs_and_answers_when_configured() {
    let Some(source) = std::env::var_os("PROVISION_TEST_BACKDROP_ROOT") else {
        eprintln!("PROVISION_TEST_BACKDROP_ROOT is not set: the real Backdrop install is not run");
        return;
    };
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::with_platform("backdrop", Web::Nginx, Path::new(&source));
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    let out = scene.ok(&[&format!("@{}", scene.uri), "provision-install", "--backend"]);
    let result = backend_result(&out);
    let db_name = result["self"]["db_name"].as_str().unwrap().to_string();
    wait_for_page(scene.port, false, &scene.uri, &scene.uri);
    scene.ok(&[&format!("@{}", scene.uri), "provision-verify"]);
    wait_for_page(scene.port, false, &scene.uri, &scene.uri);
    drop_site_db(&admin, &db_name);
}

/// The fixture's front page shows what an installed site stores under its files path
/// (what a rename has to rewrite): file_public_path and the custom block's logo.
fn assert_site_files_path_shown(scene: &Scene) {
    let (_, page) = get(scene.port, false, &scene.uri, "/");
    let files = format!("sites/{}/files", scene.uri);
    let shown = format!("<p id=\"file-public-path\">{files}</p>");
    assert!(page.contains(&shown), "{page}");
    assert!(
        page.contains(&format!("src=\"/{files}/logo.png\"")),
        "{page}"
    );
}

/// provision-migrate to another platform with a new name, on this machine: the plan
/// first (`--dry-run --json`, nothing changes), then the move. The site answers under
/// its new name from the new platform with its content, its stored paths rewritten
/// (site name, file path, block body); the old database, directory, vhost and alias
/// are gone.
fn migrate_with_rename(db: Db) {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new(
        match db {
            Db::Mariadb => "migrate-maria",
            Db::Sqlite => "migrate-sqlite",
        },
        Web::Nginx,
    );
    let admin = mariadb();
    scene.prepare(db, &admin);
    let old = format!("@{}", scene.uri);
    let old_db = scene.install();
    let root_b = scene.add_platform("b");
    let new_uri = format!("new-{}", scene.uri);
    let new = format!("@{new_uri}");

    let out = scene.ok(&[
        &old,
        "provision-migrate",
        "@platform_b",
        &new,
        "--dry-run",
        "--json",
    ]);
    let plan: Json = serde_json::from_slice(&out.stdout).expect("plan JSON");
    assert_eq!(plan["target"], new.as_str());
    assert_eq!(plan["platform"], "@platform_b");
    assert_eq!(
        plan["paths"]["to"],
        root_b.join("sites").join(&new_uri).to_str().unwrap()
    );
    assert!(plan["steps"].as_array().unwrap().len() >= 6, "{plan}");
    assert!(
        !scene.alias_file(&new_uri).exists(),
        "a dry run changes nothing"
    );

    let out = scene.ok(&[&old, "provision-migrate", "@platform_b", &new, "--backend"]);
    let result = backend_result(&out);
    assert_eq!(result["error_status"], 0, "{result}");
    assert!(Path::new(result["context"]["backup_file"].as_str().unwrap()).is_file());
    let new_db = result["context"]["db_name"].as_str().unwrap().to_string();
    assert_ne!(new_db, old_db);
    wait_for_page(
        scene.port,
        false,
        &new_uri,
        &format!("<h1 id=\"site-name\">{new_uri}</h1>"),
    );
    // nginx's old workers may answer a moment longer: wait for the new page.
    let files = format!("sites/{new_uri}/files");
    let shown = format!("<p id=\"file-public-path\">{files}</p>");
    let logo = format!("src=\"/{files}/logo.png\"");
    let old_path = format!("sites/{}/", scene.uri);
    wait_for(
        scene.port,
        false,
        &new_uri,
        "showed the rewritten paths",
        |status, body| {
            status == "200"
                && body.contains(&shown)
                && body.contains(&logo)
                && !body.contains(&old_path)
        },
    );

    if db == Db::Mariadb {
        assert!(
            !admin.database_exists(&old_db).unwrap(),
            "old database dropped"
        );
        assert!(admin.database_exists(&new_db).unwrap());
        drop_site_db(&admin, &new_db);
    }
    assert!(!scene.site_path().exists(), "old site directory removed");
    assert!(!scene.vhost().exists(), "old vhost removed");
    assert!(!scene.alias_file(&scene.uri).exists(), "old alias removed");
    let alias = fs::read_to_string(scene.alias_file(&new_uri)).unwrap();
    assert!(alias.contains("'platform' => '@platform_b'"), "{alias}");
    let sites_php = fs::read_to_string(scene.root().join("sites/sites.php")).unwrap();
    assert!(
        !sites_php.contains(&format!("'{}'", scene.uri)),
        "{sites_php}"
    );
}

#[test]
fn migrate_with_a_rename_on_mariadb_moves_the_site_and_rewrites_its_paths() {
    migrate_with_rename(Db::Mariadb);
}

#[test]
fn migrate_with_a_rename_on_sqlite_moves_the_site_and_rewrites_its_paths() {
    migrate_with_rename(Db::Sqlite);
}

/// provision-migrate to another platform and another database server context, keeping
/// the name: the site answers from the new platform, its alias names the new database
/// server, its new database holds the site and the old one is dropped.
#[test]
fn migrate_to_another_platform_and_database_server_keeps_the_name() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("migrate-db", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    let site = format!("@{}", scene.uri);
    let old_db = scene.install();
    let out = scene.run(&[
        "provision-save",
        "@server_db2",
        "--context_type=server",
        "--remote_host=127.0.0.1",
        "--db_service_type=mysql",
        &format!(
            "--master_db=mysql://{}:{}@{}:{}",
            admin.user,
            urlencode(&admin.password),
            admin.host,
            admin.port
        ),
        &format!("--db_port={}", admin.port),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let root_b = scene.add_platform("b");

    let out = scene.ok(&[
        &site,
        "provision-migrate",
        "@platform_b",
        "--db_server=@server_db2",
        "--backend",
    ]);
    let new_db = backend_result(&out)["context"]["db_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_db, old_db);
    let alias = fs::read_to_string(scene.alias_file(&scene.uri)).unwrap();
    assert!(alias.contains("'db_server' => '@server_db2'"), "{alias}");
    assert!(alias.contains("'platform' => '@platform_b'"), "{alias}");
    let home = format!("<h1 id=\"site-name\">{}</h1>", scene.uri);
    let root = format!("<p id=\"file-public-path\">sites/{}/files</p>", scene.uri);
    wait_for(
        scene.port,
        false,
        &scene.uri,
        "answered from platform b",
        |s, body| s == "200" && body.contains(&home) && body.contains(&root),
    );
    assert!(root_b
        .join("sites")
        .join(&scene.uri)
        .join("settings.php")
        .exists());
    assert!(!scene.site_path().exists());
    assert!(
        !admin.database_exists(&old_db).unwrap(),
        "old database dropped"
    );
    assert!(admin.database_exists(&new_db).unwrap());
    drop_site_db(&admin, &new_db);
}

/// provision-deploy of a backup into a new site context with `--old_uri`: the copy
/// answers under its own name with its paths rewritten, beside the original, which is
/// untouched; deploying into an installed site is refused.
#[test]
fn deploy_of_a_backup_into_a_new_site_context() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("deploy", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    let site = format!("@{}", scene.uri);
    let db = scene.install();
    let file = scene.ws.0.join("copy.tar.gz");
    let mode_before = mode(&scene.ws.0);
    scene.ok(&[&site, "provision-backup", file.to_str().unwrap()]);
    assert_eq!(
        mode(&scene.ws.0),
        mode_before,
        "a named backup leaves its directory's mode"
    );
    let copy = format!("copy-{}", scene.uri);
    let out = scene.run(&[
        "provision-save",
        &format!("@{copy}"),
        "--context_type=site",
        &format!("--uri={copy}"),
        "--platform=@platform_mini",
        "--db_server=@server_master",
    ]);
    assert!(out.status.success());
    let old_uri = format!("--old_uri={}", scene.uri);
    let out = scene.ok(&[
        &format!("@{copy}"),
        "provision-deploy",
        file.to_str().unwrap(),
        &old_uri,
        "--backend",
    ]);
    let copy_db = backend_result(&out)["context"]["db_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(copy_db, db);
    let files = format!("<p id=\"file-public-path\">sites/{copy}/files</p>");
    let name = format!("<h1 id=\"site-name\">{copy}</h1>");
    wait_for(
        scene.port,
        false,
        &copy,
        "answered as the copy",
        |s, body| s == "200" && body.contains(&files) && body.contains(&name),
    );
    wait_for_page(
        scene.port,
        false,
        &scene.uri,
        &format!("<h1 id=\"site-name\">{}</h1>", scene.uri),
    );
    let out = scene.task(&[
        &format!("@{copy}"),
        "provision-deploy",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exists already"));
    for name in [&db, &copy_db] {
        drop_site_db(&admin, name);
    }
}

/// The front page of `host` answers as the site named `name`.
fn wait_for_site(scene: &Scene, host: &str, name: &str) {
    wait_for_page(
        scene.port,
        false,
        host,
        &format!("<h1 id=\"site-name\">{name}</h1>"),
    );
}

/// The task buttons hosting shows for an installed site, each run as hosting runs it
/// (`--backend`, result keys read from the final block), checked over HTTP: install
/// on the server's undeliverable default address, login-reset, disable (302 to the
/// server's web_disable_url) and enable, clone to another platform (both serve, the
/// clone claims none of the source's names), import, restore from a backup (a missing
/// file changes nothing), backup-delete (only files in the backup path), lock and
/// unlock, delete of a server in use (refused), delete followed by hosting's
/// `provision-save --delete`.
#[test]
fn the_site_tasks_hosting_queues_answer_as_aegirs() {
    let _live = LIVE.lock().unwrap_or_else(|e| e.into_inner());
    let scene = Scene::new("lifecycle", Web::Nginx);
    let admin = mariadb();
    scene.prepare(Db::Mariadb, &admin);
    let site = format!("@{}", scene.uri);
    // The master's default admin_email (admin@127.0.0.1) is not deliverable: the
    // install falls back to Aegir's placeholder instead of failing.
    let install = backend_result(&scene.ok(&[&site, "provision-install", "--backend"]));
    let context = &install["context"];
    assert_eq!(context["context_type"], "site", "{context}");
    assert_eq!(context["#name"], scene.uri.as_str());
    assert_eq!(context["db_name"], install["self"]["db_name"]);
    let profiles = context["packages"]["profiles"].as_object().unwrap();
    assert_eq!(
        profiles.keys().collect::<Vec<_>>(),
        ["standard"],
        "only the site's profile"
    );
    wait_for_site(&scene, &scene.uri, &scene.uri);

    let reset = backend_result(&scene.ok(&[&site, "provision-login-reset", "--backend"]));
    let link = reset["context"]["login_link"].as_str().unwrap_or_default();
    assert!(
        link.starts_with(&format!(
            "http://{}:{}/user/reset/1/",
            scene.uri, scene.port
        )) && link.ends_with("/login"),
        "{link}"
    );

    // Disable: every request goes to the front end's disabled page.
    scene.ok(&[
        "provision-save",
        "@server_master",
        "--master_url=http://aegir.test",
        "--skip-db-check",
    ]);
    let taken = backend_result(&scene.ok(&[&site, "provision-backup", "--backend"]));
    let backup = PathBuf::from(taken["context"]["backup_file"].as_str().unwrap());
    assert!(backup.is_file());
    // As Aegir 7.x-3.x: no backup of its own (hosting would record one).
    let disable = backend_result(&scene.ok(&[&site, "provision-disable", "--backend"]));
    assert!(
        disable["context"].get("backup_file").is_none(),
        "{}",
        disable["context"]
    );
    let disabled = format!("http://aegir.test/hosting/disabled/{}", scene.uri);
    assert_eq!(disable["context"]["redirect_url"], disabled.as_str());
    let www = format!("www.{}", scene.uri);
    for host in [&scene.uri, &www] {
        assert_redirects(&scene, host, &disabled);
    }
    // A verify keeps it disabled; enable brings the site back.
    scene.ok(&[&site, "provision-verify"]);
    assert_redirects(&scene, &scene.uri, &disabled);
    scene.ok(&[&site, "provision-enable", "--backend"]);
    wait_for_site(&scene, &scene.uri, &scene.uri);

    // Clone to another platform: both serve, each with its own database.
    scene.add_platform("two");
    let clone_uri = format!("clone-{}", scene.uri);
    let clone = backend_result(&scene.ok(&[
        &site,
        "provision-clone",
        &format!("@{clone_uri}"),
        "@platform_two",
        "--backend",
    ]));
    assert_eq!(clone["error_status"], 0, "{clone}");
    let clone_db = clone["context"]["db_name"].as_str().unwrap().to_string();
    assert_ne!(clone_db, install["self"]["db_name"].as_str().unwrap());
    wait_for_site(&scene, &clone_uri, &clone_uri);
    wait_for_site(&scene, &scene.uri, &scene.uri);
    let clone_alias = fs::read_to_string(scene.alias_file(&clone_uri)).unwrap();
    assert!(
        !clone_alias.contains(&format!("'www.{}'", scene.uri)),
        "{clone_alias}"
    );
    let import =
        backend_result(&scene.ok(&[&format!("@{clone_uri}"), "provision-import", "--backend"]));
    assert_eq!(import["context"]["db_name"], clone_db.as_str());

    // Restore from the backup taken before: a new database, the old one dropped; a
    // missing file is refused with the site untouched.
    let old_db = install["self"]["db_name"].as_str().unwrap().to_string();
    let out = scene.task(&[&site, "provision-restore", "/nonexistent/backup.tar.gz"]);
    assert_eq!(out.status.code(), Some(1));
    wait_for_site(&scene, &scene.uri, &scene.uri);
    let restore = backend_result(&scene.ok(&[
        &site,
        "provision-restore",
        &backup.to_string_lossy(),
        "--backend",
    ]));
    let new_db = restore["context"]["db_name"].as_str().unwrap().to_string();
    assert_ne!(new_db, old_db);
    assert!(!admin.database_exists(&old_db).unwrap() && admin.database_exists(&new_db).unwrap());
    wait_for_site(&scene, &scene.uri, &scene.uri);

    // backup-delete removes backups only.
    let stranger = scene.ws.0.join("not-a-backup.tar.gz");
    fs::write(&stranger, b"x").unwrap();
    let out = scene.task(&[
        &site,
        "provision-backup-delete",
        &format!("{},{}", backup.display(), stranger.display()),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        backup.is_file() && stranger.is_file(),
        "a refused list deletes nothing"
    );
    scene.ok(&[&site, "provision-backup-delete", &backup.to_string_lossy()]);
    assert!(!backup.exists());

    scene.ok(&["@platform_two", "provision-lock", "--backend"]);
    scene.ok(&["@platform_two", "provision-unlock", "--backend"]);
    let out = scene.task(&["@server_master", "provision-delete"]);
    assert_eq!(out.status.code(), Some(1), "a server in use is not deleted");

    // Delete, then hosting's own `provision-save @site --delete`.
    for (name, db) in [(scene.uri.clone(), new_db), (clone_uri.clone(), clone_db)] {
        scene.ok(&[&format!("@{name}"), "provision-delete", "--backend"]);
        let out = scene.ok(&[
            "@none",
            "provision-save",
            &format!("@{name}"),
            "--delete",
            "--backend",
        ]);
        assert_eq!(backend_result(&out)["error_status"], 0);
        assert!(!admin.database_exists(&db).unwrap());
    }
}

/// Polls (5 s at most: a reload takes a moment, and nginx's old workers answer a
/// little longer) until any page of `host` redirects to `want`.
fn assert_redirects(scene: &Scene, host: &str, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let got = redirect_location(scene, host);
        if got == want {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{host} redirects to {got:?}, not {want}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// The `Location` a request for `host`'s front page is redirected to.
fn redirect_location(scene: &Scene, host: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{redirect_url}", "-H"])
        .arg(format!("Host: {host}"))
        .arg(format!("http://127.0.0.1:{}/some/page", scene.port))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
