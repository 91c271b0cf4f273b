//! `provision @SITE provision-restore FILE`: puts the site back to a backup (see
//! [`crate::task::restore`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::restore::restore_site;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;
use std::path::Path;

/// `provision-restore` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-restore",
    aliases: &[],
    summary: "Restore a site from a backup, after a fresh backup of its current state.",
    usage: "provision @SITE provision-restore FILE",
    arguments: &[("FILE", "The backup tarball.")],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-restore with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-restore", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-restore", name)?;
    let file = inputs.args.first().ok_or_else(|| {
        TaskError::Refused(
            "PROVISION_BACKUP_MISSING",
            "provision-restore needs the backup file: provision @SITE provision-restore FILE"
                .into(),
        )
    })?;
    restore_site(store, name, Path::new(file), &inputs.run, p)
}
