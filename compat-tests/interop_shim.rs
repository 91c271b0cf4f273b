//! The shim package (`shim/provision_rs/`) inside a stand-in of Drush 8
//! (`compat-tests/interop_shim.php`, which models Drush's option contexts, the
//! stdin context of POSTed options, redispatch, command files and
//! `drush_invoke_process`): options hosting POSTs reach the binary, the command
//! line wins over them, every declared command forwards, `d()` and
//! `provision_backend_invoke()` work against alias files the real binary wrote,
//! and `provision-rs-check` reports what is missing. When the tests run as root,
//! the stand-in (and so the binary) runs as `nobody`, as Aegir runs its backend
//! as an unprivileged user.

mod common;

use common::{php_binary, provision_bin};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn shim() -> PathBuf {
    root().join("shim/provision_rs/provision_rs.drush.inc")
}

/// `(uid, gid)` of `nobody` when these tests run as root, else `None`.
fn unprivileged() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> String {
        let out = Command::new("id").args(args).output().expect("run id");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    if id(&["-u"]) != "0" {
        return None;
    }
    Some((
        id(&["-u", "nobody"]).parse().unwrap(),
        id(&["-g", "nobody"]).parse().unwrap(),
    ))
}

/// A HOME for one test, owned by the user the stand-in runs as.
struct Home(tempfile::TempDir);

impl Home {
    fn new() -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let home = Home(dir);
        std::fs::create_dir_all(home.path().join(".drush")).unwrap();
        home
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// Gives everything under HOME to the unprivileged user.
    fn hand_over(&self) {
        if let Some((uid, gid)) = unprivileged() {
            for entry in walkdir::WalkDir::new(self.path()) {
                let entry = entry.unwrap();
                std::os::unix::fs::lchown(entry.path(), Some(uid), Some(gid)).unwrap();
            }
        }
    }

    fn alias(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(format!(".drush/{name}.alias.drushrc.php")))
            .unwrap_or_else(|e| panic!("alias {name}: {e}"))
    }
}

/// What one stand-in run gave: exit status and stdout.
struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
}

impl Run {
    /// The JSON record a run without --backend prints.
    fn record(&self) -> serde_json::Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.stdout)))
    }

    /// The backend block of a --backend run.
    fn backend(&self) -> serde_json::Value {
        let text = String::from_utf8_lossy(&self.stdout);
        let start = text
            .find("DRUSH_BACKEND_OUTPUT_START>>>")
            .unwrap_or_else(|| panic!("no backend block in {text}"))
            + "DRUSH_BACKEND_OUTPUT_START>>>".len();
        let end = text.rfind("<<<DRUSH_BACKEND_OUTPUT_END").unwrap();
        serde_json::from_str(&text[start..end]).unwrap()
    }
}

/// Runs the stand-in `drush` with the command files `files` (the shim first),
/// `args`, `stdin`, HOME `home` and the binary `binary`.
fn drush(home: &Home, files: &[&Path], binary: &Path, args: &[&str], stdin: &str) -> Run {
    home.hand_over();
    let standin = root().join("compat-tests/interop_shim.php");
    let files: Vec<&str> = files.iter().map(|f| f.to_str().unwrap()).collect();
    let mut cmd = match unprivileged() {
        Some((uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(php_binary());
            c
        }
        None => Command::new(php_binary()),
    };
    cmd.args(["-d", "display_errors=stderr"])
        .arg(&standin)
        .arg(files.join(","))
        .args(args)
        .env("HOME", home.path())
        .env("PROVISION_RS", binary)
        .env_remove("DRUSH_OPTIONS_URI")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run php");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("PHP Fatal") && !stderr.contains("PHP Warning"),
        "{stderr}"
    );
    Run {
        code: out.status.code(),
        stdout: out.stdout,
    }
}

const SERVER: &str = r#"{"context_type":"server","remote_host":"posted.example.com","aegir_root":"/var/aegir","script_user":"aegir","master_url":"http://aegir.example.com","http_service_type":"nginx","web_group":"www-data","http_restart_cmd":"sudo /usr/sbin/nginx -s reload","db_service_type":"NONE","subdirs_support":"1","letsencrypt_ca":"staging"}"#;

/// What hosting's task runner does before a task: `drush @none provision-save
/// @NAME` with the context options POSTed as JSON on stdin, `--backend=2`.
#[test]
fn posted_options_reach_the_binary_and_the_command_line_wins() {
    let h = Home::new();
    let run = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &[
            "--backend=2",
            "@none",
            "provision-save",
            "@server_master",
            "--remote_host=cli.example.com",
        ],
        SERVER,
    );
    let result = run.backend();
    assert_eq!(result["error_status"], 0, "{result}");
    assert_eq!(run.code, Some(0));
    let saved = h.alias("server_master");
    for line in [
        "'http_service_type' => 'nginx',",
        "'web_group' => 'www-data',",
        "'master_url' => 'http://aegir.example.com',",
        "'http_restart_cmd' => 'sudo /usr/sbin/nginx -s reload',",
        "'context_type' => 'server',",
        // Only in the stdin context (provision-save does not declare it): lost
        // when the shim forwarded Drush's redispatch options only.
        "'subdirs_support' => '1',",
    ] {
        assert!(saved.contains(line), "{line} missing from\n{saved}");
    }
    // On the command line and posted: the command line wins.
    assert!(
        saved.contains("'remote_host' => 'cli.example.com',"),
        "{saved}"
    );
    // The binary's context comes back through the shim's own backend result.
    assert_eq!(result["context"]["http_service_type"], "nginx", "{result}");
    // A contrib module's key reaches the binary as well.
    assert_eq!(result["context"]["letsencrypt_ca"], "staging", "{result}");
}

/// Saves the server, a platform and a site the way hosting does
/// (drush_invoke_process, POST, integrate) and reads them back with d().
#[test]
fn hosting_saves_then_d_reads_the_contexts_back() {
    let h = Home::new();
    let platform = h.path().join("platforms/d7");
    common::copy_tree(
        &common::fixtures().join("platforms/drupal7-mini"),
        &platform,
    );
    let code = format!(
        r#"
$post = array('method' => 'POST', 'integrate' => TRUE);
$server = json_decode('{SERVER}', TRUE);
$status = array();
$r = drush_invoke_process('@none', 'provision-save', array('@server_master'), $server, $post);
$status[] = $r['error_status'];
$r = drush_invoke_process('@none', 'provision-save', array('@platform_d7'), array('context_type' => 'platform', 'root' => '{root}', 'web_server' => '@server_master'), $post);
$status[] = $r['error_status'];
$r = drush_invoke_process('@none', 'provision-save', array('@site1.example.com'), array('context_type' => 'site', 'platform' => '@platform_d7', 'db_server' => '@server_master', 'uri' => 'site1.example.com', 'profile' => 'minimal', 'language' => 'fr', 'client_name' => 'acme', 'aliases' => 'www.site1.example.com,old.example.com', 'redirection' => 0), $post);
$status[] = $r['error_status'];
$site = d('@site1.example.com');
$platform = d('@platform_d7');
$master = d('@server_master');
$missing = d('@nowhere', FALSE, FALSE);
drush_backend_set_result(array(
  'status' => $status,
  'class' => get_class($site),
  'type' => $site->type,
  'name' => $site->name,
  'platform' => $site->platform->name,
  'platform_root' => $site->platform->root,
  'platform_class' => get_class($site->platform),
  'db_server' => $site->db_server->name,
  'server' => $site->server->name,
  'uri' => $site->uri,
  'root' => $site->root,
  'profile' => $site->profile,
  'language' => $site->language,
  'client_name' => $site->client_name,
  'aliases' => $site->aliases,
  'web_server' => $platform->web_server->name,
  'web_server_host' => $platform->web_server->remote_host,
  'makefile' => $platform->makefile,
  'ip_addresses' => $master->ip_addresses,
  'http_service_type' => $master->http_service_type,
  'same_object' => d('@site1.example.com') === $site,
  'missing' => $missing,
  'by_object' => d($site) === $site,
  'default' => d()->name,
));
"#,
        root = platform.to_str().unwrap()
    );
    let run = drush(&h, &[&shim()], &provision_bin(), &["php-eval", &code], "");
    let r = run.record();
    let v = &r["result"];
    assert_eq!(v["status"], serde_json::json!([0, 0, 0]), "{r}");
    assert!(
        h.alias("site1.example.com")
            .contains("'context_type' => 'site',"),
        "a site save through the shim must stay a site"
    );
    assert_eq!(v["class"], "Provision_Context_site");
    assert_eq!(v["type"], "site");
    assert_eq!(v["name"], "@site1.example.com");
    assert_eq!(v["platform"], "@platform_d7");
    assert_eq!(v["platform_root"], platform.to_str().unwrap());
    assert_eq!(v["platform_class"], "Provision_Context_platform");
    assert_eq!(v["db_server"], "@server_master");
    assert_eq!(v["server"], "@server_master");
    assert_eq!(v["uri"], "site1.example.com");
    assert_eq!(v["root"], platform.to_str().unwrap());
    assert_eq!(v["profile"], "minimal");
    assert_eq!(v["language"], "fr");
    assert_eq!(v["client_name"], "acme");
    assert_eq!(
        v["aliases"],
        serde_json::json!(["www.site1.example.com", "old.example.com"])
    );
    assert_eq!(v["web_server"], "@server_master");
    assert_eq!(v["web_server_host"], "posted.example.com");
    assert_eq!(v["makefile"], "");
    assert_eq!(v["ip_addresses"], serde_json::json!([]));
    assert_eq!(v["http_service_type"], "nginx");
    assert_eq!(v["same_object"], true);
    assert_eq!(v["by_object"], true);
    assert_eq!(v["missing"], serde_json::Value::Null);
    assert_eq!(v["default"], "@self");
    assert_eq!(
        r["errors"][0][0], "PROVISION_MISSING_CONTEXT",
        "d() of a missing context without creation sets Aegir's error: {r}"
    );
    // Nothing read was written back.
    let before = h.alias("site1.example.com");

    // provision_backend_invoke: as hosting's task runner calls it, through a child
    // drush dispatched by alias name, into the shim and the real binary.
    let code = r#"
$r = provision_backend_invoke('site1.example.com', 'provision-save', array(), array('context_type' => 'site', 'platform' => '@platform_d7', 'db_server' => '@server_master', 'uri' => 'site1.example.com', 'profile' => 'minimal', 'language' => 'de', 'client_name' => 'acme'), 'POST');
drush_backend_set_result(array('status' => $r['error_status'], 'log' => $r['log'], 'default' => d()->name, 'type' => d()->type, 'platform' => d()->platform->name));
"#;
    let run = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &["@site1.example.com", "php-eval", code],
        "",
    );
    let r = run.record();
    assert_eq!(r["result"]["status"], 0, "{r}");
    assert_eq!(r["result"]["default"], "@site1.example.com", "{r}");
    assert_eq!(r["result"]["type"], "site");
    assert_eq!(r["result"]["platform"], "@platform_d7");
    let inv = &r["invocations"][0];
    assert_eq!(inv["site"], "@site1.example.com");
    assert_eq!(inv["backend_options"]["dispatch-using-alias"], true);
    assert_eq!(inv["backend_options"]["method"], "POST");
    assert_eq!(
        r["log"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l[1] == "Saved the context @site1.example.com.")
            .count(),
        1,
        "the child's log is integrated: {r}"
    );
    let after = h.alias("site1.example.com");
    assert!(after.contains("'language' => 'de',"), "{after}");
    assert_eq!(
        before.replace("'language' => 'fr',", "'language' => 'de',"),
        after
    );
}

/// The commands hosting calls, as the shim must declare them.
const COMMANDS: [&str; 16] = [
    "provision-save",
    "provision-verify",
    "provision-install",
    "provision-import",
    "provision-backup",
    "provision-restore",
    "provision-deploy",
    "provision-migrate",
    "provision-clone",
    "provision-delete",
    "provision-disable",
    "provision-enable",
    "provision-lock",
    "provision-unlock",
    "provision-login-reset",
    "provision-backup-delete",
];

/// A fake binary that records its argv and stdin under `dir` and answers with a
/// backend block carrying a context and a site record.
fn recording_binary(dir: &Path) -> PathBuf {
    let bin = dir.join("fake-provision");
    let script = format!(
        "#!/bin/sh\nd={dir}\nif [ \"$1\" = backend-parse ]; then printf '%s\\n' \"$@\" > $d/argv.backend-parse; cat > $d/stdin.backend-parse; echo parsed; exit 0; fi\nprintf '%s\\n' \"$@\" > $d/argv.$3\ncat > $d/stdin.$3\nprintf '\\000DRUSH_BACKEND:{{\"type\":\"notice\",\"message\":\"ran %s\",\"error\":null,\"packet\":\"log\"}}\\000\\n' \"$3\"\nprintf '\\000DRUSH_BACKEND_OUTPUT_START>>>{{\"output\":\"\",\"error_status\":0,\"log\":[],\"error_log\":[],\"self\":{{\"db_name\":\"site1db\"}},\"context\":{{\"backup_file\":\"/b.tar.gz\"}}}}<<<DRUSH_BACKEND_OUTPUT_END'\n",
        dir = dir.to_str().unwrap()
    );
    std::fs::write(&bin, script).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

#[test]
fn every_declared_command_forwards_to_the_binary() {
    let h = Home::new();
    let rec = h.path().join("rec");
    std::fs::create_dir_all(&rec).unwrap();
    let bin = recording_binary(&rec);
    for command in COMMANDS {
        let run = drush(
            &h,
            &[&shim()],
            &bin,
            &["@site1.example.com", command, "arg one", "--opt=cli"],
            "",
        );
        let r = run.record();
        assert_eq!(r["commands"][command], "provision_rs", "{command}: {r}");
        assert_eq!(r["return"], true, "{command}: {r}");
        assert_eq!(run.code, Some(0), "{command}: {r}");
        let argv = std::fs::read_to_string(rec.join(format!("argv.{command}"))).unwrap();
        assert_eq!(
            argv,
            format!("--backend=2\n@site1.example.com\n{command}\narg one\n"),
            "{command}"
        );
        let posted: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(rec.join(format!("stdin.{command}"))).unwrap(),
        )
        .unwrap();
        assert_eq!(posted["opt"], "cli", "{command}: {posted}");
        assert!(posted.get("backend").is_none(), "{posted}");
        assert!(posted.get("provision-rs-binary").is_none(), "{posted}");
        // The binary's log, context and site record land in this Drush process.
        assert!(
            r["log"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l[1] == format!("ran {command}")),
            "{r}"
        );
        assert_eq!(r["set"]["backup_file"], "/b.tar.gz", "{r}");
        assert_eq!(r["site"]["db_name"], "site1db", "{r}");
    }

    // In backend mode (how hosting calls it), POSTed options are forwarded too,
    // '#' keys and never-propagated globals are not, and the command line wins.
    let run = drush(
        &h,
        &[&shim()],
        &bin,
        &[
            "--backend=2",
            "@site1.example.com",
            "provision-migrate",
            "@platform_b",
            "--profile=cli",
        ],
        r##"{"profile":"posted","new_db_server":"@db2","#integrate":true,"simulate":1,"php":"/usr/bin/php8"}"##,
    );
    assert_eq!(run.backend()["error_status"], 0);
    let posted: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(rec.join("stdin.provision-migrate")).unwrap(),
    )
    .unwrap();
    assert_eq!(posted["profile"], "cli", "{posted}");
    assert_eq!(posted["new_db_server"], "@db2", "{posted}");
    for dropped in ["#integrate", "simulate", "php", "backend"] {
        assert!(posted.get(dropped).is_none(), "{dropped} in {posted}");
    }
    let self_block = run.backend();
    assert_eq!(self_block["context"]["db_name"], "site1db", "{self_block}");

    // backend-parse reads its own stdin: passed through, not in backend mode.
    let run = drush(
        &h,
        &[&shim()],
        &bin,
        &["backend-parse"],
        "some backend output",
    );
    assert_eq!(run.code, Some(0));
    assert_eq!(
        std::fs::read_to_string(rec.join("argv.backend-parse")).unwrap(),
        "backend-parse\n"
    );
    assert_eq!(
        std::fs::read_to_string(rec.join("stdin.backend-parse")).unwrap(),
        "some backend output"
    );
}

#[test]
fn shim_relays_errors() {
    let h = Home::new();
    let run = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &["@none", "provision-save", "@bad", "--context_type=nonsense"],
        "",
    );
    let r = run.record();
    assert_eq!(run.code, Some(1), "{r}");
    assert_eq!(r["errors"][0][0], "PROVISION_SAVE_FAILED", "{r}");
    assert!(r["errors"][0][1]
        .as_str()
        .unwrap()
        .contains("Unknown context type"));
    assert!(!h.path().join(".drush/bad.alias.drushrc.php").exists());

    // A binary that fails without reporting an error still fails the command.
    let bad = h.path().join("failing-provision");
    std::fs::write(&bad, "#!/bin/sh\ncat >/dev/null\nprintf '\\000DRUSH_BACKEND_OUTPUT_START>>>{\"error_status\":1}<<<DRUSH_BACKEND_OUTPUT_END'\nexit 1\n").unwrap();
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = drush(&h, &[&shim()], &bad, &["@site", "provision-verify"], "");
    assert_eq!(run.code, Some(1));
    assert_eq!(run.record()["errors"][0][0], "PROVISION_RS_FAILED");
}

/// A command file standing in for PHP provision: its commands and API.
fn php_provision(dir: &Path) -> PathBuf {
    let d = dir.join("provision");
    std::fs::create_dir_all(&d).unwrap();
    let f = d.join("provision.drush.inc");
    std::fs::write(
        &f,
        "<?php\nfunction provision_drush_command() { return array('provision-save' => array(), 'provision-verify' => array()); }\nfunction & d($name = NULL) { $x = 'php-provision'; return $x; }\nfunction provision_backend_invoke() { return 'php-provision'; }\n",
    )
    .unwrap();
    f
}

#[test]
fn check_command_says_what_is_missing() {
    let h = Home::new();
    // Everything in place (no @server_master yet: nothing to check for sudo).
    let run = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &["provision-rs-check"],
        "",
    );
    let r = run.record();
    let out = r["output"].as_str().unwrap().to_string();
    assert_eq!(run.code, Some(0), "{out}");
    assert!(out.contains("ok   binary: "), "{out}");
    assert!(out.contains("(provision "), "{out}");
    assert!(
        out.contains("ok   PHP provision: not in Drush's command path"),
        "{out}"
    );
    assert!(
        out.contains("ok   commands: all 17 provision commands"),
        "{out}"
    );
    assert!(
        out.contains("ok   API: d() and provision_backend_invoke()"),
        "{out}"
    );
    assert!(out.contains("ok   alias directory: "), "{out}");
    assert!(out.contains("warn restart: no @server_master"), "{out}");

    // A binary that is not there.
    let run = drush(
        &h,
        &[&shim()],
        &h.path().join("nope"),
        &["provision-rs-check"],
        "",
    );
    assert_eq!(run.code, Some(1));
    assert!(run.record()["output"]
        .as_str()
        .unwrap()
        .contains("FAIL binary: "));

    // A restart command sudo does not allow this user without a password.
    let save = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &["--backend=2", "@none", "provision-save", "@server_master"],
        &SERVER.replace(
            "sudo /usr/sbin/nginx -s reload",
            "sudo /usr/sbin/provision-rs-no-such-command reload",
        ),
    );
    assert_eq!(save.backend()["error_status"], 0);
    let run = drush(
        &h,
        &[&shim()],
        &provision_bin(),
        &["provision-rs-check"],
        "",
    );
    let out = run.record()["output"].as_str().unwrap().to_string();
    if unprivileged().is_some() {
        // nobody has no sudo rule.
        assert!(out.contains("FAIL restart: sudo does not allow"), "{out}");
        assert_eq!(run.code, Some(1));
    } else {
        assert!(out.contains(" restart: "), "{out}");
    }

    // Next to PHP provision (the hybrid): the shim loads without redeclaring
    // anything, its commands win (the later command file), but PHP provision's
    // API and hooks would run too: the check fails and says to remove it.
    let h = Home::new();
    let php = php_provision(h.path());
    let run = drush(
        &h,
        &[&shim(), &php],
        &provision_bin(),
        &["provision-rs-check"],
        "",
    );
    let r = run.record();
    let out = r["output"].as_str().unwrap();
    assert_eq!(run.code, Some(1), "{out}");
    assert!(
        out.contains("FAIL PHP provision is in Drush's command path at "),
        "{out}"
    );
    assert!(out.contains("remove PHP provision"), "{out}");
    assert!(
        out.contains("FAIL API: d, provision_backend_invoke defined by another file"),
        "{out}"
    );
    assert_eq!(r["commands"]["provision-save"], "provision_rs");
}
