<?php
// The PHP baseline for provision-save's latency: what Aegir's save does at the
// least (include the alias file, var_export the record, write the file, chmod).
// Usage: php save.php ALIAS_DIR NAME
list(, $dir, $name) = $argv;
$file = "$dir/$name.alias.drushrc.php";
include $file;
@chmod($file, 0640);
file_put_contents($file, "<?php \n\$aliases['$name'] = " . var_export($aliases[$name], TRUE) . ";\n");
chmod($file, 0440);
