//! `provision @NAME provision-verify`: verifies a server, platform or site context
//! (see [`crate::task::verify`]).

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::{self, Report};
use crate::task::TaskError;
use std::ffi::OsString;

/// Runs provision-verify with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-verify", target, args, &verify_any, |_| {})
}

fn verify_any(
    store: &Store,
    name: &str,
    ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    match ctype {
        "platform" => verify::verify_platform(store, name, &inputs.run, p),
        "site" => verify::verify_site(store, name, &inputs.run, p),
        _ => verify::verify_server(store, name, &inputs.run, p),
    }
}
