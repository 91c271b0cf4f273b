//! The operations on one host, async: run a command, sync a path out, fetch it back, remove
//! it, and a host's plan of steps. Local hosts run commands with `sh -c` and skip the rest.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::Arc;

use openssh::Session;
use tokio::process::Command;

use super::session::Pool;
use super::{argv, Host, RemoteError, Step, SyncOptions};

/// Runs `command` on `host` and returns its standard output.
pub async fn run(pool: &Pool, host: &Host, command: &str) -> Result<String, RemoteError> {
    if host.is_local() {
        let mut sh = Command::new("sh");
        sh.arg("-c").arg(command);
        let out = output(host, &mut sh, "sh").await?;
        return command_result(host, command, out);
    }
    let session = pool.session(host).await?;
    let args = argv::run_args(
        &pool.mux_options(&session),
        &host.user,
        &host.address,
        command,
    );
    let out = output(host, Command::new("ssh").args(args), "ssh").await?;
    // ssh exits 255 for its own failures: tell a dead master from a command's own 255.
    if out.status.code() == Some(255) {
        if let Some(lost) = pool.lost(host, &session).await {
            return Err(lost);
        }
    }
    command_result(host, command, out)
}

/// Sends `path` to `host` at the same absolute path; removes it there if it is missing here.
pub async fn sync(
    pool: &Pool,
    host: &Host,
    path: &Path,
    opts: &SyncOptions,
) -> Result<(), RemoteError> {
    sync_all(pool, host, &[path.to_path_buf()], opts).await
}

/// Sends every one of `paths` to `host` in one rsync run (one transfer however many
/// paths); those missing here are removed there.
pub async fn sync_all(
    pool: &Pool,
    host: &Host,
    paths: &[PathBuf],
    opts: &SyncOptions,
) -> Result<(), RemoteError> {
    if host.is_local() || paths.is_empty() {
        return Ok(());
    }
    let mut present = Vec::new();
    for path in paths {
        let path = checked(host, path)?;
        match std::fs::metadata(&path) {
            Ok(_) => present.push(path),
            Err(e) if e.kind() == ErrorKind::NotFound => remove_checked(pool, host, &path).await?,
            Err(e) => {
                return Err(RemoteError::Io(
                    format!("{host}: cannot sync {}", path.display()),
                    e,
                ))
            }
        }
    }
    let Some(first) = present.first() else {
        return Ok(());
    };
    let sources: Vec<&std::ffi::OsStr> = present.iter().map(|p| p.as_os_str()).collect();
    let dest = argv::remote_spec(&host.user, &host.address, Path::new("/"));
    rsync(pool, host, first, opts, &sources, dest).await
}

/// Brings `path` back from `host` to the same absolute path here.
pub async fn fetch(
    pool: &Pool,
    host: &Host,
    path: &Path,
    opts: &SyncOptions,
) -> Result<(), RemoteError> {
    if host.is_local() {
        return Ok(());
    }
    let path = checked(host, path)?;
    let source = argv::remote_spec(&host.user, &host.address, &path);
    rsync(pool, host, &path, opts, &[source.as_os_str()], "/".into()).await
}

/// Removes `path` (recursively) on `host`.
pub async fn remove(pool: &Pool, host: &Host, path: &Path) -> Result<(), RemoteError> {
    if host.is_local() {
        return Ok(());
    }
    let path = checked(host, path)?;
    remove_checked(pool, host, &path).await
}

/// Runs `steps` on `host` in order, stopping at the first failure.
pub async fn run_steps(pool: &Pool, host: &Host, steps: &[Step]) -> Result<(), RemoteError> {
    for step in steps {
        match step {
            Step::Sync(path, opts) => sync(pool, host, path, opts).await?,
            Step::SyncAll(paths, opts) => sync_all(pool, host, paths, opts).await?,
            Step::Remove(path) => remove(pool, host, path).await?,
            Step::Run(command) => {
                run(pool, host, command).await?;
            }
        }
    }
    Ok(())
}

async fn remove_checked(pool: &Pool, host: &Host, path: &Path) -> Result<(), RemoteError> {
    let command = argv::remove_command(path).ok_or_else(|| RemoteError::InvalidPath {
        host: host.clone().into(),
        path: path.to_path_buf(),
        why: "it is not UTF-8",
    })?;
    run(pool, host, &command).await.map(drop)
}

/// `path` normalised, or refused naming the host.
fn checked(host: &Host, path: &Path) -> Result<PathBuf, RemoteError> {
    argv::absolute(path).map_err(|why| RemoteError::InvalidPath {
        host: host.clone().into(),
        path: path.to_path_buf(),
        why,
    })
}

/// rsync's exit code when source files vanished during the transfer.
const RSYNC_VANISHED: i32 = 24;

/// One rsync run from `source` to `dest` through `host`'s master.
async fn rsync(
    pool: &Pool,
    host: &Host,
    path: &Path,
    opts: &SyncOptions,
    sources: &[&std::ffi::OsStr],
    dest: OsString,
) -> Result<(), RemoteError> {
    let session: Arc<Session> = pool.session(host).await?;
    let ssh = argv::ssh_command(&pool.mux_options(&session));
    let args = argv::rsync_args(&ssh, opts, sources, &dest);
    let out = output(host, Command::new("rsync").args(args), "rsync").await?;
    // 24: source files vanished while rsync read them — a temp file of a concurrent
    // atomic write, say; what exists was sent, and the next publish sends the rest.
    if out.status.success() || out.status.code() == Some(RSYNC_VANISHED) {
        return Ok(());
    }
    if let Some(lost) = pool.lost(host, &session).await {
        return Err(lost);
    }
    Err(RemoteError::Rsync {
        host: host.clone().into(),
        path: path.to_path_buf(),
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}

/// Runs `cmd` with no standard input and captures its output.
async fn output(host: &Host, cmd: &mut Command, program: &str) -> Result<Output, RemoteError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| RemoteError::Io(format!("{host}: cannot start {program}"), e))
}

/// A command's stdout on success, else its failure with the trimmed stderr.
fn command_result(host: &Host, command: &str, out: Output) -> Result<String, RemoteError> {
    if out.status.success() {
        return Ok(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    Err(RemoteError::Command {
        host: host.clone().into(),
        command: command.to_string(),
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    })
}
