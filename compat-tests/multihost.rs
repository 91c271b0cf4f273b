//! Remote servers for real: the master (provision, in network namespace pv-ctl) works
//! locally and publishes over ssh + rsync to web hosts that each run their own sshd,
//! nginx and php-fpm and have their own files at the Aegir root's path, with the site
//! databases on a separate db host (`scripts/services/hosts` builds them). Each test
//! starts from an empty Aegir root on every host and checks what every host holds and
//! serves: a cluster serves one site from two hosts, a pack sends code to its master
//! only, a migrate moves a site to another web host with a rename, a migrate to a host
//! that is down changes nothing, a publish cut mid-way converges on a re-run.
//!
//! Unlike compat-tests/tasks.rs, whose tasks run as the unprivileged task user (as Aegir
//! runs them), these run provision as root: it runs inside the master's network
//! namespace (`ip netns exec pv-ctl`, root only), with the root-owned ssh keys and
//! known hosts `scripts/services/hosts` made, and its reload is the namespace's nginx.

mod common;

use common::hosts::{Hosts, HostsLock, WebHost};
use common::{backend_result, copy_tree, fixtures, php, provision_bin};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The test hosts with the master's contexts: `@server_master` (this namespace),
/// `@server_web1..3` (nginx), `@server_db` (MariaDB).
struct Grid {
    hosts: Hosts,
    _lock: HostsLock,
}

impl Grid {
    /// Takes the hosts, empties their Aegir roots and saves the server contexts.
    fn new() -> Grid {
        let (lock, hosts) = Hosts::exclusive();
        hosts.enter_ctl();
        let grid = Grid { hosts, _lock: lock };
        let aegir = grid.hosts.aegir_root.display().to_string();
        grid.save(&[
            "@server_master",
            "--context_type=server",
            "--remote_host=localhost",
            &format!("--aegir_root={aegir}"),
            "--script_user=root",
            "--http_service_type=nginx",
            "--web_group=www-data",
        ]);
        for web in &grid.hosts.webs {
            grid.save(&[
                &format!("@server_{}", web.name),
                "--context_type=server",
                &format!("--remote_host={}", web.ip),
                "--script_user=root",
                "--http_service_type=nginx",
                &format!("--http_port={}", grid.hosts.http_port),
                &format!("--http_restart_cmd={}", grid.hosts.nginx_reload),
            ]);
        }
        let db = &grid.hosts.db;
        grid.save(&[
            "@server_db",
            "--context_type=server",
            &format!("--remote_host={}", db.host),
            "--script_user=root",
            "--db_service_type=mysql",
            &format!(
                "--master_db=mysql://{}:{}@{}:{}",
                db.user,
                common::live::urlencode(&db.password),
                db.host,
                db.port
            ),
            &format!("--db_port={}", db.port),
        ]);
        grid
    }

    fn aegir(&self) -> &Path {
        &self.hosts.aegir_root
    }

    /// `provision ARGS` on the master, HOME the Aegir root (aliases in `.drush`).
    fn run(&self, args: &[&str]) -> Output {
        self.hosts
            .ctl(provision_bin().to_str().unwrap())
            .args(args)
            .env("HOME", self.aegir())
            .output()
            .expect("run provision in the master's namespace")
    }

    /// A task command with the run options remote servers need.
    fn task(&self, args: &[&str]) -> Output {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push(format!("--ssh_config={}", self.hosts.ssh_config.display()));
        all.push(format!(
            "--phpfpm_socket_path={}",
            self.hosts.fpm_socket.display()
        ));
        all.push("--ssh_timeout=2".into());
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        self.run(&all)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.task(args);
        assert!(out.status.success(), "{args:?} failed: {}", text(&out));
        out
    }

    fn save(&self, args: &[&str]) {
        let mut all = vec!["provision-save"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(out.status.success(), "save {args:?}: {}", text(&out));
    }

    /// A platform `@platform_NAME` on `web_server`: a copy of the fixture platform under
    /// the Aegir root (only on the master until a verify publishes it).
    fn platform(&self, name: &str, web_server: &str) -> PathBuf {
        let root = self.aegir().join("platforms").join(name);
        copy_tree(&fixtures().join("platforms/drupal7-mini"), &root);
        self.save(&[
            &format!("@platform_{name}"),
            "--context_type=platform",
            &format!("--root={}", root.display()),
            &format!("--web_server={web_server}"),
        ]);
        root
    }

    /// Saves and installs site `uri` on `@platform_NAME` with its database on the db
    /// host; returns the database name.
    fn install(&self, uri: &str, platform: &str) -> String {
        self.save(&[
            &format!("@{uri}"),
            "--context_type=site",
            &format!("--uri={uri}"),
            &format!("--platform=@platform_{platform}"),
            "--db_server=@server_db",
            "--profile=standard",
        ]);
        let out = self.ok(&[&format!("@{uri}"), "provision-install", "--backend"]);
        backend_result(&out)["context"]["db_name"]
            .as_str()
            .expect("db_name")
            .to_string()
    }

    fn web(&self, name: &str) -> &WebHost {
        self.hosts.web(name)
    }

    /// Waits until `web` serves `uri`'s front page with the site name `name`.
    fn serves(&self, web: &str, uri: &str, name: &str) -> String {
        let want = format!("<h1 id=\"site-name\">{name}</h1>");
        let ip = self.web(web).ip.clone();
        let (_, body) = self.hosts.wait_for(&ip, uri, "/", |status, body| {
            status == "200" && body.contains(&want)
        });
        body
    }

    /// True when `web` holds `abs` (a path under the Aegir root) in its own files.
    fn has(&self, web: &str, abs: &Path) -> bool {
        self.web(web).path(&self.hosts, abs).exists()
    }

    fn alias(&self, name: &str) -> PathBuf {
        self.aegir()
            .join(".drush")
            .join(format!("{name}.alias.drushrc.php"))
    }
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The files a platform publish sends (all but `sites/*` other than `sites/all`) under
/// the platform root `dir`: relative path, size and md5, sorted. Two copies compare
/// equal when they hold the same code.
fn platform_tree(dir: &Path) -> Vec<(PathBuf, u64, [u8; 16])> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        let site_dir = rel.starts_with("sites") && !rel.starts_with("sites/all");
        if e.file_type().is_file() && !(site_dir && rel.components().count() > 2) {
            let bytes = fs::read(e.path()).unwrap();
            out.push((rel, bytes.len() as u64, md5::compute(&bytes).0));
        }
    }
    out
}

#[test]
fn a_cluster_of_two_web_hosts_serves_one_site_from_both() {
    let grid = Grid::new();
    grid.save(&[
        "@server_cluster",
        "--context_type=server",
        "--http_service_type=cluster",
        "--cluster_web_servers=@server_web1,@server_web2",
    ]);
    grid.ok(&["@server_cluster", "provision-verify"]);
    let conf = grid.aegir().join("config/server_web1/nginx.conf");
    assert!(grid.has("web1", &conf), "web1 got its server config");
    assert!(
        !grid.has("web2", &conf),
        "each member gets its own config only"
    );
    assert!(grid.has("web2", &grid.aegir().join("config/server_web2/nginx.conf")));

    let root = grid.platform("c", "@server_cluster");
    grid.ok(&["@platform_c", "provision-verify"]);
    for web in ["web1", "web2"] {
        assert!(grid.has(web, &root.join("index.php")), "{web} got the code");
        assert!(grid.has(
            web,
            &grid.aegir().join(format!(
                "config/server_{web}/nginx/platform.d/platform_c.conf"
            ))
        ));
    }
    assert!(!grid.has("web3", &root.join("index.php")));

    let db_name = grid.install("c.test", "c");
    for web in ["web1", "web2"] {
        grid.serves(web, "c.test", "c.test");
        let settings = grid
            .web(web)
            .path(&grid.hosts, &root.join("sites/c.test/settings.php"));
        assert_eq!(fs::metadata(&settings).unwrap().mode() & 0o7777, 0o440);
    }
    // Grants: each member and the master, as the db host sees them.
    let hosts = grid.hosts.db.user_hosts(&db_name).unwrap();
    for ip in ["10.77.0.11", "10.77.0.12", &grid.hosts.ctl_ip] {
        assert!(hosts.iter().any(|h| h == ip), "{ip} not in {hosts:?}");
    }
    // One run verifies the site and the platform; each host still serves it.
    grid.ok(&["@c.test,@platform_c", "provision-verify"]);
    for web in ["web1", "web2"] {
        grid.serves(web, "c.test", "c.test");
    }
    // Delete removes it from both hosts and drops its database.
    grid.ok(&["@c.test", "provision-delete"]);
    for web in ["web1", "web2"] {
        assert!(
            !grid.has(web, &root.join("sites/c.test")),
            "{web} still has the site"
        );
    }
    assert!(!grid.hosts.db.database_exists(&db_name).unwrap());
}

#[test]
fn a_pack_sends_code_to_its_master_only_and_configs_to_every_member() {
    let grid = Grid::new();
    grid.save(&[
        "@server_pack",
        "--context_type=server",
        "--http_service_type=pack",
        "--master_web_servers=@server_web1",
        "--slave_web_servers=@server_web2,@server_web3",
    ]);
    grid.ok(&["@server_pack", "provision-verify"]);
    let root = grid.platform("p", "@server_pack");
    grid.ok(&["@platform_p", "provision-verify"]);
    assert!(
        grid.has("web1", &root.join("index.php")),
        "the master got the code"
    );
    for web in ["web2", "web3"] {
        assert!(!grid.has(web, &root), "{web} (a slave) got code");
    }
    for web in ["web1", "web2", "web3"] {
        let conf = grid.aegir().join(format!(
            "config/server_{web}/nginx/platform.d/platform_p.conf"
        ));
        assert!(grid.has(web, &conf), "{web} has no platform config");
    }
}

/// Platform a on web1, platform b on web2, a site on a with its database on the db host.
fn site_on_web1(grid: &Grid, uri: &str) -> (PathBuf, PathBuf, String) {
    let a = grid.platform("a", "@server_web1");
    let b = grid.platform("b", "@server_web2");
    grid.ok(&["@server_web1,@server_web2", "provision-verify"]);
    grid.ok(&["@platform_a,@platform_b", "provision-verify"]);
    let db = grid.install(uri, "a");
    grid.serves("web1", uri, uri);
    (a, b, db)
}

/// The variable `name` of database `db` on the db host, as PHP's var_export of its
/// unserialize().
fn variable(grid: &Grid, db: &str, name: &str) -> String {
    let hex = grid
        .hosts
        .db
        .query(
            &format!("SELECT HEX(value) FROM `{db}`.variable WHERE name = '{name}';"),
            &[],
        )
        .unwrap();
    let out = php(
        "echo var_export(unserialize(hex2bin(trim(stream_get_contents(STDIN)))), TRUE);",
        &[],
        hex.as_bytes(),
    );
    String::from_utf8(out).unwrap()
}

#[test]
fn migrate_to_a_platform_on_another_web_host_with_a_rename() {
    let grid = Grid::new();
    let (a, b, old_db) = site_on_web1(&grid, "old.test");
    // An upload lives on the web host only (Aegir never pushes a site's files/ back).
    let upload = grid
        .web("web1")
        .path(&grid.hosts, &a.join("sites/old.test/files/upload.txt"));
    fs::write(&upload, b"uploaded on web1\n").unwrap();
    let out = grid.ok(&[
        "@old.test",
        "provision-migrate",
        "@platform_b",
        "@new.example.org",
        "--backend",
    ]);
    let result = backend_result(&out);
    let new_db = result["context"]["db_name"].as_str().unwrap().to_string();
    assert!(Path::new(result["context"]["backup_file"].as_str().unwrap()).is_file());

    let page = grid.serves("web2", "new.example.org", "new.example.org");
    let files = "sites/new.example.org/files";
    assert!(
        page.contains(&format!("<p id=\"file-public-path\">{files}</p>")),
        "{page}"
    );
    assert!(
        page.contains(&format!("src=\"/{files}/logo.png\"")),
        "{page}"
    );
    // The upload was fetched from web1 into the backup and deployed to web2.
    let ip2 = grid.web("web2").ip.clone();
    let (status, body) = grid
        .hosts
        .curl(&ip2, "new.example.org", &format!("/{files}/upload.txt"));
    assert_eq!(
        (status.as_str(), body.as_str()),
        ("200", "uploaded on web1\n")
    );
    // The serialized theme settings were rewritten with their lengths right (PHP reads them).
    let theme = variable(&grid, &new_db, "theme_settings");
    assert!(theme.contains(&format!("'{files}/logo.png'")), "{theme}");
    assert!(!theme.contains("old.test"), "{theme}");

    assert!(
        !grid.hosts.db.database_exists(&old_db).unwrap(),
        "the old database is gone"
    );
    assert!(!a.join("sites/old.test").exists());
    assert!(
        !grid.has("web1", &a.join("sites/old.test")),
        "web1 still has the old site"
    );
    assert!(!grid.has(
        "web1",
        &grid
            .aegir()
            .join("config/server_web1/nginx/vhost.d/old.test")
    ));
    assert!(grid.has("web2", &b.join("sites/new.example.org/settings.php")));
    assert!(!grid.alias("old.test").exists() && grid.alias("new.example.org").exists());
    let ip = grid.web("web1").ip.clone();
    let (status, body) = grid.hosts.curl(&ip, "old.test", "/");
    assert!(
        !(status == "200" && body.contains("<h1 id=\"site-name\">")),
        "web1 still serves the old site: {status} {body}"
    );
}

#[test]
fn migrate_to_a_web_host_that_is_down_fails_and_the_site_stays_up() {
    let grid = Grid::new();
    let (a, b, old_db) = site_on_web1(&grid, "stay.test");
    let dbs_before = grid.hosts.db.query("SHOW DATABASES;", &[]).unwrap();
    let users_before = grid
        .hosts
        .db
        .query(
            "SELECT User, Host FROM mysql.user ORDER BY User, Host;",
            &[],
        )
        .unwrap();
    let aliases_before = alias_files(&grid);
    {
        let _down = grid.web("web2").take_down();
        let out = grid.task(&[
            "@stay.test",
            "provision-migrate",
            "@platform_b",
            "@moved.test",
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert!(text(&out).contains("@server_web2"), "{}", text(&out));
        // Aegir's order: offline first, then back online by the rollback.
        assert!(
            text(&out).contains("Took stay.test offline"),
            "{}",
            text(&out)
        );
        assert!(
            text(&out).contains("wrote the vhost of stay.test back"),
            "{}",
            text(&out)
        );
    }
    grid.serves("web1", "stay.test", "stay.test");
    assert!(grid.hosts.db.database_exists(&old_db).unwrap());
    assert_eq!(
        grid.hosts.db.query("SHOW DATABASES;", &[]).unwrap(),
        dbs_before
    );
    assert_eq!(
        grid.hosts
            .db
            .query(
                "SELECT User, Host FROM mysql.user ORDER BY User, Host;",
                &[]
            )
            .unwrap(),
        users_before
    );
    assert!(a.join("sites/stay.test/settings.php").exists());
    assert!(!b.join("sites/moved.test").exists());
    assert!(!grid.alias("moved.test").exists());
    assert_eq!(alias_files(&grid), aliases_before);
    assert!(!grid.has("web2", &b.join("sites/moved.test")));
}

/// The alias files on the master (lock files, hidden, stay by design).
fn alias_files(grid: &Grid) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(grid.aegir().join(".drush"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

/// Slows traffic to `web` (in the bridge namespace) so a transfer takes seconds.
struct Throttle<'a>(&'a Hosts, String);

impl<'a> Throttle<'a> {
    fn new(hosts: &'a Hosts, web: &str) -> Throttle<'a> {
        let status = Command::new("ip")
            .args([
                "netns", "exec", "pv-lan", "tc", "qdisc", "replace", "dev", web,
            ])
            .args([
                "root", "tbf", "rate", "4mbit", "burst", "32kbit", "latency", "400ms",
            ])
            .status()
            .unwrap();
        assert!(status.success(), "tc on {web}");
        Throttle(hosts, web.to_string())
    }
}

impl Drop for Throttle<'_> {
    fn drop(&mut self) {
        let _ = self.0;
        let _ = Command::new("ip")
            .args([
                "netns", "exec", "pv-lan", "tc", "qdisc", "del", "dev", &self.1, "root",
            ])
            .status();
    }
}

#[test]
fn a_publish_cut_off_mid_way_reports_the_host_and_a_rerun_converges() {
    let grid = Grid::new();
    grid.save(&[
        "@server_cluster3",
        "--context_type=server",
        "--http_service_type=cluster",
        "--cluster_web_servers=@server_web1,@server_web2,@server_web3",
    ]);
    grid.ok(&["@server_cluster3", "provision-verify"]);
    let root = grid.platform("big", "@server_cluster3");
    // 3 MB of random bytes (rsync -z cannot shrink them): seconds on the throttled link.
    let big = root.join("sites/all/libraries/big.bin");
    fs::create_dir_all(big.parent().unwrap()).unwrap();
    let mut noise = vec![0u8; 3 * 1024 * 1024];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut noise))
        .unwrap();
    fs::write(&big, &noise).unwrap();
    let web3 = grid.web("web3");
    let cut = {
        let _slow = Throttle::new(&grid.hosts, "web3");
        let child = std::thread::scope(|s| {
            let run = s.spawn(|| grid.task(&["@platform_big", "provision-verify"]));
            // Cut web3 off once its copy of the big file has started.
            let dir = web3.path(&grid.hosts, big.parent().unwrap());
            let start = Instant::now();
            while !fs::read_dir(&dir).map(|d| d.count() > 0).unwrap_or(false) {
                assert!(
                    start.elapsed() < Duration::from_secs(60),
                    "web3 never got data"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            let down = web3.take_down();
            let out = run.join().unwrap();
            drop(down);
            out
        });
        child
    };
    assert_eq!(cut.status.code(), Some(1), "{}", text(&cut));
    assert!(text(&cut).contains("@server_web3"), "{}", text(&cut));
    let want = platform_tree(&root);
    for web in ["web1", "web2"] {
        assert_eq!(
            platform_tree(&grid.web(web).path(&grid.hosts, &root)),
            want,
            "{web} is not complete"
        );
    }
    assert_ne!(
        platform_tree(&web3.path(&grid.hosts, &root)),
        want,
        "web3 was not cut off"
    );
    grid.ok(&["@platform_big", "provision-verify"]);
    for web in ["web1", "web2", "web3"] {
        assert_eq!(
            platform_tree(&grid.web(web).path(&grid.hosts, &root)),
            want,
            "{web} did not converge"
        );
    }
}
