//! The contexts a task works on, loaded from the store and turned into the service
//! views (web server, database server) the services take.

use super::{Result, TaskError};
use crate::context::mysql::parse_master_db;
use crate::context::store::Store;
use crate::context::{bare_name, php_string, prop_text, validate_name, ContextError};
use crate::php::{PhpArray, Value};
use crate::remote::is_local_host;
use crate::remote::{Host, SshOptions};
use crate::service::db::mysql::MysqlServer;
use crate::service::http::{ConfigCheck, FpmEndpoint, HttpApp, HttpServer, SslServer};
use std::path::{Path, PathBuf};

/// Settings of this run that are not context properties.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The PHP binary for the installer helper.
    pub php: String,
    /// Where php-fpm listens; detected when not given.
    pub php_fpm: Option<FpmEndpoint>,
    /// The web server's own config, for its config test (derived from the restart
    /// command when not given).
    pub nginx_conf: Option<PathBuf>,
    /// The Apache config root, for its config test (none separate when not given:
    /// `apache2ctl graceful` tests itself).
    pub apache_confdir: Option<PathBuf>,
    /// How remote servers are reached (ssh config file, timeouts, parallel hosts).
    pub ssh: SshOptions,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            php: "php".into(),
            php_fpm: None,
            nginx_conf: None,
            apache_confdir: None,
            ssh: SshOptions::default(),
        }
    }
}

impl RunOptions {
    /// The php-fpm endpoint: the given one, else the first `php*-fpm.sock` in
    /// `/run/php` (newest version first), else PHP 5's socket, else 127.0.0.1:9000.
    pub fn php_fpm(&self) -> FpmEndpoint {
        if let Some(given) = &self.php_fpm {
            return given.clone();
        }
        let mut sockets: Vec<PathBuf> = std::fs::read_dir("/run/php")
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        sockets.retain(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with("php") && n.ends_with("-fpm.sock"))
        });
        sockets.sort();
        let php5 = PathBuf::from("/var/run/php5-fpm.sock");
        match sockets.pop() {
            Some(newest) => FpmEndpoint::Socket(newest),
            None if php5.exists() => FpmEndpoint::Socket(php5),
            None => FpmEndpoint::Tcp {
                host: "127.0.0.1".into(),
                port: 9000,
            },
        }
    }

    /// How to test `web`'s whole configuration: the main config given with
    /// `--nginx_conf`/`--apache_confdir`, else what its restart command allows
    /// (`ConfigCheck::derive`), as the aegir user runs only that command.
    pub fn config_check(&self, web: &HttpServer) -> ConfigCheck {
        match (web.app, &self.nginx_conf, &self.apache_confdir) {
            (HttpApp::Nginx, Some(conf), _) => ConfigCheck::Nginx { conf: conf.clone() },
            (HttpApp::Apache, _, Some(confdir)) => ConfigCheck::Apache {
                confdir: confdir.clone(),
            },
            _ => ConfigCheck::derive(web.app, &web.restart_cmd),
        }
    }
}

/// A server context.
#[derive(Clone, Debug)]
pub struct Server {
    /// `@name`.
    pub name: String,
    /// Its saved properties.
    pub props: PhpArray,
}

/// A server's database service.
#[derive(Clone, Debug)]
pub enum DbService {
    /// A MySQL or MariaDB server reached with `master_db`.
    Mysql(MysqlServer),
    /// Our embedded default: a SQLite file per site, no server.
    Sqlite,
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
        crate::context::validate_host(&address)?;
        if !user.is_empty() {
            crate::context::validate_user(&user)?;
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

    /// The web server this server runs, if any.
    pub fn http(&self, run: &RunOptions) -> Result<Option<HttpServer>> {
        let ty = self.text("http_service_type");
        let (app, ssl) = match ty.as_str() {
            "" => return Ok(None),
            "nginx" => (HttpApp::Nginx, false),
            "nginx_ssl" | "https_nginx" => (HttpApp::Nginx, true),
            "apache" => (HttpApp::Apache, false),
            "apache_ssl" | "https_apache" => (HttpApp::Apache, true),
            other => {
                return Err(TaskError::Refused(
                    "PROVISION_UNSUPPORTED_SERVICE",
                    format!(
                        "{}: http service type '{other}' is not a web server type (apache, nginx, their _ssl variants, cluster, pack).",
                        self.name
                    ),
                ))
            }
        };
        Ok(Some(HttpServer {
            app,
            config_path: self.path("config_path")?,
            http_port: self.port("http_port", 80)?,
            php_fpm: run.php_fpm(),
            ssl: if ssl {
                Some(SslServer {
                    port: self.port("http_ssl_port", 443)?,
                })
            } else {
                None
            },
            restart_cmd: self.text("http_restart_cmd"),
        }))
    }

    /// The database service this server runs, if any.
    pub fn db(&self) -> Result<Option<DbService>> {
        match self.text("db_service_type").as_str() {
            "" => Ok(None),
            "sqlite" => Ok(Some(DbService::Sqlite)),
            "mysql" => {
                let url = self.text("master_db");
                let master = parse_master_db(&url).ok_or_else(|| {
                    refused(format!(
                        "{}: master_db is not mysql://USER:PASSWORD@HOST[:PORT].",
                        self.name
                    ))
                })?;
                Ok(Some(DbService::Mysql(MysqlServer {
                    host: master.host,
                    port: self.port("db_port", 3306)?,
                    socket: None,
                    user: master.user,
                    password: master.pass,
                })))
            }
            other => Err(refused(format!(
                "{}: unknown db service type '{other}'.",
                self.name
            ))),
        }
    }

    fn port(&self, key: &str, default: u16) -> Result<u16> {
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
        refused_code(
            "PROVISION_CONTEXT_MISSING",
            format!(
                "The context {name} does not exist: save it first with provision-save {name} --context_type={ty}."
            ),
        )
    })?;
    let actual = prop_text(&record, "context_type");
    if actual != ty {
        return Err(TaskError::Context(ContextError::Invalid(format!(
            "{name} is a {actual} context, not a {ty}."
        ))));
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
    crate::service::validate::uri(&uri)?;
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
    crate::service::validate::path(path)?;
    Ok(path.to_path_buf())
}

fn refused(message: String) -> TaskError {
    refused_code("PROVISION_INVALID_CONTEXT", message)
}

fn refused_code(code: &'static str, message: String) -> TaskError {
    TaskError::Refused(code, message)
}
