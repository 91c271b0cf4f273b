//! Renders the template files in `templates/` (compiled in) from validated inputs.

use minijinja::syntax::SyntaxConfig;
use minijinja::{Environment, Value};
use std::collections::BTreeMap;
use std::path::Path;

use super::{FpmEndpoint, HttpApp, HttpServer, PlatformVhost, SiteVhost};
use crate::service::error::{Result, ServiceError};
use crate::service::validate;

/// One template: its name (for errors) and its text.
struct Template {
    name: &'static str,
    text: &'static str,
}

macro_rules! template {
    ($path:literal) => {
        Template {
            name: $path,
            text: include_str!(concat!("../../../templates/", $path)),
        }
    };
}

struct AppTemplates {
    server: Template,
    /// The rules every site vhost includes (nginx only: Apache's are in the vhost).
    vhost_common: Option<Template>,
    server_ssl: Template,
    platform: Template,
    vhost: Template,
    vhost_disabled: Template,
}

fn templates(app: HttpApp) -> AppTemplates {
    match app {
        HttpApp::Nginx => AppTemplates {
            server: template!("nginx/server.conf"),
            vhost_common: Some(template!("nginx/vhost_common.conf")),
            server_ssl: template!("nginx/server_ssl.conf"),
            platform: template!("nginx/platform.conf"),
            vhost: template!("nginx/vhost.conf"),
            vhost_disabled: template!("nginx/vhost_disabled.conf"),
        },
        HttpApp::Apache => AppTemplates {
            server: template!("apache/server.conf"),
            vhost_common: None,
            server_ssl: template!("apache/server_ssl.conf"),
            platform: template!("apache/platform.conf"),
            vhost: template!("apache/vhost.conf"),
            vhost_disabled: template!("apache/vhost_disabled.conf"),
        },
    }
}

/// Template variables by name.
pub(crate) type Context = BTreeMap<&'static str, Value>;

fn render(template: &Template, context: Context) -> Result<String> {
    render_text(template.name, template.text, context)
}

/// Renders template `text` (called `name` in errors) with `context`; blocks trim their
/// line, the trailing newline is kept. Shared by every template in `templates/`.
pub(crate) fn render_text(name: &str, text: &str, context: Context) -> Result<String> {
    let fail = |e: minijinja::Error| ServiceError::Template {
        name: name.to_string(),
        message: e.to_string(),
    };
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(fail)?;
    let mut env = Environment::new();
    env.set_syntax(syntax);
    env.render_str(text, Value::from(context)).map_err(fail)
}

fn path_value(path: &Path) -> Value {
    Value::from(path.to_string_lossy().into_owned())
}

/// Checks every path and host the server config uses.
fn validate_server(server: &HttpServer) -> Result<()> {
    validate::path(&server.config_path)?;
    match &server.php_fpm {
        FpmEndpoint::Socket(path) => validate::path(path),
        FpmEndpoint::Tcp { host, .. } => validate::host(host),
    }
}

/// The server-level context: `app_path`, `http_port`, and `ssl` for SSL servers.
fn server_context(server: &HttpServer) -> Context {
    let mut context = Context::new();
    context.insert("app_path", path_value(&server.app_path()));
    context.insert("http_port", Value::from(server.http_port));
    if let Some(ssl) = &server.ssl {
        let (cert, key) = server.default_cert();
        let ssl_map: BTreeMap<&str, Value> = [
            ("port", Value::from(ssl.port)),
            ("cert", path_value(&cert)),
            ("key", path_value(&key)),
        ]
        .into_iter()
        .collect();
        context.insert("ssl", Value::from(ssl_map));
    }
    context
}

/// Renders `{config_path}/{app}.conf`.
pub fn render_server(server: &HttpServer) -> Result<String> {
    validate_server(server)?;
    let t = templates(server.app);
    let mut text = render(&t.server, server_context(server))?;
    if server.ssl.is_some() {
        text.push_str(&render(&t.server_ssl, server_context(server))?);
    }
    Ok(text)
}

/// Renders the include every site vhost of the server shares
/// (`{app_path}/nginx_vhost_common.conf`); `None` for Apache, whose rules are in the vhost.
pub fn render_vhost_common(server: &HttpServer) -> Result<Option<String>> {
    validate_server(server)?;
    let Some(template) = templates(server.app).vhost_common else {
        return Ok(None);
    };
    let mut context = server_context(server);
    context.insert("fpm", Value::from(fpm_value(server.app, &server.php_fpm)));
    render(&template, context).map(Some)
}

/// Renders `platform.d/{platform}.conf`.
pub fn render_platform(server: &HttpServer, platform: &PlatformVhost) -> Result<String> {
    validate_server(server)?;
    validate::name(&platform.name)?;
    validate::path(&platform.root)?;
    let mut context = server_context(server);
    context.insert("name", Value::from(platform.name.as_str()));
    context.insert("root", path_value(&platform.root));
    render(&templates(server.app).platform, context)
}

/// Checks the site's names and paths; the redirection must be the uri or an alias.
fn validate_site(site: &SiteVhost) -> Result<()> {
    validate::uri(&site.uri)?;
    validate::path(&site.root)?;
    validate::path(&site.site_path)?;
    site.aliases.iter().try_for_each(|a| validate::uri(a))?;
    if let Some(target) = &site.redirection {
        validate::uri(target)?;
        if *target != site.uri && !site.aliases.contains(target) {
            return Err(ServiceError::Invalid {
                what: "redirection",
                value: target.clone(),
                why: "must be the site's uri or one of its aliases",
            });
        }
    }
    Ok(())
}

/// Splits the site's names into those served (`main`) and those redirected.
fn site_names(site: &SiteVhost) -> (Vec<String>, Vec<String>) {
    let mut all = vec![site.uri.clone()];
    all.extend(site.aliases.iter().filter(|a| **a != site.uri).cloned());
    match &site.redirection {
        None => (all, Vec::new()),
        Some(target) => {
            let others = all.into_iter().filter(|n| n != target).collect();
            (vec![target.clone()], others)
        }
    }
}

/// PHP's `urlencode()`: letters, digits and `-_.` kept, space as `+`, the rest `%XX`.
fn php_urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn db_env_value(site: &SiteVhost) -> Value {
    let db = &site.db;
    let pairs = [
        ("db_type", &db.db_type),
        ("db_host", &db.db_host),
        ("db_port", &db.db_port),
        ("db_user", &db.db_user),
        ("db_passwd", &db.db_passwd),
        ("db_name", &db.db_name),
    ];
    // nginx and Apache both refuse an empty value; an unset one reads as empty in PHP.
    Value::from_iter(
        pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| Value::from_iter([Value::from(k), Value::from(php_urlencode(v))])),
    )
}

/// Where PHP requests go, in the server's own syntax.
fn fpm_value(app: HttpApp, fpm: &FpmEndpoint) -> String {
    match (app, fpm) {
        (HttpApp::Nginx, FpmEndpoint::Socket(p)) => format!("unix:{}", p.display()),
        (HttpApp::Nginx, FpmEndpoint::Tcp { host, port }) => format!("{host}:{port}"),
        (HttpApp::Apache, FpmEndpoint::Socket(p)) => {
            format!("proxy:unix:{}|fcgi://localhost", p.display())
        }
        (HttpApp::Apache, FpmEndpoint::Tcp { host, port }) => {
            format!("proxy:fcgi://{host}:{port}")
        }
    }
}

/// One entry per port the site answers on: plain, and SSL for SSL servers.
fn listeners(server: &HttpServer) -> Value {
    let plain: BTreeMap<&str, Value> = [
        ("port", Value::from(server.http_port)),
        ("ssl", Value::from(false)),
    ]
    .into_iter()
    .collect();
    let mut all = vec![Value::from(plain)];
    if let Some(ssl) = &server.ssl {
        let (cert, key) = server.default_cert();
        let secure: BTreeMap<&str, Value> = [
            ("port", Value::from(ssl.port)),
            ("ssl", Value::from(true)),
            ("cert", path_value(&cert)),
            ("key", path_value(&key)),
        ]
        .into_iter()
        .collect();
        all.push(Value::from(secure));
    }
    Value::from(all)
}

/// Renders `vhost.d/{uri}`.
pub fn render_site(server: &HttpServer, site: &SiteVhost) -> Result<String> {
    validate_server(server)?;
    validate_site(site)?;
    let (main, redirected) = site_names(site);
    let mut context = server_context(server);
    context.insert("uri", Value::from(site.uri.as_str()));
    context.insert("root", path_value(&site.root));
    context.insert("site_path", path_value(&site.site_path));
    context.insert("main_names", Value::from(main));
    context.insert("redirect_names", Value::from(redirected));
    context.insert(
        "redirection",
        Value::from(site.redirection.clone().unwrap_or_default()),
    );
    context.insert("db_env", db_env_value(site));
    context.insert("fpm", Value::from(fpm_value(server.app, &server.php_fpm)));
    context.insert("listeners", listeners(server));
    if let Some(common) = server.vhost_common_path() {
        context.insert("common", path_value(&common));
    }
    render(&templates(server.app).vhost, context)
}

/// Renders `vhost.d/{uri}` of a disabled site: every name it answers to redirects
/// (302) to `redirect_url` (Aegir's `web_disable_url`, with the uri appended).
pub fn render_disabled_site(
    server: &HttpServer,
    site: &SiteVhost,
    redirect_url: &str,
) -> Result<String> {
    validate_server(server)?;
    validate_site(site)?;
    crate::service::validate::url(redirect_url)?;
    let (mut names, redirected) = site_names(site);
    names.extend(redirected);
    let mut context = server_context(server);
    context.insert("uri", Value::from(site.uri.as_str()));
    context.insert("names", Value::from(names));
    context.insert("redirect_url", Value::from(redirect_url));
    context.insert("listeners", listeners(server));
    render(&templates(server.app).vhost_disabled, context)
}

#[cfg(test)]
mod tests {
    use super::super::{DbEnv, SslServer};
    use super::*;
    use std::path::PathBuf;

    fn server(app: HttpApp) -> HttpServer {
        HttpServer {
            app,
            config_path: PathBuf::from("/var/aegir/config/server_master"),
            http_port: 80,
            php_fpm: FpmEndpoint::Socket(PathBuf::from("/run/php/php8.2-fpm.sock")),
            ssl: None,
            restart_cmd: String::new(),
        }
    }

    fn site() -> SiteVhost {
        SiteVhost {
            uri: "example.com".into(),
            root: PathBuf::from("/var/aegir/platforms/d7"),
            site_path: PathBuf::from("/var/aegir/platforms/d7/sites/example.com"),
            aliases: vec!["www.example.com".into()],
            redirection: None,
            db: DbEnv {
                db_type: "mysql".into(),
                db_host: "localhost".into(),
                db_port: "3306".into(),
                db_user: "examplecom".into(),
                db_passwd: "p@ss w/rd".into(),
                db_name: "examplecom".into(),
            },
        }
    }

    #[test]
    fn urlencode_matches_php() {
        assert_eq!(
            php_urlencode("a b+c/d@e~f.g-h_i"),
            "a+b%2Bc%2Fd%40e%7Ef.g-h_i"
        );
    }

    #[test]
    fn nginx_site_passes_credentials_and_names() {
        let text = render_site(&server(HttpApp::Nginx), &site()).unwrap();
        assert!(
            text.contains("server_name example.com www.example.com;"),
            "{text}"
        );
        assert!(text.contains("fastcgi_param db_passwd p%40ss+w%2Frd;"));
        assert!(text.contains("nginx_vhost_common.conf;"));
        assert!(!text.contains("return 301"));
    }

    #[test]
    fn redirection_splits_names() {
        let mut s = site();
        s.redirection = Some("www.example.com".into());
        let text = render_site(&server(HttpApp::Apache), &s).unwrap();
        assert!(text.contains("ServerName www.example.com"), "{text}");
        assert!(text.contains("Redirect permanent / http://www.example.com/"));
        assert!(text.contains("SetEnv db_name examplecom"));
        s.redirection = Some("elsewhere.org".into());
        assert!(render_site(&server(HttpApp::Apache), &s).is_err());
    }

    #[test]
    fn ssl_adds_a_listener_with_the_default_cert() {
        let mut srv = server(HttpApp::Nginx);
        srv.ssl = Some(SslServer { port: 443 });
        let text = render_site(&srv, &site()).unwrap();
        assert!(text.contains("listen *:443 ssl;"));
        assert!(text.contains("ssl.d/default/openssl.key;"));
        assert!(render_server(&srv).unwrap().contains("ssl_protocols"));
    }

    #[test]
    fn default_servers_come_before_every_site() {
        for app in [HttpApp::Nginx, HttpApp::Apache] {
            let mut srv = server(app);
            srv.ssl = Some(SslServer { port: 443 });
            let text = render_server(&srv).unwrap();
            let first_include = text.find("/pre.d/*").unwrap();
            for port in ["80", "443"] {
                let default = match app {
                    HttpApp::Nginx => format!("listen *:{port}"),
                    HttpApp::Apache => format!("<VirtualHost *:{port}>"),
                };
                let at = text
                    .find(&default)
                    .unwrap_or_else(|| panic!("{default}: {text}"));
                assert!(at < first_include, "{default} before the sites: {text}");
            }
            assert!(
                !text.contains(" default_server;"),
                "no clash with another default"
            );
        }
    }

    #[test]
    fn nginx_vhosts_include_the_common_rules() {
        let srv = server(HttpApp::Nginx);
        let text = render_site(&srv, &site()).unwrap();
        assert!(
            text.contains("include /var/aegir/config/server_master/nginx/nginx_vhost_common.conf;")
        );
        let common = render_vhost_common(&srv).unwrap().unwrap();
        assert!(common.contains("fastcgi_pass unix:/run/php/php8.2-fpm.sock;"));
        // The credentials reach PHP only if no location sets a parameter of its own.
        assert!(!common.contains("fastcgi_param"), "{common}");
        assert!(render_vhost_common(&server(HttpApp::Apache))
            .unwrap()
            .is_none());
    }

    #[test]
    fn bad_names_are_refused() {
        let srv = server(HttpApp::Nginx);
        for bad in ["../x", "a b", "a;b", "a'b"] {
            let mut s = site();
            s.uri = bad.into();
            assert!(render_site(&srv, &s).is_err(), "{bad}");
            let mut s = site();
            s.aliases.push(bad.into());
            assert!(render_site(&srv, &s).is_err(), "{bad}");
            let p = PlatformVhost {
                name: bad.into(),
                root: "/r".into(),
            };
            assert!(render_platform(&srv, &p).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_input_renders_or_is_refused_without_panic(
            uri in "[a-z0-9._;' {}$/-]{0,20}|.{0,40}",
            alias in "[a-z0-9._;' {}$/-]{0,20}|.{0,40}",
            passwd in ".{0,40}",
        ) {
            let mut s = site();
            s.uri = uri.clone();
            s.aliases = vec![alias];
            s.db.db_passwd = passwd;
            for app in [HttpApp::Nginx, HttpApp::Apache] {
                if let Ok(text) = render_site(&server(app), &s) {
                    // Whatever was accepted stays inside its directive.
                    let plain = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c);
                    proptest::prop_assert!(uri.chars().all(plain));
                    let base = render_site(&server(app), &site()).unwrap();
                    proptest::prop_assert_eq!(text.lines().count(), base.lines().count());
                }
            }
        }
    }
}
