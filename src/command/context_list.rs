//! `provision context-list [--type=TYPE] [--json]`: the Aegir contexts in ~/.drush.

use super::{CommandError, Invocation};
use crate::context::store::Store;
use crate::context::{alias_dir, bare_name, prop_text, ContextType};
use crate::php::json::{json_encode, JsonFlags};
use crate::php::{PhpArray, Value};
use std::path::PathBuf;

/// `context-list` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "context-list",
    aliases: &[],
    summary: "List the Aegir contexts in ~/.drush.",
    usage: "provision context-list",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Arguments of `context-list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only contexts of this type (server, platform or site).
    #[arg(long = "type", value_name = "TYPE")]
    pub ctype: Option<String>,
    /// Print the records as a JSON object keyed by name.
    #[arg(long)]
    pub json: bool,
}

/// The store of the user running the command.
pub fn home_store(inv: &Invocation) -> Result<Store, CommandError> {
    let home = std::env::var("HOME").map_err(|_| CommandError::new("HOME is not set."))?;
    Ok(Store::new(
        alias_dir(&PathBuf::from(home)),
        inv.global.eval_options(),
    ))
}

/// Runs `context-list`: one `@name type` line per context, or JSON.
pub fn run(inv: &Invocation, args: &ListArgs) -> Result<(), CommandError> {
    let wanted = args.ctype.as_deref().map(ContextType::parse).transpose()?;
    let all = home_store(inv)?.load_all()?;
    let selected: PhpArray = all
        .into_iter()
        .filter(|(_, r)| wanted.is_none_or(|t| prop_text(r, "context_type") == t.as_str()))
        .map(|(n, r)| (bare_name(&n).into(), Value::Array(r)))
        .collect();
    if args.json {
        let flags = JsonFlags {
            pretty_print: true,
            unescaped_slashes: true,
            ..JsonFlags::default()
        };
        let text = json_encode(&Value::Array(selected), flags)
            .map_err(|e| CommandError::new(e.to_string()))?;
        println!("{}", String::from_utf8_lossy(&text));
        return Ok(());
    }
    for (name, rec) in selected.iter() {
        let rec = rec.as_array().cloned().unwrap_or_default();
        println!("@{name} {}", prop_text(&rec, "context_type"));
    }
    Ok(())
}
