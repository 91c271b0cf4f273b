//! A cache of `sa`'s full alias list, kept only while nothing it was computed
//! from has changed.
//!
//! The list of every alias needs every alias file evaluated. When every file of
//! the scan took the literal fast path (so its meaning depends on its bytes
//! alone) and printed nothing, the list is stored together with a stamp of every
//! directory scanned and every file included (device, inode, size, mtime and
//! ctime in nanoseconds). A later run re-stamps them — a `stat` per entry, on a
//! few threads — and reuses the list only if all stamps are equal. Any create,
//! delete or rename changes a directory's stamp; any write changes a file's.
//! Entries modified within the last two seconds are not trusted (the "racy
//! timestamp" rule git uses), so such a result is simply not stored.

use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, Mode, OFlags};
use std::collections::hash_map::DefaultHasher;
use std::ffi::OsStr;
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MAGIC: &[u8] = b"provision-sa-list-1\n";

/// How recent a modification may be before a stamp is not trusted.
const RACY: Duration = Duration::from_secs(2);

/// What a path looked like: absent, or its identity and change times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stamp {
    /// The path did not exist (or could not be stat'ed).
    Absent,
    /// The path existed.
    Present {
        /// Device.
        dev: u64,
        /// Inode.
        ino: u64,
        /// Size in bytes.
        size: u64,
        /// Modification time, nanoseconds since the epoch.
        mtime: i64,
        /// Status-change time, nanoseconds since the epoch.
        ctime: i64,
    },
}

impl Stamp {
    /// Stamps `path`, following symlinks as the scan does.
    pub fn of(path: &Path) -> Stamp {
        rustix::fs::stat(path).map_or(Stamp::Absent, |st| Stamp::from_stat(&st))
    }

    /// Stamps `name` inside the open directory `dir` (no path walk from the root).
    fn at(dir: &OwnedFd, name: &OsStr) -> Stamp {
        rustix::fs::statat(dir, name, AtFlags::empty())
            .map_or(Stamp::Absent, |st| Stamp::from_stat(&st))
    }

    // The stat field types differ between platforms; the casts are no-ops on some.
    #[allow(clippy::unnecessary_cast)]
    fn from_stat(st: &rustix::fs::Stat) -> Stamp {
        Stamp::Present {
            dev: st.st_dev as u64,
            ino: st.st_ino as u64,
            size: st.st_size as u64,
            mtime: st.st_mtime as i64 * 1_000_000_000 + st.st_mtime_nsec as i64,
            ctime: st.st_ctime as i64 * 1_000_000_000 + st.st_ctime_nsec as i64,
        }
    }

    /// True when the entry changed so recently that an equal stamp proves nothing.
    fn is_racy(&self, now_ns: i64) -> bool {
        let racy = RACY.as_nanos() as i64;
        matches!(self, Stamp::Present { mtime, ctime, .. } if *mtime.max(ctime) >= now_ns - racy)
    }
}

/// The cache file for one search configuration.
#[derive(Clone, Debug)]
pub struct ListCache {
    path: PathBuf,
    key: u64,
}

impl ListCache {
    /// The cache for `config` (everything the list depends on besides the files),
    /// under `$XDG_CACHE_HOME/provision` or `$HOME/.cache/provision`.
    pub fn new(config: &impl Hash) -> Option<ListCache> {
        let dir = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| Path::new(&h).join(".cache"))
            })?;
        let mut h = DefaultHasher::new();
        env!("CARGO_PKG_VERSION").hash(&mut h);
        config.hash(&mut h);
        let key = h.finish();
        Some(ListCache {
            path: dir.join("provision").join(format!("sa-list-{key:016x}")),
            key,
        })
    }

    /// The stored list, if every stamp still matches.
    pub fn load(&self) -> Option<Vec<u8>> {
        let bytes = fs::read(&self.path).ok()?;
        let (entries, output) = decode(&bytes, self.key)?;
        let paths: Vec<&Path> = entries.iter().map(|(p, _)| p.as_path()).collect();
        let fresh = stamp_all(&paths);
        entries
            .iter()
            .zip(fresh)
            .all(|((_, old), new)| *old == new)
            .then_some(output)
    }

    /// Stores `output` with stamps of `paths`, unless one was modified too recently
    /// to be trusted. Failures are ignored: the cache only ever saves work.
    pub fn store(&self, paths: &[PathBuf], output: &[u8]) {
        let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
        let stamps = stamp_all(&refs);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i64);
        if stamps.iter().any(|s| s.is_racy(now)) {
            return;
        }
        let _ = self.write(&encode(self.key, paths, &stamps, output));
    }

    fn write(&self, bytes: &[u8]) -> std::io::Result<()> {
        let dir = self.path.parent().expect("cache path has a parent");
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{}.{}", std::process::id(), self.key));
        let written = fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|_| fs::rename(&tmp, &self.path));
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }
}

/// Stamps every path, on a few threads when there are many.
fn stamp_all(paths: &[&Path]) -> Vec<Stamp> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    if threads < 2 || paths.len() < 256 {
        return stamp_run(paths);
    }
    let chunk = paths.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| s.spawn(move || stamp_run(part)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("stat thread does not panic"))
            .collect()
    })
}

/// Stamps paths in order, opening each parent directory once for a run of
/// paths that share it (the scan lists a directory's files together).
fn stamp_run(paths: &[&Path]) -> Vec<Stamp> {
    let mut open: Option<(&Path, Option<OwnedFd>)> = None;
    paths
        .iter()
        .map(|path| {
            let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
                return Stamp::of(path);
            };
            if open.as_ref().is_none_or(|(p, _)| *p != parent) {
                let fd = rustix::fs::open(
                    parent,
                    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok();
                open = Some((parent, fd));
            }
            match &open {
                Some((_, Some(dir))) => Stamp::at(dir, name),
                _ => Stamp::of(path),
            }
        })
        .collect()
}

fn encode(key: u64, paths: &[PathBuf], stamps: &[Stamp], output: &[u8]) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&key.to_le_bytes());
    out.extend_from_slice(&(paths.len() as u64).to_le_bytes());
    for (path, stamp) in paths.iter().zip(stamps) {
        let p = path.as_os_str().as_encoded_bytes();
        out.extend_from_slice(&(p.len() as u64).to_le_bytes());
        out.extend_from_slice(p);
        let fields = match *stamp {
            Stamp::Absent => [0; 6],
            Stamp::Present {
                dev,
                ino,
                size,
                mtime,
                ctime,
            } => [1, dev, ino, size, mtime as u64, ctime as u64],
        };
        for f in fields {
            out.extend_from_slice(&f.to_le_bytes());
        }
    }
    out.extend_from_slice(&(output.len() as u64).to_le_bytes());
    out.extend_from_slice(output);
    out
}

/// A decoded cache file: the stamped paths and the stored list.
type Decoded = (Vec<(PathBuf, Stamp)>, Vec<u8>);

fn decode(bytes: &[u8], key: u64) -> Option<Decoded> {
    let mut r = Reader(bytes.strip_prefix(MAGIC)?);
    if r.u64()? != key {
        return None;
    }
    let n = r.u64()?;
    let mut entries = Vec::with_capacity(n.min(1 << 20) as usize);
    for _ in 0..n {
        let len = r.u64()? as usize;
        let path = PathBuf::from(OsStr::from_bytes(r.take(len)?));
        let f: Vec<u64> = (0..6).map(|_| r.u64()).collect::<Option<_>>()?;
        let stamp = match f[0] {
            0 => Stamp::Absent,
            _ => Stamp::Present {
                dev: f[1],
                ino: f[2],
                size: f[3],
                mtime: f[4] as i64,
                ctime: f[5] as i64,
            },
        };
        entries.push((path, stamp));
    }
    let len = r.u64()? as usize;
    let output = r.take(len)?.to_vec();
    r.0.is_empty().then_some((entries, output))
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_changes_invalidate() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.alias.drushrc.php");
        fs::write(&file, "<?php $aliases['a'] = array();").unwrap();
        let missing = dir.path().join("missing");
        let paths = vec![dir.path().to_path_buf(), file.clone(), missing];
        let stamps: Vec<Stamp> = paths.iter().map(|p| Stamp::of(p)).collect();
        let bytes = encode(7, &paths, &stamps, b"@a\n@none");
        let (entries, output) = decode(&bytes, 7).unwrap();
        assert_eq!(output, b"@a\n@none");
        assert_eq!(entries.iter().map(|(_, s)| *s).collect::<Vec<_>>(), stamps);
        assert_eq!(decode(&bytes, 8), None);
        assert_eq!(decode(&bytes[..bytes.len() - 1], 7), None);
        fs::write(&file, "<?php $aliases['b'] = array();").unwrap();
        assert_ne!(Stamp::of(&file), stamps[1]);
    }

    #[test]
    fn fresh_entries_are_racy() {
        let dir = tempfile::tempdir().unwrap();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i64;
        assert!(Stamp::of(dir.path()).is_racy(now));
        assert!(!Stamp::Absent.is_racy(now));
    }
}
