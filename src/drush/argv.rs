//! Splitting Drush's argv: the first non-option argument in alias format is the target.

use crate::php::{PhpArray, Value};
use std::ffi::OsString;

/// Options that take the next argv element as their value (`-r /path`, `-l uri`).
const SHORT_WITH_VALUE: &[&str] = &["-r", "-l", "-c", "-u", "-i"];

/// True for a site specification Drush treats as an alias: starts with `@` or `#`,
/// contains `,`, or contains at least two of `@ / #`.
pub fn is_alias_format(arg: &str) -> bool {
    if arg.starts_with('@') || arg.starts_with('#') || arg.contains(',') {
        return true;
    }
    ['@', '/', '#'].iter().filter(|c| arg.contains(**c)).count() >= 2
}

/// Removes the target (`provision @site cmd …`) from `argv` if the first
/// non-option argument is in alias format, returning it and the rest.
pub fn split_target(mut argv: Vec<OsString>) -> (Option<String>, Vec<OsString>) {
    let mut i = 1;
    while i < argv.len() {
        let arg = argv[i].to_string_lossy();
        if arg.len() > 1 && arg.starts_with('-') {
            i += if SHORT_WITH_VALUE.contains(&arg.as_ref()) {
                2
            } else {
                1
            };
            continue;
        }
        if is_alias_format(&arg) {
            let target = arg.into_owned();
            argv.remove(i);
            return (Some(target), argv);
        }
        break;
    }
    (None, argv)
}

/// The index of the command name in `argv` (after the program name and any
/// target): the first element that is neither an option nor an option's value.
pub fn command_position(argv: &[OsString]) -> Option<usize> {
    let mut i = 1;
    while i < argv.len() {
        let arg = argv[i].to_string_lossy();
        if !(arg.len() > 1 && arg.starts_with('-')) {
            return Some(i);
        }
        i += if SHORT_WITH_VALUE.contains(&arg.as_ref()) {
            2
        } else {
            1
        };
    }
    None
}

/// Drush's short options and their long names.
const SHORT_NAMES: &[(char, &str)] = &[
    ('r', "root"),
    ('l', "uri"),
    ('v', "verbose"),
    ('d', "debug"),
    ('y', "yes"),
    ('n', "no"),
    ('s', "simulate"),
    ('p', "pipe"),
    ('h', "help"),
    ('q', "quiet"),
    ('i', "include"),
    ('c', "config"),
    ('u', "user"),
    ('b', "backend"),
];

/// Arguments and options as `drush_parse_args` reads them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DrushArgs {
    /// Positional arguments, in order.
    pub args: Vec<String>,
    /// Options by long name: `--k=v` is the string `v`, `--k` is TRUE, `--no-k`
    /// sets `k` to FALSE; a later occurrence wins.
    pub options: PhpArray,
}

/// Parses argv elements (without program and command) left to right, as Drush 8:
/// options anywhere, `--name value` is not an option value, `-r -l -c -u -i`
/// take the next element, `-abc` sets each letter.
pub fn parse_options(argv: &[OsString]) -> DrushArgs {
    let mut out = DrushArgs::default();
    let mut it = argv.iter().map(|a| a.to_string_lossy().into_owned());
    while let Some(arg) = it.next() {
        if let Some(long) = arg.strip_prefix("--") {
            let (key, value) = match long.split_once('=') {
                Some((k, v)) => (k, Value::str(v)),
                None => match long.strip_prefix("no-") {
                    Some(k) => (k, Value::Bool(false)),
                    None => (long, Value::Bool(true)),
                },
            };
            out.options.set(key, value);
        } else if arg.len() > 1 && arg.starts_with('-') {
            parse_short(&arg[1..], &mut it, &mut out.options);
        } else {
            out.args.push(arg);
        }
    }
    out
}

/// One `-x` or `-abc` token; `-r` and friends consume the next element.
fn parse_short(letters: &str, rest: &mut impl Iterator<Item = String>, options: &mut PhpArray) {
    if SHORT_WITH_VALUE.contains(&format!("-{letters}").as_str()) {
        let value = rest.next().map(Value::str).unwrap_or(Value::Bool(true));
        options.set(&long_name(letters), value);
        return;
    }
    for c in letters.chars() {
        options.set(&long_name(&c.to_string()), Value::Bool(true));
    }
}

/// The long name of a short option (itself when unknown).
fn long_name(short: &str) -> String {
    SHORT_NAMES
        .iter()
        .find(|(c, _)| short.len() == 1 && short.starts_with(*c))
        .map(|(_, l)| l.to_string())
        .unwrap_or_else(|| short.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_anywhere_and_values_are_strings() {
        let p = parse_options(&os(&[
            "--a=1", "x", "--b", "-r", "/p", "--no-c", "-yv", "--d=e=f",
        ]));
        assert_eq!(p.args, vec!["x".to_string()]);
        assert_eq!(p.options.get_str("a"), Some(&Value::str("1")));
        assert_eq!(p.options.get_str("b"), Some(&Value::Bool(true)));
        assert_eq!(p.options.get_str("root"), Some(&Value::str("/p")));
        assert_eq!(p.options.get_str("c"), Some(&Value::Bool(false)));
        assert_eq!(p.options.get_str("yes"), Some(&Value::Bool(true)));
        assert_eq!(p.options.get_str("verbose"), Some(&Value::Bool(true)));
        assert_eq!(p.options.get_str("d"), Some(&Value::str("e=f")));
    }

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn target_before_command_is_split_off() {
        let (t, rest) = split_target(os(&["provision", "-r", "/x", "@none", "sa", "@g.dev"]));
        assert_eq!(t.as_deref(), Some("@none"));
        assert_eq!(rest, os(&["provision", "-r", "/x", "sa", "@g.dev"]));
    }

    #[test]
    fn command_first_means_no_target() {
        let (t, rest) = split_target(os(&["provision", "sa", "@g.dev"]));
        assert_eq!(t, None);
        assert_eq!(rest.len(), 3);
    }

    #[test]
    fn alias_format_rules() {
        assert!(is_alias_format("@x"));
        assert!(is_alias_format("#default"));
        assert!(is_alias_format("a,b"));
        assert!(is_alias_format("user@host/path"));
        assert!(!is_alias_format("/path"));
        assert!(!is_alias_format("sa"));
    }
}
