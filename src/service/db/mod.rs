//! Database services: `mysql` (MariaDB 10.11 and MySQL 8, through the `mysql` client
//! programs) and `sqlite` (a file in the site's private directory, no server), plus
//! Aegir's naming of a site's database, user and password.

pub mod mysql;
pub mod naming;
pub mod sqlite;

/// A site's database credentials (`db_name`, `db_user`, `db_passwd`).
#[derive(Clone, PartialEq, Eq)]
pub struct SiteDb {
    /// Database name.
    pub name: String,
    /// User name (Aegir makes it equal to the database name).
    pub user: String,
    /// Password.
    pub password: String,
}

impl std::fmt::Debug for SiteDb {
    /// Never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteDb")
            .field("name", &self.name)
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}
