//! `provision @SITE provision-deploy FILE [--old_uri=URI]`: deploys a backup tarball
//! into a site context that is not installed (see [`crate::task::deploy`]).

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::deploy::{deploy_site, DeployOptions};
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::path::Path;

/// `provision-deploy` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-deploy",
    aliases: &[],
    summary: "Deploy a backup tarball into a site context that is not installed.",
    usage: "provision @SITE provision-deploy FILE [--old_uri=URI]",
    arguments: &[("FILE", "The backup tarball.")],
    options: &[(
        "--old_uri=URI",
        "The uri the backup was taken of, for a rename.",
    )],
    run: super::spec::Runner::Task(super::spec::Task {
        run: deploy,
        many: false,
        after: super::spec::print_nothing,
    }),
};

fn deploy(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let file = inputs.args.first().ok_or_else(|| {
        TaskError::Refused(
            "PROVISION_BACKUP_MISSING",
            "provision-deploy needs the backup file: provision @SITE provision-deploy FILE".into(),
        )
    })?;
    let opts = DeployOptions {
        old_uri: inputs.text("old_uri"),
    };
    deploy_site(store, name, Path::new(file), &inputs.run, &opts, p)
}
