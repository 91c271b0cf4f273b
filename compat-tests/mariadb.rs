//! A server save with a mysql service against a real MariaDB: the one
//! `scripts/services/mariadb` starts, whose facts are in
//! `$PROVISION_TEST_RUNTIME/mariadb.env` (default `/tmp/provision-test`). These
//! tests fail, never skip, when it is not running.

mod common;

use common::live::{service_env, urlencode};
use common::provision;
use std::collections::HashMap;

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
    let db = service_env("mariadb");
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
    let db = service_env("mariadb");
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
