<?php

/**
 * @file
 * provision's helper for what must run inside a Drupal or Backdrop code base.
 *
 * Reads one JSON object on stdin: {"action": "install"|"status"|"login", "job": {...}}
 * (credentials travel here, never on the command line). Prints one JSON object
 * on stdout and nothing else: whatever the platform prints is captured and only
 * quoted, trimmed, in the error message on stderr when the action fails (exit 1).
 */

$GLOBALS['provision_captured'] = '';
$GLOBALS['provision_secrets'] = array();
$GLOBALS['provision_done'] = FALSE;
provision_main();

/**
 * Runs the requested action and prints its result.
 */
function provision_main() {
  register_shutdown_function('provision_unexpected_exit');
  $request = json_decode(stream_get_contents(STDIN), TRUE);
  if (!is_array($request) || !isset($request['action'], $request['job']) || !is_array($request['job'])) {
    provision_fail('expected {"action": ..., "job": {...}} on stdin');
  }
  $job = $request['job'];
  $GLOBALS['provision_secrets'] = provision_job_secrets($job);
  // Swallow everything the platform prints; the result goes straight to STDOUT.
  ob_start('provision_capture', 0, PHP_OUTPUT_HANDLER_CLEANABLE | PHP_OUTPUT_HANDLER_FLUSHABLE);
  try {
    provision_prepare_request($job);
    $result = provision_dispatch($request['action'], $job);
  }
  catch (Throwable $e) {
    provision_fail($e->getMessage());
  }
  $GLOBALS['provision_done'] = TRUE;
  fwrite(STDOUT, json_encode($result, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) . "\n");
  exit(0);
}

/**
 * Calls the action's function for the job's core.
 */
function provision_dispatch($action, array $job) {
  $core = provision_job($job, 'core');
  $family = $core === 'backdrop' ? 'backdrop' : ((int) provision_job($job, 'major') >= 8 ? 'd8' : 'd7');
  if ($core !== 'drupal' && $core !== 'backdrop') {
    throw new RuntimeException("unknown core: $core");
  }
  if ($action === 'settings') {
    return provision_read_settings($job);
  }
  if (!in_array($action, array('install', 'status', 'login'), TRUE)) {
    throw new RuntimeException("unknown action: $action");
  }
  $function = "provision_{$family}_{$action}";
  return $function($job);
}

/**
 * The database connection a site's own settings.php names (a site provision did not
 * make, being imported): Drupal 7+/Backdrop's $databases, or Drupal 6's $db_url.
 */
function provision_read_settings(array $job) {
  $root = provision_job($job, 'root');
  $file = provision_job($job, 'site_path') . '/settings.php';
  foreach (array('DRUPAL_ROOT', 'BACKDROP_ROOT') as $constant) {
    if (!defined($constant)) {
      define($constant, $root);
    }
  }
  $read = function ($app_root, $site_path) use ($file) {
    $databases = array();
    $db_url = '';
    $settings = array();
    $conf = array();
    $config_directories = array();
    include $file;
    if (isset($databases['default']['default'])) {
      return $databases['default']['default'];
    }
    $url = parse_url(is_array($db_url) ? reset($db_url) : (string) $db_url);
    return array(
      'driver' => isset($url['scheme']) ? preg_replace('/^mysqli$/', 'mysql', $url['scheme']) : '',
      'database' => isset($url['path']) ? urldecode(ltrim($url['path'], '/')) : '',
      'username' => isset($url['user']) ? urldecode($url['user']) : '',
      'password' => isset($url['pass']) ? urldecode($url['pass']) : '',
      'host' => isset($url['host']) ? urldecode($url['host']) : '',
      'port' => isset($url['port']) ? $url['port'] : '',
    );
  };
  $db = $read($root, 'sites/' . provision_job($job, 'uri'));
  $out = array();
  foreach (array('driver', 'database', 'username', 'password', 'host', 'port') as $key) {
    $out[$key] = isset($db[$key]) ? (string) $db[$key] : '';
  }
  return $out;
}

/**
 * Returns a required job value.
 */
function provision_job(array $job, $key) {
  if (!isset($job[$key])) {
    throw new RuntimeException("the job has no $key");
  }
  return $job[$key];
}

/**
 * The values no message may show: the database password, raw and urlencoded.
 */
function provision_job_secrets(array $job) {
  $password = isset($job['db']['password']) ? (string) $job['db']['password'] : '';
  return $password === '' ? array() : array($password, urlencode($password), rawurlencode($password));
}

/**
 * Output buffer callback: keeps the platform's output for error messages.
 */
function provision_capture($buffer) {
  $GLOBALS['provision_captured'] .= $buffer;
  return '';
}

/**
 * Sets up the process as a web request to the site and changes to its root.
 *
 * The database settings go into $_SERVER urlencoded, as the vhost passes them:
 * the settings.php provision writes reads its credentials from there.
 */
function provision_prepare_request(array $job) {
  $root = provision_job($job, 'root');
  $uri = provision_job($job, 'uri');
  if (!chdir($root)) {
    throw new RuntimeException("cannot change to the platform root $root");
  }
  $_SERVER['HTTP_HOST'] = $uri;
  $_SERVER['SERVER_NAME'] = $uri;
  $_SERVER['SCRIPT_NAME'] = '/index.php';
  $_SERVER['SCRIPT_FILENAME'] = $root . '/index.php';
  $_SERVER['PHP_SELF'] = '/index.php';
  $_SERVER['REQUEST_URI'] = '/';
  $_SERVER['REMOTE_ADDR'] = '127.0.0.1';
  $_SERVER['REQUEST_METHOD'] = 'GET';
  // Backdrop takes a request without SERVER_SOFTWARE as a command line run, and only
  // then finishes its installer without redirecting (exiting) to the front page.
  if (provision_job($job, 'core') !== 'backdrop') {
    $_SERVER['SERVER_SOFTWARE'] = 'provision';
  }
  $default_port = empty($job['https']) ? 80 : 443;
  $port = empty($job['port']) ? $default_port : (int) $job['port'];
  $_SERVER['SERVER_PORT'] = (string) $port;
  if (!empty($job['https'])) {
    $_SERVER['HTTPS'] = 'on';
  }
  $db = provision_job($job, 'db');
  $names = array('db_type' => 'driver', 'db_host' => 'host', 'db_port' => 'port', 'db_user' => 'username', 'db_passwd' => 'password', 'db_name' => 'database');
  foreach ($names as $server => $key) {
    $_SERVER[$server] = urlencode(isset($db[$key]) ? (string) $db[$key] : '');
  }
  // The site's address as visitors reach it: the port only when it is not the default.
  $GLOBALS['base_url'] = (empty($job['https']) ? 'http://' : 'https://') . $uri
    . ($port === $default_port ? '' : ':' . $port);
}

/**
 * The install settings both Drupal 7 and Backdrop take, with the admin password.
 */
function provision_install_settings(array $job, $password, $locale_key) {
  $db = provision_job($job, 'db');
  $driver = provision_job($db, 'driver');
  unset($db['driver']);
  return array(
    'parameters' => array('profile' => provision_job($job, 'profile'), $locale_key => provision_job($job, 'language')),
    'forms' => array(
      'install_settings_form' => array('driver' => $driver, $driver => $db + array('db_prefix' => '', 'prefix' => '')),
      'install_configure_form' => array(
        'site_name' => provision_job($job, 'site_name'),
        'site_mail' => provision_job($job, 'site_mail'),
        'account' => array(
          'name' => provision_job($job, 'account_name'),
          'mail' => provision_job($job, 'account_mail'),
          'pass' => array('pass1' => $password, 'pass2' => $password),
        ),
        'update_status_module' => array(1 => TRUE, 2 => TRUE),
        'clean_url' => TRUE,
      ),
    ),
  );
}

/**
 * A random admin password; nobody needs it (the one-time login link replaces it).
 */
function provision_password() {
  return bin2hex(random_bytes(16));
}

/**
 * Drupal 7: runs install_drupal() and reads back the new site.
 */
function provision_d7_install(array $job) {
  define('DRUPAL_ROOT', getcwd());
  define('MAINTENANCE_MODE', 'install');
  require_once DRUPAL_ROOT . '/includes/install.core.inc';
  install_drupal(provision_install_settings($job, provision_password(), 'locale'));
  provision_check_installed(provision_d7_has_site_name());
  $result = array('login_link' => user_pass_reset_url(user_load(1)) . '/login');
  return $result + provision_d7_read();
}

/**
 * Drupal 7: whether the variable table has the site_name row (FALSE without a table).
 */
function provision_d7_has_site_name() {
  try {
    return db_query("SELECT value FROM {variable} WHERE name = 'site_name'")->fetchColumn() !== FALSE;
  }
  catch (Exception $e) {
    return FALSE;
  }
}

/**
 * Drupal 7: bootstraps to the variables and reads the site.
 */
function provision_d7_status(array $job) {
  define('DRUPAL_ROOT', getcwd());
  require_once DRUPAL_ROOT . '/includes/bootstrap.inc';
  drupal_bootstrap(DRUPAL_BOOTSTRAP_VARIABLES);
  return provision_d7_read();
}

/**
 * Drupal 7: bootstraps fully and returns uid 1's one-time login link.
 */
function provision_d7_login(array $job) {
  define('DRUPAL_ROOT', getcwd());
  require_once DRUPAL_ROOT . '/includes/bootstrap.inc';
  drupal_bootstrap(DRUPAL_BOOTSTRAP_FULL);
  return array('login_link' => user_pass_reset_url(user_load(1)) . '/login');
}

/**
 * Drupal 7 and Backdrop: the system table's rows.
 */
function provision_system_rows() {
  $rows = db_query('SELECT filename, name, type, status, schema_version FROM {system} ORDER BY filename')->fetchAll(PDO::FETCH_ASSOC);
  return array_map('provision_system_row', $rows);
}

/**
 * One system row with integer status and schema version.
 */
function provision_system_row(array $row) {
  return array(
    'filename' => $row['filename'],
    'name' => $row['name'],
    'type' => $row['type'],
    'status' => (int) $row['status'],
    'schema_version' => (int) $row['schema_version'],
  );
}

/**
 * Drupal 7: cron key (Aegir's default 'drupal' when unset), profile and system rows.
 */
function provision_d7_read() {
  return array(
    'cron_key' => (string) variable_get('cron_key', 'drupal'),
    'profile' => (string) variable_get('install_profile', ''),
    'system' => provision_system_rows(),
  );
}

/**
 * Backdrop: runs install_backdrop() and reads back the new site.
 */
function provision_backdrop_install(array $job) {
  define('BACKDROP_ROOT', getcwd());
  define('MAINTENANCE_MODE', 'install');
  require_once BACKDROP_ROOT . '/core/includes/install.core.inc';
  $password = provision_password();
  $settings = provision_install_settings($job, $password, 'langcode');
  // Backdrop's configure form has one password field and a time zone.
  $settings['forms']['install_configure_form']['account']['pass'] = $password;
  $settings['forms']['install_configure_form']['date_default_timezone'] = date_default_timezone_get();
  install_backdrop($settings);
  provision_check_installed(config_get('system.core', 'site_name') !== NULL);
  config_set('system.core', 'site_mail', provision_job($job, 'site_mail'));
  $result = array('login_link' => user_pass_reset_url(user_load(1)) . '/login');
  return $result + provision_backdrop_read();
}

/**
 * Backdrop: bootstraps fully and reads the site.
 */
function provision_backdrop_status(array $job) {
  define('BACKDROP_ROOT', getcwd());
  require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';
  backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);
  return provision_backdrop_read();
}

/**
 * Backdrop: bootstraps fully and returns uid 1's one-time login link.
 */
function provision_backdrop_login(array $job) {
  define('BACKDROP_ROOT', getcwd());
  require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';
  backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);
  return array('login_link' => user_pass_reset_url(user_load(1)) . '/login');
}

/**
 * Backdrop: cron key (a state value), profile and system rows.
 */
function provision_backdrop_read() {
  return array(
    'cron_key' => (string) state_get('cron_key', ''),
    'profile' => (string) config_get('system.core', 'install_profile'),
    'system' => provision_system_rows(),
  );
}

/**
 * Drupal 8+: runs install_drupal() with the autoloader and reads back the site.
 */
function provision_d8_install(array $job) {
  define('MAINTENANCE_MODE', 'install');
  $class_loader = require getcwd() . '/autoload.php';
  require_once getcwd() . '/core/includes/install.core.inc';
  $settings = provision_install_settings($job, provision_password(), 'langcode');
  $settings['forms']['install_configure_form'] += array(
    'enable_update_status_module' => TRUE,
    'enable_update_status_emails' => TRUE,
  );
  install_drupal($class_loader, $settings);
  provision_check_installed(\Drupal::config('system.site')->get('name') !== NULL);
  $account = \Drupal::entityTypeManager()->getStorage('user')->load(1);
  return array('login_link' => user_pass_reset_url($account)) + provision_d8_read();
}

/**
 * Drupal 8+: boots the kernel for the site and reads it.
 */
function provision_d8_status(array $job) {
  $class_loader = require getcwd() . '/autoload.php';
  $request = \Symfony\Component\HttpFoundation\Request::createFromGlobals();
  $kernel = \Drupal\Core\DrupalKernel::createFromRequest($request, $class_loader, 'prod');
  $kernel->boot();
  $kernel->preHandle($request);
  return provision_d8_read();
}

/**
 * Drupal 8+: boots the kernel for the site and returns uid 1's one-time login link.
 */
function provision_d8_login(array $job) {
  provision_d8_status($job);
  $account = \Drupal::entityTypeManager()->getStorage('user')->load(1);
  return array('login_link' => user_pass_reset_url($account));
}

/**
 * Drupal 8+: cron key (state), profile and the enabled modules and themes.
 */
function provision_d8_read() {
  $extensions = \Drupal::config('core.extension');
  $rows = array();
  foreach (array('module', 'theme') as $type) {
    $list = \Drupal::service("extension.list.$type");
    foreach (array_keys((array) $extensions->get($type)) as $name) {
      $rows[] = array(
        'filename' => $list->getPathname($name),
        'name' => $name,
        'type' => $type,
        'status' => 1,
        'schema_version' => $type === 'module' ? provision_d8_schema($name) : -1,
      );
    }
  }
  return array(
    'cron_key' => (string) \Drupal::state()->get('system.cron_key'),
    'profile' => (string) $extensions->get('profile'),
    'system' => $rows,
  );
}

/**
 * Drupal 8+: a module's installed schema version.
 */
function provision_d8_schema($name) {
  $version = function_exists('drupal_get_installed_schema_version')
    ? drupal_get_installed_schema_version($name)
    : \Drupal::service('update.update_hook_registry')->getInstalledVersion($name);
  return (int) $version;
}

/**
 * Fails unless the installer stored the site name: it may print an error page
 * and return instead of throwing.
 */
function provision_check_installed($ok) {
  if (!$ok) {
    provision_fail('the installer did not finish: the site has no site name');
  }
}

/**
 * Writes the reason and the platform's output (as text, trimmed) to stderr and exits 1.
 */
function provision_fail($message) {
  $GLOBALS['provision_done'] = TRUE;
  // Collect what is still buffered; our own buffer cannot be removed, which ends the loop.
  while (ob_get_level() > 0) {
    $GLOBALS['provision_captured'] .= (string) ob_get_contents();
    if (!@ob_end_clean()) {
      break;
    }
  }
  $message = provision_text($message);
  $captured = provision_text($GLOBALS['provision_captured']);
  if ($captured !== '') {
    $message .= "\nplatform output: " . (strlen($captured) > 2000 ? substr($captured, 0, 2000) . '...' : $captured);
  }
  fwrite(STDERR, provision_mask($message) . "\n");
  exit(1);
}

/**
 * HTML (an error page, a message with markup) as one line of plain text.
 */
function provision_text($html) {
  $text = html_entity_decode(strip_tags($html), ENT_QUOTES | ENT_HTML5, 'UTF-8');
  return trim(preg_replace('/\s+/u', ' ', $text));
}

/**
 * Replaces every secret of the job in $text with ***.
 */
function provision_mask($text) {
  foreach ($GLOBALS['provision_secrets'] as $secret) {
    $text = str_replace($secret, '***', $text);
  }
  return $text;
}

/**
 * Shutdown function: the platform called exit() before the helper finished.
 */
function provision_unexpected_exit() {
  if (!$GLOBALS['provision_done']) {
    provision_fail('the platform stopped the helper before it finished');
  }
}
