//! Compat tests (parse): `provision parse` against PHP's own `include` of every
//! fixture under `fixtures/aliases/{constructs,fallback,broken}`.

mod common;

use common::{assert_bytes_eq, fixtures, php_binary, provision_bin};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Defines what Drush defines before it includes alias files (as `fallback.php` does).
const DRUSH_PRELUDE: &str = r#"
define('DRUSH_VERSION', '8.4.12');
define('DRUSH_MAJOR_VERSION', '8');
define('DRUSH_MINOR_VERSION', '4');
function drush_server_home() {
  $home = getenv('HOME');
  return empty($home) ? NULL : rtrim($home, '/');
}
"#;

/// The formats compared, with the PHP expression that prints each.
const FORMATS: &[(&str, &str)] = &[
    ("serialize", "echo serialize($r);"),
    ("var-export", "echo var_export($r, true);"),
    ("json", "echo json_encode($r);"),
];

/// The `.php` files directly under `fixtures/aliases/<dir>`, sorted.
fn fixture_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join("aliases").join(dir))
        .expect("fixture directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "php"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dir}");
    files
}

/// A command with a controlled environment, run in the fixture's directory.
fn controlled(program: &Path, file: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(file.parent().expect("fixture dir"))
        .env("HOME", home)
        .env_remove("VAGRANT_HOME")
        .env_remove("PROVISION_FIXTURE_UNSET_VAR")
        .stdin(Stdio::null());
    cmd
}

/// What PHP's include leaves, printed in `format`.
fn oracle(file: &Path, home: &Path, format: &str) -> Output {
    let printer = FORMATS
        .iter()
        .find(|(f, _)| *f == format)
        .expect("known format")
        .1;
    let code = format!(
        "{DRUSH_PRELUDE} $aliases = $options = array(); include $argv[1]; \
         $r = array('aliases' => $aliases, 'options' => $options); {printer}"
    );
    controlled(Path::new(&php_binary()), file, home)
        .args([
            "-d",
            "display_errors=stderr",
            "-d",
            "log_errors=0",
            "-r",
            &code,
            "--",
        ])
        .arg(file.file_name().expect("file name"))
        .output()
        .expect("run php")
}

fn provision_parse(file: &Path, home: &Path, extra: &[&str]) -> Output {
    controlled(&provision_bin(), file, home)
        .arg("parse")
        .arg(file.file_name().expect("file name"))
        .args(extra)
        .output()
        .expect("run provision")
}

fn home() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp HOME")
}

#[test]
fn constructs_match_php_natively_in_every_format() {
    let home = home();
    for file in fixture_files("constructs") {
        for (format, _) in FORMATS {
            let php = oracle(&file, home.path(), format);
            assert!(
                php.status.success(),
                "php failed on {}: {}",
                file.display(),
                String::from_utf8_lossy(&php.stderr)
            );
            let flag = format!("--format={format}");
            let ours = provision_parse(&file, home.path(), &["--no-php", &flag]);
            assert!(
                ours.status.success(),
                "provision parse --no-php {} failed: {}",
                file.display(),
                String::from_utf8_lossy(&ours.stderr)
            );
            assert_bytes_eq(
                &ours.stdout,
                &php.stdout,
                &format!("{} ({format})", file.display()),
            );
        }
    }
}

#[test]
fn fallback_files_match_php_and_are_named_without_it() {
    let home = home();
    for file in fixture_files("fallback") {
        let php = oracle(&file, home.path(), "serialize");
        assert!(php.status.success(), "php failed on {}", file.display());
        let ours = provision_parse(&file, home.path(), &[]);
        assert!(
            ours.status.success(),
            "provision parse {} failed: {}",
            file.display(),
            String::from_utf8_lossy(&ours.stderr)
        );
        assert_bytes_eq(&ours.stdout, &php.stdout, &file.display().to_string());

        let native = provision_parse(&file, home.path(), &["--no-php"]);
        let stderr = String::from_utf8_lossy(&native.stderr);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(native.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            native.stdout.is_empty(),
            "{name}: printed {:?}",
            native.stdout
        );
        let located = stderr.lines().any(|l| {
            l.starts_with(&format!("{name}:")) && l.contains(": unsupported PHP construct: ")
        });
        assert!(
            located,
            "{name}: no `file:line:col: unsupported PHP construct:` in {stderr}"
        );
        let loc = stderr.split(&format!("{name}:")).nth(1).unwrap_or("");
        let mut parts = loc.split(':');
        let numeric = |p: Option<&str>| {
            p.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        assert!(
            numeric(parts.next()) && numeric(parts.next()),
            "{name}: no line:col in {stderr}"
        );
    }
}

#[test]
fn broken_files_are_rejected_by_php_and_by_us_with_a_located_caret() {
    let home = home();
    for file in fixture_files("broken") {
        let lint = Command::new(php_binary())
            .arg("-l")
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("php -l");
        assert!(!lint.success(), "php -l accepts {}", file.display());
        for extra in [&["--no-php"][..], &[]] {
            let ours = provision_parse(&file, home.path(), extra);
            let stderr = String::from_utf8_lossy(&ours.stderr);
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if extra.is_empty() {
                assert_eq!(
                    ours.status.code(),
                    Some(1),
                    "{name} with fallback: {stderr}"
                );
                assert!(ours.stdout.is_empty(), "{name}: printed with fallback");
                continue;
            }
            assert_eq!(ours.status.code(), Some(1), "{name}: {stderr}");
            assert!(ours.stdout.is_empty(), "{name}: printed {:?}", ours.stdout);
            assert!(
                stderr.contains(&format!("--> {name}:")),
                "{name}: no location in {stderr}"
            );
            assert!(
                stderr
                    .lines()
                    .any(|l| l.trim_start().starts_with('|') && l.contains('^')),
                "{name}: no caret in {stderr}"
            );
            assert!(
                stderr.contains("expected"),
                "{name}: no `expected` in {stderr}"
            );
        }
    }
}
