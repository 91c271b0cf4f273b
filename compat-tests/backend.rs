//! The backend protocol as a PHP caller sees it: `compat-tests/backend_client.php`
//! runs provision-save with proc_open the way Drush's drush_invoke_process does
//! (command line with `2>&1`, POST options on stdin) and parses the result with
//! Drush's regular expressions.

mod common;

use common::{php, provision_bin};
use std::path::Path;

/// Runs the PHP client against `alias` with `post` on stdin, HOME = `home`.
fn invoke(home: &Path, alias: &str, post: &str) -> serde_json::Value {
    invoke_on(home, "", alias, post)
}

/// As `invoke`, with `target` (if not empty) before the command.
fn invoke_on(home: &Path, target: &str, alias: &str, post: &str) -> serde_json::Value {
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/backend_client.php");
    let code = format!(
        "putenv('HOME=' . {:?}); $argv = array_merge(array('x'), array_slice($argv, 1)); include {:?};",
        home.to_str().unwrap(),
        client.to_str().unwrap()
    );
    let out = php(
        &code,
        &[provision_bin().to_str().unwrap(), alias, post, target],
        b"",
    );
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

const MASTER: &str = r#"{"context_type":"server","master_url":"http://aegir.example.com","root":null,"uri":null,"remote_host":"aegir.example.com","aegir_root":"/var/aegir","script_user":"aegir","http_service_type":"apache","http_port":"80","http_restart_cmd":"sudo /usr/sbin/apachectl graceful","web_group":"www-data","db_service_type":"NONE"}"#;

#[test]
fn post_mode_save_reports_success_in_drush_format() {
    let h = tempfile::tempdir().unwrap();
    let r = invoke(h.path(), "@server_master", MASTER);
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(
        result_keys(&r),
        ["output", "error_status", "log", "error_log", "context"]
    );
    assert_eq!(r["result"]["error_status"], 0);
    assert_eq!(r["reencoded_equal"], true, "not PHP's json_encode bytes");
    assert_eq!(r["result"]["error_log"], serde_json::json!([]));
    assert_eq!(r["result"]["context"]["remote_host"], "aegir.example.com");
    let packets = r["packets"].as_array().unwrap();
    assert_eq!(packets.last().unwrap()["packet"], "log");
    assert_eq!(packets.last().unwrap()["type"], "success");
    let saved =
        std::fs::read_to_string(h.path().join(".drush/server_master.alias.drushrc.php")).unwrap();
    assert!(
        saved.contains("'http_service_type' => 'apache',"),
        "{saved}"
    );
    assert!(!saved.contains("db_service_type"), "{saved}");
}

#[test]
fn post_mode_error_sets_error_status_and_exit_code_1() {
    let h = tempfile::tempdir().unwrap();
    let r = invoke(h.path(), "@x", r#"{"context_type":"nonsense"}"#);
    assert_eq!(r["code"], 1, "{r}");
    assert_eq!(r["result"]["error_status"], 1);
    assert_eq!(r["reencoded_equal"], true, "not PHP's json_encode bytes");
    let msgs = &r["result"]["error_log"]["PROVISION_SAVE_FAILED"];
    assert!(
        msgs[0]
            .as_str()
            .unwrap()
            .contains("Unknown context type 'nonsense'"),
        "{r}"
    );
    let kinds: Vec<&str> = r["packets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["packet"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["log", "set_error"]);
    assert_eq!(r["packets"][0]["error"], "PROVISION_SAVE_FAILED");
    assert!(!h.path().join(".drush/x.alias.drushrc.php").exists());
}

/// The top-level keys of the parsed result, in order.
fn result_keys(r: &serde_json::Value) -> Vec<&str> {
    r["result_keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect()
}

#[test]
fn self_is_the_target_record_before_the_command_ran() {
    let h = tempfile::tempdir().unwrap();
    assert_eq!(invoke(h.path(), "@server_master", MASTER)["code"], 0);
    let before_path = h.path().join(".drush/server_master.alias.drushrc.php");
    let before = std::fs::read_to_string(&before_path).unwrap();
    // PHP's own reading of the stored record is what Drush would put in `self`.
    let code = format!(
        "include {:?}; echo json_encode($aliases['server_master']);",
        before_path.to_str().unwrap()
    );
    let expected: serde_json::Value = serde_json::from_slice(&php(&code, &[], b"")).unwrap();
    let r = invoke_on(
        h.path(),
        "@server_master",
        "",
        r#"{"master_url":"http://other.example.com"}"#,
    );
    assert_eq!(r["code"], 0, "{r}");
    assert_eq!(r["reencoded_equal"], true, "not PHP's json_encode bytes");
    assert_eq!(
        result_keys(&r),
        [
            "output",
            "error_status",
            "log",
            "error_log",
            "self",
            "context"
        ]
    );
    assert_eq!(r["result"]["self"], expected);
    assert_eq!(
        r["result"]["self"]["master_url"],
        "http://aegir.example.com"
    );
    assert!(r["result"]["self"].get("#name").is_none());
    let after = std::fs::read_to_string(&before_path).unwrap();
    assert!(after.contains("http://other.example.com"), "{after}");
    assert_ne!(before, after);
}

#[test]
fn no_self_for_none_or_a_context_without_a_file() {
    let h = tempfile::tempdir().unwrap();
    for target in ["@none", "@server_master"] {
        let h = tempfile::tempdir_in(h.path()).unwrap();
        let r = invoke_on(h.path(), target, "@server_master", MASTER);
        assert_eq!(r["code"], 0, "{r}");
        assert_eq!(
            result_keys(&r),
            ["output", "error_status", "log", "error_log", "context"],
            "{target}"
        );
    }
}

#[test]
fn a_posted_delete_removes_the_context_as_hosting_sends_it() {
    let h = tempfile::tempdir().unwrap();
    let r = invoke(h.path(), "@server_master", MASTER);
    assert_eq!(r["code"], 0, "{r}");
    let file = h.path().join(".drush/server_master.alias.drushrc.php");
    assert!(file.is_file());
    // Hosting's follow-up to a delete task: `delete` travels in the POST body.
    let r = invoke(h.path(), "@server_master", r#"{"delete":true}"#);
    assert_eq!(r["code"], 0, "{r}");
    assert!(!file.exists(), "the posted --delete was ignored");
    let log = r["result"]["log"].to_string();
    assert!(log.contains("Deleted the context @server_master."), "{log}");
    // Again, with nothing left: still a success, and nothing written.
    let r = invoke(h.path(), "@server_master", r#"{"delete":true}"#);
    assert_eq!(r["result"]["error_status"], 0, "{r}");
    assert!(!file.exists());
}
