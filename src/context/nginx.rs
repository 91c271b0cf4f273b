//! The nginx and nginx_ssl http services: their defaults, and what a save
//! detects from `nginx -V` and marker files (Aegir's `save_server()`).

use crate::php::{PhpArray, Value};
use std::path::Path;
use std::process::{Command, Stdio};

/// Aegir's guess at the nginx reload command: `sudo PROGRAM reload`.
pub fn nginx_restart_cmd() -> String {
    let path = std::env::var("PATH").unwrap_or_default();
    let candidates = std::iter::once("/etc/init.d/nginx".to_string())
        .chain(path.split(':').map(|d| format!("{d}/nginx")))
        .chain(
            [
                "/usr/sbin/nginx",
                "/usr/local/sbin/nginx",
                "/usr/local/bin/nginx",
            ]
            .map(String::from),
        );
    let found = candidates
        .into_iter()
        .find(|c| super::build::is_executable(Path::new(c)))
        .map(|c| {
            if c == "/etc/init.d/nginx" {
                c
            } else {
                format!("{c} -s")
            }
        });
    format!(
        "sudo {} reload",
        found.as_deref().unwrap_or("/etc/init.d/nginx")
    )
}

/// The first nginx binary at Aegir's fixed paths.
fn nginx_binary() -> Option<&'static str> {
    [
        "/usr/local/sbin/nginx",
        "/usr/sbin/nginx",
        "/usr/local/bin/nginx",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
}

/// Runs `nginx -V` on the server (locally, or over ssh as the script user) and
/// returns its output lines, right-trimmed and joined without separators, as
/// Aegir's `implode('', drush_shell_exec_output())` sees them.
fn nginx_version_text(binary: &str, props: &PhpArray) -> String {
    let host = super::prop_text(props, "remote_host");
    let mut cmd = if crate::remote::is_local_host(&host) {
        let mut c = Command::new(binary);
        c.arg("-V");
        c
    } else {
        let user = super::prop_text(props, "script_user");
        if super::validate_host(&host).is_err() || super::validate_user(&user).is_err() {
            return String::new(); // the save refuses these values before writing
        }
        let mut c = Command::new("ssh");
        c.args([
            "-o",
            "PasswordAuthentication=no",
            "-o",
            "BatchMode=yes",
            "-o",
            "ConnectTimeout=10",
            "--",
            &format!("{user}@{host}"),
            &format!("{binary} -V"),
        ]);
        c
    };
    let Ok(out) = cmd.stdin(Stdio::null()).output() else {
        return String::new();
    };
    let mut all = out.stdout;
    all.extend_from_slice(&out.stderr);
    String::from_utf8_lossy(&all)
        .lines()
        .map(str::trim_end)
        .collect()
}

/// `/nginx\/1\.((1\.(8|9|(1[0-9]+)))|((2|3|4|5|6|7|8|9|[1-9][0-9]+)\.))/`
fn is_modern(text: &str) -> bool {
    after_each(text, "nginx/1.", |rest| {
        let b = rest.as_bytes();
        let minor_one = b.starts_with(b"1.")
            && match b.get(2) {
                Some(b'8' | b'9') => true,
                Some(b'1') => b.get(3).is_some_and(u8::is_ascii_digit),
                _ => false,
            };
        let run = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let minor_run = b.get(run) == Some(&b'.')
            && ((run == 1 && (b'2'..=b'9').contains(&b[0])) || (run >= 2 && b[0] != b'0'));
        minor_one || minor_run
    })
}

/// `/nginx\/1\.([12][0-9]|[3]\.([12][0-9]|[3-9]))/`
fn has_etag(text: &str) -> bool {
    after_each(text, "nginx/1.", |rest| {
        let b = rest.as_bytes();
        let two =
            matches!(b.first(), Some(b'1' | b'2')) && b.get(1).is_some_and(u8::is_ascii_digit);
        let three = b.starts_with(b"3.")
            && match b.get(2) {
                Some(b'1' | b'2') => b.get(3).is_some_and(u8::is_ascii_digit),
                Some(c) => (b'3'..=b'9').contains(c),
                None => false,
            };
        two || three
    })
}

/// True when `test` holds for the text after some occurrence of `needle`.
fn after_each(text: &str, needle: &str, test: impl Fn(&str) -> bool) -> bool {
    text.match_indices(needle)
        .any(|(i, _)| test(&text[i + needle.len()..]))
}

/// PHP-FPM's mode as Aegir detects it: a socket when the PHP 5 socket or a
/// `*fpm.sock` in /var/run/php exists, else a port.
fn phpfpm_mode() -> &'static str {
    if Path::new("/var/run/php5-fpm.sock").exists() {
        return "socket";
    }
    let names: Vec<String> = std::fs::read_dir("/var/run/php")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    if names
        .iter()
        .any(|n| n.find("fpm.sock").is_some_and(|i| i > 0))
    {
        "socket"
    } else {
        "port"
    }
}

/// The nginx keys `init_server()` sets (after the http and SSL keys).
pub fn init_keys(ssl: bool) -> Vec<(&'static str, Value)> {
    let mut keys = vec![
        ("nginx_config_mode", Value::str("extended")),
        ("nginx_is_modern", Value::Bool(false)),
        ("nginx_has_etag", Value::Bool(false)),
        ("nginx_has_http2", Value::Bool(false)),
        ("nginx_has_gzip", Value::Bool(false)),
        ("nginx_has_upload_progress", Value::Bool(false)),
        ("provision_db_cloaking", Value::Bool(true)),
        ("phpfpm_mode", Value::str("port")),
        ("subdirs_support", Value::Bool(false)),
        ("satellite_mode", Value::str("vanilla")),
    ];
    if ssl {
        keys.retain(|(k, _)| *k != "subdirs_support");
    }
    keys
}

/// `save_server()`: what a save detects on the server when nginx is installed.
pub fn save_server(props: &mut PhpArray, ssl: bool) {
    if !ssl {
        props.set("provision_db_cloaking", Value::Bool(true));
    }
    let Some(binary) = nginx_binary() else {
        return;
    };
    let text = nginx_version_text(binary, props);
    let flag = |b: bool| Value::Int(i64::from(b));
    props.set("nginx_is_modern", flag(is_modern(&text)));
    props.set("nginx_has_etag", flag(has_etag(&text)));
    props.set("nginx_has_http2", flag(text.contains("http_v2_module")));
    props.set("nginx_has_upload_progress", flag(text.contains("upload")));
    props.set(
        "nginx_has_gzip",
        flag(text.contains("http_gzip_static_module")),
    );
    let basic = Path::new("/etc/nginx/basic_nginx.conf").exists();
    props.set(
        "nginx_config_mode",
        if basic { "basic" } else { "extended" },
    );
    props.set("phpfpm_mode", phpfpm_mode());
    let boa = Path::new("/data/conf/global.inc").exists();
    props.set("satellite_mode", if boa { "boa" } else { "vanilla" });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_patterns_match_aegirs_regexes() {
        for (v, modern, etag) in [
            ("nginx/1.1.8", true, false),
            ("nginx/1.1.7", false, false),
            ("nginx/1.1.19", true, false),
            ("nginx/1.2.1", true, false),
            ("nginx/1.10.3", true, true),
            ("nginx/1.22.1", true, true),
            ("nginx/1.3.2", true, false),
            ("nginx/1.3.12", true, true),
            ("nginx/1.3.7", true, true),
            ("nginx/1.0.15", false, false),
            ("nginx/0.9.1", false, false),
        ] {
            let text = format!("nginx version: {v}built by gcc");
            assert_eq!(is_modern(&text), modern, "{v} modern");
            assert_eq!(has_etag(&text), etag, "{v} etag");
        }
    }
}
