//! The web servers a platform's `web_server` stands for: itself, or the members of a
//! cluster or a pack, each with its own config directory, machine and role.

use super::resolve::ServerServices;
use super::resolve::{load_server, RunOptions, Server};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::service::http::{cluster, pack, HttpServer, Member, Topology, WebRole};

/// One machine that serves the platform.
#[derive(Clone, Debug)]
pub struct WebMember {
    /// Its server context.
    pub server: Server,
    /// Its web server, rendering into its own `config_path`.
    pub http: HttpServer,
    /// What it receives.
    pub role: WebRole,
}

impl WebMember {
    /// True when it receives code and site files.
    pub fn gets_code(&self) -> bool {
        self.role == WebRole::Full
    }
}

/// A platform's web service: one server, or a cluster or pack of them.
#[derive(Clone, Debug)]
pub struct Web {
    /// The `web_server` context (`@server_cluster`, or the server itself).
    pub name: String,
    /// Single, cluster or pack.
    pub topology: Topology,
    /// The servers, masters first.
    pub members: Vec<WebMember>,
}

impl Web {
    /// The first member: the one whose ports the site's URLs use and, in a pack,
    /// the master files are fetched from.
    pub fn first(&self) -> &WebMember {
        &self.members[0]
    }

    /// The members that receive code and site files.
    pub fn code_members(&self) -> impl Iterator<Item = &WebMember> {
        self.members.iter().filter(|m| m.gets_code())
    }

    /// The group the web servers' PHP runs as (`web_group`): the cluster or pack's own,
    /// else its first member's that has one.
    pub fn web_group(&self, server: &Server) -> Option<String> {
        server
            .web_group()
            .or_else(|| self.members.iter().find_map(|m| m.server.web_group()))
    }

    /// True when every member is this machine.
    pub fn is_local(&self) -> bool {
        self.members.iter().all(|m| m.server.is_local())
    }
}

/// The web service of `server` (a platform's `web_server`), or `None` when it runs
/// no web server. A cluster or pack without members, or with a member that is itself
/// a cluster or pack, is refused.
pub fn load_web(store: &Store, server: &Server, run: &RunOptions) -> Result<Option<Web>> {
    let ty = server.text("http_service_type");
    let topology = Topology::of(&ty);
    let members = match topology {
        Topology::Single => {
            let Some(http) = server.http(run)? else {
                return Ok(None);
            };
            vec![WebMember {
                server: server.clone(),
                http,
                role: WebRole::Full,
            }]
        }
        Topology::Cluster => load_members(
            store,
            server,
            cluster::members(&server.list("cluster_web_servers")),
            run,
        )?,
        Topology::Pack => load_members(
            store,
            server,
            pack::members(
                &server.list("master_web_servers"),
                &server.list("slave_web_servers"),
            ),
            run,
        )?,
    };
    Ok(Some(Web {
        name: server.name.clone(),
        topology,
        members,
    }))
}

/// Loads each member server; each must run a plain web server.
fn load_members(
    store: &Store,
    group: &Server,
    members: Vec<Member>,
    run: &RunOptions,
) -> Result<Vec<WebMember>> {
    if !members.iter().any(|m| m.role == WebRole::Full) {
        return Err(refused(format!(
            "{} lists no web servers that receive code: save it with its servers first.",
            group.name
        )));
    }
    members
        .into_iter()
        .map(|member| {
            let server = load_server(store, &member.name)?;
            let nested = Topology::of(&server.text("http_service_type")) != Topology::Single;
            let http = server.http(run)?.filter(|_| !nested).ok_or_else(|| {
                refused(format!(
                    "{} lists {}, which is not a web server (apache or nginx).",
                    group.name, server.name
                ))
            })?;
            Ok(WebMember {
                server,
                http,
                role: member.role,
            })
        })
        .collect()
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_INVALID_CONTEXT", message)
}
