<?php
// A stand-in for Drush 8's drush_invoke_process() in POST mode, as described in
// the reference: the command line ends in 2>&1, the options go as one JSON
// object on stdin, stdout is read in 4096-byte chunks, packets are matched with
// /\0DRUSH_BACKEND:([^\0]*)\0/ and the result with the OUTPUT_START/END regex.
// Usage: php backend_client.php BINARY ALIAS JSON_OPTIONS [TARGET]
// With TARGET (`@name` or `@none`) it goes before the command, as Drush puts a
// site record's name; an empty ALIAS is then left out of the arguments.
// Prints one JSON object: packets, passthrough text, parsed result, exit code.

list(, $bin, $alias, $post) = $argv;
$target = isset($argv[4]) ? $argv[4] : '';
$quote = function ($v) {
  return preg_match('/^[a-zA-Z0-9.:\/_-]*$/', $v) ? $v : "'" . str_replace("'", "'\\''", $v) . "'";
};
$cmd = $quote($bin) . ' --backend=2' . ($target === '' ? '' : ' ' . $quote($target))
  . ' provision-save' . ($alias === '' ? '' : ' ' . $quote($alias)) . ' 2>&1';
$proc = proc_open($cmd, array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $pipes);
fwrite($pipes[0], $post);
fclose($pipes[0]);

$packets = array();
$output = '';
$remainder = '';
while (!feof($pipes[1])) {
  $chunk = $remainder . fread($pipes[1], 4096);
  $remainder = '';
  // Keep a trailing partial packet for the next read.
  $last = strrpos($chunk, "\0");
  if ($last !== FALSE && (strlen($chunk) - $last < 30 || substr($chunk, $last + 1, 14) === 'DRUSH_BACKEND:')
      && strpos(substr($chunk, $last), 'DRUSH_BACKEND_OUTPUT_END') === FALSE
      && preg_match('/\0DRUSH_BACKEND:[^\0]*$/', $chunk)) {
    $remainder = substr($chunk, $last);
    $chunk = substr($chunk, 0, $last);
  }
  if (preg_match_all("/\0DRUSH_BACKEND:([^\0]*)\0/", $chunk, $m)) {
    foreach ($m[1] as $json) {
      $packets[] = json_decode($json, TRUE);
    }
    $chunk = preg_replace("/\0DRUSH_BACKEND:([^\0]*)\0/", '', $chunk);
  }
  $output .= $chunk;
}
$output .= $remainder;
fclose($pipes[1]);
$code = proc_close($proc);

$result = NULL;
$reencoded = FALSE;
$before = $output;
if (preg_match("/^(.*)DRUSH_BACKEND_OUTPUT_START>>>(.*)<<<DRUSH_BACKEND_OUTPUT_END/s", $output, $m)) {
  $before = $m[1];
  $result = json_decode($m[2], TRUE);
  $reencoded = json_encode($result) === $m[2];
}
echo json_encode(array(
  'code' => $code,
  'packets' => $packets,
  'before' => $before,
  'result' => $result,
  'reencoded_equal' => $reencoded,
  'result_keys' => is_array($result) ? array_keys($result) : NULL,
));
