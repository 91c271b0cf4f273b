//! `provision @SITE provision-import`: adopts a running site (see [`crate::task::import`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::import::import_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-import` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-import",
    aliases: &[],
    summary: "Adopt a site that already runs on a platform into its saved context, then verify it.",
    usage: "provision @SITE provision-import",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-import with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-import", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-import", name)?;
    import_site(store, name, &inputs.run, p)
}
