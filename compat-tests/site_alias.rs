//! Compat tests (site_alias): placeholder until its branch lands.
