//! `provision-clone @NEW @PLATFORM`, as Aegir's clone: the site is backed up, a new
//! site context saved (on the given platform and database server, with its own name
//! and none of the source's host names unless given), and the backup deployed into it
//! with a new database and the paths rewritten to the new name. The source keeps
//! running untouched; a failure takes back everything made for the clone.

use super::backup::backup_site;
use super::migrate::{move_into_target, plan, MigrateOptions};
use super::progress::Progress;
use super::resolve::{load_site, RunOptions};
use super::undo::UndoLog;
use super::verify::Report;
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::Value;

/// Clones site `name` to `opts.new_name` on `opts.platform`. Reports `backup_file`,
/// `backup_file_size`, `old_platform`, `db_name`, `profile`, `packages` and
/// `cron_key` in `context`.
pub fn clone_site(
    store: &Store,
    name: &str,
    run: &RunOptions,
    opts: &MigrateOptions,
    p: &mut Progress,
) -> Result<Report> {
    if opts.new_name.is_none() {
        return Err(TaskError::Refused(
            "PROVISION_CLONE_INVALID",
            "provision-clone needs the new site's name: provision @SITE provision-clone @NEW @PLATFORM".into(),
        ));
    }
    let opts = MigrateOptions {
        aliases: Some(opts.aliases.clone().unwrap_or_default()),
        redirection: Some(opts.redirection.clone().unwrap_or_default()),
        ..opts.clone()
    };
    let plan = plan(store, name, &opts, run)?;
    let source = load_site(store, name)?;
    let backup = backup_site(store, name, None, run, p)?;
    let mut undo = UndoLog::new();
    let made = move_into_target(store, &source, &plan, &opts, &backup, run, &mut undo, p);
    let report = match made {
        Ok(report) => report,
        Err(e) => {
            p.warning(format!(
                "Cloning {} failed: {e}. Taking back {}.",
                source.uri, plan.target
            ));
            undo.roll_back(p);
            return Err(e);
        }
    };
    p.success(format!(
        "Cloned {} to {} on {}.",
        source.name, plan.target, plan.platform
    ));
    let mut context = backup.context.merge(&report.context);
    context.set("old_platform", Value::str(&source.platform.name));
    Ok(Report {
        context,
        self_options: report.self_options,
    })
}
