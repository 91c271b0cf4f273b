//! `provision @NAME provision-verify`: verifies a server, platform or site context
//! (see [`crate::task::verify`]). `provision @a,@b,@c provision-verify` verifies
//! them all in one run and publishes to each web server once.

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::{self, Report};
use crate::task::TaskError;

/// `provision-verify` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-verify",
    aliases: &[],
    summary: "Verify a server, platform or site: write its configs and files, publish them and reload the web servers.",
    usage: "provision @CONTEXT[,@CONTEXT...] provision-verify",
    arguments: &[
    ],
    options: &[
    ],
    run: super::spec::Runner::Task(super::spec::Task {
        run: verify_any,
        many: true,
        after: super::spec::print_nothing,
    }),
};

fn verify_any(
    store: &Store,
    names: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let names: Vec<String> = names.split(',').map(str::to_string).collect();
    verify::verify_many(store, &names, &inputs.run, p)
}
