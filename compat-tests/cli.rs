//! Drush 8's command-line rules for the clap-parsed commands: an unknown option
//! is an error naming it (exit 1) unless `--strict=0` is given; options may come
//! before or after the command; `@target` is split off first.

mod common;

use common::provision;

fn alias_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("one.alias.drushrc.php"),
        "<?php \n$aliases['one'] = array (\n  'root' => '/srv/one',\n);\n",
    )
    .unwrap();
    dir
}

#[test]
fn unknown_option_is_an_error_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let out = provision(&["sa", "--bogus=1"], home.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Unknown option: --bogus.") && err.contains("add the option --strict=0."),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn strict_0_drops_unknown_options() {
    let home = tempfile::tempdir().unwrap();
    let dir = alias_dir();
    let path = format!("--alias-path={}", dir.path().display());
    let out = provision(
        &["--bogus", "sa", &path, "--other=x", "--strict=0"],
        home.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "@none\n@one\n");
}

#[test]
fn options_anywhere_and_target_first() {
    let home = tempfile::tempdir().unwrap();
    let dir = alias_dir();
    let path = format!("--alias-path={}", dir.path().display());
    let before = provision(&[&path, "@none", "sa", "@one"], home.path());
    let after = provision(&["@none", "sa", "@one", &path], home.path());
    assert!(
        before.status.success(),
        "{}",
        String::from_utf8_lossy(&before.stderr)
    );
    assert_eq!(before.stdout, after.stdout);
    assert!(String::from_utf8_lossy(&before.stdout).starts_with("$aliases[\"one\"] = array (\n"));
}

#[test]
fn debug_short_long_and_vvv_report_timing_on_stderr() {
    let home = tempfile::tempdir().unwrap();
    let dir = alias_dir();
    let path = format!("--alias-path={}", dir.path().display());
    let plain = provision(&["sa", &path], home.path());
    for flag in ["-d", "--debug", "-vvv"] {
        let out = provision(&[flag, "sa", &path], home.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{flag}: {err}");
        assert_eq!(out.stdout, plain.stdout, "{flag}");
        assert!(
            err.contains("[debug] Command finished in "),
            "{flag}: {err}"
        );
    }
    let out = provision(&["-v", "sa", &path], home.path());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("[debug]"));
}

#[test]
fn simulate_changes_nothing_for_read_only_commands() {
    let home = tempfile::tempdir().unwrap();
    let dir = alias_dir();
    let path = format!("--alias-path={}", dir.path().display());
    let plain = provision(&["sa", &path, "@one"], home.path());
    for flag in ["-s", "--simulate"] {
        let out = provision(&[flag, "sa", &path, "@one"], home.path());
        assert!(out.status.success(), "{flag}");
        assert_eq!(out.stdout, plain.stdout, "{flag}");
    }
}

#[test]
fn simulate_convert_reports_and_writes_nothing() {
    let home = tempfile::tempdir().unwrap();
    let dir = alias_dir();
    let dest = home.path().join("sites");
    let sources = format!("--sources={}", dir.path().display());
    let destination = format!("--destination={}", dest.display());
    for flag in ["-s", "--simulate"] {
        let out = provision(&[flag, "sac", &sources, &destination], home.path());
        let report = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{flag}: {report}");
        assert!(report.contains("Would write"), "{flag}: {report}");
        assert!(!dest.exists(), "{flag} wrote");
    }
}
