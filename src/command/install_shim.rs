//! `provision install-shim --prefix DIR`: installs `DIR/bin/drush`, a symlink to
//! this binary, so that Drush command lines reach provision first.

use super::{CommandError, Invocation};
use std::path::PathBuf;

/// `install-shim` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "install-shim",
    aliases: &[],
    summary: "Install PREFIX/bin/drush, a symlink that makes provision the drush entry point.",
    usage: "provision install-shim --prefix DIR",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Arguments of `install-shim`.
#[derive(Debug, clap::Args)]
pub struct InstallShimArgs {
    /// Install prefix: the symlink goes to PREFIX/bin/drush.
    #[arg(long, value_name = "DIR")]
    pub prefix: PathBuf,
}

/// Creates the symlink; an existing `drush` there that is not already ours is
/// left alone and reported.
pub fn run(_inv: &Invocation, args: &InstallShimArgs) -> Result<(), CommandError> {
    let me = std::env::current_exe().and_then(std::fs::canonicalize)?;
    let bin = args.prefix.join("bin");
    std::fs::create_dir_all(&bin)?;
    let link = bin.join("drush");
    if link.symlink_metadata().is_ok() {
        if std::fs::canonicalize(&link).ok().as_ref() == Some(&me) {
            return Ok(());
        }
        return Err(CommandError::new(format!(
            "{} exists and is not provision: remove it first.",
            link.display()
        )));
    }
    std::os::unix::fs::symlink(&me, &link)?;
    println!("{} -> {}", link.display(), me.display());
    Ok(())
}
