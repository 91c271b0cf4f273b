<?php

/**
 * @file
 * Settings of the site {{ uri }}, written by provision for Drupal 7 and
 * Backdrop; changes here are overwritten on verify. Put your own settings in
 * local.settings.php next to this file, platform-wide ones in
 * sites/all/platform.settings.php.
 *
 * The database credentials are not stored here: the web server passes them in
 * $_SERVER (from the site's vhost), and on the command line the site's
 * drushrc.php sets them.
 */

if (isset($_SERVER['db_name'])) {
  $databases['default']['default'] = array(
    'driver' => urldecode($_SERVER['db_type']),
    'database' => urldecode($_SERVER['db_name']),
    'username' => isset($_SERVER['db_user']) ? urldecode($_SERVER['db_user']) : '',
    'password' => isset($_SERVER['db_passwd']) ? urldecode($_SERVER['db_passwd']) : '',
    'host' => isset($_SERVER['db_host']) ? urldecode($_SERVER['db_host']) : '',
    'port' => isset($_SERVER['db_port']) ? urldecode($_SERVER['db_port']) : '',
    'prefix' => '',
  );
{% if utf8mb4 %}
  // The database server takes 4-byte UTF-8 (checked when its context was saved).
  if ($databases['default']['default']['driver'] === 'mysql') {
    $databases['default']['default']['charset'] = 'utf8mb4';
    $databases['default']['default']['collation'] = 'utf8mb4_general_ci';
  }
{% endif %}
}

// On the web, once read, the credentials leave $_SERVER (and Apache's environment)
// so phpinfo() and the like do not show them. Command line tools keep them: they may
// include this file more than once.
if (PHP_SAPI !== 'cli') {
  foreach (array('db_type', 'db_host', 'db_port', 'db_user', 'db_passwd', 'db_name') as $provision_key) {
    if (function_exists('apache_setenv')) {
      apache_setenv($provision_key, '');
      apache_setenv('REDIRECT_' . $provision_key, '');
    }
    unset($_SERVER[$provision_key], $_SERVER['REDIRECT_' . $provision_key]);
  }
  unset($provision_key);
}

{% if profile %}
$install_profile = '{{ profile }}';
$conf['install_profile'] = '{{ profile }}';
{% endif %}

// Long-lived sessions, collected now and then.
ini_set('session.gc_probability', 1);
ini_set('session.gc_divisor', 100);
ini_set('session.gc_maxlifetime', 200000);
ini_set('session.cookie_lifetime', 2000000);

// Directories Drupal creates stay writable by the web group.
umask(0002);

// Empty: Drupal derives the salt from the database settings.
$drupal_hash_salt = '';
$conf['clean_url'] = 1;
// The major version of Aegir's backend API these settings follow.
$conf['aegir_api'] = {{ aegir_api }};
$conf['allow_authorize_operations'] = FALSE;
$conf['admin_menu_cache_client'] = FALSE;

// Backdrop keeps its configuration in directories (Drupal 8+: its sync directory),
// out of the web server's reach in the site's private directory.
$config_directories['active'] = 'sites/{{ uri }}/private/config/active';
$config_directories['staging'] = 'sites/{{ uri }}/private/config/staging';
$settings['config_sync_directory'] = 'sites/{{ uri }}/private/config/sync';

$conf['file_public_path'] = 'sites/{{ uri }}/files';
$conf['file_private_path'] = 'sites/{{ uri }}/private/files';
$conf['file_temporary_path'] = 'sites/{{ uri }}/private/temp';
$settings['file_public_path'] = 'sites/{{ uri }}/files';
$settings['file_private_path'] = 'sites/{{ uri }}/private/files';

{% if include_path %}
// Settings for every site of the server.
if (is_readable('{{ include_path }}/global.inc')) {
  include_once '{{ include_path }}/global.inc';
}

{% endif %}
// Settings for every site of the platform.
if (is_readable('{{ root }}/sites/all/platform.settings.php')) {
  include_once '{{ root }}/sites/all/platform.settings.php';
}

// The site's own settings, kept across verifies.
if (is_readable('{{ site_path }}/local.settings.php')) {
  include_once '{{ site_path }}/local.settings.php';
}
