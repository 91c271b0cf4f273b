//! Commands: one module per command, each a thin layer over the library.

pub mod backend_parse;
pub mod context_check;
pub mod context_list;
pub mod help;
pub mod install_shim;
pub mod parse;
pub mod provision_backup;
pub mod provision_backup_delete;
pub mod provision_clone;
pub mod provision_delete;
pub mod provision_deploy;
pub mod provision_disable;
pub mod provision_enable;
pub mod provision_import;
pub mod provision_install;
pub mod provision_lock;
pub mod provision_login_reset;
pub mod provision_migrate;
pub mod provision_restore;
pub mod provision_save;
pub mod provision_unlock;
pub mod provision_verify;
pub mod site_alias;
pub mod site_alias_convert;
pub mod spec;
pub mod task_runner;

use self::spec::{Runner, Spec};
use crate::alias::{AliasError, EvalOptions};
use crate::drush;
use crate::drush::argv::split_target;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Args, Parser, Subcommand};
use std::ffi::OsString;

/// The command line, after Drush's leading `@alias` target has been split off.
#[derive(Debug, Parser)]
#[command(
    name = "provision",
    version,
    about = "Aegir's backend and a Drush 8 alias toolkit, in Rust"
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Cmd,
}

/// Options every command accepts (Drush's global options).
#[derive(Clone, Debug, Default, Args)]
pub struct GlobalArgs {
    /// Extra alias directories, separated by `:` (searched first).
    #[arg(long, global = true, value_name = "DIRS")]
    pub alias_path: Option<String>,
    /// Skip the global alias locations (`/etc/drush`, `~/.drush`).
    #[arg(long, global = true)]
    pub local: bool,
    /// Never evaluate alias files with system PHP.
    #[arg(long, global = true)]
    pub no_php: bool,
    /// The PHP binary for the fallback evaluator.
    #[arg(long, global = true, value_name = "PATH", default_value = "php")]
    pub php: String,
    /// Drupal root.
    #[arg(short = 'r', long, global = true, value_name = "PATH")]
    pub root: Option<String>,
    /// Site URI.
    #[arg(short = 'l', long, global = true, value_name = "URI")]
    pub uri: Option<String>,
    /// More output (`-vvv` is debug).
    #[arg(short = 'v', long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Debug output (verbosity 3, as `-vvv`).
    #[arg(short = 'd', long, global = true)]
    pub debug: bool,
    /// Commands that write only print what they would write.
    #[arg(short = 's', long, global = true)]
    pub simulate: bool,
    /// Answer yes to every prompt.
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Less output.
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// Machine-readable output: the command's pipe format, no final newline
    /// (implies `--quiet`).
    #[arg(short = 'p', long, global = true)]
    pub pipe: bool,
    /// `--strict=0` ignores unknown options instead of failing on them (Drush 8).
    #[arg(long, global = true, value_name = "0|1")]
    pub strict: Option<String>,
}

impl GlobalArgs {
    /// How alias files are evaluated under these options.
    pub fn eval_options(&self) -> EvalOptions {
        EvalOptions {
            php_fallback: !self.no_php,
            php_binary: self.php.clone(),
        }
    }

    /// The verbosity level: the number of `-v`, or 3 with `--debug`.
    pub fn verbosity(&self) -> u8 {
        if self.debug {
            3
        } else {
            self.verbose
        }
    }

    /// True at debug verbosity (`-d`, `--debug` or `-vvv`).
    pub fn is_debug(&self) -> bool {
        self.verbosity() >= 3
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Print what PHP's include of an alias file leaves in $aliases and $options.
    Parse(parse::ParseArgs),
    /// List or print site aliases (Drush 8 `site-alias`).
    #[command(name = "site-alias", visible_alias = "sa")]
    SiteAlias(site_alias::SiteAliasArgs),
    /// Convert legacy PHP alias files to Drush 9+ `*.site.yml`, or back.
    #[command(name = "site-alias-convert", visible_alias = "sac")]
    SiteAliasConvert(site_alias_convert::ConvertArgs),
    /// List the Aegir contexts in ~/.drush.
    #[command(name = "context-list")]
    ContextList(context_list::ListArgs),
    /// Check the Aegir contexts in ~/.drush: references, duplicates, service types.
    #[command(name = "context-check")]
    ContextCheck(context_check::CheckArgs),
    /// Install PREFIX/bin/drush, a symlink that makes provision the `drush` entry point.
    #[command(name = "install-shim")]
    InstallShim(install_shim::InstallShimArgs),
}

/// Every command, in the order `help` lists them.
pub const COMMANDS: &[&Spec] = &[
    &backend_parse::SPEC,
    &context_check::SPEC,
    &context_list::SPEC,
    &install_shim::SPEC,
    &parse::SPEC,
    &provision_backup::SPEC,
    &provision_backup_delete::SPEC,
    &provision_clone::SPEC,
    &provision_delete::SPEC,
    &provision_deploy::SPEC,
    &provision_disable::SPEC,
    &provision_enable::SPEC,
    &provision_import::SPEC,
    &provision_install::SPEC,
    &provision_lock::SPEC,
    &provision_login_reset::SPEC,
    &provision_migrate::SPEC,
    &provision_restore::SPEC,
    &provision_save::SPEC,
    &provision_unlock::SPEC,
    &provision_verify::SPEC,
    &site_alias::SPEC,
    &site_alias_convert::SPEC,
];

/// The command `word` names, by name or alias.
pub fn find(word: &str) -> Option<&'static Spec> {
    COMMANDS.iter().copied().find(|c| c.answers_to(word))
}

/// What a command needs besides its own arguments.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The `@alias` given before the command, if any.
    pub target: Option<String>,
    /// Global options.
    pub global: GlobalArgs,
}

/// A command failed: the message goes to stderr and the process exits with `code`.
#[derive(Debug)]
pub struct CommandError {
    /// What went wrong.
    pub message: String,
    /// The exit code (Drush: 1 for errors).
    pub code: i32,
}

impl CommandError {
    /// An error with exit code 1.
    pub fn new(message: impl Into<String>) -> CommandError {
        CommandError {
            message: message.into(),
            code: 1,
        }
    }
}

impl From<AliasError> for CommandError {
    fn from(e: AliasError) -> CommandError {
        CommandError::new(e.to_string())
    }
}

impl From<std::io::Error> for CommandError {
    fn from(e: std::io::Error) -> CommandError {
        CommandError::new(e.to_string())
    }
}

/// Runs the command line `argv` (including the program name) and returns the exit code.
pub fn run(argv: Vec<OsString>) -> i32 {
    if drush::shim::invoked_as_drush(&argv) && !drush::shim::handles(&argv) {
        eprintln!("{}", drush::shim::exec_real_drush(&argv));
        return 1;
    }
    let (target, argv) = split_target(argv);
    if let Some(code) = answer_help(&argv) {
        return code;
    }
    if let Some(code) = run_drush_style(target.as_deref(), &argv) {
        return code;
    }
    let cli = match parse_cli(argv) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let inv = Invocation {
        target,
        global: cli.global,
    };
    let started = std::time::Instant::now();
    let result = match cli.command {
        Cmd::Parse(args) => parse::run(&inv, &args),
        Cmd::SiteAlias(args) => site_alias::run(&inv, &args),
        Cmd::SiteAliasConvert(args) => site_alias_convert::run(&inv, &args),
        Cmd::ContextList(args) => context_list::run(&inv, &args),
        Cmd::ContextCheck(args) => context_check::run(&inv, &args),
        Cmd::InstallShim(args) => install_shim::run(&inv, &args),
    };
    if inv.global.is_debug() {
        eprintln!(
            "[debug] Command finished in {:.3} sec.",
            started.elapsed().as_secs_f64()
        );
    }
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", e.message);
            e.code
        }
    }
}

/// Parses argv with clap under Drush 8's rule for unknown options: an error
/// naming them (exit 1), unless `--strict=0` is given, which drops them.
fn parse_cli(mut argv: Vec<OsString>) -> Result<Cli, i32> {
    let strict = !argv.iter().any(|a| a == "--strict=0");
    loop {
        let e = match Cli::try_parse_from(&argv) {
            Ok(cli) => return Ok(cli),
            Err(e) => e,
        };
        let unknown = match (e.kind(), e.get(ContextKind::InvalidArg)) {
            (ErrorKind::UnknownArgument, Some(ContextValue::String(arg)))
                if arg.starts_with('-') =>
            {
                arg.clone()
            }
            _ => {
                let _ = e.print();
                return Err(if e.use_stderr() { 1 } else { 0 });
            }
        };
        if strict {
            eprintln!("{}", unknown_option_message(&argv, &unknown));
            return Err(1);
        }
        let name = unknown.split('=').next().unwrap_or_default().to_string();
        let before = argv.len();
        argv.retain(|a| {
            let a = a.to_string_lossy();
            a != name && !a.starts_with(&format!("{name}="))
        });
        if argv.len() == before {
            let _ = e.print();
            return Err(1);
        }
    }
}

/// Drush 8's words for an unknown option.
fn unknown_option_message(argv: &[OsString], option: &str) -> String {
    let program = argv
        .first()
        .and_then(|p| std::path::Path::new(p).file_name())
        .map_or("provision".into(), |n| n.to_string_lossy().into_owned());
    let command = crate::drush::argv::command_position(argv)
        .map_or(String::new(), |i| argv[i].to_string_lossy().into_owned());
    format!(
        "Unknown option: {option}. See `{program} help {command}` for available options. \
         To suppress this error, add the option --strict=0."
    )
}

/// Commands that take Drush's arbitrary `--key=value` options (which clap would
/// reject) are parsed the Drush way instead. `None` when argv names another command.
fn run_drush_style(target: Option<&str>, argv: &[OsString]) -> Option<i32> {
    let pos = crate::drush::argv::command_position(argv)?;
    let spec = find(argv[pos].to_str()?)?;
    let args: Vec<OsString> = argv[1..pos]
        .iter()
        .chain(&argv[pos + 1..])
        .cloned()
        .collect();
    match spec.run {
        Runner::Drush(command) => Some(command(target, &args)),
        Runner::Task(task) => Some(task_runner::main(spec.name, target, &args, task)),
        Runner::Clap => None,
    }
}

/// Answers `provision`, `provision --help`, `provision help [COMMAND]` and
/// `provision COMMAND --help` for Drush-style commands; `None` for anything else
/// (clap prints the help of its own commands).
fn answer_help(argv: &[OsString]) -> Option<i32> {
    let asks_help = argv[1..].iter().any(|w| w == "--help" || w == "-h");
    let Some(pos) = crate::drush::argv::command_position(argv) else {
        return (argv.len() == 1 || asks_help).then(print_list);
    };
    let command = argv[pos].to_string_lossy();
    if command == "help" {
        let rest: Vec<OsString> = std::iter::once(argv[0].clone())
            .chain(argv[pos + 1..].iter().cloned())
            .collect();
        return match crate::drush::argv::command_position(&rest) {
            None => Some(print_list()),
            Some(i) => Some(print_command_help(&rest[i].to_string_lossy())),
        };
    }
    match find(&command) {
        Some(spec) if asks_help && !matches!(spec.run, Runner::Clap) => {
            Some(print_command_help(&command))
        }
        _ => None,
    }
}

fn print_list() -> i32 {
    print!("{}", help::command_list(COMMANDS));
    0
}

/// Prints the help of command `name`; clap prints its own commands' help.
fn print_command_help(name: &str) -> i32 {
    match find(name) {
        Some(spec) if matches!(spec.run, Runner::Clap) => {
            let argv = ["provision", spec.name, "--help"]
                .map(OsString::from)
                .to_vec();
            parse_cli(argv).map_or_else(|code| code, |_| 0)
        }
        Some(spec) => {
            print!("{}", help::command_help(spec));
            0
        }
        None => {
            eprintln!("Command {name} not found. Run `provision help` for the list.");
            1
        }
    }
}

/// Prints a command's error and gives its exit code.
pub(crate) fn exit_code(result: Result<(), CommandError>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("{}", e.message);
            e.code
        }
    }
}
