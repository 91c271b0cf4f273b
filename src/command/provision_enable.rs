//! `provision @SITE provision-enable`: writes the site's own vhost back (see
//! [`crate::task::enable`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::enable::enable_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-enable` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-enable",
    aliases: &[],
    summary: "Enable a disabled site: its own vhost again.",
    usage: "provision @SITE provision-enable",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-enable with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-enable", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-enable", name)?;
    enable_site(store, name, &inputs.run, p)
}
