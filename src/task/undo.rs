//! What a task made, recorded as it goes, so a failure can take it back in reverse.

use super::progress::Progress;
use super::publish::PublishPlan;
use crate::context::write::delete_alias;
use crate::service::db::mysql::MysqlServer;
use crate::service::db::{sqlite, SiteDb};
use crate::service::drupal;
use crate::service::http::{self, HttpServer, SiteVhost};
use std::path::PathBuf;

/// One thing a task made.
#[derive(Debug)]
pub enum Undo {
    /// A directory the task created (removed with its contents).
    Dir(PathBuf),
    /// A file the task created.
    File(PathBuf),
    /// A file the task rewrote: its old bytes, written back (atomically, mode 0440).
    Restore {
        /// The file.
        path: PathBuf,
        /// What it held.
        bytes: Vec<u8>,
    },
    /// A MySQL database, its user and grants (dropped, revoked).
    MysqlDb {
        /// The database server.
        server: MysqlServer,
        /// The site's credentials.
        db: SiteDb,
        /// The grant hosts besides 127.0.0.1.
        web_hosts: Vec<String>,
    },
    /// A SQLite database file.
    SqliteDb {
        /// The site directory.
        site_path: PathBuf,
        /// The database name.
        db_name: String,
    },
    /// A site vhost (removed, then a server on this machine reloaded).
    Vhost {
        /// The web server.
        server: HttpServer,
        /// The site uri.
        uri: String,
        /// True for a server on this machine (a remote one is reloaded by
        /// [`Undo::Republish`]).
        restart: bool,
    },
    /// A site vhost the task removed (written back; [`Undo::Republish`] reloads).
    WriteVhost {
        /// The web server.
        server: HttpServer,
        /// The vhost as it was.
        vhost: SiteVhost,
    },
    /// What a task publishes to remote servers, sent again once everything it made
    /// here is undone, so the remote copies follow (push it first: it runs last).
    Republish(PublishPlan),
    /// A site's entries in `sites/sites.php`.
    SitesPhp {
        /// The platform root.
        root: PathBuf,
        /// The site uri.
        uri: String,
    },
    /// An alias file (the context is forgotten).
    Alias {
        /// The alias directory.
        dir: PathBuf,
        /// The context name.
        name: String,
    },
}

/// The things made so far, newest last.
#[derive(Debug, Default)]
pub struct UndoLog {
    steps: Vec<Undo>,
}

impl UndoLog {
    /// An empty log.
    pub fn new() -> UndoLog {
        UndoLog::default()
    }

    /// Records one more thing made.
    pub fn push(&mut self, undo: Undo) {
        self.steps.push(undo);
    }

    /// Takes everything back, newest first, logging each step; a step that fails is
    /// logged as a warning and the rest still run.
    pub fn roll_back(self, progress: &mut Progress) {
        for step in self.steps.into_iter().rev() {
            let what = describe(&step);
            match apply(step) {
                Ok(()) => progress.step(format!("Rolled back: {what}")),
                Err(e) => progress.warning(format!("Rollback of {what} failed: {e}")),
            }
        }
    }
}

fn describe(step: &Undo) -> String {
    match step {
        Undo::Dir(p) => format!("removed directory {}", p.display()),
        Undo::File(p) => format!("removed {}", p.display()),
        Undo::Restore { path, .. } => format!("restored {}", path.display()),
        Undo::MysqlDb { db, .. } => format!("dropped database {} and its grants", db.name),
        Undo::SqliteDb { db_name, .. } => format!("removed SQLite database {db_name}"),
        Undo::Vhost { uri, .. } => format!("removed the vhost of {uri}"),
        Undo::WriteVhost { vhost, .. } => format!("wrote the vhost of {} back", vhost.uri),
        Undo::Republish(_) => "published the web servers' files again and reloaded".into(),
        Undo::SitesPhp { uri, .. } => format!("removed {uri} from sites.php"),
        Undo::Alias { name, .. } => format!("deleted the alias {name}"),
    }
}

fn apply(step: Undo) -> Result<(), String> {
    let s = |e: &dyn std::fmt::Display| e.to_string();
    match step {
        Undo::Dir(p) => crate::fsutil::remove_created_tree(&p).map_err(|e| s(&e)),
        Undo::File(p) => crate::fsutil::remove_file_if_exists(&p).map_err(|e| s(&e)),
        Undo::Restore { path, bytes } => {
            crate::context::write::atomic_write(&path, &bytes).map_err(|e| s(&e))
        }
        Undo::MysqlDb {
            server,
            db,
            web_hosts,
        } => server.drop_site_db(&db, &web_hosts).map_err(|e| s(&e)),
        Undo::SqliteDb { site_path, db_name } => {
            sqlite::drop(&site_path, &db_name).map_err(|e| s(&e))
        }
        Undo::Vhost {
            server,
            uri,
            restart,
        } => http::delete_site(&server, &uri)
            .and_then(|()| {
                if restart {
                    http::restart(&server)
                } else {
                    Ok(())
                }
            })
            .map_err(|e| s(&e)),
        Undo::WriteVhost { server, vhost } => http::write_site(&server, &vhost).map_err(|e| s(&e)),
        Undo::Republish(plan) => plan.resend(),
        Undo::SitesPhp { root, uri } => {
            drupal::remove_from_sites_php(&root, &uri).map_err(|e| s(&e))
        }
        Undo::Alias { dir, name } => delete_alias(&dir, &name).map_err(|e| s(&e)),
    }
}
