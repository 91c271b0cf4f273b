//! Arbitrary bytes as an alias file: parsing and evaluating them (fallback off)
//! may fail, but must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provision::alias::{eval::eval_source, Scope};

fuzz_target!(|data: &[u8]| {
    let mut scope = Scope::new();
    let _ = eval_source(data, &mut scope);
});
