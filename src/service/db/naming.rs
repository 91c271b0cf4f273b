//! Aegir's naming of a site's database and credentials.

use super::SiteDb;
use crate::fsutil;
use crate::service::error::{Result, ServiceError};

/// The characters Aegir draws database passwords from (no `l`, `o`, `I`, `O`, `0`, `1`).
pub const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Aegir's database password length.
pub const PASSWORD_LENGTH: usize = 10;
/// Aegir's database name length limit.
pub const DB_NAME_LENGTH: usize = 16;

/// The first-choice database name for `uri`: a leading `www.` removed, `.` and `-`
/// removed, cut to 16 characters (by character, so never mid-character).
pub fn base_db_name(uri: &str) -> String {
    let host = uri.strip_prefix("www.").unwrap_or(uri);
    host.chars()
        .filter(|c| *c != '.' && *c != '-')
        .take(DB_NAME_LENGTH)
        .collect()
}

/// The `i`-th alternative after a collision: the first `15 - len(i)` characters of the
/// base name, `_`, `i`.
pub fn alternative_db_name(base: &str, i: u32) -> String {
    let suffix = i.to_string();
    let keep = (DB_NAME_LENGTH - 1).saturating_sub(suffix.len());
    let prefix: String = base.chars().take(keep).collect();
    format!("{prefix}_{suffix}")
}

/// Aegir's database name for `uri`: the base name if `exists` says it is free, else the
/// first free of `_0` … `_99`.
pub fn suggest_db_name(uri: &str, mut exists: impl FnMut(&str) -> Result<bool>) -> Result<String> {
    let base = base_db_name(uri);
    if !exists(&base)? {
        return Ok(base);
    }
    for i in 0..100 {
        let option = alternative_db_name(&base, i);
        if !exists(&option)? {
            return Ok(option);
        }
    }
    Err(ServiceError::NoFreeDbName(uri.to_string()))
}

/// A password of Aegir's length and alphabet, from the kernel CSPRNG by rejection
/// sampling (no modulo bias).
pub fn generate_password() -> Result<String> {
    let n = PASSWORD_ALPHABET.len();
    // The largest multiple of n that fits a byte; bytes at or above it are drawn again.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(PASSWORD_LENGTH);
    let mut buf = [0u8; 32];
    while out.len() < PASSWORD_LENGTH {
        fsutil::random_bytes(&mut buf)?;
        for &b in buf.iter().filter(|&&b| usize::from(b) < limit) {
            if out.len() < PASSWORD_LENGTH {
                out.push(char::from(PASSWORD_ALPHABET[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

/// New credentials for `uri`: the suggested name, `user == name`, a fresh password.
pub fn new_site_db(uri: &str, exists: impl FnMut(&str) -> Result<bool>) -> Result<SiteDb> {
    let name = suggest_db_name(uri, exists)?;
    Ok(SiteDb {
        user: name.clone(),
        name,
        password: generate_password()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aegir() {
        assert_eq!(base_db_name("www.example.com"), "examplecom");
        assert_eq!(base_db_name("my-site.example.org"), "mysiteexampleorg");
        assert_eq!(
            base_db_name("a-very-long-site-name.example.com"),
            "averylongsitenam"
        );
        assert_eq!(base_db_name("wwwexample.com"), "wwwexamplecom");
        assert_eq!(
            alternative_db_name("averylongsitenam", 0),
            "averylongsiten_0"
        );
        assert_eq!(
            alternative_db_name("averylongsitenam", 42),
            "averylongsite_42"
        );
        assert_eq!(alternative_db_name("short", 3), "short_3");
    }

    #[test]
    fn collisions_take_the_next_free_suffix() {
        let taken = ["examplecom", "examplecom_0", "examplecom_1"];
        let name = suggest_db_name("example.com", |n| Ok(taken.contains(&n))).unwrap();
        assert_eq!(name, "examplecom_2");
        assert!(suggest_db_name("example.com", |_| Ok(true)).is_err());
    }

    #[test]
    fn passwords_use_the_alphabet() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), PASSWORD_LENGTH);
        assert!(a.bytes().all(|c| PASSWORD_ALPHABET.contains(&c)));
        assert_ne!(a, b);
        let site = new_site_db("www.example.com", |_| Ok(false)).unwrap();
        assert_eq!(site.user, site.name);
        assert!(!format!("{site:?}").contains(&site.password));
    }

    proptest::proptest! {
        #[test]
        fn names_never_exceed_16_chars(uri in ".{0,60}", i in 0u32..100) {
            let base = base_db_name(&uri);
            proptest::prop_assert!(base.chars().count() <= DB_NAME_LENGTH);
            proptest::prop_assert!(!base.contains(['.', '-']));
            proptest::prop_assert!(alternative_db_name(&base, i).chars().count() <= DB_NAME_LENGTH);
        }
    }
}
