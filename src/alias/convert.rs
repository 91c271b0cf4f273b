//! Alias conversion both ways.
//!
//! - Legacy PHP alias files → Drush 9+ `*.site.yml`, as Drush 9–11's
//!   `LegacyAliasConverter` did: `a.b.c` → `a-b.site.yml` env `c` (no dot:
//!   env `dev`), `remote-host`→`host`, `remote-user`→`user`,
//!   `path-aliases`→`paths` (`%` stripped), `root`/`uri` kept, `#` keys
//!   dropped, the rest under `options` (sorted), `options.ssh-options` →
//!   `ssh.options`, written as Symfony YAML 3.4 (Drush 9/10's lock) dumps it;
//!   an md5 per written file in `.checksums/` so a file the
//!   user changed is never overwritten.
//! - `*.site.yml` → Aegir-style `NAME.alias.drushrc.php` files, one per alias,
//!   written atomically and made read-only (0440) as Aegir leaves them.
//!
//! Keys that cannot be carried over are reported, never silently lost.

use super::record::{isset, key, ksort};
use super::yaml::{dump, parse};
use super::{evaluate_alias_file, AliasError, EvalOptions, Scope};
use crate::php::var_export::var_export;
use crate::php::{Key, PhpArray, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// Mode of the Aegir-style alias files written (Aegir's own).
const ALIAS_MODE: u32 = 0o440;

/// Mode of `*.site.yml` files and their checksums: users edit them.
const SITE_YML_MODE: u32 = 0o644;

/// Legacy keys that become top-level `site.yml` keys.
const KEY_MAP: &[(&str, &str)] = &[
    ("remote-host", "host"),
    ("remote-user", "user"),
    ("root", "root"),
    ("uri", "uri"),
    ("path-aliases", "paths"),
];

/// Legacy keys Drush 9+ does not understand when moved under `options`.
const NOT_CARRIED: &[&str] = &[
    "parent",
    "command-specific",
    "source-command-specific",
    "target-command-specific",
    "site-list",
    "site-search-path",
    "from-list",
];

/// Files below a source directory deeper than this are not converted (`< 9`).
const MAX_DEPTH: usize = 9;

/// What a conversion did, for the caller to print.
#[derive(Debug, Default)]
pub struct Report {
    /// Files written (or, when simulating, that would be written).
    pub written: Vec<PathBuf>,
    /// Files left alone because the user changed them.
    pub kept: Vec<PathBuf>,
    /// One line per key that could not be carried over.
    pub lossy: Vec<String>,
    /// Text the included PHP files printed.
    pub output: Vec<u8>,
}

/// Where to read and write, and whether to write at all.
#[derive(Clone, Debug)]
pub struct ConvertOptions {
    /// Directories searched (recursively, dotfiles skipped).
    pub sources: Vec<PathBuf>,
    /// Directory the new files go to.
    pub destination: PathBuf,
    /// Only report what would be written.
    pub simulate: bool,
    /// How legacy PHP files are evaluated.
    pub eval: EvalOptions,
}

/// Why a conversion failed.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    /// A legacy file could not be evaluated.
    #[error(transparent)]
    Alias(#[from] AliasError),
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A `site.yml` file is not a YAML mapping of environments.
    #[error("{}: {message}", path.display())]
    Yaml {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ConvertError + '_ {
    move |source| ConvertError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Finds files whose names end with one of `suffixes` (in that order of
/// patterns, each over every source), skipping dotfiles, sorted by path.
fn find(sources: &[PathBuf], suffixes: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for suffix in suffixes {
        for dir in sources {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(dir)
                .min_depth(1)
                .max_depth(MAX_DEPTH)
                .follow_links(true)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter(|e| {
                    let name = e.file_name().to_string_lossy();
                    name.len() > suffix.len() && name.ends_with(suffix)
                })
                .map(|e| fs::canonicalize(e.path()).unwrap_or_else(|_| e.path().to_path_buf()))
                .collect();
            out.append(&mut found);
        }
    }
    out
}

/// Legacy PHP alias files → `*.site.yml` in `opts.destination`.
pub fn legacy_to_yaml(opts: &ConvertOptions) -> Result<Report, ConvertError> {
    let mut report = Report::default();
    let files = find(
        &opts.sources,
        &[".alias.drushrc.php", ".aliases.drushrc.php"],
    );
    let mut result = PhpArray::new();
    let mut sources_of = PhpArray::new();
    for file in &files {
        let base = file_name(file);
        let converted = converted_name(&base);
        sources_of.set(&converted, base.as_str());
        let conversion = convert_legacy_file(file, opts, &mut report)?;
        result = merge_recursive_distinct(&result, &conversion);
        if !result.contains_key(&key(&converted)) {
            result.set(&converted, Value::Array(PhpArray::new()));
        }
    }
    for (name, data) in result.iter() {
        let name = name.to_string();
        let contents = match data {
            Value::Array(a) if !a.is_empty() => dump(data),
            _ => placeholder(sources_of.get_str(&name)),
        };
        write_checked(&opts.destination.join(&name), &contents, opts, &mut report)?;
    }
    Ok(report)
}

/// The file name of a path as text.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `x.alias.drushrc.php` / `x.aliases.drushrc.php` → `x.site.yml`.
fn converted_name(base: &str) -> String {
    let stem = base
        .strip_suffix(".alias.drushrc.php")
        .or_else(|| base.strip_suffix(".aliases.drushrc.php"))
        .unwrap_or(base);
    format!("{stem}.site.yml")
}

/// The text Drush writes for a legacy file that produced no alias of its name.
fn placeholder(source: Option<&Value>) -> Vec<u8> {
    let source = source
        .and_then(Value::as_bytes)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_else(|| "the source alias file".to_string());
    format!(
        "# This is a placeholder file used to track when {source} was converted.\n\
         # If you delete {source}, then you may delete this file."
    )
    .into_bytes()
}

/// Includes one legacy file (fresh scope) and converts what it defines.
fn convert_legacy_file(
    file: &Path,
    opts: &ConvertOptions,
    report: &mut Report,
) -> Result<PhpArray, ConvertError> {
    let mut scope = Scope::new();
    let (aliases, options, included) = match evaluate_alias_file(file, &mut scope, &opts.eval) {
        Ok(r) => r,
        Err(AliasError::Io { .. }) => return Ok(PhpArray::new()),
        Err(e) => return Err(e.into()),
    };
    report.output.extend_from_slice(&included.output);
    let base = file_name(file);
    if let Some(name) = base.strip_suffix(".alias.drushrc.php") {
        let data = if options.is_empty() {
            aliases
                .iter()
                .next()
                .map(|(_, v)| as_array(v))
                .unwrap_or_default()
        } else {
            options
        };
        return Ok(convert_alias(name, &data, &base, report));
    }
    let mut result = PhpArray::new();
    for (name, data) in aliases.iter() {
        let data = options.merge(&as_array(data));
        let converted = convert_alias(&name.to_string(), &data, &base, report);
        result = merge_recursive_distinct(&result, &converted);
    }
    Ok(result)
}

/// A value as an array (others give an empty one).
fn as_array(v: &Value) -> PhpArray {
    v.as_array().cloned().unwrap_or_default()
}

/// One alias → `{"site.site.yml": {env: data}}`.
fn convert_alias(name: &str, data: &PhpArray, source: &str, report: &mut Report) -> PhpArray {
    let (site, env) = match name.rsplit_once('.') {
        Some((site, env)) if !env.is_empty() => (site, env),
        _ => (name, "dev"),
    };
    let site = site.replace('.', "-");
    let fixed = fix_site_data(data, &format!("{source}: @{name}"), report);
    let mut envs = PhpArray::new();
    envs.set(env, Value::Array(fixed));
    let mut out = PhpArray::new();
    out.set(&format!("{site}.site.yml"), Value::Array(envs));
    out
}

/// One legacy record in Drush 9+ `site.yml` shape (`LegacyAliasConverter::fixSiteData`
/// + `remapData`): keys it cannot carry over are reported under `label`.
pub fn fix_site_data(data: &PhpArray, label: &str, report: &mut Report) -> PhpArray {
    let mut data = data.clone();
    let mut options = PhpArray::new();
    for (k, v) in data.clone().iter() {
        let text = k.to_string();
        if matches!(k, Key::Str(s) if s.first() == Some(&b'#')) {
            report
                .lossy
                .push(format!("{label}: dropped internal key '{text}'"));
            data.remove(k);
        } else if !KEY_MAP.iter().any(|(from, _)| *from == text) {
            if NOT_CARRIED.contains(&text.as_str()) {
                report.lossy.push(format!(
                    "{label}: '{text}' has no Drush 9+ equivalent; kept as options.{text}, which Drush 9+ ignores"
                ));
            }
            options.insert(k.clone(), v.clone());
            data.remove(k);
        }
    }
    let options = ksort(&options);
    for (from, to) in KEY_MAP {
        if from != to && isset(&data, from) {
            if let Some(v) = data.remove(&key(from)) {
                data.set(to, v);
            }
        }
    }
    if !options.is_empty() {
        data.set("options", Value::Array(options));
    }
    if isset(&data, "paths") {
        let paths = data.get_str("paths").cloned().unwrap_or(Value::Null);
        data.set("paths", Value::Array(remove_percent(&paths, label, report)));
    }
    let mut data = ksort(&data);
    let ssh_options = match data.get_mut(&key("options")) {
        Some(Value::Array(o)) => o.remove(&key("ssh-options")),
        _ => None,
    };
    if let Some(v) = ssh_options {
        let mut ssh = PhpArray::new();
        ssh.set("options", v);
        data.set("ssh", Value::Array(ssh));
    }
    data
}

/// `array_flip(array_map(ltrim %, array_flip($paths)))`: `%` stripped from the
/// keys; entries whose value is not a string or int are dropped, and of
/// entries with equal values only the last key survives (both reported).
fn remove_percent(paths: &Value, label: &str, report: &mut Report) -> PhpArray {
    let Value::Array(paths) = paths else {
        report
            .lossy
            .push(format!("{label}: 'path-aliases' is not an array; dropped"));
        return PhpArray::new();
    };
    let mut flipped = PhpArray::new();
    for (k, v) in paths.iter() {
        match v {
            Value::Str(_) | Value::Int(_) => {
                if let Some(old) = flipped.get(&Key::from_value(v).unwrap_or(Key::Int(0))) {
                    report.lossy.push(format!(
                        "{label}: path alias '{}' has the same value as '{k}'; only '{k}' is kept",
                        Key::from_value(old)
                            .map(|k| k.to_string())
                            .unwrap_or_default()
                    ));
                }
                if let Ok(vk) = Key::from_value(v) {
                    flipped.insert(vk, k.to_value());
                }
            }
            _ => report.lossy.push(format!(
                "{label}: path alias '{k}' is not a string; dropped"
            )),
        }
    }
    flipped
        .iter()
        .map(|(vk, k)| {
            let name = Key::from_value(k).map(|k| k.to_bytes()).unwrap_or_default();
            let trimmed: Vec<u8> = name.iter().skip_while(|c| **c == b'%').copied().collect();
            (Key::from_bytes(&trimmed), vk.to_value())
        })
        .collect()
}

/// `arrayMergeRecursiveDistinct`: `b` over `a`, arrays merged recursively, each
/// merged level sorted by key.
fn merge_recursive_distinct(a: &PhpArray, b: &PhpArray) -> PhpArray {
    let mut merged = a.clone();
    for (k, v) in b.iter() {
        let value = match (v, merged.get(k)) {
            (Value::Array(new), Some(Value::Array(old))) => {
                Value::Array(merge_recursive_distinct(old, new))
            }
            _ => v.clone(),
        };
        merged.insert(k.clone(), value);
    }
    ksort(&merged)
}

/// Writes a converted file unless the user changed it since we wrote it,
/// recording its md5 in `.checksums/NAME.md5`.
fn write_checked(
    path: &Path,
    contents: &[u8],
    opts: &ConvertOptions,
    report: &mut Report,
) -> Result<(), ConvertError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let stem = file_name(path);
    let stem = stem.strip_suffix(".yml").unwrap_or(&stem);
    let checksum_path = dir.join(".checksums").join(format!("{stem}.md5"));
    if !safe_to_write(path, &checksum_path)? {
        report.kept.push(path.to_path_buf());
        return Ok(());
    }
    report.written.push(path.to_path_buf());
    if opts.simulate {
        return Ok(());
    }
    write_atomic(path, contents, SITE_YML_MODE)?;
    let name = file_name(path);
    let checksum = format!(
        "# Checksum for converted Drush alias file {name}.\n\
         # Delete this checksum file or modify {name} to prevent further updates to it.\n{:x}",
        md5::compute(contents)
    );
    write_atomic(&checksum_path, checksum.as_bytes(), SITE_YML_MODE)
}

/// A missing file may be written; an existing one only if it still has the
/// checksum we recorded (no checksum file: never).
fn safe_to_write(path: &Path, checksum_path: &Path) -> Result<bool, ConvertError> {
    if !path.exists() {
        return Ok(true);
    }
    if !checksum_path.exists() {
        return Ok(false);
    }
    let current = fs::read(path).map_err(io_err(path))?;
    let recorded = fs::read_to_string(checksum_path).map_err(io_err(checksum_path))?;
    let recorded: String = recorded
        .lines()
        .filter(|l| !l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(format!("{:x}", md5::compute(&current)) == recorded.trim())
}

/// `*.site.yml` → one Aegir-style `NAME.alias.drushrc.php` per alias in
/// `opts.destination`. A wildcard environment `*` goes to
/// `SITE.aliases.drush8rc.php` (read by every Drush 8 lookup, so `@SITE.ENV`
/// resolves through it).
pub fn yaml_to_legacy(opts: &ConvertOptions) -> Result<Report, ConvertError> {
    let mut report = Report::default();
    for file in find(&opts.sources, &[".site.yml"]) {
        let base = file_name(&file);
        let site = base.strip_suffix(".site.yml").unwrap_or(&base).to_string();
        let text = fs::read_to_string(&file).map_err(io_err(&file))?;
        let doc = parse(&text).map_err(|e| ConvertError::Yaml {
            path: file.clone(),
            message: e.to_string(),
        })?;
        let envs = match doc {
            Value::Array(envs) => envs,
            // A comment-only file, e.g. a converter placeholder.
            Value::Null => continue,
            _ => {
                return Err(ConvertError::Yaml {
                    path: file.clone(),
                    message: "not a mapping of environments".into(),
                })
            }
        };
        for (env, record) in envs.iter() {
            let name = format!("{site}.{env}");
            let label = format!("{base}: {env}");
            let legacy = yml_record_to_legacy(record, &label, &mut report);
            let file_name = if env.to_string() == "*" {
                format!("{site}.aliases.drush8rc.php")
            } else {
                format!("{name}.alias.drushrc.php")
            };
            let path = opts.destination.join(file_name);
            report.written.push(path.clone());
            if !opts.simulate {
                write_atomic(&path, &aegir_alias_file(&name, &legacy), ALIAS_MODE)?;
            }
        }
    }
    Ok(report)
}

/// Aegir's alias template: `<?php ` LF `$aliases['NAME'] = <var_export>;` LF.
pub fn aegir_alias_file(name: &str, record: &PhpArray) -> Vec<u8> {
    let quoted = name.replace('\\', "\\\\").replace('\'', "\\'");
    let mut out = format!("<?php \n$aliases['{quoted}'] = ").into_bytes();
    out.extend_from_slice(&var_export(&Value::Array(record.clone())));
    out.extend_from_slice(b";\n");
    out
}

/// One `site.yml` environment as a Drush 8 record.
fn yml_record_to_legacy(record: &Value, label: &str, report: &mut Report) -> PhpArray {
    let mut out = PhpArray::new();
    let Value::Array(record) = record else {
        report
            .lossy
            .push(format!("{label}: not a mapping; written as an empty alias"));
        return out;
    };
    for (k, v) in record.iter() {
        match k.to_string().as_str() {
            "host" => out.set("remote-host", v.clone()),
            "user" => out.set("remote-user", v.clone()),
            "root" | "uri" | "os" => out.insert(k.clone(), v.clone()),
            "paths" => out.set("path-aliases", Value::Array(add_percent(v, label, report))),
            "options" => match v {
                Value::Array(o) => o
                    .iter()
                    .for_each(|(ok, ov)| out.insert(ok.clone(), ov.clone())),
                _ => report
                    .lossy
                    .push(format!("{label}: 'options' is not a mapping; dropped")),
            },
            "ssh" => ssh_to_legacy(v, &mut out, label, report),
            other => report.lossy.push(format!(
                "{label}: '{other}' has no Drush 8 equivalent; dropped"
            )),
        }
    }
    out
}

/// `paths.x` → `path-aliases.%x`.
fn add_percent(paths: &Value, label: &str, report: &mut Report) -> PhpArray {
    let Value::Array(paths) = paths else {
        report
            .lossy
            .push(format!("{label}: 'paths' is not a mapping; dropped"));
        return PhpArray::new();
    };
    paths
        .iter()
        .map(|(k, v)| (Key::from(format!("%{k}").as_str()), v.clone()))
        .collect()
}

/// `ssh.options` → `ssh-options`; other `ssh` settings have no Drush 8 form.
fn ssh_to_legacy(ssh: &Value, out: &mut PhpArray, label: &str, report: &mut Report) {
    let Value::Array(ssh) = ssh else {
        report
            .lossy
            .push(format!("{label}: 'ssh' is not a mapping; dropped"));
        return;
    };
    for (k, v) in ssh.iter() {
        if k.to_string() == "options" {
            out.set("ssh-options", v.clone());
        } else {
            report.lossy.push(format!(
                "{label}: 'ssh.{k}' has no Drush 8 equivalent; dropped"
            ));
        }
    }
}

/// Writes `contents` to `path` atomically with `mode`, creating the directory
/// (see [`crate::fsutil::write_atomic`]).
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), ConvertError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    crate::fsutil::write_atomic(path, contents, mode).map_err(|e| ConvertError::Io {
        path: e.path,
        source: e.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_names_map_to_files_and_envs() {
        let mut r = Report::default();
        let mut data = PhpArray::new();
        data.set("remote-host", "h");
        data.set("ssh-options", "-p 22");
        data.set("#name", "x");
        data.set("zeta", "z");
        let out = convert_alias("grp.site.live", &data, "f", &mut r);
        let envs = out
            .get_str("grp-site.site.yml")
            .and_then(Value::as_array)
            .unwrap();
        let live = envs.get_str("live").and_then(Value::as_array).unwrap();
        let keys: Vec<String> = live.keys().map(|k| k.to_string()).collect();
        assert_eq!(keys, ["host", "options", "ssh"]);
        assert_eq!(r.lossy.len(), 1);
        let out = convert_alias("plain", &data, "f", &mut r);
        assert!(out
            .get_str("plain.site.yml")
            .and_then(Value::as_array)
            .unwrap()
            .contains_key(&key("dev")));
    }
}
