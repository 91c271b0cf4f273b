//! `provision context-check`: reports broken references, duplicate site names and
//! unknown service types among the Aegir contexts in ~/.drush.

use super::context_list::home_store;
use super::{CommandError, Invocation};
use crate::context::store::check;

/// `context-check` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "context-check",
    aliases: &[],
    summary: "Check the Aegir contexts in ~/.drush: references, duplicates, service types.",
    usage: "provision context-check",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Arguments of `context-check` (none of its own).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Runs `context-check`: one `@name: problem` line per problem and exit 1 if any.
pub fn run(inv: &Invocation, _args: &CheckArgs) -> Result<(), CommandError> {
    let all = home_store(inv)?.load_all()?;
    let problems = check(&all);
    for p in &problems {
        println!("{}: {}", p.context, p.message);
    }
    if problems.is_empty() {
        println!("{} contexts, no problems.", all.len());
        Ok(())
    } else {
        Err(CommandError::new(format!(
            "{} problem(s) in {} contexts.",
            problems.len(),
            all.len()
        )))
    }
}
