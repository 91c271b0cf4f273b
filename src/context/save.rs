//! provision-save's computation: the properties Aegir 3 saves for a context, from its
//! stored record and the options given, checked (host, user, the database
//! administrator's account) and deduplicated as Aegir does, for every alias file the
//! context has.

use super::build::{array_filter, array_unique, build, keep_contrib_keys, Host};
use super::mysql::{self, parse_master_db};
use super::nginx;
use super::store::Store;
use super::write::write_alias;
use super::{
    bare_name, php_string, prop_text, validate_host, validate_name, validate_user, ContextError,
    ContextType,
};
use crate::php::{PhpArray, Value};

/// Loads the record of `name` and computes what its save writes: its own alias file
/// and one per `drush_aliases` entry, each name with the properties Aegir computes
/// from the stored record and `options`. A server with a mysql service must answer
/// (a test database is created and dropped) unless `skip-db-check` is given.
pub fn plan_save(
    store: &Store,
    name: &str,
    options: &PhpArray,
) -> Result<Vec<(String, PhpArray)>, ContextError> {
    let record = store.load(name)?.unwrap_or_default();
    let options = array_filter(options);
    let ctype = context_type(&record, &options)?;
    let host = match ctype {
        ContextType::Server => Host::detect(),
        _ => Host::default(),
    };
    let mut props = build(name, ctype, &record, &options, &host, store)?;
    keep_contrib_keys(&mut props, &record, &options);
    if ctype == ContextType::Server {
        validate_host(&prop_text(&props, "remote_host"))?;
        validate_user(&prop_text(&props, "script_user"))?;
    }
    for list in ["aliases", "drush_aliases"] {
        if let Some(Value::Array(a)) = props.get_str(list) {
            let unique = array_unique(a);
            props.set(list, Value::Array(unique));
        }
    }
    if ctype == ContextType::Server {
        if !options
            .get_str("skip-db-check")
            .is_some_and(Value::is_truthy)
        {
            check_db(&mut props)?;
        }
        let http = prop_text(&props, "http_service_type");
        if let ("nginx", ssl) = super::build::http_flavour(&http) {
            nginx::save_server(&mut props, ssl);
        }
    }
    let mut files = vec![(name.to_string(), props.clone())];
    for alias in drush_alias_names(&props)? {
        files.push((alias, props.clone()));
    }
    Ok(files)
}

/// Writes the alias files [`plan_save`] computed, each atomically.
pub fn write_saved(store: &Store, files: &[(String, PhpArray)]) -> Result<(), ContextError> {
    files
        .iter()
        .try_for_each(|(name, props)| write_alias(&store.dir, name, props))
}

/// For a mysql service: the server must answer and create a test database;
/// `utf8mb4_is_supported` records what it supports.
fn check_db(props: &mut PhpArray) -> Result<(), ContextError> {
    if prop_text(props, "db_service_type") != "mysql" {
        return Ok(());
    }
    let url = prop_text(props, "master_db");
    let db = parse_master_db(&url).ok_or_else(|| {
        ContextError::Invalid(
            "A mysql service needs --master_db=mysql://USER:PASSWORD@HOST[:PORT].".into(),
        )
    })?;
    let utf8mb4 = mysql::check(&db, &prop_text(props, "db_port"))?;
    props.set("utf8mb4_is_supported", Value::Bool(utf8mb4));
    Ok(())
}

/// The type: the stored record's, else the option's, else server.
fn context_type(record: &PhpArray, options: &PhpArray) -> Result<ContextType, ContextError> {
    let ty = [record, options]
        .iter()
        .find_map(|a| a.get_str("context_type").filter(|v| v.is_truthy()))
        .map(|v| String::from_utf8_lossy(&php_string(v)).into_owned())
        .unwrap_or_else(|| "server".to_string());
    ContextType::parse(&ty)
}

/// The names of a site's extra alias files, each checked as a file name.
pub(super) fn drush_alias_names(props: &PhpArray) -> Result<Vec<String>, ContextError> {
    let Some(Value::Array(list)) = props.get_str("drush_aliases") else {
        return Ok(Vec::new());
    };
    let mut names = Vec::new();
    for (_, v) in list.iter() {
        let name = String::from_utf8_lossy(&php_string(v)).into_owned();
        validate_name(bare_name(&name))?;
        names.push(name);
    }
    Ok(names)
}
