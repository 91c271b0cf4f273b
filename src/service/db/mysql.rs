//! The MySQL db service, for MariaDB 10.11 and MySQL 8, through the `mysql` and
//! `mysqldump` client programs.
//!
//! Credentials never appear on a command line or in a log: each run gets a 0600
//! `--defaults-file` temp file, removed afterwards, and statements that carry passwords go
//! on standard input. Every identifier is backtick-quoted (backticks doubled) and every
//! string literal single-quoted (quotes doubled, backslashes escaped, with
//! `NO_BACKSLASH_ESCAPES` switched off for the session). In `GRANT`/`REVOKE` the database
//! name also has its `_` and `%` escaped, so a grant covers exactly one database, not a
//! pattern of them.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::SiteDb;
use crate::fsutil::SecretFile;
use crate::service::error::{Result, ServiceError};
use crate::service::exec;

/// The host every site's user is also granted on, besides the web servers.
pub const LOCAL_GRANT_HOST: &str = "127.0.0.1";

/// A database server and the admin account that manages it (Aegir's `master_db`).
#[derive(Clone, PartialEq, Eq)]
pub struct MysqlServer {
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Unix socket, used by the client when `host` is `localhost`.
    pub socket: Option<PathBuf>,
    /// Admin user.
    pub user: String,
    /// Admin password.
    pub password: String,
}

impl std::fmt::Debug for MysqlServer {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("socket", &self.socket)
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

/// `` `name` `` with backticks doubled.
pub fn quote_ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `'text'` with `\` and `'` escaped (valid with `NO_BACKSLASH_ESCAPES` off).
pub fn quote_str(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// A database name as a `GRANT` target: `_` and `%` escaped, then quoted, then `.*`.
pub fn grant_target(db_name: &str) -> String {
    let escaped = db_name.replace('_', "\\_").replace('%', "\\%");
    format!("{}.*", quote_ident(&escaped))
}

/// `'user'@'host'`.
pub fn account(user: &str, host: &str) -> String {
    format!("{}@{}", quote_str(user), quote_str(host))
}

fn refuse(what: &'static str, value: &str, why: &'static str) -> ServiceError {
    ServiceError::Invalid {
        what,
        value: value.to_string(),
        why,
    }
}

/// A database name the server can hold and the client programs take as an argument:
/// 1 to 64 characters, no NUL, `/`, `\`, `.` or newline, not starting with `-`.
pub fn validate_db_name(name: &str) -> Result<()> {
    if name.is_empty() || name.chars().count() > 64 {
        return Err(refuse("database name", name, "must be 1 to 64 characters"));
    }
    if name.starts_with('-') || name.contains(['\0', '/', '\\', '.', '\n', '\r']) {
        return Err(refuse(
            "database name",
            name,
            "must not start with '-' or contain NUL, '/', '\\', '.' or newlines",
        ));
    }
    Ok(())
}

/// A user or host name: 1 to 80 characters (user) / 255 (host), no NUL, `\` or newline.
fn validate_account_part(what: &'static str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() || value.chars().count() > max {
        return Err(refuse(what, value, "has a bad length"));
    }
    if value.contains(['\0', '\\', '\n', '\r']) {
        return Err(refuse(
            what,
            value,
            "must not contain NUL, '\\' or newlines",
        ));
    }
    Ok(())
}

/// A value for an option file: double-quoted, `\` and `"` escaped; no newline or NUL.
fn option_value(what: &'static str, value: &str) -> Result<String> {
    if value.contains(['\0', '\n', '\r']) {
        return Err(refuse(what, value, "must not contain NUL or newlines"));
    }
    Ok(format!(
        "\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// The lines of `SHOW GRANTS` that grant more than `USAGE`.
fn real_grants(grants: &[String]) -> impl Iterator<Item = &String> {
    grants
        .iter()
        .filter(|g| !g.starts_with("GRANT USAGE ON *.* TO "))
}

impl MysqlServer {
    /// The `[client]` option file for this server's admin account.
    fn defaults_file(&self) -> Result<SecretFile> {
        let mut text = String::from("[client]\n");
        text += &format!("user={}\n", option_value("user", &self.user)?);
        text += &format!("password={}\n", option_value("password", &self.password)?);
        text += &format!("host={}\n", option_value("host", &self.host)?);
        text += &format!("port={}\n", self.port);
        if let Some(socket) = &self.socket {
            text += &format!(
                "socket={}\n",
                option_value("socket", &socket.to_string_lossy())?
            );
        }
        SecretFile::create("provision-mysql-", text.as_bytes()).map_err(ServiceError::from)
    }

    /// A client command reading this server's defaults file.
    fn client(&self, program: &str, defaults: &SecretFile) -> Command {
        let mut cmd = Command::new(program);
        cmd.arg(format!("--defaults-file={}", defaults.path().display()));
        cmd
    }

    /// Runs `sql` (statements, `;`-terminated) on standard input and returns the rows, one
    /// per line, columns tab-separated, unescaped. `secrets` are masked in any error.
    pub fn query(&self, sql: &str, secrets: &[&str]) -> Result<String> {
        let defaults = self.defaults_file()?;
        let mut cmd = self.client("mysql", &defaults);
        cmd.args(["--batch", "--raw", "--skip-column-names"]);
        let script = format!(
            "SET SESSION sql_mode = REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', '');\n{sql}\n"
        );
        let mut masked = secrets.to_vec();
        masked.push(&self.password);
        exec::run(&mut cmd, Some(script.as_bytes()), &masked)
    }

    /// Whether a database of this name exists.
    pub fn database_exists(&self, name: &str) -> Result<bool> {
        validate_db_name(name)?;
        let sql = format!(
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = {};",
            quote_str(name)
        );
        Ok(self.query(&sql, &[])?.trim() != "0")
    }

    /// Whether the account `user@host` exists.
    pub fn user_exists(&self, user: &str, host: &str) -> Result<bool> {
        validate_account_part("user", user, 80)?;
        validate_account_part("host", host, 255)?;
        let sql = format!(
            "SELECT COUNT(*) FROM mysql.user WHERE User = {} AND Host = {};",
            quote_str(user),
            quote_str(host)
        );
        Ok(self.query(&sql, &[])?.trim() != "0")
    }

    /// The hosts `user` has an account on.
    pub fn user_hosts(&self, user: &str) -> Result<Vec<String>> {
        validate_account_part("user", user, 80)?;
        let sql = format!(
            "SELECT Host FROM mysql.user WHERE User = {} ORDER BY Host;",
            quote_str(user)
        );
        Ok(self.query(&sql, &[])?.lines().map(str::to_string).collect())
    }

    /// The lines of `SHOW GRANTS FOR user@host`.
    pub fn show_grants(&self, user: &str, host: &str) -> Result<Vec<String>> {
        validate_account_part("user", user, 80)?;
        validate_account_part("host", host, 255)?;
        let out = self.query(&format!("SHOW GRANTS FOR {};", account(user, host)), &[])?;
        Ok(out.lines().map(str::to_string).collect())
    }

    /// Creates the site's database, and its user with all privileges on that database for
    /// each of `web_hosts` plus 127.0.0.1. An existing account gets the new password. On
    /// failure, whatever was made is dropped again before the error is returned; an existing
    /// database is refused untouched.
    pub fn create_site_db(&self, db: &SiteDb, web_hosts: &[String]) -> Result<()> {
        let hosts = grant_hosts(web_hosts);
        validate_site_db(db, &hosts)?;
        validate_account_part("password", &db.password, 255)?;
        if self.database_exists(&db.name)? {
            return Err(refuse("database name", &db.name, "already exists"));
        }
        let mut sql = format!("CREATE DATABASE {};\n", quote_ident(&db.name));
        for host in &hosts {
            let who = account(&db.user, host);
            let pw = quote_str(&db.password);
            sql += &format!("CREATE USER IF NOT EXISTS {who} IDENTIFIED BY {pw};\n");
            sql += &format!("ALTER USER {who} IDENTIFIED BY {pw};\n");
            sql += &format!(
                "GRANT ALL PRIVILEGES ON {} TO {who};\n",
                grant_target(&db.name)
            );
        }
        self.query(&sql, &[&db.password])
            .map(drop)
            .inspect_err(|_| {
                // Undo what this call made; the database was checked to be new.
                let _ = self.drop_site_db(db, web_hosts);
            })
    }

    /// Drops the site's database, revokes the user's privileges on it for each of
    /// `web_hosts` plus 127.0.0.1, and drops each account once only `USAGE` remains.
    /// Missing pieces are skipped, so this is also the rollback of a partial create.
    pub fn drop_site_db(&self, db: &SiteDb, web_hosts: &[String]) -> Result<()> {
        let hosts = grant_hosts(web_hosts);
        validate_site_db(db, &hosts)?;
        self.query(
            &format!("DROP DATABASE IF EXISTS {};", quote_ident(&db.name)),
            &[],
        )?;
        for host in &hosts {
            if self.user_exists(&db.user, host)? {
                self.revoke_and_drop_user(db, host)?;
            }
        }
        Ok(())
    }

    /// Revokes the user's privileges on the site's database, in our escaped form and in
    /// the unescaped form older Aegir grants use, then drops the account if only `USAGE`
    /// remains.
    fn revoke_and_drop_user(&self, db: &SiteDb, host: &str) -> Result<()> {
        let who = account(&db.user, host);
        let mut targets = vec![
            grant_target(&db.name),
            format!("{}.*", quote_ident(&db.name)),
        ];
        targets.dedup();
        let grants = self.show_grants(&db.user, host)?;
        for target in targets {
            let on_db = format!(" ON {target} TO ");
            if grants.iter().any(|g| g.contains(&on_db)) {
                self.query(
                    &format!("REVOKE ALL PRIVILEGES ON {target} FROM {who};"),
                    &[],
                )?;
            }
        }
        if real_grants(&self.show_grants(&db.user, host)?)
            .next()
            .is_none()
        {
            self.query(&format!("DROP USER {who};"), &[])?;
        }
        Ok(())
    }

    /// Dumps a database to `out` (created 0600, must not exist; removed on failure) with
    /// `mysqldump --single-transaction --quick --no-autocommit`, with `DEFINER=` clauses
    /// removed (as Aegir does) so the dump loads on a server without that account.
    pub fn dump(&self, db_name: &str, out: &Path) -> Result<()> {
        validate_db_name(db_name)?;
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(out)
            .map_err(|e| ServiceError::io("create", out, e))?;
        let defaults = self.defaults_file()?;
        let mut cmd = self.client("mysqldump", &defaults);
        cmd.args(["--single-transaction", "--quick", "--no-autocommit"])
            .arg(db_name);
        let result = self.dump_filtered(cmd, file, out);
        if result.is_err() {
            let _ = std::fs::remove_file(out);
        }
        result
    }

    /// Runs mysqldump, copying its output through [`strip_definer`] into `file`.
    fn dump_filtered(&self, mut cmd: Command, file: File, out: &Path) -> Result<()> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ServiceError::io("run mysqldump for", out, e))?;
        let (Some(stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
            return Err(ServiceError::io(
                "run mysqldump for",
                out,
                std::io::ErrorKind::BrokenPipe.into(),
            ));
        };
        let errors = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let copied = copy_lines(BufReader::new(stdout), BufWriter::new(file))
            .map_err(|e| ServiceError::io("write", out, e));
        let status = child
            .wait()
            .map_err(|e| ServiceError::io("run mysqldump for", out, e))?;
        let stderr = errors.join().unwrap_or_default();
        if !status.success() {
            return Err(ServiceError::Command {
                program: "mysqldump".into(),
                status: status.to_string(),
                stderr: stderr.replace(&self.password, "***").trim().to_string(),
            });
        }
        copied
    }

    /// Imports an SQL file into an existing database with `mysql`.
    pub fn import(&self, db_name: &str, input: &Path) -> Result<()> {
        validate_db_name(db_name)?;
        let file = File::open(input).map_err(|e| ServiceError::io("open", input, e))?;
        let defaults = self.defaults_file()?;
        let mut cmd = self.client("mysql", &defaults);
        cmd.arg(db_name).stdin(Stdio::from(file));
        self.run_with_file_io(cmd, input)
    }

    /// Runs a client whose stdin or stdout is already a file.
    fn run_with_file_io(&self, mut cmd: Command, path: &Path) -> Result<()> {
        let program = cmd.get_program().to_string_lossy().into_owned();
        let out = cmd
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| ServiceError::io("run", path, e))?;
        if out.status.success() {
            return Ok(());
        }
        Err(ServiceError::Command {
            program,
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr)
                .replace(&self.password, "***")
                .trim()
                .to_string(),
        })
    }
}

/// Copies lines from `input` to `output` through [`strip_definer`], then flushes and syncs.
fn copy_lines(mut input: impl BufRead, mut output: BufWriter<File>) -> std::io::Result<()> {
    let mut line = Vec::new();
    while input.read_until(b'\n', &mut line)? > 0 {
        output.write_all(&strip_definer(&line))?;
        line.clear();
    }
    output.flush()?;
    output.get_ref().sync_all()
}

/// Removes `DEFINER=user@host ` from a dump's `CREATE …` and `/*!50… */` lines (views,
/// triggers, routines, events); other lines, table data included, pass unchanged.
pub fn strip_definer(line: &[u8]) -> Cow<'_, [u8]> {
    const KEY: &[u8] = b"DEFINER=";
    if !(line.starts_with(b"CREATE ") || line.starts_with(b"/*!50")) {
        return Cow::Borrowed(line);
    }
    let mut out = Vec::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = find(rest, KEY) {
        out.extend_from_slice(&rest[..at]);
        let after = &rest[at + KEY.len()..];
        match definer_len(after) {
            Some(len) => {
                let skip = len + usize::from(after.get(len) == Some(&b' '));
                rest = &after[skip..];
            }
            None => {
                out.extend_from_slice(KEY);
                rest = after;
            }
        }
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The length of `` `user`@`host` `` (either part quoted with `` ` `` or `'`, doubled
/// quotes inside) at the start of `text`.
fn definer_len(text: &[u8]) -> Option<usize> {
    let user = quoted_len(text)?;
    if text.get(user) != Some(&b'@') {
        return None;
    }
    let host = quoted_len(&text[user + 1..])?;
    Some(user + 1 + host)
}

fn quoted_len(text: &[u8]) -> Option<usize> {
    let quote = *text.first().filter(|q| matches!(q, b'`' | b'\''))?;
    let mut i = 1;
    while i < text.len() {
        if text[i] == quote {
            if text.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

/// The web hosts plus 127.0.0.1, in order, without duplicates.
pub fn grant_hosts(web_hosts: &[String]) -> Vec<String> {
    let mut hosts: Vec<String> = Vec::new();
    for host in web_hosts
        .iter()
        .map(String::as_str)
        .chain([LOCAL_GRANT_HOST])
    {
        if !hosts.iter().any(|h| h == host) {
            hosts.push(host.to_string());
        }
    }
    hosts
}

/// Checks the names a drop needs (the password is not needed, and may be unknown).
fn validate_site_db(db: &SiteDb, hosts: &[String]) -> Result<()> {
    validate_db_name(&db.name)?;
    validate_account_part("user", &db.user, 80)?;
    hosts
        .iter()
        .try_for_each(|h| validate_account_part("host", h, 255))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a`b"), "`a``b`");
        assert_eq!(quote_str("it's a \\ test"), "'it''s a \\\\ test'");
        assert_eq!(grant_target("my_db%"), "`my\\_db\\%`.*");
        assert_eq!(account("u'x", "%"), "'u''x'@'%'");
    }

    #[test]
    fn names_are_checked() {
        for bad in ["", "a/b", "a.b", "-opt", "a\\b", "a\nb"] {
            assert!(validate_db_name(bad).is_err(), "{bad:?}");
        }
        assert!(
            validate_db_name("we`ird'name").is_ok(),
            "quoted, not refused"
        );
        assert!(validate_db_name(&"x".repeat(65)).is_err());
    }

    #[test]
    fn grant_hosts_add_localhost_once() {
        let hosts = grant_hosts(&["web1".into(), "127.0.0.1".into(), "web1".into()]);
        assert_eq!(hosts, ["web1", "127.0.0.1"]);
    }

    #[test]
    fn definers_are_stripped_from_ddl_only() {
        let cases: [(&[u8], &[u8]); 5] = [
            (
                b"/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */\n",
                b"/*!50013 SQL SECURITY DEFINER */\n",
            ),
            (
                b"/*!50017 DEFINER=`a``b`@`%`*/ /*!50003 TRIGGER t */;;\n",
                b"/*!50017 */ /*!50003 TRIGGER t */;;\n",
            ),
            (
                b"CREATE DEFINER='x'@'h' PROCEDURE p()\n",
                b"CREATE PROCEDURE p()\n",
            ),
            (
                b"INSERT INTO t VALUES ('DEFINER=`root`@`localhost`');\n",
                b"INSERT INTO t VALUES ('DEFINER=`root`@`localhost`');\n",
            ),
            (
                b"CREATE VIEW v DEFINER=unquoted\n",
                b"CREATE VIEW v DEFINER=unquoted\n",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(
                &*strip_definer(input),
                want,
                "{}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn option_values_are_escaped() {
        assert_eq!(option_value("p", r#"a"b\c"#).unwrap(), r#""a\"b\\c""#);
        assert!(option_value("p", "a\nb").is_err());
    }

    proptest::proptest! {
        #[test]
        fn strip_definer_never_panics_and_keeps_data(line in proptest::collection::vec(proptest::num::u8::ANY, 0..80)) {
            let out = strip_definer(&line);
            proptest::prop_assert!(out.len() <= line.len());
            if !(line.starts_with(b"CREATE ") || line.starts_with(b"/*!50")) {
                proptest::prop_assert_eq!(&*out, &line[..]);
            }
        }
    }
}
