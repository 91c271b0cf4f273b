//! Web server services: nginx and Apache, each with an SSL variant. Renders the server
//! config, per-platform configs and per-site vhosts from the template files in
//! `templates/`, writes them atomically in Aegir's layout, checks them with the server's
//! own config test, and runs the server's restart command.
//!
//! Layout under the server's `config_path` (as Aegir's):
//! `{app}.conf` (includes `{app}/pre.d`, `platform.d`, `vhost.d`, `post.d`),
//! `{app}/platform.d/{platform}.conf`, `{app}/vhost.d/{uri}`, and for SSL servers the
//! default certificate in `ssl.d/default/openssl.{crt,key}`; `{aegir_root}/config/{app}.conf`
//! links to the server config.

mod cert;
pub mod cluster;
pub mod pack;
pub(crate) mod render;
mod write;

use std::path::PathBuf;

pub use cert::ensure_self_signed;
pub use render::{render_disabled_site, render_platform, render_server, render_site};
pub use write::{
    check_config, delete_platform, delete_site, link_server_conf, restart, write_disabled_site,
    write_platform, write_server, write_site, ConfigCheck,
};

/// What a web server in a cluster or pack receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebRole {
    /// Configs, platform and site code, site files; restarted.
    Full,
    /// Configs only, and restarted (a pack's slaves: code is on shared storage).
    ConfigOnly,
}

/// One web server that serves a platform, by context name, with its role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The server context (`@server_web1`).
    pub name: String,
    /// What it receives.
    pub role: WebRole,
}

/// How a platform's `web_server` spreads over machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    /// One web server (apache, nginx and their SSL variants).
    Single,
    /// A web cluster ([`cluster`]).
    Cluster,
    /// A web pack ([`pack`]).
    Pack,
}

impl Topology {
    /// The topology of an `http_service_type`.
    pub fn of(http_service_type: &str) -> Topology {
        match http_service_type {
            "cluster" => Topology::Cluster,
            "pack" => Topology::Pack,
            _ => Topology::Single,
        }
    }

    /// True when a site's `files/` and `private/` go out with its code: in a cluster
    /// every member serves them from its own copy; a single server or a pack's masters
    /// own the files they receive from uploads, so Aegir leaves them out of the push.
    pub fn pushes_site_files(self) -> bool {
        self == Topology::Cluster
    }

    /// True when a backup fetches site files back from the web server first (never
    /// from a cluster, whose master copy is authoritative).
    pub fn fetches_site_files(self) -> bool {
        self != Topology::Cluster
    }
}

/// Which web server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpApp {
    /// nginx (`http_service_type` `nginx` / `nginx_ssl`).
    Nginx,
    /// Apache 2.4 (`http_service_type` `apache` / `apache_ssl`).
    Apache,
}

impl HttpApp {
    /// The name Aegir uses in paths: `nginx` or `apache`.
    pub fn name(self) -> &'static str {
        match self {
            HttpApp::Nginx => "nginx",
            HttpApp::Apache => "apache",
        }
    }
}

/// Where php-fpm listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FpmEndpoint {
    /// A unix socket path.
    Socket(PathBuf),
    /// A TCP host and port.
    Tcp {
        /// Host name or IP address.
        host: String,
        /// Port.
        port: u16,
    },
}

/// An SSL server's settings; its certificate is the server's default one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslServer {
    /// The SSL port (`http_ssl_port`).
    pub port: u16,
}

/// A web server as the http service sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpServer {
    /// nginx or Apache.
    pub app: HttpApp,
    /// The server's config directory (`/var/aegir/config/server_master` in Aegir).
    pub config_path: PathBuf,
    /// The plain HTTP port (`http_port`).
    pub http_port: u16,
    /// Where php-fpm listens.
    pub php_fpm: FpmEndpoint,
    /// Set for the SSL variants (`nginx_ssl`, `apache_ssl`).
    pub ssl: Option<SslServer>,
    /// The shell command that reloads the server (`http_restart_cmd`).
    pub restart_cmd: String,
}

impl HttpServer {
    /// `{config_path}/{app}`: holds the `*.d` directories.
    pub fn app_path(&self) -> PathBuf {
        self.config_path.join(self.app.name())
    }

    /// `{config_path}/{app}.conf`: the server config the web server includes.
    pub fn server_conf_path(&self) -> PathBuf {
        self.config_path.join(format!("{}.conf", self.app.name()))
    }

    /// `{config_path}/nginx/nginx_vhost_common.conf`: the rules every nginx site vhost
    /// includes (Aegir keeps its own in `{aegir_root}/config/includes`; ours sits with
    /// the server's other configs, so it is published with them). `None` for Apache.
    pub fn vhost_common_path(&self) -> Option<PathBuf> {
        match self.app {
            HttpApp::Nginx => Some(self.app_path().join("nginx_vhost_common.conf")),
            HttpApp::Apache => None,
        }
    }

    /// `{config_path}/{app}/platform.d/{platform}.conf`.
    pub fn platform_conf_path(&self, platform: &str) -> PathBuf {
        self.app_path()
            .join("platform.d")
            .join(format!("{platform}.conf"))
    }

    /// `{config_path}/{app}/vhost.d/{uri}`.
    pub fn vhost_path(&self, uri: &str) -> PathBuf {
        self.app_path().join("vhost.d").join(uri)
    }

    /// `{config_path}/ssl.d/default`: the default self-signed certificate's directory.
    pub fn default_cert_dir(&self) -> PathBuf {
        self.config_path.join("ssl.d").join("default")
    }

    /// The default certificate and key paths (`openssl.crt`, `openssl.key`).
    pub fn default_cert(&self) -> (PathBuf, PathBuf) {
        let dir = self.default_cert_dir();
        (dir.join("openssl.crt"), dir.join("openssl.key"))
    }
}

/// A platform's web server view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformVhost {
    /// The platform's context name without `@` (`platform_drupal7`).
    pub name: String,
    /// The platform's root.
    pub root: PathBuf,
}

/// The six database settings settings.php reads from `$_SERVER`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DbEnv {
    /// `mysql` or `sqlite` (Drupal's driver name).
    pub db_type: String,
    /// Database host (empty for SQLite).
    pub db_host: String,
    /// Database port (empty for SQLite).
    pub db_port: String,
    /// Database user (empty for SQLite).
    pub db_user: String,
    /// Database password (empty for SQLite).
    pub db_passwd: String,
    /// Database name, or the database file for SQLite.
    pub db_name: String,
}

/// A site's web server view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteVhost {
    /// The site's uri (its main host name).
    pub uri: String,
    /// The platform root the site runs from.
    pub root: PathBuf,
    /// `{root}/sites/{uri}`.
    pub site_path: PathBuf,
    /// Other host names the site answers to.
    pub aliases: Vec<String>,
    /// If set, every other name redirects to this one (the uri or one of the aliases).
    pub redirection: Option<String>,
    /// Database settings passed to PHP.
    pub db: DbEnv,
}
