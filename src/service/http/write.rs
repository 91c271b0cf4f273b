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
    let (Some(path), Some(text)) = (
        server.vhost_common_path(),
        render::render_vhost_common(server)?,
    ) else {
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

/// Writes the disabled `vhost.d/{uri}`, redirecting to `redirect_url` (no credentials
/// in it, but the same mode as the site's own).
pub fn write_disabled_site(
    server: &HttpServer,
    site: &SiteVhost,
    redirect_url: &str,
) -> Result<()> {
    let text = render::render_disabled_site(server, site, redirect_url)?;
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

/// How to test a web server's whole configuration before its restart command runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigCheck {
    /// `nginx -t -q -c {conf}`: the main config file that includes `{app}.conf`
    /// (given explicitly, with `--nginx_conf`).
    Nginx {
        /// The main nginx config.
        conf: PathBuf,
    },
    /// `apache2ctl -t` with `APACHE_CONFDIR={confdir}` (its `apache2.conf` includes ours;
    /// given explicitly, with `--apache_confdir`).
    Apache {
        /// The Apache config root.
        confdir: PathBuf,
    },
    /// A test derived from the restart command, run the way it runs (the same program,
    /// through `sudo -n` when it uses sudo): an argument vector, no shell.
    Command(Vec<String>),
    /// No separate test: the restart command tests the config itself
    /// (`apache2ctl graceful`), or nothing safe can be derived from it (an init script).
    None,
}

impl ConfigCheck {
    /// The test that matches `restart_cmd` (Aegir's `http_restart_cmd`), which the
    /// aegir user may run (through sudo, as Aegir's packages set it up) where a test
    /// of its own, such as `nginx -t -c /etc/nginx/nginx.conf`, could not (pid file,
    /// logs). `[sudo] NGINX [-c CONF | -p DIR | -g DIRECTIVES]... -s reload` gives
    /// `[sudo -n] NGINX [same options] -t -q`: `nginx -s reload` exits 0 even when the
    /// new config is broken, so this test is what catches it. `apache2ctl graceful`
    /// tests before it restarts: no separate test. Anything else (an init script,
    /// `systemctl`, environment assignments, shell syntax): none.
    pub fn derive(app: HttpApp, restart_cmd: &str) -> ConfigCheck {
        let Some(words) = split_plain_words(restart_cmd) else {
            return ConfigCheck::None;
        };
        let (sudo, rest) = match words.split_first() {
            Some((first, rest)) if first == "sudo" => (true, rest),
            _ => (false, &words[..]),
        };
        // sudo options (-u USER, ...) change who runs what: derive nothing from them.
        let Some((program, args)) = rest.split_first() else {
            return ConfigCheck::None;
        };
        if program.starts_with('-') {
            return ConfigCheck::None;
        }
        let base = program.rsplit('/').next().unwrap_or(program);
        if app != HttpApp::Nginx || base != "nginx" {
            return ConfigCheck::None;
        }
        let [options @ .., signal, action] = args else {
            return ConfigCheck::None;
        };
        if signal != "-s" || action != "reload" || !nginx_location_options(options) {
            return ConfigCheck::None;
        }
        let mut argv: Vec<String> = Vec::new();
        if sudo {
            argv.extend(["sudo".to_string(), "-n".to_string()]);
        }
        argv.push(program.clone());
        argv.extend(options.iter().cloned());
        argv.extend(["-t".to_string(), "-q".to_string()]);
        ConfigCheck::Command(argv)
    }
}

/// True when `options` are only nginx's `-c FILE`, `-p DIR`, `-g DIRECTIVES` pairs,
/// which say where the config is and so belong in its test too.
fn nginx_location_options(options: &[String]) -> bool {
    options.len().is_multiple_of(2)
        && options
            .chunks(2)
            .all(|pair| matches!(pair[0].as_str(), "-c" | "-p" | "-g") && !pair[1].is_empty())
}

/// Splits a command line into words as `sh` would when it holds nothing but words:
/// blanks separate, '...' and "..." quote (a backslash escapes in "..." and outside).
/// `None` when it holds anything a shell would read differently from plain words
/// (operators, redirections, expansions, globs, a `VAR=value` prefix, comments).
fn split_plain_words(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        q => word.push(q),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        '$' | '`' => return None,
                        q => word.push(q),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.push(chars.next()?);
            }
            ';' | '&' | '|' | '<' | '>' | '(' | ')' | '$' | '`' | '*' | '?' | '[' | '#' | '~'
            | '{' | '}' | '\n' => return None,
            '=' if !in_word || !word.contains('/') && words.is_empty() => return None,
            _ => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// Runs the web server's config test; the error carries its complaint.
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
        ConfigCheck::Command(argv) => {
            let Some((program, args)) = argv.split_first() else {
                return Ok(());
            };
            let mut cmd = Command::new(program);
            cmd.args(args);
            cmd
        }
        ConfigCheck::None => return Ok(()),
    };
    exec::run(&mut cmd, None, &[]).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(cmd: &str) -> ConfigCheck {
        ConfigCheck::derive(HttpApp::Nginx, cmd)
    }

    fn argv(words: &[&str]) -> ConfigCheck {
        ConfigCheck::Command(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn nginx_reloads_give_the_same_program_with_t() {
        assert_eq!(
            derive("sudo /usr/sbin/nginx -s reload"),
            argv(&["sudo", "-n", "/usr/sbin/nginx", "-t", "-q"])
        );
        assert_eq!(
            derive("sudo  /usr/sbin/nginx -c /etc/nginx/alt.conf -s reload"),
            argv(&[
                "sudo",
                "-n",
                "/usr/sbin/nginx",
                "-c",
                "/etc/nginx/alt.conf",
                "-t",
                "-q"
            ])
        );
        assert_eq!(derive("nginx -s reload"), argv(&["nginx", "-t", "-q"]));
        // Quoted as the tests and scripts quote paths; one word each.
        assert_eq!(
            derive("nginx -c '/srv/my conf/nginx.conf' -p \"/srv/x\" -s reload"),
            argv(&[
                "nginx",
                "-c",
                "/srv/my conf/nginx.conf",
                "-p",
                "/srv/x",
                "-t",
                "-q"
            ])
        );
    }

    #[test]
    fn nothing_is_derived_from_what_tests_itself_or_cannot_be_read_safely() {
        for cmd in [
            "sudo /etc/init.d/nginx reload",
            "sudo service nginx reload",
            "sudo systemctl reload nginx",
            "sudo -u www /usr/sbin/nginx -s reload",
            "sudo /usr/sbin/nginx -s stop",
            "sudo /usr/sbin/nginx -s reload -c x",
            "sudo /usr/sbin/nginx -T -s reload",
            "nginx -s reload; rm -rf /",
            "nginx -c $HOME/n.conf -s reload",
            "nginx -c `id`.conf -s reload",
            "nginx -c \"$(id)\" -s reload",
            "nginx -c /x/*.conf -s reload",
            "NGINX_CONF=/x nginx -s reload",
            "nginx -s reload && echo",
            "nginx -s reload > /dev/null",
            "nginx -c 'unterminated -s reload",
            "",
        ] {
            assert_eq!(derive(cmd), ConfigCheck::None, "{cmd}");
        }
        // apache2ctl graceful runs its configtest first and refuses a broken config.
        for cmd in [
            "sudo /usr/sbin/apache2ctl graceful",
            "sudo apachectl graceful",
        ] {
            assert_eq!(ConfigCheck::derive(HttpApp::Apache, cmd), ConfigCheck::None);
        }
        assert_eq!(
            ConfigCheck::derive(HttpApp::Apache, "sudo /usr/sbin/nginx -s reload"),
            ConfigCheck::None
        );
    }

    #[test]
    fn a_derived_test_runs_without_a_shell() {
        let check = argv(&["sh", "-c", "exit 3"]);
        assert!(check_config(&check).is_err());
        assert!(check_config(&argv(&["true", "; exit 1"])).is_ok());
        assert!(check_config(&ConfigCheck::None).is_ok());
    }
}
