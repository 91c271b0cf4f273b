//! Shared helpers for the compat tests: real `php` (php-cli) is the oracle.
//! A test that needs PHP fails when it is missing: it never skips.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The `php` binary the oracle uses (`PROVISION_TEST_PHP` or `php`).
pub fn php_binary() -> String {
    std::env::var("PROVISION_TEST_PHP").unwrap_or_else(|_| "php".to_string())
}

/// Runs PHP code (without `<?php`) with `args` as `$argv[1..]` and `stdin`,
/// panicking with PHP's stderr if it fails. Returns stdout.
pub fn php(code: &str, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(php_binary())
        .args([
            "-d",
            "display_errors=stderr",
            "-d",
            "log_errors=0",
            "-r",
            code,
            "--",
        ])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} (install php-cli; scripts/test does): {e}",
                php_binary()
            )
        });
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || input.write_all(&data));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "php failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The path of the built `provision` binary.
pub fn provision_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_provision"))
}

/// Runs `provision` with `args`, HOME set to `home`, and returns its output.
pub fn provision(args: &[&str], home: &Path) -> Output {
    Command::new(provision_bin())
        .args(args)
        .env("HOME", home)
        .env_remove("DRUSH_OPTIONS_URI")
        .stdin(Stdio::null())
        .output()
        .expect("run provision")
}

/// The JSON of a backend run's final block
/// (`DRUSH_BACKEND_OUTPUT_START>>>{json}<<<DRUSH_BACKEND_OUTPUT_END` on stdout).
pub fn backend_result(out: &Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let start = text
        .find("DRUSH_BACKEND_OUTPUT_START>>>")
        .unwrap_or_else(|| panic!("no backend block in {text}"))
        + "DRUSH_BACKEND_OUTPUT_START>>>".len();
    let end = text
        .rfind("<<<DRUSH_BACKEND_OUTPUT_END")
        .expect("block end");
    serde_json::from_str(&text[start..end]).expect("backend JSON")
}

/// The project's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Copies a fixture tree to `to`, directories 0755 and files 0644 (so servers
/// running as another user, such as php-fpm's www-data, can read it).
pub fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// Asserts two byte strings are equal, showing both as text when they differ.
pub fn assert_bytes_eq(ours: &[u8], php: &[u8], what: &str) {
    if ours != php {
        panic!(
            "{what}: provision and PHP differ\n--- provision ---\n{}\n--- php ---\n{}",
            String::from_utf8_lossy(ours),
            String::from_utf8_lossy(php)
        );
    }
}
pub mod hosts;
pub mod live;
pub mod user;
pub mod values;
