//! `provision @PLATFORM provision-unlock`: Aegir keeps platform locks in the front end;
//! the backend command exists so hosting's task succeeds, and does nothing.

use super::task_runner::{self, Inputs};
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// `provision-unlock` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-unlock",
    aliases: &[],
    summary: "Unlock a platform (the lock lives in the front end: nothing to do here).",
    usage: "provision @PLATFORM provision-unlock",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-unlock with the Drush-style arguments after the command name.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    task_runner::main("provision-unlock", target, args, &run, |_| {})
}

fn run(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    task_runner::single("provision-unlock", name)?;
    let _ = (store, inputs);
    p.success(format!(
        "{name} is unlocked in the front end; nothing to do here."
    ));
    Ok(Report::default())
}
