<?php
// A stand-in for Drush 8, for the shim package (shim/provision_rs/). It models
// what the shim relies on as Drush 8 does it: the option contexts in their order
// (process, cli, stdin, specific, alias, ...), --backend reading the options a
// caller POSTs as JSON on stdin into the 'stdin' context, the 'alias' context
// filled from the target's alias record, drush_redispatch_get_options() (the
// 'cli' context plus the alias/specific global options plus the command's
// declared options, but not the rest of 'stdin'), command files loaded in name
// order with the later definition of a command winning, hook_drush_init,
// drush_invoke_process() running a child "drush" (this script) with the options
// on its command line (GET) or stdin (POST), and the backend result block.
//
// Usage: php interop_shim.php COMMANDFILES [--backend=2] [@target] COMMAND [ARGS] [--opt[=value] ...]
// COMMANDFILES is a comma-separated list of *.drush.inc files. Alias files are
// read from $HOME/.drush. Besides the command files' commands there is
// `php-eval CODE`. Without --backend the script prints one JSON record of what
// happened (log, errors, options set, the result, output); the exit code is 1
// when an error was set.

define('DRUSH_BOOTSTRAP_NONE', -1);
define('DRUSH_BOOTSTRAP_DRUSH', 0);
define('DRUSH_SUCCESS', 0);
define('DRUSH_FRAMEWORK_ERROR', 1);
define('DRUSH_MAJOR_VERSION', '8');

$GLOBALS['drush'] = array(
  'contexts' => array(),
  'log' => array(),
  'error_log' => array(),
  'error' => DRUSH_SUCCESS,
  'result' => NULL,
  'commandfiles' => array(),
  'command' => NULL,
  'invocations' => array(),
);

function dt($s, $a = array()) { return strtr($s, $a); }

function drush_context_names() {
  return array('process', 'cli', 'stdin', 'specific', 'alias', 'custom', 'site', 'drupal', 'user', 'home.drush', 'system', 'drush', 'default');
}

function &drush_get_context($name = NULL, $default = NULL) {
  if ($name === NULL) {
    return $GLOBALS['drush']['contexts'];
  }
  if (!array_key_exists($name, $GLOBALS['drush']['contexts'])) {
    $GLOBALS['drush']['contexts'][$name] = isset($default) ? $default : array();
  }
  return $GLOBALS['drush']['contexts'][$name];
}

function drush_set_context($name, $value = '') {
  $GLOBALS['drush']['contexts'][$name] = $value;
  return $value;
}

function drush_get_option($key, $default = NULL, $context = NULL) {
  $names = isset($context) ? array($context) : drush_context_names();
  foreach ($names as $name) {
    $values = drush_get_context($name);
    if (is_array($values) && array_key_exists($key, $values)) {
      return $values[$key];
    }
  }
  return $default;
}

function drush_set_option($key, $value, $context = 'process') {
  $values = &drush_get_context($context);
  $values[$key] = $value;
  return $value;
}

function drush_get_merged_options() {
  $result = array();
  foreach (array_reverse(drush_context_names()) as $name) {
    $values = drush_get_context($name);
    if (is_array($values)) {
      $result = array_merge($result, $values);
    }
  }
  return $result;
}

// Drush 8's global options (includes/drush.inc), with the metadata backend
// invoke and redispatch look at.
function drush_get_global_options($brief = FALSE) {
  return array(
    'root' => array('short-form' => 'r', 'never-post' => TRUE),
    'uri' => array('short-form' => 'l', 'never-post' => TRUE),
    'verbose' => array('short-form' => 'v', 'context' => 'DRUSH_VERBOSE'),
    'debug' => array('short-form' => 'd', 'context' => 'DRUSH_DEBUG'),
    'yes' => array('short-form' => 'y', 'context' => 'DRUSH_AFFIRMATIVE'),
    'no' => array('short-form' => 'n', 'context' => 'DRUSH_NEGATIVE'),
    'simulate' => array('short-form' => 's', 'context' => 'DRUSH_SIMULATE', 'never-propagate' => TRUE),
    'php' => array('never-propagate' => TRUE),
    'interactive' => array('never-propagate' => TRUE),
    'include' => array('never-post' => TRUE, 'propagate-cli-value' => TRUE),
    'config' => array('never-post' => TRUE, 'propagate-cli-value' => TRUE),
    'backend' => array('short-form' => 'b', 'never-propagate' => TRUE),
    'alias-path' => array('context' => 'ALIAS_PATH', 'propagate-cli-value' => TRUE),
    'php-options' => array('never-propagate' => TRUE),
    'path-aliases' => array('never-propagate' => TRUE),
    'ssh-options' => array('never-propagate' => TRUE),
  );
}

function drush_sitealias_site_selection_keys() {
  return array('remote-host', 'remote-user', 'ssh-options', '#name', 'os');
}

function drush_server_home() { return getenv('HOME'); }

function drush_sitealias_get_record($name) {
  $name = ltrim($name, '@');
  if ($name === 'none') {
    return array('root' => '', 'uri' => '');
  }
  if ($name === 'self') {
    $target = drush_get_context('DRUSH_TARGET_SITE_ALIAS');
    return ($target && $target !== '@none' && $target !== '@self') ? drush_sitealias_get_record($target) : array();
  }
  $file = drush_server_home() . "/.drush/$name.alias.drushrc.php";
  if (!preg_match('/^[A-Za-z0-9_.-]+$/', $name) || !is_file($file)) {
    return array();
  }
  $aliases = array();
  $options = array();
  include $file;
  if (!isset($aliases[$name])) {
    return array();
  }
  return $aliases[$name] + array('#name' => $name);
}

function drush_log($message, $type = 'notice', $error = NULL) {
  $entry = array('type' => $type, 'message' => $message, 'timestamp' => microtime(TRUE), 'memory' => 0, 'error' => $error);
  $GLOBALS['drush']['log'][] = $entry;
  if (drush_get_context('DRUSH_BACKEND')) {
    echo "\0DRUSH_BACKEND:" . json_encode($entry + array('packet' => 'log')) . "\0\n";
  }
  return TRUE;
}

function drush_set_error($error, $message = NULL) {
  $GLOBALS['drush']['error'] = DRUSH_FRAMEWORK_ERROR;
  $GLOBALS['drush']['error_log'][$error][] = isset($message) ? $message : $error;
  if (drush_get_context('DRUSH_BACKEND')) {
    echo "\0DRUSH_BACKEND:" . json_encode(array('packet' => 'set_error', 'error' => $error, 'message' => $message)) . "\0\n";
  }
  drush_log(isset($message) ? $message : $error, 'error', $error);
  return FALSE;
}

function drush_get_error() { return $GLOBALS['drush']['error']; }
function drush_get_error_log() { return $GLOBALS['drush']['error_log']; }
function drush_cmp_error($error) { return array_key_exists($error, $GLOBALS['drush']['error_log']); }
function drush_backend_set_result($value) { $GLOBALS['drush']['result'] = $value; }
function drush_print($message = '') { echo $message . "\n"; }

function drush_commandfile_list() { return $GLOBALS['drush']['commandfiles']; }

function drush_get_commands() {
  static $commands = NULL;
  if (isset($commands)) {
    return $commands;
  }
  $commands = array('php-eval' => array('command' => 'php-eval', 'commandfile' => 'core', 'callback' => 'drush_stand_in_php_eval', 'callback arguments' => array(), 'options' => array()));
  // Command files in name order; a later definition of a command wins.
  foreach (drush_commandfile_list() as $commandfile => $path) {
    $hook = $commandfile . '_drush_command';
    if (function_exists($hook)) {
      foreach ($hook() as $key => $command) {
        $command += array('command' => $key, 'commandfile' => $commandfile, 'path' => dirname($path), 'options' => array(), 'callback arguments' => array(), 'callback' => 'drush_' . str_replace('-', '_', $key));
        $commands[$key] = $command;
      }
    }
  }
  return $commands;
}

function drush_get_command() { return $GLOBALS['drush']['command']; }
function drush_parse_command() { return $GLOBALS['drush']['command']; }

function drush_get_command_options_extended($command) {
  return isset($command['options']) ? $command['options'] : array();
}

// Drush 8's includes/command.inc: what a command passes on when it redispatches.
function drush_redispatch_get_options() {
  $options = array();
  $soup = drush_get_context('specific') + drush_get_context('alias');
  $globals = drush_get_global_options(FALSE);
  foreach ($soup as $key => $value) {
    if (array_key_exists($key, $globals)) {
      $options[$key] = $value;
    }
  }
  $cli = drush_get_context('cli');
  unset($cli['php'], $cli['php-options']);
  $options = $cli + $options;
  $options = array_diff_key($options, array_flip(drush_sitealias_site_selection_keys()));
  unset($options['command-specific'], $options['path-aliases']);
  $command = drush_parse_command();
  if (is_array($command)) {
    foreach (drush_get_command_options_extended($command) as $key => $info) {
      $value = drush_get_option($key);
      if (isset($value)) {
        $options[$key] = $value;
      }
    }
  }
  unset($options['bootstrap-to-first-arg']);
  return $options;
}

// Drush 8's drush_invoke_process(), for a local site: a child drush with
// --backend=2, the options as JSON on its stdin (POST) or on its command line
// (GET); with 'integrate', the child's log and errors become this process's.
function drush_invoke_process($site, $command, $args = array(), $options = array(), $backend_options = TRUE) {
  if (!is_array($backend_options)) {
    $backend_options = array('integrate' => (bool) $backend_options);
  }
  $backend_options += array('method' => 'GET', 'integrate' => TRUE);
  $post = $backend_options['method'] === 'POST';
  $words = array(PHP_BINARY, __FILE__, implode(',', drush_commandfile_list()), '--backend=2');
  if (is_string($site)) {
    $words[] = $site;
  }
  $words[] = $command;
  foreach ($args as $arg) {
    $words[] = $arg;
  }
  $stdin = array();
  foreach ($options as $key => $value) {
    if ($post) {
      $stdin[$key] = $value;
    }
    elseif (!is_array($value)) {
      $words[] = $value === TRUE ? "--$key" : "--$key=$value";
    }
  }
  $GLOBALS['drush']['invocations'][] = array('site' => $site, 'command' => $command, 'args' => $args, 'options' => $options, 'backend_options' => $backend_options);
  $proc = proc_open(implode(' ', array_map('escapeshellarg', $words)) . ' 2>&1', array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $pipes);
  fwrite($pipes[0], $post ? json_encode((object) $stdin) : '');
  fclose($pipes[0]);
  $out = stream_get_contents($pipes[1]);
  fclose($pipes[1]);
  proc_close($proc);
  if ($backend_options['integrate']) {
    preg_match_all("/\0DRUSH_BACKEND:([^\0]*)\0/", $out, $packets);
    foreach ($packets[1] as $json) {
      $packet = json_decode($json, TRUE);
      if ($packet['packet'] === 'set_error') {
        drush_set_error($packet['error'], $packet['message']);
      }
      elseif ($packet['packet'] === 'log' && empty($packet['error'])) {
        drush_log($packet['message'], $packet['type']);
      }
    }
  }
  if (preg_match('/DRUSH_BACKEND_OUTPUT_START>>>(.*)<<<DRUSH_BACKEND_OUTPUT_END/s', $out, $m)) {
    return json_decode($m[1], TRUE);
  }
  return FALSE;
}

function drush_stand_in_php_eval($code) {
  return eval($code);
}

// --- The "drush" run itself -------------------------------------------------

$files = explode(',', $argv[1]);
$list = array();
foreach ($files as $file) {
  $list[preg_replace('/\.drush[0-9]*\.inc$/', '', basename($file))] = $file;
}
ksort($list);
$GLOBALS['drush']['commandfiles'] = $list;
foreach ($list as $file) {
  require_once $file;
}

// The command line: options anywhere, an @target before the command.
$cli = array();
$words = array();
foreach (array_slice($argv, 2) as $word) {
  if (preg_match('/^--([^=]+)(=(.*))?$/s', $word, $m)) {
    $cli[$m[1]] = isset($m[2]) && $m[2] !== '' ? $m[3] : TRUE;
  }
  else {
    $words[] = $word;
  }
}
drush_set_context('cli', $cli);
$target = NULL;
if ($words && $words[0][0] === '@') {
  $target = array_shift($words);
  drush_set_context('DRUSH_TARGET_SITE_ALIAS', $target);
  drush_set_context('alias', drush_sitealias_get_record($target));
}
drush_set_option('runtime.argv', $argv);
if (!empty($cli['backend'])) {
  drush_set_context('DRUSH_BACKEND', TRUE);
  $posted = json_decode(stream_get_contents(STDIN), TRUE);
  if (is_array($posted)) {
    drush_set_context('stdin', $posted);
  }
}
drush_set_context('DRUSH_BOOTSTRAP_PHASE', DRUSH_BOOTSTRAP_DRUSH);

$name = array_shift($words);
$commands = drush_get_commands();
ob_start();
$return = NULL;
if (!isset($commands[$name])) {
  drush_set_error('DRUSH_COMMAND_NOT_FOUND', "The command 'drush $name' could not be found.");
}
else {
  $GLOBALS['drush']['command'] = $commands[$name];
  foreach (drush_commandfile_list() as $commandfile => $file) {
    if (function_exists($commandfile . '_drush_init')) {
      call_user_func($commandfile . '_drush_init');
    }
  }
  if (!drush_get_error()) {
    $item = $commands[$name];
    try {
      $return = call_user_func_array($item['callback'], array_merge($item['callback arguments'], $words));
    }
    catch (Throwable $e) {
      drush_set_error('DRUSH_EXECUTION_EXCEPTION', (string) $e);
    }
  }
}
$output = ob_get_clean();

if (drush_get_context('DRUSH_BACKEND')) {
  $data = array('output' => $output);
  if (isset($GLOBALS['drush']['result'])) {
    $data['object'] = $GLOBALS['drush']['result'];
  }
  $data['error_status'] = drush_get_error();
  $data['log'] = $GLOBALS['drush']['log'];
  $data['error_log'] = $GLOBALS['drush']['error_log'];
  $self = drush_sitealias_get_record('@self');
  if (!empty($self)) {
    unset($self['#name']);
    $data['self'] = array_merge(drush_get_context('site'), $self);
  }
  $data['context'] = drush_get_merged_options();
  echo $output;
  printf("\0DRUSH_BACKEND_OUTPUT_START>>>%s<<<DRUSH_BACKEND_OUTPUT_END", json_encode($data));
}
else {
  $log = array();
  foreach ($GLOBALS['drush']['log'] as $entry) {
    $log[] = array($entry['type'], $entry['message']);
  }
  $errors = array();
  foreach ($GLOBALS['drush']['error_log'] as $code => $messages) {
    foreach ($messages as $message) {
      $errors[] = array($code, $message);
    }
  }
  $dispatch = array();
  foreach ($commands as $key => $command) {
    $dispatch[$key] = $command['commandfile'];
  }
  echo json_encode(array(
    'return' => $return,
    'log' => $log,
    'errors' => $errors,
    'set' => (object) drush_get_context('process'),
    'site' => (object) drush_get_context('site'),
    'result' => $GLOBALS['drush']['result'],
    'output' => $output,
    'commands' => $dispatch,
    'invocations' => $GLOBALS['drush']['invocations'],
  ));
}
exit(drush_get_error() ? 1 : 0);
