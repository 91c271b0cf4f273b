//! Generated PHP values for the compat tests, and the `<length>:<bytes>` framing
//! that carries many values through one `php` process.
#![allow(dead_code)]

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use provision::php::{Key, PhpArray, Value};

// ---------------------------------------------------------------------------
// Value generation

pub fn edge_int() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(vec![i64::MIN, i64::MAX, 0, -1, 1, i64::MIN + 1]),
        -1000i64..1000,
        any::<i64>(),
    ]
}

pub fn edge_float() -> impl Strategy<Value = f64> {
    let specials = vec![
        0.0,
        -0.0,
        0.1,
        1.0,
        -1.5,
        1e15,
        1e16,
        1e17,
        1e25,
        -1e25,
        1e-4,
        1e-5,
        0.30000000000000004,
        123456789012345678.0,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ];
    prop_oneof![
        prop::sample::select(specials),
        any::<u64>().prop_map(f64::from_bits),
        (0u64..1 << 52).prop_map(f64::from_bits),
        1e15f64..1e25,
        -1e6f64..1e6,
        any::<i32>().prop_map(f64::from),
    ]
}

/// Pieces strings are built from: awkward ASCII, numeric-looking text,
/// interpolation-looking text, UTF-8 and bytes that are not UTF-8.
pub fn string_piece() -> impl Strategy<Value = Vec<u8>> {
    let tokens: Vec<&'static [u8]> = vec![
        b"'",
        b"\"",
        b"\\",
        b"\\\\",
        b"\0",
        b"\n",
        b"\r",
        b"\t",
        b"/",
        b"<",
        b">",
        b"&",
        b"$",
        b"$a",
        b"${a}",
        b"{$a}",
        b"\x7f",
        b"\x1f",
        b"\x08",
        b"\x0c",
        b"0",
        b"05",
        b"-0",
        b"1e3",
        b" 1",
        b"1 ",
        b"1.0",
        b".5",
        b"+1",
        b"9223372036854775807",
        b"9223372036854775808",
        b"-9223372036854775808",
        b"INF",
        b"NAN",
        b"0x1A",
        b"abc",
        b" ",
        "\u{e9}".as_bytes(),
        "\u{1F600}".as_bytes(),
        "\u{2028}".as_bytes(),
        "\u{ffff}".as_bytes(),
        b"\xff",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\xc0\x80",
        b"\xf4\x90\x80\x80",
    ];
    prop_oneof![
        3 => prop::sample::select(tokens).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
        1 => "[a-z]{1,4}".prop_map(String::into_bytes),
        1 => any::<char>().prop_map(|c| c.to_string().into_bytes()),
    ]
}

pub fn php_string() -> impl Strategy<Value = Vec<u8>> {
    vec(string_piece(), 0..5).prop_map(|parts| parts.concat())
}

pub fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        3 => (0i64..5).prop_map(Key::Int),
        1 => edge_int().prop_map(Key::Int),
        3 => php_string().prop_map(|s| Key::from_bytes(&s)),
    ]
}

pub fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => edge_int().prop_map(Value::Int),
        3 => edge_float().prop_map(Value::Float),
        4 => php_string().prop_map(Value::Str),
    ]
}

/// Nested PHP values: lists and maps with mixed keys, at most 4 levels deep.
pub fn php_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(|items| {
                let mut a = PhpArray::new();
                for v in items {
                    a.push(v).expect("small lists never overflow");
                }
                Value::Array(a)
            }),
            vec((key(), inner), 0..6).prop_map(|pairs| Value::Array(pairs.into_iter().collect())),
        ]
    })
}

/// `n` values from a fixed seed, so every run checks the same cases.
pub fn generate<T: std::fmt::Debug>(
    strategy: impl Strategy<Value = T>,
    seed: u8,
    n: usize,
) -> Vec<T> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    (0..n)
        .map(|_| strategy.new_tree(&mut runner).expect("strategy").current())
        .collect()
}

// ---------------------------------------------------------------------------
// Framing

pub fn frame(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Splits `<length>:<bytes>` frames.
pub fn unframe(mut input: &[u8]) -> Vec<Vec<u8>> {
    let mut frames = Vec::new();
    while !input.is_empty() {
        let colon = input.iter().position(|&c| c == b':').expect("frame length");
        let len: usize = std::str::from_utf8(&input[..colon])
            .unwrap()
            .parse()
            .unwrap();
        frames.push(input[colon + 1..colon + 1 + len].to_vec());
        input = &input[colon + 1 + len..];
    }
    frames
}

/// PHP helpers shared by the oracle scripts: reading and writing frames.
pub const PHP_FRAMES: &str = r#"
function frames($in) {
    $out = []; $pos = 0; $n = strlen($in);
    while ($pos < $n) {
        $colon = strpos($in, ':', $pos);
        $len = (int) substr($in, $pos, $colon - $pos);
        $out[] = substr($in, $colon + 1, $len);
        $pos = $colon + 1 + $len;
    }
    return $out;
}
function put($s) { echo strlen($s), ':', $s; }
"#;
