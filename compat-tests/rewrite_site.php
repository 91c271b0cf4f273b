<?php
// A Drupal 7 like site database for the rewrite compat test, written and read by PHP.
// Usage: php rewrite_site.php setup|check [before|after] [frozen], with one JSON object on
// stdin: {"dsn": PDO DSN, "user": ..., "password": ...}.
// - setup creates the tables (MySQL or SQLite types, as Drupal 7's drivers make them)
//   and fills them; every serialized value is PHP's own serialize(). With "frozen", a
//   trigger makes every UPDATE of `variable` fail, so a rewrite must roll back.
// - check prints the database as found, a line "=====", then what PHP expects for the
//   rename old.example.com -> new.example.org ("after") or for no change ("before"):
//   per variable its bytes in hex and, when PHP can read it, var_export(unserialize());
//   per text table its rows.

list(, , $mode) = $argv;
$expect = isset($argv[3]) ? $argv[3] : 'after';
$frozen = isset($argv[4]) && $argv[4] === 'frozen';
$conn = json_decode(stream_get_contents(STDIN), TRUE);
$pdo = new PDO($conn['dsn'], $conn['user'], $conn['password']);
$pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$mysql = $pdo->getAttribute(PDO::ATTR_DRIVER_NAME) === 'mysql';

// Variables: name => array(value before, value after), or raw bytes that must stay
// exactly as they are.
function variables() {
  $mixed = array('a' => 'b', 5 => 1.25, 'u' => 'ünï', 'd' => 'old.example.com', 'f' => 'sites/old');
  return array(
    'file_public_path' => array('sites/old.example.com/files', 'sites/new.example.org/files'),
    'file_private_path' => array('sites/old.example.com/private/files', 'sites/new.example.org/private/files'),
    'theme_settings' => array(
      array(
        'toggle_logo' => 1,
        'default_logo' => 0,
        'logo_path' => 'sites/old.example.com/files/logo.png',
        'favicon_path' => 'sites/old.example.com/files/favicon.ico',
        'favicon_mimetype' => 'image/vnd.microsoft.icon',
        0 => 'sites/old.example.com/files/zero.png',
        '7' => 'https://old.example.com/sites/old.example.com/files/Ünïcødé ☃.png',
        'sites/old.example.com/files/key.png' => 'keys stay as they are',
        'nested' => array(
          'list' => array('sites/default/files/a.png', '//default/sites/default/files/b.png', 3.5, NULL, TRUE, -1),
          -5 => array('deep' => array('déjà vu: sites/old.example.com/files/ü.png', 'untouched ☃')),
        ),
      ),
      array(
        'toggle_logo' => 1,
        'default_logo' => 0,
        'logo_path' => 'sites/new.example.org/files/logo.png',
        'favicon_path' => 'sites/new.example.org/files/favicon.ico',
        'favicon_mimetype' => 'image/vnd.microsoft.icon',
        0 => 'sites/new.example.org/files/zero.png',
        '7' => 'https://new.example.org/sites/new.example.org/files/Ünïcødé ☃.png',
        'sites/old.example.com/files/key.png' => 'keys stay as they are',
        'nested' => array(
          'list' => array('sites/new.example.org/files/a.png', '//new.example.org/sites/new.example.org/files/b.png', 3.5, NULL, TRUE, -1),
          -5 => array('deep' => array('déjà vu: sites/new.example.org/files/ü.png', 'untouched ☃')),
        ),
      ),
    ),
    'theme_bartik_settings' => array(
      array('logo_path' => 'public://logo.png', 'favicon_path' => 'sites/old.example.com/files/f.ico'),
      array('logo_path' => 'public://logo.png', 'favicon_path' => 'sites/new.example.org/files/f.ico'),
    ),
    'color_bartik_files' => array(
      array('sites/old.example.com/files/color/bartik-1/logo.png', 'sites/old.example.com/files/color/bartik-1/colors.css'),
      array('sites/new.example.org/files/color/bartik-1/logo.png', 'sites/new.example.org/files/color/bartik-1/colors.css'),
    ),
    "it's_path" => array('sites/old.example.com/files/q', 'sites/new.example.org/files/q'),
    // Non-ASCII: a latin1 client connection (the mysql client's default under LANG=C) misses it.
    'pfad_für_logo' => array('sites/old.example.com/files/ü.png', 'sites/new.example.org/files/ü.png'),
    'site_name' => array('old.example.com', 'new.example.org'),
    'site_slogan' => array('Served at old.example.com', 'Served at old.example.com'),
    'cron_key' => array('x1y2', 'x1y2'),
    'menu_masks' => array(array(127, 63, 31), array(127, 63, 31)),
    'unrelated_mixed' => array($mixed, $mixed),
    'corrupt_path' => 's:99:"sites/old.example.com/files";',
    'object_path' => serialize((object) array('path' => 'sites/old.example.com/files')),
  );
}

// Text tables: table => array(columns, rows before, rows after).
function tables() {
  $body = '<p><img src="/sites/old.example.com/files/logo.png"> <a href="http://old.example.com/sites/old.example.com/files/doc.pdf">Ünïcødé doc</a> sites/default/files/d.txt</p>';
  $new_body = '<p><img src="/sites/new.example.org/files/logo.png"> <a href="http://new.example.org/sites/new.example.org/files/doc.pdf">Ünïcødé doc</a> sites/new.example.org/files/d.txt</p>';
  $summary = 'See //old.example.com/sites/old.example.com/files/s.png';
  $new_summary = 'See //new.example.org/sites/new.example.org/files/s.png';
  $field = array('entity_id', 'body_value', 'body_summary', 'body_format');
  return array(
    'system' => array(
      array('filename', 'name'),
      array(array('modules/system/system.module', 'system'), array('sites/old.example.com/modules/custom/custom.module', 'custom'), array('sites/default/themes/t/t.info', 't')),
      array(array('modules/system/system.module', 'system'), array('sites/new.example.org/modules/custom/custom.module', 'custom'), array('sites/new.example.org/themes/t/t.info', 't')),
    ),
    'block_custom' => array(
      array('bid', 'body', 'info'),
      array(array(1, $body, 'sites/old.example.com stays'), array(2, 'nothing to see', 'x')),
      array(array(1, $new_body, 'sites/old.example.com stays'), array(2, 'nothing to see', 'x')),
    ),
    'field_data_body' => array(
      $field,
      array(array(1, $body, $summary, 'sites/old.example.com'), array(2, 'plain', NULL, 'full_html')),
      array(array(1, $new_body, $new_summary, 'sites/old.example.com'), array(2, 'plain', NULL, 'full_html')),
    ),
    'field_revision_body' => array(
      $field,
      array(array(1, $summary, $body, 'x')),
      array(array(1, $new_summary, $new_body, 'x')),
    ),
    'field_data_field_tag' => array(
      array('entity_id', 'field_tag_value'),
      array(array(1, 'sites/old.example.com/short text stays')),
      array(array(1, 'sites/old.example.com/short text stays')),
    ),
    'cache_bootstrap' => array(
      array('cid', 'data'),
      array(array('variables', 'stale'), array('system_list', 'kept')),
      array(array('system_list', 'kept')),
    ),
  );
}

function setup(PDO $pdo, $mysql, $frozen) {
  $text = $mysql ? 'LONGTEXT' : 'TEXT';
  $blob = $mysql ? 'LONGBLOB' : 'BLOB';
  $engine = $mysql ? ' ENGINE=InnoDB DEFAULT CHARSET=utf8mb4' : '';
  $field = "entity_id INTEGER NOT NULL PRIMARY KEY, body_value $text, body_summary $text, body_format VARCHAR(255)";
  $ddl = array(
    "CREATE TABLE variable (name VARCHAR(128) NOT NULL PRIMARY KEY, value $blob NOT NULL)",
    "CREATE TABLE system (filename VARCHAR(255) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL)",
    "CREATE TABLE block_custom (bid INTEGER NOT NULL PRIMARY KEY, body $text, info VARCHAR(128) NOT NULL)",
    "CREATE TABLE field_data_body ($field)",
    "CREATE TABLE field_revision_body ($field)",
    "CREATE TABLE field_data_field_tag (entity_id INTEGER NOT NULL PRIMARY KEY, field_tag_value VARCHAR(255))",
    "CREATE TABLE cache_bootstrap (cid VARCHAR(255) NOT NULL PRIMARY KEY, data $blob)",
  );
  foreach ($ddl as $sql) {
    $pdo->exec($sql . $engine);
  }
  $insert = $pdo->prepare('INSERT INTO variable (name, value) VALUES (?, ?)');
  foreach (variables() as $name => $pair) {
    $insert->execute(array($name, is_array($pair) ? serialize($pair[0]) : $pair));
  }
  foreach (tables() as $table => list($columns, $rows)) {
    $marks = implode(', ', array_fill(0, count($columns), '?'));
    $insert = $pdo->prepare("INSERT INTO $table (" . implode(', ', $columns) . ") VALUES ($marks)");
    foreach ($rows as $row) {
      $insert->execute($row);
    }
  }
  if ($frozen) {
    $pdo->exec($mysql
      ? "CREATE TRIGGER variable_frozen BEFORE UPDATE ON variable FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'variable is frozen'"
      : "CREATE TRIGGER variable_frozen BEFORE UPDATE ON variable BEGIN SELECT RAISE(ABORT, 'variable is frozen'); END");
  }
}

// One variable as the check prints it.
function show_variable($raw) {
  $value = @unserialize($raw, array('allowed_classes' => FALSE));
  $export = ($value === FALSE || is_object($value)) ? '(unreadable)' : var_export($value, TRUE);
  return bin2hex($raw) . "\n" . $export;
}

// Rows with every value as text (or NULL), sorted by their first column.
function rows_as_text(array $rows) {
  $rows = array_map(function ($row) {
    return array_map(function ($v) { return $v === NULL ? NULL : (string) $v; }, $row);
  }, $rows);
  usort($rows, function ($a, $b) { return strcmp($a[0], $b[0]); });
  return $rows;
}

function found(PDO $pdo) {
  $out = array('variables' => array(), 'tables' => array());
  foreach ($pdo->query('SELECT name, value FROM variable ORDER BY name') as $row) {
    $out['variables'][$row['name']] = show_variable($row['value']);
  }
  foreach (tables() as $table => list($columns)) {
    $rows = $pdo->query("SELECT " . implode(', ', $columns) . " FROM $table")->fetchAll(PDO::FETCH_NUM);
    $out['tables'][$table] = rows_as_text($rows);
  }
  ksort($out['variables'], SORT_STRING);
  return $out;
}

function expected($after) {
  $out = array('variables' => array(), 'tables' => array());
  foreach (variables() as $name => $pair) {
    $raw = is_array($pair) ? serialize($pair[$after ? 1 : 0]) : $pair;
    $out['variables'][$name] = show_variable($raw);
  }
  foreach (tables() as $table => list(, $before, $rows)) {
    $out['tables'][$table] = rows_as_text($after ? $rows : $before);
  }
  ksort($out['variables'], SORT_STRING);
  return $out;
}

if ($mode === 'setup') {
  setup($pdo, $mysql, $frozen);
}
else {
  echo var_export(found($pdo), TRUE), "\n=====\n", var_export(expected($expect === 'after'), TRUE), "\n";
}
