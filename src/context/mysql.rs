//! The check a server save with a mysql service makes (Aegir's
//! `utf8mb4_is_supported()`): create a `site_<uniqid>` database, try a utf8mb4
//! table with a long prefix in it, drop it. Credentials go to the `mysql` client
//! in a 0600 `--defaults-file`, never on its command line.

use super::ContextError;
use std::fs::{DirBuilder, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// The parts of `master_db` (`mysql://user:pass@host[:port]`, urlencoded).
#[derive(Clone, PartialEq, Eq)]
pub struct MasterDb {
    /// User name.
    pub user: String,
    /// Password.
    pub pass: String,
    /// Host name or address.
    pub host: String,
}

impl std::fmt::Debug for MasterDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterDb({}@{})", self.user, self.host)
    }
}

/// Parses `master_db` as Aegir does (`parse_url` then `urldecode`).
pub fn parse_master_db(url: &str) -> Option<MasterDb> {
    let rest = url.split_once("://")?.1;
    let (userinfo, hostport) = rest.rsplit_once('@')?;
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let host = hostport.split(['/', ':']).next().unwrap_or("");
    (!host.is_empty()).then(|| MasterDb {
        user: urldecode(user),
        pass: urldecode(pass),
        host: urldecode(host),
    })
}

/// PHP's `urldecode`: `%XX` escapes and `+` as a space.
fn urldecode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
                continue;
            }
            (b'+', _) => out.push(b' '),
            (c, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A private option file for the mysql client, removed when dropped.
struct DefaultsFile {
    dir: PathBuf,
    path: PathBuf,
}

impl DefaultsFile {
    /// Writes `[client]` user, password, host and port into a 0600 file in a
    /// fresh 0700 directory.
    fn create(db: &MasterDb, port: &str) -> std::io::Result<DefaultsFile> {
        let dir =
            std::env::temp_dir().join(format!("provision-db-{}-{}", std::process::id(), uniqid()));
        DirBuilder::new().mode(0o700).create(&dir)?;
        let path = dir.join("my.cnf");
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        let text = format!(
            "[client]\nuser={}\npassword={}\nhost={}\nport={}\n",
            quote(&db.user),
            quote(&db.pass),
            quote(&db.host),
            quote(port)
        );
        f.write_all(text.as_bytes())?;
        Ok(DefaultsFile { dir, path })
    }
}

impl Drop for DefaultsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// An option-file value in double quotes with `\` and `"` escaped.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// PHP's `uniqid()`: seconds and microseconds in hex (13 characters).
fn uniqid() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!("{:08x}{:05x}", d.as_secs(), d.subsec_micros())
}

/// Runs `sql` (on stdin) with the mysql client; the error text on failure.
fn run_sql(file: &DefaultsFile, sql: &str) -> Result<(), String> {
    let mut child = Command::new("mysql")
        .arg(format!("--defaults-file={}", file.path.display()))
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run the mysql client: {e}"))?;
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(sql.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Checks the server answers and can create a database; returns whether it
/// supports utf8mb4 with large prefixes. An unreachable server is an error.
pub fn check(db: &MasterDb, port: &str) -> Result<bool, ContextError> {
    let fail = |msg: String| {
        ContextError::Invalid(format!(
            "Cannot create a test database on the database server {}:{port} as {}: {msg}",
            db.host, db.user
        ))
    };
    let file = DefaultsFile::create(db, port).map_err(|e| fail(e.to_string()))?;
    let name = format!("site_{}", uniqid());
    run_sql(&file, &format!("CREATE DATABASE `{name}`;\n")).map_err(fail)?;
    let utf8mb4 = run_sql(
        &file,
        &format!(
            "CREATE TABLE `{name}`.`drupal_utf8mb4_test` (id VARCHAR(255), PRIMARY KEY(id(255))) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci ROW_FORMAT=DYNAMIC;\n"
        ),
    )
    .is_ok();
    run_sql(&file, &format!("DROP DATABASE `{name}`;\n")).map_err(fail)?;
    Ok(utf8mb4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn master_db_is_parsed_and_urldecoded() {
        let db = parse_master_db("mysql://aegir_root:s3cr%3Ft@localhost:3306").unwrap();
        assert_eq!(
            (db.user.as_str(), db.pass.as_str(), db.host.as_str()),
            ("aegir_root", "s3cr?t", "localhost")
        );
        let db = parse_master_db("mysql://u:a%40b+c@db.example.com").unwrap();
        assert_eq!(
            (db.pass.as_str(), db.host.as_str()),
            ("a@b c", "db.example.com")
        );
        assert!(parse_master_db("nonsense").is_none());
        assert!(!format!("{db:?}").contains("a@b"));
    }

    #[test]
    fn option_values_are_quoted() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
