<?php
// The PHP equivalent of `drush sa` (list) over one alias directory: scan it
// recursively, include every alias file the way Drush 8's loader does, and print
// the sorted alias names. Usage: php sa-list.php DIR
function bench_scan($dir, &$files) {
  foreach (scandir($dir) as $name) {
    if ($name[0] === '.' || in_array($name, array('files', 'tests', 'examples', 'cache'))) {
      continue;
    }
    $path = "$dir/$name";
    if (is_dir($path)) {
      bench_scan($path, $files);
    }
    elseif (preg_match('/(\.alias|aliases)\.drush(8|)rc\.php$/', $name)) {
      $files[] = $path;
    }
  }
}
function bench_load($file) {
  $aliases = $options = array();
  include $file;
  if (empty($aliases) && !empty($options)) {
    $aliases[strstr(basename($file), '.', TRUE)] = $options;
  }
  return array_keys($aliases);
}
$files = array();
bench_scan($argv[1], $files);
$names = array('@none');
foreach ($files as $file) {
  foreach (bench_load($file) as $name) {
    $names[] = '@' . $name;
  }
}
sort($names);
echo implode("\n", array_unique($names)), "\n";
