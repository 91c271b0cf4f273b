//! The store: every context in the alias directory, loaded and checked.

use super::build::Records;
use super::{alias_file, bare_name, php_string, prop_text, ContextError, ContextType};
use crate::alias::{evaluate_alias_file, EvalOptions, Scope};
use crate::php::{PhpArray, Value};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// The alias files of one directory, read on demand; each record is read once.
#[derive(Clone, Debug)]
pub struct Store {
    /// The alias directory (`$HOME/.drush`).
    pub dir: PathBuf,
    /// How alias files are evaluated.
    pub eval: EvalOptions,
    cache: RefCell<HashMap<String, Option<PhpArray>>>,
}

impl Store {
    /// A store over `dir`.
    pub fn new(dir: PathBuf, eval: EvalOptions) -> Store {
        Store {
            dir,
            eval,
            cache: RefCell::default(),
        }
    }

    /// The record of a referenced context, read at most once per store.
    fn cached(&self, name: &str) -> Result<Option<PhpArray>, ContextError> {
        let key = bare_name(name).to_string();
        if let Some(hit) = self.cache.borrow().get(&key) {
            return Ok(hit.clone());
        }
        let record = self.load(name)?;
        self.cache.borrow_mut().insert(key, record.clone());
        Ok(record)
    }

    /// The saved record of `name`, read from its own alias file.
    pub fn load(&self, name: &str) -> Result<Option<PhpArray>, ContextError> {
        let path = alias_file(&self.dir, name);
        if !path.exists() {
            return Ok(None);
        }
        let mut scope = Scope::new();
        let (aliases, _, _) = evaluate_alias_file(&path, &mut scope, &self.eval)
            .map_err(|e| ContextError::Load(format!("{}: {e}", path.display())))?;
        match aliases.get_str(bare_name(name)) {
            Some(Value::Array(a)) => Ok(Some(a.clone())),
            _ => Err(ContextError::Load(format!(
                "{} does not define $aliases['{}'].",
                path.display(),
                bare_name(name)
            ))),
        }
    }

    /// Sets property `key` of the stored context `name` (and of its `drush_aliases`
    /// copies) to `value`, under the context's lock; the other properties stay as
    /// they are. The context must exist.
    pub fn set_property(&self, name: &str, key: &str, value: Value) -> Result<(), ContextError> {
        let _lock = super::write::lock_context(&self.dir, name)?;
        let mut record = self
            .load(name)?
            .ok_or_else(|| ContextError::Load(format!("No context {name} to update.")))?;
        record.set(key, value);
        let mut files = vec![(name.to_string(), record.clone())];
        for copy in super::save::drush_alias_names(&record)? {
            files.push((copy, record.clone()));
        }
        super::save::write_saved(self, &files)?;
        self.cache.borrow_mut().remove(bare_name(name));
        Ok(())
    }

    /// Every context in the directory: name (with `@`) → record. Files that are
    /// not Aegir contexts (no `context_type`) are left out.
    pub fn load_all(&self) -> Result<BTreeMap<String, PhpArray>, ContextError> {
        let mut all = BTreeMap::new();
        let entries = std::fs::read_dir(&self.dir)
            .map_err(|e| ContextError::Io(self.dir.display().to_string(), e))?;
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some(name) = file.strip_suffix(".alias.drushrc.php") else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            if let Some(rec) = self.load(name)? {
                if rec.contains_key(&"context_type".into()) {
                    all.insert(format!("@{name}"), rec);
                }
            }
        }
        Ok(all)
    }
}

impl Records for Store {
    fn record(&self, name: &str) -> Result<Option<PhpArray>, ContextError> {
        self.cached(name)
    }
}

/// One problem `context-check` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The context the problem is in.
    pub context: String,
    /// What is wrong.
    pub message: String,
}

/// Checks loaded contexts: known types, references that resolve to a context of
/// the right type, a web server with an http service for every platform, known
/// service types, and no uri or drush alias used by two sites.
pub fn check(all: &BTreeMap<String, PhpArray>) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut uris: BTreeMap<String, String> = BTreeMap::new();
    let copies = drush_alias_copies(all);
    for (name, rec) in all
        .iter()
        .filter(|(n, _)| !copies.iter().any(|c| c == bare_name(n)))
    {
        let mut report = |message: String| {
            problems.push(Problem {
                context: name.clone(),
                message,
            })
        };
        let ctype = match ContextType::parse(&prop_text(rec, "context_type")) {
            Ok(t) => t,
            Err(e) => {
                report(e.to_string());
                continue;
            }
        };
        for (field, want) in references(ctype) {
            let target = prop_text(rec, field);
            match all.get(&format!("@{}", bare_name(&target))) {
                None => report(format!("{field} refers to missing context '{target}'")),
                Some(t) if prop_text(t, "context_type") != want.as_str() => {
                    report(format!("{field} '{target}' is not a {}", want.as_str()))
                }
                Some(t)
                    if *field == "web_server" && prop_text(t, "http_service_type").is_empty() =>
                {
                    report(format!("web server '{target}' has no http service"))
                }
                Some(_) => {}
            }
        }
        for (svc, known) in [
            ("db", super::build::DB_TYPES),
            ("http", super::build::HTTP_TYPES),
        ] {
            let ty = prop_text(rec, &format!("{svc}_service_type"));
            if !ty.is_empty() && !known.contains(&ty.as_str()) {
                report(format!("unknown {svc} service type '{ty}'"));
            }
        }
        if ctype == ContextType::Site {
            for key in site_names(rec) {
                if let Some(other) = uris.insert(key.clone(), name.clone()) {
                    report(format!("'{key}' is also used by {other}"));
                }
            }
        }
    }
    problems
}

/// The contexts that refer to `name` (as a `'@name'` property or list item),
/// other than `name` itself and sites' drush alias copies.
pub fn referrers(all: &BTreeMap<String, PhpArray>, name: &str) -> Vec<String> {
    let target = format!("@{}", bare_name(name));
    let copies = drush_alias_copies(all);
    all.iter()
        .filter(|(n, _)| **n != target && !copies.iter().any(|c| c == bare_name(n)))
        .filter(|(_, rec)| refers_to(rec, &target))
        .map(|(n, _)| n.clone())
        .collect()
}

/// True when a property of `rec`, or an item of a list property, is `target`.
fn refers_to(rec: &PhpArray, target: &str) -> bool {
    let is_target = |v: &Value| php_string(v) == target.as_bytes();
    rec.iter().any(|(_, v)| match v {
        Value::Array(list) => list.iter().any(|(_, item)| is_target(item)),
        other => is_target(other),
    })
}

/// The names of the files Aegir writes for sites' `drush_aliases`: copies of the
/// site's record, not contexts of their own.
fn drush_alias_copies(all: &BTreeMap<String, PhpArray>) -> Vec<String> {
    all.values()
        .filter(|r| prop_text(r, "context_type") == "site")
        .flat_map(|r| match r.get_str("drush_aliases") {
            Some(Value::Array(a)) => a.iter().map(|(_, v)| php_string(v)).collect(),
            _ => Vec::new(),
        })
        .map(|n| bare_name(&String::from_utf8_lossy(&n)).to_string())
        .collect()
}

/// The reference properties of a context type and the type each must point to.
fn references(ctype: ContextType) -> &'static [(&'static str, ContextType)] {
    match ctype {
        ContextType::Server => &[],
        ContextType::Platform => &[
            ("server", ContextType::Server),
            ("web_server", ContextType::Server),
        ],
        ContextType::Site => &[
            ("server", ContextType::Server),
            ("platform", ContextType::Platform),
            ("db_server", ContextType::Server),
        ],
    }
}

/// The uri and drush aliases a site answers to.
fn site_names(rec: &PhpArray) -> Vec<String> {
    let mut names = vec![prop_text(rec, "uri")];
    if let Some(Value::Array(a)) = rec.get_str("drush_aliases") {
        names.extend(
            a.iter()
                .map(|(_, v)| String::from_utf8_lossy(&php_string(v)).into_owned()),
        );
    }
    names.retain(|n| !n.is_empty());
    names
}
