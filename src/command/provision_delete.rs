//! `provision @SITE|@PLATFORM provision-delete`: deletes a site (after a backup) or an
//! unused platform (see [`crate::task::delete`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::delete::{delete_platform, delete_server, delete_site};
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-delete` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-delete",
    aliases: &[],
    summary: "Delete a site (after a backup), an unused platform or an unused server.",
    usage: "provision @CONTEXT provision-delete",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Task(super::spec::Task {
        run: delete,
        many: false,
        after: super::spec::print_nothing,
    }),
};

fn delete(
    store: &Store,
    name: &str,
    ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    match ctype {
        "platform" => delete_platform(store, name, &inputs.run, p),
        "site" => delete_site(store, name, &inputs.run, p),
        "server" => delete_server(store, name, p),
        _ => Err(TaskError::Refused(
            "PROVISION_CONTEXT_NOT_FOUND",
            format!("There is no context {name} to delete."),
        )),
    }
}
