//! Refuses unsafe input before anything is rendered into a config or passed to a program.
//!
//! Accepted values never contain whitespace, quotes, `;`, `$`, braces, `#`, `\` or other
//! characters with meaning to nginx, Apache or a shell, so they can be placed in configs
//! verbatim.

use std::path::Path;

use super::error::{Result, ServiceError};

fn invalid(what: &'static str, value: &str, why: &'static str) -> ServiceError {
    ServiceError::Invalid {
        what,
        value: value.to_string(),
        why,
    }
}

/// A site uri or alias: a host name of ASCII letters, digits, `.`, `-` and `_`, starting
/// with a letter or digit, without `..`, at most 253 characters.
pub fn uri(value: &str) -> Result<()> {
    host_like("uri", value)
}

/// A host name (db host, fpm host, grant host name part) with the same rules as [`uri`].
pub fn host(value: &str) -> Result<()> {
    host_like("host", value)
}

fn host_like(what: &'static str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 253 {
        return Err(invalid(what, value, "must be 1 to 253 characters"));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    {
        return Err(invalid(
            what,
            value,
            "only letters, digits, '.', '-' and '_' are allowed",
        ));
    }
    if !value.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(invalid(what, value, "must start with a letter or digit"));
    }
    if value.contains("..") {
        return Err(invalid(what, value, "must not contain '..'"));
    }
    Ok(())
}

/// A context name used in a file name (platform): letters, digits, `.`, `-`, `_`, starting
/// with a letter or digit, without `..`, at most 200 characters.
pub fn name(value: &str) -> Result<()> {
    if value.len() > 200 {
        return Err(invalid("name", value, "must be at most 200 characters"));
    }
    host_like("name", value)
}

/// An absolute path whose components are plain names: letters, digits and `._+@-`,
/// no `.` or `..` component.
pub fn path(value: &Path) -> Result<()> {
    let shown = value.to_string_lossy();
    let Some(text) = value.to_str() else {
        return Err(invalid("path", &shown, "must be UTF-8"));
    };
    if !text.starts_with('/') {
        return Err(invalid("path", &shown, "must be absolute"));
    }
    let safe =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'@' | b'-' | b'/');
    if !text.bytes().all(safe) {
        return Err(invalid(
            "path",
            &shown,
            "only letters, digits, '/', '.', '_', '+', '@' and '-' are allowed",
        ));
    }
    if text.split('/').any(|c| c == "." || c == "..") {
        return Err(invalid(
            "path",
            &shown,
            "must not contain '.' or '..' components",
        ));
    }
    Ok(())
}

/// A server's `remote_host` before it reaches ssh or rsync: a host name or an address
/// (IPv6 in brackets allowed), never starting with `-`, which ssh would read as an option.
pub fn remote_host(value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 253 || value.starts_with('-') {
        return Err(invalid(
            "remote_host",
            value,
            "must be a host name or an IP address",
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-:[]".contains(&b))
    {
        return Err(invalid(
            "remote_host",
            value,
            "must be a host name or an IP address",
        ));
    }
    Ok(())
}

/// A login name (`script_user`): letters, digits, `.`, `_`, `-`, never starting with `-`.
pub fn user(value: &str) -> Result<()> {
    if value.is_empty() || value.len() > 32 || value.starts_with('-') {
        return Err(invalid(
            "user",
            value,
            "must be a login name of 1 to 32 characters",
        ));
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(invalid(
            "user",
            value,
            "only letters, digits, '.', '_' and '-' are allowed",
        ));
    }
    Ok(())
}

/// A URL placed in a config as a redirect target: `http://` or `https://`, then a host
/// as [`host`] allows (with an optional `:PORT`), then a path of letters, digits and
/// `/._~-` (no query, no fragment).
pub fn url(value: &str) -> Result<()> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))
        .ok_or_else(|| invalid("url", value, "must start with http:// or https://"))?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    host_like("url", host)?;
    let safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'~' | b'-');
    if !path.bytes().all(safe) || path.contains("..") {
        return Err(invalid(
            "url",
            value,
            "its path may hold only letters, digits and '/', '.', '_', '~', '-'",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        for ok in ["example.com", "www.a-b.example_1.org", "a", "127.0.0.1"] {
            assert!(uri(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "../etc", "a..b", "a b", "a'b", "a\"b", "a/b", "a;b", "a$b", "-a", ".a", "a`b",
            "a{b", "é.com", "a\nb",
        ] {
            assert!(uri(bad).is_err(), "{bad:?}");
        }
        assert!(uri(&"a".repeat(254)).is_err());
    }

    #[test]
    fn urls() {
        for ok in [
            "http://aegir.example.com/hosting/disabled/a.example.com",
            "https://h:8080/x",
        ] {
            assert!(url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "ftp://h/",
            "http://h/a b",
            "http://h/a;b",
            "http:///x",
            "http://h/$x",
            "http://h/../x",
            "http://h/a?b",
        ] {
            assert!(url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paths() {
        assert!(path(Path::new("/var/aegir/platforms/drupal-7.101")).is_ok());
        for bad in [
            "relative", "/a/../b", "/a/./b", "/a b", "/a'b", "/a;b", "/a$b", "/a{b}",
        ] {
            assert!(path(Path::new(bad)).is_err(), "{bad}");
        }
    }
}
