//! What a task needs besides the contexts' own views (`context::view`): the run's
//! settings, and the services a server runs (its web server, its database server) as
//! the service layer takes them.

use super::{Result, TaskError};
use crate::context::build::http_flavour;
use crate::context::mysql::parse_master_db;
pub use crate::context::view::{load_platform, load_server, load_site, Platform, Server, Site};
use crate::remote::SshOptions;
use crate::service::db::mysql::MysqlServer;
use crate::service::http::{ConfigCheck, FpmEndpoint, HttpApp, HttpServer, SslServer};
use std::path::PathBuf;

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

/// A server's database service.
#[derive(Clone, Debug)]
pub enum DbService {
    /// A MySQL or MariaDB server reached with `master_db`.
    Mysql(MysqlServer),
    /// Our embedded default: a SQLite file per site, no server.
    Sqlite,
}

/// The services a server context runs, as the service layer takes them.
pub trait ServerServices {
    /// The web server this server runs, if any.
    fn http(&self, run: &RunOptions) -> Result<Option<HttpServer>>;
    /// The database service this server runs, if any.
    fn db(&self) -> Result<Option<DbService>>;
}

impl ServerServices for Server {
    fn http(&self, run: &RunOptions) -> Result<Option<HttpServer>> {
        let ty = self.text("http_service_type");
        if ty.is_empty() {
            return Ok(None);
        }
        let (app, ssl) = match http_flavour(&ty) {
            ("nginx", ssl) => (HttpApp::Nginx, ssl),
            ("apache", ssl) => (HttpApp::Apache, ssl),
            _ => {
                return Err(TaskError::Refused(
                    "PROVISION_UNSUPPORTED_SERVICE",
                    format!(
                        "{}: http service type '{ty}' is not a web server type (apache, nginx, their _ssl variants, cluster, pack).",
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

    fn db(&self) -> Result<Option<DbService>> {
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
}

fn refused(message: String) -> TaskError {
    TaskError::Refused("PROVISION_INVALID_CONTEXT", message)
}
