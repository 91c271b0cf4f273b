//! Drush 8's alias loader: load-everything and by-name lookups over the search
//! path, group files, `$options`, several definitions of one name, short names,
//! wildcards, `parent` inheritance and the alias cache (Drush's `site-aliases`
//! context, keyed `@name`).
//!
//! Each lookup includes its files in one fresh [`Scope`], as Drush includes them
//! inside one function call; files are re-included by every lookup that needs
//! them (their printed text is collected each time), but every location is
//! walked only once per run.

use super::discovery::{group_name, unique, FileIndex, SearchConfig, Wanted};
use super::record::{
    add_static_defaults, array_merge_owned, as_record, initialize, into_record, isset, key,
    merge_entry, site_spec_record, sitealias_array_merge, str_of, take_entries, uri_to_site_dir,
    wildcard_check,
};
use super::{evaluate_alias_source, for_each_source, AliasError, EvalOptions, Scope};
use crate::php::{Key, PhpArray, Value};
use std::path::{Path, PathBuf};

/// Special keys merged one level deep from a parent (with `path-aliases`).
const INHERITED_ARRAY_KEYS: &[&str] = &["command-specific", "site-aliases", "path-aliases"];

/// Nesting limit for site lists that name themselves (Drush would recurse forever).
const MAX_SITE_LIST_DEPTH: usize = 32;

/// The alias state of one run.
#[derive(Debug)]
pub struct Loader {
    /// The `ALIAS_PATH` context: CLI paths, then the default locations.
    alias_path: Vec<PathBuf>,
    /// Locations added while resolving local records (`ROOT/drush`, …).
    site_paths: Vec<PathBuf>,
    /// Locations under the selected Drupal root, searched last.
    root_paths: Vec<PathBuf>,
    index: FileIndex,
    /// `@name` → record.
    cache: PhpArray,
    eval: EvalOptions,
    home: Option<String>,
    /// Text the included files printed, in order.
    pub output: Vec<u8>,
    /// Every file included so far.
    included: Vec<PathBuf>,
    /// True once a file's effect depended on more than its bytes, or it printed.
    impure: bool,
}

impl Loader {
    /// A loader over `config`'s search path, with `@none` already cached.
    pub fn new(config: &SearchConfig, eval: EvalOptions) -> Loader {
        let mut loader = Loader {
            alias_path: config.paths(),
            site_paths: Vec::new(),
            root_paths: Vec::new(),
            index: FileIndex::new(),
            cache: PhpArray::new(),
            eval,
            home: config.home.clone(),
            output: Vec::new(),
            included: Vec::new(),
            impure: false,
        };
        let mut none = PhpArray::new();
        none.set("root", "");
        none.set("uri", "");
        loader.cache_alias("@none", none);
        loader
    }

    /// The home directory used to canonicalise `~` in roots.
    pub fn home(&self) -> Option<&str> {
        self.home.as_deref()
    }

    /// What everything loaded so far was computed from — every directory scanned
    /// and every file included — or `None` when a file's meaning depended on
    /// more than its bytes (or it printed), so the result must not be reused.
    pub fn dependencies(&self) -> Option<Vec<PathBuf>> {
        if self.impure {
            return None;
        }
        Some(
            self.index
                .visited()
                .iter()
                .chain(&self.included)
                .cloned()
                .collect(),
        )
    }

    /// The cached records, keyed `@name`.
    pub fn cache(&self) -> &PhpArray {
        &self.cache
    }

    /// Every location searched now, in order.
    fn search_path(&self) -> Vec<PathBuf> {
        unique(
            self.alias_path
                .iter()
                .chain(self.site_paths.iter())
                .chain(self.root_paths.iter())
                .cloned()
                .collect(),
        )
    }

    /// Sets the locations searched for the selected Drupal root.
    pub fn set_root_paths(&mut self, paths: Vec<PathBuf>) {
        self.root_paths = paths;
    }

    /// `drush_sitealias_add_to_alias_path`.
    fn add_to_alias_path(&mut self, path: PathBuf) {
        if !self
            .site_paths
            .iter()
            .any(|p| p.as_os_str() == path.as_os_str())
        {
            self.site_paths.push(path);
        }
    }

    /// Includes one file into `scope`, returning `$aliases` and `$options`;
    /// `None` when the file cannot be read (Drush skips it silently).
    fn include(
        &mut self,
        path: &Path,
        src: Result<Vec<u8>, AliasError>,
        scope: &mut Scope,
    ) -> Result<Option<(PhpArray, PhpArray)>, AliasError> {
        self.included.push(path.to_path_buf());
        match src.and_then(|src| evaluate_alias_source(path, &src, scope, &self.eval)) {
            Ok((aliases, mut options, included)) => {
                self.impure |= !included.pure || !included.output.is_empty();
                self.output.extend_from_slice(&included.output);
                options.remove(&key("site-aliases"));
                Ok(Some((aliases, options)))
            }
            Err(AliasError::Io { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `_drush_sitealias_cache_alias`: merges `record` over the cached one.
    pub fn cache_alias(&mut self, name: &str, record: PhpArray) {
        let mut record = match self.take_cached(&key(name)) {
            Some(old) => array_merge_owned(old, record),
            None => record,
        };
        if !isset(&record, "#name") {
            record.set("#name", name.trim_matches('@'));
        }
        self.add_local_paths(&record, false);
        self.cache.set(name, Value::Array(record));
    }

    /// `_drush_sitealias_cache_alias("@NAME", array())`, without the copies
    /// when `@NAME` is not cached yet (the common case when loading everything).
    fn cache_empty(&mut self, name: &Key) {
        let mut text = b"@".to_vec();
        text.extend_from_slice(&name.to_bytes());
        let cache_key = Key::from_bytes(&text);
        if self.cache.contains_key(&cache_key) {
            self.cache_alias(&String::from_utf8_lossy(&text), PhpArray::new());
            return;
        }
        let mut record = PhpArray::new();
        let trimmed = &text[1..];
        let start = trimmed
            .iter()
            .position(|c| *c != b'@')
            .unwrap_or(trimmed.len());
        let end = trimmed
            .iter()
            .rposition(|c| *c != b'@')
            .map_or(start, |e| e + 1);
        record.set("#name", Value::str(&trimmed[start..end.max(start)]));
        self.cache.insert(cache_key, Value::Array(record));
    }

    /// Adds `ROOT/drush`, `ROOT/sites/all/drush` and the site directory of a
    /// local record to the search path. A `lookup` (Drush's record lookup)
    /// only needs a `root` key; caching needs a non-empty root and no
    /// `remote-host`.
    fn add_local_paths(&mut self, record: &PhpArray, lookup: bool) {
        let root = str_of(record, "root");
        let eligible = if lookup {
            record.contains_key(&key("root"))
        } else {
            !record.contains_key(&key("remote-host"))
                && record.get_str("root").is_some_and(Value::is_truthy)
        };
        if let (true, Some(root)) = (eligible, root) {
            self.add_to_alias_path(PathBuf::from(format!("{root}/drush")));
            self.add_to_alias_path(PathBuf::from(format!("{root}/sites/all/drush")));
        }
        if eligible || lookup {
            if let Some(dir) = local_site_path(record) {
                self.add_to_alias_path(dir);
            }
        }
    }

    /// Moves a cached record out (its slot keeps its position); `None` when the
    /// name is not cached. Non-array entries count as empty records.
    fn take_cached(&mut self, name: &Key) -> Option<PhpArray> {
        let slot = self.cache.get_mut(name)?;
        Some(into_record(std::mem::replace(slot, Value::Null)))
    }

    /// Stores records in the cache the way `drush_set_config_special_contexts`
    /// does: `@`-prefixed keys, each merged over what was cached.
    fn merge_into_cache(&mut self, records: PhpArray) {
        for (k, v) in take_entries(records) {
            let mut name = k.to_string();
            if !name.starts_with('@') {
                name.insert(0, '@');
            }
            let name = key(&name);
            let old = self.take_cached(&name).unwrap_or_default();
            let merged = array_merge_owned(old, into_record(v));
            self.cache.insert(name, Value::Array(merged));
        }
    }

    /// `drush_sitealias_load_all`: every alias of every file, parents resolved, cached.
    pub fn load_all(&mut self) -> Result<(), AliasError> {
        let mut result = self.find_and_load_all()?;
        if !result.is_empty() {
            self.add_inherited_values(&mut result)?;
            self.merge_into_cache(result);
        }
        Ok(())
    }

    /// `_drush_sitealias_find_and_load_all_aliases`.
    fn find_and_load_all(&mut self) -> Result<PhpArray, AliasError> {
        let files = self.index.files(&self.search_path(), Wanted::All);
        let mut scope = Scope::new();
        let mut result = PhpArray::new();
        for_each_source(&files, |file, src| {
            self.load_all_from_file(file, src, &mut scope, &mut result)
        })?;
        Ok(result)
    }

    /// One file of [`Loader::find_and_load_all`]: its records, named and
    /// initialized, merged into `result`.
    fn load_all_from_file(
        &mut self,
        file: &Path,
        src: Result<Vec<u8>, AliasError>,
        scope: &mut Scope,
        result: &mut PhpArray,
    ) -> Result<(), AliasError> {
        let Some((aliases, options)) = self.include(file, src, scope)? else {
            return Ok(());
        };
        let (mut aliases, options) = options_only_alias(file, aliases, options);
        if let Some(group) = group_name(file) {
            prefix_group_all(&group, &mut aliases);
        }
        let file_text = file.to_string_lossy();
        for (name, value) in take_entries(aliases) {
            let mut record = into_record(value);
            if !options.is_empty() {
                record = options.merge(&record);
            }
            initialize(&mut record);
            record.set("#name", name.to_value());
            record.set("#file", file_text.as_ref());
            merge_entry(result, name, Value::Array(record));
        }
        Ok(())
    }

    /// `drush_sitealias_get_record`: an alias name, a comma list, or nothing
    /// (an empty record means "not found").
    pub fn get_record(&mut self, alias: &str) -> Result<PhpArray, AliasError> {
        let mut record = if alias.contains(',') {
            let mut r = PhpArray::new();
            r.set(
                "site-list",
                Value::Array(super::record::explode_comma(alias.as_bytes())),
            );
            r
        } else {
            self.get_record_uncached(alias)?
        };
        if !record.is_empty() && !record.contains_key(&key("#name")) {
            record.set("#name", Value::str(uri_to_site_dir(alias)));
        }
        Ok(record)
    }

    /// `_drush_sitealias_get_record`: loads `@name` if needed, then finishes and
    /// caches the record. (Site specifications such as `user@host/path#uri`
    /// and local `sites/` directories are not resolved.)
    fn get_record_uncached(&mut self, alias: &str) -> Result<PhpArray, AliasError> {
        self.load_alias(alias)?;
        let mut record = match self.cache.get_str(alias) {
            Some(cached) => as_record(cached),
            None => site_spec_record(alias),
        };
        if record.is_empty() {
            return Ok(record);
        }
        if !isset(&record, "remote") && !isset(&record, "#loaded-config") {
            self.add_local_paths(&record, true);
            if str_of(&record, "config").is_some_and(|c| Path::new(&c).exists()) {
                record.set("#loaded-config", true);
            }
            record.remove(&key("config"));
        }
        add_static_defaults(&mut record, self.home.as_deref());
        self.cache.set(alias, Value::Array(record.clone()));
        Ok(record)
    }

    /// `_drush_sitealias_load_alias`: finds `@name` in the files that may define it.
    fn load_alias(&mut self, alias: &str) -> Result<(), AliasError> {
        let Some(name) = alias.strip_prefix('@') else {
            return Ok(());
        };
        if self.cache.contains_key(&key(alias)) {
            return Ok(());
        }
        let result = self.find_and_load_alias(name)?;
        if !result.is_empty() {
            let mut found = PhpArray::new();
            found.set(name, Value::Array(result));
            self.add_inherited_values(&mut found)?;
            self.merge_into_cache(found);
        }
        Ok(())
    }

    /// `_drush_sitealias_find_and_load_alias_from_file` over the candidate files.
    fn find_and_load_alias(&mut self, name: &str) -> Result<PhpArray, AliasError> {
        let files = self.index.files(&self.search_path(), Wanted::Name(name));
        let mut scope = Scope::new();
        let mut result = PhpArray::new();
        let mut result_names = PhpArray::new();
        for_each_source(&files, |file, src| {
            let Some((aliases, options)) = self.include(file, src, &mut scope)? else {
                return Ok(());
            };
            let (mut aliases, options) = options_only_alias(file, aliases, options);
            if let Some(group) = group_name(file) {
                prefix_group_hidden(&group, &mut aliases);
            }
            wildcard_check(name, &mut aliases);
            let Some(found) = aliases.get_str(name) else {
                return Ok(());
            };
            let mut one = options.merge(&as_record(found));
            one.set("#file", file.to_string_lossy().as_ref());
            if !one.contains_key(&key("#name")) {
                one.set("#name", name);
            }
            initialize(&mut one);
            if !result.is_empty() && result.get_str("#name") == one.get_str("#name") {
                result = sitealias_array_merge(&result, &one);
            } else {
                let full = one.get_str("#name").map(value_text).unwrap_or_default();
                // A fresh list never overflows.
                let _ = result_names.push(Value::str(format!("@{full}")));
                result = one;
            }
            Ok::<(), AliasError>(())
        })?;
        if result_names.len() > 1 {
            let mut list = PhpArray::new();
            list.set("site-list", Value::Array(result_names));
            return Ok(list);
        }
        Ok(result)
    }

    /// `_drush_sitealias_add_inherited_values`: every name is first cached as an
    /// empty record (Drush's guard against parent cycles, which also means a
    /// parent cached that way earlier in the same batch contributes nothing),
    /// then `parent` is resolved.
    fn add_inherited_values(&mut self, aliases: &mut PhpArray) -> Result<(), AliasError> {
        let names: Vec<Key> = aliases.keys().cloned().collect();
        for name in names {
            self.cache_empty(&name);
            let Some(Value::Array(record)) = aliases.get_mut(&name) else {
                continue;
            };
            if !isset(record, "parent") {
                record.remove(&key("parent"));
                continue;
            }
            let mut record = record.clone();
            self.add_inherited_values_to_record(&mut record)?;
            aliases.insert(name, Value::Array(record));
        }
        Ok(())
    }

    /// `_drush_sitealias_add_inherited_values_to_record`: each parent in turn
    /// (earlier parents win over later ones, the child over all), special keys
    /// merged one level deep, `parent` removed.
    fn add_inherited_values_to_record(&mut self, record: &mut PhpArray) -> Result<(), AliasError> {
        let Some(parents) = str_of(record, "parent") else {
            return Ok(());
        };
        for parent in parents.split(',') {
            let mut parent_record = self.get_record(parent)?;
            for k in ["#name", "#file", "#hidden"] {
                parent_record.remove(&key(k));
            }
            for k in INHERITED_ARRAY_KEYS {
                if let (Some(Value::Array(child)), Some(Value::Array(from))) =
                    (record.get_str(k), parent_record.get_str(k))
                {
                    let merged = from.merge(child);
                    record.set(k, Value::Array(merged));
                }
            }
            *record = parent_record.merge(record);
        }
        record.remove(&key("parent"));
        Ok(())
    }

    /// `drush_sitealias_resolve_sitespecs`: the records named by `specs` (site
    /// lists expanded, keyed by full name) and the specs that matched nothing.
    pub fn resolve_sitespecs(
        &mut self,
        specs: &[String],
    ) -> Result<(PhpArray, Vec<String>), AliasError> {
        let mut found = PhpArray::new();
        let mut not_found = Vec::new();
        for spec in specs {
            let record = self.get_record(spec)?;
            if record.is_empty() {
                not_found.push(spec.clone());
            } else {
                found = found.merge(&self.resolve_sitelist(&record, 0)?);
            }
        }
        Ok((found, not_found))
    }

    /// `drush_sitealias_resolve_sitelist`: a site list's members, recursively.
    fn resolve_sitelist(
        &mut self,
        record: &PhpArray,
        depth: usize,
    ) -> Result<PhpArray, AliasError> {
        let mut out = PhpArray::new();
        if let Some(list) = record.get_str("site-list") {
            if depth > MAX_SITE_LIST_DEPTH {
                return Err(AliasError::Php {
                    path: PathBuf::from(value_text(list)),
                    message: "site-list nests too deeply (a site list includes itself?)".into(),
                });
            }
            for spec in list.as_array().map(|l| l.iter()).into_iter().flatten() {
                let one = self.get_record(&value_text(spec.1))?;
                out = out.merge(&self.resolve_sitelist(&one, depth + 1)?);
            }
        } else if let Some(name) = record.get_str("#name") {
            let name = Key::from_value(name).unwrap_or_else(|_| Key::from(""));
            out.insert(name, Value::Array(record.clone()));
        }
        Ok(out)
    }
}

/// A scalar as PHP's string conversion gives it.
fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Bool(true) => b"1".to_vec(),
        Value::Float(f) => crate::php::float::php_repr(*f).into_bytes(),
        _ => Vec::new(),
    }
}

/// [`value_bytes`] as text.
fn value_text(v: &Value) -> String {
    String::from_utf8_lossy(&value_bytes(v)).into_owned()
}

/// A file that sets only `$options` defines one alias named after its file name
/// up to the first dot; its `$options` are then consumed.
fn options_only_alias(file: &Path, aliases: PhpArray, options: PhpArray) -> (PhpArray, PhpArray) {
    if !aliases.is_empty() || options.is_empty() {
        return (aliases, options);
    }
    let base = file
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let name = base.split('.').next().unwrap_or("");
    let mut one = PhpArray::new();
    one.set(name, Value::Array(options));
    (one, PhpArray::new())
}

/// Load-all group handling: `x` becomes `GROUP.x` and `GROUP` lists them all,
/// unless the file defines `GROUP` itself.
fn prefix_group_all(group: &str, aliases: &mut PhpArray) {
    if aliases.is_empty() || aliases.contains_key(&key(group)) {
        return;
    }
    let mut names = Vec::new();
    for short in aliases.keys().cloned().collect::<Vec<_>>() {
        let full = format!("{group}.{short}");
        names.push(format!("@{full}"));
        if let Some(v) = aliases.remove(&short) {
            aliases.set(&full, v);
        }
    }
    let mut list = PhpArray::new();
    list.set("site-list", Value::str(names.join(",")));
    aliases.set(group, Value::Array(list));
}

/// By-name group handling: `GROUP.x` is added, the short `x` stays but is
/// flagged `#hidden`, both carry `#name` and `#group`.
fn prefix_group_hidden(group: &str, aliases: &mut PhpArray) {
    if aliases.is_empty() || aliases.contains_key(&key(group)) {
        return;
    }
    let mut names = Vec::new();
    for short in aliases.keys().cloned().collect::<Vec<_>>() {
        let full = format!("{group}.{short}");
        names.push(format!("@{full}"));
        let mut record = aliases.get(&short).map(as_record).unwrap_or_default();
        record.set("#name", full.as_str());
        record.set("#group", group);
        aliases.set(&full, Value::Array(record.clone()));
        record.set("#hidden", true);
        aliases.insert(short, Value::Array(record));
    }
    let mut list = PhpArray::new();
    list.set("site-list", Value::str(names.join(",")));
    list.set("#group", group);
    list.set("#name", group);
    aliases.set(group, Value::Array(list));
}

/// `drush_sitealias_local_site_path`: the existing site directory of a local
/// record (`ROOT/sites/<uri dir>`, trying shorter domains, else `sites/default`).
/// (`sites/sites.php` is not consulted.)
fn local_site_path(record: &PhpArray) -> Option<PathBuf> {
    if !isset(record, "root") || isset(record, "remote-host") {
        return None;
    }
    let root = str_of(record, "root")?;
    if let Some(uri) = str_of(record, "uri") {
        let mut uri = match uri.find("://") {
            Some(i) if !uri[..i].contains(':') => uri[i + 3..].to_string(),
            _ => uri,
        };
        while !uri.is_empty() {
            let dir = format!("{root}/sites/{}", uri_to_site_dir(&uri));
            if let Ok(real) = std::fs::canonicalize(&dir) {
                return Some(real);
            }
            let rest = uri.trim_start_matches(|c| c != '.');
            uri = rest.trim_start_matches('.').to_string();
        }
    }
    std::fs::canonicalize(format!("{root}/sites/default")).ok()
}
