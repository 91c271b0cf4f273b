//! `provision @SITE provision-backup [FILE]`: backs a site up in Aegir's tarball
//! layout (see [`crate::task::backup`]) and prints the file's path.

use super::task_runner::Inputs;
use crate::context::prop_text;
use crate::context::store::Store;
use crate::task::backup::backup_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::path::Path;

/// `provision-backup` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-backup",
    aliases: &[],
    summary: "Back a site up: a tarball of its directory and its database dump.",
    usage: "provision @SITE provision-backup [FILE]",
    arguments: &[(
        "FILE",
        "Where to write the tarball (default: in the server's backup path).",
    )],
    options: &[],
    run: super::spec::Runner::Task(super::spec::Task {
        run: backup,
        many: false,
        after: print_file,
    }),
};

fn backup(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let file = inputs.args.first().map(Path::new);
    backup_site(store, name, file, &inputs.run, p)
}

fn print_file(report: &Report) {
    println!("{}", prop_text(&report.context, "backup_file"));
}
