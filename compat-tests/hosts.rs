//! The test hosts themselves (`scripts/services/hosts`): the master reaches each web host
//! over ssh at its own address; rsync publishes to one host's own tree at the shared Aegir
//! root path; nginx and php-fpm on each host serve that host's files; the database host
//! takes the admin user from the web hosts and the master; nothing of the test network is
//! in the root namespace; a host whose link is down is cut off and comes back. These tests
//! fail, never skip, when the hosts are not there.

mod common;

use common::hosts::Hosts;
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::time::{Duration, Instant};

/// Asserts an rsync or ssh run succeeded, with its stderr when it did not.
fn assert_ok(out: &std::process::Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ssh_from_the_master_reaches_each_web_host_at_its_own_address() {
    let (_lock, hosts) = Hosts::exclusive();
    for web in &hosts.webs {
        // hostname -I: every address of the host's network namespace, and only that.
        let addrs = hosts.ssh_ok(web, "hostname -I");
        assert_eq!(
            addrs.split_whitespace().collect::<Vec<_>>(),
            [web.ip.as_str()],
            "{}",
            web.name
        );
        // The Aegir root there is the host's own tree.
        let mount = hosts.ssh_ok(
            web,
            &format!("findmnt -n -o SOURCE {}", hosts.aegir_root.display()),
        );
        assert!(
            mount.contains(&web.backing.display().to_string()),
            "{}: {mount}",
            web.name
        );
    }
}

#[test]
fn rsync_publishes_to_one_host_only() {
    let (_lock, hosts) = Hosts::exclusive();
    // The directories above the Aegir root are the machine's own on every host: publishing
    // must leave them as they are (rsync sets the modes of the directories a path implies).
    let above = || {
        hosts
            .aegir_root
            .ancestors()
            .map(|d| {
                (
                    d.to_path_buf(),
                    fs::metadata(d).unwrap().permissions().mode(),
                )
            })
            .collect::<Vec<_>>()
    };
    let before = above();

    // As Aegir publishes a server's config: rendered on the master under the Aegir root,
    // sent to the same path on one web host.
    for web in &hosts.webs {
        let dir = hosts
            .aegir_root
            .join("config")
            .join(format!("server_{}", web.name));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("published.txt");
        fs::write(&file, format!("for {}\n", web.name)).unwrap();
        assert_ok(&hosts.rsync_relative(web, &[&file]), "rsync");
        assert_eq!(
            fs::read_to_string(web.path(&hosts, &file)).unwrap(),
            format!("for {}\n", web.name)
        );
        for other in hosts.webs.iter().filter(|o| *o != web) {
            assert!(
                !other.path(&hosts, &file).exists(),
                "{} got {}'s file",
                other.name,
                web.name
            );
        }
    }

    // A file that is not on the master: staged elsewhere, sent with `/./` into the Aegir
    // root of web1 (only the part under the Aegir root is staged: rsync would give the
    // directories above it, the machine's own, the stage's modes).
    let stage = tempfile::tempdir().unwrap();
    let target = hosts.aegir_root.join("smoke/only-on-web1.txt");
    fs::create_dir_all(stage.path().join("smoke")).unwrap();
    fs::write(stage.path().join("smoke/only-on-web1.txt"), "web1 only\n").unwrap();
    let src = stage.path().join("./smoke/only-on-web1.txt");
    let web1 = hosts.web("web1");
    assert_ok(&hosts.rsync_into(web1, &[&src], &hosts.aegir_root), "rsync");
    assert_eq!(
        fs::read_to_string(web1.path(&hosts, &target)).unwrap(),
        "web1 only\n"
    );
    assert_eq!(
        hosts.ssh_ok(web1, &format!("cat {}", target.display())),
        "web1 only\n",
        "web1's own view of its Aegir root"
    );
    assert!(!target.exists(), "the master got web1's file");
    for other in hosts.webs.iter().filter(|o| o.name != "web1") {
        assert!(!other.path(&hosts, &target).exists(), "{}", other.name);
    }
    assert_eq!(above(), before, "modes above the Aegir root");
}

#[test]
fn nginx_and_php_fpm_on_each_host_serve_that_hosts_files() {
    let (_lock, hosts) = Hosts::exclusive();
    let docroot = hosts.aegir_root.join("smoke/docroot");

    // Bare hosts answer on port 80 (a 404 for a host no site claims).
    for web in &hosts.webs {
        let (status, _) = hosts.curl(&web.ip, "nobody.test", "/");
        assert_eq!(status, "404", "{}", web.name);
    }

    // The same server config for each host, published as Aegir does, included by each
    // host's nginx from its Aegir root, and reloaded there over ssh with NGINX_RELOAD.
    for web in &hosts.webs {
        let config = hosts
            .aegir_root
            .join("config")
            .join(format!("server_{}", web.name))
            .join("nginx.conf");
        fs::create_dir_all(config.parent().unwrap()).unwrap();
        fs::write(
            &config,
            format!(
                "server {{\n  listen *:{port};\n  server_name smoke.test;\n  root {root};\n  \
                 location ~ \\.php$ {{\n    include /etc/nginx/fastcgi_params;\n    \
                 fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\n    \
                 fastcgi_pass unix:{sock};\n  }}\n}}\n",
                port = hosts.http_port,
                root = docroot.display(),
                sock = hosts.fpm_socket.display(),
            ),
        )
        .unwrap();
        assert_ok(&hosts.rsync_relative(web, &[&config]), "rsync");
        // Each host's docroot has its own page.
        let own = web.path(&hosts, &docroot);
        fs::create_dir_all(&own).unwrap();
        fs::write(own.join("index.html"), format!("I am {}\n", web.name)).unwrap();
        fs::write(
            own.join("who.php"),
            "<?php echo $_SERVER['SERVER_ADDR'], ' ', file_get_contents(__DIR__ . '/index.html');\n",
        )
        .unwrap();
        hosts.ssh_ok(web, &hosts.nginx_reload);
    }
    assert!(!docroot.exists(), "the master has no docroot");

    // Polled: the workers of the config before the reload answer for a moment.
    for web in &hosts.webs {
        let page = format!("I am {}\n", web.name);
        hosts.wait_for(&web.ip, "smoke.test", "/", |s, b| s == "200" && b == page);
        // php-fpm of that host (at the socket path every host shares) runs that host's file.
        let php = format!("{} I am {}\n", web.ip, web.name);
        hosts.wait_for(&web.ip, "smoke.test", "/who.php", |s, b| {
            s == "200" && b == php
        });
    }

    // A fresh Aegir root takes the published configs away from the running servers too.
    hosts.fresh_aegir_root();
    for web in &hosts.webs {
        assert_eq!(hosts.curl(&web.ip, "smoke.test", "/").0, "404");
    }
}

#[test]
fn php_fpm_socket_is_in_each_hosts_own_local_dir() {
    let (_lock, hosts) = Hosts::exclusive();
    let rel = hosts
        .fpm_socket
        .strip_prefix(&hosts.net)
        .expect("the socket is under NET");
    assert!(rel.starts_with("local"), "{}", hosts.fpm_socket.display());
    for web in &hosts.webs {
        let sock = web.local.join(rel.strip_prefix("local").unwrap());
        let meta = fs::metadata(&sock).unwrap_or_else(|e| panic!("{}: {e}", sock.display()));
        assert!(meta.file_type().is_socket(), "{}", sock.display());
    }
    assert!(
        !hosts.fpm_socket.exists(),
        "the master runs no php-fpm of the test hosts"
    );
}

#[test]
fn mariadb_takes_the_admin_from_a_web_host_and_from_the_master() {
    let (_lock, hosts) = Hosts::exclusive();
    let db = &hosts.db;
    let query = "SELECT USER(), CURRENT_USER()";
    let web1 = hosts.web("web1");
    let out = hosts.ssh_ok(
        web1,
        &format!(
            "mariadb --no-defaults -h {} -P {} -u {} -p'{}' -N -B -e '{query}'",
            db.host, db.port, db.user, db.password
        ),
    );
    assert_eq!(
        out.trim(),
        format!("{}@{}\t{}@%", db.user, web1.ip, db.user)
    );

    let out = hosts
        .ctl("mariadb")
        .args(["--no-defaults", "-h", &db.host, "-P", &db.port.to_string()])
        .args(["-u", &db.user, "-N", "-B", "-e", query])
        .env("MYSQL_PWD", &db.password)
        .output()
        .unwrap();
    assert_ok(&out, "mariadb from pv-ctl");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("{}@{}\t{}@%", db.user, hosts.ctl_ip, db.user)
    );
}

#[test]
fn the_root_namespace_has_nothing_of_the_test_network() {
    let (_lock, hosts) = Hosts::exclusive();
    for args in [&["-o", "addr"][..], &["route"][..]] {
        let out = std::process::Command::new("ip")
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success());
        assert!(
            !text.contains("10.77."),
            "ip {args:?} in the root namespace:\n{text}"
        );
    }
    // And no host has a way out: no default route anywhere.
    for ns in std::iter::once(hosts.ctl_ns.as_str()).chain(hosts.webs.iter().map(|w| w.ns.as_str()))
    {
        let out = std::process::Command::new("ip")
            .args(["-n", ns, "route", "show", "default"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{ns}");
    }
}

#[test]
fn a_host_whose_link_is_down_is_cut_off_until_it_is_up() {
    let (_lock, hosts) = Hosts::exclusive();
    let web3 = hosts.web("web3");
    hosts.ssh_ok(web3, "true");
    {
        let _down = web3.take_down();
        let start = Instant::now();
        let out = hosts.ssh(web3, "true");
        assert!(!out.status.success(), "ssh reached web3 with its link down");
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "ssh took {:?} to give up (ConnectTimeout is 5 s)",
            start.elapsed()
        );
        // The others are not affected.
        hosts.ssh_ok(hosts.web("web2"), "true");
    }
    // Up again: reachable once the link is (ARP and carrier take a moment at most).
    let start = Instant::now();
    loop {
        let out = hosts.ssh(web3, "true");
        if out.status.success() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "web3 unreachable after link_up: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
