//! Aegir's "work locally, publish remotely": a task renders everything on this
//! machine, and records here what each web server must receive (paths to rsync,
//! paths to remove) and that it must be restarted. At the end of the run the plan is
//! sent: one batch per machine, machines in parallel, one restart per machine however
//! many sites changed. Local servers receive nothing over the network; they are
//! config-tested and reloaded here.

use super::progress::Progress;
use super::resolve::RunOptions;
use super::verify::check_and_reload;
use super::web::{Web, WebMember};
use super::{Result, TaskError};
use crate::remote::{Host, HostPlan, Remote, SshOptions, Step, SyncOptions};
use crate::service::http::{self, HttpServer};
use std::path::{Path, PathBuf};

/// What one machine receives.
#[derive(Clone, Debug)]
struct Pending {
    host: Host,
    /// Paths to rsync, each with its include/exclude rules, in the order recorded.
    syncs: Vec<(PathBuf, SyncOptions)>,
    /// Paths to remove (after the syncs).
    removes: Vec<PathBuf>,
    /// The web server to restart, once, last.
    reload: Option<HttpServer>,
}

/// What a task run publishes, per machine.
#[derive(Clone, Debug)]
pub struct PublishPlan {
    ssh: SshOptions,
    hosts: Vec<Pending>,
}

impl PublishPlan {
    /// An empty plan; remote machines are reached with `ssh`.
    pub fn new(ssh: SshOptions) -> PublishPlan {
        PublishPlan {
            ssh,
            hosts: Vec::new(),
        }
    }

    /// True when nothing is to be sent or restarted.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The member's config directory (vhosts, platform configs, server config), and a
    /// restart.
    pub fn config(&mut self, member: &WebMember) -> Result<()> {
        let path = member.http.config_path.clone();
        self.sync(member, &path, SyncOptions::default())?;
        self.reload(member)
    }

    /// Code (a platform root or a site directory) for the members that receive code.
    pub fn code(&mut self, web: &Web, path: &Path, opts: SyncOptions) -> Result<()> {
        for member in web.code_members() {
            self.sync(member, path, opts.clone())?;
        }
        Ok(())
    }

    /// A path that no longer exists here is removed on every member that got it.
    pub fn remove(&mut self, web: &Web, path: &Path) -> Result<()> {
        for member in web.code_members() {
            if let Some(pending) = self.pending(member)? {
                push_unique(&mut pending.removes, path.to_path_buf());
            }
        }
        Ok(())
    }

    /// Configs and restarts for every member of `web`.
    pub fn configs(&mut self, web: &Web) -> Result<()> {
        web.members.iter().try_for_each(|m| self.config(m))
    }

    /// Restarts the member's web server once, at the end of the run.
    pub fn reload(&mut self, member: &WebMember) -> Result<()> {
        let host = member.server.host()?;
        let http = member.http.clone();
        let pending = self.entry(host);
        pending.reload = Some(http);
        Ok(())
    }

    fn sync(&mut self, member: &WebMember, path: &Path, opts: SyncOptions) -> Result<()> {
        if let Some(pending) = self.pending(member)? {
            if !pending.syncs.iter().any(|(p, _)| p == path) {
                pending.syncs.push((path.to_path_buf(), opts));
            }
        }
        Ok(())
    }

    /// The entry of a remote member (`None` for this machine: it has the files).
    fn pending(&mut self, member: &WebMember) -> Result<Option<&mut Pending>> {
        let host = member.server.host()?;
        if host.is_local() {
            return Ok(None);
        }
        Ok(Some(self.entry(host)))
    }

    fn entry(&mut self, host: Host) -> &mut Pending {
        let i = match self.hosts.iter().position(|p| p.host == host) {
            Some(i) => i,
            None => {
                self.hosts.push(Pending {
                    host,
                    syncs: Vec::new(),
                    removes: Vec::new(),
                    reload: None,
                });
                self.hosts.len() - 1
            }
        };
        &mut self.hosts[i]
    }

    /// Sends the plan: remote machines in parallel (bounded), then this machine's web
    /// servers config-tested and reloaded. A machine that fails is named in the error;
    /// the others are complete, and a re-run converges.
    pub fn send(self, run: &RunOptions, p: &mut Progress) -> Result<()> {
        let (local, remote): (Vec<Pending>, Vec<Pending>) =
            self.hosts.into_iter().partition(|h| h.host.is_local());
        let mut failures = Vec::new();
        if !remote.is_empty() {
            failures = report(send_remote(&self.ssh, remote)?, p);
        }
        for pending in local {
            if let Some(http) = &pending.reload {
                check_and_reload(http, run, p)?;
            }
        }
        if failures.is_empty() {
            return Ok(());
        }
        Err(TaskError::Refused(
            "PROVISION_PUBLISH_FAILED",
            format!(
                "Publishing failed on {} server(s): {}. The other servers are up to date; run the task again once the server is back.",
                failures.len(),
                failures.join("; ")
            ),
        ))
    }

    /// Sends the plan again without config tests, for a rollback: paths removed here
    /// are removed there, and each server restarts. Returns what failed.
    pub fn resend(self) -> std::result::Result<(), String> {
        let (local, remote): (Vec<Pending>, Vec<Pending>) =
            self.hosts.into_iter().partition(|h| h.host.is_local());
        let mut failures = Vec::new();
        if !remote.is_empty() {
            match send_remote(&self.ssh, remote) {
                Ok(sent) => failures.extend(
                    sent.into_iter()
                        .filter_map(|s| s.result.err().map(|e| e.to_string())),
                ),
                Err(e) => failures.push(e.to_string()),
            }
        }
        for http in local.iter().filter_map(|h| h.reload.as_ref()) {
            if let Err(e) = http::restart(http) {
                failures.push(e.to_string());
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }
}

/// What publishing to one machine came to.
struct Sent {
    who: String,
    steps: usize,
    restarted: bool,
    result: std::result::Result<(), crate::remote::RemoteError>,
}

/// Publishes to the remote machines, all of them, in parallel (bounded).
fn send_remote(ssh: &SshOptions, hosts: Vec<Pending>) -> Result<Vec<Sent>> {
    let remote = Remote::new(ssh.clone()).map_err(remote_error)?;
    let plans: Vec<HostPlan> = hosts.into_iter().map(host_plan).collect();
    let summaries: Vec<(String, usize, bool)> = plans
        .iter()
        .map(|plan| {
            let restarts = plan.steps.iter().any(|s| matches!(s, Step::Run(_)));
            (describe(&plan.host), plan.steps.len(), restarts)
        })
        .collect();
    let outcomes = remote.publish(plans);
    remote.close();
    Ok(outcomes
        .into_iter()
        .zip(summaries)
        .map(|(outcome, (who, steps, restarted))| Sent {
            who,
            steps,
            restarted,
            result: outcome.result,
        })
        .collect())
}

/// Logs each machine's outcome; returns one message per machine that failed.
fn report(sent: Vec<Sent>, p: &mut Progress) -> Vec<String> {
    let mut failures = Vec::new();
    for s in sent {
        match s.result {
            Ok(()) => p.step(format!(
                "Published to {}: {} step(s){}.",
                s.who,
                s.steps,
                if s.restarted { ", restarted" } else { "" }
            )),
            Err(e) => {
                p.warning(format!("Publishing to {} failed: {e}", s.who));
                failures.push(e.to_string());
            }
        }
    }
    failures
}

/// One machine's steps: its syncs (one rsync run per set of include/exclude rules,
/// however many paths), its removals, then its restart.
fn host_plan(pending: Pending) -> HostPlan {
    let mut groups: Vec<(SyncOptions, Vec<PathBuf>)> = Vec::new();
    for (path, opts) in pending.syncs {
        match groups.iter_mut().find(|(o, _)| *o == opts) {
            Some((_, paths)) => paths.push(path),
            None => groups.push((opts, vec![path])),
        }
    }
    let mut steps: Vec<Step> = groups
        .into_iter()
        .map(|(opts, paths)| Step::SyncAll(paths, opts))
        .collect();
    steps.extend(pending.removes.into_iter().map(Step::Remove));
    if let Some(http) = pending.reload.filter(|h| !h.restart_cmd.is_empty()) {
        steps.push(Step::Run(http.restart_cmd));
    }
    HostPlan {
        host: pending.host,
        steps,
    }
}

fn describe(host: &Host) -> String {
    format!("{} ({})", host.server, host.address)
}

fn push_unique(list: &mut Vec<PathBuf>, path: PathBuf) {
    if !list.contains(&path) {
        list.push(path);
    }
}

/// A remote-layer failure as a task error.
pub(crate) fn remote_error(e: crate::remote::RemoteError) -> TaskError {
    TaskError::Refused("PROVISION_REMOTE_ERROR", e.to_string())
}
