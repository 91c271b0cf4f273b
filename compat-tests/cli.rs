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

/// Runs provision with `stdin` as its standard input.
fn provision_with_stdin(
    args: &[&str],
    home: &std::path::Path,
    stdin: &[u8],
) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(common::provision_bin())
        .args(args)
        .env("HOME", home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn help_lists_every_command_hosting_calls() {
    let home = tempfile::tempdir().unwrap();
    for args in [&[][..], &["--help"][..], &["help"][..]] {
        let out = provision(args, home.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        for command in [
            "provision-save",
            "provision-verify",
            "provision-install",
            "provision-backup",
            "provision-restore",
            "provision-deploy",
            "provision-migrate",
            "provision-clone",
            "provision-delete",
            "provision-disable",
            "provision-enable",
            "provision-lock",
            "provision-unlock",
            "provision-login-reset",
            "provision-backup-delete",
            "provision-import",
            "backend-parse",
            "site-alias (sa)",
        ] {
            assert!(
                text.contains(&format!(" {command} ")),
                "{args:?} lacks {command}: {text}"
            );
        }
    }
}

#[test]
fn a_command_s_help_describes_its_arguments_and_options() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["help", "provision-save"][..],
        &["provision-save", "--help"][..],
    ] {
        let out = provision(args, home.path());
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("Usage: provision provision-save @NAME"),
            "{text}"
        );
        assert!(
            text.contains("--context_type=TYPE") && text.contains("--delete"),
            "{text}"
        );
    }
    let out = provision(&["@site", "provision-migrate", "--help"], home.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--new_db_server=@SERVER") && text.contains("Task options:"),
        "{text}"
    );
    let out = provision(&["help", "sa"], home.path());
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--format"));
    let out = provision(&["help", "provision-nothing"], home.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("provision-nothing not found"));
}

#[test]
fn backend_parse_prints_a_backend_run_for_people() {
    let home = tempfile::tempdir().unwrap();
    // A failing backend run: a task on a context that does not exist.
    let run = provision_with_stdin(
        &["@nothing", "provision-verify", "--backend"],
        home.path(),
        b"{}",
    );
    assert_eq!(run.status.code(), Some(1));
    let mut output = run.stderr.clone();
    output.extend(&run.stdout);
    let out = provision_with_stdin(&["backend-parse"], home.path(), &output);
    assert_eq!(out.status.code(), Some(1), "the run's error status");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("[error] "), "{text}");
    let out = provision_with_stdin(&["backend-parse"], home.path(), b"no block here");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn options_posted_to_a_task_set_its_run_as_command_line_ones_do() {
    let home = tempfile::tempdir().unwrap();
    let root = format!("--aegir_root={}", home.path().display());
    let out = provision(
        &[
            "provision-save",
            "@server_master",
            "--context_type=server",
            "--remote_host=localhost",
            &root,
            "--http_service_type=nginx",
            "--http_restart_cmd=true",
            "--skip-db-check",
        ],
        home.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Posted as hosting posts them: the config test then runs against this file.
    let missing = home.path().join("no-such-nginx.conf");
    let post = format!(r#"{{"nginx_conf": "{}"}}"#, missing.display());
    let out = provision_with_stdin(
        &["@server_master", "provision-verify", "--backend"],
        home.path(),
        post.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(1));
    let result = common::backend_result(&out);
    let errors = result["error_log"].to_string();
    assert!(errors.contains("no-such-nginx.conf"), "{errors}");
}
