//! The drush entry point: `provision install-shim` and the binary run as `drush`.

mod common;

use common::{provision, provision_bin};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `drush ARGS` from `prefix/bin` with HOME and the real Drush `real`.
fn drush(prefix: &Path, home: &Path, real: Option<&Path>, args: &[&str]) -> Output {
    let mut cmd = Command::new(prefix.join("bin/drush"));
    cmd.args(args).env("HOME", home).stdin(Stdio::null());
    match real {
        Some(r) => cmd.env("PROVISION_DRUSH", r),
        None => cmd.env_remove("PROVISION_DRUSH"),
    };
    cmd.output().expect("run drush shim")
}

#[test]
fn shim_forwards_foreign_commands_and_answers_its_own() {
    let t = tempfile::tempdir().unwrap();
    let (prefix, home) = (t.path().join("prefix"), t.path().join("home"));
    std::fs::create_dir_all(&home).unwrap();
    let out = provision(
        &["install-shim", "--prefix", prefix.to_str().unwrap()],
        &home,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::canonicalize(prefix.join("bin/drush")).unwrap(),
        std::fs::canonicalize(provision_bin()).unwrap()
    );
    // Installing again is fine; a foreign drush is left alone.
    assert!(provision(
        &["install-shim", "--prefix", prefix.to_str().unwrap()],
        &home
    )
    .status
    .success());
    let other = t.path().join("other");
    std::fs::create_dir_all(other.join("bin")).unwrap();
    std::fs::write(other.join("bin/drush"), "x").unwrap();
    let out = provision(
        &["install-shim", "--prefix", other.to_str().unwrap()],
        &home,
    );
    assert_eq!(out.status.code(), Some(1));

    let real = t.path().join("real-drush");
    std::fs::write(
        &real,
        "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\nexit 7\n",
    )
    .unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = drush(
        &prefix,
        &home,
        Some(&real),
        &["@hostmaster", "hosting-task", "--force", "it's 5"],
    );
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "[@hostmaster][hosting-task][--force][it's 5]"
    );

    let out = drush(
        &prefix,
        &home,
        Some(&real),
        &[
            "provision-save",
            "@server_master",
            "--context_type=server",
            "--aegir_root=/var/aegir",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(home.join(".drush/server_master.alias.drushrc.php").exists());

    let out = drush(&prefix, &home, None, &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PROVISION_DRUSH"));
    let out = drush(&prefix, &home, Some(&prefix.join("bin/drush")), &["status"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("points at provision itself"));
}
