//! What each command declares about itself: its name, what it does, its arguments and
//! options (for `help`), and how it is run. The command table in `command/mod.rs` is a
//! list of these, one per command file.

use super::task_runner::Inputs;
use crate::context::store::Store;
use crate::task::progress::Progress;
use crate::task::verify::Report;
use crate::task::TaskError;
use std::ffi::OsString;

/// How a command's own arguments are parsed and run.
#[derive(Clone, Copy)]
pub enum Runner {
    /// Drush's way: any `--key=value` is an option (Aegir's commands take options they
    /// do not declare); run with the `@alias` target and the arguments after the
    /// command name, returning the exit code.
    Drush(fn(Option<&str>, &[OsString]) -> i32),
    /// A task on a context (`provision @CONTEXT provision-TASK`), run by
    /// [`super::task_runner::main`]: Drush's arguments, the backend protocol, the report.
    Task(Task),
    /// Parsed by clap (the alias toolkit's commands), which also prints their help.
    Clap,
}

/// What a task command runs: given the store, the context name, its type, the inputs
/// and the log, the task's report.
pub type TaskFn = fn(&Store, &str, &str, &Inputs, &mut Progress) -> Result<Report, TaskError>;

/// A task command.
#[derive(Clone, Copy)]
pub struct Task {
    /// The task.
    pub run: TaskFn,
    /// True when it takes an alias list (`@a,@b,@c`); else one context.
    pub many: bool,
    /// What it prints for people after a run outside backend mode.
    pub after: fn(&Report),
}

/// The `after` of a task that prints nothing but its log.
pub fn print_nothing(_: &Report) {}

/// A command as `help` lists and describes it.
pub struct Spec {
    /// The command name (`provision-verify`).
    pub name: &'static str,
    /// Other names the command answers to (`sa`).
    pub aliases: &'static [&'static str],
    /// One line: what the command does.
    pub summary: &'static str,
    /// How the command line looks.
    pub usage: &'static str,
    /// Positional arguments: name and description.
    pub arguments: &'static [(&'static str, &'static str)],
    /// The command's own options: `--name[=VALUE]` and description.
    pub options: &'static [(&'static str, &'static str)],
    /// How it runs.
    pub run: Runner,
}

impl Spec {
    /// True when `word` names this command or one of its aliases.
    pub fn answers_to(&self, word: &str) -> bool {
        self.name == word || self.aliases.contains(&word)
    }
}

/// Options every task command (`provision @CONTEXT provision-TASK`) reads.
pub const TASK_OPTIONS: &[(&str, &str)] = &[
    (
        "--backend",
        "Report through Drush's backend protocol: options posted as JSON on stdin, log packets, a final result block (as hosting calls it).",
    ),
    ("--php=PATH", "The PHP binary that runs the platform's code (default: php)."),
    (
        "--phpfpm_socket_path=PATH",
        "The php-fpm socket the vhosts pass PHP to (or --phpfpm_port=[HOST:]PORT).",
    ),
    (
        "--nginx_conf=FILE",
        "Test the web server's whole configuration with this nginx.conf before reloading (--apache_confdir=DIR for Apache).",
    ),
    ("--ssh_config=FILE", "The ssh client configuration for remote servers."),
    ("--ssh_timeout=SECONDS", "Connect timeout for remote servers (default 10)."),
    ("--ssh_parallel=N", "Servers published to at once (default 8)."),
];
