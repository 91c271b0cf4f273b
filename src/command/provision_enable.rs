//! `provision @SITE provision-enable`: writes the site's own vhost back (see
//! [`crate::task::enable`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::enable::enable_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-enable` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-enable",
    aliases: &[],
    summary: "Enable a disabled site: its own vhost again.",
    usage: "provision @SITE provision-enable",
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
    enable_site(store, name, &inputs.run, p)
}
