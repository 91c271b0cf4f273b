//! `provision site-alias-convert`: legacy PHP alias files → Drush 9+ `*.site.yml`
//! (`--to=yaml`, as Drush 9–11's `site:alias-convert`), or `*.site.yml` →
//! Aegir-style PHP alias files (`--to=php`).

use super::{CommandError, Invocation};
use crate::alias::convert::{legacy_to_yaml, yaml_to_legacy, ConvertOptions, Report};
use std::io::Write;
use std::path::PathBuf;

/// `site-alias-convert` in the command table; clap parses its arguments and prints its help.
pub const SPEC: super::spec::Spec = super::spec::Spec {
    name: "site-alias-convert",
    aliases: &["sac"],
    summary: "Convert legacy PHP alias files to Drush 9+ *.site.yml, or back.",
    usage: "provision site-alias-convert [--sources=DIR[,DIR]] [--destination=DIR] [--to=yaml|php]",
    arguments: &[],
    options: &[],
    run: super::spec::Runner::Clap,
};

/// Conversion direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// PHP alias files → `*.site.yml`.
    #[default]
    Yaml,
    /// `*.site.yml` → `NAME.alias.drushrc.php`.
    Php,
}

/// Arguments of `site-alias-convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Directories to search, comma separated (default: `~/.drush,/etc/drush`
    /// for `--to=yaml`, `~/.drush/sites` for `--to=php`).
    #[arg(long, value_name = "DIR[,DIR]")]
    pub sources: Option<String>,
    /// Where to write (default: `~/.drush/sites` for `--to=yaml`, `~/.drush` for `--to=php`).
    #[arg(long, value_name = "DIR")]
    pub destination: Option<PathBuf>,
    /// Conversion direction.
    #[arg(long, value_enum, default_value = "yaml")]
    pub to: Target,
}

/// Runs `site-alias-convert`.
pub fn run(inv: &Invocation, args: &ConvertArgs) -> Result<(), CommandError> {
    let home = std::env::var("HOME").unwrap_or_default();
    let home = PathBuf::from(home);
    let (default_sources, default_destination) = match args.to {
        Target::Yaml => (
            vec![home.join(".drush"), PathBuf::from("/etc/drush")],
            home.join(".drush/sites"),
        ),
        Target::Php => (vec![home.join(".drush/sites")], home.join(".drush")),
    };
    let sources = match &args.sources {
        Some(list) => list.split(',').map(PathBuf::from).collect(),
        None => default_sources,
    };
    let opts = ConvertOptions {
        sources: sources.into_iter().filter(|d| d.is_dir()).collect(),
        destination: args.destination.clone().unwrap_or(default_destination),
        simulate: inv.global.simulate,
        eval: inv.global.eval_options(),
    };
    let report = match args.to {
        Target::Yaml => legacy_to_yaml(&opts),
        Target::Php => yaml_to_legacy(&opts),
    }
    .map_err(|e| CommandError::new(e.to_string()))?;
    print_report(&report, inv.global.simulate)
}

/// Echoed PHP output on stdout; what happened, and every lossy key, on stderr.
fn print_report(report: &Report, simulate: bool) -> Result<(), CommandError> {
    std::io::stdout().write_all(&report.output)?;
    let mut err = std::io::stderr().lock();
    let verb = if simulate { "Would write" } else { "Wrote" };
    for path in &report.written {
        writeln!(err, "{verb} {}", path.display())?;
    }
    for path in &report.kept {
        writeln!(
            err,
            "Kept {}: changed since it was converted (or its checksum is gone)",
            path.display()
        )?;
    }
    for line in &report.lossy {
        writeln!(err, "Not converted: {line}")?;
    }
    Ok(())
}
