//! `provision-backup` of a site, in Aegir's tarball layout: the database dumped to
//! `database.sql` in the site directory (credentials never on a command line), then
//! `tar` of the site directory with `./` as its root, gzip-compressed (uploads that are
//! compressed already are stored as they are rather than compressed again), then the
//! dump removed again.

use super::progress::Progress;
use super::resolve::ServerServices;
use super::resolve::{load_server, load_site, DbService, RunOptions, Site};
use super::verify::{db_env, read_site_drushrc, Report};
use super::web::{load_web, Web};
use super::{Result, TaskError};
use crate::context::store::Store;
use crate::php::{PhpArray, Value};
use crate::service::ServiceError;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

/// Backs site `name` up to `file`, or to `{backup_path}/{uri}-{Ymd.His}.tar.gz` (UTC;
/// `_N` added on a clash). The site's files are fetched from its web server first
/// when it is another machine (never from a cluster: the master's copy is the
/// reference). Reports `backup_file` and `backup_file_size` in `context`.
pub fn backup_site(
    store: &Store,
    name: &str,
    file: Option<&Path>,
    run: &RunOptions,
    p: &mut Progress,
) -> Result<Report> {
    let site = load_site(store, name)?;
    if let Some(web) = load_web(store, &site.platform.web_server, run)? {
        fetch_site_files(&site, &web, run, p)?;
    }
    let options = read_site_drushrc(&site)?;
    let db = db_env(&options);
    let target = match file {
        Some(f) => f.to_path_buf(),
        // Backups live on the site's `server` (always @server_master in Aegir).
        None => free_name(
            &load_server(store, "@server_master")?.path("backup_path")?,
            &site.uri,
            SystemTime::now(),
        ),
    };
    if target.exists() {
        return Err(TaskError::Refused(
            "PROVISION_BACKUP_EXISTS",
            format!("{} exists already: name another file.", target.display()),
        ));
    }
    let dump = site.site_path.join("database.sql");
    crate::fsutil::remove_file_if_exists(&dump).map_err(ServiceError::from)?;
    if let (Some(DbService::Mysql(server)), "mysql") = (site.db_server.db()?, db.db_type.as_str()) {
        server.dump(&db.db_name, &dump)?;
        p.step(format!(
            "Dumped the database {} to database.sql.",
            db.db_name
        ));
    }
    let tarred = tar(&site.site_path, &target);
    crate::fsutil::remove_file_if_exists(&dump).map_err(ServiceError::from)?;
    tarred?;
    let size = std::fs::metadata(&target)
        .map_err(|e| ServiceError::io("stat", &target, e))?
        .len();
    p.success(format!(
        "Backed {} up to {} ({size} bytes).",
        site.uri,
        target.display()
    ));
    let mut context = PhpArray::new();
    context.set(
        "backup_file",
        Value::str(target.to_string_lossy().as_bytes()),
    );
    context.set("backup_file_size", Value::Int(size as i64));
    Ok(Report {
        context,
        self_options: options,
    })
}

/// The directories a site's web server writes to (uploads, and modules or themes
/// installed through the site), fetched from the first member that gets code.
const FETCHED_DIRS: [&str; 5] = ["files", "private", "modules", "themes", "libraries"];

fn fetch_site_files(site: &Site, web: &Web, run: &RunOptions, p: &mut Progress) -> Result<()> {
    let Some(member) = web.code_members().next() else {
        return Ok(());
    };
    if !web.topology.fetches_site_files() || member.server.is_local() {
        return Ok(());
    }
    let host = member.server.host()?;
    let remote =
        crate::remote::Remote::new(run.ssh.clone()).map_err(super::publish::remote_error)?;
    // The directories at once, over the one ssh master: each rsync run costs a round of
    // handshakes and file lists even for an empty directory.
    let fetched: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = FETCHED_DIRS
            .iter()
            .map(|dir| {
                let (remote, host, path) = (&remote, &host, site.site_path.join(dir));
                scope.spawn(move || {
                    remote.fetch(host, &path, &crate::remote::SyncOptions::default())
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("a fetch thread panicked"))
            .collect()
    });
    remote.close();
    for result in fetched {
        result.map_err(super::publish::remote_error)?;
    }
    p.step(format!(
        "Fetched the site's files from {} ({}).",
        host.server, host.address
    ));
    Ok(())
}

/// `tar cpf - .` in the site directory, gzip-compressed into `target` (what `tar cpzf`
/// makes, read by any `tar xzf`); a partial tarball is removed.
fn tar(site_path: &Path, target: &Path) -> Result<()> {
    // A missing backup directory is made private; an existing one (the caller's, for a
    // named FILE) keeps its mode.
    if let Some(dir) = target.parent().filter(|d| !d.exists()) {
        crate::fsutil::mkdir_mode(dir, 0o700).map_err(ServiceError::from)?;
    }
    write_tar_gz(site_path, target).map_err(|e| {
        let _ = std::fs::remove_file(target);
        TaskError::from(e)
    })
}

/// The tar stream is cut into chunks of [`CHUNK`] bytes, each written as a gzip member of
/// its own: a gzip file is a series of members, which `gunzip` and `tar xzf` read as one
/// stream. A chunk whose bytes look random (uploads that are compressed already: photos,
/// videos, archives) is stored in deflate's uncompressed blocks, as gzip itself ends up
/// storing such data, but without its ~30 MB/s of searching for matches; the other
/// chunks are compressed; as many chunks at once as there are CPUs.
fn write_tar_gz(site_path: &Path, target: &Path) -> std::result::Result<(), ServiceError> {
    let mut child = Command::new("tar")
        .arg("cpf")
        .arg("-")
        .arg("-C")
        .arg(site_path)
        .arg(".")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| command_error("tar", e.to_string(), b""))?;
    let stream = child.stdout.take().expect("tar's stdout is piped");
    let mut errors = child.stderr.take().expect("tar's stderr is piped");
    let (written, stderr) = std::thread::scope(|scope| {
        let stderr = scope.spawn(move || {
            let mut text = Vec::new();
            let _ = errors.read_to_end(&mut text);
            text
        });
        // Returning drops the pipe: a tar still writing then stops.
        let written = compress_into(stream, target);
        (written, stderr.join().unwrap_or_default())
    });
    let status = child
        .wait()
        .map_err(|e| command_error("tar", e.to_string(), b""))?;
    written?;
    if !status.success() {
        return Err(command_error("tar", status.to_string(), &stderr));
    }
    Ok(())
}

/// Bytes of the tar stream per gzip member.
const CHUNK: usize = 1 << 20;

/// Bits of information per byte above which a chunk is taken for random (compressed)
/// data and stored: deflate's Huffman codes could take at most 0.6% off such a chunk.
const RANDOM_BITS: f64 = 7.95;

/// Reads the tar stream to its end and writes it gzip-compressed to `target`, a batch of
/// chunks at a time, each batch's chunks compressed at once.
fn compress_into(mut stream: impl Read, target: &Path) -> std::result::Result<(), ServiceError> {
    let write_err = |e| ServiceError::io("write", target, e);
    let mut out = std::io::BufWriter::new(std::fs::File::create(target).map_err(write_err)?);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let mut end = false;
    while !end {
        let mut batch = Vec::with_capacity(workers);
        while batch.len() < workers && !end {
            let mut chunk = Vec::with_capacity(CHUNK);
            (&mut stream)
                .take(CHUNK as u64)
                .read_to_end(&mut chunk)
                .map_err(|e| command_error("tar", format!("reading its output: {e}"), b""))?;
            end = chunk.len() < CHUNK;
            if !chunk.is_empty() {
                batch.push(chunk);
            }
        }
        let members: Vec<_> = std::thread::scope(|scope| {
            let runs: Vec<_> = batch
                .iter()
                .map(|chunk| scope.spawn(|| gzip_member(chunk)))
                .collect();
            runs.into_iter()
                .map(|run| run.join().expect("a compression thread panicked"))
                .collect()
        });
        for member in members {
            out.write_all(&member).map_err(write_err)?;
        }
    }
    out.flush().map_err(write_err)
}

/// One gzip member holding `data`: stored when it looks random, else compressed at
/// gzip's default level (flate2, miniz_oxide).
fn gzip_member(data: &[u8]) -> Vec<u8> {
    let level = if looks_random(data) {
        flate2::Compression::none()
    } else {
        flate2::Compression::default()
    };
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(data.len() / 2), level);
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// True when `data`'s bytes are spread so evenly (Shannon entropy of their frequencies of
/// at least [`RANDOM_BITS`] bits a byte) that deflate would store them as they are. Under
/// 4 KiB there is too little to tell: such data is compressed.
fn looks_random(data: &[u8]) -> bool {
    if data.len() < 4096 {
        return false;
    }
    let mut counts = [0u64; 256];
    for &b in data {
        counts[usize::from(b)] += 1;
    }
    let n = data.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum();
    bits >= RANDOM_BITS
}

/// A program's failure, as [`crate::service::exec::run`] reports one.
fn command_error(program: &str, status: String, stderr: &[u8]) -> ServiceError {
    ServiceError::Command {
        program: program.to_string(),
        status,
        stderr: String::from_utf8_lossy(stderr).trim().to_string(),
    }
}

/// `{dir}/{uri}-{Ymd.His}.tar.gz`, or with `_1`, `_2` … before `.tar.gz` when taken.
fn free_name(dir: &Path, uri: &str, now: SystemTime) -> PathBuf {
    let stamp = ymd_his(now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()));
    let first = dir.join(format!("{uri}-{stamp}.tar.gz"));
    std::iter::once(first.clone())
        .chain((1..).map(|i| dir.join(format!("{uri}-{stamp}_{i}.tar.gz"))))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// PHP's `date('Ymd.His')` of a Unix time, in UTC.
fn ymd_his(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}.{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_php_ymd_his_in_utc() {
        assert_eq!(ymd_his(0), "19700101.000000");
        assert_eq!(ymd_his(1_795_412_860), "20261123.054740");
        assert_eq!(ymd_his(951_782_400), "20000229.000000");
    }

    /// `n` pseudo-random bytes (xorshift), as incompressible as real random data.
    fn noise(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    /// `n` bytes of SQL-like text.
    fn text(n: usize) -> Vec<u8> {
        (0..)
            .map(|i| format!("INSERT INTO variable VALUES ('name_{i}', 's:5:\"value\";');\n"))
            .flat_map(String::into_bytes)
            .take(n)
            .collect()
    }

    /// `gzip -dc` of `bytes`.
    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("x.gz");
        std::fs::write(&file, bytes).unwrap();
        let out = Command::new("gzip").arg("-dc").arg(&file).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    #[test]
    fn members_are_read_by_gunzip_one_after_another() {
        let mut all = Vec::new();
        let mut want = Vec::new();
        for (i, data) in [noise(0, 1), noise(200_000, 2), text(10_000), noise(1, 3)]
            .into_iter()
            .enumerate()
        {
            let member = gzip_member(&data);
            assert_eq!(gunzip(&member), data, "member {i}");
            all.extend(member);
            want.extend(data);
        }
        assert_eq!(gunzip(&all), want);
        // Random chunks are stored: the data plus framing (under 0.1% more).
        let stored = gzip_member(&noise(CHUNK, 9));
        assert!(stored.len() < CHUNK + CHUNK / 1000, "{}", stored.len());
    }

    #[test]
    fn random_bytes_are_stored_and_text_is_compressed() {
        assert!(looks_random(&noise(CHUNK, 3)));
        assert!(!looks_random(&text(CHUNK)));
        assert!(!looks_random(&noise(1000, 3)), "too short to tell");
        // Half random, half text: compressed.
        let mut mixed = noise(CHUNK / 2, 5);
        mixed.extend(text(CHUNK / 2));
        assert!(!looks_random(&mixed));
        let member = gzip_member(&text(CHUNK));
        assert!(member.len() < CHUNK / 4, "{} bytes", member.len());
    }

    #[test]
    fn the_tarball_unpacks_with_tar_xzf_into_the_site_as_it_was() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let site = tmp.path().join("site");
        std::fs::create_dir_all(site.join("files/styles")).unwrap();
        // Several chunks: random uploads between compressible files.
        let photo = noise(3 * CHUNK + 12_345, 11);
        let dump = text(2 * CHUNK + 999);
        std::fs::write(site.join("files/photo.jpg"), &photo).unwrap();
        std::fs::write(site.join("database.sql"), &dump).unwrap();
        std::fs::write(site.join("files/styles/thumb.jpg"), noise(5000, 13)).unwrap();
        std::fs::write(site.join("settings.php"), b"<?php\n").unwrap();
        std::fs::set_permissions(
            site.join("settings.php"),
            std::fs::Permissions::from_mode(0o440),
        )
        .unwrap();
        let target = tmp.path().join("backups/site.tar.gz");
        tar(&site, &target).unwrap();
        let size = std::fs::metadata(&target).unwrap().len() as usize;
        assert!(
            size < photo.len() + dump.len() / 4,
            "the text was not compressed: {size} bytes"
        );
        let out = tmp.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let status = Command::new("tar")
            .arg("xpzf")
            .arg(&target)
            .arg("-C")
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success());
        let listing = Command::new("tar")
            .arg("tzf")
            .arg(&target)
            .output()
            .unwrap();
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert!(listing.lines().all(|l| l.starts_with("./")), "{listing}");
        assert_eq!(std::fs::read(out.join("files/photo.jpg")).unwrap(), photo);
        assert_eq!(std::fs::read(out.join("database.sql")).unwrap(), dump);
        assert_eq!(
            std::fs::read(out.join("files/styles/thumb.jpg")).unwrap(),
            noise(5000, 13)
        );
        let mode = std::fs::metadata(out.join("settings.php"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o440);
    }

    #[test]
    fn a_failed_tar_leaves_no_tarball() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("b/x.tar.gz");
        let err = tar(&tmp.path().join("missing"), &target).unwrap_err();
        assert!(err.to_string().contains("tar failed"), "{err}");
        assert!(!target.exists());
    }

    #[test]
    fn a_taken_name_gets_a_counter() {
        let tmp = tempfile::tempdir().unwrap();
        let now = UNIX_EPOCH;
        let first = free_name(tmp.path(), "a.test", now);
        assert!(first.ends_with("a.test-19700101.000000.tar.gz"));
        std::fs::write(&first, b"x").unwrap();
        assert!(free_name(tmp.path(), "a.test", now).ends_with("a.test-19700101.000000_1.tar.gz"));
    }
}
