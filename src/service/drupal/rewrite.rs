//! The path rewrite a Drupal 7 site's database needs after a deploy or migrate renamed the
//! site (`old_uri` → `uri`), done without bootstrapping Drupal.
//!
//! What Aegir 3's Drupal 7 deploy (`platform/drupal/deploy_7.inc`, run in deploy's post hook
//! after `updatedb`) does when the uri changed, and what this module does the same way:
//! - two passes, the first with OLD the old uri, the second with OLD `default` (a site that
//!   came from a standalone `sites/default`); each replaces, in this order,
//!   `//OLD/sites/OLD/files` by `//NEW/sites/NEW/files` (absolute file URLs, any scheme) and
//!   then `sites/OLD` by `sites/NEW`. [`UriRewrite::replacements`] lists the four pairs.
//! - SQL `REPLACE()` of those pairs in `block_custom.body` (when the table exists),
//!   `system.filename`, and the `_value` and `_summary` columns of the text fields'
//!   `field_data_*` and `field_revision_*` tables.
//! - `site_name`: every occurrence of the old uri is replaced by the new one.
//!
//! Where this differs, and why:
//! - Aegir asks Drupal's field info for the `text_long` and `text_with_summary` fields; here
//!   the schema is read instead (`information_schema` / `sqlite_master`): in
//!   `field_data_F` and `field_revision_F`, the columns `F_value` and `F_summary` whose SQL type
//!   is a TEXT type, which is how Drupal 7 stores those two field types (a short `text` field is
//!   a VARCHAR and is left alone, as Aegir leaves it). Only tables and columns that exist are
//!   touched; table prefixes are not supported.
//! - Variables: Aegir 3 leaves the `variable` table alone apart from `site_name` (its
//!   settings.php sets the file paths in `$conf`), while its Drupal 6 deploy rewrote the
//!   theme logo and favicon paths, the color module's files and the default picture. Here every
//!   variable whose serialized value holds one of the old patterns is unserialized, every
//!   string in it (nested arrays included) gets the same replacements as the text columns, and
//!   it is serialized again, so each `s:N:` length is right. Array keys are not rewritten: in
//!   Drupal variables they are setting names, machine names or indexes, and a rewritten key
//!   could collide with another and silently drop its value. A value that does not
//!   unserialize (corrupt, or an object) is left byte for byte as it is and reported.
//! - `site_name` gets only Aegir's uri replacement (when it is a string), not the path pairs.
//! - Like `variable_set()`, a rewrite of variables clears Drupal's cached copy of them
//!   (`cache_bootstrap`, cid `variables`). Other caches still hold old paths: the caller
//!   rebuilds them, as Aegir does right after.
//!
//! The replacements are sequential, exactly as Aegir's `REPLACE()` calls are, and so share
//! their edge cases: when the new uri starts with the old one (`example.com` →
//! `example.com.au`), an absolute URL rewritten by the first pair is matched again by the
//! second (`sites/example.com.au.au`); when it starts with `default`, the second pass matches
//! what the first wrote. The unit tests pin this.
//!
//! Each database is read first (schema, variables), then written in one transaction, which a
//! failure rolls back whole (MyISAM tables excepted: MySQL cannot roll them back). Each
//! variable is written only while it still holds the bytes it was read with, so a value
//! changed in between is reported, never overwritten.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::php::serialize::serialize;
use crate::php::unserialize::unserialize;
use crate::php::Value;
use crate::service::db::mysql::{self, quote_ident, MysqlServer};
use crate::service::db::sqlite;
use crate::service::error::{Result, ServiceError};
use crate::service::validate;

/// The site directory Aegir also rewrites from, after the old uri.
const DEFAULT_SITE: &str = "default";

/// The variable whose value gets the uri replacement instead of the path pairs.
const SITE_NAME: &[u8] = b"site_name";

/// Every old-side pattern contains this, so rows without it are never rewritten.
const PATTERN_CORE: &str = "sites/";

/// A site rename: the uri the site had and the uri it has now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UriRewrite {
    /// The uri the site had (Aegir's `old_uri`).
    pub old_uri: String,
    /// The uri the site has now.
    pub new_uri: String,
}

/// What the rewrite does to one variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VariableRewrite {
    /// Nothing to rewrite: the value stays as it is.
    Unchanged,
    /// The new serialized value.
    Rewritten(Vec<u8>),
    /// The value holds an old pattern but cannot be rewritten safely (the reason); it stays
    /// as it is.
    Skipped(String),
}

impl UriRewrite {
    /// A rename from `old_uri` to `new_uri`.
    pub fn new(old_uri: impl Into<String>, new_uri: impl Into<String>) -> Self {
        UriRewrite {
            old_uri: old_uri.into(),
            new_uri: new_uri.into(),
        }
    }

    /// True when the uri did not change: then nothing is rewritten.
    pub fn is_noop(&self) -> bool {
        self.old_uri == self.new_uri
    }

    /// The `(from, to)` pairs in the order they are applied; empty for a no-op rename.
    pub fn replacements(&self) -> Vec<(String, String)> {
        if self.is_noop() {
            return Vec::new();
        }
        let new = &self.new_uri;
        [self.old_uri.as_str(), DEFAULT_SITE]
            .into_iter()
            .flat_map(|old| {
                [
                    (
                        format!("//{old}/sites/{old}/files"),
                        format!("//{new}/sites/{new}/files"),
                    ),
                    (format!("sites/{old}"), format!("sites/{new}")),
                ]
            })
            .collect()
    }

    /// `text` with every replacement applied in order, as SQL `REPLACE()` applies them;
    /// `None` when nothing matched.
    pub fn rewrite_text(&self, text: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for (from, to) in self.replacements() {
            let current = out.as_deref().unwrap_or(text);
            if let Some(next) = replace_all(current, from.as_bytes(), to.as_bytes()) {
                out = Some(next);
            }
        }
        out
    }

    /// Rewrites one `variable` row given its name and serialized value.
    pub fn rewrite_variable(&self, name: &[u8], serialized: &[u8]) -> VariableRewrite {
        if self.is_noop() || !self.may_hold_pattern(name, serialized) {
            return VariableRewrite::Unchanged;
        }
        let mut value = match unserialize(serialized) {
            Ok(value) => value,
            Err(e) => return VariableRewrite::Skipped(e.to_string()),
        };
        let changed = if name == SITE_NAME {
            self.rewrite_site_name(&mut value)
        } else {
            walk_strings(&mut value, &|s| self.rewrite_text(s))
        };
        if changed {
            VariableRewrite::Rewritten(serialize(&value))
        } else {
            VariableRewrite::Unchanged
        }
    }

    /// Whether the serialized bytes contain what this variable's rule looks for.
    fn may_hold_pattern(&self, name: &[u8], serialized: &[u8]) -> bool {
        if name == SITE_NAME {
            return contains(serialized, self.old_uri.as_bytes());
        }
        self.replacements()
            .iter()
            .any(|(from, _)| contains(serialized, from.as_bytes()))
    }

    /// `site_name`, when a string: every occurrence of the old uri replaced by the new one.
    fn rewrite_site_name(&self, value: &mut Value) -> bool {
        let Value::Str(text) = value else {
            return false;
        };
        match replace_all(text, self.old_uri.as_bytes(), self.new_uri.as_bytes()) {
            Some(new) => {
                *text = new;
                true
            }
            None => false,
        }
    }

    /// Refuses uris that are not host names, before any of them reaches SQL.
    fn validate(&self) -> Result<()> {
        validate::uri(&self.old_uri)?;
        validate::uri(&self.new_uri)
    }
}

/// Applies `rewrite` to every string value inside `value` (array keys are left alone);
/// true when any string changed.
fn walk_strings(value: &mut Value, rewrite: &dyn Fn(&[u8]) -> Option<Vec<u8>>) -> bool {
    match value {
        Value::Str(text) => match rewrite(text) {
            Some(new) => {
                *text = new;
                true
            }
            None => false,
        },
        Value::Array(array) => {
            // Every element is visited: no short-circuit once one changed.
            let mut changed = false;
            for v in array.values_mut() {
                changed |= walk_strings(v, rewrite);
            }
            changed
        }
        _ => false,
    }
}

/// `haystack` with every non-overlapping `needle` (left to right) replaced by
/// `replacement`, or `None` when there is none. `needle` must not be empty.
fn replace_all(haystack: &[u8], needle: &[u8], replacement: &[u8]) -> Option<Vec<u8>> {
    let first = find(haystack, needle)?;
    let mut out = Vec::with_capacity(haystack.len() + replacement.len());
    let mut rest = haystack;
    let mut at = Some(first);
    while let Some(i) = at {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(replacement);
        rest = &rest[i + needle.len()..];
        at = find(rest, needle);
    }
    out.extend_from_slice(rest);
    Some(out)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// A Drupal 7 site's database, reached through its engine's command-line client.
#[derive(Clone, Debug)]
pub enum SiteDatabase {
    /// A database on a MySQL or MariaDB server (the `mysql` client).
    Mysql {
        /// The server and the admin account that reaches it.
        server: MysqlServer,
        /// The site's database.
        db_name: String,
    },
    /// An SQLite database file (the `sqlite3` client).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
}

/// A text column the rewrite ran `REPLACE()` on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextColumn {
    /// The table.
    pub table: String,
    /// The column.
    pub column: String,
}

/// A variable left untouched although it holds an old pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedVariable {
    /// The variable's name.
    pub name: String,
    /// Why it was left as it is.
    pub reason: String,
}

/// What [`rewrite_database`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RewriteReport {
    /// The text columns rewritten with `REPLACE()`, in the order they were.
    pub columns: Vec<TextColumn>,
    /// The variables rewritten, by name, in the database's name order.
    pub variables: Vec<String>,
    /// The variables that hold an old pattern but were left as they are.
    pub skipped: Vec<SkippedVariable>,
}

/// One column of the database's schema.
struct SchemaColumn {
    table: String,
    column: String,
    sql_type: String,
}

/// A variable to write: its name, old and new serialized bytes.
struct VariableUpdate {
    name: String,
    old: Vec<u8>,
    new: Vec<u8>,
}

/// Rewrites the site's database for the rename (see the module documentation) and reports
/// what changed, through the `mysql` or `sqlite3` client. A no-op rename touches nothing.
pub fn rewrite_database(db: &SiteDatabase, rename: &UriRewrite) -> Result<RewriteReport> {
    rename.validate()?;
    if rename.is_noop() {
        return Ok(RewriteReport::default());
    }
    let schema = db.schema()?;
    let columns = text_columns(&schema);
    let mut report = RewriteReport {
        columns: columns.clone(),
        ..RewriteReport::default()
    };
    let updates = if has_column(&schema, "variable", "value") {
        plan_variables(db.variables()?, rename, &mut report.skipped)
    } else {
        Vec::new()
    };
    let clear_cache = !updates.is_empty() && has_column(&schema, "cache_bootstrap", "cid");
    let script = db.write_script(&rename.replacements(), &columns, &updates, clear_cache);
    let written = db.changed_counts(&db.run(&script)?, updates.len())?;
    record_written(&mut report, updates, &written);
    Ok(report)
}

/// Reports each update as written, or as skipped when its guard matched no row.
fn record_written(report: &mut RewriteReport, updates: Vec<VariableUpdate>, counts: &[u64]) {
    for (update, count) in updates.into_iter().zip(counts) {
        if *count == 0 {
            report.skipped.push(SkippedVariable {
                name: update.name,
                reason: "changed while it was being rewritten".into(),
            });
        } else {
            report.variables.push(update.name);
        }
    }
}

/// The text columns to rewrite, in a fixed order: `system.filename`, `block_custom.body`,
/// then the text fields' columns by table.
fn text_columns(schema: &[SchemaColumn]) -> Vec<TextColumn> {
    let named = [("system", "filename"), ("block_custom", "body")]
        .into_iter()
        .filter(|(t, c)| has_column(schema, t, c))
        .map(|(t, c)| TextColumn {
            table: t.into(),
            column: c.into(),
        });
    let fields = schema
        .iter()
        .filter(|c| is_text_field_column(c))
        .map(|c| TextColumn {
            table: c.table.clone(),
            column: c.column.clone(),
        });
    named.chain(fields).collect()
}

/// `F_value` or `F_summary` of TEXT type in `field_data_F` or `field_revision_F`.
fn is_text_field_column(c: &SchemaColumn) -> bool {
    let field = ["field_data_", "field_revision_"]
        .iter()
        .find_map(|prefix| c.table.strip_prefix(prefix));
    let Some(field) = field.filter(|f| !f.is_empty()) else {
        return false;
    };
    let is_text = c.sql_type.to_ascii_lowercase().ends_with("text");
    is_text && [format!("{field}_value"), format!("{field}_summary")].contains(&c.column)
}

fn has_column(schema: &[SchemaColumn], table: &str, column: &str) -> bool {
    schema
        .iter()
        .any(|c| c.table == table && c.column == column)
}

/// The variables to write; what cannot be rewritten goes to `skipped`.
fn plan_variables(
    rows: Vec<(Vec<u8>, Vec<u8>)>,
    rename: &UriRewrite,
    skipped: &mut Vec<SkippedVariable>,
) -> Vec<VariableUpdate> {
    let mut updates = Vec::new();
    for (name, old) in rows {
        let shown = String::from_utf8_lossy(&name).into_owned();
        let skip = |reason: String| SkippedVariable {
            name: shown.clone(),
            reason,
        };
        match rename.rewrite_variable(&name, &old) {
            VariableRewrite::Unchanged => {}
            VariableRewrite::Skipped(reason) => skipped.push(skip(reason)),
            VariableRewrite::Rewritten(new) => match sql_safe_name(name) {
                Some(name) => updates.push(VariableUpdate { name, old, new }),
                None => skipped.push(skip("its name is not UTF-8 text without NUL".into())),
            },
        }
    }
    updates
}

/// A variable name that can go into an SQL string literal.
fn sql_safe_name(name: Vec<u8>) -> Option<String> {
    String::from_utf8(name).ok().filter(|n| !n.contains('\0'))
}

impl SiteDatabase {
    /// The client program, for errors.
    fn program(&self) -> &'static str {
        match self {
            SiteDatabase::Mysql { .. } => "mysql",
            SiteDatabase::Sqlite { .. } => "sqlite3",
        }
    }

    /// Runs statements on the site's database and returns the rows.
    fn run(&self, sql: &str) -> Result<String> {
        match self {
            SiteDatabase::Mysql { server, db_name } => {
                mysql::validate_db_name(db_name)?;
                server.query(&mysql_script(db_name, sql), &[])
            }
            SiteDatabase::Sqlite { path } => sqlite::query(path, sql),
        }
    }

    /// A string literal in this engine's syntax.
    fn literal(&self, text: &str) -> String {
        match self {
            SiteDatabase::Mysql { .. } => mysql::quote_str(text),
            SiteDatabase::Sqlite { .. } => sqlite::quote_str(text),
        }
    }

    /// Every table's columns and types, hex-encoded so any name survives the output format.
    fn schema(&self) -> Result<Vec<SchemaColumn>> {
        let sql = match self {
            SiteDatabase::Mysql { .. } => {
                "SELECT HEX(`TABLE_NAME`), HEX(`COLUMN_NAME`), HEX(`DATA_TYPE`) \
                 FROM `information_schema`.`COLUMNS` WHERE `TABLE_SCHEMA` = DATABASE() \
                 ORDER BY `TABLE_NAME`, `ORDINAL_POSITION`;"
            }
            SiteDatabase::Sqlite { .. } => {
                "SELECT hex(`m`.`name`), hex(`p`.`name`), hex(`p`.`type`) \
                 FROM `sqlite_master` AS `m` JOIN pragma_table_info(`m`.`name`) AS `p` \
                 WHERE `m`.`type` = 'table' ORDER BY `m`.`name`, `p`.`cid`;"
            }
        };
        let rows = self.hex_rows::<3>(&self.run(sql)?)?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let [table, column, sql_type] =
                    row.map(|f| String::from_utf8_lossy(&f).into_owned());
                SchemaColumn {
                    table,
                    column,
                    sql_type,
                }
            })
            .collect())
    }

    /// Every `(name, value)` of the `variable` table, bytes as stored.
    fn variables(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let sql = "SELECT HEX(`name`), HEX(`value`) FROM `variable` ORDER BY `name`;";
        let rows = self.hex_rows::<2>(&self.run(sql)?)?;
        Ok(rows.into_iter().map(|[n, v]| (n, v)).collect())
    }

    /// Output lines of `N` tab-separated hex fields, decoded.
    fn hex_rows<const N: usize>(&self, out: &str) -> Result<Vec<[Vec<u8>; N]>> {
        out.lines()
            .map(|line| {
                let fields: Option<Vec<Vec<u8>>> = line.split('\t').map(from_hex).collect();
                fields
                    .and_then(|f| <[Vec<u8>; N]>::try_from(f).ok())
                    .ok_or_else(|| self.unexpected(format!("not {N} hex fields: {line:?}")))
            })
            .collect()
    }

    fn unexpected(&self, why: String) -> ServiceError {
        ServiceError::Output {
            program: self.program().into(),
            why,
        }
    }

    /// One transaction: the text columns' `REPLACE()`s, each variable's guarded update
    /// followed by its changed-row count, and the variables cache entry.
    fn write_script(
        &self,
        pairs: &[(String, String)],
        columns: &[TextColumn],
        updates: &[VariableUpdate],
        clear_cache: bool,
    ) -> String {
        let (begin, changed) = match self {
            SiteDatabase::Mysql { .. } => ("START TRANSACTION;", "SELECT ROW_COUNT();"),
            SiteDatabase::Sqlite { .. } => ("BEGIN IMMEDIATE;", "SELECT changes();"),
        };
        let mut sql = format!("{begin}\n");
        for column in columns {
            sql += &self.replace_statement(column, pairs);
        }
        for update in updates {
            sql += &self.variable_statement(update);
            sql += &format!("{changed}\n");
        }
        if clear_cache {
            sql += &format!(
                "DELETE FROM `cache_bootstrap` WHERE `cid` = {};\n",
                self.literal("variables")
            );
        }
        sql + "COMMIT;\n"
    }

    /// `UPDATE t SET c = REPLACE(REPLACE(c, …), …)` over the rows that may match.
    fn replace_statement(&self, column: &TextColumn, pairs: &[(String, String)]) -> String {
        let col = quote_ident(&column.column);
        let expr = pairs.iter().fold(col.clone(), |expr, (from, to)| {
            format!(
                "REPLACE({expr}, {}, {})",
                self.literal(from),
                self.literal(to)
            )
        });
        let filter = self.literal(&format!("%{PATTERN_CORE}%"));
        format!(
            "UPDATE {} SET {col} = {expr} WHERE {col} LIKE {filter};\n",
            quote_ident(&column.table)
        )
    }

    /// The variable's new bytes, written only while it still holds the bytes it was read with.
    fn variable_statement(&self, update: &VariableUpdate) -> String {
        let stored = match self {
            SiteDatabase::Mysql { .. } => "`value`",
            SiteDatabase::Sqlite { .. } => "CAST(`value` AS BLOB)",
        };
        format!(
            "UPDATE `variable` SET `value` = X'{}' WHERE `name` = {} AND {stored} = X'{}';\n",
            to_hex(&update.new),
            self.literal(&update.name),
            to_hex(&update.old)
        )
    }

    /// The changed-row counts the write script printed, one per variable update.
    fn changed_counts(&self, out: &str, expected: usize) -> Result<Vec<u64>> {
        let counts: Option<Vec<u64>> = out.lines().map(|l| l.trim().parse().ok()).collect();
        counts
            .filter(|c| c.len() == expected)
            .ok_or_else(|| self.unexpected(format!("not {expected} row counts: {out:?}")))
    }
}

/// `sql` on the site's database over a utf8mb4 connection: the client's own default follows
/// the locale (latin1 under `LANG=C`), which would garble non-ASCII variable names.
fn mysql_script(db_name: &str, sql: &str) -> String {
    format!("SET NAMES utf8mb4;\nUSE {};\n{sql}", quote_ident(db_name))
}

fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02X}");
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rename() -> UriRewrite {
        UriRewrite::new("old.example.com", "new.example.org")
    }

    fn text(rw: &UriRewrite, s: &str) -> String {
        String::from_utf8(rw.rewrite_text(s.as_bytes()).unwrap_or(s.into())).unwrap()
    }

    #[test]
    fn pairs_follow_aegir_order_old_then_default() {
        let pairs = rename().replacements();
        let want = [
            (
                "//old.example.com/sites/old.example.com/files",
                "//new.example.org/sites/new.example.org/files",
            ),
            ("sites/old.example.com", "sites/new.example.org"),
            (
                "//default/sites/default/files",
                "//new.example.org/sites/new.example.org/files",
            ),
            ("sites/default", "sites/new.example.org"),
        ];
        assert_eq!(pairs.len(), want.len());
        for ((from, to), (want_from, want_to)) in pairs.iter().zip(want) {
            assert_eq!((from.as_str(), to.as_str()), (want_from, want_to));
            assert!(from.contains(PATTERN_CORE), "the LIKE filter must hold");
        }
        assert!(UriRewrite::new("a.com", "a.com").replacements().is_empty());
    }

    #[test]
    fn text_gets_absolute_urls_and_paths() {
        let rw = rename();
        assert_eq!(
            text(
                &rw,
                "https://old.example.com/sites/old.example.com/files/a.png"
            ),
            "https://new.example.org/sites/new.example.org/files/a.png"
        );
        assert_eq!(
            text(&rw, "sites/old.example.com/files sites/default/x"),
            "sites/new.example.org/files sites/new.example.org/x"
        );
        assert_eq!(text(&rw, "old.example.com"), "old.example.com");
        assert_eq!(rw.rewrite_text(b"nothing here"), None);
    }

    #[test]
    fn aegir_edge_cases_are_kept() {
        // The new uri starts with the old one: the second pair matches the first's output.
        let rw = UriRewrite::new("a.com", "a.com.au");
        assert_eq!(
            text(&rw, "//a.com/sites/a.com/files/x sites/a.com/y"),
            "//a.com.au/sites/a.com.au.au/files/x sites/a.com.au/y"
        );
        // The new uri starts with "default": the second pass matches the first's output.
        let rw = UriRewrite::new("a.com", "default.org");
        assert_eq!(text(&rw, "sites/a.com/x"), "sites/default.org.org/x");
    }

    #[test]
    fn variables_keep_keys_and_exact_lengths() {
        let rw = rename();
        let old = r#"a:3:{s:9:"logo_path";s:36:"sites/old.example.com/files/logo.png";s:21:"sites/old.example.com";i:1;i:0;s:2:"ü";}"#;
        let want = r#"a:3:{s:9:"logo_path";s:36:"sites/new.example.org/files/logo.png";s:21:"sites/old.example.com";i:1;i:0;s:2:"ü";}"#;
        assert_eq!(
            rw.rewrite_variable(b"theme_settings", old.as_bytes()),
            VariableRewrite::Rewritten(want.as_bytes().to_vec())
        );
        let two = br#"a:2:{i:0;s:15:"sites/default/a";i:1;a:1:{i:0;s:15:"sites/default/b";}}"#;
        let want = br#"a:2:{i:0;s:23:"sites/new.example.org/a";i:1;a:1:{i:0;s:23:"sites/new.example.org/b";}}"#;
        assert_eq!(
            rw.rewrite_variable(b"color_files", two),
            VariableRewrite::Rewritten(want.to_vec())
        );
        let key_only = br#"a:1:{s:21:"sites/old.example.com";i:1;}"#;
        assert_eq!(
            rw.rewrite_variable(b"x", key_only),
            VariableRewrite::Unchanged
        );
        assert_eq!(
            rw.rewrite_variable(b"x", br#"s:3:"abc";"#),
            VariableRewrite::Unchanged
        );
    }

    #[test]
    fn site_name_gets_the_uri_only() {
        let rw = rename();
        let got = rw.rewrite_variable(b"site_name", br#"s:18:"old.example.com ok";"#);
        assert_eq!(
            got,
            VariableRewrite::Rewritten(br#"s:18:"new.example.org ok";"#.to_vec())
        );
        let array = br#"a:1:{i:0;s:15:"old.example.com";}"#;
        assert_eq!(
            rw.rewrite_variable(b"site_name", array),
            VariableRewrite::Unchanged
        );
        assert_eq!(
            rw.rewrite_variable(b"site_slogan", br#"s:15:"old.example.com";"#),
            VariableRewrite::Unchanged
        );
    }

    #[test]
    fn unreadable_values_are_skipped() {
        let rw = rename();
        for bad in [
            &br#"s:99:"sites/old.example.com";"#[..],
            br#"O:8:"stdClass":1:{s:1:"p";s:21:"sites/old.example.com";}"#,
        ] {
            assert!(matches!(
                rw.rewrite_variable(b"x", bad),
                VariableRewrite::Skipped(_)
            ));
        }
        let noop = UriRewrite::new("a.com", "a.com");
        assert_eq!(
            noop.rewrite_variable(b"x", b"s:99:\"sites/a.com\";"),
            VariableRewrite::Unchanged
        );
    }

    #[test]
    fn field_columns_are_found_by_name_and_type() {
        let col = |table: &str, column: &str, sql_type: &str| SchemaColumn {
            table: table.into(),
            column: column.into(),
            sql_type: sql_type.into(),
        };
        let schema = [
            col("block_custom", "body", "longtext"),
            col("field_data_body", "body_value", "longtext"),
            col("field_data_body", "body_format", "varchar"),
            col("field_revision_body", "body_summary", "TEXT"),
            col("field_data_field_tag", "field_tag_value", "VARCHAR(255)"),
            col("field_data_x", "y_value", "longtext"),
            col("field_data_", "_value", "longtext"),
            col("system", "filename", "varchar"),
        ];
        let got: Vec<String> = text_columns(&schema)
            .into_iter()
            .map(|c| format!("{}.{}", c.table, c.column))
            .collect();
        assert_eq!(
            got,
            [
                "system.filename",
                "block_custom.body",
                "field_data_body.body_value",
                "field_revision_body.body_summary"
            ]
        );
    }

    #[test]
    fn sql_quotes_identifiers_and_literals_per_engine() {
        let rw = rename();
        let column = TextColumn {
            table: "field_data_body".into(),
            column: "body_value".into(),
        };
        let sqlite = SiteDatabase::Sqlite {
            path: PathBuf::from("/nonexistent/db.sqlite"),
        };
        let stmt = sqlite.replace_statement(&column, &rw.replacements()[1..2]);
        assert_eq!(
            stmt,
            "UPDATE `field_data_body` SET `body_value` = REPLACE(`body_value`, \
             'sites/old.example.com', 'sites/new.example.org') WHERE `body_value` LIKE '%sites/%';\n"
        );
        let update = VariableUpdate {
            name: "it's".into(),
            old: b"s:1:\"\\\";".to_vec(),
            new: vec![0, 255],
        };
        assert_eq!(
            sqlite.variable_statement(&update),
            "UPDATE `variable` SET `value` = X'00FF' WHERE `name` = 'it''s' \
             AND CAST(`value` AS BLOB) = X'733A313A225C223B';\n"
        );
    }

    #[test]
    fn mysql_runs_on_the_site_db_in_utf8mb4() {
        assert_eq!(
            mysql_script("a`b", "SELECT 1;"),
            "SET NAMES utf8mb4;\nUSE `a``b`;\nSELECT 1;"
        );
    }

    #[test]
    fn a_guard_that_matched_nothing_is_reported_as_skipped() {
        let update = |name: &str| VariableUpdate {
            name: name.into(),
            old: Vec::new(),
            new: Vec::new(),
        };
        let mut report = RewriteReport::default();
        record_written(&mut report, vec![update("a"), update("b")], &[1, 0]);
        assert_eq!(report.variables, ["a"]);
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].name, "b");
    }

    #[test]
    fn hex_round_trips_and_refuses_garbage() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(from_hex(&to_hex(&bytes)), Some(bytes));
        for bad in ["A", "GG", "NULL", "é0"] {
            assert_eq!(from_hex(bad), None, "{bad}");
        }
    }

    #[test]
    fn bad_uris_are_refused_before_any_sql() {
        let db = SiteDatabase::Sqlite {
            path: PathBuf::from("/nonexistent/db.sqlite"),
        };
        for (old, new) in [("a'b", "c.com"), ("a.com", "x/../y"), ("", "a.com")] {
            let err = rewrite_database(&db, &UriRewrite::new(old, new)).unwrap_err();
            assert!(matches!(err, ServiceError::Invalid { .. }), "{err}");
        }
        let noop = rewrite_database(&db, &UriRewrite::new("a.com", "a.com")).unwrap();
        assert_eq!(noop, RewriteReport::default());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_never_panic(
            name in proptest::collection::vec(proptest::num::u8::ANY, 0..12),
            value in proptest::collection::vec(proptest::num::u8::ANY, 0..80),
        ) {
            let rw = UriRewrite::new("a.com", "bb.org");
            let _ = rw.rewrite_variable(&name, &value);
            let _ = rw.rewrite_text(&value);
            let _ = from_hex(&String::from_utf8_lossy(&value));
        }
    }
}
