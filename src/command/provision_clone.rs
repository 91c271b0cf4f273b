//! `provision @SITE provision-clone @NEW @PLATFORM`: copies the site under a new name
//! (see [`crate::task::clone`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::clone::clone_site;
use crate::task::migrate::MigrateOptions;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// `provision-clone` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-clone",
    aliases: &[],
    summary: "Copy a site to a new name on a platform, with its own database; the source keeps running.",
    usage: "provision @SITE provision-clone @NEW @PLATFORM [--new_db_server=@SERVER] [--profile=NAME] [--aliases=A,B] [--redirection=NAME]",
    arguments: &[("@NEW", "The clone's name (its uri)."), ("@PLATFORM", "The platform the clone runs on.")],
    options: &[("--new_db_server=@SERVER", "The clone's database server (default: the source's)."), ("--profile=NAME", "The clone's install profile."), ("--aliases=A,B", "The clone's other host names (default: none)."), ("--redirection=NAME", "The name the clone's other names redirect to.")],
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
    let (Some(new_name), Some(platform)) = (inputs.args.first(), inputs.args.get(1)) else {
        return Err(TaskError::Refused(
            "PROVISION_CLONE_INVALID",
            "provision-clone needs the new name and the platform: provision @SITE provision-clone @NEW @PLATFORM".into(),
        ));
    };
    let opts = MigrateOptions {
        platform: platform.clone(),
        new_name: Some(new_name.clone()),
        db_server: inputs
            .text("new_db_server")
            .or_else(|| inputs.text("db_server")),
        profile: inputs.text("profile"),
        aliases: inputs.text("aliases"),
        redirection: inputs.text("redirection"),
    };
    clone_site(store, name, &inputs.run, &opts, p)
}
