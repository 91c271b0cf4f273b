//! Aegir's web cluster (`http_service_type = 'cluster'`): every member of
//! `cluster_web_servers` gets the configs, the platform and site code and the site
//! files, and is restarted. The master's copy is authoritative: nothing is fetched
//! back from a member.

use super::{Member, WebRole};

/// The members of a cluster, all with the full role.
pub fn members(cluster_web_servers: &[String]) -> Vec<Member> {
    cluster_web_servers
        .iter()
        .map(|name| Member {
            name: name.clone(),
            role: WebRole::Full,
        })
        .collect()
}
