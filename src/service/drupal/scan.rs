//! The platform scan: profiles, modules and themes found by walking the code base
//! (`walkdir`, pruning `files/`, dot-directories and `node_modules`), read from their
//! `.info` / `.info.yml` files, and arranged in the shapes hosting reads.

use super::{Core, CoreVersion, SystemRow};
use crate::php::{PhpArray, Value};
use crate::service::error::{Result, ServiceError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A profile, module or theme found on the platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Machine name.
    pub name: String,
    /// `module`, `theme` or `profile`.
    pub kind: String,
    /// Its file relative to the root, as Drupal 7's `system` table names it: the
    /// `.module` of a module, the `.profile` of a profile, else the info file.
    pub filename: String,
    /// `name`, `description`, `version` … from the info file.
    pub info: BTreeMap<String, String>,
}

impl Package {
    fn info(&self, key: &str) -> String {
        self.info.get(key).cloned().unwrap_or_default()
    }

    /// True when its info file says `hidden = TRUE` (or 1, true, yes, on).
    fn is_hidden(&self) -> bool {
        matches!(
            self.info("hidden").trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    }
}

/// What a platform ships.
#[derive(Clone, Debug)]
pub struct PlatformScan {
    core: CoreVersion,
    packages: Vec<Package>,
}

/// Scans `root` for profiles, modules and themes.
pub fn scan_platform(root: &Path, core: &CoreVersion) -> Result<PlatformScan> {
    let mut packages = Vec::new();
    let walk = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !pruned(e));
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().map(Path::to_path_buf).unwrap_or_default();
            ServiceError::io("scan", path, e.into())
        })?;
        if entry.file_type().is_file() {
            if let Some(p) = package(root, entry.path())? {
                packages.push(resolve_version(p, &core.version));
            }
        }
    }
    Ok(PlatformScan {
        core: core.clone(),
        packages,
    })
}

/// As Aegir: a `VERSION` placeholder (Git checkouts of core) and a profile without a
/// version both mean the core version.
fn resolve_version(mut p: Package, core_version: &str) -> Package {
    let version = p.info.get("version").map(String::as_str).unwrap_or("");
    if version == "VERSION" || (version.is_empty() && p.kind == "profile") {
        p.info.insert("version".into(), core_version.to_string());
    }
    p
}

fn pruned(e: &walkdir::DirEntry) -> bool {
    let name = e.file_name().to_string_lossy();
    e.depth() > 0
        && e.file_type().is_dir()
        && (name.starts_with('.') || name == "files" || name == "private" || name == "node_modules")
}

/// The package an info file declares, if `path` is one.
fn package(root: &Path, path: &Path) -> Result<Option<Package>> {
    let file = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let (name, yaml) = if let Some(n) = file.strip_suffix(".info.yml") {
        (n.to_string(), true)
    } else if let Some(n) = file.strip_suffix(".info") {
        (n.to_string(), false)
    } else {
        return Ok(None);
    };
    let rel = path.strip_prefix(root).unwrap_or(path);
    let text = std::fs::read_to_string(path).map_err(|e| ServiceError::io("read", path, e))?;
    let info = if yaml {
        parse_info_yml(&text)
    } else {
        parse_info(&text)
    };
    let segments: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let dir = path.parent().unwrap_or(root);
    let kind = if let Some(k) = info.get("type") {
        k.clone()
    } else if is_profile(&segments, &name) {
        "profile".into()
    } else if dir.join(format!("{name}.module")).exists() {
        "module".into()
    } else if segments.iter().any(|s| s == "themes") {
        "theme".into()
    } else {
        return Ok(None);
    };
    if !matches!(kind.as_str(), "module" | "theme" | "profile") {
        return Ok(None);
    }
    let filename = system_filename(rel, &name, &kind, yaml, dir);
    Ok(Some(Package {
        name,
        kind,
        filename,
        info,
    }))
}

/// The file Drupal 7's `system` table names: a module's `.module`, a profile's
/// `.profile` (when there is one), else the info file.
fn system_filename(rel: &Path, name: &str, kind: &str, yaml: bool, dir: &Path) -> String {
    let own = match kind {
        "module" => format!("{name}.module"),
        "profile" => format!("{name}.profile"),
        _ => String::new(),
    };
    let file = if !yaml && !own.is_empty() && dir.join(&own).is_file() {
        rel.with_file_name(own)
    } else {
        rel.to_path_buf()
    };
    file.to_string_lossy().into_owned()
}

/// `profiles/P/P.info` or `core/profiles/P/P.info.yml`.
fn is_profile(segments: &[String], name: &str) -> bool {
    let n = segments.len();
    n >= 3 && segments[n - 3] == "profiles" && segments[n - 2] == name
}

/// Drupal's `.info` format: `key = value`, `key[] = value`, quotes, `;` comments.
pub fn parse_info(text: &str) -> BTreeMap<String, String> {
    let mut info = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key.is_empty() || key.contains('[') {
            continue;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        info.insert(key.to_string(), value.to_string());
    }
    info
}

/// The scalar top-level keys of an `.info.yml` file.
fn parse_info_yml(text: &str) -> BTreeMap<String, String> {
    let parsed: std::result::Result<BTreeMap<String, serde_norway::Value>, _> =
        serde_norway::from_str(text);
    parsed
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            serde_norway::Value::String(s) => Some((k, s)),
            serde_norway::Value::Number(n) => Some((k, n.to_string())),
            serde_norway::Value::Bool(b) => Some((k, b.to_string())),
            _ => None,
        })
        .collect()
}

impl PlatformScan {
    /// The packages of `kind` hosting is told about: as Aegir, hidden modules and
    /// profiles (`hidden = TRUE`: core's test modules, the testing profile) are left out.
    fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Package> {
        self.packages
            .iter()
            .filter(move |p| p.kind == kind && !(p.kind != "theme" && p.is_hidden()))
    }

    /// True when the platform has install profile `name` (hidden ones included).
    pub fn has_profile(&self, name: &str) -> bool {
        self.packages
            .iter()
            .any(|p| p.kind == "profile" && p.name == name)
    }

    /// The profile names (hosting's `context.profiles`).
    pub fn profiles(&self) -> Value {
        list(self.of_kind("profile").map(|p| p.name.as_str()))
    }

    /// `context.packages` of a platform verify: `base` (modules, themes, platforms,
    /// profiles), `sites-all` (modules, themes) and per profile its own modules and themes.
    pub fn packages(&self) -> Value {
        let in_dir = |prefix: &str| {
            let prefix = prefix.to_string();
            move |p: &&Package| p.filename.starts_with(&prefix)
        };
        let base = |p: &&Package| !p.filename.starts_with("sites/") && !in_profile(p);
        let mut base_arr = PhpArray::new();
        base_arr.set("modules", items(self.of_kind("module").filter(base), 0));
        base_arr.set("themes", items(self.of_kind("theme").filter(base), 0));
        base_arr.set("platforms", self.platforms());
        base_arr.set("profiles", items(self.of_kind("profile"), 0));
        let mut all = PhpArray::new();
        all.set(
            "modules",
            items(self.of_kind("module").filter(in_dir("sites/all/")), 0),
        );
        all.set(
            "themes",
            items(self.of_kind("theme").filter(in_dir("sites/all/")), 0),
        );
        let mut profiles = PhpArray::new();
        for profile in self.of_kind("profile") {
            let dir = profile_dir(profile);
            let mut own = PhpArray::new();
            own.set(
                "modules",
                items(self.of_kind("module").filter(in_dir(&dir)), 0),
            );
            own.set(
                "themes",
                items(self.of_kind("theme").filter(in_dir(&dir)), 0),
            );
            profiles.set(&profile.name, Value::Array(own));
        }
        let mut out = PhpArray::new();
        out.set("base", Value::Array(base_arr));
        out.set("sites-all", Value::Array(all));
        out.set("profiles", Value::Array(profiles));
        Value::Array(out)
    }

    /// `{drupal|backdrop: {short_name, version, description}}`.
    fn platforms(&self) -> Value {
        let short = match self.core.core {
            Core::Drupal(_) => "drupal",
            Core::Backdrop(_) => "backdrop",
        };
        let mut item = PhpArray::new();
        item.set("short_name", short);
        item.set("version", Value::str(&self.core.version));
        item.set(
            "description",
            Value::str(format!(
                "This platform is running {short} {}",
                self.core.version
            )),
        );
        let mut out = PhpArray::new();
        out.set(short, Value::Array(item));
        Value::Array(out)
    }

    /// `context.packages` of a site: `platforms`, `profiles`, `modules`, `themes`
    /// with each item's `status` and `schema_version` from the site's `rows`; items
    /// under `site_path` are the site's own (`platform` -1).
    pub fn site_packages(
        &self,
        root: &Path,
        site_path: &Path,
        profile: &str,
        rows: &[SystemRow],
    ) -> Value {
        let own = site_path
            .strip_prefix(root)
            .map(|p| format!("{}/", p.to_string_lossy()))
            .unwrap_or_default();
        let visible = |p: &&Package| {
            !p.filename.starts_with("sites/")
                || p.filename.starts_with("sites/all/")
                || p.filename.starts_with(&own)
        };
        // As Aegir: the site's own install profile, and the modules and themes its
        // database knows (enabled or not), not every one on the platform.
        let the_site_has = |p: &&Package| match p.kind.as_str() {
            "profile" => p.name == profile,
            kind => rows.iter().any(|r| r.name == p.name && r.kind == kind),
        };
        let mut out = PhpArray::new();
        out.set("platforms", self.platforms());
        for (key, kind) in [
            ("profiles", "profile"),
            ("modules", "module"),
            ("themes", "theme"),
        ] {
            let mut arr = PhpArray::new();
            for p in self.of_kind(kind).filter(visible).filter(the_site_has) {
                let row = rows.iter().find(|r| r.name == p.name && r.kind == p.kind);
                let mut item = item(p);
                item.set("status", Value::Int(row.map_or(1, |r| r.status)));
                item.set(
                    "schema_version",
                    Value::Int(row.map_or(-1, |r| r.schema_version)),
                );
                item.set(
                    "platform",
                    Value::Int(if p.filename.starts_with(&own) { -1 } else { 0 }),
                );
                arr.set(&p.name, Value::Array(item));
            }
            out.set(key, Value::Array(arr));
        }
        Value::Array(out)
    }
}

/// The site directories under `root/sites` that hold a `settings.php` (not `all`,
/// not `default`), sorted.
pub fn find_sites(root: &Path) -> Result<Vec<String>> {
    let sites = root.join("sites");
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(&sites) else {
        return Ok(out);
    };
    for entry in dir.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path: PathBuf = entry.path();
        if name != "all"
            && name != "default"
            && !name.starts_with('.')
            && path.join("settings.php").is_file()
        {
            out.push(name);
        }
    }
    out.sort();
    Ok(out)
}

fn in_profile(p: &Package) -> bool {
    p.kind != "profile"
        && (p.filename.starts_with("profiles/") || p.filename.starts_with("core/profiles/"))
}

fn profile_dir(profile: &Package) -> String {
    Path::new(&profile.filename)
        .parent()
        .map(|d| format!("{}/", d.to_string_lossy()))
        .unwrap_or_default()
}

/// One package as hosting reads it: filename, name, type, version, info.
fn item(p: &Package) -> PhpArray {
    let mut info = PhpArray::new();
    for key in ["name", "description", "version", "core"] {
        info.set(key, Value::str(p.info(key)));
    }
    let mut item = PhpArray::new();
    item.set("filename", Value::str(&p.filename));
    item.set("name", Value::str(&p.name));
    item.set("type", Value::str(&p.kind));
    item.set("version", Value::str(p.info("version")));
    item.set("info", Value::Array(info));
    item
}

/// Packages keyed by machine name.
fn items<'a>(packages: impl Iterator<Item = &'a Package>, platform: i64) -> Value {
    let mut out = PhpArray::new();
    for p in packages {
        let mut it = item(p);
        it.set("platform", Value::Int(platform));
        out.set(&p.name, Value::Array(it));
    }
    Value::Array(out)
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> Value {
    let mut out = PhpArray::new();
    for n in names {
        let _ = out.push(Value::str(n));
    }
    Value::Array(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixture_platform_is_scanned_and_files_are_pruned() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/platforms/drupal7-mini");
        let core = super::super::detect(&root).unwrap();
        let scan = scan_platform(&root, &core).unwrap();
        assert!(scan.has_profile("standard") && scan.has_profile("minimal"));
        assert!(!scan.has_profile("nope"));
        let names: Vec<(&str, &str)> = scan
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.kind.as_str()))
            .collect();
        assert!(names.contains(&("system", "module")), "{names:?}");
        assert!(names.contains(&("mini", "theme")), "{names:?}");
        let mini = scan.packages.iter().find(|p| p.name == "mini").unwrap();
        assert_eq!(mini.info("version"), "7.99", "VERSION is the core's");
    }

    #[test]
    fn info_files_are_parsed() {
        let info = parse_info(
            "name = \"Mini\"\n; comment\ndescription = A theme\nstylesheets[all][] = x.css\n",
        );
        assert_eq!(info.get("name").unwrap(), "Mini");
        assert_eq!(info.get("description").unwrap(), "A theme");
        assert_eq!(info.len(), 2);
    }
}
