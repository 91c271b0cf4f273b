//! The parser and evaluator never panic: thousands of deterministic mutations of
//! the fixtures, plus pathological nesting, go through [`eval_source`].

use super::eval_source;
use crate::alias::Scope;
use std::path::Path;

/// Tokens spliced into fixtures: the places a PHP parser usually gets wrong.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    "$",
    "{$",
    "${",
    "\\",
    "<<<EOT\n",
    "\nEOT;",
    "<<<'N'\n",
    "?>",
    "<?php ",
    "//",
    "#",
    "#[",
    "/*",
    "*/",
    "=>",
    ",",
    ";",
    "-",
    "!",
    "@",
    "9223372036854775808",
    "0x",
    "0b2",
    "1e999",
    "07",
    "1_",
    ".",
    "..",
    ".=",
    "??",
    "?:",
    "include 'x';",
    "require 'nope';",
    "\\u{",
    "\\u{110000}",
    "\\x",
    "$a[",
    "$a[]",
    "[]",
    "array(",
    "function(){}",
    "(int)",
    "(array)",
    "/ 0",
    "% 0",
    "PHP_INT_MAX + ",
    "\u{e9}",
    "\u{ff}",
    "\r\n",
    "\0",
    "else",
    "endif;",
    "foreach ($x as $k => $v)",
    "unset($a[",
    "return;",
];

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(src: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = src.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(out.len() + 1);
        match rng.below(5) {
            0 => {
                let end = (at + rng.below(16)).min(out.len());
                out.drain(at..end);
            }
            1 => {
                let tok = TOKENS[rng.below(TOKENS.len())].as_bytes();
                out.splice(at..at, tok.iter().copied());
            }
            2 => {
                let end = (at + rng.below(32)).min(out.len());
                let copy = out[at..end].to_vec();
                out.splice(at..at, copy);
            }
            3 => out.truncate(at),
            _ => {
                if at < out.len() {
                    out[at] = rng.next() as u8;
                }
            }
        }
    }
    out
}

fn fixture_sources() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/aliases");
    let mut out = Vec::new();
    for dir in ["constructs", "fallback", "broken"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        out.extend(paths.iter().filter_map(|p| std::fs::read(p).ok()));
    }
    assert!(!out.is_empty(), "no fixtures found");
    out
}

fn run(input: &[u8]) {
    let result = std::panic::catch_unwind(|| {
        let mut scope = Scope::new();
        let _ = eval_source(input, &mut scope);
    });
    assert!(
        result.is_ok(),
        "panic on input:\n{}",
        String::from_utf8_lossy(input)
    );
}

#[test]
fn mutated_fixtures_never_panic() {
    let sources = fixture_sources();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..4000 {
        let src = &sources[i % sources.len()];
        run(&mutate(src, &mut rng));
    }
}

#[test]
fn pathological_nesting_is_refused_not_overflowed() {
    let deep = |open: &str, mid: &str, close: &str, n: usize| {
        format!("<?php $a = {}{}{};", open.repeat(n), mid, close.repeat(n)).into_bytes()
    };
    run(&deep("(", "1", ")", 100_000));
    run(&deep("[", "1", "]", 100_000));
    run(&deep("array(", "1", ")", 100_000));
    run(&deep("!", "1", "", 100_000));
    run(&deep("- ", "1", "", 100_000));
    run(&deep("(int)", "1", "", 100_000));
    run(&deep("", "1", " + 1", 100_000));
    run(&deep("$b ?? ", "1", "", 100_000));
    run(&deep("$b = ", "1", "", 100_000));
    run(&deep("\"{$a[", "1", "]}\"", 10_000));
    run(format!("<?php $a = '{}';", "x".repeat(1_000_000)).as_bytes());
}
