//! The live servers `scripts/services/*` start (php-fpm, nginx, Apache, MariaDB):
//! their facts, a per-test workspace the web servers' workers can read, and HTTP
//! requests by Host header. A test whose server is not there fails and names the
//! script to run: it never skips.

use provision::service::db::mysql::MysqlServer;
use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// `$PROVISION_TEST_RUNTIME`, default `/tmp/provision-test`.
pub fn runtime() -> PathBuf {
    std::env::var_os("PROVISION_TEST_RUNTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/provision-test"))
}

/// The KEY=value facts a scripts/services/NAME run wrote; fails clearly if it did not run.
pub fn service_env(name: &str) -> HashMap<String, String> {
    let path = runtime().join(format!("{name}.env"));
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): run scripts/services/{name} (or scripts/services/all) first",
            path.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One fact of a service env.
pub fn fact(env: &HashMap<String, String>, key: &str) -> String {
    env.get(key)
        .unwrap_or_else(|| panic!("service env has no {key}"))
        .clone()
}

/// A directory for one test under `$RUNTIME/work`, readable by the web servers'
/// workers, removed afterwards.
pub struct Workspace(pub PathBuf);

impl Workspace {
    /// A new, empty workspace named after `name`.
    pub fn new(name: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let work = runtime().join("work");
        let dir = work.join(format!(
            "{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        for d in [&work, &dir] {
            fs::create_dir_all(d).unwrap();
            fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
        }
        Workspace(dir)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// GETs `path` for `host` from 127.0.0.1: plain HTTP with a Host header, or HTTPS with
/// `--resolve` (and `-k`: the default certificate is self-signed). Returns (status, body).
pub fn get(port: u16, tls: bool, host: &str, path: &str) -> (String, String) {
    let mut curl = Command::new("curl");
    curl.args(["-sS", "--max-time", "5", "-w", "\n%{http_code}"]);
    if tls {
        curl.arg("-k")
            .arg("--resolve")
            .arg(format!("{host}:{port}:127.0.0.1"))
            .arg(format!("https://{host}:{port}{path}"));
    } else {
        curl.arg("-H")
            .arg(format!("Host: {host}"))
            .arg(format!("http://127.0.0.1:{port}{path}"));
    }
    let out = curl.output().expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap_or(("", &text));
    (status.to_string(), body.to_string())
}

/// Polls until `host`'s front page satisfies `ok(status, body)` (a reload takes a moment).
pub fn wait_for(port: u16, tls: bool, host: &str, what: &str, ok: impl Fn(&str, &str) -> bool) {
    let start = Instant::now();
    loop {
        let (status, body) = get(port, tls, host, "/");
        if ok(&status, &body) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{host}:{port} never {what}; last: {status} {body}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls until the site answers 200 with `want` in its body.
pub fn wait_for_page(port: u16, tls: bool, host: &str, want: &str) {
    let what = format!("answered with {want:?}");
    wait_for(port, tls, host, &what, |status, body| {
        status == "200" && body.contains(want)
    });
}

/// The admin account of the test MariaDB (`scripts/services/mariadb`).
pub fn mariadb() -> MysqlServer {
    let env = service_env("mariadb");
    MysqlServer {
        host: fact(&env, "HOST"),
        port: fact(&env, "PORT").parse().unwrap(),
        socket: Some(PathBuf::from(fact(&env, "SOCKET"))),
        user: fact(&env, "USER"),
        password: fact(&env, "PASSWORD"),
    }
}

/// PHP's urlencode for the characters a test password may hold.
pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
