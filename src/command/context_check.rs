//! `provision context-check`: reports broken references, duplicate site names and
//! unknown service types among the Aegir contexts in ~/.drush.

use super::context_list::home_store;
use super::{CommandError, Invocation};
use crate::context::store::check;

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
