//! provision-save end to end: Aegir's bytes (golden files from the reference and
//! `php` including what we wrote), Aegir's option quirks, bad input, concurrent
//! saves and saves killed with SIGKILL.

mod common;

use common::{assert_bytes_eq, fixtures, php, provision, provision_bin};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temp HOME.
fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp home")
}

/// The alias file of `name` under `home`.
fn alias(home: &Path, name: &str) -> PathBuf {
    home.join(".drush")
        .join(format!("{name}.alias.drushrc.php"))
}

/// Runs `provision provision-save @NAME ARGS`, asserting success. The database
/// check of mysql servers is skipped: these servers are made up (the mariadb
/// test covers the check).
fn save(home: &Path, name: &str, args: &[&str]) {
    let mut argv = vec!["provision-save", name, "--skip-db-check"];
    argv.extend_from_slice(args);
    let out = provision(&argv, home);
    assert!(
        out.status.success(),
        "save {name} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs provision-save in backend mode with `json` posted on stdin.
fn save_posted(home: &Path, name: &str, json: &str) -> Output {
    let mut child = Command::new(provision_bin())
        .args(["--backend=2", "provision-save", name])
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run provision");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(json.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// The golden file `fixtures/aegir/NAME.alias.drushrc.php`.
fn golden(name: &str) -> Vec<u8> {
    std::fs::read(
        fixtures()
            .join("aegir")
            .join(format!("{name}.alias.drushrc.php")),
    )
    .unwrap()
}

/// What `php` makes of an alias file: include it and var_export the record.
fn php_reexport(path: &Path, name: &str) -> Vec<u8> {
    php(
        "include $argv[1]; echo \"<?php \\n\\$aliases['\", $argv[2], \"'] = \", var_export($aliases[$argv[2]], TRUE), \";\\n\";",
        &[path.to_str().unwrap(), name],
        b"",
    )
}

/// Asserts the file of `name` equals `want`, is mode 0440, and that php reads it
/// back to the same bytes.
fn assert_alias(home: &Path, name: &str, want: &[u8]) {
    let path = alias(home, name);
    let got = std::fs::read(&path).unwrap();
    assert_bytes_eq(&got, want, name);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o440, "{name} mode");
    assert_bytes_eq(&php_reexport(&path, name), want, &format!("{name} via php"));
}

/// The hostmaster-install inputs of the reference's server example.
const MASTER: &[&str] = &[
    "--context_type=server",
    "--remote_host=aegir.example.com",
    "--aegir_root=/var/aegir",
    "--script_user=aegir",
    "--master_url=http://aegir.example.com",
    "--db_service_type=mysql",
    "--http_service_type=apache",
    "--db_port=3306",
    "--master_db=mysql://aegir_root:s3cr%3Ft@localhost:3306",
    "--http_port=80",
    "--http_restart_cmd=sudo /usr/sbin/apachectl graceful",
    "--web_group=www-data",
];

/// Saves @server_master, a remote SSL web server and a remote db server.
fn servers(h: &Path) {
    save(h, "@server_master", MASTER);
    save(
        h,
        "@server_web2examplecom",
        &[
            "--context_type=server",
            "--remote_host=web2.example.com",
            "--master_url=http://aegir.example.com",
            "--http_service_type=apache_ssl",
            "--http_port=80",
            "--http_ssl_port=443",
            "--http_restart_cmd=sudo /usr/sbin/apachectl graceful",
            "--db_service_type=NONE",
        ],
    );
    save(
        h,
        "@server_db2examplecom",
        &[
            "--context_type=server",
            "--remote_host=db2.example.com",
            "--master_url=http://aegir.example.com",
            "--db_service_type=mysql",
            "--db_port=3306",
            "--master_db=mysql://root:pw@db2.example.com:3306",
            "--http_service_type=NONE",
        ],
    );
}

/// The platform as hosting sends it.
fn platform(h: &Path) {
    save(
        h,
        "@platform_drupal7",
        &[
            "--context_type=platform",
            "--master_url=http://aegir.example.com",
            "--server=@server_master",
            "--web_server=@server_web2examplecom",
            "--root=/var/aegir/platforms/drupal-7.59",
            "--makefile=",
            "--make_working_copy=0",
        ],
    );
}

/// The site as hosting posts it (POST mode: JSON on stdin).
const SITE_JSON: &str = r#"{"context_type":"site","master_url":"http://aegir.example.com","root":null,"uri":"example.com","db_server":"@server_db2examplecom","platform":"@platform_drupal7","language":"en","profile":"standard","client_name":"admin","install_method":"profile","aliases":"www.example.com,example.net","redirection":"www.example.com","ssl_enabled":"2","ssl_key":"example.com","ip_addresses":{"server_web2examplecom":"192.0.2.20"}}"#;

#[test]
fn server_master_is_aegirs_bytes_and_resave_is_identical() {
    let h = home();
    save(h.path(), "@server_master", MASTER);
    assert_alias(h.path(), "server_master", &golden("server_master"));
    save(h.path(), "@server_master", &[]);
    assert_alias(h.path(), "server_master", &golden("server_master"));
}

#[test]
fn platform_is_aegirs_bytes() {
    let h = home();
    servers(h.path());
    platform(h.path());
    assert_alias(h.path(), "platform_drupal7", &golden("platform_drupal7"));
    save(h.path(), "@platform_drupal7", &[]);
    assert_alias(h.path(), "platform_drupal7", &golden("platform_drupal7"));
}

#[test]
fn site_posted_on_stdin_is_aegirs_bytes() {
    let h = home();
    servers(h.path());
    platform(h.path());
    let out = save_posted(h.path(), "@example.com", SITE_JSON);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_alias(h.path(), "example.com", &golden("example.com"));
    save(h.path(), "@example.com", &[]);
    assert_alias(h.path(), "example.com", &golden("example.com"));
}

/// The text of the alias of `name`.
fn text(h: &Path, name: &str) -> String {
    std::fs::read_to_string(alias(h, name)).unwrap()
}

#[test]
fn option_quirks() {
    let h = home();
    servers(h.path());
    platform(h.path());
    assert!(save_posted(h.path(), "@example.com", SITE_JSON)
        .status
        .success());
    // Falsy values never overwrite; unknown keys are dropped.
    save(
        h.path(),
        "@example.com",
        &["--language=", "--profile=0", "--bogus=1"],
    );
    assert_alias(h.path(), "example.com", &golden("example.com"));
    // 'null' resets to the default; comma strings split without trimming.
    save(
        h.path(),
        "@example.com",
        &[
            "--language=null",
            "--aliases=a.example.com, b.example.com,a.example.com",
        ],
    );
    let t = text(h.path(), "example.com");
    assert!(t.contains("  'language' => 'en',\n"), "{t}");
    assert!(
        t.contains("    0 => 'a.example.com',\n    1 => ' b.example.com',\n  ),"),
        "{t}"
    );
    // Types are kept: a posted int stays an int, a CLI value stays a string.
    save(h.path(), "@server_master", &["--db_port=3307"]);
    assert!(text(h.path(), "server_master").contains("'db_port' => '3307',"));
    save(h.path(), "@server_master", &["--db_port=null"]);
    assert!(text(h.path(), "server_master").contains("'db_port' => 3306,"));
    // server is always @server_master; root comes from the platform; derived
    // paths ignore options.
    save(
        h.path(),
        "@example.com",
        &["--server=@other", "--root=/elsewhere", "--site_path=/x"],
    );
    let t = text(h.path(), "example.com");
    assert!(t.contains("'server' => '@server_master',"));
    assert!(t.contains("'root' => '/var/aegir/platforms/drupal-7.59',"));
    assert!(t.contains("'site_path' => '/var/aegir/platforms/drupal-7.59/sites/example.com',"));
    // A non-master server takes aegir_root from @server_master.
    assert!(text(h.path(), "server_web2examplecom").contains("'aegir_root' => '/var/aegir',"));
}

#[test]
fn service_none_drops_its_keys() {
    let h = home();
    save(h.path(), "@server_master", MASTER);
    save(h.path(), "@server_master", &["--http_service_type=NONE"]);
    let t = text(h.path(), "server_master");
    assert!(!t.contains("http_"), "{t}");
    assert!(t.contains("'db_service_type' => 'mysql',"));
}

#[test]
fn cluster_and_pack_lists() {
    let h = home();
    servers(h.path());
    save(
        h.path(),
        "@server_cluster",
        &[
            "--context_type=server",
            "--http_service_type=cluster",
            "--cluster_web_servers=@server_master,@server_web2examplecom",
        ],
    );
    let t = text(h.path(), "server_cluster");
    assert!(t.ends_with("  'http_service_type' => 'cluster',\n  'cluster_web_servers' => \n  array (\n    0 => '@server_master',\n    1 => '@server_web2examplecom',\n  ),\n);\n"), "{t}");
    save(
        h.path(),
        "@server_pack",
        &[
            "--context_type=server",
            "--http_service_type=pack",
            "--master_web_servers=@server_master",
            "--slave_web_servers=@server_web2examplecom",
        ],
    );
    let t = text(h.path(), "server_pack");
    let slave = t.find("'slave_web_servers'").unwrap();
    assert!(slave < t.find("'master_web_servers'").unwrap(), "{t}");
    php_reexport(&alias(h.path(), "server_pack"), "server_pack");
}

#[test]
fn drush_aliases_get_identical_files_and_delete_removes_one() {
    let h = home();
    servers(h.path());
    platform(h.path());
    assert!(save_posted(h.path(), "@example.com", SITE_JSON)
        .status
        .success());
    save(h.path(), "@example.com", &["--drush_aliases=hm"]);
    let main = text(h.path(), "example.com");
    let hm = text(h.path(), "hm");
    assert_eq!(
        main.replacen("$aliases['example.com']", "$aliases['hm']", 1),
        hm
    );
    let out = provision(&["provision-save", "@hm", "--delete"], h.path());
    assert!(out.status.success());
    assert!(!alias(h.path(), "hm").exists());
    assert!(alias(h.path(), "example.com").exists());
}

/// Asserts a save fails with a message containing `needle` and writes nothing.
fn assert_rejected(h: &Path, name: &str, args: &[&str], needle: &str) {
    let before: Vec<_> = std::fs::read_dir(h.join(".drush"))
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let mut argv = vec!["provision-save", name];
    argv.extend_from_slice(args);
    let out = provision(&argv, h);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {err}");
    assert!(err.contains(needle), "{name} {args:?}: {err}");
    let after: Vec<_> = std::fs::read_dir(h.join(".drush"))
        .map(|d| {
            d.flatten()
                .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
                .map(|e| e.file_name())
                .collect()
        })
        .unwrap_or_default();
    let before: Vec<_> = before
        .into_iter()
        .filter(|n| !n.to_string_lossy().ends_with(".lock"))
        .collect();
    assert_eq!(before.len(), after.len(), "{name} {args:?} wrote a file");
}

#[test]
fn bad_input_is_an_error_and_writes_nothing() {
    let h = home();
    servers(h.path());
    platform(h.path());
    let hp = h.path();
    assert_rejected(
        hp,
        "@x",
        &["--context_type=bogus"],
        "Unknown context type 'bogus'",
    );
    assert_rejected(
        hp,
        "@p2",
        &["--context_type=platform", "--web_server=@server_nope"],
        "@server_nope",
    );
    assert_rejected(
        hp,
        "@s2",
        &[
            "--context_type=site",
            "--platform=@platform_nope",
            "--uri=s2",
        ],
        "@platform_nope",
    );
    assert_rejected(
        hp,
        "@s3",
        &[
            "--context_type=site",
            "--platform=@platform_drupal7",
            "--db_server=@server_gone",
            "--uri=s3",
        ],
        "@server_gone",
    );
    for uri in [
        "a/b", "..", "a b", "a;rm", "a$(x)", "a`b`", "a|b", "a&b", "a'b",
    ] {
        let arg = format!("--uri={uri}");
        assert_rejected(
            hp,
            "@s4",
            &["--context_type=site", "--platform=@platform_drupal7", &arg],
            "Invalid uri",
        );
    }
    for name in ["@a/b", "@..", "@a b", "@a;b"] {
        assert_rejected(hp, name, &["--context_type=server"], "Invalid context name");
    }
    // ssh would read a leading '-' as an option (-oProxyCommand=…), a shell the rest.
    for host in ["-oProxyCommand=touch x", "web1;rm", "web 1", "a$(b)"] {
        let arg = format!("--remote_host={host}");
        assert_rejected(
            hp,
            "@server_web9",
            &["--context_type=server", "--skip-db-check", &arg],
            "Invalid remote_host",
        );
    }
    assert_rejected(
        hp,
        "@server_web9",
        &[
            "--context_type=server",
            "--skip-db-check",
            "--remote_host=web9.example.com",
            "--script_user=-oX",
        ],
        "Invalid script_user",
    );
    assert_rejected(
        hp,
        "@s5",
        &["--context_type=server", "--http_service_type=lighttpd"],
        "Unknown http service type 'lighttpd'",
    );
    let fresh = home();
    assert_rejected(
        fresh.path(),
        "@server_x",
        &["--context_type=server"],
        "@server_master",
    );
}

/// Starts `provision provision-save NAME ARGS` without waiting.
fn spawn_save(h: &Path, name: &str, args: &[String]) -> std::process::Child {
    Command::new(provision_bin())
        .arg("provision-save")
        .arg(name)
        .arg("--skip-db-check")
        .args(args)
        .env("HOME", h)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn provision")
}

#[test]
fn concurrent_saves_of_one_context_lose_no_update() {
    let h = home();
    servers(h.path());
    platform(h.path());
    assert!(save_posted(h.path(), "@example.com", SITE_JSON)
        .status
        .success());
    // Half the saves change the language, half the profile: with the lock
    // around read-modify-write, the last of each kind survives.
    let children: Vec<_> = (0..50)
        .map(|i| {
            let arg = if i % 2 == 0 {
                format!("--language=l{i}")
            } else {
                format!("--profile=p{i}")
            };
            spawn_save(h.path(), "@example.com", &[arg])
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let t = text(h.path(), "example.com");
    assert!(
        t.contains("'language' => 'l"),
        "lost the language update:\n{t}"
    );
    assert!(
        t.contains("'profile' => 'p"),
        "lost the profile update:\n{t}"
    );
    php_reexport(&alias(h.path(), "example.com"), "example.com");
}

#[test]
fn concurrent_saves_of_fifty_contexts_all_parse() {
    let h = home();
    servers(h.path());
    platform(h.path());
    let children: Vec<_> = (0..50)
        .map(|i| {
            let args = [
                "--context_type=site".to_string(),
                "--platform=@platform_drupal7".to_string(),
                format!("--uri=site{i}.example.com"),
            ];
            spawn_save(h.path(), &format!("@site{i}.example.com"), &args)
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    for i in 0..50 {
        let name = format!("site{i}.example.com");
        let bytes = std::fs::read(alias(h.path(), &name)).unwrap();
        assert_bytes_eq(&php_reexport(&alias(h.path(), &name), &name), &bytes, &name);
    }
}

#[test]
fn sigkill_never_leaves_a_torn_or_empty_file() {
    let trials: u64 = std::env::var("PROVISION_SIGKILL_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let h = home();
    save(h.path(), "@server_master", MASTER);
    save(h.path(), "@server_master", &["--admin_email=b@example.com"]);
    let b = std::fs::read(alias(h.path(), "server_master")).unwrap();
    save(h.path(), "@server_master", &["--admin_email=a@example.com"]);
    let a = std::fs::read(alias(h.path(), "server_master")).unwrap();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..trials {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let email = if i % 2 == 0 {
            "--admin_email=b@example.com"
        } else {
            "--admin_email=a@example.com"
        };
        let mut child = spawn_save(h.path(), "@server_master", &[email.to_string()]);
        std::thread::sleep(std::time::Duration::from_micros(seed % 60_000));
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read(alias(h.path(), "server_master")).expect("alias file vanished");
        assert!(
            now == a || now == b,
            "trial {i}: torn file:\n{}",
            String::from_utf8_lossy(&now)
        );
    }
    // The next save clears the temp files killed saves left behind.
    save(h.path(), "@server_master", &[]);
    let names: Vec<String> = std::fs::read_dir(h.path().join(".drush"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

#[test]
fn context_list_and_check() {
    let h = home();
    servers(h.path());
    platform(h.path());
    assert!(save_posted(h.path(), "@example.com", SITE_JSON)
        .status
        .success());
    save(h.path(), "@example.com", &["--drush_aliases=hm"]);
    let out = provision(&["context-list", "--type=site"], h.path());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "@example.com site\n@hm site\n"
    );
    let out = provision(&["context-list", "--json"], h.path());
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        all["platform_drupal7"]["root"],
        "/var/aegir/platforms/drupal-7.59"
    );
    let out = provision(&["context-check"], h.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Break it: a second site with the same uri, a platform whose web server is
    // gone, and an unknown service type.
    let dup = text(h.path(), "example.com").replace("$aliases['example.com']", "$aliases['dup']");
    std::fs::write(alias(h.path(), "dup"), dup).unwrap();
    std::fs::remove_file(alias(h.path(), "server_web2examplecom")).unwrap();
    let odd = text(h.path(), "server_db2examplecom").replace("'mysql'", "'oracle'");
    std::fs::remove_file(alias(h.path(), "server_db2examplecom")).unwrap();
    std::fs::write(alias(h.path(), "server_db2examplecom"), odd).unwrap();
    let out = provision(&["context-check"], h.path());
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("@example.com: 'example.com' is also used by @dup"),
        "{report}"
    );
    assert!(
        report.contains(
            "@platform_drupal7: web_server refers to missing context '@server_web2examplecom'"
        ),
        "{report}"
    );
    assert!(
        report.contains("@server_db2examplecom: unknown db service type 'oracle'"),
        "{report}"
    );
}

#[test]
fn remote_server_cluster_and_pack_variants_are_byte_identical() {
    let h = home();
    let hp = h.path();
    save(hp, "@server_master", MASTER);
    let common = [
        "--context_type=server",
        "--master_url=http://aegir.example.com",
    ];
    let variants: &[(&str, &[&str])] = &[
        (
            "server_web2examplecom",
            &[
                "--remote_host=web2.example.com",
                "--http_service_type=apache_ssl",
                "--http_port=80",
                "--http_ssl_port=443",
                "--http_restart_cmd=sudo /usr/sbin/apachectl graceful",
                "--db_service_type=NONE",
                "--ip_addresses=192.0.2.20",
            ],
        ),
        (
            "server_db2examplecom",
            &[
                "--remote_host=db2.example.com",
                "--db_service_type=mysql",
                "--db_port=3306",
                "--master_db=mysql://aegir_root:s3cr%3Ft@db2.example.com:3306",
                "--http_service_type=NONE",
            ],
        ),
        (
            "server_cluster",
            &[
                "--remote_host=cluster.example.com",
                "--http_service_type=cluster",
                "--cluster_web_servers=@server_master,@server_web2examplecom",
                "--db_service_type=NONE",
            ],
        ),
        (
            "server_pack",
            &[
                "--remote_host=pack.example.com",
                "--http_service_type=pack",
                "--master_web_servers=@server_master",
                "--slave_web_servers=@server_web2examplecom,@server_web3examplecom",
                "--db_service_type=NONE",
            ],
        ),
    ];
    for (name, args) in variants {
        let all: Vec<&str> = common.iter().chain(args.iter()).copied().collect();
        save(hp, &format!("@{name}"), &all);
        assert_alias(hp, name, &golden(name));
        save(hp, &format!("@{name}"), &[]);
        assert_alias(hp, name, &golden(name));
    }
}

#[test]
fn a_save_waits_for_the_context_lock() {
    let h = home();
    save(h.path(), "@server_master", MASTER);
    // flock(1) takes the same flock(2) lock provision takes, and holds it a second.
    let lock = h.path().join(".drush/.server_master.alias.lock");
    let mut holder = Command::new("flock")
        .arg(&lock)
        .args(["sleep", "1"])
        .spawn()
        .expect("flock (util-linux)");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let start = std::time::Instant::now();
    save(
        h.path(),
        "@server_master",
        &["--admin_email=later@example.com"],
    );
    let waited = start.elapsed();
    holder.wait().unwrap();
    assert!(
        waited >= std::time::Duration::from_millis(600),
        "the save did not wait for the lock ({waited:?})"
    );
    assert!(text(h.path(), "server_master").contains("'admin_email' => 'later@example.com',"));
}

#[test]
fn a_site_gets_ssl_keys_from_its_web_server_or_a_cluster_member() {
    let h = home();
    let hp = h.path();
    servers(hp);
    save(
        hp,
        "@server_cluster",
        &[
            "--context_type=server",
            "--http_service_type=cluster",
            "--cluster_web_servers=@server_master,@server_web2examplecom",
        ],
    );
    for (platform, web) in [
        ("platform_plain", "@server_master"),
        ("platform_cluster", "@server_cluster"),
    ] {
        save(
            hp,
            &format!("@{platform}"),
            &[
                "--context_type=platform",
                &format!("--web_server={web}"),
                "--root=/var/aegir/platforms/p",
            ],
        );
        let uri = format!("{platform}.example.com");
        save(
            hp,
            &format!("@{uri}"),
            &[
                "--context_type=site",
                &format!("--platform=@{platform}"),
                &format!("--uri={uri}"),
            ],
        );
    }
    let plain = text(hp, "platform_plain.example.com");
    assert!(
        plain.ends_with("  'install_method' => 'profile',\n);\n"),
        "{plain}"
    );
    let clustered = text(hp, "platform_cluster.example.com");
    assert!(
        clustered.ends_with("  'install_method' => 'profile',\n  'ssl_enabled' => 0,\n  'ssl_key' => NULL,\n  'ip_addresses' => \n  array (\n  ),\n);\n"),
        "{clustered}"
    );
}

/// What Aegir's nginx `save_server()` detects on this machine, computed by php
/// with Aegir's regular expressions over `nginx -V 2>&1` (the values stay
/// `false` when no nginx is installed at Aegir's paths).
fn php_nginx_detection() -> String {
    let code = r#"
$out = array('nginx_is_modern' => FALSE, 'nginx_has_etag' => FALSE, 'nginx_has_http2' => FALSE, 'nginx_has_gzip' => FALSE, 'nginx_has_upload_progress' => FALSE);
foreach (array('/usr/local/sbin/nginx', '/usr/sbin/nginx', '/usr/local/bin/nginx') as $p) {
  if (file_exists($p)) {
    exec($p . ' -V 2>&1', $lines);
    $t = implode('', $lines);
    $out['nginx_is_modern'] = preg_match("/nginx\/1\.((1\.(8|9|(1[0-9]+)))|((2|3|4|5|6|7|8|9|[1-9][0-9]+)\.))/", $t);
    $out['nginx_has_etag'] = preg_match("/nginx\/1\.([12][0-9]|[3]\.([12][0-9]|[3-9]))/", $t);
    $out['nginx_has_http2'] = preg_match("/http_v2_module/", $t);
    $out['nginx_has_gzip'] = preg_match("/http_gzip_static_module/", $t);
    $out['nginx_has_upload_progress'] = preg_match("/upload/", $t);
    break;
  }
}
foreach ($out as $k => $v) { echo "  '$k' => ", var_export($v, TRUE), ",\n"; }
"#;
    String::from_utf8(php(code, &[], b"")).unwrap()
}

#[test]
fn nginx_servers_get_the_nginx_keys_and_detection() {
    let h = home();
    let hp = h.path();
    save(hp, "@server_master", MASTER);
    for ty in ["nginx", "nginx_ssl"] {
        save(
            hp,
            "@server_master",
            &[
                &format!("--http_service_type={ty}"),
                "--http_restart_cmd=sudo /usr/sbin/nginx -s reload",
                "--remote_host=localhost",
            ],
        );
        let t = text(hp, "server_master");
        assert!(
            t.contains("  'http_app_path' => '/var/aegir/config/server_master/nginx',\n"),
            "{t}"
        );
        for line in php_nginx_detection().lines() {
            assert!(
                t.contains(&format!("{line}\n")),
                "{ty}: missing {line}\n{t}"
            );
        }
        let tail_start = t.find("  'nginx_config_mode'").unwrap();
        let keys: Vec<&str> = t[tail_start..]
            .lines()
            .filter_map(|l| l.split('\'').nth(1))
            .collect();
        let mut want = vec![
            "nginx_config_mode",
            "nginx_is_modern",
            "nginx_has_etag",
            "nginx_has_http2",
            "nginx_has_gzip",
            "nginx_has_upload_progress",
            "provision_db_cloaking",
            "phpfpm_mode",
            "subdirs_support",
            "satellite_mode",
        ];
        if ty == "nginx_ssl" {
            want.retain(|k| *k != "subdirs_support");
            assert!(
                t.contains("  'ssl_key' => 'default',\n  'nginx_config_mode'"),
                "{t}"
            );
        }
        assert_eq!(keys, want, "{ty}");
        php_reexport(&alias(hp, "server_master"), "server_master");
    }
}

/// The names in `home`'s alias directory with their bytes, sorted.
fn alias_dir_snapshot(h: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(h.join(".drush"))
        .unwrap()
        .flatten()
        .map(|e| (e.file_name(), std::fs::read(e.path()).unwrap_or_default()))
        .collect();
    files.sort();
    files
}

#[test]
fn simulate_prints_what_it_would_write_and_writes_nothing() {
    let h = home();
    servers(h.path());
    let before = alias_dir_snapshot(h.path());
    let runs: [&[&str]; 4] = [
        &[
            "provision-save",
            "@server_master",
            "--skip-db-check",
            "--simulate",
            "--master_url=http://changed.example.com",
        ],
        &[
            "-s",
            "provision-save",
            "@server_master",
            "--skip-db-check",
            "--master_url=http://changed.example.com",
        ],
        &[
            "provision-save",
            "@server_new",
            "-s",
            "--context_type=server",
            "--remote_host=new.example.com",
        ],
        &[
            "provision-save",
            "@server_db2examplecom",
            "--delete",
            "--simulate",
        ],
    ];
    for argv in runs {
        let out = provision(argv, h.path());
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{argv:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.starts_with("Would "), "{argv:?}: {stdout}");
        assert_eq!(alias_dir_snapshot(h.path()), before, "{argv:?} wrote");
    }
    let out = provision(runs[0], h.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = alias(h.path(), "server_master");
    assert!(
        stdout.starts_with(&format!("Would write {}:\n<?php", path.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("'master_url' => 'http://changed.example.com',"),
        "{stdout}"
    );
}

/// Runs `provision ARGS` with HOME = `home` and `input` on stdin.
fn provision_with_stdin(args: &[&str], home: &Path, input: &[u8]) -> Output {
    let mut child = Command::new(provision_bin())
        .args(args)
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run provision");
    // The child may exit without reading stdin.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

#[test]
fn deleting_a_referenced_context_asks_and_aborts_with_75() {
    let h = home();
    servers(h.path());
    platform(h.path());
    let master = alias(h.path(), "server_master");
    let delete = ["provision-save", "@server_master", "--delete"];
    for input in [&b"n\n"[..], b"", b"maybe\nno\n"] {
        let out = provision_with_stdin(&delete, h.path(), input);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(75), "{input:?}: {stderr}");
        assert!(stdout.contains("@platform_drupal7"), "{stdout}");
        assert!(stdout.contains("Continue? (y/n): "), "{stdout}");
        assert!(stderr.contains("not deleted"), "{stderr}");
        assert!(master.exists(), "{input:?} deleted it");
    }
    let out = provision_with_stdin(&["-n", delete[0], delete[1], delete[2]], h.path(), b"y\n");
    assert_eq!(out.status.code(), Some(75));
    assert!(master.exists());
    let out = provision_with_stdin(&delete, h.path(), b"y\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(!master.exists());
}

#[test]
fn yes_or_backend_delete_a_referenced_context_without_asking() {
    for flag in ["-y", "--backend=2"] {
        let h = home();
        servers(h.path());
        platform(h.path());
        let out = provision_with_stdin(
            &[flag, "provision-save", "@server_master", "--delete"],
            h.path(),
            b"",
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{flag}: {stdout}");
        assert!(!stdout.contains("Continue?"), "{flag}: {stdout}");
        assert!(!alias(h.path(), "server_master").exists(), "{flag}");
        assert!(alias(h.path(), "platform_drupal7").exists());
    }
}
