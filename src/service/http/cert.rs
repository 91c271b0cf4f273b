//! The SSL servers' default self-signed certificate, made with `openssl req`.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use super::HttpServer;
use crate::fsutil;
use crate::service::error::{Result, ServiceError};
use crate::service::exec;

/// Makes `ssl.d/default/openssl.{crt,key}` under the server's config path if either is
/// missing (directory 0700, key 0600), and returns their paths. An existing pair is kept.
pub fn ensure_self_signed(server: &HttpServer) -> Result<(PathBuf, PathBuf)> {
    let (cert, key) = server.default_cert();
    if cert.is_file() && key.is_file() {
        return Ok((cert, key));
    }
    let dir = server.default_cert_dir();
    fsutil::mkdir_mode(&dir, 0o700)?;
    let tmp_key = dir.join(".openssl.key.tmp");
    let tmp_cert = dir.join(".openssl.crt.tmp");
    for tmp in [&tmp_key, &tmp_cert] {
        fsutil::remove_file_if_exists(tmp)?;
    }
    // The key file exists with 0600 before openssl writes the key into it.
    fsutil::write_new(&tmp_key, b"", 0o600)?;
    exec::run(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256"])
            .args(["-days", "3650", "-subj", "/CN=default", "-keyout"])
            .arg(&tmp_key)
            .arg("-out")
            .arg(&tmp_cert),
        None,
        &[],
    )?;
    fs::rename(&tmp_key, &key).map_err(|e| ServiceError::io("rename", &key, e))?;
    fs::rename(&tmp_cert, &cert).map_err(|e| ServiceError::io("rename", &cert, e))?;
    Ok((cert, key))
}
