//! The PHP functions alias files call, with PHP 8's semantics.

use super::ops::{identical, to_int, to_str, Warn};
use crate::php::drush_export::loose_eq;
use crate::php::{Key, PhpArray, Value};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// What PHP would throw (TypeError, ValueError), as its message.
    Fatal(String),
    /// Valid PHP the native evaluator does not implement.
    Unsupported(String),
}

type CallResult = Result<Value, CallError>;

/// The supported functions with their lowest and highest argument counts.
const FUNCTIONS: &[(&str, usize, usize)] = &[
    ("dirname", 1, 2),
    ("basename", 1, 2),
    ("getenv", 0, 2),
    ("str_replace", 3, 3),
    ("explode", 2, 3),
    ("implode", 1, 2),
    ("join", 1, 2),
    ("array_merge", 0, usize::MAX),
    ("array_keys", 1, 1),
    ("array_values", 1, 1),
    ("in_array", 2, 3),
    ("count", 1, 2),
    ("sizeof", 1, 2),
    ("file_exists", 1, 1),
    ("is_dir", 1, 1),
    ("is_file", 1, 1),
    ("drush_server_home", 0, 0),
    ("trim", 1, 2),
    ("rtrim", 1, 2),
    ("chop", 1, 2),
    ("ltrim", 1, 2),
    ("strtolower", 1, 1),
    ("strtoupper", 1, 1),
    ("sprintf", 1, usize::MAX),
    ("array_key_exists", 2, 2),
    ("key_exists", 2, 2),
    ("function_exists", 1, 1),
    ("is_array", 1, 1),
    ("is_string", 1, 1),
];

/// True when `name` (lower case) is supported with `argc` arguments.
pub fn supports(name: &str, argc: usize) -> bool {
    FUNCTIONS
        .iter()
        .any(|(n, lo, hi)| *n == name && (*lo..=*hi).contains(&argc))
}

/// True for the functions implemented here; any other name may exist in PHP,
/// which only PHP can answer.
fn function_exists(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let raw = string_arg("function_exists", args, 0, "function", w)?;
    let name = String::from_utf8_lossy(&raw)
        .trim_start_matches('\\')
        .to_ascii_lowercase();
    if FUNCTIONS.iter().any(|(n, _, _)| *n == name) {
        return Ok(Value::Bool(true));
    }
    Err(CallError::Unsupported(format!("function_exists('{name}')")))
}

fn fatal<T>(msg: String) -> Result<T, CallError> {
    Err(CallError::Fatal(msg))
}

/// A string parameter: arrays are a TypeError, scalars convert.
fn string_arg(
    f: &str,
    args: &[Value],
    i: usize,
    param: &str,
    w: &mut dyn Warn,
) -> Result<Vec<u8>, CallError> {
    match args.get(i) {
        Some(Value::Array(_)) => fatal(format!(
            "{f}(): Argument #{} (${param}) must be of type string, array given",
            i + 1
        )),
        Some(v) => Ok(to_str(v, w)),
        None => Ok(Vec::new()),
    }
}

fn array_arg<'a>(
    f: &str,
    args: &'a [Value],
    i: usize,
    param: &str,
) -> Result<&'a PhpArray, CallError> {
    match args.get(i) {
        Some(Value::Array(a)) => Ok(a),
        Some(v) => fatal(format!(
            "{f}(): Argument #{} (${param}) must be of type array, {} given",
            i + 1,
            v.type_name()
        )),
        None => fatal(format!("{f}() expects an array")),
    }
}

/// Calls a supported function (its name lower case) on evaluated arguments.
pub fn call(name: &str, args: &[Value], w: &mut dyn Warn) -> CallResult {
    match name {
        "dirname" => dirname(args, w),
        "basename" => basename(args, w),
        "getenv" => getenv(args, w),
        "str_replace" => str_replace(args, w),
        "explode" => explode(args, w),
        "implode" | "join" => implode(name, args, w),
        "array_merge" => array_merge(args),
        "array_keys" => Ok(Value::Array(
            array_arg(name, args, 0, "array")?
                .keys()
                .map(|k| k.to_value())
                .collect_list(),
        )),
        "array_values" => Ok(Value::Array(
            array_arg(name, args, 0, "array")?
                .iter()
                .map(|(_, v)| v.clone())
                .collect_list(),
        )),
        "in_array" => in_array(args),
        "count" | "sizeof" => count(name, args),
        "file_exists" | "is_dir" | "is_file" => file_test(name, args, w),
        "drush_server_home" => Ok(server_home()),
        "trim" | "rtrim" | "chop" | "ltrim" => trim(name, args, w),
        "strtolower" => Ok(Value::Str(
            string_arg(name, args, 0, "string", w)?.to_ascii_lowercase(),
        )),
        "strtoupper" => Ok(Value::Str(
            string_arg(name, args, 0, "string", w)?.to_ascii_uppercase(),
        )),
        "sprintf" => sprintf(args, w),
        "array_key_exists" | "key_exists" => key_exists(name, args),
        "function_exists" => function_exists(args, w),
        "is_array" => Ok(Value::Bool(matches!(args[0], Value::Array(_)))),
        "is_string" => Ok(Value::Bool(matches!(args[0], Value::Str(_)))),
        other => Err(CallError::Unsupported(format!("function call {other}()"))),
    }
}

trait CollectList {
    fn collect_list(self) -> PhpArray;
}

impl<I: Iterator<Item = Value>> CollectList for I {
    fn collect_list(self) -> PhpArray {
        self.enumerate()
            .map(|(i, v)| (Key::Int(i as i64), v))
            .collect()
    }
}

/// Drush's `drush_server_home()`: `$HOME` without a trailing slash, or NULL.
pub fn server_home() -> Value {
    match std::env::var_os("HOME") {
        Some(h) if !h.is_empty() && h != "0" => {
            let mut b = h.into_vec();
            while b.last() == Some(&b'/') {
                b.pop();
            }
            Value::Str(b)
        }
        _ => Value::Null,
    }
}

fn dirname_once(p: &[u8]) -> Vec<u8> {
    if p.is_empty() {
        return Vec::new();
    }
    let strip_slashes = |mut end: usize| {
        while end > 0 && p[end - 1] == b'/' {
            end -= 1;
        }
        end
    };
    let mut end = strip_slashes(p.len());
    if end == 0 {
        return b"/".to_vec();
    }
    while end > 0 && p[end - 1] != b'/' {
        end -= 1;
    }
    if end == 0 {
        return b".".to_vec();
    }
    end = strip_slashes(end);
    if end == 0 {
        return b"/".to_vec();
    }
    p[..end].to_vec()
}

fn dirname(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let mut path = string_arg("dirname", args, 0, "path", w)?;
    let levels = args.get(1).map_or(1, to_int);
    if levels < 1 {
        return fatal("dirname(): Argument #2 ($levels) must be greater than or equal to 1".into());
    }
    for _ in 0..levels.min(4096) {
        let next = dirname_once(&path);
        if next == path {
            break;
        }
        path = next;
    }
    Ok(Value::Str(path))
}

fn basename(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let path = string_arg("basename", args, 0, "path", w)?;
    let suffix = string_arg("basename", args, 1, "suffix", w)?;
    let mut end = path.len();
    while end > 0 && path[end - 1] == b'/' {
        end -= 1;
    }
    let start = path[..end]
        .iter()
        .rposition(|&c| c == b'/')
        .map_or(0, |i| i + 1);
    let mut base = &path[start..end];
    if !suffix.is_empty() && base.len() > suffix.len() && base.ends_with(&suffix) {
        base = &base[..base.len() - suffix.len()];
    }
    Ok(Value::Str(base.to_vec()))
}

fn getenv(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let Some(name) = args.first().filter(|v| !matches!(v, Value::Null)) else {
        let all = std::env::vars_os()
            .map(|(k, v)| (Key::from_bytes(k.as_bytes()), Value::Str(v.into_vec())))
            .collect();
        return Ok(Value::Array(all));
    };
    let name = to_str(name, w);
    if name.is_empty() || name.contains(&0) || name.contains(&b'=') {
        return Ok(Value::Bool(false));
    }
    Ok(std::env::var_os(std::ffi::OsStr::from_bytes(&name))
        .map_or(Value::Bool(false), |v| Value::Str(v.into_vec())))
}

fn replace_all(subject: &[u8], search: &[u8], replace: &[u8]) -> Vec<u8> {
    if search.is_empty() || subject.len() < search.len() {
        return subject.to_vec();
    }
    let mut out = Vec::with_capacity(subject.len());
    let mut i = 0;
    while i < subject.len() {
        if subject[i..].starts_with(search) {
            out.extend_from_slice(replace);
            i += search.len();
        } else {
            out.push(subject[i]);
            i += 1;
        }
    }
    out
}

fn str_replace(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = match (&args[0], &args[1]) {
        (Value::Array(s), Value::Array(r)) => {
            let mut reps = r.iter().map(|(_, v)| v);
            s.iter()
                .map(|(_, v)| (to_str(v, w), reps.next().map_or(Vec::new(), |r| to_str(r, w))))
                .collect()
        }
        (Value::Array(s), r) => {
            let r = to_str(r, w);
            s.iter().map(|(_, v)| (to_str(v, w), r.clone())).collect()
        }
        (_, Value::Array(_)) => {
            return fatal("str_replace(): Argument #2 ($replace) must be of type string when argument #1 ($search) is a string".into())
        }
        (s, r) => vec![(to_str(s, w), to_str(r, w))],
    };
    let apply = |subject: Vec<u8>| {
        pairs
            .iter()
            .fold(subject, |acc, (s, r)| replace_all(&acc, s, r))
    };
    Ok(match &args[2] {
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::Array(_) => v.clone(),
                        other => Value::Str(apply(to_str(other, w))),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => Value::Str(apply(to_str(other, w))),
    })
}

fn explode(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let sep = string_arg("explode", args, 0, "separator", w)?;
    let s = string_arg("explode", args, 1, "string", w)?;
    if sep.is_empty() {
        return fatal("explode(): Argument #1 ($separator) cannot be empty".into());
    }
    let limit = args.get(2).map_or(i64::MAX, to_int);
    let max_pieces = match limit {
        0 => 1,
        l if l < 0 => i64::MAX,
        l => l,
    };
    let mut pieces: Vec<&[u8]> = Vec::new();
    let mut rest = &s[..];
    loop {
        let at = ((pieces.len() as i64) < max_pieces - 1)
            .then(|| rest.windows(sep.len()).position(|win| win == &sep[..]))
            .flatten();
        match at {
            Some(i) => {
                pieces.push(&rest[..i]);
                rest = &rest[i + sep.len()..];
            }
            None => {
                pieces.push(rest);
                break;
            }
        }
    }
    if limit < 0 {
        let keep = pieces
            .len()
            .saturating_sub(limit.unsigned_abs().min(usize::MAX as u64) as usize);
        pieces.truncate(keep);
    }
    Ok(Value::Array(
        pieces
            .into_iter()
            .map(|p| Value::Str(p.to_vec()))
            .collect_list(),
    ))
}

fn implode(name: &str, args: &[Value], w: &mut dyn Warn) -> CallResult {
    let (sep, arr) = match args {
        [Value::Array(a)] => (Vec::new(), a),
        [sep, Value::Array(a)] if !matches!(sep, Value::Array(_)) => (to_str(sep, w), a),
        [Value::Array(_), _] => {
            return fatal(format!(
                "{name}(): Argument #2 ($array) must be of type ?array, {} given",
                args[1].type_name()
            ))
        }
        [v] => {
            return fatal(format!(
                "{name}(): Argument #1 ($pieces) must be of type array, {} given",
                v.type_name()
            ))
        }
        _ => {
            return fatal(format!(
                "{name}(): Argument #2 ($array) must be of type ?array, {} given",
                args[1].type_name()
            ))
        }
    };
    let mut out = Vec::new();
    for (i, (_, v)) in arr.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&sep);
        }
        out.extend(to_str(v, w));
    }
    Ok(Value::Str(out))
}

fn array_merge(args: &[Value]) -> CallResult {
    let mut out = PhpArray::new();
    for i in 0..args.len() {
        out = out.merge(array_arg("array_merge", args, i, "arrays")?);
    }
    Ok(Value::Array(out))
}

fn in_array(args: &[Value]) -> CallResult {
    let hay = array_arg("in_array", args, 1, "haystack")?;
    let strict = args.get(2).is_some_and(Value::is_truthy);
    let found = hay.iter().any(|(_, v)| {
        if strict {
            identical(v, &args[0])
        } else {
            loose_eq(v, &args[0])
        }
    });
    Ok(Value::Bool(found))
}

fn count_recursive(a: &PhpArray) -> usize {
    a.iter()
        .map(|(_, v)| 1 + v.as_array().map_or(0, count_recursive))
        .sum()
}

fn count(name: &str, args: &[Value]) -> CallResult {
    let Value::Array(a) = &args[0] else {
        return fatal(format!(
            "{name}(): Argument #1 ($value) must be of type Countable|array, {} given",
            args[0].type_name()
        ));
    };
    let recursive = args.get(1).is_some_and(|m| to_int(m) == 1);
    let n = if recursive {
        count_recursive(a)
    } else {
        a.len()
    };
    Ok(Value::Int(n as i64))
}

fn file_test(name: &str, args: &[Value], w: &mut dyn Warn) -> CallResult {
    let path = string_arg(name, args, 0, "filename", w)?;
    if path.is_empty() || path.contains(&0) {
        return Ok(Value::Bool(false));
    }
    let meta = std::fs::metadata(std::ffi::OsStr::from_bytes(&path));
    Ok(Value::Bool(match (name, meta) {
        (_, Err(_)) => false,
        ("is_dir", Ok(m)) => m.is_dir(),
        ("is_file", Ok(m)) => m.is_file(),
        _ => true,
    }))
}

/// The byte set of a trim character list, with `a..z` ranges.
fn char_mask(list: &[u8]) -> [bool; 256] {
    let mut mask = [false; 256];
    let mut i = 0;
    while i < list.len() {
        let c = list[i];
        if list.get(i + 1..i + 3) == Some(b"..") && i + 3 < list.len() && list[i + 3] >= c {
            for x in c..=list[i + 3] {
                mask[x as usize] = true;
            }
            i += 4;
        } else {
            mask[c as usize] = true;
            i += 1;
        }
    }
    mask
}

fn trim(name: &str, args: &[Value], w: &mut dyn Warn) -> CallResult {
    let s = string_arg(name, args, 0, "string", w)?;
    let list = match args.get(1) {
        Some(_) => string_arg(name, args, 1, "characters", w)?,
        None => b" \n\r\t\x0b\0".to_vec(),
    };
    let mask = char_mask(&list);
    let mut start = 0;
    let mut end = s.len();
    if name != "rtrim" && name != "chop" {
        while start < end && mask[s[start] as usize] {
            start += 1;
        }
    }
    if name != "ltrim" {
        while end > start && mask[s[end - 1] as usize] {
            end -= 1;
        }
    }
    Ok(Value::Str(s[start..end].to_vec()))
}

fn sprintf(args: &[Value], w: &mut dyn Warn) -> CallResult {
    let format = string_arg("sprintf", args, 0, "format", w)?;
    let mut out = Vec::new();
    let mut next = 1;
    let mut i = 0;
    while i < format.len() {
        if format[i] != b'%' {
            out.push(format[i]);
            i += 1;
            continue;
        }
        let conv = format.get(i + 1).copied();
        i += 2;
        if conv == Some(b'%') {
            out.push(b'%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            return fatal(format!(
                "{} arguments are required, {} given",
                next + 1,
                args.len()
            ));
        };
        next += 1;
        match conv {
            Some(b's') => out.extend(to_str(arg, w)),
            Some(b'd') => out.extend(to_int(arg).to_string().into_bytes()),
            _ => {
                return Err(CallError::Unsupported(
                    "sprintf() format other than %s, %d, %%".into(),
                ))
            }
        }
    }
    Ok(Value::Str(out))
}

fn key_exists(name: &str, args: &[Value]) -> CallResult {
    let arr = array_arg(name, args, 1, "array")?;
    match Key::from_value(&args[0]) {
        Ok(k) => Ok(Value::Bool(arr.contains_key(&k))),
        Err(_) => fatal(format!(
            "{name}(): Argument #1 ($key) must be a valid array offset type"
        )),
    }
}
