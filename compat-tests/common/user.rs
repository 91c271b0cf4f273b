//! The unprivileged user tests run tasks as, the way Aegir runs its backend (as `aegir`,
//! reloading the web servers through sudo): `scripts/services/aegir-user` creates it,
//! a member of the web server's group www-data, with a sudoers rule for exactly the
//! test web servers' reload/graceful commands. The tests themselves stay root, so they
//! can read (and clean up) everything the user made.

use super::live::{fact, service_env};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The task user and the restart commands it may run (from `aegir-user.env`).
#[derive(Clone, Debug)]
pub struct TaskUser {
    /// Its name (`PROVISION_TEST_USER`, default `aegir`).
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// `sudo -n /usr/sbin/nginx -c CONF -s reload` for the test nginx.
    pub nginx_reload: String,
    /// `sudo -n /usr/bin/env APACHE_CONFDIR=DIR /usr/sbin/apache2ctl graceful`.
    pub apache_graceful: String,
}

/// The task user; fails naming the script when it was not created.
pub fn task_user() -> TaskUser {
    let env = service_env("aegir-user");
    let user = TaskUser {
        name: fact(&env, "USER"),
        uid: fact(&env, "UID").parse().unwrap(),
        gid: fact(&env, "GID").parse().unwrap(),
        nginx_reload: fact(&env, "NGINX_RELOAD"),
        apache_graceful: fact(&env, "APACHE_GRACEFUL"),
    };
    assert_ne!(user.uid, 0, "the task user must not be root");
    user
}

impl TaskUser {
    /// Gives `path` and everything under it (symlinks themselves, not their targets)
    /// to this user and its group, as Aegir's files belong to `aegir`.
    pub fn chown_tree(&self, path: &Path) {
        for entry in walkdir::WalkDir::new(path) {
            let entry = entry.unwrap();
            std::os::unix::fs::lchown(entry.path(), Some(self.uid), Some(self.gid))
                .unwrap_or_else(|e| panic!("chown {}: {e}", entry.path().display()));
        }
    }

    /// A command running `program` as this user (real and effective ids, its groups
    /// from /etc/group, so www-data too), with HOME=`home` and its USER/LOGNAME.
    pub fn command(&self, program: &Path, home: &Path) -> Command {
        let mut cmd = Command::new("setpriv");
        cmd.arg(format!("--reuid={}", self.uid))
            .arg(format!("--regid={}", self.gid))
            .arg("--init-groups")
            .arg("--")
            .arg(program)
            .env("HOME", home)
            .env("USER", &self.name)
            .env("LOGNAME", &self.name);
        cmd
    }

    /// Runs `provision` with `args` as this user, HOME set to `home`, and returns its
    /// output.
    pub fn provision(&self, args: &[&str], home: &Path) -> Output {
        self.command(&super::provision_bin(), home)
            .args(args)
            .env_remove("DRUSH_OPTIONS_URI")
            .stdin(Stdio::null())
            .output()
            .expect("run provision through setpriv")
    }
}
