//! `provision-save @NAME --context_type=TYPE [--key=value ...] [--delete]`: computes
//! a context's properties as Aegir does and writes its alias file(s). A server
//! with a mysql service must answer (a test database is created and dropped)
//! unless `--skip-db-check` is given.

use super::CommandError;
use crate::context::build::array_filter;
use crate::context::save::{plan_save, write_saved};
use crate::context::store::{referrers, Store};
use crate::context::write::{delete_alias, lock_context, remove_stale_temps, render_alias};
use crate::context::{alias_dir, alias_file, bare_name, validate_name, ContextError};
use crate::drush::argv::{parse_options, DrushArgs};
use crate::drush::backend::{read_stdin_options, Backend};
use crate::php::{PhpArray, Value};
use std::ffi::OsString;
use std::io::{BufRead, Write};
use std::path::PathBuf;

impl From<ContextError> for CommandError {
    fn from(e: ContextError) -> CommandError {
        CommandError::new(e.to_string())
    }
}

/// `provision-save` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "provision-save",
    aliases: &[],
    summary: "Save a server, platform or site context as a Drush alias file (--delete removes it).",
    usage: "provision provision-save @NAME --context_type=server|platform|site [--key=value ...] [--delete]",
    arguments: &[
        ("@NAME", "The context to save."),
    ],
    options: &[
        ("--context_type=TYPE", "server, platform or site (a stored context keeps its type)."),
        ("--delete", "Remove the context's alias file(s)."),
        ("--remote_host=HOST", "Server: its host name."),
        ("--http_service_type=TYPE", "Server: apache, nginx, apache_ssl, nginx_ssl, https_apache, https_nginx, cluster, pack or NONE."),
        ("--db_service_type=TYPE", "Server: mysql, sqlite or NONE."),
        ("--master_db=URL", "Server: mysql://USER:PASSWORD@HOST[:PORT] of the database administrator."),
        ("--root=PATH", "Platform: its code base."),
        ("--web_server=@SERVER", "Platform: the server that serves it."),
        ("--platform=@PLATFORM", "Site: its platform."),
        ("--db_server=@SERVER", "Site: its database server."),
        ("--uri=URI", "Site: its host name."),
        ("--aliases=A,B", "Site: other host names it answers to."),
        ("--skip-db-check", "Server: save without testing the database administrator's account."),
        ("--KEY=VALUE", "Any other property, kept in the alias (as contrib modules' keys are)."),
    ],
    run: super::spec::Runner::Drush(main),
};

/// Runs provision-save with the Drush-style arguments after the command name and
/// returns the exit code. `target` is the `@alias` given before the command, if
/// any. With `--backend`, reports through Drush's backend protocol.
pub fn main(target: Option<&str>, args: &[OsString]) -> i32 {
    let parsed = parse_options(args);
    let backend = parsed
        .options
        .get_str("backend")
        .is_some_and(Value::is_truthy);
    let posted = if backend {
        read_stdin_options()
    } else {
        PhpArray::new()
    };
    let self_record = if backend {
        self_record(target)
    } else {
        PhpArray::new()
    };
    let result = run(target, &parsed, &posted);
    if !backend {
        return super::exit_code(result.map(|_| ()));
    }
    let mut report = Backend::new();
    let code = match result {
        Ok((name, done)) => {
            report.log("success", &format!("{done} the context {name}."), None);
            0
        }
        Err(e) => {
            report.set_error("PROVISION_SAVE_FAILED", &e.message);
            e.code
        }
    };
    report.finish(&self_record, &posted.merge(&parsed.options));
    code
}

/// The `@self` record Drush reports in backend mode: the target's alias record
/// as loaded before the command ran, without `#` keys (`#name` and Drush's
/// internal ones). No target, `@none`, or an unloadable record give nothing.
fn self_record(target: Option<&str>) -> PhpArray {
    let Some(name) = target.filter(|t| *t != "@none") else {
        return PhpArray::new();
    };
    if validate_name(bare_name(name)).is_err() {
        return PhpArray::new();
    }
    let Ok(home) = std::env::var("HOME") else {
        return PhpArray::new();
    };
    let store = Store::new(alias_dir(&PathBuf::from(home)), Default::default());
    let record = store.load(name).ok().flatten().unwrap_or_default();
    super::task_runner::without_hash_keys(&record)
}

/// Saves or deletes the context; returns its name and what was done (`Saved`,
/// `Deleted`). `--delete`, `--yes` and `--no` count whether given on the command line
/// or posted (hosting posts `delete` after a provision-delete).
fn run(
    target: Option<&str>,
    parsed: &DrushArgs,
    posted: &PhpArray,
) -> Result<(String, &'static str), CommandError> {
    let name = context_name(target, parsed)?;
    let home = std::env::var("HOME").map_err(|_| CommandError::new("HOME is not set."))?;
    let store = Store::new(alias_dir(&PathBuf::from(home)), Default::default());
    let simulate = flag(&parsed.options, "simulate");
    let _lock = if simulate {
        None
    } else {
        let lock = lock_context(&store.dir, &name)?;
        remove_stale_temps(&store.dir, &name);
        Some(lock)
    };
    let given = posted.merge(&parsed.options);
    if flag(&given, "delete") {
        confirm_delete(&store, &name, &given)?;
        delete(&store, &name, simulate)?;
        return Ok((name, "Deleted"));
    }
    // Command-line options take precedence over posted ones.
    let options = array_filter(posted).merge(&array_filter(&parsed.options));
    emit(&store, &plan_save(&store, &name, &options)?, simulate)?;
    Ok((name, "Saved"))
}

/// True when option `name` is given and truthy.
fn flag(options: &PhpArray, name: &str) -> bool {
    options.get_str(name).is_some_and(Value::is_truthy)
}

/// Drush's exit code for a user abort (DRUSH_EXITCODE_USER_ABORT).
const USER_ABORT: i32 = 75;

/// Before deleting a context other contexts refer to, asks for confirmation
/// unless `--yes` or `--backend` (Drush's affirmative mode) answers it; `--no`,
/// "n" or the end of stdin abort with exit code 75.
fn confirm_delete(store: &Store, name: &str, options: &PhpArray) -> Result<(), CommandError> {
    if !store.dir.is_dir() {
        return Ok(());
    }
    let users = referrers(&store.load_all()?, name);
    if users.is_empty() {
        return Ok(());
    }
    let affirmative = flag(options, "yes") || flag(options, "backend");
    if flag(options, "no") || !(affirmative || ask_yes_no(name, &users)?) {
        return Err(CommandError {
            message: format!("Cancelled: {name} was not deleted."),
            code: USER_ABORT,
        });
    }
    Ok(())
}

/// Asks on stdout whether to delete `name` despite `users`, until the answer
/// read from stdin is yes or no; the end of stdin is no.
fn ask_yes_no(name: &str, users: &[String]) -> Result<bool, CommandError> {
    let mut out = std::io::stdout().lock();
    let mut input = std::io::stdin().lock();
    loop {
        write!(
            out,
            "{name} is referred to by {}, which would be left dangling. Continue? (y/n): ",
            users.join(", ")
        )?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out)?;
            return Ok(false);
        }
        match line.trim().to_ascii_lowercase().as_str() {
            "y" | "yes" => return Ok(true),
            "n" | "no" => return Ok(false),
            _ => {}
        }
    }
}

/// Deletes the alias file of `name`; with `simulate`, only says so.
fn delete(store: &Store, name: &str, simulate: bool) -> Result<(), CommandError> {
    if simulate {
        let path = alias_file(&store.dir, name);
        println!("Would delete {}", path.display());
        return Ok(());
    }
    Ok(delete_alias(&store.dir, name)?)
}

/// Writes every alias file of the save; with `simulate`, prints each path and the
/// bytes it would hold instead.
fn emit(store: &Store, files: &[(String, PhpArray)], simulate: bool) -> Result<(), CommandError> {
    if !simulate {
        return Ok(write_saved(store, files)?);
    }
    let mut out = std::io::stdout().lock();
    for (name, props) in files {
        writeln!(
            out,
            "Would write {}:",
            alias_file(&store.dir, name).display()
        )?;
        out.write_all(&render_alias(name, props))?;
    }
    Ok(out.flush()?)
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
