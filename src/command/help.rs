//! `provision help [COMMAND]`, `provision --help` and `provision COMMAND --help`: the
//! command list, and one command's arguments and options, in Drush 8's layout.

use super::spec::{Runner, Spec, TASK_OPTIONS};
use std::fmt::Write;

/// The list of every command with its summary (`drush help`).
pub fn command_list(commands: &[&Spec]) -> String {
    let width = commands.iter().map(|c| label(c).len()).max().unwrap_or(0);
    let mut out = String::from("Usage: provision [@CONTEXT] COMMAND [ARGUMENTS] [OPTIONS]\n\n");
    out.push_str("All commands in provision:\n");
    for c in commands {
        let _ = writeln!(out, " {:width$}  {}", label(c), c.summary);
    }
    out.push_str("\nSee `provision help COMMAND` for a command's arguments and options.\n");
    out
}

/// The command name with its aliases: `site-alias (sa)`.
fn label(c: &Spec) -> String {
    if c.aliases.is_empty() {
        c.name.to_string()
    } else {
        format!("{} ({})", c.name, c.aliases.join(", "))
    }
}

/// One command's help: summary, usage, arguments, options (`drush help COMMAND`).
pub fn command_help(c: &Spec) -> String {
    let mut out = format!("{}\n\nUsage: {}\n", c.summary, c.usage);
    section(&mut out, "Arguments", c.arguments);
    section(&mut out, "Options", c.options);
    if matches!(c.run, Runner::Task(_)) {
        section(&mut out, "Task options", TASK_OPTIONS);
    }
    if !c.aliases.is_empty() {
        let _ = write!(out, "\nAliases: {}\n", c.aliases.join(", "));
    }
    out
}

/// A titled two-column section; nothing for an empty list.
fn section(out: &mut String, title: &str, rows: &[(&str, &str)]) {
    if rows.is_empty() {
        return;
    }
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let _ = write!(out, "\n{title}:\n");
    for (name, text) in rows {
        let _ = writeln!(out, " {name:width$}  {text}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: Spec = Spec {
        name: "provision-x",
        aliases: &["px"],
        summary: "Does x.",
        usage: "provision @SITE provision-x FILE",
        arguments: &[("FILE", "The file.")],
        options: &[("--force", "Even so.")],
        run: Runner::Clap,
    };

    #[test]
    fn list_names_every_command_with_its_summary() {
        let text = command_list(&[&SAMPLE]);
        assert!(text.contains(" provision-x (px)  Does x.\n"), "{text}");
    }

    #[test]
    fn command_help_has_usage_arguments_and_options() {
        let text = command_help(&SAMPLE);
        assert!(text.starts_with("Does x.\n\nUsage: provision @SITE provision-x FILE\n"));
        assert!(text.contains("Arguments:\n FILE  The file.\n"));
        assert!(text.contains("Options:\n --force  Even so.\n"));
        assert!(text.contains("Aliases: px"));
    }
}
