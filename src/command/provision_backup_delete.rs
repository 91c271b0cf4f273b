//! `provision @SITE provision-backup-delete "FILE[,FILE...]"`: removes backups in the
//! server's backup path (see [`crate::task::backup_delete`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::backup_delete::delete_backups;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-backup-delete` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-backup-delete",
    aliases: &[],
    summary: "Delete backup tarballs of a site.",
    usage: "provision @SITE provision-backup-delete FILE[,FILE...]",
    arguments: &[("FILE[,FILE...]", "The backup files, comma separated.")],
    options: &[],
    run: super::spec::Runner::Task(super::spec::Task {
        run,
        many: false,
        after: super::spec::print_nothing,
    }),
};

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let _ = name;
    delete_backups(store, &inputs.args.join(","), p)
}
