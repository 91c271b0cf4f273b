//! `provision @SITE provision-disable`: backs the site up and replaces its vhost with
//! one that redirects to the disabled-site page (see [`crate::task::enable`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::enable::disable_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-disable` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-disable",
    aliases: &[],
    summary: "Disable a site: back it up and send its visitors to the server's web_disable_url.",
    usage: "provision @SITE provision-disable",
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
    disable_site(store, name, &inputs.run, p)
}
