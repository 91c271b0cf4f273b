//! Splitting Drush's argv: the first non-option argument in alias format is the target.

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

#[cfg(test)]
mod tests {
    use super::*;

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
