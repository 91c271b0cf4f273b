//! What the task commands (`provision-verify`, `provision-install`) share: Drush-style
//! arguments, the target context, the run options, progress on stderr or through the
//! backend protocol, and the final backend block hosting parses.

use super::spec::Task;
use super::CommandError;
use crate::context::store::Store;
use crate::context::{alias_dir, bare_name, prop_text};
use crate::drush::argv::{parse_options, DrushArgs};
use crate::drush::backend::{read_stdin_options, Backend};
use crate::php::{PhpArray, Value};
use crate::remote::SshOptions;
use crate::service::http::FpmEndpoint;
use crate::task::progress::{Progress, Sink, StderrSink};
use crate::task::resolve::RunOptions;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// A command's inputs: the merged options (posted, then command line) and run settings.
pub struct Inputs {
    /// Options: posted JSON on stdin (backend mode) overridden by the command line.
    pub options: PhpArray,
    /// Settings of this run.
    pub run: RunOptions,
    /// The command's arguments after the context name (e.g. a backup file).
    pub args: Vec<String>,
}

impl Inputs {
    /// Option `name` as text, if given and not empty.
    pub fn text(&self, name: &str) -> Option<String> {
        Some(prop_text(&self.options, name)).filter(|s| !s.is_empty())
    }

    /// True when option `name` is given and truthy.
    pub fn flag(&self, name: &str) -> bool {
        self.options.get_str(name).is_some_and(Value::is_truthy)
    }
}

impl Sink for Backend {
    fn entry(&mut self, kind: &str, message: &str) {
        self.log(kind, message, None);
    }
}

/// Runs `task` for the command's target and returns the exit code. `command` names
/// the command in messages; `after` prints a result for people (not in backend mode).
pub fn main(command: &str, target: Option<&str>, args: &[OsString], task: Task) -> i32 {
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
    let (name, args) = match context_name(command, target, &parsed) {
        Ok(found) => found,
        Err(e) => return super::exit_code(Err(e)),
    };
    let options = posted.merge(&parsed.options);
    let inputs = Inputs {
        run: run_options(&options),
        options,
        args,
    };
    let store = Store::new(alias_dir(&home()), Default::default());
    let record = store.load(&name).ok().flatten().unwrap_or_default();
    let ctype = prop_text(&record, "context_type");
    if !backend {
        let mut sink = StderrSink::new(inputs.flag("quiet"));
        let mut progress = Progress::new(&mut sink);
        let result = run_task(command, task, &store, &name, &ctype, &inputs, &mut progress);
        return super::exit_code(
            result
                .map(|r| (task.after)(&r))
                .map_err(|e| CommandError::new(e.to_string())),
        );
    }
    let mut report = Backend::new();
    let before = site_drushrc(&record);
    let result = run_task(
        command,
        task,
        &store,
        &name,
        &ctype,
        &inputs,
        &mut Progress::new(&mut report),
    );
    let (code, done) = match result {
        Ok(done) => (0, done),
        Err(e) => {
            report.set_error(e.code(), &e.to_string());
            (1, Report::default())
        }
    };
    let drushrc = site_drushrc(&record).unwrap_or(before.unwrap_or_default());
    let self_record = without_hash_keys(&record)
        .merge(&drushrc)
        .merge(&done.self_options);
    let context = drush_context(&store, &name, &record, &drushrc)
        .merge(&inputs.options)
        .merge(&done.context);
    report.finish(&self_record, &context);
    code
}

/// What Drush's `context` holds at the end of a task on `name` before the task's own
/// options: the alias record (with `#name` and `#file`, as Drush loads it) and, for a
/// site, the options of its `drushrc.php` (`db_name`, `packages`, …).
fn drush_context(store: &Store, name: &str, record: &PhpArray, drushrc: &PhpArray) -> PhpArray {
    if name.contains(',') || record.is_empty() {
        return PhpArray::new();
    }
    let mut context = drushrc.clone();
    for (k, v) in record.iter() {
        context.insert(k.clone(), v.clone());
    }
    context.set("#name", Value::str(bare_name(name)));
    let file = crate::context::alias_file(&store.dir, name);
    context.set("#file", Value::str(file.to_string_lossy().as_ref()));
    context
}

/// The options in a site's `drushrc.php`, when the record is a site's and the file
/// reads.
fn site_drushrc(record: &PhpArray) -> Option<PhpArray> {
    if prop_text(record, "context_type") != "site" {
        return None;
    }
    let path = PathBuf::from(prop_text(record, "site_path")).join("drushrc.php");
    let mut scope = crate::alias::Scope::new();
    crate::alias::evaluate_alias_file(&path, &mut scope, &Default::default())
        .ok()
        .map(|(_, options, _)| options)
}

/// The context and the remaining arguments: the `@alias` target (`provision @site
/// COMMAND ARGS`), else the first argument (`provision COMMAND @site ARGS`). A
/// Drush alias list (`@a,@b`) comes back as `@a,@b`, each name checked; commands that
/// take one context refuse it with [`single`].
fn context_name(
    command: &str,
    target: Option<&str>,
    parsed: &DrushArgs,
) -> Result<(String, Vec<String>), CommandError> {
    let (name, args) = match target.filter(|t| *t != "@none") {
        Some(t) => (Some(t.to_string()), parsed.args.clone()),
        None => (
            parsed.args.first().cloned(),
            parsed.args.iter().skip(1).cloned().collect(),
        ),
    };
    let name = name.ok_or_else(|| {
        CommandError::new(format!(
            "{command} needs a context: provision @NAME {command}"
        ))
    })?;
    let names = name
        .split(',')
        .map(|n| {
            crate::context::validate_name(bare_name(n))?;
            Ok(format!("@{}", bare_name(n)))
        })
        .collect::<Result<Vec<_>, CommandError>>()?;
    Ok((names.join(","), args))
}

/// Runs `task` on `name`, refusing an alias list unless the task takes one.
fn run_task(
    command: &str,
    task: Task,
    store: &Store,
    name: &str,
    ctype: &str,
    inputs: &Inputs,
    p: &mut Progress,
) -> Result<Report, TaskError> {
    if !task.many {
        single(command, name)?;
    }
    (task.run)(store, name, ctype, inputs, p)
}

/// Refuses an alias list for a command that works on one context.
fn single(command: &str, name: &str) -> Result<(), TaskError> {
    if name.contains(',') {
        return Err(TaskError::Refused(
            "PROVISION_INVALID_CONTEXT",
            format!("{command} works on one context, not the list {name}."),
        ));
    }
    Ok(())
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Settings of the run from the options (posted or on the command line): `--php`, `--phpfpm_socket_path` or
/// `--phpfpm_port=[HOST:]PORT`, `--nginx_conf`, `--apache_confdir`, and for remote
/// servers `--ssh_config=FILE` (the ssh client config), `--ssh_timeout=SECONDS`
/// (connect timeout, default 10) and `--ssh_parallel=N` (servers published to at
/// once, default 8).
fn run_options(options: &PhpArray) -> RunOptions {
    let text = |k: &str| Some(prop_text(options, k)).filter(|s| !s.is_empty() && s != "1");
    let php_fpm = text("phpfpm_socket_path")
        .map(|p| FpmEndpoint::Socket(p.into()))
        .or_else(|| text("phpfpm_port").and_then(|p| tcp_endpoint(&p)));
    RunOptions {
        php: text("php").unwrap_or_else(|| "php".into()),
        php_fpm,
        nginx_conf: text("nginx_conf").map(PathBuf::from),
        apache_confdir: text("apache_confdir").map(PathBuf::from),
        ssh: ssh_options(&text),
    }
}

fn ssh_options(text: &dyn Fn(&str) -> Option<String>) -> SshOptions {
    let default = SshOptions::default();
    let number = |k: &str| {
        text(k)
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|n| *n > 0)
    };
    SshOptions {
        config_file: text("ssh_config").map(PathBuf::from),
        connect_timeout: number("ssh_timeout")
            .map(Duration::from_secs)
            .unwrap_or(default.connect_timeout),
        parallel: number("ssh_parallel").map_or(default.parallel, |n| n as usize),
    }
}

/// `HOST:PORT` or `PORT` (on 127.0.0.1).
fn tcp_endpoint(text: &str) -> Option<FpmEndpoint> {
    let (host, port) = text.rsplit_once(':').unwrap_or(("127.0.0.1", text));
    Some(FpmEndpoint::Tcp {
        host: host.to_string(),
        port: port.parse().ok()?,
    })
}

/// A record without Drush's internal `#` keys (the `self` of backend output).
pub(crate) fn without_hash_keys(record: &PhpArray) -> PhpArray {
    record
        .iter()
        .filter(|(k, _)| !k.to_bytes().starts_with(b"#"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
