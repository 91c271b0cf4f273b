//! The cache of `sa`'s full list: reused only while every scanned directory and
//! included file is unchanged, never written for files changed within the last
//! two seconds, and bypassed by `--no-cache`.

mod common;

use common::provision;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Backdates a path's modification time by a minute (its ctime stays "now",
/// which the cache also compares).
fn backdate(path: &Path) {
    let old = SystemTime::now() - Duration::from_secs(60);
    fs::File::open(path).unwrap().set_modified(old).unwrap();
}

fn write_alias(dir: &Path, name: &str, root: &str) -> PathBuf {
    let path = dir.join(format!("{name}.alias.drushrc.php"));
    let body = format!("<?php \n$aliases['{name}'] = array (\n  'root' => '{root}',\n);\n");
    fs::write(&path, body).unwrap();
    path
}

fn sa_list(home: &Path, dir: &Path, extra: &[&str]) -> String {
    let path = format!("--alias-path={}", dir.display());
    let mut args = vec!["sa", path.as_str()];
    args.extend_from_slice(extra);
    let out = provision(&args, home);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn cache_files(home: &Path) -> Vec<PathBuf> {
    match fs::read_dir(home.join(".cache/provision")) {
        Ok(rd) => rd.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// Waits until the racy window (two seconds) has passed for everything written so far.
fn settle() {
    std::thread::sleep(Duration::from_millis(2100));
}

#[test]
fn cache_is_reused_only_while_nothing_changed() {
    let home = tempfile::tempdir().unwrap();
    let aliases = tempfile::tempdir().unwrap();
    let a = write_alias(aliases.path(), "a", "/srv/a");
    write_alias(aliases.path(), "b", "/srv/b");

    // Fresh files: the list is right, but too new to be cached.
    assert_eq!(sa_list(home.path(), aliases.path(), &[]), "@a\n@b\n@none\n");
    assert!(cache_files(home.path()).is_empty());

    settle();
    assert_eq!(sa_list(home.path(), aliases.path(), &[]), "@a\n@b\n@none\n");
    assert_eq!(
        cache_files(home.path()).len(),
        1,
        "the settled list is cached"
    );
    assert_eq!(sa_list(home.path(), aliases.path(), &[]), "@a\n@b\n@none\n");

    // A new file changes the directory's stamp.
    write_alias(aliases.path(), "c", "/srv/c");
    assert_eq!(
        sa_list(home.path(), aliases.path(), &[]),
        "@a\n@b\n@c\n@none\n"
    );

    // An in-place edit that keeps the old mtime still changes size and ctime.
    settle();
    assert_eq!(
        sa_list(home.path(), aliases.path(), &[]),
        "@a\n@b\n@c\n@none\n"
    );
    let before = fs::metadata(&a).unwrap().modified().unwrap();
    fs::write(
        &a,
        "<?php \n$aliases['renamed'] = array (\n  'root' => '/srv/a',\n);\n",
    )
    .unwrap();
    fs::File::open(&a).unwrap().set_modified(before).unwrap();
    assert_eq!(
        sa_list(home.path(), aliases.path(), &[]),
        "@b\n@c\n@none\n@renamed\n"
    );

    // A deleted file changes the directory's stamp.
    fs::remove_file(&a).unwrap();
    assert_eq!(sa_list(home.path(), aliases.path(), &[]), "@b\n@c\n@none\n");
}

#[test]
fn files_that_are_not_plain_literals_are_never_cached() {
    let home = tempfile::tempdir().unwrap();
    let aliases = tempfile::tempdir().unwrap();
    let path = aliases.path().join("env.alias.drushrc.php");
    fs::write(
        &path,
        "<?php $aliases['env'] = array('root' => getenv('PROVISION_TEST_ROOT'));\n",
    )
    .unwrap();
    backdate(&path);
    backdate(aliases.path());
    settle();
    assert_eq!(sa_list(home.path(), aliases.path(), &[]), "@env\n@none\n");
    assert!(
        cache_files(home.path()).is_empty(),
        "getenv() makes the file's meaning depend on more than its bytes"
    );
}

#[test]
fn no_cache_neither_reads_nor_writes() {
    let home = tempfile::tempdir().unwrap();
    let aliases = tempfile::tempdir().unwrap();
    write_alias(aliases.path(), "a", "/srv/a");
    settle();
    assert_eq!(
        sa_list(home.path(), aliases.path(), &["--no-cache"]),
        "@a\n@none\n"
    );
    assert!(cache_files(home.path()).is_empty());
}
