//! Compat tests (remote): `provision::remote` against real sshd and rsync on the test hosts
//! `scripts/services/hosts` builds: network namespaces pv-ctl (where provision runs) and
//! pv-web1..3, each web host with its own sshd and its own file tree at the shared Aegir
//! root (`$NET/aegir`, backed by `$NET/hosts/webN/aegir`).
//!
//! Each test re-runs this test binary inside pv-ctl (`ip netns exec pv-ctl <exe> <test>
//! --exact`) with `PROVISION_TEST_REMOTE_INSIDE=1`, so the library runs in the master's
//! namespace; the child's TMPDIR is a fresh directory, so its ssh masters are told apart
//! from anyone else's. One test at a time, and one test binary on the machine at a time
//! (the hosts tests' lock, `$RUNTIME/hosts-tests.lock`): some take a host's link down. A
//! test whose hosts are not there fails and names the script to run: it never skips.
//!
//! These run as root, unlike the task tests (compat-tests/tasks.rs runs every task as the
//! unprivileged task user): entering a network namespace (`ip netns exec`) and taking a
//! host's link down need root, and the ssh keys `scripts/services/hosts` made are root's.

mod common;

use common::live::{runtime, service_env};
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use provision::remote::{Host, HostPlan, Remote, RemoteError, SshOptions, Step, SyncOptions};

const INSIDE: &str = "PROVISION_TEST_REMOTE_INSIDE";

/// The facts `scripts/services/hosts` wrote.
struct Net(HashMap<String, String>);

impl Net {
    fn load() -> Net {
        Net(service_env("hosts"))
    }

    fn fact(&self, key: &str) -> &str {
        self.0
            .get(key)
            .unwrap_or_else(|| panic!("hosts.env has no {key}"))
    }

    fn aegir_root(&self) -> PathBuf {
        PathBuf::from(self.fact("AEGIR_ROOT"))
    }

    /// Web host `n` (1..=3) as the remote layer sees it.
    fn web(&self, n: usize) -> Host {
        Host {
            server: format!("@server_web{n}"),
            user: "root".into(),
            address: self.fact(&format!("WEB{n}")).to_string(),
        }
    }

    /// Where web host `n` keeps what it sees at `path` (a path under the Aegir root).
    fn on_web(&self, n: usize, path: &Path) -> PathBuf {
        let below = path.strip_prefix(self.aegir_root()).unwrap();
        Path::new(self.fact("NET"))
            .join(format!("hosts/web{n}/aegir"))
            .join(below)
    }

    fn options(&self, connect_timeout: Duration) -> SshOptions {
        SshOptions {
            config_file: Some(self.fact("SSH_CONFIG").into()),
            connect_timeout,
            parallel: 8,
        }
    }

    fn remote(&self) -> Remote {
        Remote::new(self.options(Duration::from_secs(2))).unwrap()
    }
}

/// Runs `body` inside pv-ctl: directly when this process is the re-run there, else by
/// re-running this test binary there for test `name` and checking it passed.
fn in_ctl(name: &str, body: fn(&Net)) {
    let net = Net::load();
    if std::env::var_os(INSIDE).is_some() {
        return body(&net);
    }
    let _hosts = common::hosts::lock();
    let tmp = runtime().join(format!("remote-tmp-{}", std::process::id()));
    fs::create_dir_all(&tmp).unwrap();
    fs::set_permissions(&tmp, fs::Permissions::from_mode(0o700)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let child = Command::new("ip")
        .args(["netns", "exec", net.fact("CTL_NS")])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = wait_bounded(child, Duration::from_secs(180));
    let _ = fs::remove_dir_all(&tmp);
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{name} failed inside pv-ctl");
}

/// The child's output, killing it if it runs longer than `limit`.
fn wait_bounded(mut child: std::process::Child, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the test inside pv-ctl ran over {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A directory under the Aegir root for one test, and its copies on the web hosts,
/// all removed afterwards.
struct Work<'a> {
    net: &'a Net,
    dir: PathBuf,
}

impl<'a> Work<'a> {
    fn new(net: &'a Net, name: &str) -> Work<'a> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = net.aegir_root().join(format!(
            "remote-test/{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&dir).unwrap();
        Work { net, dir }
    }
}

impl Drop for Work<'_> {
    fn drop(&mut self) {
        let mut dirs = vec![self.dir.clone()];
        dirs.extend((1..=3).map(|n| self.net.on_web(n, &self.dir)));
        for dir in dirs {
            let _ = fs::remove_dir_all(&dir);
            // The shared parent goes once empty (fails harmlessly while another test uses it).
            let _ = dir.parent().map(fs::remove_dir);
        }
    }
}

/// Takes web host `n`'s link down; it comes back up when dropped.
struct LinkDown(String);

impl LinkDown {
    fn new(net: &Net, n: usize) -> LinkDown {
        let ns = net.fact(&format!("WEB{n}_NS")).to_string();
        link(&ns, "down");
        LinkDown(ns)
    }
}

impl Drop for LinkDown {
    fn drop(&mut self) {
        link(&self.0, "up");
    }
}

fn link(ns: &str, state: &str) {
    let ok = Command::new("ip")
        .args(["netns", "exec", ns, "ip", "link", "set", "eth0", state])
        .status()
        .unwrap()
        .success();
    assert!(ok, "ip link set eth0 {state} in {ns}");
}

fn write(path: &Path, text: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The pids of the ssh masters (`ssh … -M …`) whose control socket is under `dir`.
fn masters_under(dir: &Path) -> Vec<String> {
    let dir = dir.to_string_lossy().into_owned();
    let argv = |pid: &Path| -> Option<Vec<String>> {
        let raw = fs::read(pid.join("cmdline")).ok()?;
        Some(
            raw.split(|&b| b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
        )
    };
    fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            argv(&e.path()).is_some_and(|argv| {
                argv.first().is_some_and(|a| a.ends_with("ssh"))
                    && argv.iter().any(|a| a == "-M")
                    && argv.iter().any(|a| a.starts_with(&dir))
            })
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn sync_lands_at_the_same_path_with_modes_and_delete() {
    in_ctl("sync_lands_at_the_same_path_with_modes_and_delete", |net| {
        let work = Work::new(net, "sync");
        let tree = work.dir.join("tree");
        write(&tree.join("a.txt"), "a", 0o640);
        write(&tree.join("bin/run.sh"), "#!/bin/sh\n", 0o755);
        write(&tree.join("it's a \"file\""), "q", 0o600);
        write(&tree.join(".git/HEAD"), "ref", 0o644);
        fs::set_permissions(tree.join("bin"), fs::Permissions::from_mode(0o2750)).unwrap();
        let remote = net.remote();
        let web1 = net.web(1);
        remote.sync(&web1, &tree, &SyncOptions::default()).unwrap();

        let there = net.on_web(1, &tree);
        assert_eq!(read(&there.join("a.txt")), "a");
        assert_eq!(mode(&there.join("a.txt")), 0o640);
        assert_eq!(mode(&there.join("bin/run.sh")), 0o755);
        assert_eq!(mode(&there.join("bin")), 0o2750);
        assert_eq!(read(&there.join("it's a \"file\"")), "q");
        assert!(!there.join(".git").exists(), "VCS directories are left out");

        // --delete: what is gone here, or only there, goes there.
        fs::remove_file(tree.join("a.txt")).unwrap();
        write(&tree.join("b.txt"), "b", 0o644);
        write(&there.join("stale.txt"), "old", 0o644);
        remote.sync(&web1, &tree, &SyncOptions::default()).unwrap();
        assert!(!there.join("a.txt").exists());
        assert!(!there.join("stale.txt").exists());
        assert_eq!(read(&there.join("b.txt")), "b");
        // The other hosts got nothing.
        assert!(!net.on_web(2, &tree).exists());
        remote.close();
    });
}

#[test]
fn platform_and_site_syncs_leave_out_what_aegir_leaves_out() {
    in_ctl(
        "platform_and_site_syncs_leave_out_what_aegir_leaves_out",
        |net| {
            let work = Work::new(net, "platform");
            let root = work.dir.join("platforms/d7");
            let site = root.join("sites/example.com");
            write(&root.join("index.php"), "<?php", 0o644);
            write(&root.join("sites/all/modules/m/m.module"), "<?php", 0o644);
            write(
                &root.join("sites/default/default.settings.php"),
                "<?php",
                0o644,
            );
            write(&site.join("settings.php"), "<?php // site", 0o440);
            write(&site.join("files/local.jpg"), "jpg", 0o664);
            // The web server's own uploads, which only it has.
            let site_there = net.on_web(2, &site);
            write(&site_there.join("files/upload.jpg"), "up", 0o664);

            let remote = net.remote();
            let web2 = net.web(2);
            remote.sync(&web2, &root, &SyncOptions::platform()).unwrap();
            let root_there = net.on_web(2, &root);
            assert_eq!(read(&root_there.join("index.php")), "<?php");
            assert!(root_there.join("sites/all/modules/m/m.module").exists());
            assert!(!root_there.join("sites/default").exists());
            assert!(!site_there.join("settings.php").exists());
            assert!(
                site_there.join("files/upload.jpg").exists(),
                "excluded, so kept"
            );

            remote
                .sync(&web2, &site, &SyncOptions::site(false))
                .unwrap();
            assert_eq!(read(&site_there.join("settings.php")), "<?php // site");
            assert_eq!(mode(&site_there.join("settings.php")), 0o440);
            assert!(!site_there.join("files/local.jpg").exists());
            assert!(site_there.join("files/upload.jpg").exists());

            // With files, the master is authoritative: its files replace the host's.
            remote.sync(&web2, &site, &SyncOptions::site(true)).unwrap();
            assert!(site_there.join("files/local.jpg").exists());
            assert!(!site_there.join("files/upload.jpg").exists());
            remote.close();
        },
    );
}

#[test]
fn a_path_missing_here_is_removed_there() {
    in_ctl("a_path_missing_here_is_removed_there", |net| {
        let work = Work::new(net, "missing");
        let vhost = work
            .dir
            .join("config/server_web3/nginx/vhost.d/example.com");
        write(&vhost, "server {}", 0o644);
        let other = work.dir.join("config/it's here");
        write(&other.join("x"), "x", 0o644);
        let remote = net.remote();
        let web3 = net.web(3);
        remote.sync(&web3, &vhost, &SyncOptions::default()).unwrap();
        remote.sync(&web3, &other, &SyncOptions::default()).unwrap();
        assert!(net.on_web(3, &vhost).exists());

        fs::remove_file(&vhost).unwrap();
        remote.sync(&web3, &vhost, &SyncOptions::default()).unwrap();
        assert!(!net.on_web(3, &vhost).exists());
        assert!(net.on_web(3, vhost.parent().unwrap()).exists());

        remote.remove(&web3, &other).unwrap();
        assert!(!net.on_web(3, &other).exists());
        assert!(other.exists(), "remove leaves the local copy to the caller");
        remote.close();
    });
}

#[test]
fn fetch_brings_back_what_changed_there() {
    in_ctl("fetch_brings_back_what_changed_there", |net| {
        let work = Work::new(net, "fetch");
        let files = work.dir.join("sites/a b.com/files");
        write(&files.join("doc.txt"), "master", 0o644);
        write(&files.join("only-here.txt"), "x", 0o644);
        let remote = net.remote();
        let web1 = net.web(1);
        remote.sync(&web1, &files, &SyncOptions::default()).unwrap();

        let there = net.on_web(1, &files);
        write(&there.join("doc.txt"), "changed on web1", 0o600);
        write(&there.join("new/upload.jpg"), "jpg", 0o664);
        fs::remove_file(there.join("only-here.txt")).unwrap();
        remote
            .fetch(&web1, &files, &SyncOptions::default())
            .unwrap();
        assert_eq!(read(&files.join("doc.txt")), "changed on web1");
        assert_eq!(mode(&files.join("doc.txt")), 0o600);
        assert_eq!(read(&files.join("new/upload.jpg")), "jpg");
        assert!(!files.join("only-here.txt").exists());
        remote.close();
    });
}

#[test]
fn run_returns_output_and_failures_name_the_host() {
    in_ctl("run_returns_output_and_failures_name_the_host", |net| {
        let remote = net.remote();
        let web2 = net.web(2);
        // Each host's local dir names the host: this ran on web2.
        let marker = format!("cat '{}/local/host'", net.fact("NET"));
        assert_eq!(remote.run(&web2, &marker).unwrap(), "web2\n");
        assert_eq!(
            remote.run(&web2, "printf '%s|' \"a  b\" 'c'").unwrap(),
            "a  b|c|"
        );

        let err = remote
            .run(&web2, "echo 'no such service' >&2; exit 3")
            .unwrap_err();
        assert!(matches!(err, RemoteError::Command { .. }), "{err:?}");
        let text = err.to_string();
        let want = format!("@server_web2 ({}): command ", net.fact("WEB2"));
        assert!(text.starts_with(&want), "{text}");
        assert!(
            text.ends_with("(exit status: 3): no such service"),
            "{text}"
        );
        // A command's own 255 is the command's, not a lost connection.
        let err = remote.run(&web2, "exit 255").unwrap_err();
        assert!(matches!(err, RemoteError::Command { .. }), "{err:?}");
        remote.close();
    });
}

#[test]
fn connect_failures_say_why() {
    in_ctl("connect_failures_say_why", |net| {
        let remote = net.remote();
        let stranger = Host {
            user: "pv-no-such-user".into(),
            ..net.web(1)
        };
        let err = remote.run(&stranger, "true").unwrap_err();
        assert!(matches!(err, RemoteError::Unreachable { .. }), "{err:?}");
        let text = err.to_string();
        let want = format!(
            "@server_web1 ({}): cannot connect: the server refused the key",
            net.fact("WEB1")
        );
        assert!(text.starts_with(&want), "{text}");

        // With no known hosts, strict checking refuses the host key.
        let config = std::env::temp_dir().join("no-known-hosts.config");
        let text = read(Path::new(net.fact("SSH_CONFIG")));
        let text: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("UserKnownHostsFile"))
            .map(|l| format!("{l}\n"))
            .collect();
        write(
            &config,
            &format!("{text}  UserKnownHostsFile /dev/null\n"),
            0o600,
        );
        let strict = Remote::new(SshOptions {
            config_file: Some(config),
            ..net.options(Duration::from_secs(2))
        })
        .unwrap();
        let text = strict.run(&net.web(1), "true").unwrap_err().to_string();
        assert!(
            text.contains("cannot connect: the host key is not in the known hosts"),
            "{text}"
        );

        // Nothing listens on 10.77.0.99.
        let nobody = Host {
            address: "10.77.0.99".into(),
            ..net.web(1)
        };
        let start = Instant::now();
        let text = remote.run(&nobody, "true").unwrap_err().to_string();
        eprintln!(
            "unreachable address failed after {:?}: {text}",
            start.elapsed()
        );
        assert!(
            text.starts_with("@server_web1 (10.77.0.99): cannot connect: "),
            "{text}"
        );
        assert!(start.elapsed() < Duration::from_secs(10), "{text}");
    });
}

#[test]
fn one_master_serves_many_commands() {
    in_ctl("one_master_serves_many_commands", |net| {
        let tmp = std::env::temp_dir();
        let remote = net.remote();
        let web1 = net.web(1);
        let start = Instant::now();
        for i in 0..20 {
            assert_eq!(
                remote.run(&web1, &format!("echo {i}")).unwrap(),
                format!("{i}\n")
            );
        }
        let muxed = start.elapsed();
        assert_eq!(masters_under(&tmp).len(), 1, "one master for 20 commands");
        let work = Work::new(net, "mux");
        write(&work.dir.join("f"), "f", 0o644);
        remote
            .sync(&web1, &work.dir, &SyncOptions::default())
            .unwrap();
        assert_eq!(
            masters_under(&tmp).len(),
            1,
            "rsync goes through the same master"
        );

        let start = Instant::now();
        for _ in 0..20 {
            let ok = Command::new("ssh")
                .args(["-F", net.fact("SSH_CONFIG"), net.fact("WEB1"), "true"])
                .stdin(Stdio::null())
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
        let fresh = start.elapsed();
        eprintln!("20 commands over one master: {muxed:?}; 20 fresh ssh connections: {fresh:?}");
        assert!(
            muxed < fresh,
            "{muxed:?} over the master vs {fresh:?} fresh"
        );

        // A master that went away between two uses (idled out, killed) is replaced.
        let old = masters_under(&tmp);
        let killed = Command::new("kill").args(&old).status().unwrap().success();
        assert!(killed);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(remote.run(&web1, "echo again").unwrap(), "again\n");
        let new = masters_under(&tmp);
        assert_eq!(new.len(), 1);
        assert_ne!(new, old);

        remote.close();
        assert!(masters_under(&tmp).is_empty(), "close ends the master");
        let dropped = net.remote();
        dropped.run(&web1, "true").unwrap();
        drop(dropped);
        assert!(
            masters_under(&tmp).is_empty(),
            "dropping ends the master too"
        );
    });
}

/// A plan that pushes `tree` and checks it arrived, on web host `n`.
fn push(net: &Net, n: usize, tree: &Path) -> HostPlan {
    HostPlan {
        host: net.web(n),
        steps: vec![
            Step::Sync(tree.to_path_buf(), SyncOptions::platform()),
            Step::Run(format!("test -f '{}/index.php'", tree.display())),
        ],
    }
}

#[test]
fn publish_goes_on_past_a_host_whose_link_is_down_and_a_rerun_converges() {
    in_ctl(
        "publish_goes_on_past_a_host_whose_link_is_down_and_a_rerun_converges",
        |net| {
            let work = Work::new(net, "publish");
            let tree = work.dir.join("platforms/p");
            write(&tree.join("index.php"), "<?php", 0o644);
            let plans = || (1..=3).map(|n| push(net, n, &tree)).collect::<Vec<_>>();
            {
                let _down = LinkDown::new(net, 2);
                let remote = net.remote();
                let start = Instant::now();
                let outcomes = remote.publish(plans());
                eprintln!("publish to 3 hosts, web2 down: {:?}", start.elapsed());
                let names: Vec<_> = outcomes.iter().map(|o| o.host.server.as_str()).collect();
                assert_eq!(names, ["@server_web1", "@server_web2", "@server_web3"]);
                assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
                assert!(outcomes[2].result.is_ok(), "{:?}", outcomes[2].result);
                let err = outcomes[1].result.as_ref().unwrap_err();
                assert!(matches!(err, RemoteError::Unreachable { .. }), "{err:?}");
                let text = err.to_string();
                eprintln!("{text}");
                let want = format!("@server_web2 ({}): cannot connect: ", net.fact("WEB2"));
                assert!(text.starts_with(&want), "{text}");
                assert!(net.on_web(1, &tree).join("index.php").exists());
                assert!(!net.on_web(2, &tree).exists());
                assert!(start.elapsed() < Duration::from_secs(15));
                remote.close();
            }
            let remote = net.remote();
            let start = Instant::now();
            let outcomes = remote.publish(plans());
            eprintln!("re-run with all links up: {:?}", start.elapsed());
            for outcome in &outcomes {
                assert!(outcome.result.is_ok(), "{outcome:?}");
            }
            assert_eq!(read(&net.on_web(2, &tree).join("index.php")), "<?php");
            remote.close();
        },
    );
}

#[test]
fn a_link_cut_under_an_open_master_is_reported_and_the_next_use_reconnects() {
    in_ctl(
        "a_link_cut_under_an_open_master_is_reported_and_the_next_use_reconnects",
        |net| {
            let remote = Remote::new(net.options(Duration::from_secs(1))).unwrap();
            let web3 = net.web(3);
            remote.run(&web3, "true").unwrap();
            let err = {
                let _down = LinkDown::new(net, 3);
                let start = Instant::now();
                let err = remote.run(&web3, "true").unwrap_err();
                eprintln!("cut link noticed after {:?}: {err}", start.elapsed());
                assert!(start.elapsed() < Duration::from_secs(15));
                err
            };
            assert!(matches!(err, RemoteError::Lost { .. }), "{err:?}");
            let want = format!("@server_web3 ({}): connection lost: ", net.fact("WEB3"));
            assert!(err.to_string().starts_with(&want), "{err}");
            assert_eq!(remote.run(&web3, "echo back").unwrap(), "back\n");
            remote.close();
        },
    );
}
