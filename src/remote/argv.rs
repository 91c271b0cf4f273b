//! The command lines the remote layer runs, built as argument vectors with no shell in
//! between on this side: rsync's arguments (with the `-e` string rsync parses itself) and
//! the `rm -rf` a remote shell runs. Pure functions, so the exact argv is unit-tested.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

use super::SyncOptions;
use crate::service::exec::shell_quote;

/// The version-control files Drush 8's rsync leaves out unless told otherwise
/// (`drush_version_control_reserved_files`: its fixed list, then the bzr and svn engines').
/// `.hgrags` is spelled as Drush spells it, so `.hgtags` is synced, as under Aegir.
pub const VCS_EXCLUDES: [&str; 9] = [
    ".git",
    ".gitignore",
    ".hg",
    ".hgignore",
    ".hgrags",
    ".bzr",
    ".bzrignore",
    ".bzrtags",
    ".svn",
];

/// rsync's flags after the filter rules, as Aegir's `sync()` passes them.
const TRANSFER_FLAGS: [&str; 4] = [
    "--relative",
    "--keep-dirlinks",
    "--omit-dir-times",
    "--delete",
];

/// The absolute, normalised form of `path` (no `.`, no repeated or trailing `/`), or why it
/// is refused: relative, with `..`, or `/` itself.
pub fn absolute(path: &Path) -> Result<PathBuf, &'static str> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::RootDir => out.push("/"),
            Component::Normal(name) => out.push(name),
            Component::CurDir => {}
            Component::ParentDir => return Err("it contains '..'"),
            Component::Prefix(_) => return Err("it is not a Unix path"),
        }
    }
    if !out.has_root() {
        return Err("it is not absolute");
    }
    if out.parent().is_none() {
        return Err("it is the root directory");
    }
    Ok(out)
}

/// Quotes `arg` for rsync's own splitting of the `-e` string, which knows single and
/// double quotes but no backslash escapes: single quotes, with `'` written as `'"'"'`
/// (which a POSIX shell reads the same way).
pub fn rsync_quote(arg: &OsStr) -> OsString {
    let mut out = vec![b'\''];
    for &b in arg.as_bytes() {
        if b == b'\'' {
            out.extend_from_slice(b"'\"'\"'");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    OsString::from_vec(out)
}

/// ssh's options for a client of the session's master at `control`: the session's config
/// file when there is one, the master's socket, no master of its own, no prompts, and
/// never a connection of its own: `-p 9` is the discard port, so a client whose master is
/// gone fails (within the connect timeout) instead of logging in anew, as openssh's own
/// commands do.
pub fn mux_options(control: &Path, config_file: Option<&Path>, timeout_secs: u64) -> Vec<OsString> {
    let mut args: Vec<OsString> = Vec::new();
    if let Some(config) = config_file {
        args.extend(["-F".into(), config.into()]);
    }
    args.extend(["-S".into(), control.into()]);
    for option in [
        "ControlMaster=no".to_string(),
        "BatchMode=yes".to_string(),
        format!("ConnectTimeout={timeout_secs}"),
    ] {
        args.extend(["-o".into(), option.into()]);
    }
    args.extend(["-p".into(), "9".into()]);
    args
}

/// ssh's arguments (without the program name) to run `command` as `user` on `address`
/// through the master: no terminal, and `--` before the destination.
pub fn run_args(mux: &[OsString], user: &str, address: &str, command: &str) -> Vec<OsString> {
    let mut args = mux.to_vec();
    args.extend([
        "-T".into(),
        "--".into(),
        format!("{user}@{address}").into(),
        command.into(),
    ]);
    args
}

/// The remote-shell command rsync runs (`-e`): `ssh` and the client options, each word
/// that is not plainly safe quoted for rsync's own splitting.
pub fn ssh_command(mux: &[OsString]) -> OsString {
    let mut cmd = OsString::from("ssh");
    for word in mux {
        cmd.push(" ");
        let safe = !word.is_empty()
            && word
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_=.,:/@%+".contains(b));
        if safe {
            cmd.push(word);
        } else {
            cmd.push(rsync_quote(word));
        }
    }
    cmd
}

/// rsync's arguments (without the program name) to copy `sources` to `dest`: Aegir's
/// `-akz`, the VCS excludes, the options' includes then excludes (first match wins, so
/// `sites/all` is kept before `sites/*` is left out), then the transfer flags.
pub fn rsync_args(
    ssh: &OsStr,
    opts: &SyncOptions,
    sources: &[&OsStr],
    dest: &OsStr,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-e".into(), ssh.into(), "-akz".into()];
    let rule = |kind: &str, pattern: &str| OsString::from(format!("--{kind}={pattern}"));
    args.extend(VCS_EXCLUDES.iter().map(|p| rule("exclude", p)));
    args.extend(opts.includes.iter().map(|p| rule("include", p)));
    args.extend(opts.excludes.iter().map(|p| rule("exclude", p)));
    args.extend(TRANSFER_FLAGS.iter().map(OsString::from));
    args.extend(sources.iter().map(OsString::from));
    args.push(dest.into());
    args
}

/// `user@address:` followed by `path`: rsync's name for `path` on the remote host.
pub fn remote_spec(user: &str, address: &str, path: &Path) -> OsString {
    let mut spec = OsString::from(format!("{user}@{address}:"));
    spec.push(path.as_os_str());
    spec
}

/// The shell command that removes `path` on a remote host, or `None` when the path is not
/// UTF-8 (a remote shell command is text).
pub fn remove_command(path: &Path) -> Option<String> {
    path.to_str()
        .map(|p| format!("rm -rf -- {}", shell_quote(p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[OsString]) -> Vec<String> {
        args.iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    const VCS: [&str; 9] = [
        "--exclude=.git",
        "--exclude=.gitignore",
        "--exclude=.hg",
        "--exclude=.hgignore",
        "--exclude=.hgrags",
        "--exclude=.bzr",
        "--exclude=.bzrignore",
        "--exclude=.bzrtags",
        "--exclude=.svn",
    ];

    fn expected(rules: &[&str], source: &str, dest: &str) -> Vec<String> {
        let mut want = vec!["-e", "SSH", "-akz"];
        want.extend(VCS);
        want.extend(rules);
        want.extend(TRANSFER_FLAGS);
        want.extend([source, dest]);
        want.into_iter().map(String::from).collect()
    }

    #[test]
    fn platform_sync_keeps_sites_all_and_leaves_out_other_sites() {
        let args = rsync_args(
            OsStr::new("SSH"),
            &SyncOptions::platform(),
            &[OsStr::new("/var/aegir/platforms/d7")],
            OsStr::new("aegir@10.77.0.11:/"),
        );
        let want = expected(
            &["--include=sites/all", "--exclude=sites/*"],
            "/var/aegir/platforms/d7",
            "aegir@10.77.0.11:/",
        );
        assert_eq!(strings(&args), want);
    }

    #[test]
    fn site_sync_leaves_out_files_unless_asked() {
        let site = "/var/aegir/platforms/d7/sites/example.com";
        let args = rsync_args(
            OsStr::new("SSH"),
            &SyncOptions::site(false),
            &[OsStr::new(site)],
            OsStr::new("aegir@web1:/"),
        );
        let want = expected(
            &["--exclude=files/*", "--exclude=private/*"],
            site,
            "aegir@web1:/",
        );
        assert_eq!(strings(&args), want);
        let with_files = rsync_args(
            OsStr::new("SSH"),
            &SyncOptions::site(true),
            &[OsStr::new(site)],
            OsStr::new("aegir@web1:/"),
        );
        assert_eq!(strings(&with_files), expected(&[], site, "aegir@web1:/"));
    }

    #[test]
    fn fetch_is_the_reverse_transfer() {
        let path = Path::new("/var/aegir/platforms/d7/sites/a b/files");
        let source = remote_spec("aegir", "10.77.0.12", path);
        let args = rsync_args(
            OsStr::new("SSH"),
            &SyncOptions::default(),
            &[&source],
            OsStr::new("/"),
        );
        let want = expected(
            &[],
            "aegir@10.77.0.12:/var/aegir/platforms/d7/sites/a b/files",
            "/",
        );
        assert_eq!(strings(&args), want);
    }

    #[test]
    fn ssh_command_quotes_paths_for_rsync() {
        let mux = mux_options(
            Path::new("/run/x y/it's/master"),
            Some(Path::new("/etc/ssh config")),
            10,
        );
        assert_eq!(
            ssh_command(&mux),
            "ssh -F '/etc/ssh config' -S '/run/x y/it'\"'\"'s/master' \
             -o ControlMaster=no -o BatchMode=yes -o ConnectTimeout=10 -p 9"
        );
        let plain = mux_options(Path::new("/c/.ssh-connection1/master"), None, 3);
        assert_eq!(
            ssh_command(&plain),
            "ssh -S /c/.ssh-connection1/master \
             -o ControlMaster=no -o BatchMode=yes -o ConnectTimeout=3 -p 9"
        );
        assert_eq!(
            rsync_split(&ssh_command(&mux).to_string_lossy()),
            strings(&[vec!["ssh".into()], mux].concat())
        );
    }

    #[test]
    fn commands_go_through_the_master_without_a_terminal() {
        let mux = mux_options(Path::new("/c/m"), None, 10);
        let args = run_args(&mux, "aegir", "10.77.0.11", "echo 'a b'");
        assert_eq!(
            strings(&args),
            [
                "-S",
                "/c/m",
                "-o",
                "ControlMaster=no",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=10",
                "-p",
                "9",
                "-T",
                "--",
                "aegir@10.77.0.11",
                "echo 'a b'"
            ]
        );
    }

    /// rsync's `-e` splitting: spaces separate words outside quotes; `'…'` and `"…"` quote
    /// (a doubled `"` inside double quotes is one `"`); nothing else is special.
    fn rsync_split(cmd: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut chars = cmd.chars().peekable();
        while let Some(&c) = chars.peek() {
            if c == ' ' {
                chars.next();
                continue;
            }
            let (mut word, mut squote, mut dquote) = (String::new(), false, false);
            while let Some(c) = chars.next() {
                match c {
                    ' ' if !squote && !dquote => break,
                    '\'' if !dquote => squote = !squote,
                    '"' if !squote && dquote && chars.peek() == Some(&'"') => {
                        chars.next();
                        word.push('"');
                    }
                    '"' if !squote => dquote = !dquote,
                    c => word.push(c),
                }
            }
            words.push(word);
        }
        words
    }

    #[test]
    fn quoted_words_survive_rsync_and_sh_splitting() {
        let nasty = "/srv/a b/c'd\"e$f`g\\h\ti";
        let quoted = rsync_quote(OsStr::new(nasty));
        let text = quoted.to_string_lossy().into_owned();
        assert_eq!(
            rsync_split(&format!("ssh -S {text} -p 9")),
            ["ssh", "-S", nasty, "-p", "9"]
        );
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("printf %s {text}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), nasty);
    }

    #[test]
    fn paths_are_normalised_and_unsafe_ones_refused() {
        let ok = |p: &str| absolute(Path::new(p)).map(|p| p.display().to_string());
        assert_eq!(ok("/var//aegir/./x/"), Ok("/var/aegir/x".to_string()));
        assert_eq!(ok("relative/x"), Err("it is not absolute"));
        assert_eq!(ok("/var/../etc"), Err("it contains '..'"));
        assert_eq!(ok("/"), Err("it is the root directory"));
        assert_eq!(ok("//./"), Err("it is the root directory"));
        assert_eq!(ok(""), Err("it is not absolute"));
    }

    #[test]
    fn remove_command_quotes_the_path() {
        assert_eq!(
            remove_command(Path::new("/var/a b/it's")).as_deref(),
            Some("rm -rf -- '/var/a b/it'\\''s'")
        );
        let bad = OsStr::from_bytes(b"/var/\xff");
        assert_eq!(remove_command(Path::new(bad)), None);
    }

    #[test]
    fn remote_spec_names_user_host_and_path() {
        assert_eq!(remote_spec("aegir", "web1", Path::new("/")), "aegir@web1:/");
    }
}
