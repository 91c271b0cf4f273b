//! The properties Aegir 3's context and service classes compute on provision-save,
//! in their insertion order, with Aegir's option rules (`setProperty`).

use super::{bare_name, php_string, prop_text, validate_uri, ContextError, ContextType};
use crate::php::{Key, PhpArray, Value};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Looks up the stored record of another context by name (`@name`).
pub trait Records {
    /// The record, or `None` when the context has no alias file.
    fn record(&self, name: &str) -> Result<Option<PhpArray>, ContextError>;
}

/// Facts about the machine that Aegir detects when a default is needed (only
/// servers use them).
#[derive(Clone, Debug, Default)]
pub struct Host {
    /// `$HOME`: the default `aegir_root` of @server_master.
    pub home: String,
    /// The effective user's name: the default `script_user`.
    pub user: String,
    /// The first existing common web group: the default `web_group`.
    pub web_group: Option<String>,
    /// The default apache `http_restart_cmd`.
    pub apache_restart_cmd: String,
    /// The default nginx `http_restart_cmd`.
    pub nginx_restart_cmd: String,
}

impl Host {
    /// Detects the facts the way Aegir does.
    pub fn detect() -> Host {
        let ids = std::fs::metadata("/proc/self").ok();
        let uid = ids.as_ref().map(|m| m.uid());
        let gid = ids.as_ref().map(|m| m.gid());
        Host {
            home: std::env::var("HOME").unwrap_or_default(),
            user: uid
                .and_then(|u| db_name("/etc/passwd", u))
                .unwrap_or_default(),
            web_group: default_web_group(gid.and_then(|g| db_name("/etc/group", g))),
            apache_restart_cmd: apache_restart_cmd(),
            nginx_restart_cmd: super::nginx::nginx_restart_cmd(),
        }
    }
}

/// The name for numeric id `id` in a passwd/group style file.
fn db_name(file: &str, id: u32) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() > 2 && f[2] == id.to_string()).then(|| f[0].to_string())
    })
}

/// Aegir's web group guess: the first common web group that exists, else the
/// current group.
fn default_web_group(own: Option<String>) -> Option<String> {
    const COMMON: &[&str] = &[
        "www-data", "apache", "nginx", "www", "_www", "webservd", "httpd", "nogroup", "nobody",
    ];
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let exists = |g: &String| groups.lines().any(|l| l.split(':').next() == Some(g));
    COMMON.iter().map(|g| g.to_string()).chain(own).find(exists)
}

/// Aegir's guess at the apache control program: `sudo PROGRAM graceful`.
fn apache_restart_cmd() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let mut candidates: Vec<String> = path
        .split(':')
        .flat_map(|d| [format!("{d}/apache2ctl"), format!("{d}/apachectl")])
        .collect();
    candidates.extend(
        [
            "/usr/local/sbin/apachectl",
            "/usr/sbin/apache2ctl",
            "/usr/apache2/2.2/bin",
            "/usr/sbin/apachectl",
        ]
        .map(String::from),
    );
    let found = candidates.into_iter().find(|c| is_executable(Path::new(c)));
    format!(
        "sudo {} graceful",
        found.as_deref().unwrap_or("/usr/sbin/apachectl")
    )
}

/// PHP's `is_executable` approximated by the mode bits.
pub(crate) fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The http service types a server may have (hosting_https's `https_apache` and
/// `https_nginx` are served as `apache_ssl` and `nginx_ssl`).
pub const HTTP_TYPES: &[&str] = &[
    "apache",
    "apache_ssl",
    "nginx",
    "nginx_ssl",
    "https_apache",
    "https_nginx",
    "cluster",
    "pack",
];

/// A public web server type as the web server it runs and whether it serves https:
/// `nginx_ssl` and hosting_https's `https_nginx` are nginx with https.
pub fn http_flavour(ty: &str) -> (&str, bool) {
    match ty {
        "https_apache" => ("apache", true),
        "https_nginx" => ("nginx", true),
        _ => match ty.strip_suffix("_ssl") {
            Some(app) => (app, true),
            None => (ty, false),
        },
    }
}
/// The db service types a server may have: Aegir's `mysql` and our embedded `sqlite`
/// (one database file per site, no server, no properties).
pub const DB_TYPES: &[&str] = &["mysql", "sqlite"];

/// A context under construction: the merged options and the properties set so far.
struct Init<'a> {
    name: String,
    opts: PhpArray,
    props: PhpArray,
    host: &'a Host,
    records: &'a dyn Records,
}

impl Init<'_> {
    /// Aegir's `setProperty`: a set option wins unless it is the string `'null'`
    /// (then the default); array properties explode comma strings.
    fn set_property(&mut self, field: &str, default: Value, array: bool) {
        let value = match self.opts.get_str(field) {
            Some(Value::Null) | None => default,
            Some(Value::Str(s)) if s == b"null" => default,
            Some(v) if array && !matches!(v, Value::Array(_)) => explode(&php_string(v)),
            Some(v) => v.clone(),
        };
        self.props.set(field, value);
    }

    /// A plain assignment (derived properties that ignore options).
    fn assign(&mut self, field: &str, value: impl Into<Value>) {
        self.props.set(field, value);
    }

    /// The text of a property already set.
    fn text(&self, field: &str) -> String {
        prop_text(&self.props, field)
    }

    /// The record of a referenced context, which must exist.
    fn referenced(&self, reference: &str) -> Result<PhpArray, ContextError> {
        let name = format!("@{}", bare_name(reference));
        self.records
            .record(&name)
            .and_then(|r| r.ok_or_else(|| ContextError::Missing(name, self.name.clone())))
    }

    /// The record a reference property points to.
    fn referenced_prop(&self, field: &str) -> Result<PhpArray, ContextError> {
        let reference = self.text(field);
        if reference.is_empty() {
            return Err(ContextError::Invalid(format!(
                "{} needs --{field}.",
                self.name
            )));
        }
        self.referenced(&reference)
    }
}

/// PHP's `explode(',', $s)`: no trimming, an empty string gives `['']`.
fn explode(s: &[u8]) -> Value {
    let mut a = PhpArray::new();
    for part in s.split(|b| *b == b',') {
        // A fresh array never runs out of integer keys.
        let _ = a.push(Value::Str(part.to_vec()));
    }
    Value::Array(a)
}

/// PHP's `array_filter()` without callback: drops falsy values.
pub fn array_filter(a: &PhpArray) -> PhpArray {
    a.iter()
        .filter(|(_, v)| v.is_truthy())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Computes the properties Aegir saves for context `name` (with `@`) of type
/// `ctype`: `record` is its stored record (empty when new), `options` what the
/// caller passed (already filtered of falsy values).
pub fn build(
    name: &str,
    ctype: ContextType,
    record: &PhpArray,
    options: &PhpArray,
    host: &Host,
    records: &dyn Records,
) -> Result<PhpArray, ContextError> {
    let mut init = Init {
        name: name.to_string(),
        opts: record.merge(options),
        props: PhpArray::new(),
        host,
        records,
    };
    init.assign("context_type", ctype.as_str());
    match ctype {
        ContextType::Server => build_server(&mut init)?,
        ContextType::Platform => build_platform(&mut init)?,
        ContextType::Site => build_site(&mut init)?,
    }
    Ok(init.props)
}

/// `init()` then `init_server()` and each service's `init_server()`.
fn build_server(init: &mut Init) -> Result<(), ContextError> {
    init.assign("server", "@server_master");
    init.set_property("remote_host", Value::str("localhost"), false);
    let master = (init.name != "@server_master")
        .then(|| init.referenced("@server_master"))
        .transpose()?;
    match &master {
        None => {
            init.set_property("aegir_root", Value::str(&init.host.home), false);
            init.set_property("script_user", Value::str(&init.host.user), false);
        }
        Some(m) => {
            init.assign(
                "aegir_root",
                m.get_str("aegir_root").cloned().unwrap_or(Value::Null),
            );
            let user = m.get_str("script_user").cloned().unwrap_or(Value::Null);
            init.set_property("script_user", user, false);
        }
    }
    init.set_property("ip_addresses", Value::Array(PhpArray::new()), true);
    let root = init.text("aegir_root");
    init.assign("backup_path", format!("{root}/backups").as_str());
    let config_path = format!("{root}/config/{}", bare_name(&init.name));
    init.assign("config_path", config_path.as_str());
    init.assign("include_path", format!("{root}/config/includes").as_str());
    init.assign("clients_path", format!("{root}/clients").as_str());
    init.set_property("master_url", Value::Null, false);
    let admin = format!("admin@{}", init.text("remote_host"));
    init.set_property("admin_email", Value::str(admin), false);
    let db = service_type(init, "db", DB_TYPES)?;
    let http = service_type(init, "http", HTTP_TYPES)?;
    if db.as_deref() == Some("mysql") {
        init_mysql(init);
    }
    if let Some(http) = http {
        init_http(init, &http, master.as_ref());
    }
    Ok(())
}

/// `spawn_service()`: the service type from the options; `NONE` or none gives no
/// service; an unknown type is an error.
fn service_type(
    init: &mut Init,
    svc: &str,
    known: &[&str],
) -> Result<Option<String>, ContextError> {
    let field = format!("{svc}_service_type");
    let Some(v) = init.opts.get_str(&field).filter(|v| v.is_truthy()) else {
        return Ok(None);
    };
    let ty = String::from_utf8_lossy(&php_string(v)).into_owned();
    if ty == "NONE" {
        return Ok(None);
    }
    if !known.contains(&ty.as_str()) {
        return Err(ContextError::Invalid(format!(
            "Unknown {svc} service type '{ty}': expected one of {}, or NONE.",
            known.join(", ")
        )));
    }
    init.set_property(&field, Value::str(&ty), false);
    Ok(Some(ty))
}

/// The mysql service's server properties.
fn init_mysql(init: &mut Init) {
    init.set_property("db_port", Value::Int(3306), false);
    init.set_property("master_db", Value::Null, false);
    init.set_property("db_grant_all_hosts", Value::Bool(false), false);
    init.set_property("utf8mb4_is_supported", Value::Bool(false), false);
}

/// The http service's server properties for type `ty`.
fn init_http(init: &mut Init, ty: &str, master: Option<&PhpArray>) {
    match ty {
        "cluster" => init.set_property("cluster_web_servers", Value::Array(PhpArray::new()), true),
        "pack" => {
            init.set_property("slave_web_servers", Value::Array(PhpArray::new()), true);
            init.set_property("master_web_servers", Value::Array(PhpArray::new()), true);
        }
        _ => init_http_public(init, ty, master),
    }
}

/// `Provision_Service_http_public::init_server()` (apache or nginx) plus the SSL
/// and nginx additions.
fn init_http_public(init: &mut Init, ty: &str, master: Option<&PhpArray>) {
    let (app, ssl) = http_flavour(ty);
    let nginx = app == "nginx";
    init.set_property("http_port", Value::Int(80), false);
    let restart = if nginx {
        init.host.nginx_restart_cmd.clone()
    } else {
        init.host.apache_restart_cmd.clone()
    };
    init.set_property("http_restart_cmd", Value::str(restart), false);
    match master {
        None => {
            let group = init
                .host
                .web_group
                .as_deref()
                .map(Value::str)
                .unwrap_or(Value::Null);
            init.set_property("web_group", group, false);
        }
        Some(m) => init.assign(
            "web_group",
            m.get_str("web_group").cloned().unwrap_or(Value::Null),
        ),
    }
    let url = init.text("master_url");
    let url = url.trim_end_matches('/');
    init.assign(
        "web_disable_url",
        format!("{url}/hosting/disabled").as_str(),
    );
    init.assign(
        "web_maintenance_url",
        format!("{url}/hosting/maintenance").as_str(),
    );
    let app_name = if nginx { "nginx" } else { "apache" };
    let app = format!("{}/{app_name}", init.text("config_path"));
    init.assign("http_app_path", app.as_str());
    for (key, dir) in [
        ("http_pred_path", "pre.d"),
        ("http_postd_path", "post.d"),
        ("http_platformd_path", "platform.d"),
        ("http_vhostd_path", "vhost.d"),
        ("http_subdird_path", "subdir.d"),
    ] {
        init.assign(key, format!("{app}/{dir}").as_str());
    }
    let root = init.text("aegir_root");
    init.assign("http_platforms_path", format!("{root}/platforms").as_str());
    if ssl {
        init.set_property("http_ssl_port", Value::Int(443), false);
        init.assign("ssld_path", format!("{root}/config/ssl.d").as_str());
        let ssld = format!("{}/ssl.d", init.text("config_path"));
        init.assign("http_ssld_path", ssld.as_str());
        init.assign("ssl_enabled", Value::Int(1));
        init.assign("ssl_key", "default");
    }
    if nginx {
        for (key, default) in super::nginx::init_keys(ssl) {
            init.set_property(key, default, false);
        }
    }
}

/// `init()` (parent `server`, then the http subscription) and `init_platform()`.
fn build_platform(init: &mut Init) -> Result<(), ContextError> {
    init.set_property("server", Value::Null, false);
    init.assign("server", "@server_master");
    init.referenced("@server_master")?;
    init.set_property("web_server", Value::str("@server_master"), false);
    init.referenced_prop("web_server")?;
    init.set_property("root", Value::Null, false);
    init.set_property("makefile", Value::str(""), false);
    init.set_property("make_working_copy", Value::Bool(false), false);
    Ok(())
}

/// `init()` (parent `platform`, server, the db subscription), `init_site()` and the
/// web server's `init_site()`.
fn build_site(init: &mut Init) -> Result<(), ContextError> {
    init.set_property("platform", Value::Null, false);
    let platform = init.referenced_prop("platform")?;
    init.assign("server", "@server_master");
    init.set_property("db_server", Value::str("@server_master"), false);
    init.referenced_prop("db_server")?;
    init.set_property("uri", Value::Null, false);
    let uri = init.text("uri");
    validate_uri(&uri)?;
    let root = prop_text(&platform, "root");
    init.assign(
        "root",
        platform.get_str("root").cloned().unwrap_or(Value::Null),
    );
    init.assign("site_path", format!("{root}/sites/{uri}").as_str());
    init.set_property("site_enabled", Value::Bool(true), false);
    init.set_property("language", Value::str("en"), false);
    init.set_property("client_name", Value::Null, false);
    init.set_property("aliases", Value::Array(PhpArray::new()), true);
    init.set_property("redirection", Value::Bool(false), false);
    init.set_property("cron_key", Value::str(""), false);
    init.set_property("drush_aliases", Value::Array(PhpArray::new()), true);
    init.set_property("profile", Value::str("standard"), false);
    init.set_property("install_method", Value::str("profile"), false);
    let web = prop_text(&platform, "web_server");
    let web = init.referenced(if web.is_empty() {
        "@server_master"
    } else {
        &web
    })?;
    if site_needs_ssl(init, &web)? {
        init.set_property("ssl_enabled", Value::Int(0), false);
        init.set_property("ssl_key", Value::Null, false);
        init.set_property("ip_addresses", Value::Array(PhpArray::new()), false);
    }
    Ok(())
}

/// True when the site's web server (or, for cluster and pack, one of its members)
/// is an SSL web server, whose `init_site()` adds the SSL keys.
fn site_needs_ssl(init: &Init, web: &PhpArray) -> Result<bool, ContextError> {
    let members: &[&str] = match prop_text(web, "http_service_type").as_str() {
        "cluster" => &["cluster_web_servers"],
        "pack" => &["master_web_servers", "slave_web_servers"],
        other => return Ok(HTTP_TYPES.contains(&other) && http_flavour(other).1),
    };
    for list in members {
        let Some(Value::Array(servers)) = web.get_str(list) else {
            continue;
        };
        for (_, server) in servers.iter() {
            let member = init.referenced(&String::from_utf8_lossy(&php_string(server)))?;
            if http_flavour(&prop_text(&member, "http_service_type")).1 {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Property keys of the contrib modules shipped with Aegir 3 (hosting_git, hosting_https
/// and its certificate services, hosting_remote_import, any other service's
/// `*_service_type`): PHP provision saves them while those modules are loaded, so a
/// save keeps them although our own services do not use them.
pub fn is_contrib_key(key: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "git_",
        "repo_",
        "https_",
        "letsencrypt_",
        "Certificate_",
        "remote_import_",
    ];
    key == "deploy_from_git"
        || PREFIXES.iter().any(|p| key.starts_with(p))
        || (key.ends_with("_service_type")
            && key != "http_service_type"
            && key != "db_service_type")
}

/// Adds to `props` the contrib keys of the stored `record` and of the given `options`
/// (options win) that the core services did not set.
pub fn keep_contrib_keys(props: &mut PhpArray, record: &PhpArray, options: &PhpArray) {
    let contrib = |key: &Key| is_contrib_key(&String::from_utf8_lossy(&key.to_bytes()));
    let wanted: Vec<(Key, Value)> = record
        .iter()
        .chain(options.iter())
        .filter(|(key, _)| contrib(key) && props.get(key).is_none())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (key, value) in wanted {
        props.insert(key, value);
    }
}

/// PHP's `array_unique()` on a list property: keeps the first of equal strings.
pub fn array_unique(a: &PhpArray) -> PhpArray {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    a.iter()
        .filter(|(_, v)| {
            let s = php_string(v);
            let new = !seen.contains(&s);
            if new {
                seen.push(s);
            }
            new
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod contrib_tests {
    use super::*;

    #[test]
    fn contrib_keys_survive_a_save_and_options_win() {
        let mut props = PhpArray::new();
        props.set("root", "/p");
        let mut record = PhpArray::new();
        record.set("repo_url", "https://example.org/old.git");
        record.set("git_ref", "main");
        record.set("nginx_has_etag", true);
        let mut options = PhpArray::new();
        options.set("repo_url", "https://example.org/new.git");
        options.set("Certificate_service_type", "LetsEncrypt");
        options.set("backend", true);
        options.set("root", "/elsewhere");
        keep_contrib_keys(&mut props, &record, &options);
        assert_eq!(prop_text(&props, "repo_url"), "https://example.org/new.git");
        assert_eq!(prop_text(&props, "git_ref"), "main");
        assert_eq!(prop_text(&props, "Certificate_service_type"), "LetsEncrypt");
        assert_eq!(
            prop_text(&props, "root"),
            "/p",
            "core keys stay as the services set them"
        );
        assert!(props.get_str("backend").is_none() && props.get_str("nginx_has_etag").is_none());
    }

    #[test]
    fn https_types_are_their_web_servers_with_https() {
        assert_eq!(http_flavour("https_nginx"), ("nginx", true));
        assert_eq!(http_flavour("apache_ssl"), ("apache", true));
        assert_eq!(http_flavour("nginx"), ("nginx", false));
    }
}
