<?php

/**
 * @file
 * Settings of the site {{ uri }}, written by provision; changes here are
 * overwritten on verify. Put your own settings in local.settings.php next to
 * this file.
 *
 * The database credentials are not stored here: the web server passes them in
 * $_SERVER (from the site's vhost), and on the command line the site's
 * drushrc.php sets them.
 */

if (isset($_SERVER['db_type'])) {
  $databases['default']['default'] = array(
    'driver' => urldecode($_SERVER['db_type']),
    'database' => urldecode($_SERVER['db_name']),
    'username' => isset($_SERVER['db_user']) ? urldecode($_SERVER['db_user']) : '',
    'password' => isset($_SERVER['db_passwd']) ? urldecode($_SERVER['db_passwd']) : '',
    'host' => isset($_SERVER['db_host']) ? urldecode($_SERVER['db_host']) : '',
    'port' => isset($_SERVER['db_port']) ? urldecode($_SERVER['db_port']) : '',
    'prefix' => '',
  );
}

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

if (is_readable(__DIR__ . '/local.settings.php')) {
  include __DIR__ . '/local.settings.php';
}
