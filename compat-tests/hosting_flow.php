<?php
/**
 * One step of Aegir's hosting task runner, run inside a real Drush 8 process:
 *
 *   HOSTING_FLOW_STEP='{"kind":"save","name":"@site","options":{...}}' drush php-script hosting_flow.php
 *   HOSTING_FLOW_STEP='{"kind":"task","name":"@site","command":"provision-install",
 *                       "args":[...],"options":{...}}' drush php-script hosting_flow.php
 *
 * A save is what drush_hosting_task() runs for task types that carry
 * provision_save: drush_invoke_process('@none', 'provision-save', array('@NAME'),
 * $context_options, array('method' => 'POST', 'integrate' => TRUE)).
 * A task is provision_backend_invoke('@NAME', 'provision-TASK', $args, $options,
 * 'POST'), which provision (or the provision_rs shim) defines; after a
 * successful provision-delete, hosting saves the context with --delete.
 *
 * Prints one line, HOSTING_FLOW_JSON>>>{json}<<<HOSTING_FLOW_JSON, holding:
 *   result         the parsed backend result of the step, as hosting receives it
 *   delete_result  the result of the follow-up provision-save --delete (deletes only)
 *   drush_errors   the errors this process collected (integrate turns the
 *                  child's error packets into drush_set_error() here)
 *   invoker        "provision_backend_invoke", or "drush_invoke_process" when
 *                  that function is not defined in this process
 *   seconds        wall time of the step (the follow-up delete included)
 */

$step = json_decode(getenv('HOSTING_FLOW_STEP'), TRUE);
if (!is_array($step)) {
  fwrite(STDERR, "HOSTING_FLOW_STEP must hold the step as a JSON object\n");
  exit(2);
}
$options = isset($step['options']) ? $step['options'] : array();
$args = isset($step['args']) ? $step['args'] : array();
$backend = array('method' => 'POST', 'integrate' => TRUE);

$report = array('invoker' => NULL, 'delete_result' => NULL);
$start = microtime(TRUE);

if ($step['kind'] === 'save') {
  $report['result'] = drush_invoke_process('@none', 'provision-save', array($step['name']), $options, $backend);
}
else {
  if (function_exists('provision_backend_invoke')) {
    $report['invoker'] = 'provision_backend_invoke';
    $report['result'] = provision_backend_invoke($step['name'], $step['command'], $args, $options, 'POST');
  }
  else {
    // The call provision_backend_invoke() makes, so the step still runs.
    $report['invoker'] = 'drush_invoke_process';
    $report['result'] = drush_invoke_process('@' . ltrim($step['name'], '@'), $step['command'], $args, $options,
      $backend + array('dispatch-using-alias' => TRUE));
  }
  if ($step['command'] === 'provision-delete' && !drush_get_error()) {
    $report['delete_result'] = drush_invoke_process('@none', 'provision-save', array($step['name']),
      array('delete' => TRUE), $backend);
  }
}

$report['seconds'] = microtime(TRUE) - $start;
$report['drush_errors'] = drush_get_error_log();
// The errors were reported above; clear them so this process's own exit
// status does not hide the JSON from the caller.
drush_clear_error();
print 'HOSTING_FLOW_JSON>>>' . json_encode($report, JSON_PARTIAL_OUTPUT_ON_ERROR) . "<<<HOSTING_FLOW_JSON\n";
