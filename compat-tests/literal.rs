//! Compat test for the literal fast path: alias files written the way Aegir
//! writes them (`$aliases['name'] = <var_export>;`) around thousands of generated
//! values are included by provision and by real PHP; the resulting `$aliases` and
//! `$options` must serialize to the same bytes.

mod common;

use common::values::*;
use common::{assert_bytes_eq, php};
use provision::alias::{include_alias_file, literal, EvalOptions, Scope};
use provision::php::serialize::serialize;
use provision::php::var_export::var_export;
use provision::php::{PhpArray, Value};

const CASES: usize = 3_000;

/// The alias file for case `i`: a record, an `$options` default, or both.
fn alias_file(i: usize, v: &Value) -> Vec<u8> {
    let mut src = b"<?php \n".to_vec();
    if i.is_multiple_of(5) {
        src.extend_from_slice(b"$options = ");
        src.extend(var_export(v));
        src.extend_from_slice(b";\n");
    }
    if !i.is_multiple_of(5) || i.is_multiple_of(10) {
        src.extend_from_slice(format!("$aliases['site{i}.example.com'] = ").as_bytes());
        src.extend(var_export(v));
        src.extend_from_slice(b";\n");
    }
    src
}

#[test]
fn literal_files_mean_what_php_includes() {
    let dir = tempfile::tempdir().unwrap();
    let values = generate(php_value(), 7, CASES);
    let mut paths = Vec::new();
    let mut fast = 0;
    for (i, v) in values.iter().enumerate() {
        let src = alias_file(i, v);
        fast += usize::from(literal::parse_literal_file(&src).is_some());
        let path = dir.path().join(format!("site{i}.alias.drushrc.php"));
        std::fs::write(&path, &src).unwrap();
        paths.push(path);
    }
    assert!(
        fast * 10 >= CASES * 6,
        "only {fast} of {CASES} files took the fast path"
    );

    let mut list = Vec::new();
    for p in &paths {
        frame(&mut list, p.to_str().unwrap().as_bytes());
    }
    let oracle = format!(
        "{PHP_FRAMES}
        function load($f) {{ $aliases = $options = array(); include $f; return array('aliases' => $aliases, 'options' => $options); }}
        foreach (frames(stream_get_contents(STDIN)) as $f) {{ put(serialize(load($f))); }}"
    );
    let theirs = unframe(&php(&oracle, &[], &list));
    assert_eq!(theirs.len(), paths.len());

    let opts = EvalOptions {
        php_fallback: true,
        ..EvalOptions::default()
    };
    for (path, php_bytes) in paths.iter().zip(theirs) {
        let mut scope = Scope::new();
        let (aliases, options, _) = include_alias_file(path, &mut scope, &opts).unwrap();
        let mut both = PhpArray::new();
        both.set("aliases", aliases);
        both.set("options", options);
        assert_bytes_eq(
            &serialize(&Value::Array(both)),
            &php_bytes,
            &path.display().to_string(),
        );
    }
}
