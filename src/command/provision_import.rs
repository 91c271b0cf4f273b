//! `provision @SITE provision-import`: adopts a running site (see [`crate::task::import`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::import::import_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-import` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-import",
    aliases: &[],
    summary: "Adopt a site that already runs on a platform into its saved context, then verify it.",
    usage: "provision @SITE provision-import",
    arguments: &[],
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
    import_site(store, name, &inputs.run, p)
}
