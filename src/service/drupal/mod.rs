//! The Drupal side of a platform and its sites: which code base a root holds, what it
//! ships (profiles, modules, themes), the files provision writes into it (`settings.php`,
//! `drushrc.php`, `sites/sites.php`, the site directories), the PHP helper that runs
//! the platform's own installer, and the path rewrite a renamed site's database needs.

/// Which code base a platform root holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Core {
    /// Drupal, with its major version (7, 8, 9, 10, ...).
    Drupal(u32),
    /// Backdrop CMS, with its major version (1).
    Backdrop(u32),
}

/// A detected code base: its kind and its full version string (`7.101`, `1.27.1`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreVersion {
    /// Drupal or Backdrop and the major version.
    pub core: Core,
    /// The version as the code base declares it.
    pub version: String,
}

/// One row of an installed site's `system` table (or its Drupal 8+ / Backdrop
/// equivalent): what hosting's `context.packages` reports per module, theme or profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SystemRow {
    /// Path of the `.module`/`.info`/`.profile` file relative to the platform root.
    pub filename: String,
    /// Machine name.
    pub name: String,
    /// `module`, `theme` or `profile`.
    pub kind: String,
    /// 1 when enabled, 0 otherwise.
    pub status: i64,
    /// The installed schema version, -1 when never installed.
    pub schema_version: i64,
}

mod detect;
mod dirs;
mod drushrc;
mod rewrite;
mod scan;
mod settings;
mod sites_php;

pub use detect::detect;
pub use dirs::create_site_dirs;
pub use drushrc::{
    render_platform_drushrc, render_site_drushrc, write_platform_drushrc, write_site_drushrc,
};
pub use rewrite::{
    rewrite_database, RewriteReport, SiteDatabase, SkippedVariable, TextColumn, UriRewrite,
    VariableRewrite,
};
pub use scan::{find_sites, parse_info, scan_platform, Package, PlatformScan};
pub use settings::{render_settings, write_settings, SiteSettings};
pub use sites_php::{remove_from_sites_php, update_sites_php};
