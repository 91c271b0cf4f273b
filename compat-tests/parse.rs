//! Compat tests (parse): placeholder until its branch lands.
