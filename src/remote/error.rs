//! Why a remote operation failed; every message starts with the server and its address.

use std::path::PathBuf;

use super::Host;

/// Why a remote operation failed. The server is boxed so results stay small.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// No ssh connection could be opened: unreachable, timed out, refused, or the server
    /// refused the key or is not in the known hosts.
    #[error("{host}: cannot connect: {detail}")]
    Unreachable {
        /// The server.
        host: Box<Host>,
        /// What ssh said, and what it means.
        detail: String,
    },
    /// The connection's master went away (network cut, server restart) during an operation.
    #[error("{host}: connection lost: {detail}")]
    Lost {
        /// The server.
        host: Box<Host>,
        /// What the master reported.
        detail: String,
    },
    /// A command exited unsuccessfully.
    #[error("{host}: command `{command}` failed ({status}): {stderr}")]
    Command {
        /// The server.
        host: Box<Host>,
        /// The command line.
        command: String,
        /// Its exit status.
        status: String,
        /// Its standard error, trimmed.
        stderr: String,
    },
    /// rsync exited unsuccessfully.
    #[error("{host}: rsync of {} failed ({status}): {stderr}", path.display())]
    Rsync {
        /// The server.
        host: Box<Host>,
        /// The path being synced or fetched.
        path: PathBuf,
        /// rsync's exit status.
        status: String,
        /// rsync's standard error, trimmed.
        stderr: String,
    },
    /// The server.s `script_user` or `remote_host` would not be safe on an ssh command line.
    #[error("{host}: refusing to connect: {detail}")]
    InvalidHost {
        /// The server.
        host: Box<Host>,
        /// Which value is wrong, and why.
        detail: String,
    },
    /// A path was refused before anything ran.
    #[error("{host}: refusing path {}: {why}", path.display())]
    InvalidPath {
        /// The server.
        host: Box<Host>,
        /// The path as given.
        path: PathBuf,
        /// What is wrong with it.
        why: &'static str,
    },
    /// A local operation failed: what was done (naming the server when there is one), and why.
    #[error("{0}: {1}")]
    Io(String, #[source] std::io::Error),
}
