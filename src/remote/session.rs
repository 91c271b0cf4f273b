//! ssh connections: one multiplexed openssh master per `user@address`, opened on first
//! use with a bounded connect, its socket in a private control directory, reused by every
//! command and by rsync while its master answers; a dead master is dropped from the pool,
//! so the next use connects again. Masters idle for two minutes exit by themselves, so a
//! killed process leaves none behind for long.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{self, DirBuilder};
use std::io::{self, ErrorKind};
use std::num::NonZeroUsize;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use openssh::{ControlPersist, KnownHosts, Session, SessionBuilder};
use tokio::sync::OnceCell;

use super::{argv, Host, RemoteError, SshOptions};

/// A unix socket path holds at most 107 bytes. Below the control directory come openssh's
/// `/.ssh-connectionXXXXXX/master` (29) and the `.` plus 16 characters ssh appends while
/// it binds (17); the directory's own name is `pv-ssh-` and 8 hex digits (16 with `/`).
const SOCKET_PATH_MAX: usize = 107;
const BELOW_BASE: usize = 16 + 29 + 17;

/// How long a master with no command running stays up: reuse checks the master first and
/// reconnects if it has gone.
const IDLE_SECS: NonZeroUsize = match NonZeroUsize::new(120) {
    Some(n) => n,
    None => NonZeroUsize::MIN,
};

/// A directory only this user can enter (0700), for the masters' sockets; removed with
/// everything in it when dropped.
#[derive(Debug)]
pub struct ControlDir(PathBuf);

impl ControlDir {
    /// Creates a fresh private directory in the temp dir, or in `/tmp` when the temp dir's
    /// path would make the sockets' paths too long.
    pub fn create() -> io::Result<ControlDir> {
        let tmp = std::env::temp_dir();
        let base = if tmp.as_os_str().len() + BELOW_BASE <= SOCKET_PATH_MAX {
            tmp
        } else {
            PathBuf::from("/tmp")
        };
        for _ in 0..16 {
            let dir = base.join(format!("pv-ssh-{}", random_hex()?));
            // mkdir fails on anything already there (a planted symlink included).
            match DirBuilder::new().mode(0o700).create(&dir) {
                Ok(()) => {
                    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
                    return Ok(ControlDir(dir));
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            ErrorKind::AlreadyExists,
            "no free control directory name",
        ))
    }

    /// Where the directory is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ControlDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Eight random hex digits.
fn random_hex() -> io::Result<String> {
    let mut buf = [0u8; 4];
    crate::fsutil::random_bytes(&mut buf).map_err(|e| e.source)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

/// A session being opened or open; empty again if opening failed.
type Slot = Arc<OnceCell<Arc<Session>>>;

/// The open sessions, by `user@address`.
#[derive(Debug)]
pub struct Pool {
    opts: SshOptions,
    slots: Mutex<HashMap<String, Slot>>,
    // Declared last so the sessions close before their directory goes.
    dir: ControlDir,
}

impl Pool {
    /// An empty pool with its control directory.
    pub fn new(opts: SshOptions) -> Result<Pool, RemoteError> {
        let dir = ControlDir::create()
            .map_err(|e| RemoteError::Io("create the ssh control directory".into(), e))?;
        Ok(Pool {
            opts,
            slots: Mutex::new(HashMap::new()),
            dir,
        })
    }

    /// The options the pool connects with.
    pub fn options(&self) -> &SshOptions {
        &self.opts
    }

    /// ssh's connect timeout in whole seconds (at least 1).
    pub fn timeout_secs(&self) -> u64 {
        self.opts.connect_timeout.as_secs().max(1)
    }

    /// The client options for commands through `session`'s master.
    pub fn mux_options(&self, session: &Session) -> Vec<OsString> {
        argv::mux_options(
            session.control_socket(),
            self.opts.config_file.as_deref(),
            self.timeout_secs(),
        )
    }

    fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        // The map stays consistent whatever a panicking holder did.
        self.slots.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session to `host`: the open one while its master answers, else a new one.
    /// Concurrent callers for one host share one connect.
    pub async fn session(&self, host: &Host) -> Result<Arc<Session>, RemoteError> {
        let mut slot = self.slot(host);
        if let Some(open) = slot.get() {
            // A local check (a few ms): the master may have idled out or lost its link.
            if open.check().await.is_ok() {
                return Ok(open.clone());
            }
            self.forget(host, open);
            slot = self.slot(host);
        }
        slot.get_or_try_init(|| self.connect(host)).await.cloned()
    }

    /// `Some(Lost)` if `session`'s master is gone, which also drops it from the pool.
    pub async fn lost(&self, host: &Host, session: &Arc<Session>) -> Option<RemoteError> {
        let err = session.check().await.err()?;
        self.forget(host, session);
        Some(RemoteError::Lost {
            host: host.clone().into(),
            detail: chain(&err),
        })
    }

    /// `host`'s slot, made empty if there is none.
    fn slot(&self, host: &Host) -> Slot {
        self.slots().entry(key(host)).or_default().clone()
    }

    /// Drops `session` from the pool, unless another caller has already replaced it.
    fn forget(&self, host: &Host, session: &Arc<Session>) {
        let mut slots = self.slots();
        let ours = slots
            .get(&key(host))
            .and_then(|slot| slot.get())
            .is_some_and(|open| Arc::ptr_eq(open, session));
        if ours {
            slots.remove(&key(host));
        }
    }

    /// Asks every master to exit and waits for each; errors are of no use at this point.
    pub async fn close(&self) {
        let slots: Vec<Slot> = self.slots().drain().map(|(_, slot)| slot).collect();
        for slot in slots {
            let open = Arc::try_unwrap(slot).ok().and_then(OnceCell::into_inner);
            if let Some(session) = open.and_then(|s| Arc::try_unwrap(s).ok()) {
                let _ = session.close().await;
            }
        }
    }

    async fn connect(&self, host: &Host) -> Result<Arc<Session>, RemoteError> {
        check_host(host)?;
        let secs = self.timeout_secs();
        let mut builder = SessionBuilder::default();
        builder
            .user(host.user.clone())
            .known_hosts_check(KnownHosts::Strict)
            .connect_timeout(Duration::from_secs(secs))
            // A master whose link is cut gives up after three unanswered probes.
            .server_alive_interval(Duration::from_secs(secs))
            // A master left behind by a killed process goes away by itself.
            .control_persist(ControlPersist::IdleFor(IDLE_SECS))
            .control_directory(self.dir.path());
        if let Some(config) = &self.opts.config_file {
            builder.config_file(config);
        }
        // ssh's ConnectTimeout covers the TCP connect and the banner; this bounds the rest.
        let limit = Duration::from_secs(secs * 3);
        let unreachable = |detail| RemoteError::Unreachable {
            host: host.clone().into(),
            detail,
        };
        match tokio::time::timeout(limit, builder.connect(&host.address)).await {
            Ok(Ok(session)) => Ok(Arc::new(session)),
            Ok(Err(e)) => Err(unreachable(connect_detail(&e, secs))),
            Err(_) => Err(unreachable(format!(
                "no answer within {} s",
                limit.as_secs()
            ))),
        }
    }
}

/// The pool's key for `host`.
fn key(host: &Host) -> String {
    format!("{}@{}", host.user, host.address)
}

/// Refuses a user or address ssh would read as an option or that is not a plain name.
fn check_host(host: &Host) -> Result<(), RemoteError> {
    crate::service::validate::user(&host.user)
        .and_then(|()| crate::service::validate::remote_host(&host.address))
        .map_err(|e| RemoteError::InvalidHost {
            host: host.clone().into(),
            detail: e.to_string(),
        })
}

/// What a failed connect means, with what ssh said.
fn connect_detail(err: &openssh::Error, secs: u64) -> String {
    match err {
        openssh::Error::Connect(e) => explain(e.kind(), &e.to_string(), secs),
        other => chain(other),
    }
}

/// Reads ssh's complaint: refused key, unknown host key, timeout, refused connection,
/// unreachable network, or anything else as said.
pub fn explain(kind: ErrorKind, said: &str, secs: u64) -> String {
    let said = said.split_whitespace().collect::<Vec<_>>().join(" ");
    let lower = said.to_lowercase();
    let has = |needle: &str| lower.contains(needle);
    let meaning = if has("permission denied") {
        "the server refused the key".to_string()
    } else if has("host key verification failed") || has("host key is known") {
        "the host key is not in the known hosts or has changed".to_string()
    } else if kind == ErrorKind::TimedOut || has("timed out") {
        format!("timed out after {secs} s")
    } else if kind == ErrorKind::ConnectionRefused || has("connection refused") {
        "connection refused".to_string()
    } else if has("no route to host") || has("unreachable") || has("could not resolve") {
        "unreachable".to_string()
    } else {
        "ssh failed".to_string()
    };
    if said.is_empty() {
        meaning
    } else {
        format!("{meaning} (ssh: {said})")
    }
}

/// An error and its sources, joined by `: `.
pub fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_complaints_are_named() {
        let cases = [
            (
                ErrorKind::PermissionDenied,
                "aegir@10.77.0.11: Permission denied (publickey).",
                "the server refused the key (ssh: aegir@10.77.0.11: Permission denied (publickey).)",
            ),
            (
                ErrorKind::TimedOut,
                "ssh: connect to host 10.77.0.12 port 22: Connection timed out",
                "timed out after 10 s (ssh: ssh: connect to host 10.77.0.12 port 22: Connection timed out)",
            ),
            (
                ErrorKind::ConnectionRefused,
                "connect to host web3 port 22: Connection refused",
                "connection refused (ssh: connect to host web3 port 22: Connection refused)",
            ),
            (
                ErrorKind::Other,
                "connect to host 10.77.0.13 port 22: No route to host",
                "unreachable (ssh: connect to host 10.77.0.13 port 22: No route to host)",
            ),
            (
                ErrorKind::ConnectionAborted,
                "No ED25519 host key is known for web1 and you have requested strict checking.\nHost key verification failed.",
                "the host key is not in the known hosts or has changed (ssh: No ED25519 host key is known for web1 and you have requested strict checking. Host key verification failed.)",
            ),
            (ErrorKind::ConnectionAborted, "", "ssh failed"),
        ];
        for (kind, said, want) in cases {
            assert_eq!(explain(kind, said, 10), want);
        }
    }

    #[test]
    fn control_dir_is_private_short_and_removed() {
        let dir = ControlDir::create().unwrap();
        let path = dir.path().to_path_buf();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o700);
        assert!(path.as_os_str().len() + BELOW_BASE - 16 <= SOCKET_PATH_MAX);
        drop(dir);
        assert!(!path.exists());
    }

    #[test]
    fn unsafe_users_and_addresses_are_refused_before_ssh_runs() {
        let host = |user: &str, address: &str| Host {
            server: "@server_x".into(),
            user: user.into(),
            address: address.into(),
        };
        for bad in [
            host("-oProxyCommand=x", "web1"),
            host("aegir", "-oX"),
            host("a b", "web1"),
        ] {
            let err = check_host(&bad).unwrap_err().to_string();
            assert!(err.starts_with("@server_x ("), "{err}");
            assert!(err.contains("refusing to connect"), "{err}");
        }
        assert!(check_host(&host("aegir", "10.77.0.11")).is_ok());
    }
}
