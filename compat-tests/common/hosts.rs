//! The test hosts `scripts/services/hosts` builds from network namespaces on this one
//! machine, for the multi-host tests: the Aegir master `pv-ctl` (10.77.0.1, where provision
//! runs), the web hosts `pv-web1..3` (10.77.0.11..13: sshd, nginx, php-fpm) and the database
//! host `pv-db` (10.77.0.20: MariaDB), on one private bridge. Their facts are in
//! `$RUNTIME/hosts.env`; a test whose hosts are not there fails and names the script: it
//! never skips.
//!
//! The Aegir root is [`Hosts::aegir_root`] (`$NET/aegir`) on every host. The master sees the
//! real directory; each web host has its own tree at that same path, backed by
//! [`WebHost::backing`], through which a test reads what was published there
//! ([`WebHost::path`]).
//!
//! The hosts are shared by every test: a multi-host test starts with [`Hosts::exclusive`]
//! (or [`lock`] then [`Hosts::get`]), which runs it alone and gives it an empty Aegir root.
//!
//! ```ignore
//! let (_lock, hosts) = Hosts::exclusive();
//! let web1 = hosts.web("web1");
//! let out = hosts.ssh(web1, "hostname -I");
//! ```

use super::live::{fact, runtime, service_env};
use provision::service::db::mysql::MysqlServer;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The test network's facts, from `$RUNTIME/hosts.env`.
#[derive(Debug, Clone)]
pub struct Hosts {
    /// `$RUNTIME/net`: everything the hosts keep.
    pub net: PathBuf,
    /// `$NET/aegir`, the Aegir root at the same path on every host.
    pub aegir_root: PathBuf,
    /// The master's network namespace (`pv-ctl`).
    pub ctl_ns: String,
    /// The master's address (`10.77.0.1`).
    pub ctl_ip: String,
    /// The web hosts, web1 first.
    pub webs: Vec<WebHost>,
    /// The database host's admin account (`provision_admin`@'%' with ALL and GRANT OPTION),
    /// reached over TCP: no socket.
    pub db: MysqlServer,
    /// The ssh client config for `10.77.0.*` (user root, key, known hosts, BatchMode,
    /// ConnectTimeout 5): `ssh -F ssh_config IP ...` from the master.
    pub ssh_config: PathBuf,
    /// php-fpm's socket on each web host (`$NET/local/php-fpm.sock`, the same path on each).
    pub fpm_socket: PathBuf,
    /// The port nginx serves on each web host.
    pub http_port: u16,
    /// The shell command that reloads a web host's nginx, run there as root (a server
    /// context's `http_restart_cmd`).
    pub nginx_reload: String,
}

/// One web host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebHost {
    /// `web1`, `web2` or `web3` (its Aegir server is `server_web1`, ...).
    pub name: String,
    /// Its address, e.g. `10.77.0.11`.
    pub ip: String,
    /// Its network namespace, e.g. `pv-web1`.
    pub ns: String,
    /// The directory that is `$NET/aegir` on this host (`$NET/hosts/webN/aegir`).
    pub backing: PathBuf,
    /// The directory that is `$NET/local` on this host: its daemons' configs, pidfiles,
    /// php-fpm socket and logs (`$NET/hosts/webN/local`).
    pub local: PathBuf,
}

impl Hosts {
    /// The facts `scripts/services/hosts` wrote; panics, naming the script, when it has not run.
    pub fn get() -> Hosts {
        let env = service_env("hosts");
        let net = PathBuf::from(fact(&env, "NET"));
        let webs = (1..=3)
            .map(|n| {
                let name = format!("web{n}");
                WebHost {
                    ip: fact(&env, &format!("WEB{n}")),
                    ns: fact(&env, &format!("WEB{n}_NS")),
                    backing: net.join("hosts").join(&name).join("aegir"),
                    local: net.join("hosts").join(&name).join("local"),
                    name,
                }
            })
            .collect();
        Hosts {
            aegir_root: PathBuf::from(fact(&env, "AEGIR_ROOT")),
            ctl_ns: fact(&env, "CTL_NS"),
            ctl_ip: fact(&env, "CTL"),
            webs,
            db: MysqlServer {
                host: fact(&env, "DB_HOST"),
                port: fact(&env, "DB_PORT").parse().expect("DB_PORT"),
                socket: None,
                user: fact(&env, "DB_USER"),
                password: fact(&env, "DB_PASSWORD"),
            },
            ssh_config: PathBuf::from(fact(&env, "SSH_CONFIG")),
            fpm_socket: PathBuf::from(fact(&env, "FPM_SOCKET")),
            http_port: fact(&env, "HTTP_PORT").parse().expect("HTTP_PORT"),
            nginx_reload: fact(&env, "NGINX_RELOAD"),
            net,
        }
    }

    /// The lock ([`lock`]), the facts, and an empty Aegir root on every host
    /// ([`Hosts::fresh_aegir_root`]): how a multi-host test starts.
    pub fn exclusive() -> (HostsLock, Hosts) {
        let lock = lock();
        let hosts = Hosts::get();
        hosts.fresh_aegir_root();
        (lock, hosts)
    }

    /// The web host named `name` (`web1`, `web2`, `web3`).
    pub fn web(&self, name: &str) -> &WebHost {
        self.webs
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("no web host {name}"))
    }

    /// Moves the calling thread into the master's network namespace: what it connects
    /// to and every process it starts from then on see the test network as the master
    /// does (the test harness gives each test its own thread).
    pub fn enter_ctl(&self) {
        use std::os::fd::AsFd;
        let path = Path::new("/run/netns").join(&self.ctl_ns);
        let ns = fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        rustix::thread::move_into_link_name_space(
            ns.as_fd(),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .expect("setns into the master's network namespace");
    }

    /// `ip netns exec pv-ctl PROGRAM`: runs on the master; the caller adds args and env.
    pub fn ctl(&self, program: &str) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.ctl_ns, program])
            .stdin(Stdio::null());
        cmd
    }

    /// Runs the shell `command` on `web` as root, over ssh from the master.
    pub fn ssh(&self, web: &WebHost, command: &str) -> Output {
        self.ctl("ssh")
            .arg("-F")
            .arg(&self.ssh_config)
            .arg(&web.ip)
            .arg(command)
            .output()
            .expect("run ssh in the master's namespace")
    }

    /// [`Hosts::ssh`], panicking with its stderr unless it succeeds; returns stdout.
    pub fn ssh_ok(&self, web: &WebHost, command: &str) -> String {
        let out = self.ssh(web, command);
        assert!(
            out.status.success(),
            "ssh {} {command:?} failed ({}): {}",
            web.ip,
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// From the master, `rsync -a --relative` each of `paths` (the master's own files) to
    /// `web` at the same absolute path, as Aegir publishes.
    ///
    /// rsync gives the directories a path implies (`/tmp`, ...) the source's modes and
    /// owners on the web host, whose directories outside the Aegir root are the machine's
    /// own: send only real paths of the master here, never a staged copy (use
    /// [`Hosts::rsync_into`]).
    pub fn rsync_relative(&self, web: &WebHost, paths: &[&Path]) -> Output {
        self.rsync_into(web, paths, Path::new("/"))
    }

    /// From the master, `rsync -a --relative` each of `paths` into `dest` on `web`; `/./`
    /// in a path marks where the part kept begins (`stage/./sites/x` lands in `dest/sites/x`).
    pub fn rsync_into(&self, web: &WebHost, paths: &[&Path], dest: &Path) -> Output {
        self.ctl("rsync")
            .args(["-a", "--relative", "-e"])
            .arg(format!("ssh -F {}", self.ssh_config.display()))
            .args(paths)
            .arg(format!("root@{}:{}", web.ip, dest.display()))
            .output()
            .expect("run rsync in the master's namespace")
    }

    /// GETs `http://IP:HTTP_PORT{path}` with `Host: host_header` from the master.
    /// Returns (status, body); status `000` when nothing answered within 5 s.
    pub fn curl(&self, ip: &str, host_header: &str, path: &str) -> (String, String) {
        let out = self
            .ctl("curl")
            .args(["-sS", "--max-time", "5", "-w", "\n%{http_code}", "-H"])
            .arg(format!("Host: {host_header}"))
            .arg(format!("http://{ip}:{}{path}", self.http_port))
            .output()
            .expect("run curl in the master's namespace");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
        (status.to_string(), body.to_string())
    }

    /// Polls [`Hosts::curl`] until `ok(status, body)` (a reload takes a moment); panics
    /// after 10 s with the last answer.
    pub fn wait_for(
        &self,
        ip: &str,
        host_header: &str,
        path: &str,
        ok: impl Fn(&str, &str) -> bool,
    ) -> (String, String) {
        let start = Instant::now();
        loop {
            let (status, body) = self.curl(ip, host_header, path);
            if ok(&status, &body) {
                return (status, body);
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "http://{ip}{path} (Host: {host_header}) never answered as expected; last: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Empties the Aegir root on the master and on every web host, and reloads each web
    /// host's nginx so that no config published before is served any more. The directories
    /// themselves stay: the web hosts' bind mounts hang on them.
    pub fn fresh_aegir_root(&self) {
        empty_dir(&self.aegir_root);
        for web in &self.webs {
            empty_dir(&web.backing);
            web.reload_nginx();
        }
    }
}

impl WebHost {
    /// Where `abs`, a path under the Aegir root, is on this host, seen from the master
    /// (through [`WebHost::backing`]).
    pub fn path(&self, hosts: &Hosts, abs: &Path) -> PathBuf {
        let rel = abs.strip_prefix(&hosts.aegir_root).unwrap_or_else(|_| {
            panic!(
                "{} is not under the Aegir root {}",
                abs.display(),
                hosts.aegir_root.display()
            )
        });
        self.backing.join(rel)
    }

    /// Sets this host's `eth0` down: nothing reaches it until [`WebHost::link_up`].
    pub fn link_down(&self) {
        self.link("down");
    }

    /// Sets this host's `eth0` up again.
    pub fn link_up(&self) {
        self.link("up");
    }

    /// Sets `eth0` down until the guard is dropped, even by a failing test.
    pub fn take_down(&self) -> LinkDown<'_> {
        self.link_down();
        LinkDown(self)
    }

    fn link(&self, state: &str) {
        let status = Command::new("ip")
            .args(["-n", &self.ns, "link", "set", "eth0", state])
            .status()
            .expect("run ip");
        assert!(status.success(), "ip -n {} link set eth0 {state}", self.ns);
    }

    /// Reloads this host's nginx (SIGHUP to its master, as `nginx -s reload` does) and waits
    /// until the workers of the old config are gone, so that what it serves next is the
    /// current config's.
    pub fn reload_nginx(&self) {
        let pidfile = self.local.join("nginx.pid");
        let pid = fs::read_to_string(&pidfile)
            .unwrap_or_else(|e| panic!("{}: {e}: run scripts/services/hosts", pidfile.display()));
        let pid = pid.trim();
        let old = children(pid);
        let status = Command::new("kill")
            .args(["-HUP", pid])
            .status()
            .expect("run kill");
        assert!(status.success(), "nginx of {} is not running", self.ns);
        let start = Instant::now();
        while children(pid).iter().any(|c| old.contains(c)) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "nginx of {} kept its old workers",
                self.ns
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The child pids of process `pid`.
fn children(pid: &str) -> Vec<String> {
    fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Removes everything in `dir`, keeping `dir` (a mount point elsewhere).
fn empty_dir(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        let removed = if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.unwrap_or_else(|e| panic!("remove {}: {e}", path.display()));
    }
}

/// A web host's `eth0` set down by [`WebHost::take_down`]; dropping it sets it up.
pub struct LinkDown<'a>(&'a WebHost);

impl Drop for LinkDown<'_> {
    fn drop(&mut self) {
        self.0.link_up();
    }
}

/// Held while a test uses the hosts: one test at a time in this process, and one test
/// binary at a time on the machine (a file lock, `$RUNTIME/hosts-tests.lock`).
pub struct HostsLock {
    _file: fs::File,
    _guard: MutexGuard<'static, ()>,
}

/// Waits until no other test uses the hosts. A test that panicked while holding the lock
/// does not keep it.
pub fn lock() -> HostsLock {
    static IN_PROCESS: Mutex<()> = Mutex::new(());
    let guard = IN_PROCESS.lock().unwrap_or_else(|e| e.into_inner());
    let path = runtime().join("hosts-tests.lock");
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("lock {}: {e}", path.display()));
    HostsLock {
        _file: file,
        _guard: guard,
    }
}
