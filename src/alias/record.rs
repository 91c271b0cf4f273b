//! Operations on one alias record, as Drush 8 applies them: merging, `site-list`
//! normalisation, static defaults (root canonicalisation, `%root`, `databases`
//! from `db-url`), wildcard `${env-name}` substitution and the clean-up `sa`
//! does before printing.

use crate::php::{Key, PhpArray, Value};
use std::cmp::Ordering;

/// A record key given as text.
pub fn key(s: &str) -> Key {
    Key::from(s)
}

/// `isset($record[$k])`: present and not null.
pub fn isset(record: &PhpArray, k: &str) -> bool {
    !matches!(record.get_str(k), None | Some(Value::Null))
}

/// A string-valued entry as text (ints are cast like PHP's string conversion).
pub fn str_of(record: &PhpArray, k: &str) -> Option<String> {
    match record.get_str(k)? {
        Value::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        _ => None,
    }
}

/// A value used as a record: arrays as they are, `null` as an empty array
/// (PHP auto-vivifies it); other scalars also give an empty array, where
/// PHP would stop with a fatal error.
pub fn as_record(v: &Value) -> PhpArray {
    v.as_array().cloned().unwrap_or_default()
}

/// Drush's `_sitealias_array_merge`: `b` wins per top-level key, and where both
/// values are arrays they are combined with `array_merge`.
pub fn sitealias_array_merge(a: &PhpArray, b: &PhpArray) -> PhpArray {
    let mut out = a.clone();
    for (k, v) in take_entries(b.clone()) {
        merge_entry(&mut out, k, v);
    }
    out
}

/// One key of [`sitealias_array_merge`], in place: `v` over `a[k]`.
pub fn merge_entry(a: &mut PhpArray, k: Key, v: Value) {
    match (a.get_mut(&k), v) {
        (Some(Value::Array(old)), Value::Array(new)) => *old = old.merge(&new),
        (_, v) => a.insert(k, v),
    }
}

/// The entries of `a`, moved out in order.
pub fn take_entries(mut a: PhpArray) -> Vec<(Key, Value)> {
    let keys: Vec<Key> = a.keys().cloned().collect();
    let values = a.values_mut().map(|v| std::mem::replace(v, Value::Null));
    keys.into_iter().zip(values.collect::<Vec<_>>()).collect()
}

/// PHP's `array_merge($a, $b)` on owned arrays, moving `b`'s values instead of
/// copying them (integer keys renumbered as PHP does).
pub fn array_merge_owned(a: PhpArray, b: PhpArray) -> PhpArray {
    let has_int_keys = |x: &PhpArray| x.keys().any(|k| matches!(k, Key::Int(_)));
    if a.is_empty() && !has_int_keys(&b) {
        return b; // array_merge(array(), $b) is $b when nothing needs renumbering
    }
    if has_int_keys(&a) {
        return a.merge(&b);
    }
    let mut out = a;
    for (k, v) in take_entries(b) {
        match k {
            // A list built by renumbering never overflows.
            Key::Int(_) => {
                let _ = out.push(v);
            }
            k => out.insert(k, v),
        }
    }
    out
}

/// A value as a record, moved: arrays as they are, anything else empty (see [`as_record`]).
pub fn into_record(v: Value) -> PhpArray {
    match v {
        Value::Array(a) => a,
        _ => PhpArray::new(),
    }
}

/// PHP's `explode(',', $s)` into a list of string values.
pub fn explode_comma(s: &[u8]) -> PhpArray {
    let mut out = PhpArray::new();
    for part in s.split(|c| *c == b',') {
        // A fresh list never overflows.
        let _ = out.push(Value::str(part));
    }
    out
}

/// `_drush_sitealias_initialize_alias_record`: a `site-list` string becomes a list.
/// (`from-list` and `site-search-path`, which need Drupal sites on disk, are not
/// evaluated.)
pub fn initialize(record: &mut PhpArray) {
    if let Some(Value::Str(s)) = record.get_str("site-list") {
        let list = explode_comma(s);
        record.set("site-list", Value::Array(list));
    }
}

/// `_drush_sitealias_add_static_defaults`: `databases` from `db-url`, `root`
/// canonicalised, and for records with a `uri` a `path-aliases` array holding
/// `%root`.
pub fn add_static_defaults(record: &mut PhpArray, home: Option<&str>) {
    if isset(record, "db-url") && !isset(record, "databases") {
        if let Some(db_url) = record.get_str("db-url").cloned() {
            record.set("databases", Value::Array(convert_db_from_db_url(&db_url)));
        }
    }
    if let Some(Value::Str(root)) = record.get_str("root") {
        if Value::Str(root.clone()).is_truthy() {
            let canonical = canonicalize(&String::from_utf8_lossy(root), home);
            record.set("root", Value::str(canonical));
        }
    }
    if record.contains_key(&key("uri")) {
        if !record.contains_key(&key("path-aliases")) {
            record.set("path-aliases", Value::Array(PhpArray::new()));
        }
        if isset(record, "root") {
            let root = record.get_str("root").cloned().unwrap_or(Value::Null);
            if let Some(Value::Array(paths)) = record.get_mut(&key("path-aliases")) {
                paths.set("%root", root);
            }
        }
    }
}

/// webmozart/path-util 2.3's `Path::canonicalize()`, which Drush 8 applies to
/// `root`: `~` expands to the home directory, `\` becomes `/`, `.` and empty
/// segments go, `..` collapses where it can, and no trailing slash remains.
pub fn canonicalize(path: &str, home: Option<&str>) -> String {
    if path.is_empty() {
        return String::new();
    }
    let expanded;
    let path = match (path.strip_prefix('~'), home) {
        (Some(rest), Some(home)) => {
            expanded = format!("{}{rest}", canonicalize(home, None));
            expanded.as_str()
        }
        _ => path,
    };
    let path = path.replace('\\', "/");
    let (root, rest) = split_root(&path);
    let mut parts: Vec<&str> = Vec::new();
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if !root.is_empty() => {}
            _ => parts.push(part),
        }
    }
    format!("{root}{}", parts.join("/"))
}

/// Splits a path into its root (`scheme://`, `/`, `C:/`) and the rest.
fn split_root(path: &str) -> (String, &str) {
    let (mut root, path) = match path.find("://") {
        Some(pos) => (path[..pos + 3].to_string(), &path[pos + 3..]),
        None => (String::new(), path),
    };
    let b = path.as_bytes();
    if b.first() == Some(&b'/') {
        root.push('/');
        return (root, &path[1..]);
    }
    if b.len() > 1 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        if b.len() == 2 {
            root.push_str(path);
            root.push('/');
            return (root, "");
        }
        if b[2] == b'/' {
            root.push_str(&path[..3]);
            return (root, &path[3..]);
        }
    }
    (root, path)
}

/// `drush_sitealias_convert_db_from_db_url`: one `databases` entry per URL.
pub fn convert_db_from_db_url(db_url: &Value) -> PhpArray {
    let mut out = PhpArray::new();
    match db_url {
        Value::Array(urls) => {
            for (name, url) in urls.iter() {
                out.insert(name.clone(), default_target(url));
            }
        }
        url => out.set("default", default_target(url)),
    }
    out
}

/// `['default' => drush_convert_db_from_db_url($url)]`.
fn default_target(url: &Value) -> Value {
    let mut t = PhpArray::new();
    t.set("default", Value::Array(db_spec_from_url(url)));
    Value::Array(t)
}

/// `drush_convert_db_from_db_url` (Drush 8.4): a D6 `db-url` as a D7 connection
/// array: `sqlite://PATH` gives `driver` and `database`; otherwise every URL part
/// URL-decoded, missing parts `''` (`mysqli` stays `mysqli`: Drush only maps it
/// when PHP's long-gone `mysql` extension is loaded).
fn db_spec_from_url(url: &Value) -> PhpArray {
    let text = match url {
        Value::Array(a) => a
            .get_str("default")
            .and_then(Value::as_bytes)
            .unwrap_or_default(),
        v => v.as_bytes().unwrap_or_default(),
    };
    let text = String::from_utf8_lossy(text);
    let mut spec = PhpArray::new();
    if let Some(path) = text.strip_prefix("sqlite://") {
        spec.set("driver", "sqlite");
        spec.set("database", path);
        return spec;
    }
    let u = UrlParts::parse(&text);
    let dec = |s: &Option<String>| Value::str(url_decode(s.as_deref().unwrap_or("")));
    spec.set("driver", dec(&u.scheme));
    spec.set("username", dec(&u.user));
    spec.set("password", dec(&u.pass));
    spec.set("host", dec(&u.host));
    spec.set("port", dec(&u.port));
    let path = url_decode(u.path.as_deref().unwrap_or(""));
    spec.set("database", Value::str(path.trim_start_matches('/')));
    spec
}

/// The parts of a `scheme://user:pass@host:port/path` URL, as `parse_url` gives them.
#[derive(Debug, Default)]
struct UrlParts {
    scheme: Option<String>,
    query: Option<String>,
    fragment: Option<String>,
    user: Option<String>,
    pass: Option<String>,
    host: Option<String>,
    port: Option<String>,
    path: Option<String>,
}

impl UrlParts {
    fn parse(url: &str) -> UrlParts {
        let mut u = UrlParts::default();
        let url = match url.split_once('#') {
            Some((rest, fragment)) => {
                u.fragment = Some(fragment.to_string());
                rest
            }
            None => url,
        };
        let url = match url.split_once('?') {
            Some((rest, query)) => {
                u.query = Some(query.to_string());
                rest
            }
            None => url,
        };
        let rest = match url.split_once("://") {
            Some((scheme, rest)) => {
                u.scheme = Some(scheme.to_string());
                rest
            }
            None => {
                u.path = Some(url.to_string());
                return u;
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        u.path = path.map(str::to_string);
        let host_port = match authority.rsplit_once('@') {
            Some((userinfo, hp)) => {
                let (user, pass) = match userinfo.split_once(':') {
                    Some((a, b)) => (a, Some(b.to_string())),
                    None => (userinfo, None),
                };
                u.user = Some(user.to_string());
                u.pass = pass;
                hp
            }
            None => authority,
        };
        match host_port.rsplit_once(':') {
            Some((h, p)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => {
                u.host = Some(h.to_string());
                u.port = Some(p.trim_start_matches('0').to_string()).map(|p| {
                    if p.is_empty() {
                        "0".to_string()
                    } else {
                        p
                    }
                });
            }
            _ if !host_port.is_empty() => u.host = Some(host_port.to_string()),
            _ => {}
        }
        u
    }
}

/// A record from a site specification (`user@host/path#uri`, `/path#uri`,
/// `host/path?db-url=…#uri`), as `_drush_sitealias_get_record` builds it; empty
/// when `spec` has fewer than two of `@`, `/`, `#`. (`/path/@sites` and other
/// relative aliases inside a path are not resolved.)
pub fn site_spec_record(spec: &str) -> PhpArray {
    let marks = [
        spec.contains('@'),
        spec.contains('/') || spec.contains('\\'),
        spec.contains('#'),
    ];
    let mut record = PhpArray::new();
    if marks.iter().filter(|m| **m).count() < 2 {
        return record;
    }
    let url = if spec.starts_with("http://") || spec.starts_with('/') {
        spec.to_string()
    } else {
        format!("http://{spec}")
    };
    let u = UrlParts::parse(&url);
    let parts = [
        (&u.user, "remote-user"),
        (&u.pass, "remote-pass"),
        (&u.host, "remote-host"),
        (&u.fragment, "uri"),
        (&u.path, "root"),
    ];
    for (value, k) in parts {
        if let Some(v) = value {
            set_record_element(&mut record, k, v);
        }
    }
    for arg in u
        .query
        .as_deref()
        .map(|q| q.split('&'))
        .into_iter()
        .flatten()
    {
        let (k, v) = arg.split_once('=').unwrap_or((arg, ""));
        set_record_element(
            &mut record,
            &url_decode(k),
            &url_decode(v.split('=').next().unwrap_or("")),
        );
    }
    if let (Some(host), None) = (&u.host, &u.fragment) {
        record.set("uri", host.as_str());
    }
    if str_of(&record, "root").is_some_and(|r| r.contains("/@")) {
        return PhpArray::new();
    }
    record
}

/// `_drush_sitealias_set_record_element`: `%`/`!` keys go into `path-aliases`.
fn set_record_element(record: &mut PhpArray, k: &str, v: &str) {
    if k.starts_with('%') || k.starts_with('!') {
        let mut paths = record
            .get_str("path-aliases")
            .map(as_record)
            .unwrap_or_default();
        paths.set(k, v);
        record.set("path-aliases", Value::Array(paths));
    } else if !k.is_empty() && k != "0" {
        record.set(k, v);
    }
}

/// PHP's `urldecode()`: `+` is a space and `%XX` a byte.
fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `drush_sitealias_uri_to_site_dir`: `http://` and `https://` dropped, `/` `:`
/// `\` become `.`. (A `sites/sites.php` mapping is not consulted.)
pub fn uri_to_site_dir(uri: &str) -> String {
    uri.replace("http://", "")
        .replace("https://", "")
        .chars()
        .map(|c| {
            if matches!(c, '/' | ':' | '\\') {
                '.'
            } else {
                c
            }
        })
        .collect()
}

/// `_drush_sitealias_wildcard_check`: when `name` (`site.env`) is not defined but
/// `site.*` is, defines it from the wildcard record with `${env-name}` replaced.
pub fn wildcard_check(name: &str, aliases: &mut PhpArray) {
    if name.is_empty() || aliases.contains_key(&key(name)) {
        return;
    }
    let Some(dot) = name.rfind('.') else {
        return;
    };
    let env = &name[dot + 1..];
    let wildcard = format!("{}.*", &name[..dot]);
    if env.is_empty() {
        return;
    }
    let Some(template) = aliases.get_str(&wildcard) else {
        return;
    };
    let mut record = as_record(&replace_wildcard_values(template, env));
    record.set("#name", name);
    aliases.set(name, Value::Array(record));
}

/// Replaces `${env-name}` with `env` in every string of `v`, at any depth.
pub fn replace_wildcard_values(v: &Value, env: &str) -> Value {
    match v {
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|(k, v)| (k.clone(), replace_wildcard_values(v, env)))
                .collect(),
        ),
        Value::Str(s) => Value::Str(replace_bytes(s, b"${env-name}", env.as_bytes())),
        other => other.clone(),
    }
}

/// `str_replace` on bytes.
pub fn replace_bytes(s: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// What `sa` keeps in the records it prints.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrintOptions {
    /// `--with-db`: keep `databases`.
    pub with_db: bool,
    /// `--show-hidden`: keep `#` keys.
    pub show_hidden: bool,
}

/// `_drush_sitealias_prepare_record`: the record as `sa` prints it.
pub fn prepare_for_print(mut record: PhpArray, opts: PrintOptions, home: Option<&str>) -> PhpArray {
    add_static_defaults(&mut record, home);
    record.remove(&key("db-url"));
    if !opts.with_db {
        record.remove(&key("databases"));
    }
    if !opts.show_hidden {
        let hidden: Vec<Key> = record
            .keys()
            .filter(|k| matches!(k, Key::Str(s) if s.first() == Some(&b'#')))
            .cloned()
            .collect();
        for k in hidden {
            record.remove(&k);
        }
    }
    let mut drop_paths = false;
    if let Some(Value::Array(paths)) = record.get_mut(&key("path-aliases")) {
        if paths.remove(&key("%root")).is_some() {
            drop_paths = paths.is_empty();
        }
    }
    if drop_paths {
        record.remove(&key("path-aliases"));
    }
    record
}

/// `drush_unset_recursive`: removes `k` from `data` and every array inside it.
pub fn unset_recursive(data: &mut PhpArray, k: &Key) {
    data.remove(k);
    for v in data.values_mut() {
        if let Value::Array(a) = v {
            if !a.is_empty() {
                unset_recursive(a, k);
            }
        }
    }
}

/// A copy of `a` sorted by key as PHP 8's `ksort()` orders it.
pub fn ksort(a: &PhpArray) -> PhpArray {
    let mut entries: Vec<(&Key, &Value)> = a.iter().collect();
    entries.sort_by(|(a, _), (b, _)| php_key_cmp(a, b));
    entries
        .into_iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// PHP 8's key comparison for `ksort()` with default flags.
pub fn php_key_cmp(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Int(x), Key::Int(y)) => x.cmp(y),
        (Key::Str(x), Key::Str(y)) => match (numeric(x), numeric(y)) {
            (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
            _ => x.cmp(y),
        },
        (Key::Int(i), Key::Str(s)) => int_str_cmp(*i, s),
        (Key::Str(s), Key::Int(i)) => int_str_cmp(*i, s).reverse(),
    }
}

/// PHP 8 compares an int with a numeric string as numbers, else as strings.
fn int_str_cmp(i: i64, s: &[u8]) -> Ordering {
    match numeric(s) {
        Some(f) => (i as f64).partial_cmp(&f).unwrap_or(Ordering::Equal),
        None => i.to_string().as_bytes().cmp(s),
    }
}

/// The value of a PHP numeric string (surrounding whitespace allowed).
fn numeric(s: &[u8]) -> Option<f64> {
    let t = std::str::from_utf8(s).ok()?;
    let t = t.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c'));
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let ok = body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'));
    if ok {
        t.parse::<f64>().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalize_like_path_util() {
        let c = |p: &str| canonicalize(p, Some("/home/u/"));
        assert_eq!(c("/var/www/../aegir/./x/"), "/var/aegir/x");
        assert_eq!(c("/../x"), "/x");
        assert_eq!(c("../a/../../b"), "../../b");
        assert_eq!(c("~/sites"), "/home/u/sites");
        assert_eq!(c("C:\\x\\..\\y"), "C:/y");
        assert_eq!(c("/"), "/");
        assert_eq!(c("file:///a/./b"), "file:///a/b");
    }

    #[test]
    fn wildcard_replaces_env_name_everywhere() {
        let mut rec = PhpArray::new();
        rec.set("uri", "${env-name}.example.com");
        let mut paths = PhpArray::new();
        paths.set("%files", "x/${env-name}");
        rec.set("path-aliases", Value::Array(paths));
        let mut aliases = PhpArray::new();
        aliases.set("site.*", Value::Array(rec));
        wildcard_check("site.live", &mut aliases);
        let live = aliases
            .get_str("site.live")
            .and_then(Value::as_array)
            .unwrap();
        assert_eq!(live.get_str("uri"), Some(&Value::str("live.example.com")));
        assert_eq!(live.get_str("#name"), Some(&Value::str("site.live")));
    }

    #[test]
    fn db_url_becomes_databases() {
        let dbs = convert_db_from_db_url(&Value::str("mysqli://u:p%40ss@db:3306/name"));
        let spec = dbs.get_str("default").and_then(Value::as_array).unwrap();
        let spec = spec.get_str("default").and_then(Value::as_array).unwrap();
        assert_eq!(spec.get_str("driver"), Some(&Value::str("mysqli")));
        assert_eq!(spec.get_str("password"), Some(&Value::str("p@ss")));
        assert_eq!(spec.get_str("port"), Some(&Value::str("3306")));
        assert_eq!(spec.get_str("database"), Some(&Value::str("name")));
    }
}
