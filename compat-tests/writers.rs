//! Compat tests (writers): real PHP is the oracle for `var_export()`,
//! `serialize()`, `unserialize()`, `json_encode()`, PHP's `==`, and for
//! reading back Drush's `drush_var_export()` text.
//!
//! Generated values travel to one `php` process as our `serialize()` bytes,
//! framed as `<length>:<bytes>`; PHP answers in the same framing.

mod common;

use common::values::*;
use common::{assert_bytes_eq, php};
use proptest::collection::vec;
use proptest::prelude::*;
use provision::php::drush_export::{drush_var_export, loose_eq};
use provision::php::json::{drush_json, json_encode, JsonFlags};
use provision::php::serialize::serialize;
use provision::php::unserialize::unserialize;
use provision::php::var_export::var_export;
use provision::php::{Key, PhpArray, Value};

/// How many generated values the oracle checks (each in every writer).
const CASES: usize = 10_000;

// ---------------------------------------------------------------------------
// The writers against PHP

/// The JSON flag sets checked, as Rust flags and PHP's integer options.
fn json_variants() -> Vec<(JsonFlags, &'static str)> {
    let d = JsonFlags::default();
    vec![
        (d, "0"),
        (
            JsonFlags {
                pretty_print: true,
                ..d
            },
            "JSON_PRETTY_PRINT",
        ),
        (
            JsonFlags {
                unescaped_slashes: true,
                unescaped_unicode: true,
                preserve_zero_fraction: true,
                partial_output_on_error: true,
                ..d
            },
            "JSON_UNESCAPED_SLASHES|JSON_UNESCAPED_UNICODE|JSON_PRESERVE_ZERO_FRACTION\
             |JSON_PARTIAL_OUTPUT_ON_ERROR",
        ),
        (
            JsonFlags {
                pretty_print: true,
                hex_tag: true,
                hex_amp: true,
                hex_apos: true,
                hex_quot: true,
                force_object: true,
                ..d
            },
            "JSON_PRETTY_PRINT|JSON_HEX_TAG|JSON_HEX_AMP|JSON_HEX_APOS|JSON_HEX_QUOT\
             |JSON_FORCE_OBJECT",
        ),
    ]
}

/// A JSON result framed as PHP's side frames it: `O` + text, or `E` + error message.
fn json_result(r: Result<Vec<u8>, impl std::fmt::Display>) -> Vec<u8> {
    match r {
        Ok(text) => [b"O".as_slice(), &text].concat(),
        Err(e) => format!("E{e}").into_bytes(),
    }
}

/// Our answers for one value, in the order the PHP script prints PHP's.
fn our_outputs(v: &Value) -> Vec<(String, Vec<u8>)> {
    let mut outs = vec![
        ("var_export".to_string(), var_export(v)),
        ("serialize".to_string(), serialize(v)),
    ];
    for (flags, name) in json_variants() {
        outs.push((
            format!("json_encode {name}"),
            json_result(json_encode(v, flags)),
        ));
    }
    outs.push(("drush json".to_string(), json_result(drush_json(v))));
    outs
}

fn oracle_script() -> String {
    let mut json = String::new();
    for (_, options) in json_variants() {
        json.push_str(&format!("json_out(json_encode($v, {options}));\n"));
    }
    format!(
        r#"{PHP_FRAMES}
function json_out($j) {{ put($j === false ? 'E' . json_last_error_msg() : 'O' . $j); }}
foreach (frames(stream_get_contents(STDIN)) as $s) {{
    $v = unserialize($s);
    put(var_export($v, true));
    put(serialize($v));
    {json}
    $j = json_encode($v, JSON_PRETTY_PRINT);
    json_out($j === false ? false : str_replace(['<', '>', '&'], ['\u003c', '\u003e', '\u0026'], $j));
}}
"#
    )
}

#[test]
fn writers_match_php_on_generated_values() {
    let values = generate(php_value(), 7, CASES);
    let mut input = Vec::new();
    for v in &values {
        frame(&mut input, &serialize(v));
    }
    let answers = unframe(&php(&oracle_script(), &[], &input));
    let per_value = our_outputs(&Value::Null).len();
    assert_eq!(
        answers.len(),
        values.len() * per_value,
        "PHP answered every value"
    );
    for (v, theirs) in values.iter().zip(answers.chunks(per_value)) {
        for ((what, ours), theirs) in our_outputs(v).iter().zip(theirs) {
            assert_bytes_eq(ours, theirs, &format!("{what} of {v:?}"));
        }
    }
}

/// Equality that treats every NaN as equal to itself and tells -0.0 from 0.0.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x.to_bits() == y.to_bits() || x.is_nan() && y.is_nan()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy))
        }
        _ => a == b,
    }
}

#[test]
fn unserialize_reads_what_php_serializes() {
    let values = generate(php_value(), 11, 2_000);
    let mut input = Vec::new();
    for v in &values {
        frame(&mut input, &serialize(v));
    }
    let script = format!(
        "{PHP_FRAMES} foreach (frames(stream_get_contents(STDIN)) as $s) {{ put(serialize(unserialize($s))); }}"
    );
    let answers = unframe(&php(&script, &[], &input));
    assert_eq!(answers.len(), values.len());
    for (v, theirs) in values.iter().zip(&answers) {
        let back = unserialize(theirs).unwrap_or_else(|e| panic!("{e} in {theirs:?}"));
        assert!(same(&back, v), "{v:?} came back as {back:?}");
    }
}

// ---------------------------------------------------------------------------
// PHP's == (which decides whether Drush prints keys)

/// Values biased towards the cases where `==` is subtle.
fn comparable() -> impl Strategy<Value = Value> {
    let numeric: Vec<&'static str> = vec![
        "",
        " ",
        "0",
        "00",
        "-0",
        "0.0",
        "1",
        " 1",
        "1 ",
        "01",
        "+1",
        "1.",
        ".5",
        "0.5",
        "1e3",
        "1E+3",
        "1000",
        "1e",
        "abc",
        "INF",
        "-INF",
        "NAN",
        "1e999",
        "2e999",
        "-1e999",
        "9223372036854775807",
        "9223372036854775808",
        "9223372036854775809",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551616",
        "100000000000000000000",
        "100000000000000000000.0",
        "0000000000000000000001",
        "9999999999999999999.0",
        "9999999999999999999",
        "1\0",
        "\t1\n",
        "0x10",
        "1_0",
    ];
    let scalar = prop_oneof![
        3 => prop::sample::select(numeric).prop_map(Value::str),
        2 => leaf(),
        1 => prop::sample::select(vec![1e3, 0.5, 1e19, 1e20, 9.223372036854776e18, -0.0])
            .prop_map(Value::Float),
    ];
    scalar.prop_recursive(2, 8, 3, |inner| {
        vec((0i64..3, inner), 0..3).prop_map(|pairs| {
            Value::Array(pairs.into_iter().map(|(k, v)| (Key::Int(k), v)).collect())
        })
    })
}

#[test]
fn loose_equality_matches_php() {
    let pairs = generate((comparable(), comparable()), 13, 5_000);
    let mut input = Vec::new();
    for (a, b) in &pairs {
        frame(&mut input, &serialize(a));
        frame(&mut input, &serialize(b));
    }
    let script = format!(
        "{PHP_FRAMES} foreach (array_chunk(frames(stream_get_contents(STDIN)), 2) as [$a, $b]) {{
            echo unserialize($a) == unserialize($b) ? '1' : '0'; }}"
    );
    let answers = php(&script, &[], &input);
    assert_eq!(answers.len(), pairs.len());
    for ((a, b), theirs) in pairs.iter().zip(answers) {
        assert_eq!(loose_eq(a, b), theirs == b'1', "{a:?} == {b:?}");
    }
}

// ---------------------------------------------------------------------------
// Drush's var_export, read back by PHP

/// Whether Drush's text for `s` evaluates back to `s`: single-quoted text
/// loses `\\` pairs and a trailing `\`; double-quoted text interpolates `$name`.
fn drush_string_faithful(s: &[u8]) -> bool {
    if s.contains(&b'\n') || s.contains(&b'\'') {
        !s.windows(2).any(|w| {
            w[0] == b'$'
                && (w[1].is_ascii_alphabetic() || w[1] == b'_' || w[1] >= 0x80 || w[1] == b'{')
                || w == b"{$"
        })
    } else {
        !s.windows(2).any(|w| w == b"\\\\") && !s.ends_with(b"\\")
    }
}

/// `Some(true)` when Drush's text for `v` must evaluate back to `v`,
/// `Some(false)` when it must not, `None` when this test does not predict it
/// (arrays whose keys 0..n-1 are out of order).
fn drush_faithful(v: &Value) -> Option<bool> {
    match v {
        Value::Str(s) => Some(drush_string_faithful(s)),
        Value::Array(a) => {
            let n = a.len() as i64;
            let permuted = a
                .keys()
                .all(|k| matches!(k, Key::Int(i) if (0..n).contains(i)));
            if permuted && !a.is_list() {
                return None;
            }
            let mut all = true;
            for (k, v) in a.iter() {
                if let Key::Str(s) = k {
                    all &= drush_string_faithful(s);
                }
                all &= drush_faithful(v)?;
            }
            Some(all)
        }
        _ => Some(true),
    }
}

/// Drush text that is safe to hand to `eval`: no `${` or `{$` interpolation.
fn safe_to_eval(text: &[u8]) -> bool {
    !text.windows(2).any(|w| w == b"${" || w == b"{$")
}

#[test]
fn drush_var_export_reads_back_in_php() {
    let values: Vec<Value> = generate(php_value(), 17, CASES)
        .into_iter()
        .filter(|v| safe_to_eval(&drush_var_export(v)))
        .collect();
    let mut input = Vec::new();
    for v in &values {
        frame(&mut input, &serialize(v));
        frame(&mut input, &drush_var_export(v));
    }
    let script = format!(
        r#"{PHP_FRAMES}
error_reporting(0);
function back($code) {{ try {{ return ['ok', eval('return ' . $code . ';')]; }} catch (\Throwable $e) {{ return ['error']; }} }}
foreach (array_chunk(frames(stream_get_contents(STDIN)), 2) as [$s, $code]) {{
    $r = back($code);
    echo $r[0] === 'ok' && serialize($r[1]) === $s ? '1' : '0';
}}"#
    );
    let answers = php(&script, &[], &input);
    assert_eq!(answers.len(), values.len());
    let mut checked = 0;
    for (v, theirs) in values.iter().zip(answers) {
        if let Some(faithful) = drush_faithful(v) {
            let text = String::from_utf8_lossy(&drush_var_export(v)).into_owned();
            assert_eq!(theirs == b'1', faithful, "{v:?} exported as {text}");
            checked += 1;
        }
    }
    assert!(checked > CASES / 2, "only {checked} values predicted");
}

#[test]
fn drush_var_export_pinned_layout() {
    let mut inner = PhpArray::new();
    inner.set("uri", "example.com");
    inner.set("path-aliases", Value::Array(PhpArray::new()));
    let mut list = PhpArray::new();
    list.push(Value::str("it's")).unwrap();
    list.push(Value::Bool(true)).unwrap();
    inner.set("list", Value::Array(list));
    let mut top = PhpArray::new();
    top.set("@site", Value::Array(inner));
    let want = "array(\n  '@site' => array(\n    'uri' => 'example.com',\n    \
                'path-aliases' => array(),\n    'list' => array(\n      \"it's\",\n      \
                TRUE,\n    ),\n  ),\n)";
    assert_bytes_eq(
        &drush_var_export(&Value::Array(top)),
        want.as_bytes(),
        "drush_var_export",
    );
}

/// `n` arrays nested in one another around `inner`.
fn nested(n: usize, inner: Value) -> Value {
    let mut v = inner;
    for _ in 0..n {
        let mut a = PhpArray::new();
        a.push(v).expect("one element");
        v = Value::Array(a);
    }
    v
}

#[test]
fn json_depth_limit_matches_php() {
    let mut values = Vec::new();
    for depth in [511, 512, 513, 600] {
        values.push(nested(depth, Value::Null));
        values.push(nested(depth, Value::Float(f64::NAN)));
        values.push(nested(depth, Value::str(b"\xff")));
    }
    let mut input = Vec::new();
    for v in &values {
        frame(&mut input, &serialize(v));
    }
    let script = format!(
        "{PHP_FRAMES}
        function json_out($j) {{ put($j === false ? 'E' . json_last_error_msg() : 'O' . $j); }}
        foreach (frames(stream_get_contents(STDIN)) as $s) {{
            $v = unserialize($s);
            json_out(json_encode($v));
            json_out(json_encode($v, JSON_PARTIAL_OUTPUT_ON_ERROR));
        }}"
    );
    let answers = unframe(&php(&script, &[], &input));
    assert_eq!(answers.len(), values.len() * 2);
    let partial = JsonFlags {
        partial_output_on_error: true,
        ..JsonFlags::default()
    };
    for (v, theirs) in values.iter().zip(answers.chunks(2)) {
        let ours = [
            json_result(json_encode(v, JsonFlags::default())),
            json_result(json_encode(v, partial)),
        ];
        for (ours, theirs) in ours.iter().zip(theirs) {
            assert_bytes_eq(ours, theirs, "json_encode of deeply nested arrays");
        }
    }
}
