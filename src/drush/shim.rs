//! The `drush` entry point: run as `drush`, provision handles its own commands
//! and hands every other command line, unchanged, to the real Drush.

use super::argv::{command_position, split_target};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the real Drush.
pub const REAL_DRUSH_VAR: &str = "PROVISION_DRUSH";

/// Commands provision answers itself when run as `drush`.
const OWN_COMMANDS: &[&str] = &["provision-save", "site-alias", "sa"];

/// True when the program was started under the name `drush`.
pub fn invoked_as_drush(argv: &[OsString]) -> bool {
    argv.first()
        .and_then(|a| Path::new(a).file_name())
        .is_some_and(|n| n == "drush")
}

/// True when provision answers the command of this command line itself.
pub fn handles(argv: &[OsString]) -> bool {
    let (_, rest) = split_target(argv.to_vec());
    command_position(&rest).is_some_and(|i| OWN_COMMANDS.iter().any(|c| rest[i] == *c))
}

/// Replaces this process with the real Drush run on `argv[1..]`; returns only
/// on failure, with the message to print.
pub fn exec_real_drush(argv: &[OsString]) -> String {
    let real = match real_drush() {
        Ok(p) => p,
        Err(msg) => return msg,
    };
    let err = Command::new(&real).args(&argv[1..]).exec();
    format!("Cannot run the real Drush {}: {err}", real.display())
}

/// The real Drush from `PROVISION_DRUSH`, which must not be this program.
fn real_drush() -> Result<PathBuf, String> {
    let real = std::env::var_os(REAL_DRUSH_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            format!("This command needs the real Drush: set {REAL_DRUSH_VAR} to its path.")
        })?;
    let me = std::env::current_exe().and_then(std::fs::canonicalize).ok();
    if std::fs::canonicalize(&real).ok() == me {
        return Err(format!(
            "{REAL_DRUSH_VAR} points at provision itself ({}).",
            real.display()
        ));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn name_and_command_decide() {
        assert!(invoked_as_drush(&os(&["/usr/local/bin/drush"])));
        assert!(!invoked_as_drush(&os(&["provision"])));
        assert!(handles(&os(&[
            "drush",
            "@none",
            "--backend=2",
            "provision-save",
            "@x"
        ])));
        assert!(handles(&os(&["drush", "-r", "/p", "sa"])));
        assert!(!handles(&os(&[
            "drush",
            "@hostmaster",
            "hosting-task",
            "5"
        ])));
        assert!(!handles(&os(&["drush", "status"])));
    }
}
