//! `provision @PLATFORM provision-unlock`: Aegir keeps platform locks in the front end;
//! the backend command exists so hosting's task succeeds, and does nothing.

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-unlock` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-unlock",
    aliases: &[],
    summary: "Unlock a platform (the lock lives in the front end: nothing to do here).",
    usage: "provision @PLATFORM provision-unlock",
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
    let _ = (store, inputs);
    p.success(format!(
        "{name} is unlocked in the front end; nothing to do here."
    ));
    Ok(Report::default())
}
