//! A server save with a mysql service against a real MariaDB: the one
//! `scripts/services/mariadb` starts, whose facts are in
//! `$PROVISION_TEST_RUNTIME/mariadb.env` (default `/tmp/provision-test`). These
//! tests fail, never skip, when it is not running.

mod common;

use common::provision;
use std::collections::HashMap;
use std::path::PathBuf;

/// The MariaDB connection facts (HOST, PORT, USER, PASSWORD).
fn mariadb() -> HashMap<String, String> {
    let runtime =
        std::env::var("PROVISION_TEST_RUNTIME").unwrap_or_else(|_| "/tmp/provision-test".into());
    let file = PathBuf::from(runtime).join("mariadb.env");
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "no MariaDB for the tests ({}: {e}): run scripts/services/mariadb",
            file.display()
        )
    });
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Encodes a URL component the way PHP's urlencode does for our alphabet.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Saves @server_master with a mysql service using PASSWORD.
fn save_master(
    home: &std::path::Path,
    db: &HashMap<String, String>,
    password: &str,
) -> std::process::Output {
    let master_db = format!(
        "--master_db=mysql://{}:{}@{}:{}",
        db["USER"],
        urlencode(password),
        db["HOST"],
        db["PORT"]
    );
    let port = format!("--db_port={}", db["PORT"]);
    provision(
        &[
            "provision-save",
            "@server_master",
            "--context_type=server",
            "--aegir_root=/var/aegir",
            "--db_service_type=mysql",
            &master_db,
            &port,
        ],
        home,
    )
}

#[test]
fn mysql_server_save_checks_the_database_server() {
    let db = mariadb();
    let h = tempfile::tempdir().unwrap();
    let out = save_master(h.path(), &db, &db["PASSWORD"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved =
        std::fs::read_to_string(h.path().join(".drush/server_master.alias.drushrc.php")).unwrap();
    assert!(
        saved.contains("  'utf8mb4_is_supported' => true,\n"),
        "{saved}"
    );
    assert!(
        saved.contains(&format!("  'db_port' => '{}',\n", db["PORT"])),
        "{saved}"
    );
}

#[test]
fn unreachable_or_refused_database_server_is_an_error_and_nothing_is_written() {
    let db = mariadb();
    let h = tempfile::tempdir().unwrap();
    let out = save_master(h.path(), &db, "wrong-Pa55word");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("Cannot create a test database on the database server"),
        "{err}"
    );
    assert!(
        !err.contains("wrong-Pa55word"),
        "the password leaked: {err}"
    );
    assert!(!h
        .path()
        .join(".drush/server_master.alias.drushrc.php")
        .exists());
    let mut closed = db.clone();
    closed.insert("PORT".into(), "1".into());
    let out = save_master(h.path(), &closed, &db["PASSWORD"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!h
        .path()
        .join(".drush/server_master.alias.drushrc.php")
        .exists());
}
