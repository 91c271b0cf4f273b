//! `provision @SITE provision-migrate @PLATFORM [@NEW_NAME] [--db_server=@SERVER]
//! [--dry-run [--json]]`: moves a site to another platform, web server, database
//! server or name (see [`crate::task::migrate`]). `--dry-run` prints the plan — steps,
//! hosts, paths — and changes nothing; with `--json` as one JSON object.

use super::task_runner::Inputs;
use crate::context::prop_text;
use crate::context::store::Store;
use crate::php::{PhpArray, Value};
use crate::task::migrate::{migrate_site, plan, MigrateOptions};
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;

/// The context key a dry run's plan travels in, to be printed.
const PLAN: &str = "migrate_plan";

/// `provision-migrate` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-migrate",
    aliases: &[],
    summary: "Move a site to another platform, database server or name.",
    usage: "provision @SITE provision-migrate @PLATFORM [@NEW_NAME] [--new_db_server=@SERVER] [--profile=NAME] [--dry-run [--json]]",
    arguments: &[
        ("@PLATFORM", "The target platform."),
        ("@NEW_NAME", "The site's new name (a rename)."),
    ],
    options: &[
        ("--new_db_server=@SERVER", "The target database server (also --db_server)."),
        ("--profile=NAME", "The profile the site has on the target platform."),
        ("--dry-run", "Print the plan and change nothing."),
        ("--json", "With --dry-run: the plan as JSON."),
    ],
    run: super::spec::Runner::Task(super::spec::Task {
        run: migrate,
        many: false,
        after: print_plan,
    }),
};

fn migrate(
    store: &Store,
    name: &str,
    _ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    let platform = inputs.args.first().cloned().ok_or_else(|| {
        TaskError::Refused(
            "PROVISION_MIGRATE_INVALID",
            "provision-migrate needs the target platform: provision @SITE provision-migrate @PLATFORM [@NEW_NAME]".into(),
        )
    })?;
    let opts = MigrateOptions {
        platform,
        new_name: inputs.args.get(1).cloned(),
        db_server: inputs
            .text("new_db_server")
            .or_else(|| inputs.text("db_server")),
        profile: inputs.text("profile"),
        ..MigrateOptions::default()
    };
    if !inputs.flag("dry-run") {
        return migrate_site(store, name, &inputs.run, &opts, p);
    }
    let plan = plan(store, name, &opts, &inputs.run)?;
    let text = if inputs.flag("json") {
        plan.to_json().to_string()
    } else {
        plan.steps()
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {s}", i + 1))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let mut context = PhpArray::new();
    context.set(PLAN, Value::str(&text));
    Ok(Report {
        context,
        self_options: PhpArray::new(),
    })
}

fn print_plan(report: &Report) {
    let plan = prop_text(&report.context, PLAN);
    if !plan.is_empty() {
        println!("{plan}");
    }
}
