//! Compat tests (drupal_files): the files `service::drupal` writes into a platform —
//! a site's and a platform's `drushrc.php`, `settings.php`, `sites/sites.php`, the site
//! directories — checked against real php-cli: PHP's own `var_export` in Aegir's
//! template layout, `php -l`, and what an `include` of each file leaves behind. Also
//! code base detection and the platform scan on the fixture platform and tiny trees.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use provision::php::{PhpArray, Value};
use provision::service::drupal::{
    create_site_dirs, detect, find_sites, remove_from_sites_php, render_site_drushrc,
    scan_platform, update_sites_php, write_platform_drushrc, write_settings, write_site_drushrc,
    Core, SiteSettings,
};

/// The options both sides write, as a PHP array literal (PHP's side) ...
const OPTIONS_PHP: &str = r#"array(
  'db_type' => 'mysql',
  'db_port' => 3306,
  'db_host' => 'db.example.test',
  'db_user' => 'site_user',
  'db_passwd' => 'S3cretPassw0rd',
  'db_name' => 'site_db',
  'uri' => 'www.example.test',
  'aliases' => array('a.example.test', 'b.example.test/sub'),
  'quoted' => "it's a \\ back\nslash",
  'ratio' => 0.1,
  'whole' => 2.0,
  'on' => true,
  'off' => false,
  'nothing' => null,
  '7' => 'numeric key',
  'packages' => array('base' => array('modules' => array(), 'n' => -1)),
)"#;

/// ... and the same options built in Rust.
fn options() -> PhpArray {
    let mut o = PhpArray::new();
    o.set("db_type", "mysql");
    o.set("db_port", Value::Int(3306));
    o.set("db_host", "db.example.test");
    o.set("db_user", "site_user");
    o.set("db_passwd", "S3cretPassw0rd");
    o.set("db_name", "site_db");
    o.set("uri", "www.example.test");
    let mut aliases = PhpArray::new();
    aliases.push(Value::str("a.example.test")).unwrap();
    aliases.push(Value::str("b.example.test/sub")).unwrap();
    o.set("aliases", Value::Array(aliases));
    o.set("quoted", "it's a \\ back\nslash");
    o.set("ratio", Value::Float(0.1));
    o.set("whole", Value::Float(2.0));
    o.set("on", Value::Bool(true));
    o.set("off", Value::Bool(false));
    o.set("nothing", Value::Null);
    o.set("7", "numeric key");
    let mut base = PhpArray::new();
    base.set("modules", Value::Array(PhpArray::new()));
    base.set("n", Value::Int(-1));
    let mut packages = PhpArray::new();
    packages.set("base", Value::Array(base));
    o.set("packages", Value::Array(packages));
    o
}

/// PHP printing Aegir's option lines for `$options` with its own var_export.
const PHP_OPTION_LINES: &str = r#"$out = "<?php \n\n";
foreach ($options as $key => $value) {
  $out .= "\n\$options['" . $key . "'] = " . var_export($value, TRUE) . ';';
}
"#;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The current user's primary group name and id: a group files can be given
/// without privileges.
fn own_group() -> (String, u32) {
    let id = |flag: &str| {
        let out = std::process::Command::new("id").arg(flag).output().unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    (id("-gn"), id("-g").parse().unwrap())
}

/// A platform root under a temp dir (the dir path passes `validate::path`).
fn platform() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("platform");
    common::copy_tree(&common::fixtures().join("platforms/drupal7-mini"), &root);
    (dir, root)
}

fn php_lint(path: &Path) {
    let out = std::process::Command::new(common::php_binary())
        .arg("-l")
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "php -l {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn site_drushrc_is_byte_identical_to_phps_var_export_in_aegirs_layout() {
    let (_dir, root) = platform();
    let site_path = root.join("sites/www.example.test");
    fs::create_dir_all(&site_path).unwrap();
    let (group, gid) = own_group();
    write_site_drushrc(&site_path, &options(), Some(&group)).unwrap();
    let file = site_path.join("drushrc.php");
    let ours = fs::read(&file).unwrap();
    let code = format!(
        r#"$options = {OPTIONS_PHP};
{PHP_OPTION_LINES}
$out .= "\n# Aegir additions.\n";
foreach (array('db_type', 'db_port', 'db_host', 'db_user', 'db_passwd', 'db_name') as $key) {{
  $out .= "\$_SERVER['" . $key . "'] = \$options['" . $key . "'];\n";
}}
$out .= "\n# Local non-aegir-generated additions.\n@include_once('" . $argv[1] . "/local.drushrc.php');\n";
echo $out;"#
    );
    let php = common::php(&code, &[&site_path.to_string_lossy()], b"");
    common::assert_bytes_eq(&ours, &php, "site drushrc.php");
    assert_eq!(
        render_site_drushrc(&site_path, &options()).unwrap(),
        ours,
        "render and write agree"
    );
    php_lint(&file);
    assert_eq!(mode(&file), 0o440);
    assert_eq!(fs::metadata(&file).unwrap().gid(), gid);
    // Including it gives the options back and sets the six $_SERVER values.
    let check = common::php(
        &format!(
            r#"include $argv[1];
$want = {OPTIONS_PHP};
$ok = $options === $want;
foreach (array('db_type', 'db_port', 'db_host', 'db_user', 'db_passwd', 'db_name') as $k) {{
  $ok = $ok && $_SERVER[$k] === $want[$k];
}}
echo $ok ? 'ok' : var_export($options, TRUE);"#
        ),
        &[&file.to_string_lossy()],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&check), "ok");
}

#[test]
fn platform_drushrc_is_byte_identical_and_read_only() {
    let (_dir, root) = platform();
    write_platform_drushrc(&root, &options()).unwrap();
    let file = root.join("sites/all/drush/drushrc.php");
    let ours = fs::read(&file).unwrap();
    let code = format!("$options = {OPTIONS_PHP};\n{PHP_OPTION_LINES}\necho $out;");
    let php = common::php(&code, &[], b"");
    common::assert_bytes_eq(&ours, &php, "platform drushrc.php");
    php_lint(&file);
    assert_eq!(mode(&file), 0o444);
}

#[test]
fn option_keys_with_a_quote_or_backslash_are_refused_and_nothing_is_written() {
    let (_dir, root) = platform();
    let site_path = root.join("sites/www.example.test");
    fs::create_dir_all(&site_path).unwrap();
    for key in ["it's", "back\\slash"] {
        let mut o = options();
        o.set(key, "x");
        assert!(write_site_drushrc(&site_path, &o, None).is_err(), "{key}");
        assert!(write_platform_drushrc(&root, &o).is_err(), "{key}");
    }
    assert!(!site_path.join("drushrc.php").exists());
    assert!(!root.join("sites/all/drush/drushrc.php").exists());
}

/// settings.php for www.example.test on `root`, written with group `group`.
fn write_site_settings(root: &Path, group: Option<&str>) -> PathBuf {
    let settings = SiteSettings::new(root, "www.example.test", "standard");
    fs::create_dir_all(&settings.site_path).unwrap();
    write_settings(&settings, group).unwrap();
    settings.site_path.join("settings.php")
}

#[test]
fn settings_from_the_web_servers_urlencoded_values_give_the_connection() {
    let (_dir, root) = platform();
    let (group, gid) = own_group();
    let file = write_site_settings(&root, Some(&group));
    php_lint(&file);
    assert_eq!(mode(&file), 0o440);
    assert_eq!(fs::metadata(&file).unwrap().gid(), gid);
    // The vhost passes the values urlencoded (PHP's urlencode here). On the command
    // line they stay in $_SERVER, so a second include (as tools do) gives the same.
    let out = common::php(
        r#"$creds = array('db_type' => 'mysql', 'db_host' => 'db.example.test', 'db_port' => '3306',
  'db_user' => 'u s+er', 'db_passwd' => "p%a's+s w/d", 'db_name' => 'site_db');
foreach ($creds as $k => $v) { $_SERVER[$k] = urlencode($v); }
$want = array('driver' => 'mysql', 'database' => 'site_db', 'username' => 'u s+er',
  'password' => "p%a's+s w/d", 'host' => 'db.example.test', 'port' => '3306', 'prefix' => '');
include $argv[1];
$first = $databases['default']['default'];
$databases = array();
include $argv[1];
echo $first === $want ? 'ok' : var_export($first, TRUE);
echo $databases['default']['default'] === $want ? ' again' : ' not again';
echo ' ', $install_profile, ' ', $conf['install_profile'], ' ', $conf['file_public_path'];
echo ' ', $conf['file_temporary_path'], ' ', $drupal_hash_salt === '' ? 'salt' : 'nosalt';"#,
        &[&file.to_string_lossy()],
        b"",
    );
    assert_eq!(
        String::from_utf8_lossy(&out),
        "ok again standard standard sites/www.example.test/files \
         sites/www.example.test/private/temp salt"
    );
}

#[test]
fn including_drushrc_then_settings_gives_the_sites_connection() {
    let (_dir, root) = platform();
    let file = write_site_settings(&root, None);
    let site_path = file.parent().unwrap();
    let mut o = options();
    o.set("db_type", "sqlite");
    o.set(
        "db_name",
        Value::str(site_path.join("db.sqlite").to_string_lossy().as_bytes()),
    );
    write_site_drushrc(site_path, &o, None).unwrap();
    let out = common::php(
        r#"include $argv[1] . '/drushrc.php';
include $argv[1] . '/settings.php';
echo json_encode($databases['default']['default']);"#,
        &[&site_path.to_string_lossy()],
        b"",
    );
    let want = format!(
        r#"{{"driver":"sqlite","database":"{}","username":"site_user","password":"S3cretPassw0rd","host":"db.example.test","port":"3306","prefix":""}}"#,
        site_path
            .join("db.sqlite")
            .display()
            .to_string()
            .replace('/', "\\/")
    );
    assert_eq!(String::from_utf8_lossy(&out), want);
    let settings = fs::read_to_string(&file).unwrap();
    assert!(
        !settings.contains("S3cretPassw0rd"),
        "settings.php holds the password"
    );
}

#[test]
fn local_and_platform_settings_are_included() {
    let (_dir, root) = platform();
    let file = write_site_settings(&root, None);
    fs::write(
        root.join("sites/all/platform.settings.php"),
        "<?php $conf['from_platform'] = 1;\n",
    )
    .unwrap();
    fs::write(
        file.with_file_name("local.settings.php"),
        "<?php $conf['from_site'] = 2;\n",
    )
    .unwrap();
    let out = common::php(
        "include $argv[1]; echo $conf['from_platform'], $conf['from_site'];",
        &[&file.to_string_lossy()],
        b"",
    );
    assert_eq!(out, b"12");
}

#[test]
fn utf8mb4_aegir_api_and_the_servers_global_inc_as_aegir_sets_them() {
    let (dir, root) = platform();
    let includes = dir.path().join("aegir/config/includes");
    fs::create_dir_all(&includes).unwrap();
    let mut settings = SiteSettings::new(&root, "www.example.test", "standard");
    settings.utf8mb4 = true;
    settings.include_path = Some(includes.clone());
    fs::create_dir_all(&settings.site_path).unwrap();
    write_settings(&settings, None).unwrap();
    let file = settings.site_path.join("settings.php");
    php_lint(&file);
    // global.inc first, then the platform's and the site's files, each able to
    // override what came before.
    fs::write(
        includes.join("global.inc"),
        "<?php $conf['order'] = 'g'; $conf['aegir_api_seen'] = $conf['aegir_api'];\n",
    )
    .unwrap();
    fs::write(
        root.join("sites/all/platform.settings.php"),
        "<?php $conf['order'] .= 'p';\n",
    )
    .unwrap();
    fs::write(
        file.with_file_name("local.settings.php"),
        "<?php $conf['order'] .= 'l';\n",
    )
    .unwrap();
    let script = r#"foreach (array('db_type' => $argv[2], 'db_name' => 'd', 'db_user' => 'u') as $k => $v) { $_SERVER[$k] = $v; }
include $argv[1];
$db = $databases['default']['default'];
echo json_encode(array(isset($db['charset']) ? $db['charset'] : null,
  isset($db['collation']) ? $db['collation'] : null, $conf['aegir_api'],
  $conf['aegir_api_seen'], $conf['order']));"#;
    let run = |driver: &str| {
        String::from_utf8(common::php(script, &[&file.to_string_lossy(), driver], b"")).unwrap()
    };
    assert_eq!(
        run("mysql"),
        r#"["utf8mb4","utf8mb4_general_ci",3,3,"gpl"]"#
    );
    assert_eq!(
        run("sqlite"),
        r#"[null,null,3,3,"gpl"]"#,
        "nothing for SQLite"
    );

    // A server without utf8mb4 and no include path: neither appears; a missing
    // global.inc is skipped quietly.
    settings.utf8mb4 = false;
    write_settings(&settings, None).unwrap();
    assert!(run("mysql").starts_with("[null,null,3,3,"));
    fs::remove_file(includes.join("global.inc")).unwrap();
    fs::write(
        root.join("sites/all/platform.settings.php"),
        "<?php $conf['order'] = 'p'; $conf['aegir_api_seen'] = 0;\n",
    )
    .unwrap();
    assert_eq!(run("mysql"), r#"[null,null,3,0,"pl"]"#);
}

/// `$sites` as PHP's include of sites.php leaves it, as JSON.
fn php_sites(root: &Path) -> String {
    let file = root.join("sites/sites.php");
    php_lint(&file);
    String::from_utf8(common::php(
        "include $argv[1]; echo json_encode($sites);",
        &[&file.to_string_lossy()],
        b"",
    ))
    .unwrap()
}

#[test]
fn sites_php_keeps_other_sites_and_maps_subdir_aliases_with_dots() {
    let (_dir, root) = platform();
    update_sites_php(&root, "a.test", &["www.a.test".into()]).unwrap();
    update_sites_php(&root, "b.test", &["b.test/sub".into()]).unwrap();
    update_sites_php(&root, "a.test", &["a2.test".into()]).unwrap();
    assert_eq!(
        php_sites(&root),
        r#"{"b.test":"b.test","b.test.sub":"b.test","a.test":"a.test","a2.test":"a.test"}"#
    );
    assert_eq!(mode(&root.join("sites/sites.php")), 0o644);
    remove_from_sites_php(&root, "b.test").unwrap();
    assert_eq!(
        php_sites(&root),
        r#"{"a.test":"a.test","a2.test":"a.test"}"#
    );
}

#[test]
fn twenty_concurrent_sites_php_updates_lose_nothing() {
    let (_dir, root) = platform();
    std::thread::scope(|s| {
        for i in 0..20 {
            let root = &root;
            s.spawn(move || {
                let uri = format!("s{i}.test");
                update_sites_php(root, &uri, &[format!("www.{uri}")]).unwrap();
            });
        }
    });
    let out = common::php(
        r#"include $argv[1];
$missing = array();
for ($i = 0; $i < 20; $i++) {
  foreach (array("s$i.test", "www.s$i.test") as $k) {
    if (!isset($sites[$k]) || $sites[$k] !== "s$i.test") { $missing[] = $k; }
  }
}
echo count($sites), ' ', implode(',', $missing);"#,
        &[&root.join("sites/sites.php").to_string_lossy()],
        b"",
    );
    assert_eq!(String::from_utf8_lossy(&out), "40 ");
}

#[test]
fn site_dirs_get_aegirs_modes_and_group_and_only_new_ones_are_reported() {
    let (_dir, root) = platform();
    let (group, gid) = own_group();
    // One directory exists already, with a wrong mode: it is fixed, not reported.
    let files = root.join("sites/www.example.test/files");
    fs::create_dir_all(&files).unwrap();
    fs::set_permissions(&files, fs::Permissions::from_mode(0o777)).unwrap();
    let made = create_site_dirs(&root, "www.example.test", Some(&group)).unwrap();
    let site = root.join("sites/www.example.test");
    assert!(!made.contains(&files) && !made.contains(&site));
    assert!(made.contains(&site.join("private/temp")));
    let private = made.iter().position(|d| *d == site.join("private"));
    let temp = made.iter().position(|d| *d == site.join("private/temp"));
    assert!(private < temp, "parents first: {made:?}");
    assert_eq!(mode(&site), 0o755);
    for d in ["themes", "modules", "libraries"] {
        assert_eq!(mode(&site.join(d)), 0o2775, "{d}");
    }
    for d in [
        "files",
        "files/tmp",
        "private",
        "private/files",
        "private/temp",
    ] {
        assert_eq!(mode(&site.join(d)), 0o2770, "{d}");
        assert_eq!(fs::metadata(site.join(d)).unwrap().gid(), gid, "{d}");
    }
}

#[test]
fn bad_uris_are_refused_and_nothing_is_made() {
    let (_dir, root) = platform();
    let before = fs::read_dir(root.join("sites")).unwrap().count();
    for uri in ["../escape", "a..b", "it's.test", "a b.test", ""] {
        assert!(create_site_dirs(&root, uri, None).is_err(), "{uri:?}");
        assert!(update_sites_php(&root, uri, &[]).is_err(), "{uri:?}");
        assert!(
            update_sites_php(&root, "ok.test", &[uri.to_string()]).is_err(),
            "alias {uri:?}"
        );
        let settings = SiteSettings::new(&root, uri, "standard");
        assert!(write_settings(&settings, None).is_err(), "{uri:?}");
    }
    assert_eq!(fs::read_dir(root.join("sites")).unwrap().count(), before);
    assert!(!root.join("sites/sites.php").exists());
    assert!(!root.join("escape").exists());
}

#[test]
fn detects_drupal7_drupal10_and_backdrop() {
    let fixture = common::fixtures().join("platforms/drupal7-mini");
    let d7 = detect(&fixture).unwrap();
    assert_eq!((d7.core, d7.version.as_str()), (Core::Drupal(7), "7.99"));
    let tmp = tempfile::tempdir().unwrap();
    let d10 = tmp.path().join("d10");
    fs::create_dir_all(d10.join("core/lib")).unwrap();
    fs::write(
        d10.join("core/lib/Drupal.php"),
        "<?php\nclass Drupal {\n  const VERSION = \"10.1.2\";\n}\n",
    )
    .unwrap();
    let got = detect(&d10).unwrap();
    assert_eq!(
        (got.core, got.version.as_str()),
        (Core::Drupal(10), "10.1.2")
    );
    let backdrop = tmp.path().join("backdrop");
    fs::create_dir_all(backdrop.join("core/includes")).unwrap();
    fs::write(
        backdrop.join("core/includes/bootstrap.inc"),
        "<?php\ndefine('BACKDROP_VERSION', '1.27.1');\n",
    )
    .unwrap();
    let got = detect(&backdrop).unwrap();
    assert_eq!(
        (got.core, got.version.as_str()),
        (Core::Backdrop(1), "1.27.1")
    );
    let err = detect(&tmp.path().join("missing")).unwrap_err().to_string();
    assert!(
        err.contains("missing") && err.contains("bootstrap.inc"),
        "{err}"
    );
    assert!(detect(tmp.path()).is_err());
}

/// `value` as PHP reads it back from var_export, as JSON.
fn php_json(value: &Value) -> String {
    let text = provision::php::var_export::var_export(value);
    String::from_utf8(common::php(
        "echo json_encode(eval('return ' . stream_get_contents(STDIN) . ';'));",
        &[],
        &text,
    ))
    .unwrap()
}

#[test]
fn scan_finds_profiles_modules_and_themes_and_prunes_files() {
    let (_dir, root) = platform();
    // A module in a site's files directory is not part of the platform.
    let stray = root.join("sites/www.example.test/files/stray");
    fs::create_dir_all(&stray).unwrap();
    fs::write(stray.join("stray.info"), "name = Stray\ncore = 7.x\n").unwrap();
    fs::write(stray.join("stray.module"), "<?php\n").unwrap();
    fs::write(root.join("sites/www.example.test/settings.php"), "<?php\n").unwrap();
    let core = detect(&root).unwrap();
    let scan = scan_platform(&root, &core).unwrap();
    assert!(scan.has_profile("minimal") && scan.has_profile("standard"));
    assert!(!scan.has_profile("stray"));
    assert_eq!(php_json(&scan.profiles()), r#"["minimal","standard"]"#);
    let packages = php_json(&scan.packages());
    assert!(
        packages.contains(r#""system":{"filename":"modules\/system\/system.module","name":"system","type":"module","version":"7.99""#),
        "{packages}"
    );
    assert!(
        packages.contains(r#""mini":{"filename":"themes\/mini\/mini.info""#),
        "{packages}"
    );
    assert!(
        packages.contains(r#""platforms":{"drupal":{"short_name":"drupal","version":"7.99""#),
        "{packages}"
    );
    assert!(
        packages.contains(r#""standard":{"filename":"profiles\/standard\/standard.profile""#),
        "{packages}"
    );
    assert!(!packages.contains("stray"), "files/ is pruned: {packages}");
    // Not even among the site's own packages.
    let site_path = root.join("sites/www.example.test");
    let rows = [provision::service::drupal::SystemRow {
        filename: "modules/system/system.module".into(),
        name: "system".into(),
        kind: "module".into(),
        status: 1,
        schema_version: 7080,
    }];
    let site = php_json(&scan.site_packages(&root, &site_path, "standard", &rows));
    assert!(!site.contains("stray"), "files/ is pruned: {site}");
    // As Aegir: the site's own profile, and what its system table knows.
    assert!(site.contains(r#""profiles":{"standard":"#), "{site}");
    assert!(
        !site.contains(r#""minimal""#),
        "another profile is not the site's: {site}"
    );
    assert!(
        site.contains(r#""status":1,"schema_version":7080"#),
        "{site}"
    );
    assert!(
        !site.contains(r#""mini":"#),
        "a theme the site's database does not know: {site}"
    );
    assert_eq!(find_sites(&root).unwrap(), ["www.example.test"]);
}

#[test]
fn hidden_modules_and_profiles_are_not_reported_as_aegir_leaves_them_out() {
    let (_dir, root) = platform();
    let test_module = root.join("modules/system/tests");
    fs::create_dir_all(&test_module).unwrap();
    fs::write(
        test_module.join("system_test.info"),
        "name = System test\ncore = 7.x\nhidden = TRUE\n",
    )
    .unwrap();
    fs::write(test_module.join("system_test.module"), "<?php\n").unwrap();
    let testing = root.join("profiles/testing");
    fs::create_dir_all(&testing).unwrap();
    fs::write(
        testing.join("testing.info"),
        "name = Testing\ncore = 7.x\nhidden = TRUE\n",
    )
    .unwrap();
    fs::write(testing.join("testing.profile"), "<?php\n").unwrap();
    let scan = scan_platform(&root, &detect(&root).unwrap()).unwrap();
    let packages = php_json(&scan.packages());
    assert!(!packages.contains("system_test"), "{packages}");
    assert!(packages.contains(r#""system":"#), "{packages}");
    assert_eq!(php_json(&scan.profiles()), r#"["minimal","standard"]"#);
    assert!(
        scan.has_profile("testing"),
        "a hidden profile can still be installed"
    );
    let rows = [provision::service::drupal::SystemRow {
        filename: "modules/system/tests/system_test.module".into(),
        name: "system_test".into(),
        kind: "module".into(),
        status: 0,
        schema_version: -1,
    }];
    let site_path = root.join("sites/www.example.test");
    let site = php_json(&scan.site_packages(&root, &site_path, "standard", &rows));
    assert!(!site.contains("system_test"), "{site}");
}
