//! The hosts a site's database user is granted on: the host each of the site's web
//! servers connects from (and this machine's, where the installer runs), found as
//! Aegir finds it — a connection with a user that cannot exist, whose "Access denied
//! for user …@'HOST'" names the client host as the database server sees it.

use super::resolve::{Server, Site};
use super::web::Web;
use super::Result;
use crate::remote::{Host, Remote, SshOptions};
use crate::service::db::mysql::MysqlServer;
use crate::service::exec;
use std::process::Command;

/// The user name of the probe connection (Aegir's).
const PROBE_USER: &str = "intntnllyInvalid";

/// The grant hosts of `site` on `db`: `%` when the db server grants all hosts;
/// `localhost` for a web server on the db server's machine when both are this one;
/// otherwise each web server's host as the db server sees it, then this machine's.
pub fn site_grant_hosts(
    site: &Site,
    web: &Web,
    db: &MysqlServer,
    ssh: &SshOptions,
) -> Result<Vec<String>> {
    if site
        .db_server
        .props
        .get_str("db_grant_all_hosts")
        .is_some_and(|v| v.is_truthy())
    {
        return Ok(vec!["%".into()]);
    }
    let mut hosts = Vec::new();
    let mut remote: Option<Remote> = None;
    let master = local_server();
    for server in web.members.iter().map(|m| &m.server).chain([&master]) {
        let host = grant_host(server, &site.db_server, db, ssh, &mut remote)?;
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    if let Some(r) = remote {
        r.close();
    }
    Ok(hosts)
}

/// This machine, as a server the probe runs on.
fn local_server() -> Server {
    let mut props = crate::php::PhpArray::new();
    props.set("remote_host", crate::php::Value::str("localhost"));
    Server {
        name: "@server_master".into(),
        props,
    }
}

/// The grant host of one web server.
fn grant_host(
    web: &Server,
    db_server: &Server,
    db: &MysqlServer,
    ssh: &SshOptions,
    remote: &mut Option<Remote>,
) -> Result<String> {
    if web.is_local() && db_server.is_local() {
        return Ok("localhost".into());
    }
    let reply = if web.is_local() {
        probe_here(db)?
    } else {
        let host = web.host()?;
        probe_on(&host, db, ssh, remote)?
    };
    Ok(denied_host(&reply).unwrap_or_else(|| web.text("remote_host")))
}

/// The probe's reply when run on this machine.
fn probe_here(db: &MysqlServer) -> Result<String> {
    let mut cmd = Command::new("mysql");
    cmd.args(probe_args(db));
    Ok(match exec::run(&mut cmd, None, &[]) {
        Ok(out) => out,
        Err(e) => e.to_string(),
    })
}

/// The probe's reply when run on `host` over ssh.
fn probe_on(
    host: &Host,
    db: &MysqlServer,
    ssh: &SshOptions,
    remote: &mut Option<Remote>,
) -> Result<String> {
    if remote.is_none() {
        *remote = Some(Remote::new(ssh.clone()).map_err(super::publish::remote_error)?);
    }
    let line = std::iter::once("mysql".to_string())
        .chain(probe_args(db))
        .map(|a| exec::shell_quote(&a))
        .collect::<Vec<_>>()
        .join(" ");
    let remote = remote.as_ref().expect("connected above");
    remote
        .run(host, &format!("{line} 2>&1; true"))
        .map_err(super::publish::remote_error)
}

fn probe_args(db: &MysqlServer) -> Vec<String> {
    vec![
        "--no-defaults".into(),
        format!("--user={PROBE_USER}"),
        format!("--host={}", db.host),
        format!("--port={}", db.port),
        "--connect-timeout=10".into(),
        "--execute=SELECT 1".into(),
    ]
}

/// The host in "Access denied for user 'intntnllyInvalid'@'HOST'".
fn denied_host(reply: &str) -> Option<String> {
    let marker = format!("'{PROBE_USER}'@'");
    let start = reply.find(&marker)? + marker.len();
    let host = &reply[start..];
    let host = &host[..host.find('\'')?];
    Some(host.to_string()).filter(|h| !h.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_denied_host_is_read_from_the_reply() {
        let reply = "ERROR 1045 (28000): Access denied for user 'intntnllyInvalid'@'10.77.0.11' (using password: NO)";
        assert_eq!(denied_host(reply).as_deref(), Some("10.77.0.11"));
        assert_eq!(denied_host("ERROR 2003: Can't connect"), None);
    }
}
