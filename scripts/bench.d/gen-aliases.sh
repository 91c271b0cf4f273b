# Generates N Aegir-style alias files (servers, platforms, sites, as provision-save
# writes them) into DIR. Source it and call: gen_aliases DIR N
gen_aliases() {
  local dir=$1 n=$2 i
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    case $((i % 20)) in
      0) gen_server "$dir" "server_web$i" ;;
      1 | 2) gen_platform "$dir" "platform_p$i" ;;
      *) gen_site "$dir" "site$i.example.com" ;;
    esac
  done
}

gen_server() {
  cat >"$1/$2.alias.drushrc.php" <<PHP
<?php 
\$aliases['$2'] = array (
  'context_type' => 'server',
  'server' => '@server_master',
  'remote_host' => '$2.example.com',
  'aegir_root' => '/var/aegir',
  'script_user' => 'aegir',
  'ip_addresses' => 
  array (
  ),
  'backup_path' => '/var/aegir/backups',
  'config_path' => '/var/aegir/config/$2',
  'include_path' => '/var/aegir/config/includes',
  'clients_path' => '/var/aegir/clients',
  'master_url' => 'http://aegir.example.com',
  'admin_email' => 'admin@aegir.example.com',
  'http_service_type' => 'nginx',
  'http_port' => '80',
  'http_restart_cmd' => 'sudo /etc/init.d/nginx reload',
  'web_group' => 'www-data',
  'http_app_path' => '/var/aegir/config/$2/nginx',
  'http_platforms_path' => '/var/aegir/platforms',
);
PHP
}

gen_platform() {
  cat >"$1/$2.alias.drushrc.php" <<PHP
<?php 
\$aliases['$2'] = array (
  'context_type' => 'platform',
  'server' => '@server_master',
  'web_server' => '@server_master',
  'root' => '/var/aegir/platforms/$2',
  'makefile' => '',
  'make_working_copy' => false,
);
PHP
}

gen_site() {
  cat >"$1/$2.alias.drushrc.php" <<PHP
<?php 
\$aliases['$2'] = array (
  'context_type' => 'site',
  'platform' => '@platform_p1',
  'server' => '@server_master',
  'db_server' => '@server_master',
  'uri' => '$2',
  'root' => '/var/aegir/platforms/platform_p1',
  'site_path' => '/var/aegir/platforms/platform_p1/sites/$2',
  'site_enabled' => true,
  'language' => 'en',
  'client_name' => 'admin',
  'aliases' => 
  array (
    0 => 'www.$2',
  ),
  'redirection' => false,
  'cron_key' => '',
  'drush_aliases' => 
  array (
  ),
  'profile' => 'standard',
  'install_method' => 'profile',
);
PHP
}
