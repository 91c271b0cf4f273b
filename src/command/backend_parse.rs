//! `provision backend-parse`: reads a backend-mode run's output on stdin (as Aegir's
//! Debian scripts pipe `drush --backend` into it) and prints it for people: each log
//! entry as `[type] message`, then the command's output. Exits 1 when the run
//! reported an error or its output holds no result block.

use crate::drush::backend::parse_output;
use crate::php::Value;
use std::ffi::OsString;
use std::io::Read;

/// `backend-parse` in the command table.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "backend-parse",
    aliases: &[],
    summary: "Print the backend output of a command, read on stdin, for people.",
    usage: "COMMAND --backend | provision backend-parse",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Drush(main),
};

/// Runs backend-parse on stdin.
pub fn main(_target: Option<&str>, _args: &[OsString]) -> i32 {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("backend-parse: cannot read stdin: {e}");
        return 1;
    }
    let Some(parsed) = parse_output(&input) else {
        eprintln!("backend-parse: no DRUSH_BACKEND_OUTPUT_START block on stdin.");
        return 1;
    };
    for entry in parsed.log.iter().filter_map(|(_, v)| v.as_array()) {
        let text = |k: &str| crate::context::prop_text(entry, k);
        println!("[{}] {}", text("type"), text("message"));
    }
    let output = crate::context::prop_text(&parsed.result, "output");
    if !output.is_empty() {
        println!("{output}");
    }
    let failed = parsed
        .result
        .get_str("error_status")
        .is_some_and(Value::is_truthy);
    i32::from(failed)
}
