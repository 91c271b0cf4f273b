//! `provision site-alias` / `sa`: Drush 8's `drush site-alias`, byte for byte.
//!
//! With no names it lists every alias (sorted, with `@`); with names (comma
//! lists and groups expand to members) it prints the cleaned records, by
//! default as `$aliases["name"] = <var_export>;`.

use super::{CommandError, Invocation};
use crate::alias::convert::{fix_site_data, Report};
use crate::alias::discovery::SearchConfig;
use crate::alias::drupal::{is_drupal_root, local_sites, root_alias_paths, selected_root};
use crate::alias::list_cache::ListCache;
use crate::alias::loader::Loader;
use crate::alias::record::{
    isset, key, ksort, php_key_cmp, prepare_for_print, str_of, unset_recursive, PrintOptions,
};
use crate::alias::yaml::dump;
use crate::php::drush_export::drush_var_export;
use crate::php::json::drush_json;
use crate::php::serialize::serialize;
use crate::php::var_export::var_export;
use crate::php::{Key, PhpArray, Value};
use std::io::Write;

/// `site-alias` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "site-alias",
    aliases: &["sa"],
    summary: "List or print site aliases (Drush 8 site-alias).",
    usage: "provision site-alias [@ALIAS ...] [--format=...]",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Output formats of `site-alias`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Names, one per line.
    List,
    /// `$aliases["name"] = <PHP var_export>;` per record.
    Config,
    /// Drush's pretty JSON.
    Json,
    /// PHP `serialize()`.
    Php,
    /// Drush's own `drush_var_export()`.
    #[value(name = "var_export")]
    VarExport,
    /// `name: <PHP var_export>` per record.
    #[value(name = "labeled-export")]
    LabeledExport,
    /// Drush 9+ `site.yml` form: each record keyed `@name`, its keys mapped as
    /// `site-alias-convert` maps them (keys that cannot be carried over are reported).
    Yaml,
}

/// Arguments of `site-alias`.
#[derive(Debug, clap::Args)]
pub struct SiteAliasArgs {
    /// Alias names (`@name`), comma lists or groups; none lists every alias.
    pub names: Vec<String>,
    /// Output format (default: `list` without names, `config` with names).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Keep the `databases` structure in the records.
    #[arg(long)]
    pub with_db: bool,
    /// Keep `password` keys.
    #[arg(long)]
    pub show_passwords: bool,
    /// Keep internal `#` keys.
    #[arg(long)]
    pub show_hidden: bool,
    /// Only records with an existing local root and no `remote-site`.
    #[arg(long)]
    pub local_only: bool,
    /// Neither use nor update the cache of the full list.
    #[arg(long)]
    pub no_cache: bool,
}

/// Runs `site-alias`.
pub fn run(inv: &Invocation, args: &SiteAliasArgs) -> Result<(), CommandError> {
    let g = &inv.global;
    let config = SearchConfig::from_env(g.alias_path.clone(), g.local);
    let cache = list_cache(inv, args, &config);
    if let Some(names) = cache.as_ref().and_then(ListCache::load) {
        std::io::stdout().write_all(&finish(names, g.pipe))?;
        return Ok(());
    }
    let mut loader = Loader::new(&config, g.eval_options());
    let result = build_output(inv, args, &mut loader, cache.as_ref(), &config);
    let mut out = std::io::stdout().lock();
    // Drush buffers and discards what alias files print in quiet (and pipe) mode.
    if !(g.quiet || g.pipe) {
        out.write_all(&loader.output)?;
    }
    out.write_all(&result?)?;
    out.flush()?;
    // The process ends right after this command: freeing thousands of records
    // one by one would only add to its run time.
    std::mem::forget(loader);
    Ok(())
}

/// Selects, cleans and formats the records; the bytes `sa` prints.
fn build_output(
    inv: &Invocation,
    args: &SiteAliasArgs,
    loader: &mut Loader,
    cache: Option<&ListCache>,
    config: &SearchConfig,
) -> Result<Vec<u8>, CommandError> {
    let root = select_site(inv, loader)?.filter(|r| is_drupal_root(r));
    let (sites, format) = if args.names.is_empty() {
        loader.load_all()?;
        let format = args.format.unwrap_or(Format::List);
        let Some(root) = root else {
            if format == Format::List && !args.local_only {
                let names = list_names(loader.cache(), args.show_passwords);
                if let (Some(cache), Some(mut deps)) = (cache, loader.dependencies()) {
                    deps.extend(config.default_locations());
                    cache.store(&deps, &names);
                }
                return Ok(finish(names, inv.global.pipe));
            }
            return render(visible(loader.cache()), format, args, inv, loader);
        };
        let all = loader.cache().merge(&local_sites(&root));
        (visible(&all), format)
    } else {
        let (found, not_found) = loader.resolve_sitespecs(&args.names)?;
        if !not_found.is_empty() {
            return Err(CommandError::new(format!(
                "Not found: {}",
                not_found.join(", ")
            )));
        }
        let default = if inv.global.pipe {
            Format::VarExport
        } else {
            Format::Config
        };
        (found, args.format.unwrap_or(default))
    };
    render(sites, format, args, inv, loader)
}

/// The cache of the full list, when this run prints exactly that list: no
/// names, list format, no selected site (target, `--root`, `--uri`), no `--no-cache`.
fn list_cache(inv: &Invocation, args: &SiteAliasArgs, config: &SearchConfig) -> Option<ListCache> {
    let g = &inv.global;
    let uri_env = std::env::var_os("DRUSH_OPTIONS_URI").filter(|u| !u.is_empty());
    let plain_list = args.names.is_empty()
        && matches!(args.format, None | Some(Format::List))
        && !args.local_only
        && !args.no_cache
        && inv.target.is_none()
        && g.root.is_none()
        && g.uri.is_none()
        && uri_env.is_none();
    if !plain_list {
        return None;
    }
    ListCache::new(&(config, args.show_passwords))
}

/// Filters, cleans, sorts and formats the selected records.
fn render(
    sites: PhpArray,
    format: Format,
    args: &SiteAliasArgs,
    inv: &Invocation,
    loader: &Loader,
) -> Result<Vec<u8>, CommandError> {
    let sites = if args.local_only {
        local_only(sites)
    } else {
        sites
    };
    let opts = PrintOptions {
        with_db: args.with_db,
        show_hidden: args.show_hidden,
    };
    let specs: PhpArray = ksort(&sites)
        .iter()
        .map(|(k, v)| {
            let record = prepare_for_print(as_array(v), opts, loader.home());
            (k.clone(), Value::Array(record))
        })
        .collect();
    let mut specs = ksort(&specs);
    if !args.show_passwords {
        unset_recursive(&mut specs, &key("password"));
    }
    Ok(finish(format_specs(&specs, format), inv.global.pipe))
}

/// Drush prints nothing for empty output, else the text and a newline; in
/// `--pipe` mode the text is printed as is.
fn finish(mut text: Vec<u8>, pipe: bool) -> Vec<u8> {
    if !text.is_empty() && !pipe {
        text.push(b'\n');
    }
    text
}

/// The no-argument list (without the final newline): the same names the full path would print (records
/// are not cleaned, as cleaning never changes a name), without copying records.
fn list_names(cache: &PhpArray, show_passwords: bool) -> Vec<u8> {
    let hidden = key("#hidden");
    let password = key("password");
    let mut names: Vec<&Key> = cache
        .iter()
        .filter(|(k, v)| {
            let is_hidden = v.as_array().is_some_and(|r| r.contains_key(&hidden));
            !is_hidden && (show_passwords || **k != password)
        })
        .map(|(k, _)| k)
        .collect();
    sort_keys(&mut names);
    let lines: Vec<Vec<u8>> = names.iter().map(|k| k.to_bytes()).collect();
    lines.join(&b'\n')
}

/// Sorts keys as `ksort()` does; keys that are not numeric strings (all alias
/// names) compare as bytes, so the numeric test runs once per key, not per comparison.
fn sort_keys(names: &mut [&Key]) {
    let alias_names: Option<Vec<&[u8]>> = names
        .iter()
        .map(|k| match k {
            Key::Str(s) if s.first() == Some(&b'@') => Some(s.as_slice()),
            _ => None,
        })
        .collect();
    if alias_names.is_some() {
        names.sort_unstable_by(|a, b| match (a, b) {
            (Key::Str(x), Key::Str(y)) => x.cmp(y),
            _ => php_key_cmp(a, b),
        });
    } else {
        names.sort_by(|a, b| php_key_cmp(a, b));
    }
}

/// Selects the site as Drush does before `sa` runs and returns the selected
/// Drupal root: the target alias (its `uri` replaced by `--uri`) becomes `@self`
/// and supplies the root unless `--root` is given; without a target, `@self` is
/// `{root, uri}` from `--root` and `--uri` (or `DRUSH_OPTIONS_URI`). The root's
/// alias locations join the search path.
fn select_site(inv: &Invocation, loader: &mut Loader) -> Result<Option<String>, CommandError> {
    let g = &inv.global;
    let cli_uri = g.uri.clone().filter(|u| !u.is_empty());
    let uri = cli_uri
        .clone()
        .or_else(|| std::env::var("DRUSH_OPTIONS_URI").ok())
        .filter(|u| !u.is_empty());
    let mut root = g.root.as_deref().and_then(selected_root);
    let mut site_uri = uri.clone();
    if let Some(target) = inv.target.as_deref() {
        let mut record = loader.get_record(target)?;
        if record.is_empty() {
            return Err(CommandError::new(format!(
                "Could not find the alias {target}"
            )));
        }
        if isset(&record, "remote-host") {
            return Err(CommandError::new(format!(
                "{target} is a remote alias: running site-alias on another host is not supported"
            )));
        }
        if let Some(uri) = &cli_uri {
            record.set("uri", uri.as_str());
        }
        if g.root.is_none() {
            root = str_of(&record, "root").as_deref().and_then(selected_root);
        }
        site_uri = cli_uri.or_else(|| str_of(&record, "uri"));
        loader.cache_alias("@self", record);
    } else if let (Some(root), Some(uri)) = (&root, &uri) {
        let mut record = PhpArray::new();
        record.set("root", root.as_str());
        record.set("uri", uri.as_str());
        loader.cache_alias("@self", record);
    }
    if let Some(root) = &root {
        let site_uri = site_uri.filter(|u| !u.is_empty());
        loader.set_root_paths(root_alias_paths(root, site_uri.as_deref()));
    }
    Ok(root)
}

/// The cached records without `#hidden` ones (short names found through groups).
fn visible(cache: &PhpArray) -> PhpArray {
    cache
        .iter()
        .filter(|(_, v)| {
            v.as_array()
                .is_none_or(|r| !r.contains_key(&key("#hidden")))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `--local-only`: drops records with `remote-site`, without `root`, or whose
/// root is not a directory.
fn local_only(sites: PhpArray) -> PhpArray {
    sites
        .iter()
        .filter(|(_, v)| {
            let r = as_array(v);
            let root_dir = match r.get_str("root") {
                Some(Value::Str(s)) => std::path::Path::new(&*String::from_utf8_lossy(s)).is_dir(),
                _ => false,
            };
            !r.contains_key(&key("remote-site")) && root_dir
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A value as a record (non-arrays give an empty one).
fn as_array(v: &Value) -> PhpArray {
    v.as_array().cloned().unwrap_or_default()
}

/// The formatted records, without Drush's final newline.
fn format_specs(specs: &PhpArray, format: Format) -> Vec<u8> {
    let whole = Value::Array(specs.clone());
    match format {
        Format::List => join(specs, |k, _| k.to_bytes()),
        Format::Config => join(specs, |k, v| {
            let mut line = b"$aliases[\"".to_vec();
            line.extend_from_slice(&k.to_bytes());
            line.extend_from_slice(b"\"] = ");
            line.extend_from_slice(&var_export(v));
            line.push(b';');
            line
        }),
        Format::LabeledExport => join(specs, |k, v| {
            let mut line = k.to_bytes();
            line.extend_from_slice(b": ");
            line.extend_from_slice(&var_export(v));
            line
        }),
        // Drush prints an empty string where json_encode() fails.
        Format::Json => drush_json(&whole).unwrap_or_default(),
        Format::Php => serialize(&whole),
        Format::VarExport => drush_var_export(&whole),
        Format::Yaml => dump(&Value::Array(site_yml_records(specs))),
    }
}

/// The records in Drush 9+ `site.yml` shape, keyed `@name`; what cannot be
/// carried over is reported on stderr.
fn site_yml_records(specs: &PhpArray) -> PhpArray {
    let mut report = Report::default();
    let mut out = PhpArray::new();
    for (name, record) in specs.iter() {
        let name = format!("@{name}");
        let fixed = fix_site_data(&as_array(record), &name, &mut report);
        out.set(&name, Value::Array(fixed));
    }
    for line in report.lossy {
        eprintln!("{line}");
    }
    out
}

/// One item per record, joined by newlines.
fn join(specs: &PhpArray, item: impl Fn(&Key, &Value) -> Vec<u8>) -> Vec<u8> {
    let items: Vec<Vec<u8>> = specs.iter().map(|(k, v)| item(k, v)).collect();
    items.join(&b'\n')
}
