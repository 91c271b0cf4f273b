//! `provision @SITE provision-disable`: backs the site up and replaces its vhost with
//! one that redirects to the disabled-site page (see [`crate::task::enable`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::enable::disable_site;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-disable` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-disable",
    aliases: &[],
    summary: "Disable a site: back it up and send its visitors to the server's web_disable_url.",
    usage: "provision @SITE provision-disable",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-disable with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-disable", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-disable", name)?;
    disable_site(store, name, &inputs.run, p)
}
