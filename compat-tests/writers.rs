//! Compat tests (writers): placeholder until its branch lands.
