//! `provision site-alias-convert`. (Placeholder; the semantics branch implements it.)

use super::{CommandError, Invocation};

/// Arguments of `site-alias-convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Sources.
    pub sources: Vec<String>,
}

/// Runs `site-alias-convert`.
pub fn run(_inv: &Invocation, _args: &ConvertArgs) -> Result<(), CommandError> {
    Err(CommandError::new("not yet"))
}
