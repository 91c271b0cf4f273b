//! `provision @SITE provision-login-reset`: a one-time login link for the admin account
//! (see [`crate::task::login`]), in `context.login_link`.

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::login::login_reset;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-login-reset` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-login-reset",
    aliases: &[],
    summary: "Make a one-time login link for a site's admin account.",
    usage: "provision @SITE provision-login-reset",
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
    let _ = inputs;
    login_reset(store, name, &inputs.run, p)
}
