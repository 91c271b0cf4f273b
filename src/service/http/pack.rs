//! Aegir's web pack (`http_service_type = 'pack'`): configs and restarts go to the
//! masters and the slaves; code and site files go to the masters only, since the
//! slaves see them on shared storage. Files are fetched from the first master.

use super::{Member, WebRole};

/// The members of a pack: masters with the full role, then slaves with configs only.
/// A server named in both lists is a master.
pub fn members(master_web_servers: &[String], slave_web_servers: &[String]) -> Vec<Member> {
    let masters = master_web_servers.iter().map(|name| Member {
        name: name.clone(),
        role: WebRole::Full,
    });
    let slaves = slave_web_servers
        .iter()
        .filter(|s| !master_web_servers.contains(s))
        .map(|name| Member {
            name: name.clone(),
            role: WebRole::ConfigOnly,
        });
    masters.chain(slaves).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masters_get_code_and_slaves_configs_only() {
        let m = members(&["@a".into()], &["@b".into(), "@a".into()]);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].name.as_str(), m[0].role), ("@a", WebRole::Full));
        assert_eq!((m[1].name.as_str(), m[1].role), ("@b", WebRole::ConfigOnly));
    }
}
