//! The PHP interop shim (`shim/provision_rs.drush.inc`) against a stand-in of the
//! Drush API it calls: commands declared, options posted, packets and context
//! relayed into Drush.

mod common;

use common::{php, provision_bin};
use std::path::Path;

/// Runs the shim's COMMAND for TARGET with OPTIONS (JSON) under HOME `home`.
fn run_shim(home: &Path, target: &str, command: &str, options: &str) -> serde_json::Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let standin = root.join("compat-tests/interop_shim.php");
    let code = format!(
        "putenv('HOME=' . {:?}); $argv = array_merge(array('x'), array_slice($argv, 1)); include {:?};",
        home.to_str().unwrap(),
        standin.to_str().unwrap()
    );
    let shim = root.join("shim/provision_rs.drush.inc");
    let bin = provision_bin();
    let args = [
        shim.to_str().unwrap(),
        bin.to_str().unwrap(),
        target,
        command,
        options,
    ];
    let out = php(&code, &args, b"");
    serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)))
}

#[test]
fn shim_declares_commands_and_relays_a_save() {
    let h = tempfile::tempdir().unwrap();
    let opts = r#"{"context_type":"server","remote_host":"aegir.example.com","aegir_root":"/var/aegir","script_user":"aegir","master_url":"http://aegir.example.com","http_service_type":"apache","web_group":"www-data","http_restart_cmd":"sudo /usr/sbin/apachectl graceful"}"#;
    let r = run_shim(h.path(), "@server_master", "provision-save", opts);
    let commands: Vec<&str> = r["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(
        commands,
        [
            "provision-save",
            "provision-verify",
            "provision-install",
            "provision-backup",
            "provision-delete",
            "provision-deploy",
            "provision-migrate"
        ]
    );
    assert_eq!(r["return"], true, "{r}");
    assert_eq!(r["errors"], serde_json::json!([]));
    assert_eq!(r["log"][0][0], "success", "{r}");
    assert_eq!(r["set"]["remote_host"], "aegir.example.com");
    let saved =
        std::fs::read_to_string(h.path().join(".drush/server_master.alias.drushrc.php")).unwrap();
    assert!(
        saved.contains("'remote_host' => 'aegir.example.com',"),
        "{saved}"
    );
}

#[test]
fn shim_relays_errors() {
    let h = tempfile::tempdir().unwrap();
    let r = run_shim(
        h.path(),
        "@bad",
        "provision-save",
        r#"{"context_type":"nonsense"}"#,
    );
    assert_eq!(r["return"], false, "{r}");
    assert_eq!(r["errors"][0][0], "PROVISION_SAVE_FAILED");
    assert!(r["errors"][0][1]
        .as_str()
        .unwrap()
        .contains("Unknown context type"));
    assert!(!h.path().join(".drush/bad.alias.drushrc.php").exists());
}
