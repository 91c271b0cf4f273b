//! `provision @SITE provision-login-reset`: a one-time login link for the admin account
//! (see [`crate::task::login`]), in `context.login_link`.

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::login::login_reset;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-login-reset` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-login-reset",
    aliases: &[],
    summary: "Make a one-time login link for a site's admin account.",
    usage: "provision @SITE provision-login-reset",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-login-reset with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-login-reset", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-login-reset", name)?;
    let _ = inputs;
    login_reset(store, name, &inputs.run, p)
}
