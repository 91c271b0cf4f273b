//! The `drushrc.php` files Aegir writes: a site's (`sites/URI/drushrc.php`, 0440,
//! with the database options and the `$_SERVER` lines) and a platform's
//! (`sites/all/drush/drushrc.php`, 0444), each option `var_export`ed in order.

use super::settings::chgrp;
use crate::fsutil;
use crate::php::var_export::var_export;
use crate::php::PhpArray;
use crate::service::error::{Result, ServiceError};
use std::path::Path;

/// The six database options a site's drushrc copies into `$_SERVER`, in Aegir's order.
const SERVER_KEYS: [&str; 6] = [
    "db_type",
    "db_port",
    "db_host",
    "db_user",
    "db_passwd",
    "db_name",
];

/// `<?php ` LF, a blank line, then `\n$options['KEY'] = VALUE;` per option.
fn options_block(options: &PhpArray) -> Result<Vec<u8>> {
    let mut out = b"<?php \n\n".to_vec();
    for (key, value) in options.iter() {
        let key = key.to_bytes();
        if key.iter().any(|b| matches!(b, b'\'' | b'\\')) {
            return Err(ServiceError::Invalid {
                what: "drushrc option name",
                value: String::from_utf8_lossy(&key).into_owned(),
                why: "must not contain a quote or a backslash",
            });
        }
        out.extend_from_slice(b"\n$options['");
        out.extend_from_slice(&key);
        out.extend_from_slice(b"'] = ");
        out.extend_from_slice(&var_export(value));
        out.push(b';');
    }
    Ok(out)
}

/// The bytes of a site's drushrc.php in Aegir's layout: the options, then one newline
/// (the template's `?>` swallows the one after it) before `# Aegir additions.`.
pub fn render_site_drushrc(site_path: &Path, options: &PhpArray) -> Result<Vec<u8>> {
    crate::service::validate::path(site_path)?;
    let mut out = options_block(options)?;
    out.extend_from_slice(b"\n# Aegir additions.\n");
    for key in SERVER_KEYS {
        out.extend_from_slice(format!("$_SERVER['{key}'] = $options['{key}'];\n").as_bytes());
    }
    out.extend_from_slice(b"\n# Local non-aegir-generated additions.\n");
    out.extend_from_slice(
        format!(
            "@include_once('{}/local.drushrc.php');\n",
            site_path.display()
        )
        .as_bytes(),
    );
    Ok(out)
}

/// Writes `{site_path}/drushrc.php` (0440, group `web_group`).
pub fn write_site_drushrc(
    site_path: &Path,
    options: &PhpArray,
    web_group: Option<&str>,
) -> Result<()> {
    let path = site_path.join("drushrc.php");
    fsutil::write_atomic(&path, &render_site_drushrc(site_path, options)?, 0o440)?;
    chgrp(&path, web_group)
}

/// The bytes of a platform's drushrc.php.
pub fn render_platform_drushrc(options: &PhpArray) -> Result<Vec<u8>> {
    options_block(options)
}

/// Writes `{root}/sites/all/drush/drushrc.php` (0444: platforms hold no secrets).
pub fn write_platform_drushrc(root: &Path, options: &PhpArray) -> Result<()> {
    let dir = root.join("sites/all/drush");
    fsutil::mkdir_mode(&dir, 0o755)?;
    fsutil::write_atomic(
        &dir.join("drushrc.php"),
        &render_platform_drushrc(options)?,
        0o444,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::php::Value;

    fn db_options() -> PhpArray {
        let mut o = PhpArray::new();
        for key in SERVER_KEYS {
            o.set(key, Value::str(key));
        }
        o.set("db_port", Value::Int(3306));
        o
    }

    #[test]
    fn site_layout_has_one_newline_before_the_additions() {
        let text = render_site_drushrc(Path::new("/srv/p/sites/x.test"), &db_options()).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.starts_with("<?php \n\n\n$options['db_type'] = 'db_type';\n"));
        assert!(text.contains("$options['db_name'] = 'db_name';\n# Aegir additions.\n"));
        assert!(text.contains("$_SERVER['db_name'] = $options['db_name'];\n\n# Local"));
        assert!(text.ends_with("@include_once('/srv/p/sites/x.test/local.drushrc.php');\n"));
    }

    #[test]
    fn platform_layout_ends_with_the_last_option() {
        let text = render_platform_drushrc(&db_options()).unwrap();
        assert!(text.starts_with(b"<?php \n\n\n$options['db_type']"));
        assert!(text.ends_with(b"$options['db_name'] = 'db_name';"));
    }

    #[test]
    fn quotes_in_keys_and_relative_site_paths_are_refused() {
        let mut o = db_options();
        o.set("a'b", Value::Null);
        assert!(render_platform_drushrc(&o).is_err());
        assert!(render_site_drushrc(Path::new("relative"), &db_options()).is_err());
    }
}
