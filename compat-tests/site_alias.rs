//! Compat tests for `provision sa` and `provision site-alias-convert`: the facts of
//! drush-aliases.md §9 (items 1–13 and 19) as they apply to `sa`, over fixture
//! trees copied into temporary directories. Where the bytes are PHP's
//! (var_export, json_encode, serialize of the cleaned record), the expectation
//! is computed by real `php` from the PHP value Drush 8 would hold.

mod common;

use common::{assert_bytes_eq, copy_tree, fixtures, php, provision_bin};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary HOME (with an empty `ETC_PREFIX` tree) holding copies of fixtures.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        fs::create_dir_all(env.home()).unwrap();
        fs::create_dir_all(env.etc_prefix()).unwrap();
        env
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn etc_prefix(&self) -> PathBuf {
        self.dir.path().join("etc-prefix")
    }

    /// Copies `fixtures/aliases/drush/<name>` to `<tmp>/<to>` and returns that path.
    fn copy(&self, name: &str, to: &str) -> PathBuf {
        let dest = self.dir.path().join(to);
        copy_tree(&fixtures().join("aliases/drush").join(name), &dest);
        dest
    }

    /// Runs `provision ARGS` with this HOME and ETC_PREFIX.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(provision_bin())
            .args(args)
            .env("HOME", self.home())
            .env("ETC_PREFIX", self.etc_prefix())
            .env_remove("DRUSH_OPTIONS_URI")
            .stdin(Stdio::null())
            .output()
            .expect("run provision")
    }

    /// Runs `provision sa --alias-path=DIR ARGS`, asserting success; returns stdout.
    fn sa(&self, dir: &Path, args: &[&str]) -> Vec<u8> {
        let path = format!("--alias-path={}", dir.display());
        let mut all = vec!["sa", path.as_str()];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert!(
            out.status.success(),
            "provision {all:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

/// `sa`'s config output for `(name, PHP array literal)` records, as PHP prints it.
fn php_config(records: &[(&str, &str)]) -> Vec<u8> {
    let mut code = String::from("$out = array();\n");
    for (name, literal) in records {
        code.push_str(&format!(
            "$out[] = '$aliases[\"{name}\"] = ' . var_export({literal}, TRUE) . ';';\n"
        ));
    }
    code.push_str("echo implode(\"\\n\", $out), \"\\n\";");
    php(&code, &[], b"")
}

/// True when the last line of `stderr` is `line` (earlier lines may be notices
/// from the system-PHP fallback evaluator).
fn last_line_is(stderr: &[u8], line: &str) -> bool {
    let t = text(stderr);
    t == format!("{line}\n") || t.ends_with(&format!("\n{line}\n"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

// §9.1: group files give @g, @g.x; short names are not listed; @none always is.
#[test]
fn list_shows_groups_members_and_none() {
    let env = Env::new();
    env.copy("groups", "home/.drush");
    let out = env.run(&["sa"]);
    assert!(out.status.success());
    assert_bytes_eq(
        &out.stdout,
        b"@g\n@g.dev\n@g.live\n@g.stage\n@h\n@h.live\n@h.qa\n@none\n",
        "sa list",
    );
}

// §9.2: a unique short name prints under its full name; a group prints its members.
#[test]
fn short_name_and_group_expand() {
    let env = Env::new();
    let dir = env.copy("groups", "groups");
    let dev = "array('root' => '/srv/g/dev', 'uri' => 'dev.g.example.com')";
    assert_bytes_eq(
        &env.sa(&dir, &["@dev"]),
        &php_config(&[("g.dev", dev)]),
        "@dev",
    );
    let live = "array('remote-host' => 'live.g.example.com', 'remote-user' => 'deploy', \
                'root' => '/srv/g/live', 'uri' => 'g.example.com')";
    let stage = "array('root' => '/srv/g/stage', 'uri' => 'stage.g.example.com')";
    assert_bytes_eq(
        &env.sa(&dir, &["@g"]),
        &php_config(&[("g.dev", dev), ("g.live", live), ("g.stage", stage)]),
        "@g",
    );
}

// §9.3: the same short name in two groups is a site list of both.
#[test]
fn short_name_in_two_groups_is_a_site_list() {
    let env = Env::new();
    let dir = env.copy("groups", "groups");
    let g = "array('remote-host' => 'live.g.example.com', 'remote-user' => 'deploy', \
             'root' => '/srv/g/live', 'uri' => 'g.example.com')";
    let h = "array('remote-host' => 'live.h.example.com', 'root' => '/srv/h/live', \
             'uri' => 'h.example.com')";
    assert_bytes_eq(
        &env.sa(&dir, &["@live"]),
        &php_config(&[("g.live", g), ("h.live", h)]),
        "@live",
    );
}

// §9.4, §9.5, §9.8 (version dirs): which file names define which aliases.
#[test]
fn file_name_rules() {
    let env = Env::new();
    let dir = env.copy("names", "names");
    assert_bytes_eq(
        &env.sa(&dir, &[]),
        b"@both\n@eight\n@eightdir\n@foo\n@my\n@none\n@plain\n",
        "names list",
    );
    let foo = "array('root' => '/srv/foo', 'uri' => 'foo.example.com')";
    assert_bytes_eq(
        &env.sa(&dir, &["@foo"]),
        &php_config(&[("foo", foo)]),
        "@foo",
    );
    for missing in ["@my", "@site", "@seven", "@x.eight"] {
        let out = env.run(&["sa", &format!("--alias-path={}", dir.display()), missing]);
        assert_eq!(out.status.code(), Some(1), "{missing}");
        assert!(
            last_line_is(&out.stderr, &format!("Not found: {missing}")),
            "{}",
            text(&out.stderr)
        );
    }
}

// §9.6: $options are defaults under each alias of the file (array_merge).
#[test]
fn options_are_defaults_for_aliases() {
    let env = Env::new();
    let dir = env.copy("names", "names");
    let both = "array_merge(array('remote-user' => 'www', 'ssh-options' => '-p 2222', \
                'uri' => 'default.example.com'), array('root' => '/srv/both', \
                'uri' => 'both.example.com'))";
    assert_bytes_eq(
        &env.sa(&dir, &["@both"]),
        &php_config(&[("both", both)]),
        "@both",
    );
}

// §9.7: a later search-path file merges over an earlier one for the same name.
#[test]
fn later_definitions_merge_over_earlier() {
    let env = Env::new();
    let dir = env.copy("merge", "merge");
    let path = format!(
        "--alias-path={}:{}",
        dir.join("a").display(),
        dir.join("b").display()
    );
    let out = env.run(&["sa", &path, "@m"]);
    let m = "array('root' => '/srv/m', 'uri' => 'm2.example.com', 'path-aliases' => \
             array('%files' => 'sites/m/files', '%dump-dir' => '/tmp/b', '%private' => 'private'), \
             'keep' => 'from-a', 'extra' => 'from-b')";
    assert_bytes_eq(&out.stdout, &php_config(&[("m", m)]), "@m");
    let list = env.run(&["sa", &path]);
    assert_bytes_eq(&list.stdout, b"@m\n@none\n", "merged list");
}

// §9.8: recursive scan skipping files/, tests/, dot dirs (and examples/, node_modules/).
#[test]
fn scan_is_recursive_and_skips_directories() {
    let env = Env::new();
    let dir = env.copy("scan", "scan");
    assert_bytes_eq(&env.sa(&dir, &[]), b"@deep\n@none\n@top\n", "scan list");
}

// §9.8: a site-aliases/ subdirectory of a default location restricts the search to it.
#[test]
fn site_aliases_subdirectory_restricts_default_location() {
    let env = Env::new();
    env.copy("home-site-aliases/.drush", "home/.drush");
    let out = env.run(&["sa"]);
    assert_bytes_eq(&out.stdout, b"@inside\n@none\n", "site-aliases");
    let local = env.run(&["sa", "--local"]);
    assert_bytes_eq(&local.stdout, b"@none\n", "--local skips ~/.drush");
}

// §9.9: '#' keys, %root, empty path-aliases, db-url/databases and passwords removed;
// root canonicalised; order kept; var_export bytes.
#[test]
fn records_are_cleaned_like_drush() {
    let env = Env::new();
    let dir = env.copy("records", "records");
    let full = "array('root' => '/srv/records/full', 'uri' => 'http://full.example.com', \
        'remote-host' => 'full.example.com', 'ssh-options' => '-o \"StrictHostKeyChecking no\" <&>', \
        'path-aliases' => array('%files' => 'sites/default/files', '%drush-script' => '/usr/local/bin/drush'), \
        'command-specific' => array('sql-sync' => array('no-cache' => TRUE, \
        'structure-tables' => array('cache', 'watchdog')), 'rsync' => array('mode' => 'rlptz')), \
        'flags' => array(TRUE, FALSE, NULL, 0, 1.5, \"it's\"))";
    let rootonly = "array('root' => '/srv/rootonly', 'uri' => 'rootonly.example.com')";
    let nouri = "array('root' => '/srv/nouri', 'path-aliases' => array())";
    assert_bytes_eq(
        &env.sa(&dir, &["@records"]),
        &php_config(&[
            ("records.full", full),
            ("records.nouri", nouri),
            ("records.rootonly", rootonly),
        ]),
        "@records",
    );
    let with_db = "array('root' => '/srv/rootonly', 'uri' => 'rootonly.example.com', \
        'databases' => array('default' => array('default' => array('driver' => 'mysql', 'password' => 'p'))))";
    assert_bytes_eq(
        &env.sa(
            &dir,
            &["--with-db", "--show-passwords", "@records.rootonly"],
        ),
        &php_config(&[("records.rootonly", with_db)]),
        "--with-db --show-passwords",
    );
    let file = dir.join("records.aliases.drushrc.php");
    // '#name' comes first: Drush caches every loaded name as an empty record
    // (its parent-cycle guard) before merging the real record over it.
    let hidden = format!(
        "array('#name' => 'records.nouri', 'root' => '/srv/nouri', 'path-aliases' => array(), \
         '#group' => 'records', '#file' => '{}')",
        file.display()
    );
    assert_bytes_eq(
        &env.sa(&dir, &["--show-hidden", "@records.nouri"]),
        &php_config(&[("records.nouri", &hidden)]),
        "--show-hidden",
    );
}

// §9.10: json (Drush's pretty JSON with \/ and \u003c…), var_export (Drush's own), php, yaml.
#[test]
fn other_formats() {
    let env = Env::new();
    let dir = env.copy("records", "records");
    let out = env.sa(&dir, &["--format=json", "@records.rootonly"]);
    let expected = php(
        "$j = json_encode(array('records.rootonly' => array('root' => '/srv/rootonly', \
         'uri' => 'rootonly.example.com')), JSON_PRETTY_PRINT); \
         echo str_replace(array('<', '>', '&'), array('\\u003c', '\\u003e', '\\u0026'), $j), \"\\n\";",
        &[],
        b"",
    );
    assert_bytes_eq(&out, &expected, "json");
    assert!(text(&out).contains("\\/srv\\/rootonly"));
    let full = env.sa(&dir, &["--format=json", "@records.full"]);
    assert!(
        text(&full).contains("\\u003c\\u0026\\u003e"),
        "{}",
        text(&full)
    );
    let ser = env.sa(&dir, &["--format=php", "@records.rootonly"]);
    let expected = php(
        "echo serialize(array('records.rootonly' => array('root' => '/srv/rootonly', \
         'uri' => 'rootonly.example.com'))), \"\\n\";",
        &[],
        b"",
    );
    assert_bytes_eq(&ser, &expected, "php");
    let ve = text(&env.sa(&dir, &["--format=var_export", "@records.full"]));
    assert!(
        ve.starts_with("array(\n  'records.full' => array(\n"),
        "{ve}"
    );
    assert!(ve.contains("TRUE") && !ve.contains("true"), "{ve}");
    let g = env.copy("groups", "groups");
    assert_bytes_eq(
        &env.sa(&g, &["--format=yaml", "@g.dev"]),
        // Drush 9+ site.yml form, keyed by the alias; Symfony quotes a key that starts with '@'.
        b"'@g.dev':\n  root: /srv/g/dev\n  uri: dev.g.example.com\n\n",
        "yaml",
    );
}

// §9.11: unknown names.
#[test]
fn missing_alias_fails_with_drush_message() {
    let env = Env::new();
    let dir = env.copy("groups", "groups");
    let path = format!("--alias-path={}", dir.display());
    let out = env.run(&["sa", &path, "@missing"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(last_line_is(&out.stderr, "Not found: @missing"));
    assert!(out.stdout.is_empty());
    let out = env.run(&["sa", &path, "@dev", "@nope", "@nada"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(last_line_is(&out.stderr, "Not found: @nope, @nada"));
    let out = env.run(&[&path, "@missing", "sa"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(last_line_is(
        &out.stderr,
        "Could not find the alias @missing"
    ));
}

// §9.12: wildcard records with ${env-name} substitution; a specific record wins.
#[test]
fn wildcard_records() {
    let env = Env::new();
    let dir = env.copy("wildcard", "wildcard");
    let site = |e: &str| {
        format!(
            "array('uri' => '{e}-site.example.io', 'remote-host' => 'appserver.{e}.example.io', \
             'remote-user' => '{e}.0123', 'ssh-options' => '-p 2222 -o \"AddressFamily inet\"', \
             'path-aliases' => array('%files' => 'files/{e}', '%drush-script' => 'drush'))"
        )
    };
    assert_bytes_eq(
        &env.sa(&dir, &["@pantheon.site.dev"]),
        &php_config(&[("pantheon.site.dev", &site("dev"))]),
        "group wildcard",
    );
    assert_bytes_eq(
        &env.sa(&dir, &["@site.test"]),
        &php_config(&[("site.test", &site("test"))]),
        "short wildcard",
    );
    let web_dev = "array('root' => '/srv/web/dev', 'uri' => 'dev.web.example.com')";
    let web_live = "array('root' => '/srv/web-live', 'uri' => 'www.web.example.com')";
    assert_bytes_eq(
        &env.sa(&dir, &["@web.dev,@web.live"]),
        &php_config(&[("web.dev", web_dev), ("web.live", web_live)]),
        "wildcard vs specific",
    );
    assert_bytes_eq(
        &env.sa(&dir, &[]),
        b"@none\n@pantheon\n@pantheon.site.*\n@web.*\n@web.live\n",
        "wildcard list",
    );
}

// §9.13: parent merge precedence and one-level merges.
#[test]
fn parent_inheritance() {
    let env = Env::new();
    let dir = env.copy("parents", "parents");
    let child = "array('remote-user' => 'base-user', 'remote-host' => 'other.example.com', \
        'os' => 'Linux', 'root' => '/srv/base', 'uri' => 'child.example.com', \
        'path-aliases' => array('%files' => 'child/files', '%dump' => '/tmp/base.sql'), \
        'command-specific' => array('sql-sync' => array('sanitize' => TRUE), \
        'rsync' => array('delete' => TRUE)))";
    assert_bytes_eq(
        &env.sa(&dir, &["@parents.child"]),
        &php_config(&[("parents.child", child)]),
        "@parents.child",
    );
    // Loading everything, Drush caches each name as an empty record before
    // resolving parents, so a parent loaded earlier in the batch gives nothing.
    let all = env.sa(&dir, &["--format=config"]);
    let child_alone = "array('uri' => 'child.example.com', \
        'path-aliases' => array('%files' => 'child/files'), \
        'command-specific' => array('rsync' => array('delete' => TRUE)))";
    let expected = php_config(&[("@parents.child", child_alone)]);
    assert!(
        text(&all).contains(&text(&expected)),
        "{}\n--- expected to contain ---\n{}",
        text(&all),
        text(&expected)
    );
    let grandchild = text(&env.sa(&dir, &["@parents.grandchild"]));
    assert!(
        grandchild.contains("'root' => '/srv/grandchild'"),
        "{grandchild}"
    );
    assert!(
        grandchild.contains("'uri' => 'child.example.com'"),
        "{grandchild}"
    );
    assert!(!grandchild.contains("'parent' =>"), "{grandchild}");
}

// §9.19: inline text echoed (once per include), variables persist across files of a scan.
#[test]
fn alias_file_side_effects() {
    let env = Env::new();
    let dir = env.copy("effects", "effects");
    let inline = "Inline text from a.aliases.drushrc.php\n";
    assert_bytes_eq(
        &env.sa(&dir, &[]),
        format!("{inline}@a\n@a.one\n@b\n@b.two\n@none\n").as_bytes(),
        "list",
    );
    let two = "array('root' => '/srv/two', 'uri' => 'two.shared.example.com')";
    let one = "array('root' => '/srv/one', 'uri' => 'one.shared.example.com')";
    let mut expected = format!("{inline}{inline}").into_bytes();
    expected.extend(php_config(&[("a.one", one), ("b.two", two)]));
    assert_bytes_eq(
        &env.sa(&dir, &["@b.two", "@a.one"]),
        &expected,
        "two lookups",
    );
}

// `provision sa` over the Aegir examples (aegir-provision.md §1).
#[test]
fn aegir_alias_files() {
    let env = Env::new();
    // The golden files provision-save is checked against (fixtures/aegir).
    let dir = env.dir.path().join("aegir");
    copy_tree(&fixtures().join("aegir"), &dir);
    let names = [
        "example.com",
        "platform_drupal7",
        "server_cluster",
        "server_db2examplecom",
        "server_master",
        "server_pack",
        "server_web2examplecom",
    ];
    let mut list: Vec<String> = names.iter().map(|n| format!("@{n}")).collect();
    list.push("@none".into());
    list.sort();
    assert_bytes_eq(
        &env.sa(&dir, &[]),
        format!("{}\n", list.join("\n")).as_bytes(),
        "aegir list",
    );
    for name in names {
        let file = dir.join(format!("{name}.alias.drushrc.php"));
        let expected = php(
            "include $argv[1]; echo '$aliases[\"' . $argv[2] . '\"] = ', \
             var_export($aliases[$argv[2]], TRUE), \";\\n\";",
            &[&file.to_string_lossy(), name],
            b"",
        );
        assert_bytes_eq(&env.sa(&dir, &[&format!("@{name}")]), &expected, name);
    }
}

/// Runs `site-alias-convert` and returns stderr.
fn convert(env: &Env, args: &[&str]) -> String {
    let mut all = vec!["site-alias-convert"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stderr)
}

#[test]
fn legacy_files_convert_to_site_yml() {
    let env = Env::new();
    let src = env.copy("convert-legacy", "legacy");
    let dest = env.dir.path().join("sites");
    let sources = format!("--sources={}", src.display());
    let destination = format!("--destination={}", dest.display());
    let report = convert(&env, &[&sources, &destination, "--simulate"]);
    assert!(report.contains("Would write") && !dest.exists(), "{report}");
    let report = convert(&env, &[&sources, &destination]);
    let shop = fs::read_to_string(dest.join("shop.site.yml")).unwrap();
    assert_eq!(
        shop,
        "dev:\n  host: dev.shop.example.com\n  options:\n    aa-first: a\n    zz-last: z\n  \
         paths:\n    files: sites/default/files\n    dump-dir: /tmp\n  root: /srv/shop/dev\n  \
         uri: dev.shop.example.com\n  user: deploy\n  ssh:\n    options: '-p 2222'\n\
         live:\n  host: live.shop.example.com\n  options:\n    command-specific:\n      sql-sync:\n        \
         no-cache: true\n    parent: '@shop.dev'\n  root: /srv/shop/live\n  uri: www.shop.example.com\n  \
         user: deploy\n"
    );
    assert_eq!(
        fs::read_to_string(dest.join("blog.site.yml")).unwrap(),
        "dev:\n  options:\n    db-url: 'mysql://u:p@h/blog'\n  root: /srv/blog\n  uri: blog.example.com\n"
    );
    assert_eq!(
        fs::read_to_string(dest.join("solo.site.yml")).unwrap(),
        "dev:\n  root: /srv/solo\n  uri: solo.example.com\n  user: deploy\n"
    );
    assert_eq!(
        fs::read_to_string(dest.join("legacy.site.yml")).unwrap(),
        "# This is a placeholder file used to track when legacy.aliases.drushrc.php was converted.\n\
         # If you delete legacy.aliases.drushrc.php, then you may delete this file."
    );
    for key in ["'parent'", "'command-specific'", "'#env-vars'"] {
        assert!(report.contains(key), "{key} not reported:\n{report}");
    }
    let md5 = php(
        "echo md5_file($argv[1]);",
        &[&dest.join("shop.site.yml").to_string_lossy()],
        b"",
    );
    let checksum = fs::read_to_string(dest.join(".checksums/shop.site.md5")).unwrap();
    assert!(
        checksum.ends_with(&format!("\n{}", text(&md5))),
        "{checksum}"
    );

    // A file the user edited, or whose checksum is gone, is never overwritten.
    fs::write(dest.join("shop.site.yml"), "dev:\n  root: /mine\n").unwrap();
    fs::remove_file(dest.join(".checksums/solo.site.md5")).unwrap();
    let blog_before = fs::read(dest.join("blog.site.yml")).unwrap();
    let report = convert(&env, &[&sources, &destination]);
    assert_eq!(
        fs::read_to_string(dest.join("shop.site.yml")).unwrap(),
        "dev:\n  root: /mine\n"
    );
    assert!(
        report.contains("Kept") && report.contains("shop.site.yml"),
        "{report}"
    );
    assert!(report.contains("solo.site.yml"), "{report}");
    assert_eq!(fs::read(dest.join("blog.site.yml")).unwrap(), blog_before);
}

#[test]
fn site_yml_converts_to_aegir_php_files() {
    let env = Env::new();
    let src = env.copy("yml", "yml");
    let dest = env.dir.path().join("drush");
    let report = convert(
        &env,
        &[
            "--to=php",
            &format!("--sources={}", src.display()),
            &format!("--destination={}", dest.display()),
        ],
    );
    assert!(
        report.contains("'ssh.tty'") && report.contains("'docker'"),
        "{report}"
    );
    let dev = dest.join("example.dev.alias.drushrc.php");
    let bytes = fs::read(&dev).unwrap();
    assert!(bytes.starts_with(b"<?php \n$aliases['example.dev'] = array (\n"));
    assert!(bytes.ends_with(b");\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&dev).unwrap().permissions().mode() & 0o777,
            0o440
        );
    }
    let expected = "array('remote-host' => 'dev.example.com', 'remote-user' => 'www-admin', \
        'root' => '/var/www/example/web', 'uri' => 'https://dev.example.com', \
        'path-aliases' => array('%files' => 'sites/default/files', '%drush-script' => '/usr/local/bin/drush'), \
        'ssh-options' => '-p 2222', 'strict' => 0)";
    let same = php(
        &format!("include $argv[1]; var_export($aliases['example.dev'] === {expected});"),
        &[&dev.to_string_lossy()],
        b"",
    );
    assert_eq!(text(&same), "true");
    // The wildcard environment resolves through Drush 8's wildcard lookup.
    let out = env.sa(&dest, &["@example.test"]);
    let test = "array('remote-host' => 'test.example.com', 'root' => '/var/www/test')";
    assert_bytes_eq(
        &out,
        &php_config(&[("example.test", test)]),
        "@example.test",
    );
}

// php → yml → php keeps every record (names without an environment gain `.dev`;
// '#' keys are the documented loss).
#[test]
fn round_trip_php_yml_php() {
    let env = Env::new();
    let src = env.copy("convert-legacy", "legacy");
    let yml = env.dir.path().join("yml");
    let back = env.dir.path().join("back");
    convert(
        &env,
        &[
            &format!("--sources={}", src.display()),
            &format!("--destination={}", yml.display()),
        ],
    );
    convert(
        &env,
        &[
            "--to=php",
            &format!("--sources={}", yml.display()),
            &format!("--destination={}", back.display()),
        ],
    );
    let compare = r#"
        function ks($a) { if (!is_array($a)) return $a; ksort($a); return array_map('ks', $a); }
        function clean($r) { foreach ($r as $k => $v) if (is_string($k) && $k[0] == '#') unset($r[$k]); return ks($r); }
        $src = $argv[1]; $back = $argv[2];
        $aliases = $options = array(); include "$src/legacy.aliases.drushrc.php";
        $orig = array();
        foreach ($aliases as $n => $r) $orig[$n] = array_merge($options, $r);
        $aliases = $options = array(); include "$src/blog.alias.drushrc.php";
        $orig['blog'] = $options;
        $map = array('shop.dev' => 'shop.dev', 'shop.live' => 'shop.live', 'solo' => 'solo.dev', 'blog' => 'blog.dev');
        foreach ($map as $from => $to) {
          $aliases = array(); include "$back/$to.alias.drushrc.php";
          if (clean($orig[$from]) !== clean($aliases[$to])) { echo "$from differs: ", var_export(clean($aliases[$to]), TRUE); exit; }
        }
        echo "same";
    "#;
    let result = php(
        compare,
        &[&src.to_string_lossy(), &back.to_string_lossy()],
        b"",
    );
    assert_eq!(text(&result), "same");
}

// @none, @self and site specifications (drush-aliases.md §2 "Special names").
#[test]
fn special_names_and_site_specs() {
    let env = Env::new();
    let dir = env.copy("groups", "groups");
    let path = format!("--alias-path={}", dir.display());
    let out = env.run(&[&path, "@none", "sa", "@none"]);
    assert_bytes_eq(
        &out.stdout,
        &php_config(&[("none", "array('root' => '', 'uri' => '')")]),
        "@none",
    );
    // --root is resolved to its real path (a missing root selects nothing).
    fs::create_dir_all(env.dir.path().join("site/sub")).unwrap();
    let root = format!("--root={}/site/sub/..", env.dir.path().display());
    let real = fs::canonicalize(env.dir.path().join("site")).unwrap();
    let out = env.run(&["sa", &root, "--uri=site.example.com", "@self"]);
    let self_record = format!(
        "array('root' => '{}', 'uri' => 'site.example.com')",
        real.display()
    );
    assert_bytes_eq(
        &out.stdout,
        &php_config(&[("self", &self_record)]),
        "@self from --root/--uri",
    );
    let out = env.run(&["sa", &root, "--uri=site.example.com"]);
    assert_bytes_eq(&out.stdout, b"@none\n@self\n", "@self listed");
    let out = env.run(&["sa", "--root=/nonexistent/root", "--uri=site.example.com"]);
    assert_bytes_eq(&out.stdout, b"@none\n", "missing root");
    let out = env.run(&[&path, "@g.dev", "sa", "--uri=other.example.com", "@self"]);
    assert_bytes_eq(
        &out.stdout,
        &php_config(&[(
            "g.dev",
            "array('root' => '/srv/g/dev', 'uri' => 'other.example.com')",
        )]),
        "@self from a target",
    );
    let spec = "deploy@web1/srv/x/#site.example.com";
    let out = env.run(&["sa", spec]);
    assert_bytes_eq(
        &out.stdout,
        &php_config(&[(
            "deploy@web1.srv.x.#site.example.com",
            "array('remote-user' => 'deploy', 'remote-host' => 'web1', \
             'uri' => 'site.example.com', 'root' => '/srv/x')",
        )]),
        "site spec",
    );
}

// --pipe (Platform.sh's CLI reads `drush @none site-alias --pipe --format=list @GROUP`):
// pipe format var_export, no final newline, echoed alias-file text discarded.
#[test]
fn pipe_mode() {
    let env = Env::new();
    let dir = env.copy("groups", "groups");
    let path = format!("--alias-path={}", dir.display());
    let out = env.run(&["@none", "sa", "--pipe", "--format=list", &path, "@g"]);
    assert_bytes_eq(
        &out.stdout,
        b"g.dev\ng.live\ng.stage",
        "--pipe --format=list",
    );
    let out = env.run(&["-p", "sa", &path, "@g.dev"]);
    assert_bytes_eq(
        &out.stdout,
        b"array(\n  'g.dev' => array(\n    'root' => '/srv/g/dev',\n    'uri' => 'dev.g.example.com',\n  ),\n)",
        "--pipe default format",
    );
    let effects = env.copy("effects", "effects");
    let out = env.sa(&effects, &["--pipe"]);
    assert_bytes_eq(&out, b"@a\n@a.one\n@b\n@b.two\n@none", "--pipe list");
}

// A Drupal root selected with --root: its drush/ directories are searched and its
// multisite directories are listed without '@' (Drush's _drush_sitealias_site_list).
#[test]
fn selected_drupal_root() {
    let env = Env::new();
    let web = env.dir.path().join("project/web");
    for dir in [
        "includes",
        "misc",
        "sites/default",
        "sites/example.com",
        "sites/all",
    ] {
        fs::create_dir_all(web.join(dir)).unwrap();
    }
    for file in ["index.php", "includes/common.inc", "misc/drupal.js"] {
        fs::write(web.join(file), "").unwrap();
    }
    for site in ["default", "example.com"] {
        fs::write(web.join(format!("sites/{site}/settings.php")), "").unwrap();
    }
    let drush = env.dir.path().join("project/drush");
    fs::create_dir_all(&drush).unwrap();
    fs::write(
        drush.join("fromroot.alias.drushrc.php"),
        "<?php\n$options['root'] = '/srv/fromroot';\n",
    )
    .unwrap();
    let root = format!("--root={}", web.display());
    let out = env.run(&["sa", &root, "--uri=example.com"]);
    assert_bytes_eq(
        &out.stdout,
        b"@fromroot\n@none\n@self\ndefault\nexample.com\n",
        "list with a root",
    );
    let real = fs::canonicalize(&web).unwrap();
    let out = env.run(&["sa", &root, "--format=config"]);
    let site = |uri: &str| format!("array('root' => '{}', 'uri' => '{uri}')", real.display());
    let expected = php_config(&[
        ("@fromroot", "array('root' => '/srv/fromroot')"),
        ("@none", "array('root' => '', 'uri' => '')"),
        ("default", &site("http://default")),
        ("example.com", &site("http://example.com")),
    ]);
    assert_bytes_eq(&out.stdout, &expected, "config with a root");
}
