//! `provision site-alias` / `sa`. (Placeholder; the semantics branch implements it.)

use super::{CommandError, Invocation};

/// Arguments of `site-alias`.
#[derive(Debug, clap::Args)]
pub struct SiteAliasArgs {
    /// Alias names.
    pub names: Vec<String>,
}

/// Runs `site-alias`.
pub fn run(_inv: &Invocation, _args: &SiteAliasArgs) -> Result<(), CommandError> {
    Err(CommandError::new("not yet"))
}
