//! The Drupal 7 path rewrite of a renamed site (`service::drupal::rewrite`) against PHP.
//!
//! - On MariaDB (`scripts/services/mariadb`) and on SQLite, PHP (`rewrite_site.php`)
//!   makes a Drupal 7 like database whose variables are PHP's own `serialize()` output;
//!   after the rename old.example.com → new.example.org PHP reads every value back and
//!   compares its bytes and `var_export(unserialize())` with what it expects; text
//!   columns, the untouched variables, the corrupt ones and the report are checked too.
//!   A second run changes nothing; a failing write rolls everything back.
//! - The string walk on generated nested values is checked against PHP doing the same
//!   replacements with `str_replace`, all in one `php` process.
//!
//! The library is called in this (root) process and no provision task runs; the tasks
//! that rewrite (deploy, migrate with a rename) run as the unprivileged task user in
//! compat-tests/tasks.rs.

mod common;

use common::live::mariadb;
use common::values::*;
use common::{assert_bytes_eq, php};
use proptest::collection::vec;
use proptest::prelude::*;
use provision::php::serialize::serialize;
use provision::php::{Key, PhpArray, Value};
use provision::service::db::mysql::{quote_ident, MysqlServer};
use provision::service::drupal::{
    rewrite_database, RewriteReport, SiteDatabase, UriRewrite, VariableRewrite,
};
use std::path::Path;

const OLD: &str = "old.example.com";
const NEW: &str = "new.example.org";

/// Runs `rewrite_site.php` with `args`, the connection facts on stdin.
fn site_php(conn: &serde_json::Value, args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/rewrite_site.php");
    let mut argv = vec![script.to_str().unwrap()];
    argv.extend_from_slice(args);
    let out = php("require $argv[1];", &argv, conn.to_string().as_bytes());
    String::from_utf8(out).unwrap()
}

/// Asserts the database holds what PHP expects, `before` or `after` the rename.
fn check(conn: &serde_json::Value, expect: &str) {
    let out = site_php(conn, &["check", expect]);
    let (found, want) = out.split_once("\n=====\n").expect("two parts");
    assert_bytes_eq(found.as_bytes(), want.trim_end().as_bytes(), expect);
}

/// Asserts what the first rewrite of the fixture reports.
fn assert_first_report(report: &RewriteReport) {
    let mut rewritten = report.variables.clone();
    rewritten.sort();
    assert_eq!(
        rewritten,
        [
            "color_bartik_files",
            "file_private_path",
            "file_public_path",
            "it's_path",
            "pfad_für_logo",
            "site_name",
            "theme_bartik_settings",
            "theme_settings"
        ]
    );
    assert_skipped_corrupt_values(report);
    let columns: Vec<String> = report
        .columns
        .iter()
        .map(|c| format!("{}.{}", c.table, c.column))
        .collect();
    assert_eq!(
        columns,
        [
            "system.filename",
            "block_custom.body",
            "field_data_body.body_value",
            "field_data_body.body_summary",
            "field_revision_body.body_value",
            "field_revision_body.body_summary"
        ]
    );
}

fn assert_skipped_corrupt_values(report: &RewriteReport) {
    let mut skipped: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0].0, "corrupt_path");
    assert!(skipped[0].1.contains("string"), "{skipped:?}");
    assert_eq!(skipped[1].0, "object_path");
    assert!(skipped[1].1.contains("objects"), "{skipped:?}");
}

/// Sets the fixture up, renames, checks, renames again (nothing more changes).
fn rewrites_and_php_reads_back(db: &SiteDatabase, conn: &serde_json::Value) {
    site_php(conn, &["setup"]);
    check(conn, "before");
    let rename = UriRewrite::new(OLD, NEW);
    let report = rewrite_database(db, &rename).unwrap();
    assert_first_report(&report);
    check(conn, "after");
    let again = rewrite_database(db, &rename).unwrap();
    assert!(again.variables.is_empty(), "{again:?}");
    assert_skipped_corrupt_values(&again);
    check(conn, "after");
    let noop = rewrite_database(db, &UriRewrite::new(NEW, NEW)).unwrap();
    assert_eq!(noop, RewriteReport::default());
}

/// A failing variable write rolls the text columns back too.
fn failure_rolls_back(db: &SiteDatabase, conn: &serde_json::Value) {
    site_php(conn, &["setup", "after", "frozen"]);
    let err = rewrite_database(db, &UriRewrite::new(OLD, NEW)).unwrap_err();
    assert!(err.to_string().contains("variable is frozen"), "{err}");
    check(conn, "before");
}

/// A fresh database on the test MariaDB, dropped afterwards.
struct TestDb {
    server: MysqlServer,
    name: String,
}

impl TestDb {
    fn new(tag: &str) -> Self {
        let server = mariadb();
        let name = format!("rw_{tag}_{}", std::process::id());
        let q = quote_ident(&name);
        server
            .query(
                &format!("DROP DATABASE IF EXISTS {q}; CREATE DATABASE {q} CHARACTER SET utf8mb4;"),
                &[],
            )
            .unwrap();
        TestDb { server, name }
    }

    fn conn(&self) -> serde_json::Value {
        let s = &self.server;
        serde_json::json!({
            "dsn": format!("mysql:host={};port={};dbname={};charset=utf8mb4", s.host, s.port, self.name),
            "user": s.user,
            "password": s.password,
        })
    }

    fn site_db(&self) -> SiteDatabase {
        SiteDatabase::Mysql {
            server: self.server.clone(),
            db_name: self.name.clone(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {};", quote_ident(&self.name));
        let _ = self.server.query(&sql, &[]);
    }
}

/// An SQLite file in a temporary directory, and its PDO connection facts.
fn sqlite_db(dir: &Path) -> (SiteDatabase, serde_json::Value) {
    let path = dir.join("site.sqlite");
    let conn = serde_json::json!({
        "dsn": format!("sqlite:{}", path.display()),
        "user": null,
        "password": null,
    });
    (SiteDatabase::Sqlite { path }, conn)
}

#[test]
fn mariadb_site_is_rewritten_as_php_expects() {
    let db = TestDb::new("ok");
    rewrites_and_php_reads_back(&db.site_db(), &db.conn());
}

#[test]
fn mariadb_failure_rolls_back_every_change() {
    let db = TestDb::new("frozen");
    failure_rolls_back(&db.site_db(), &db.conn());
}

#[test]
fn sqlite_site_is_rewritten_as_php_expects() {
    let dir = tempfile::tempdir().unwrap();
    let (db, conn) = sqlite_db(dir.path());
    rewrites_and_php_reads_back(&db, &conn);
}

#[test]
fn sqlite_failure_rolls_back_every_change() {
    let dir = tempfile::tempdir().unwrap();
    let (db, conn) = sqlite_db(dir.path());
    failure_rolls_back(&db, &conn);
}

// ---------------------------------------------------------------------------
// The string walk on generated values

/// How many generated values PHP checks.
const WALK_CASES: usize = 400;

/// The renames the walk is checked with, Aegir's edge cases included (the new uri
/// starting with the old one or with `default`, and `default` as the old uri).
const RENAMES: [(&str, &str); 4] = [
    (OLD, NEW),
    (OLD, "old.example.com.au"),
    (OLD, "default.net"),
    ("default", "x.org"),
];

/// String pieces rich in the patterns, their parts and near misses.
fn path_piece() -> impl Strategy<Value = Vec<u8>> {
    let tokens: Vec<&'static str> = vec![
        "sites/old.example.com",
        "sites/old.example.com/files/",
        "//old.example.com/sites/old.example.com/files",
        "//old.example.com/sites/",
        "sites/old.example.co",
        "sites/default",
        "//default/sites/default/files/",
        "sites/",
        "old.example.com",
        "default",
        "/files",
        "ü☃",
    ];
    prop_oneof![
        2 => prop::sample::select(tokens).prop_map(|t| t.as_bytes().to_vec()),
        1 => string_piece(),
    ]
}

fn path_string() -> impl Strategy<Value = Vec<u8>> {
    vec(path_piece(), 0..6).prop_map(|parts| parts.concat())
}

/// Nested values whose strings and keys hold paths, with mixed int and string keys.
fn path_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => edge_int().prop_map(Value::Int),
        1 => edge_float().prop_map(Value::Float),
        5 => path_string().prop_map(Value::Str),
    ];
    let key = prop_oneof![
        1 => (0i64..5).prop_map(Key::Int),
        2 => path_string().prop_map(|s| Key::from_bytes(&s)),
    ];
    leaf.prop_recursive(4, 64, 6, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|items| {
                let mut a = PhpArray::new();
                for v in items {
                    a.push(v).expect("small lists never overflow");
                }
                Value::Array(a)
            }),
            vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Array(pairs.into_iter().collect())),
        ]
    })
}

/// PHP's side: each case is four frames (old uri, new uri, variable name, serialized
/// value); the answer is the value serialized again after PHP did the replacements.
const PHP_WALK: &str = r#"
function rewrite_paths(&$v, $old, $new) {
  if (is_string($v)) {
    foreach (array($old, 'default') as $from) {
      $v = str_replace("//$from/sites/$from/files", "//$new/sites/$new/files", $v);
      $v = str_replace("sites/$from", "sites/$new", $v);
    }
  }
  elseif (is_array($v)) {
    foreach ($v as &$item) {
      rewrite_paths($item, $old, $new);
    }
    unset($item);
  }
}
$f = frames(stream_get_contents(STDIN));
for ($i = 0; $i < count($f); $i += 4) {
  list($old, $new, $name, $s) = array_slice($f, $i, 4);
  $v = unserialize($s);
  if ($name !== 'site_name') {
    rewrite_paths($v, $old, $new);
  }
  elseif (is_string($v)) {
    $v = str_replace($old, $new, $v);
  }
  put(serialize($v));
}
"#;

#[test]
fn string_walk_matches_php_on_generated_values() {
    let values = generate(path_value(), 11, WALK_CASES);
    let mut input = Vec::new();
    let mut ours = Vec::new();
    let mut changed = 0;
    for (i, value) in values.iter().enumerate() {
        let (old, new) = RENAMES[i % RENAMES.len()];
        let name = if i % 7 == 0 { "site_name" } else { "v" };
        let bytes = serialize(value);
        for part in [old.as_bytes(), new.as_bytes(), name.as_bytes(), &bytes] {
            frame(&mut input, part);
        }
        let got = match UriRewrite::new(old, new).rewrite_variable(name.as_bytes(), &bytes) {
            VariableRewrite::Unchanged => bytes,
            VariableRewrite::Rewritten(new_bytes) => {
                changed += 1;
                new_bytes
            }
            VariableRewrite::Skipped(why) => panic!("case {i} skipped: {why}"),
        };
        ours.push(got);
    }
    assert!(changed > WALK_CASES / 4, "too few cases rewrite: {changed}");
    let code = format!("{PHP_FRAMES}\n{PHP_WALK}");
    let theirs = unframe(&php(&code, &[], &input));
    assert_eq!(theirs.len(), ours.len());
    for (i, (ours, theirs)) in ours.iter().zip(&theirs).enumerate() {
        assert_bytes_eq(ours, theirs, &format!("case {i}: {:?}", values[i]));
    }
}
