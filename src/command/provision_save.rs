//! `provision-save @NAME --context_type=TYPE [--key=value ...] [--delete]`: computes
//! a context's properties as Aegir does and writes its alias file(s).

use super::CommandError;
use crate::context::build::{array_filter, array_unique, build, Host};
use crate::context::store::Store;
use crate::context::write::{delete_alias, lock_context, write_alias};
use crate::context::{alias_dir, bare_name, php_string, validate_name, ContextError, ContextType};
use crate::drush::argv::{parse_options, DrushArgs};
use crate::drush::backend::read_stdin_options;
use crate::php::{PhpArray, Value};
use std::ffi::OsString;
use std::path::PathBuf;

impl From<ContextError> for CommandError {
    fn from(e: ContextError) -> CommandError {
        CommandError::new(e.to_string())
    }
}

/// Runs provision-save with the Drush-style arguments after the command name.
/// `target` is the `@alias` given before the command, if any.
pub fn run(target: Option<&str>, args: &[OsString]) -> Result<(), CommandError> {
    let parsed = parse_options(args);
    let name = context_name(target, &parsed)?;
    let home = std::env::var("HOME").map_err(|_| CommandError::new("HOME is not set."))?;
    let store = Store::new(alias_dir(&PathBuf::from(home)), Default::default());
    let _lock = lock_context(&store.dir, &name)?;
    if parsed
        .options
        .get_str("delete")
        .is_some_and(Value::is_truthy)
    {
        return Ok(delete_alias(&store.dir, &name)?);
    }
    let options = posted_options(&parsed.options).merge(&array_filter(&parsed.options));
    save(&store, &name, &options, &Host::detect())
}

/// With `--backend`, the options a caller posted on stdin, filtered of falsy
/// values; command-line options take precedence over them.
fn posted_options(cli: &PhpArray) -> PhpArray {
    if cli.get_str("backend").is_some_and(Value::is_truthy) {
        array_filter(&read_stdin_options())
    } else {
        PhpArray::new()
    }
}

/// The context name: the first argument, else the target; `@none` is no name.
fn context_name(target: Option<&str>, parsed: &DrushArgs) -> Result<String, CommandError> {
    let name = parsed
        .args
        .first()
        .map(String::as_str)
        .or(target)
        .filter(|n| *n != "@none")
        .ok_or_else(|| {
            CommandError::new("provision-save needs a context name: provision-save @NAME")
        })?;
    validate_name(bare_name(name))?;
    Ok(format!("@{}", bare_name(name)))
}

/// Loads the record, computes the properties and writes every alias file.
pub fn save(
    store: &Store,
    name: &str,
    options: &PhpArray,
    host: &Host,
) -> Result<(), CommandError> {
    let record = store.load(name)?.unwrap_or_default();
    let options = array_filter(options);
    let ctype = context_type(&record, &options)?;
    let mut props = build(name, ctype, &record, &options, host, store)?;
    for list in ["aliases", "drush_aliases"] {
        if let Some(Value::Array(a)) = props.get_str(list) {
            let unique = array_unique(a);
            props.set(list, Value::Array(unique));
        }
    }
    let extra = drush_alias_names(&props)?;
    write_alias(&store.dir, name, &props)?;
    for alias in extra {
        write_alias(&store.dir, &alias, &props)?;
    }
    Ok(())
}

/// The type: the stored record's, else the option's, else server.
fn context_type(record: &PhpArray, options: &PhpArray) -> Result<ContextType, CommandError> {
    let ty = [record, options]
        .iter()
        .find_map(|a| a.get_str("context_type").filter(|v| v.is_truthy()))
        .map(|v| String::from_utf8_lossy(&php_string(v)).into_owned())
        .unwrap_or_else(|| "server".to_string());
    Ok(ContextType::parse(&ty)?)
}

/// The names of a site's extra alias files, each checked as a file name.
fn drush_alias_names(props: &PhpArray) -> Result<Vec<String>, CommandError> {
    let Some(Value::Array(list)) = props.get_str("drush_aliases") else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (_, v) in list.iter() {
        let name = String::from_utf8_lossy(&php_string(v)).into_owned();
        validate_name(bare_name(&name))?;
        names.push(name);
    }
    Ok(names)
}
