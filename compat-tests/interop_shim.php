<?php
// A stand-in for the few Drush 8 API functions shim/provision_rs.drush.inc calls.
// It records what the shim does and prints it as JSON.
// Usage: php interop_shim.php SHIM BINARY TARGET COMMAND JSON_OPTIONS [ARGS...]
define('DRUSH_BOOTSTRAP_DRUSH', 0);
$GLOBALS['rec'] = array('log' => array(), 'errors' => array(), 'set' => array(), 'result' => NULL);
$shim = $argv[1];
$GLOBALS['opts'] = json_decode($argv[5], TRUE);
$GLOBALS['opts']['provision-rs-binary'] = $argv[2];
$GLOBALS['target'] = $argv[3];

function dt($s, $a = array()) { return strtr($s, $a); }
function drush_get_option($k, $d = NULL) { return isset($GLOBALS['opts'][$k]) ? $GLOBALS['opts'][$k] : $d; }
function drush_set_option($k, $v) { $GLOBALS['rec']['set'][$k] = $v; }
function drush_get_context($k) { return $k == 'DRUSH_TARGET_SITE_ALIAS' ? $GLOBALS['target'] : NULL; }
function drush_redispatch_get_options() { return $GLOBALS['opts']; }
function drush_log($m, $t = 'notice') { $GLOBALS['rec']['log'][] = array($t, $m); }
function drush_set_error($e, $m = NULL) { $GLOBALS['rec']['errors'][] = array($e, $m); return FALSE; }
function drush_backend_set_result($r) { $GLOBALS['rec']['result'] = $r; }

include $shim;
$items = provision_rs_drush_command();
$command = $argv[4];
$item = $items[$command];
$ok = call_user_func_array($item['callback'], array_merge($item['callback arguments'], array_slice($argv, 6)));
$GLOBALS['rec']['return'] = $ok;
$GLOBALS['rec']['commands'] = array_keys($items);
echo json_encode($GLOBALS['rec']);
