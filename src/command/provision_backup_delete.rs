//! `provision @SITE provision-backup-delete "FILE[,FILE...]"`: removes backups in the
//! server's backup path (see [`crate::task::backup_delete`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::backup_delete::delete_backups;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-backup-delete` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-backup-delete",
    aliases: &[],
    summary: "Delete backup tarballs of a site.",
    usage: "provision @SITE provision-backup-delete FILE[,FILE...]",
    arguments: &[("FILE[,FILE...]", "The backup files, comma separated.")],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-backup-delete with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-backup-delete", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-backup-delete", name)?;
    let _ = name;
    delete_backups(store, &inputs.args.join(","), p)
}
