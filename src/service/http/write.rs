//! Writes rendered configs in Aegir's layout, tests them, and reloads the server.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{render, HttpApp, HttpServer, PlatformVhost, SiteVhost};
use crate::fsutil;
use crate::service::error::Result;
use crate::service::error::ServiceError;
use crate::service::{exec, validate};

/// Mode of the server and platform configs.
const CONF_MODE: u32 = 0o644;
/// Mode of site vhosts, which hold database credentials.
const VHOST_MODE: u32 = 0o600;

/// Makes the config directories (`config_path` and `{app}` 0711, the `*.d` dirs 0700),
/// the default certificate for SSL servers, and writes `{config_path}/{app}.conf`.
pub fn write_server(server: &HttpServer) -> Result<()> {
    let text = render::render_server(server)?;
    fsutil::mkdir_mode(&server.config_path, 0o711)?;
    fsutil::mkdir_mode(&server.app_path(), 0o711)?;
    for dir in ["pre.d", "platform.d", "vhost.d", "post.d"] {
        fsutil::mkdir_mode(&server.app_path().join(dir), 0o700)?;
    }
    if server.ssl.is_some() {
        super::ensure_self_signed(server)?;
    }
    write_vhost_common(server, false)?;
    fsutil::write_atomic(&server.server_conf_path(), text.as_bytes(), CONF_MODE)?;
    Ok(())
}

/// Writes the include every site vhost shares (nginx); with `only_if_changed`, leaves
/// a file that already holds these bytes alone (a site verify calls it, so a vhost
/// never names a missing include, without a write per site).
fn write_vhost_common(server: &HttpServer, only_if_changed: bool) -> Result<()> {
    let (Some(path), Some(text)) = (server.vhost_common_path(), render::render_vhost_common(server)?)
    else {
        return Ok(());
    };
    if only_if_changed && std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    fsutil::mkdir_mode(&server.config_path, 0o711)?;
    fsutil::mkdir_mode(&server.app_path(), 0o711)?;
    fsutil::write_atomic(&path, text.as_bytes(), CONF_MODE).map_err(ServiceError::from)
}

/// Links `{aegir_root}/config/{app}.conf` to the server config, as Aegir's `ln -sf`
/// does; the web server's own config includes that link.
pub fn link_server_conf(server: &HttpServer, aegir_root: &Path) -> Result<()> {
    validate::path(aegir_root)?;
    let config = aegir_root.join("config");
    fsutil::mkdir_mode(&config, 0o711)?;
    let link = config.join(format!("{}.conf", server.app.name()));
    fsutil::symlink_atomic(&server.server_conf_path(), &link).map_err(ServiceError::from)
}

/// Writes `platform.d/{platform}.conf`.
pub fn write_platform(server: &HttpServer, platform: &PlatformVhost) -> Result<()> {
    let text = render::render_platform(server, platform)?;
    let path = server.platform_conf_path(&platform.name);
    fsutil::write_atomic(&path, text.as_bytes(), CONF_MODE).map_err(ServiceError::from)
}

/// Writes `vhost.d/{uri}` (mode 0600: it holds the database credentials).
pub fn write_site(server: &HttpServer, site: &SiteVhost) -> Result<()> {
    let text = render::render_site(server, site)?;
    write_vhost_common(server, true)?;
    fsutil::write_atomic(&server.vhost_path(&site.uri), text.as_bytes(), VHOST_MODE)
        .map_err(ServiceError::from)
}

/// Removes `platform.d/{platform}.conf` if present.
pub fn delete_platform(server: &HttpServer, platform: &str) -> Result<()> {
    validate::name(platform)?;
    fsutil::remove_file_if_exists(&server.platform_conf_path(platform)).map_err(ServiceError::from)
}

/// Removes `vhost.d/{uri}` if present.
pub fn delete_site(server: &HttpServer, uri: &str) -> Result<()> {
    validate::uri(uri)?;
    fsutil::remove_file_if_exists(&server.vhost_path(uri)).map_err(ServiceError::from)
}

/// Runs the server's `http_restart_cmd` (a shell command line, as Aegir stores it).
pub fn restart(server: &HttpServer) -> Result<()> {
    exec::run_shell(&server.restart_cmd).map(drop)
}

/// How to test a web server's whole configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigCheck {
    /// `nginx -t -c {conf}`: the main config file that includes `{app}.conf`.
    Nginx {
        /// The main nginx config.
        conf: PathBuf,
    },
    /// `apache2ctl -t` with `APACHE_CONFDIR={confdir}` (its `apache2.conf` includes ours).
    Apache {
        /// The Apache config root.
        confdir: PathBuf,
    },
}

impl ConfigCheck {
    /// Which web server this checks.
    pub fn app(&self) -> HttpApp {
        match self {
            ConfigCheck::Nginx { .. } => HttpApp::Nginx,
            ConfigCheck::Apache { .. } => HttpApp::Apache,
        }
    }
}

/// Runs the web server's own config test; the error carries its complaint.
pub fn check_config(check: &ConfigCheck) -> Result<()> {
    let mut cmd = match check {
        ConfigCheck::Nginx { conf } => {
            let mut cmd = Command::new("nginx");
            cmd.arg("-t").arg("-q").arg("-c").arg(conf);
            cmd
        }
        ConfigCheck::Apache { confdir } => {
            let mut cmd = Command::new("apache2ctl");
            cmd.env("APACHE_CONFDIR", confdir).arg("-t");
            cmd
        }
    };
    exec::run(&mut cmd, None, &[]).map(drop)
}
