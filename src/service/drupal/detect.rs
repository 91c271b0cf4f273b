//! Which code base a platform root holds, read from the files that declare the
//! version (no PHP is run).

use super::{Core, CoreVersion};
use crate::service::error::{Result, ServiceError};
use std::path::Path;

/// A file that declares a version, the marker before it, and the kind it means.
type Probe = (&'static str, &'static str, fn(u32) -> Core);

/// Detects Drupal 8+ (`core/lib/Drupal.php`), Backdrop (`core/includes/bootstrap.inc`
/// with `BACKDROP_VERSION`) or Drupal 6/7 (`includes/bootstrap.inc` or
/// `modules/system/system.module` with `VERSION`).
pub fn detect(root: &Path) -> Result<CoreVersion> {
    let probes: [Probe; 4] = [
        ("core/lib/Drupal.php", "const VERSION", Core::Drupal),
        (
            "core/includes/bootstrap.inc",
            "'BACKDROP_VERSION'",
            Core::Backdrop,
        ),
        ("includes/bootstrap.inc", "'VERSION'", Core::Drupal),
        ("modules/system/system.module", "'VERSION'", Core::Drupal),
    ];
    for (file, marker, kind) in probes {
        let Ok(text) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        if let Some(version) = declared_version(&text, marker) {
            let major = version.split('.').next().and_then(|m| m.parse().ok());
            if let Some(major) = major {
                return Ok(CoreVersion {
                    core: kind(major),
                    version,
                });
            }
        }
    }
    Err(ServiceError::Invalid {
        what: "platform root",
        value: root.display().to_string(),
        why: "no Drupal or Backdrop code base there (looked for core/lib/Drupal.php, \
              core/includes/bootstrap.inc and includes/bootstrap.inc declaring a version)",
    })
}

/// The quoted string after `marker` on its line: `define('VERSION', '7.101')` or
/// `const VERSION = '10.1.2'`.
fn declared_version(text: &str, marker: &str) -> Option<String> {
    let line = text.lines().find(|l| l.contains(marker))?;
    let rest = &line[line.find(marker)? + marker.len()..];
    let start = rest.find(['\'', '"'])?;
    let quote = rest[start..].chars().next()?;
    let body = &rest[start + 1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_read_from_either_form() {
        assert_eq!(
            declared_version("define('VERSION', '7.101');", "'VERSION'").as_deref(),
            Some("7.101")
        );
        assert_eq!(
            declared_version("  const VERSION = \"10.1.2\";", "const VERSION").as_deref(),
            Some("10.1.2")
        );
        assert_eq!(declared_version("nothing", "'VERSION'"), None);
    }

    #[test]
    fn the_fixture_is_drupal_7_and_a_missing_root_is_an_error() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/platforms/drupal7-mini");
        assert_eq!(detect(&root).unwrap().core, Core::Drupal(7));
        assert!(detect(Path::new("/nonexistent/root")).is_err());
    }
}
