<?php
// provision: evaluates one alias file with system PHP, the way Drush 8's loader
// includes it. Input on stdin: the serialized variables of the including scope.
// Output on stdout: serialize(array('output' => <text the file printed>,
// 'vars' => <the scope's variables afterwards>)).
if (!defined('DRUSH_VERSION')) {
  define('DRUSH_VERSION', '8.4.12');
  define('DRUSH_MAJOR_VERSION', '8');
  define('DRUSH_MINOR_VERSION', '4');
}
if (!function_exists('drush_server_home')) {
  function drush_server_home() {
    $home = getenv('HOME');
    return empty($home) ? NULL : rtrim($home, '/');
  }
}
function _provision_include_scoped() {
  extract(unserialize(stream_get_contents(STDIN)), EXTR_OVERWRITE);
  ob_start();
  include $GLOBALS['argv'][1];
  $_provision_output = ob_get_clean();
  $_provision_vars = get_defined_vars();
  unset($_provision_vars['_provision_output'], $_provision_vars['_provision_vars']);
  $_provision_vars = array_filter($_provision_vars, function ($v) {
    return !is_object($v) && !is_resource($v);
  });
  return array('output' => $_provision_output, 'vars' => $_provision_vars);
}
echo serialize(_provision_include_scoped());
