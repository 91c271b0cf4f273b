//! `provision @PLATFORM provision-lock`: Aegir keeps platform locks in the front end;
//! the backend command exists so hosting's task succeeds, and does nothing.

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-lock` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-lock",
    aliases: &[],
    summary:
        "Lock a platform against new sites (the lock lives in the front end: nothing to do here).",
    usage: "provision @PLATFORM provision-lock",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-lock with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-lock", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-lock", name)?;
    let _ = (store, inputs);
    p.success(format!(
        "{name} is locked in the front end; nothing to do here."
    ));
    Ok(Report::default())
}
