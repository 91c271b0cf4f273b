//! Drush's own `drush_var_export()`. (Placeholder; the writers branch implements it.)
