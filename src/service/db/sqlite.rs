//! The SQLite db service: no server; the site's database is one file in the site's
//! private directory, `{site_path}/private/db/{db_name}.sqlite`, out of the web root's
//! reach (the vhosts deny `private/`). The directories get Aegir's private-dir mode
//! (02770) and the file 0660, both with the web server's group, so php-fpm can write it.
//!
//! Statements on an existing database run through the `sqlite3` command-line client (Debian
//! package `sqlite3`), as the mysql service uses `mysql`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fsutil;
use crate::service::error::{Result, ServiceError};
use crate::service::{exec, validate};

/// Mode of `private/` and `private/db/`.
const DIR_MODE: u32 = 0o2770;
/// Mode of the database file.
const FILE_MODE: u32 = 0o660;
/// Files SQLite may keep beside the database.
const SIDE_FILES: [&str; 3] = ["-journal", "-wal", "-shm"];

/// `{site_path}/private/db/{db_name}.sqlite`.
pub fn db_path(site_path: &Path, db_name: &str) -> PathBuf {
    site_path
        .join("private")
        .join("db")
        .join(format!("{db_name}.sqlite"))
}

/// Creates the database's directories and an empty database file (which must not exist),
/// owned by `web_group` when given, and returns its path.
pub fn create(site_path: &Path, db_name: &str, web_group: Option<&str>) -> Result<PathBuf> {
    validate::path(site_path)?;
    validate::name(db_name)?;
    let gid = web_group.map(group_id).transpose()?;
    let path = db_path(site_path, db_name);
    let private = site_path.join("private");
    for dir in [private.clone(), private.join("db")] {
        fsutil::mkdir_mode(&dir, DIR_MODE)?;
        chgrp(&dir, gid)?;
    }
    fsutil::write_new(&path, b"", FILE_MODE)?;
    chgrp(&path, gid)?;
    Ok(path)
}

/// Removes the database file and SQLite's side files; missing files are not an error.
pub fn drop(site_path: &Path, db_name: &str) -> Result<()> {
    validate::name(db_name)?;
    let path = db_path(site_path, db_name);
    fsutil::remove_file_if_exists(&path)?;
    for side in SIDE_FILES {
        let mut name = path.clone().into_os_string();
        name.push(side);
        fsutil::remove_file_if_exists(Path::new(&name))?;
    }
    Ok(())
}

/// `'text'` with `'` doubled: an SQLite string literal (SQLite has no backslash escapes).
pub fn quote_str(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Runs `sql` (statements, `;`-terminated) on the existing database file at `path` with the
/// `sqlite3` client and returns the rows, one per line, columns tab-separated. The client
/// reads no `~/.sqliterc`, stops at the first error (so an open transaction is rolled back)
/// and waits up to 5 s for another connection's lock. `path` must be a valid absolute path,
/// so the client never reads it as an option or a URI.
pub fn query(path: &Path, sql: &str) -> Result<String> {
    validate::path(path)?;
    if !path.is_file() {
        return Err(ServiceError::io(
            "open database",
            path,
            std::io::ErrorKind::NotFound.into(),
        ));
    }
    let mut cmd = Command::new("sqlite3");
    cmd.args([
        "-init",
        "/dev/null",
        "-batch",
        "-bail",
        "-noheader",
        "-list",
    ])
    .args(["-separator", "\t"])
    .arg(path);
    let script = format!(".timeout 5000\n{sql}\n");
    exec::run(&mut cmd, Some(script.as_bytes()), &[])
}

fn chgrp(path: &Path, gid: Option<u32>) -> Result<()> {
    match gid {
        None => Ok(()),
        Some(gid) => std::os::unix::fs::chown(path, None, Some(gid))
            .map_err(|e| ServiceError::io("chgrp", path, e)),
    }
}

/// Looks a group name up in `/etc/group`.
pub fn group_id(group: &str) -> Result<u32> {
    let file = "/etc/group";
    let text = fs::read_to_string(file).map_err(|e| ServiceError::io("read", file, e))?;
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let gid = fields.nth(1)?.parse().ok()?;
            (name == group).then_some(gid)
        })
        .next()
        .ok_or_else(|| ServiceError::Invalid {
            what: "group",
            value: group.to_string(),
            why: "no such group in /etc/group",
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_and_drops_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("sites").join("example.com");
        let path = create(&site, "examplecom", None).unwrap();
        assert!(path.ends_with("private/db/examplecom.sqlite"));
        assert_eq!(mode(&path), 0o660);
        assert_eq!(mode(&site.join("private/db")), 0o2770);
        assert!(
            create(&site, "examplecom", None).is_err(),
            "never reuses a file"
        );
        drop(&site, "examplecom").unwrap();
        assert!(!path.exists());
        assert!(create(&site, "../x", None).is_err());
        assert!(create(&site, "x", Some("no-such-group-here")).is_err());
    }

    #[test]
    fn queries_an_existing_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        let path = create(&site, "q", None).unwrap();
        let sql = "CREATE TABLE `t` (`a` TEXT, `b` INTEGER);\n\
                   INSERT INTO `t` VALUES ('it''s', 1);\n\
                   SELECT `a`, `b` FROM `t`;";
        assert_eq!(query(&path, sql).unwrap(), "it's\t1\n");
        assert_eq!(quote_str("it's"), "'it''s'");
        let err = query(&path, "SELECT 1; SELECT * FROM `missing`; SELECT 2;").unwrap_err();
        assert!(err.to_string().contains("no such table"), "{err}");
        assert!(query(&site.join("private/db/none.sqlite"), "SELECT 1;").is_err());
        assert!(query(Path::new("relative.sqlite"), "SELECT 1;").is_err());
    }

    #[test]
    fn looks_groups_up() {
        assert_eq!(group_id("root").unwrap(), 0);
    }
}
