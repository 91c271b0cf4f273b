//! The typed views of the contexts tasks work on: a server, a platform with the server
//! that serves it, a site with its platform and database server, each loaded from the
//! store, checked (it exists, has its type, its paths are absolute and plain, its uri is
//! a host name) and read through typed accessors.

use super::store::Store;
use super::{bare_name, php_string, prop_text, validate_name, ContextError};
use crate::php::{PhpArray, Value};
use crate::remote::{is_local_host, Host};
use std::path::{Path, PathBuf};

/// What loading or reading a context view gives.
pub type Result<T> = std::result::Result<T, ContextError>;

/// A server context.
#[derive(Clone, Debug)]
pub struct Server {
    /// `@name`.
    pub name: String,
    /// Its saved properties.
    pub props: PhpArray,
}

impl Server {
    /// A property as text (`''` when missing).
    pub fn text(&self, key: &str) -> String {
        prop_text(&self.props, key)
    }

    /// A property as a path; an empty or relative one is an error naming it.
    pub fn path(&self, key: &str) -> Result<PathBuf> {
        absolute(&self.name, key, &self.text(key))
    }

    /// True when the server is this machine (Aegir's local-host test).
    pub fn is_local(&self) -> bool {
        is_local_host(&self.text("remote_host"))
    }

    /// A list property (`cluster_web_servers`, …) as strings.
    pub fn list(&self, key: &str) -> Vec<String> {
        prop_list(&self.props, key)
    }

    /// The machine this server runs on, as the remote layer reaches it:
    /// `script_user@remote_host`, both checked so they cannot act as ssh options.
    pub fn host(&self) -> Result<Host> {
        let address = self.text("remote_host");
        let user = self.text("script_user");
        super::validate_host(&address)?;
        if !user.is_empty() {
            super::validate_user(&user)?;
        }
        Ok(Host {
            server: self.name.clone(),
            user,
            address,
        })
    }

    /// The web server group (`web_group`), if set.
    pub fn web_group(&self) -> Option<String> {
        Some(self.text("web_group")).filter(|g| !g.is_empty())
    }

    /// A port property, `default` when empty; anything but a port is an error naming it.
    pub fn port(&self, key: &str, default: u16) -> Result<u16> {
        let text = self.text(key);
        if text.is_empty() {
            return Ok(default);
        }
        text.parse().map_err(|_| {
            refused(format!(
                "{}: {key} '{text}' is not a port number.",
                self.name
            ))
        })
    }
}

/// A platform context and the server that serves it.
#[derive(Clone, Debug)]
pub struct Platform {
    /// `@name`.
    pub name: String,
    /// Its saved properties.
    pub props: PhpArray,
    /// The platform's code base.
    pub root: PathBuf,
    /// Its `web_server`.
    pub web_server: Server,
}

impl Platform {
    /// The name without `@`, as platform config files are named.
    pub fn bare_name(&self) -> &str {
        bare_name(&self.name)
    }
}

/// A site context, its platform and its database server.
#[derive(Clone, Debug)]
pub struct Site {
    /// `@name` (the uri, in Aegir).
    pub name: String,
    /// Its saved properties.
    pub props: PhpArray,
    /// The site's uri.
    pub uri: String,
    /// `{root}/sites/{uri}`.
    pub site_path: PathBuf,
    /// The platform it runs on.
    pub platform: Platform,
    /// Its `db_server`.
    pub db_server: Server,
}

impl Site {
    /// A property as text (`''` when missing).
    pub fn text(&self, key: &str) -> String {
        prop_text(&self.props, key)
    }

    /// A list property (`aliases`, `drush_aliases`) as strings.
    pub fn list(&self, key: &str) -> Vec<String> {
        prop_list(&self.props, key)
    }
}

/// A list property as strings, empty entries left out.
fn prop_list(props: &PhpArray, key: &str) -> Vec<String> {
    match props.get_str(key) {
        Some(Value::Array(a)) => a
            .iter()
            .map(|(_, v)| String::from_utf8_lossy(&php_string(v)).into_owned())
            .filter(|s| !s.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Loads context `name`, which must exist and be of type `ty`.
fn load_typed(store: &Store, name: &str, ty: &str) -> Result<(String, PhpArray)> {
    validate_name(bare_name(name))?;
    let name = format!("@{}", bare_name(name));
    let record = store.load(&name)?.ok_or_else(|| {
        ContextError::Refused(
            "PROVISION_CONTEXT_MISSING",
            format!(
                "The context {name} does not exist: save it first with provision-save {name} --context_type={ty}."
            ),
        )
    })?;
    let actual = prop_text(&record, "context_type");
    if actual != ty {
        return Err(ContextError::Invalid(format!(
            "{name} is a {actual} context, not a {ty}."
        )));
    }
    Ok((name, record))
}

/// Loads server `name`.
pub fn load_server(store: &Store, name: &str) -> Result<Server> {
    let (name, props) = load_typed(store, name, "server")?;
    Ok(Server { name, props })
}

/// Loads platform `name` and its web server.
pub fn load_platform(store: &Store, name: &str) -> Result<Platform> {
    let (name, props) = load_typed(store, name, "platform")?;
    let web = Some(prop_text(&props, "web_server"))
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "@server_master".into());
    let root = absolute(&name, "root", &prop_text(&props, "root"))?;
    Ok(Platform {
        web_server: load_server(store, &web)?,
        name,
        props,
        root,
    })
}

/// Loads site `name`, its platform and its database server.
pub fn load_site(store: &Store, name: &str) -> Result<Site> {
    let (name, props) = load_typed(store, name, "site")?;
    let platform = load_platform(store, &prop_text(&props, "platform"))?;
    let db = Some(prop_text(&props, "db_server"))
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "@server_master".into());
    let uri = prop_text(&props, "uri");
    crate::service::validate::uri(&uri).map_err(invalid)?;
    let site_path = platform.root.join("sites").join(&uri);
    Ok(Site {
        db_server: load_server(store, &db)?,
        name,
        props,
        uri,
        site_path,
        platform,
    })
}

/// An absolute path property, or an error naming the context and key.
fn absolute(context: &str, key: &str, value: &str) -> Result<PathBuf> {
    let path = Path::new(value);
    if value.is_empty() || !path.is_absolute() {
        return Err(refused(format!(
            "{context}: {key} must be an absolute path, not '{value}'."
        )));
    }
    crate::service::validate::path(path).map_err(invalid)?;
    Ok(path.to_path_buf())
}

fn refused(message: String) -> ContextError {
    ContextError::Refused("PROVISION_INVALID_CONTEXT", message)
}

/// A `service::validate` refusal as a context error.
fn invalid(e: crate::service::ServiceError) -> ContextError {
    ContextError::Invalid(e.to_string())
}
