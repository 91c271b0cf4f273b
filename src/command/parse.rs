//! `provision parse FILE`: what PHP's include of an alias file leaves, printed the
//! way PHP would print `array('aliases' => $aliases, 'options' => $options)`.

use super::{CommandError, Invocation};
use crate::alias::{include_alias_file, Scope};
use crate::php::json::{json_encode, JsonFlags};
use crate::php::serialize::serialize;
use crate::php::var_export::var_export;
use crate::php::{PhpArray, Value};
use std::io::Write;
use std::path::PathBuf;

/// `parse` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "parse",
    aliases: &[],
    summary: "Print what PHP's include of an alias file leaves in $aliases and $options.",
    usage: "provision parse FILE [--format=serialize|json|var_export]",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Output formats of `parse`.
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
pub enum ParseFormat {
    /// PHP `serialize()`.
    #[default]
    Serialize,
    /// PHP `json_encode()` with no flags.
    Json,
    /// PHP `var_export(…, TRUE)`.
    #[value(name = "var_export")]
    VarExport,
}

/// Arguments of `parse`.
#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// The alias file.
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "serialize")]
    pub format: ParseFormat,
}

/// Runs `parse`.
pub fn run(inv: &Invocation, args: &ParseArgs) -> Result<(), CommandError> {
    let mut scope = Scope::new();
    let (aliases, options, included) =
        include_alias_file(&args.file, &mut scope, &inv.global.eval_options())?;
    let mut result = PhpArray::new();
    result.set("aliases", aliases);
    result.set("options", options);
    let result = Value::Array(result);
    let body = match args.format {
        ParseFormat::Serialize => serialize(&result),
        ParseFormat::VarExport => var_export(&result),
        ParseFormat::Json => json_encode(&result, JsonFlags::default())
            .map_err(|e| CommandError::new(format!("{}: json_encode: {e}", args.file.display())))?,
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&included.output)?;
    out.write_all(&body)?;
    out.flush()?;
    Ok(())
}
