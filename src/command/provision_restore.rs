//! `provision @SITE provision-restore FILE`: puts the site back to a backup (see
//! [`crate::task::restore`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::restore::restore_site;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::path::Path;

/// `provision-restore` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-restore",
    aliases: &[],
    summary: "Restore a site from a backup, after a fresh backup of its current state.",
    usage: "provision @SITE provision-restore FILE",
    arguments: &[("FILE", "The backup tarball.")],
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
    let file = inputs.args.first().ok_or_else(|| {
        TaskError::Refused(
            "PROVISION_BACKUP_MISSING",
            "provision-restore needs the backup file: provision @SITE provision-restore FILE"
                .into(),
        )
    })?;
    restore_site(store, name, Path::new(file), &inputs.run, p)
}
