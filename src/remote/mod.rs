//! Publishing to remote servers, as Aegir's server context does (`shell_exec`, `sync`,
//! `fetch`): commands over ssh, paths rsynced to the same absolute path on the server,
//! paths missing here removed there. Local servers never use the network.
//!
//! A blocking façade for the synchronous rest of the crate over tokio and openssh: one
//! multiplexed ssh master per server, opened on first use with a bounded connect and
//! shared by every command and by rsync; [`Remote::publish`] works on several servers at
//! once, each server's steps in order.

mod argv;
mod error;
mod ops;
mod session;

use std::fmt;
use std::future::Future;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

pub use argv::VCS_EXCLUDES;
pub use error::RemoteError;
use session::Pool;

/// A server as the remote layer sees it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Host {
    /// Its context name, e.g. `@server_web1`, for messages.
    pub server: String,
    /// The user to log in as (`script_user`).
    pub user: String,
    /// The address to connect to (`remote_host`).
    pub address: String,
}

impl Host {
    /// Whether this is the local machine, by Aegir's test; local hosts never use the network.
    pub fn is_local(&self) -> bool {
        is_local_host(&self.address)
    }
}

/// Aegir's `provision_is_local_host` (without the FQDN lookup): localhost,
/// 127.0.0.1, a name resolving to 127.0.0.1 or 127.0.1.1, or this host's name.
pub fn is_local_host(host: &str) -> bool {
    let host = host.to_lowercase();
    let first_v4 = (host.as_str(), 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.find(|s| s.is_ipv4()))
        .map(|s| s.ip().to_string());
    let own = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    host == "localhost"
        || host == "127.0.0.1"
        || matches!(first_v4.as_deref(), Some("127.0.0.1" | "127.0.1.1"))
        || host == own.trim().to_lowercase()
}

impl fmt::Display for Host {
    /// `@server_web2 (10.77.0.12)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.server, self.address)
    }
}

/// How to reach servers.
#[derive(Clone, Debug)]
pub struct SshOptions {
    /// An ssh config file to use instead of the user's (`ssh -F`).
    pub config_file: Option<PathBuf>,
    /// How long a connect may take (whole seconds, at least one); a master whose link is
    /// cut is given up after three times this.
    pub connect_timeout: Duration,
    /// How many servers [`Remote::publish`] works on at once.
    pub parallel: usize,
}

impl Default for SshOptions {
    /// No config file, 10 s connect timeout, 8 servers at once.
    fn default() -> Self {
        SshOptions {
            config_file: None,
            connect_timeout: Duration::from_secs(10),
            parallel: 8,
        }
    }
}

/// rsync filter rules on top of the VCS excludes: includes first, then excludes; patterns
/// without a leading `/` match at any depth.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    /// Patterns left out (`--exclude`).
    pub excludes: Vec<String>,
    /// Patterns kept even if an exclude matches (`--include`, listed first).
    pub includes: Vec<String>,
}

impl SyncOptions {
    /// A platform's code: every site directory left out but `sites/all` (Drush's
    /// `exclude-sites`, as Aegir pushes a platform).
    pub fn platform() -> Self {
        SyncOptions {
            excludes: vec!["sites/*".into()],
            includes: vec!["sites/all".into()],
        }
    }

    /// A site directory: its `files` and `private` contents left out, since the web server
    /// owns them, unless `with_files` (a restore or a cluster, where the master does).
    pub fn site(with_files: bool) -> Self {
        let excludes = if with_files {
            Vec::new()
        } else {
            vec!["files/*".into(), "private/*".into()]
        };
        SyncOptions {
            excludes,
            includes: Vec::new(),
        }
    }
}

/// One thing to do on a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Send this absolute path to the server (removed there if missing here).
    Sync(PathBuf, SyncOptions),
    /// Send these absolute paths to the server in one rsync run (each removed there if
    /// missing here).
    SyncAll(Vec<PathBuf>, SyncOptions),
    /// Remove this absolute path on the server.
    Remove(PathBuf),
    /// Run this shell command line on the server, e.g. a restart command.
    Run(String),
}

/// The steps for one server, done in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPlan {
    /// The server.
    pub host: Host,
    /// What to do there.
    pub steps: Vec<Step>,
}

/// How one server's plan went.
#[derive(Debug)]
pub struct HostOutcome {
    /// The server.
    pub host: Host,
    /// Done, or the first step's failure.
    pub result: Result<(), RemoteError>,
}

/// Commands, syncs and fetches on servers, over one ssh master per server.
#[derive(Debug)]
pub struct Remote {
    /// Always `Some` until dropped, when it is shut down without blocking.
    runtime: Option<Runtime>,
    pool: Arc<Pool>,
}

impl Remote {
    /// A remote layer with no connection yet; each opens on first use.
    pub fn new(opts: SshOptions) -> Result<Remote, RemoteError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| RemoteError::Io("start the async runtime".into(), e))?;
        Ok(Remote {
            runtime: Some(runtime),
            pool: Arc::new(Pool::new(opts)?),
        })
    }

    /// Runs the shell command line `command` on `host` (`sh -c` locally, the login shell
    /// over ssh) and returns its standard output.
    pub fn run(&self, host: &Host, command: &str) -> Result<String, RemoteError> {
        self.block_on(ops::run(&self.pool, host, command))?
    }

    /// Sends the absolute `path` to the same path on `host` with rsync (`--delete` within
    /// it), or removes it there if it does not exist here. Nothing for a local host.
    pub fn sync(&self, host: &Host, path: &Path, opts: &SyncOptions) -> Result<(), RemoteError> {
        self.block_on(ops::sync(&self.pool, host, path, opts))?
    }

    /// Brings the absolute `path` from `host` to the same path here (`--delete` within it).
    /// Nothing for a local host.
    pub fn fetch(&self, host: &Host, path: &Path, opts: &SyncOptions) -> Result<(), RemoteError> {
        self.block_on(ops::fetch(&self.pool, host, path, opts))?
    }

    /// Removes the absolute `path` on `host` (`rm -rf`). Nothing for a local host: the
    /// caller removes it here.
    pub fn remove(&self, host: &Host, path: &Path) -> Result<(), RemoteError> {
        self.block_on(ops::remove(&self.pool, host, path))?
    }

    /// Carries out `plans`: up to `parallel` servers at once, each server's steps in order
    /// until its first failure, which stops only that server. Outcomes in the plans' order.
    pub fn publish(&self, plans: Vec<HostPlan>) -> Vec<HostOutcome> {
        let hosts: Vec<Host> = plans.iter().map(|p| p.host.clone()).collect();
        match self.block_on(publish_all(self.pool.clone(), plans)) {
            Ok(outcomes) => outcomes,
            Err(_) => hosts
                .into_iter()
                .map(|host| HostOutcome {
                    host,
                    result: Err(nested_runtime()),
                })
                .collect(),
        }
    }

    /// Closes every ssh master and removes their control directory.
    pub fn close(self) {
        let pool = self.pool.clone();
        let _ = self.block_on(async move { pool.close().await });
    }

    /// Runs `work` to completion on the runtime; refused (rather than panicking) when called
    /// from async code, where blocking is not allowed.
    fn block_on<F: Future>(&self, work: F) -> Result<F::Output, RemoteError> {
        match &self.runtime {
            Some(runtime) if tokio::runtime::Handle::try_current().is_err() => {
                Ok(runtime.block_on(work))
            }
            _ => Err(nested_runtime()),
        }
    }
}

impl Drop for Remote {
    /// Stops the runtime without waiting (dropping it from async code would panic); the
    /// masters exit as the pool goes.
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The error for a blocking call made from async code.
fn nested_runtime() -> RemoteError {
    RemoteError::Io(
        "remote: blocking call".into(),
        std::io::Error::other("called from async code; use a plain thread"),
    )
}

/// Every plan as its own task, at most `parallel` at once; outcomes in the plans' order.
async fn publish_all(pool: Arc<Pool>, plans: Vec<HostPlan>) -> Vec<HostOutcome> {
    let permits = pool.options().parallel.clamp(1, Semaphore::MAX_PERMITS);
    let limit = Arc::new(Semaphore::new(permits));
    let tasks: Vec<_> = plans
        .into_iter()
        .map(|plan| {
            let (pool, limit) = (pool.clone(), limit.clone());
            let host = plan.host.clone();
            let task = tokio::spawn(async move {
                // The semaphore is never closed, so a permit always comes.
                let _permit = limit.acquire_owned().await;
                ops::run_steps(&pool, &plan.host, &plan.steps).await
            });
            (host, task)
        })
        .collect();
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (host, task) in tasks {
        let result = task.await.unwrap_or_else(|e| {
            Err(RemoteError::Io(
                format!("{host}: publishing task"),
                std::io::Error::other(e.to_string()),
            ))
        });
        outcomes.push(HostOutcome { host, result });
    }
    outcomes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(address: &str) -> Host {
        Host {
            server: "@server_here".into(),
            user: "aegir".into(),
            address: address.into(),
        }
    }

    #[test]
    fn local_hosts_run_with_sh_and_skip_the_network() {
        let remote = Remote::new(SshOptions::default()).unwrap();
        let here = host("localhost");
        assert!(here.is_local());
        assert_eq!(remote.run(&here, "printf '%s' \"a b\"").unwrap(), "a b");
        let missing = Path::new("/nonexistent/provision-remote-test");
        assert!(remote
            .sync(&here, missing, &SyncOptions::platform())
            .is_ok());
        assert!(remote
            .fetch(&here, missing, &SyncOptions::default())
            .is_ok());
        assert!(remote.remove(&here, Path::new("relative")).is_ok());
        let err = remote.run(&here, "echo oops >&2; exit 3").unwrap_err();
        assert_eq!(
            err.to_string(),
            "@server_here (localhost): command `echo oops >&2; exit 3` failed \
             (exit status: 3): oops"
        );
        remote.close();
    }

    #[test]
    fn publish_keeps_order_and_stops_a_host_at_its_first_failure() {
        let remote = Remote::new(SshOptions {
            parallel: 1,
            ..SshOptions::default()
        })
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mark = dir.path().join("mark");
        let touch = format!("touch '{}'", mark.display());
        let plans = vec![
            HostPlan {
                host: host("127.0.0.1"),
                steps: vec![Step::Run("exit 4".into()), Step::Run(touch.clone())],
            },
            HostPlan {
                host: host("localhost"),
                steps: vec![
                    Step::Sync(dir.path().into(), SyncOptions::site(false)),
                    Step::Run("true".into()),
                ],
            },
        ];
        let outcomes = remote.publish(plans);
        assert_eq!(outcomes[0].host.address, "127.0.0.1");
        assert!(matches!(
            outcomes[0].result,
            Err(RemoteError::Command { .. })
        ));
        assert!(!mark.exists(), "the step after a failure ran");
        assert_eq!(outcomes[1].host.address, "localhost");
        assert!(outcomes[1].result.is_ok());
    }

    #[test]
    fn blocking_calls_from_async_code_are_refused() {
        let remote = Remote::new(SshOptions::default()).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let err = remote.run(&host("localhost"), "true");
            assert!(matches!(err, Err(RemoteError::Io(..))));
            drop(remote);
        });
    }

    #[test]
    fn remote_paths_are_checked_before_connecting() {
        let remote = Remote::new(SshOptions::default()).unwrap();
        let far = host("192.0.2.1");
        let err = remote
            .sync(&far, Path::new("var/aegir"), &SyncOptions::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "@server_here (192.0.2.1): refusing path var/aegir: it is not absolute"
        );
        let err = remote.remove(&far, Path::new("/")).unwrap_err();
        assert!(matches!(err, RemoteError::InvalidPath { .. }), "{err}");
    }

    #[test]
    fn sync_options_follow_aegir() {
        assert_eq!(SyncOptions::platform().includes, ["sites/all"]);
        assert_eq!(SyncOptions::platform().excludes, ["sites/*"]);
        assert_eq!(SyncOptions::site(false).excludes, ["files/*", "private/*"]);
        assert_eq!(SyncOptions::site(true), SyncOptions::default());
    }
}
