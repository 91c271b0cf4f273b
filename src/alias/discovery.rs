//! Where Drush 8 looks for alias files, and the recursive scan of each location.
//!
//! The search path is `--alias-path` (split at `:`), then `$ETC_PREFIX/etc/drush`
//! and `$HOME/.drush` unless `--local`; a default location holding a
//! `site-aliases/` directory is searched only there. Each location is scanned
//! once per run and the result kept, so looking up several names costs one walk.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The Drush major version whose file variants (`*.drush8rc.php`) are accepted.
const DRUSH_MAJOR: u32 = 8;

/// Directory or file names never scanned (besides dotfiles and other `drushN`).
const SKIPPED_NAMES: &[&str] = &[
    "files",
    "drush_make",
    "examples",
    "tests",
    "disabled",
    "gitcache",
    "cache",
    "node_modules",
    "bower_components",
];

/// Where alias files are searched, in Drush 8 order, before dynamic additions.
#[derive(Clone, Debug, Default, Hash)]
pub struct SearchConfig {
    /// `--alias-path` value (`a:b`), searched first and as given.
    pub alias_path: Option<String>,
    /// `--local`: skip `/etc/drush` and `~/.drush`.
    pub local: bool,
    /// `ETC_PREFIX` from the environment (relocates `/etc/drush`).
    pub etc_prefix: Option<String>,
    /// `HOME` from the environment.
    pub home: Option<String>,
}

impl SearchConfig {
    /// Reads `ETC_PREFIX` and `HOME` from the process environment.
    pub fn from_env(alias_path: Option<String>, local: bool) -> SearchConfig {
        // PHP's `if (getenv(K))`: unset, "" and "0" all count as absent.
        let non_empty = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty() && v != "0");
        SearchConfig {
            alias_path,
            local,
            etc_prefix: non_empty("ETC_PREFIX"),
            home: non_empty("HOME"),
        }
    }

    /// The initial search path: CLI paths, then the default locations, duplicates removed.
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = Vec::new();
        if let Some(cli) = &self.alias_path {
            paths.extend(cli.split(':').map(PathBuf::from));
        }
        paths.extend(self.default_locations().iter().map(|d| base_directory(d)));
        unique(paths)
    }

    /// `$ETC_PREFIX/etc/drush` and `$HOME/.drush` (none with `--local`), before a
    /// `site-aliases/` subdirectory is looked for.
    pub fn default_locations(&self) -> Vec<PathBuf> {
        if self.local {
            return Vec::new();
        }
        let etc = self.etc_prefix.as_deref().unwrap_or("");
        let mut dirs = vec![PathBuf::from(format!("{etc}/etc/drush"))];
        if let Some(home) = &self.home {
            // Drush's home directory is `Path::canonicalize(getenv('HOME'))`.
            let home = super::record::canonicalize(home, None);
            dirs.push(PathBuf::from(format!("{home}/.drush")));
        }
        dirs
    }
}

/// Removes later duplicates, keeping first positions (PHP's `array_unique`,
/// which compares the strings: `/x` and `/x/` are two locations).
pub fn unique(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = Vec::with_capacity(paths.len());
    for p in paths {
        if !out.iter().any(|q| q.as_os_str() == p.as_os_str()) {
            out.push(p);
        }
    }
    out
}

/// A default location's `site-aliases/` subdirectory if it exists, else the location.
pub fn base_directory(dir: &Path) -> PathBuf {
    let sub = dir.join("site-aliases");
    if sub.is_dir() {
        sub
    } else {
        dir.to_path_buf()
    }
}

/// Which alias files a lookup wants, as Drush's two scan patterns per location.
#[derive(Clone, Copy, Debug)]
pub enum Wanted<'a> {
    /// Every alias file (`drush sa` with no argument).
    All,
    /// The files that may define `@NAME`: group files and `…NAME.alias.drushrc.php`.
    Name(&'a str),
}

/// One scan per location, reused by every lookup of the run.
#[derive(Debug, Default)]
pub struct FileIndex {
    scanned: HashMap<PathBuf, Vec<PathBuf>>,
    /// Every directory a scan visited or tried, in order (for the list cache).
    visited: Vec<PathBuf>,
}

impl FileIndex {
    /// An empty index.
    pub fn new() -> FileIndex {
        FileIndex::default()
    }

    /// The files `wanted` needs from `paths`, in Drush's order: for each location,
    /// the `*aliases.drushrc.php` files, then the `*.alias.drushrc.php` ones.
    pub fn files(&mut self, paths: &[PathBuf], wanted: Wanted<'_>) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in paths {
            let visited = &mut self.visited;
            let files = self
                .scanned
                .entry(dir.clone())
                .or_insert_with(|| scan(dir, visited));
            out.extend(files.iter().filter(|f| is_aliases_file(f)).cloned());
            out.extend(files.iter().filter(|f| matches_single(f, wanted)).cloned());
        }
        out
    }
}

impl FileIndex {
    /// Every directory scanned so far (including locations that did not exist).
    pub fn visited(&self) -> &[PathBuf] {
        &self.visited
    }
}

/// The file name of `path` as bytes ("" when it has none).
fn file_name(path: &Path) -> &[u8] {
    path.file_name()
        .map(|n| n.as_encoded_bytes())
        .unwrap_or_default()
}

/// Strips a `drushrc.php` or `drush8rc.php` suffix, returning what precedes it.
fn strip_rc_suffix(name: &[u8]) -> Option<&[u8]> {
    name.strip_suffix(b"drushrc.php")
        .or_else(|| name.strip_suffix(b"drush8rc.php"))
}

/// Drush's `/.*aliases\.drush(8|)rc\.php$/`: group files, `aliases.drushrc.php`, and
/// anything else ending that way.
pub fn is_aliases_file(path: &Path) -> bool {
    strip_rc_suffix(file_name(path)).is_some_and(|s| s.ends_with(b"aliases."))
}

/// Drush's `/.*\.alias\.drush(8|)rc\.php$/`, or for a name lookup the same
/// pattern with `NAME` before `.alias` (not anchored on the left).
fn matches_single(path: &Path, wanted: Wanted<'_>) -> bool {
    let Some(stem) = strip_rc_suffix(file_name(path)) else {
        return false;
    };
    match wanted {
        Wanted::All => stem.ends_with(b".alias."),
        Wanted::Name(name) => stem
            .strip_suffix(b".alias.")
            .is_some_and(|s| s.ends_with(name.as_bytes())),
    }
}

/// True when a path names a group file (`GROUP.aliases.drushrc.php`, literally).
pub fn group_name(path: &Path) -> Option<String> {
    let name = file_name(path);
    let group = name.strip_suffix(b".aliases.drushrc.php")?;
    Some(String::from_utf8_lossy(group).into_owned())
}

/// True for names the scan skips at any depth.
fn skipped(name: &[u8]) -> bool {
    if name.first() == Some(&b'.') {
        return true;
    }
    if SKIPPED_NAMES.iter().any(|s| s.as_bytes() == name) {
        return true;
    }
    // `drush4` … `drush11`, except this version's own.
    let version = name
        .strip_prefix(b"drush")
        .filter(|d| !d.is_empty() && d.len() <= 2 && d[0] != b'0')
        .and_then(|d| std::str::from_utf8(d).ok()?.parse::<u32>().ok());
    version.is_some_and(|v| (4..=DRUSH_MAJOR + 3).contains(&v) && v != DRUSH_MAJOR)
}

/// True when the entry is a directory (symlinks followed, as PHP's `is_dir`).
fn is_dir(entry: &fs::DirEntry) -> bool {
    match entry.file_type() {
        Ok(t) if t.is_symlink() => entry.path().is_dir(),
        Ok(t) => t.is_dir(),
        Err(_) => false,
    }
}

/// Scans `dir` recursively for anything that may be an alias file.
///
/// Drush walks in `readdir` order, which the filesystem decides; to make
/// output deterministic the entries of each directory are sorted by name here.
/// As in Drush, the files found in a subdirectory go before every file collected
/// so far in the parent, and files of the parent found later go after them.
/// Every directory visited (or tried) is appended to `visited`.
pub fn scan(dir: &Path, visited: &mut Vec<PathBuf>) -> Vec<PathBuf> {
    scan_depth(dir, 0, visited)
}

/// Symlink loops end here (PHP would give up at its path-length limit).
const MAX_DEPTH: usize = 64;

fn scan_depth(dir: &Path, depth: usize, visited: &mut Vec<PathBuf>) -> Vec<PathBuf> {
    visited.push(dir.to_path_buf());
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<(std::ffi::OsString, fs::DirEntry)> = read
        .filter_map(Result::ok)
        .map(|e| (e.file_name(), e))
        .filter(|(name, _)| !skipped(name.as_encoded_bytes()))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut files = Vec::new();
    for (name, entry) in entries {
        if is_dir(&entry) {
            if depth < MAX_DEPTH {
                let mut sub = scan_depth(&entry.path(), depth + 1, visited);
                sub.append(&mut files);
                files = sub;
            }
        } else if may_be_alias_file(name.as_encoded_bytes()) {
            files.push(entry.path());
        }
    }
    files
}

/// True for a name either scan pattern could match.
fn may_be_alias_file(name: &[u8]) -> bool {
    strip_rc_suffix(name).is_some_and(|s| s.ends_with(b"aliases.") || s.ends_with(b".alias."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_follow_drush() {
        let p = |s: &str| PathBuf::from(s);
        assert!(is_aliases_file(&p("/x/g.aliases.drushrc.php")));
        assert!(is_aliases_file(&p("/x/aliases.drushrc.php")));
        assert!(is_aliases_file(&p("/x/sitealiases.drushrc.php")));
        assert!(is_aliases_file(&p("/x/g.aliases.drush8rc.php")));
        assert!(!is_aliases_file(&p("/x/g.aliases.drush7rc.php")));
        assert!(matches_single(&p("/x/a.alias.drushrc.php"), Wanted::All));
        assert!(matches_single(
            &p("/x/a.alias.drush8rc.php"),
            Wanted::Name("a")
        ));
        assert!(matches_single(
            &p("/x/xa.alias.drushrc.php"),
            Wanted::Name("a")
        ));
        assert!(!matches_single(&p("/x/a.alias.drush9rc.php"), Wanted::All));
        assert_eq!(
            group_name(&p("/x/g.aliases.drushrc.php")).as_deref(),
            Some("g")
        );
        assert_eq!(group_name(&p("/x/g.aliases.drush8rc.php")), None);
    }

    #[test]
    fn skip_list() {
        for n in [
            "files",
            "tests",
            ".git",
            "drush9",
            "drush11",
            "node_modules",
        ] {
            assert!(skipped(n.as_bytes()), "{n}");
        }
        for n in ["drush8", "drush", "sites", "drush12"] {
            assert!(!skipped(n.as_bytes()), "{n}");
        }
    }
}
