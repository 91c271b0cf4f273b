//! The optional real suite: the 18 steps of Aegir's front end (hosting), from the
//! server's save to the deletion of two sites, run the way hosting's task runner
//! runs them — inside a real Drush 8 process (`compat-tests/hosting_flow.php`), as an
//! unprivileged user, with only the options hosting sends — against the `provision`
//! binary through the shim package `shim/provision_rs/`, and also against Aegir's PHP
//! provision 7.x-3.x when `PROVISION_TEST_PHP_PROVISION` names its directory, so the
//! two can be compared.
//!
//! It runs only when `PROVISION_TEST_DRUSH8` names a Drush 8 entry point and
//! `PROVISION_TEST_D7_ROOT` a Drupal 7 tree; otherwise it says why and passes. After
//! each step it checks what hosting would parse (error status, top-level keys, the
//! keys hosting's post-task hooks read, listed in hosting-results.md), how the sites
//! answer by Host header, and a few files. It prints `step | ok/failed | why` per
//! backend and a table of step times, then fails if any step failed.
//!
//! Each backend gets a fresh Aegir: a home (the Aegir root) owned by
//! `PROVISION_TEST_AEGIR_USER` (default `aegir`), two copies of the Drupal 7 tree as
//! platforms, and an nginx of its own on `PROVISION_TEST_FLOW_PORT` (default 18091)
//! including `{home}/config/*.conf` as Debian includes Aegir's config. The user
//! reloads it through sudo, as Aegir's rule allows (`aegir ALL=NOPASSWD:
//! /usr/sbin/nginx`). `PROVISION_TEST_FLOW_BACKENDS` (default `php,rust`) picks the
//! runs; `PROVISION_TEST_FLOW_DUMP=DIR` keeps every step's report there. The database server is `scripts/services/mariadb`'s; php-fpm
//! is the one on `/run/php/php*-fpm.sock`, where both provisions look by default.
//! Run as root: `cargo test --release --test hosting_flow -- --nocapture`.

mod common;

use common::live::{mariadb, urlencode, Workspace};
use common::{copy_tree, provision_bin};
use serde_json::{json, Value as Json};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where the suite finds what it needs, from the environment.
struct Suite {
    drush: PathBuf,
    d7_root: PathBuf,
    user: String,
    port: u16,
    php_provision: Option<PathBuf>,
}

impl Suite {
    /// The settings, or why the suite does not run.
    fn from_env() -> Result<Suite, String> {
        let path = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let drush = path("PROVISION_TEST_DRUSH8")
            .ok_or("PROVISION_TEST_DRUSH8 (a Drush 8 entry point) is not set")?;
        let d7_root = path("PROVISION_TEST_D7_ROOT")
            .ok_or("PROVISION_TEST_D7_ROOT (a Drupal 7 tree) is not set")?;
        let port = std::env::var("PROVISION_TEST_FLOW_PORT").map_or(Ok(18091), |p| p.parse());
        Ok(Suite {
            drush,
            d7_root,
            user: std::env::var("PROVISION_TEST_AEGIR_USER").unwrap_or_else(|_| "aegir".into()),
            port: port.map_err(|e| format!("PROVISION_TEST_FLOW_PORT: {e}"))?,
            php_provision: path("PROVISION_TEST_PHP_PROVISION"),
        })
    }
}

/// Which provision answers Drush's `provision-*` commands.
enum Backend {
    /// Aegir's PHP provision, linked as `~/.drush/provision`.
    Php(PathBuf),
    /// The `provision` binary, reached through the shim package `shim/provision_rs`,
    /// copied to `~/.drush/provision_rs`.
    Rust,
}

impl Backend {
    fn name(&self) -> &'static str {
        match self {
            Backend::Php(_) => "PHP provision",
            Backend::Rust => "provision (Rust)",
        }
    }
}

/// An nginx master of the suite's own, stopped when dropped.
struct Nginx {
    conf: PathBuf,
}

impl Nginx {
    /// Starts nginx (as root; workers as www-data) including the Aegir root's config.
    /// Debian's parameter files are linked beside the main config, since vhosts
    /// include them by relative paths (`include fastcgi_params;`).
    fn start(dir: &Path, home: &Path) -> Nginx {
        fs::create_dir_all(dir).unwrap();
        for name in [
            "fastcgi_params",
            "fastcgi.conf",
            "mime.types",
            "scgi_params",
            "uwsgi_params",
        ] {
            std::os::unix::fs::symlink(Path::new("/etc/nginx").join(name), dir.join(name)).unwrap();
        }
        let conf = dir.join("nginx.conf");
        let d = dir.display();
        fs::write(
            &conf,
            format!(
                "user www-data;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
                 events {{ worker_connections 64; }}\nhttp {{\n  include mime.types;\n  \
                 default_type application/octet-stream;\n  include {}/config/*.conf;\n}}\n",
                home.display()
            ),
        )
        .unwrap();
        run_ok(Command::new("/usr/sbin/nginx").arg("-c").arg(&conf));
        Nginx { conf }
    }

    /// The reload command hosting would store as the server's `http_restart_cmd`.
    fn restart_cmd(&self) -> String {
        format!("sudo /usr/sbin/nginx -c {} -s reload", self.conf.display())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/nginx")
            .arg("-c")
            .arg(&self.conf)
            .args(["-s", "quit"])
            .status();
    }
}

/// A fresh Aegir for one backend: the user's home, two platforms, nginx.
struct Aegir<'a> {
    suite: &'a Suite,
    home: PathBuf,
    platform1: PathBuf,
    platform2: PathBuf,
    driver: PathBuf,
    binary: PathBuf,
    php_ini: PathBuf,
    nginx: Nginx,
    _workspace: Workspace,
}

impl<'a> Aegir<'a> {
    /// Builds the home, platforms and Drush command path for `backend`. Everything
    /// the user runs is copied into the workspace, so the repository need not be
    /// readable by that user.
    fn new(suite: &'a Suite, backend: &Backend) -> Aegir<'a> {
        let ws = Workspace::new("hosting-flow");
        let home = ws.0.join("aegir");
        let platform1 = ws.0.join("platforms/platform_d7");
        let platform2 = ws.0.join("platforms/platform_d7b");
        copy_tree(&suite.d7_root, &platform1);
        copy_tree(&suite.d7_root, &platform2);
        let drush_dir = home.join(".drush");
        fs::create_dir_all(&drush_dir).unwrap();
        match backend {
            Backend::Php(dir) => {
                std::os::unix::fs::symlink(dir, drush_dir.join("provision")).unwrap()
            }
            Backend::Rust => copy_tree(
                &Path::new(env!("CARGO_MANIFEST_DIR")).join("shim/provision_rs"),
                &drush_dir.join("provision_rs"),
            ),
        }
        install_frontend_stub(&drush_dir);
        let driver = ws.0.join("hosting_flow.php");
        fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/hosting_flow.php"),
            &driver,
        )
        .unwrap();
        let php_ini = ws.0.join("php.d");
        fs::create_dir_all(&php_ini).unwrap();
        fs::write(php_ini.join("mail.ini"), "sendmail_path = /bin/true\n").unwrap();
        let binary = ws.0.join("provision");
        fs::copy(provision_bin(), &binary).unwrap();
        fs::set_permissions(&binary, fs::Permissions::from_mode(0o755)).unwrap();
        let owner = format!("{0}:{0}", suite.user);
        for dir in [&home, &ws.0.join("platforms")] {
            run_ok(Command::new("chown").args(["-R", &owner]).arg(dir));
        }
        let nginx = Nginx::start(&ws.0.join("nginx"), &home);
        Aegir {
            suite,
            home,
            platform1,
            platform2,
            driver,
            binary,
            php_ini,
            nginx,
            _workspace: ws,
        }
    }

    /// Expands `{home}`, `{p1}` and `{p2}` in a path template.
    fn path(&self, template: &str) -> PathBuf {
        PathBuf::from(
            template
                .replace("{home}", &self.home.display().to_string())
                .replace("{p1}", &self.platform1.display().to_string())
                .replace("{p2}", &self.platform2.display().to_string()),
        )
    }

    /// Runs one step through the driver in Drush 8 as the Aegir user; returns the
    /// driver's report, or why there is none. PHP gets an extra ini directory whose
    /// `sendmail_path` succeeds: the Drupal installer mails the client, and a test
    /// machine has no mail transport.
    fn invoke(&self, action: &Json) -> Result<Json, String> {
        let out = Command::new("sudo")
            .args(["-u", &self.suite.user, "env"])
            .arg(format!("HOME={}", self.home.display()))
            .arg(format!("PROVISION_RS={}", self.binary.display()))
            .arg(format!("PHP_INI_SCAN_DIR=:{}", self.php_ini.display()))
            .arg(format!("HOSTING_FLOW_STEP={action}"))
            .arg(&self.suite.drush)
            .arg("php-script")
            .arg(&self.driver)
            .current_dir(&self.home)
            .output()
            .expect("sudo runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let report = stdout
            .split_once("HOSTING_FLOW_JSON>>>")
            .and_then(|(_, rest)| rest.split_once("<<<HOSTING_FLOW_JSON"))
            .map(|(json, _)| json);
        match report {
            Some(json) => serde_json::from_str(json).map_err(|e| format!("driver JSON: {e}")),
            None => Err(format!(
                "the driver printed no report: {}",
                tail(&out.stderr)
            )),
        }
    }
}

/// The front end's side of the calls provision makes back to it: an `@hostmaster`
/// alias and `hosting_stub.drush.inc`, which accepts `hosting-task` requests (PHP
/// provision's migrate and clone queue verify tasks that way).
fn install_frontend_stub(drush_dir: &Path) {
    let stub = Path::new(env!("CARGO_MANIFEST_DIR")).join("compat-tests/hosting_stub.drush.inc");
    fs::create_dir_all(drush_dir.join("hosting_stub")).unwrap();
    fs::copy(stub, drush_dir.join("hosting_stub/hosting_stub.drush.inc")).unwrap();
    fs::write(
        drush_dir.join("hostmaster.alias.drushrc.php"),
        "<?php\n$aliases['hostmaster'] = array();\n",
    )
    .unwrap();
}

/// The last lines of a process's stderr, for a failure message.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(5)..].join(" / ")
}

/// Runs a command that must succeed.
fn run_ok(cmd: &mut Command) {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// How a site must answer on nginx after a step.
#[derive(Clone, Copy)]
enum Answer {
    /// 200 with a Drupal 7 page.
    Serves,
    /// Anything but a Drupal page: no vhost (nginx's default server) or nothing listening.
    NotServed,
    /// A redirect to the front end's "site disabled" page (Aegir's disabled vhost).
    Disabled,
}

/// One step: what hosting runs, and what must hold afterwards.
struct Step {
    name: &'static str,
    /// The driver's step: `{"kind": "save"|"task", ...}`.
    action: Json,
    /// Paths into the result that hosting's post-task hooks read (`context.x`, `self.x`).
    reads: &'static [&'static str],
    /// How each host must answer afterwards.
    http: &'static [(&'static str, Answer)],
    /// Path templates that must exist (`true`) or be gone (`false`) afterwards.
    files: &'static [(&'static str, bool)],
}

/// The URL of the front end, which hosting sends as `master_url` (Aegir's disabled
/// and maintenance pages live there).
const MASTER_URL: &str = "http://aegir.test/";

/// `provision-save @NAME`: the context options every hosting task starts from
/// (task.hosting.inc), overlaid with those of the context type's hooks.
fn save(name: &str, context_type: &str, hook_options: Json) -> Json {
    let mut options = json!({"context_type": context_type, "master_url": MASTER_URL,
                             "root": null, "uri": null});
    options
        .as_object_mut()
        .unwrap()
        .extend(hook_options.as_object().unwrap().clone());
    json!({"kind": "save", "name": name, "options": options})
}

/// `provision_backend_invoke(NAME, COMMAND, ARGS, OPTIONS)`.
fn task(name: &str, command: &str, args: &[&str], options: Json) -> Json {
    json!({"kind": "task", "name": name, "command": command, "args": args, "options": options})
}

const PLATFORM_READS: &[&str] = &[
    "context.packages.base",
    "context.packages.sites-all",
    "context.packages.profiles",
    "context.profiles",
    "context.sites",
];
const SITE_VERIFY_READS: &[&str] = &["self.db_name", "context.cron_key", "context.packages"];
const BACKUP_READS: &[&str] = &["context.backup_file", "context.backup_file_size"];
const SITE1_SERVES: &[(&str, Answer)] = &[("site1.test", Answer::Serves)];
const SITE1_ABSENT: &[(&str, Answer)] = &[("site1.test", Answer::NotServed)];

/// The 18 steps with the options hosting sends (hosting's task.hosting.inc and the
/// hook_hosting_*_context_options / pre_hosting_task hooks of its modules).
fn steps(aegir: &Aegir) -> Vec<Step> {
    let db = mariadb();
    let server = json!({
        "remote_host": db.host,
        "ip_addresses": "null",
        "http_service_type": "nginx",
        "http_port": aegir.suite.port.to_string(),
        "http_restart_cmd": aegir.nginx.restart_cmd(),
        "db_service_type": "mysql",
        "db_port": db.port.to_string(),
        "master_db": format!("mysql://{}:{}@{}", urlencode(&db.user), urlencode(&db.password), db.host),
    });
    let platform = |root: &Path| {
        json!({"server": "@server_master", "web_server": "@server_master",
               "root": root.display().to_string(), "make_working_copy": "null"})
    };
    let site = json!({"db_server": "@server_master", "platform": "@platform_d7", "uri": "site1.test",
                      "language": "en", "profile": "standard", "client_name": "admin",
                      "aliases": "null", "redirection": "null"});
    let profile = || json!({"profile": "standard"});
    let none = || json!({});
    vec![
        Step {
            name: "01 server save",
            action: save("@server_master", "server", server),
            reads: &[],
            http: SITE1_ABSENT,
            files: &[("{home}/.drush/server_master.alias.drushrc.php", true)],
        },
        Step {
            name: "02 server verify",
            action: task("@server_master", "provision-verify", &[], none()),
            reads: &[],
            http: SITE1_ABSENT,
            files: &[
                ("{home}/config/server_master/nginx.conf", true),
                ("{home}/config/nginx.conf", true),
            ],
        },
        Step {
            name: "03 platform save",
            action: save("@platform_d7", "platform", platform(&aegir.platform1)),
            reads: &[],
            http: SITE1_ABSENT,
            files: &[("{home}/.drush/platform_d7.alias.drushrc.php", true)],
        },
        Step {
            name: "04 platform verify",
            action: task("@platform_d7", "provision-verify", &[], none()),
            reads: PLATFORM_READS,
            http: SITE1_ABSENT,
            files: &[("{p1}/sites/all/drush/drushrc.php", true)],
        },
        Step {
            name: "05 site save",
            action: save("@site1.test", "site", site),
            reads: &[],
            http: SITE1_ABSENT,
            files: &[("{home}/.drush/site1.test.alias.drushrc.php", true)],
        },
        Step {
            name: "06 site install",
            action: task(
                "@site1.test",
                "provision-install",
                &[],
                json!({"client_email": "admin@example.com", "profile": "standard"}),
            ),
            reads: &[
                "context.login_link",
                "context.cron_key",
                "context.packages",
                "self.db_name",
            ],
            http: SITE1_SERVES,
            files: &[
                ("{p1}/sites/site1.test/settings.php", true),
                ("{p1}/sites/site1.test/drushrc.php", true),
                ("{home}/config/server_master/nginx/vhost.d/site1.test", true),
            ],
        },
        Step {
            name: "07 site verify",
            action: task("@site1.test", "provision-verify", &[], none()),
            reads: SITE_VERIFY_READS,
            http: SITE1_SERVES,
            files: &[],
        },
        Step {
            name: "08 site backup",
            action: task("@site1.test", "provision-backup", &[], profile()),
            reads: BACKUP_READS,
            http: SITE1_SERVES,
            files: &[],
        },
        Step {
            name: "09 platform2 save",
            action: save("@platform_d7b", "platform", platform(&aegir.platform2)),
            reads: &[],
            http: SITE1_SERVES,
            files: &[("{home}/.drush/platform_d7b.alias.drushrc.php", true)],
        },
        Step {
            name: "10 platform2 verify",
            action: task("@platform_d7b", "provision-verify", &[], none()),
            reads: PLATFORM_READS,
            http: SITE1_SERVES,
            files: &[],
        },
        Step {
            name: "11 site migrate",
            action: task(
                "@site1.test",
                "provision-migrate",
                &["@platform_d7b"],
                profile(),
            ),
            reads: &[
                "context.db_name",
                "context.profile",
                "context.packages",
                "context.backup_file",
                "context.backup_file_size",
            ],
            http: SITE1_SERVES,
            files: &[
                ("{p2}/sites/site1.test/settings.php", true),
                ("{p1}/sites/site1.test", false),
            ],
        },
        Step {
            name: "12 site login-reset",
            action: task("@site1.test", "provision-login-reset", &[], profile()),
            reads: &["context.login_link"],
            http: SITE1_SERVES,
            files: &[],
        },
        Step {
            name: "13 site disable",
            action: task("@site1.test", "provision-disable", &[], profile()),
            reads: &[],
            http: &[("site1.test", Answer::Disabled)],
            files: &[],
        },
        Step {
            name: "14 site enable",
            action: task("@site1.test", "provision-enable", &[], profile()),
            reads: &[],
            http: SITE1_SERVES,
            files: &[],
        },
        Step {
            name: "15 site clone",
            action: task(
                "@site1.test",
                "provision-clone",
                &["@site2.test", "@platform_d7b"],
                json!({"profile": "standard", "aliases": "", "redirection": ""}),
            ),
            reads: &["context.profile", "context.backup_file"],
            http: &[
                ("site1.test", Answer::Serves),
                ("site2.test", Answer::Serves),
            ],
            files: &[
                ("{p2}/sites/site2.test/settings.php", true),
                ("{home}/.drush/site2.test.alias.drushrc.php", true),
            ],
        },
        Step {
            name: "16 site2 verify",
            action: task("@site2.test", "provision-verify", &[], none()),
            reads: SITE_VERIFY_READS,
            http: &[("site2.test", Answer::Serves)],
            files: &[],
        },
        Step {
            name: "17 site delete",
            action: task("@site1.test", "provision-delete", &[], none()),
            reads: BACKUP_READS,
            http: &[
                ("site1.test", Answer::NotServed),
                ("site2.test", Answer::Serves),
            ],
            files: &[
                ("{p2}/sites/site1.test", false),
                ("{home}/.drush/site1.test.alias.drushrc.php", false),
                (
                    "{home}/config/server_master/nginx/vhost.d/site1.test",
                    false,
                ),
            ],
        },
        Step {
            name: "18 site2 delete",
            action: task("@site2.test", "provision-delete", &[], none()),
            reads: BACKUP_READS,
            http: &[("site2.test", Answer::NotServed)],
            files: &[
                ("{p2}/sites/site2.test", false),
                ("{home}/.drush/site2.test.alias.drushrc.php", false),
                (
                    "{home}/config/server_master/nginx/vhost.d/site2.test",
                    false,
                ),
            ],
        },
    ]
}

/// What one step gave: the time the driver measured, and every problem found.
struct Outcome {
    seconds: Option<f64>,
    problems: Vec<String>,
}

/// Runs a step and checks its result, the HTTP answers and the files.
fn run_step(aegir: &Aegir, backend: &Backend, step: &Step) -> Outcome {
    let report = match aegir.invoke(&step.action) {
        Ok(report) => report,
        Err(why) => {
            return Outcome {
                seconds: None,
                problems: vec![why],
            }
        }
    };
    dump(backend, step, &report);
    let mut problems = result_problems(step, &report);
    for (host, answer) in step.http {
        problems.extend(http_problem(aegir.suite.port, host, *answer));
    }
    for (template, exists) in step.files {
        let path = aegir.path(template);
        if path.exists() != *exists {
            let state = if *exists { "missing" } else { "still there" };
            problems.push(format!("{} {state}", path.display()));
        }
    }
    Outcome {
        seconds: report["seconds"].as_f64(),
        problems,
    }
}

/// Writes the driver's report to `$PROVISION_TEST_FLOW_DUMP/{backend}/{step}.json`
/// when that variable names a directory, to compare the two results key by key.
fn dump(backend: &Backend, step: &Step, report: &Json) {
    let Some(dir) = std::env::var_os("PROVISION_TEST_FLOW_DUMP") else {
        return;
    };
    let backend_dir = Path::new(&dir).join(match backend {
        Backend::Php(_) => "php",
        Backend::Rust => "rust",
    });
    fs::create_dir_all(&backend_dir).unwrap();
    let file = backend_dir.join(format!("{}.json", step.name.replace(' ', "-")));
    fs::write(file, serde_json::to_vec_pretty(report).unwrap()).unwrap();
}

/// Checks the parsed backend result as hosting reads it.
fn result_problems(step: &Step, report: &Json) -> Vec<String> {
    let result = &report["result"];
    let mut problems = Vec::new();
    if report["invoker"] == "drush_invoke_process" {
        problems.push("provision_backend_invoke() is not defined in the Drush process".into());
    }
    if let Some(errors) = report["drush_errors"].as_object().filter(|e| !e.is_empty()) {
        problems.push(format!("errors: {}", Json::Object(errors.clone())));
    }
    if result["error_status"] != json!(0) {
        problems.push(format!("error_status {}", result["error_status"]));
    }
    let is_task = step.action["kind"] == "task";
    for key in ["output", "error_status", "log", "error_log", "context"]
        .into_iter()
        .chain(is_task.then_some("self"))
    {
        if result.get(key).is_none() {
            problems.push(format!("no top-level key {key}"));
        }
    }
    for path in step.reads {
        match lookup(result, path) {
            None | Some(Json::Null) => problems.push(format!("no {path}")),
            Some(Json::String(s)) if s.is_empty() => problems.push(format!("empty {path}")),
            Some(_) => {}
        }
    }
    if let Some(file) = lookup(result, "context.backup_file").and_then(Json::as_str) {
        if !Path::new(file).is_file() {
            problems.push(format!("context.backup_file {file} does not exist"));
        }
    }
    let delete_status = &report["delete_result"]["error_status"];
    if step.action["command"] == "provision-delete" && *delete_status != json!(0) {
        problems.push(format!(
            "provision-save --delete: error_status {delete_status}"
        ));
    }
    problems
}

/// `a.b.c` inside a JSON value.
fn lookup<'v>(value: &'v Json, path: &str) -> Option<&'v Json> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// Polls the host's front page for up to 5 s (a reload takes a moment); the last
/// answer is the problem when it never matches.
fn http_problem(port: u16, host: &str, want: Answer) -> Option<String> {
    let start = Instant::now();
    loop {
        let (status, location, body) = fetch(port, host);
        let ok = match want {
            Answer::Serves => status == "200" && body.contains("Drupal 7"),
            Answer::NotServed => !(status == "200" && body.contains("Drupal")),
            Answer::Disabled => status.starts_with('3') && location.contains("disabled"),
        };
        if ok {
            return None;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let want = match want {
                Answer::Serves => "a Drupal 7 page",
                Answer::NotServed => "no Drupal page",
                Answer::Disabled => "a redirect to the disabled page",
            };
            return Some(format!("{host} answered {status} {location} (want {want})"));
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// GET / for `host` on 127.0.0.1: (status, redirect location, body); status `000`
/// when nothing answers.
fn fetch(port: u16, host: &str) -> (String, String, String) {
    let out = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            "-w",
            "\n%{http_code} %{redirect_url}",
            "-H",
        ])
        .arg(format!("Host: {host}"))
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, last) = text.rsplit_once('\n').unwrap_or(("", &text));
    let (status, location) = last.split_once(' ').unwrap_or((last, ""));
    (status.to_string(), location.to_string(), body.to_string())
}

/// Runs the 18 steps on a fresh Aegir for `backend`.
fn run_flow(suite: &Suite, backend: &Backend) -> Vec<(&'static str, Outcome)> {
    let aegir = Aegir::new(suite, backend);
    steps(&aegir)
        .iter()
        .map(|step| (step.name, run_step(&aegir, backend, step)))
        .collect()
}

/// Prints `step | ok/failed | why` for one backend.
fn print_results(backend: &Backend, outcomes: &[(&str, Outcome)]) {
    let passed = outcomes
        .iter()
        .filter(|(_, o)| o.problems.is_empty())
        .count();
    println!(
        "\n{}: {passed}/{} steps ok\n\n| step | result | why |\n|---|---|---|",
        backend.name(),
        outcomes.len()
    );
    for (name, outcome) in outcomes {
        let verdict = if outcome.problems.is_empty() {
            "ok"
        } else {
            "failed"
        };
        println!(
            "| {name} | {verdict} | {} |",
            outcome.problems.join("; ").replace('|', "\\|")
        );
    }
}

/// Prints each step's time under every backend that ran, side by side; with two
/// runs, also how many times faster the second was (`PHP s / Rust s`).
fn print_times(runs: &[(Backend, Vec<(&str, Outcome)>)]) {
    let names: Vec<&str> = runs.iter().map(|(b, _)| b.name()).collect();
    let ratio = runs.len() == 2;
    let header = if ratio { " speed-up |" } else { "" };
    let rule = if ratio { "---|" } else { "" };
    println!(
        "\n| step | {} s |{header}\n|---{}|{rule}",
        names.join(" s | "),
        "|---".repeat(names.len())
    );
    for (i, (step, _)) in runs[0].1.iter().enumerate() {
        let times: Vec<Option<f64>> = runs
            .iter()
            .map(|(_, outcomes)| outcomes[i].1.seconds)
            .collect();
        let cells: Vec<String> = times
            .iter()
            .map(|t| t.map_or("-".into(), |s| format!("{s:.2}")))
            .collect();
        let speed_up = match (ratio, times.first(), times.last()) {
            (true, Some(Some(first)), Some(Some(last))) => format!(" {:.1}x |", first / last),
            (true, ..) => " - |".into(),
            _ => String::new(),
        };
        println!("| {step} | {} |{speed_up}", cells.join(" | "));
    }
}

#[test]
fn hosting_flow() {
    let suite = match Suite::from_env() {
        Ok(suite) => suite,
        Err(why) => {
            println!("hosting_flow does nothing: {why}");
            return;
        }
    };
    let wanted =
        std::env::var("PROVISION_TEST_FLOW_BACKENDS").unwrap_or_else(|_| "php,rust".into());
    let mut backends = Vec::new();
    if let Some(dir) = suite
        .php_provision
        .as_ref()
        .filter(|_| wanted.contains("php"))
    {
        backends.push(Backend::Php(dir.clone()));
    }
    if wanted.contains("rust") {
        backends.push(Backend::Rust);
    }
    let runs: Vec<(Backend, Vec<(&str, Outcome)>)> = backends
        .into_iter()
        .map(|backend| {
            let outcomes = run_flow(&suite, &backend);
            print_results(&backend, &outcomes);
            (backend, outcomes)
        })
        .collect();
    print_times(&runs);
    let failed: Vec<String> = runs
        .iter()
        .flat_map(|(backend, outcomes)| {
            outcomes
                .iter()
                .filter(|(_, o)| !o.problems.is_empty())
                .map(move |(name, _)| format!("{}: {name}", backend.name()))
        })
        .collect();
    assert!(failed.is_empty(), "failed steps: {failed:?}");
}
