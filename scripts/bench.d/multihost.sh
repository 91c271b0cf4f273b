# Multi-host benchmarks on the test hosts scripts/services/hosts builds (the master in
# network namespace pv-ctl, web hosts pv-web1..3 with their own sshd, nginx, php-fpm and
# files, MariaDB on pv-db):
#
#   1. verify of MH_SITES (100) sites on a cluster of the 3 web hosts: ONE
#      `provision @s1,...,@s100 provision-verify` against a bash loop that, site after
#      site and host after host, issues what Aegir's verify of a site issues there
#      (scripts/bench.d/aegir-way-verify.sh), and, for information, against one
#      single-site provision-verify per site.
#   2. migrate of a site with 200 x 500 KB of incompressible uploads from a platform on
#      web1 to one on web2, against the plain tools moving the same data (mysqldump, rsync
#      web1 -> master -> web2, mysql import).
#
# Source it from scripts/bench and call multihost_bench (needs $bin, the release binary,
# and $work, a scratch directory the caller removes); it fills MH_ROWS ("label|ours ms|
# other ms|ratio") and MH_NOTES, or sets MH_SKIPPED to why it did not run. Or run it
# directly for these benchmarks alone: scripts/bench.d/multihost.sh
#
# It takes the hosts' test lock ($RUNTIME/hosts-tests.lock) for its whole run, so it never
# runs while the multi-host tests do, and empties the Aegir root of every host and drops
# its databases (all named pvbench*) before and after, as those tests do.
#
# Tunables (environment): MH_SITES (100 sites), MH_VERIFY_RUNS (3 runs of the batched
# verify, median), MH_BASE_SITES (sites the Aegir-way loop is timed over, default all; fewer
# are extrapolated and the label says so), MH_SINGLE (likewise for the single-site runs),
# MH_MIGRATE_RUNS (3, median), MH_FILES (200) and MH_FILE_KB (500).

MH_ROWS=()
MH_SKIPPED=""
MH_NOTES=()

# Reads $RUNTIME/hosts.env into H_<KEY> variables. Values are not quoted there (the reload
# command has spaces), so each line is split at its first '=' and never evaluated.
mh_read_facts() {
  local key value
  while IFS='=' read -r key value; do
    [[ "$key" =~ ^[A-Z0-9_]+$ ]] || continue
    printf -v "H_$key" '%s' "$value"
  done <"$MH_RUNTIME/hosts.env"
}

# Runs a command on the master (network namespace pv-ctl) with HOME the Aegir root, where
# provision keeps its aliases (.drush).
mh_ctl() {
  ip netns exec "$H_CTL_NS" env HOME="$H_AEGIR_ROOT" "$@"
}

# provision-save on the master; output only on failure.
mh_save() {
  local out
  out=$(mh_ctl "$bin" provision-save "$@" 2>&1) || { echo "$out" >&2; return 1; }
}

# A provision task command on the master with the options the remote hosts need; output
# only on failure.
mh_task() {
  local out
  out=$(mh_ctl "$bin" "$@" --ssh_config="$H_SSH_CONFIG" --phpfpm_socket_path="$H_FPM_SOCKET" 2>&1) \
    || { echo "$out" >&2; return 1; }
}

# The MariaDB client on the master, as the db host's admin; the password goes on fd 3,
# never on a command line.
mh_mysql() {
  mh_ctl mysql --defaults-extra-file=/dev/fd/3 -h "$H_DB_HOST" -P "$H_DB_PORT" -N -B "$@" \
    3< <(printf '[client]\nuser=%s\npassword=%s\n' "$H_DB_USER" "$H_DB_PASSWORD")
}

# mysqldump on the master, credentials as for mh_mysql.
mh_mysqldump() {
  mh_ctl mysqldump --defaults-extra-file=/dev/fd/3 -h "$H_DB_HOST" -P "$H_DB_PORT" "$@" \
    3< <(printf '[client]\nuser=%s\npassword=%s\n' "$H_DB_USER" "$H_DB_PASSWORD")
}

# Drops the databases and accounts the bench made on the db host: every site's database
# and user is named after its URI, and every URI starts with pvbench, so a run cut short
# before leaves nothing behind either.
mh_db_clean() {
  local sql
  sql=$(mh_mysql -e "
    SELECT CONCAT('DROP DATABASE IF EXISTS \`', SCHEMA_NAME, '\`;') FROM information_schema.SCHEMATA
      WHERE SCHEMA_NAME LIKE 'pvbench%';
    SELECT CONCAT('DROP USER IF EXISTS ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user
      WHERE User LIKE 'pvbench%';")
  [ -z "$sql" ] || mh_mysql -e "$sql"
}

# Reloads web host $1's nginx (SIGHUP to its master) and waits until the workers of the
# old config are gone, so what it serves next is the current config's.
mh_reload_nginx() {
  local pid old child i
  pid=$(cat "$H_NET/hosts/$1/local/nginx.pid")
  old=$(cat "/proc/$pid/task/$pid/children")
  kill -HUP "$pid"
  for i in $(seq 1 500); do
    local left=0
    for child in $(cat "/proc/$pid/task/$pid/children" 2>/dev/null); do
      [[ " $old " == *" $child "* ]] && left=1
    done
    [ "$left" -eq 0 ] && return 0
    sleep 0.02
  done
  echo "nginx of $1 kept its old workers" >&2
  return 1
}

# Empties the Aegir root on the master and on every web host (keeping the directories:
# the web hosts' bind mounts hang on them), reloads each web host's nginx so no config
# published before is served, and drops what the bench made on the db host.
mh_fresh() {
  local web
  find "$H_AEGIR_ROOT" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system -- {} +
  for web in web1 web2 web3; do
    find "$H_NET/hosts/$web/aegir" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system -- {} +
    mh_reload_nginx "$web"
  done
  mh_db_clean
}

# The server contexts every benchmark starts from: the master, web1..3 (nginx), the db
# host, and a cluster of the three web hosts. As compat-tests/multihost.rs saves them.
mh_servers() {
  local n enc
  mh_save @server_master --context_type=server --remote_host=localhost \
    --aegir_root="$H_AEGIR_ROOT" --script_user=root --http_service_type=nginx --web_group=www-data
  for n in 1 2 3; do
    local ip_var="H_WEB$n"
    mh_save "@server_web$n" --context_type=server --remote_host="${!ip_var}" --script_user=root \
      --http_service_type=nginx --http_port="$H_HTTP_PORT" --http_restart_cmd="$H_NGINX_RELOAD"
  done
  enc=$(mh_urlencode "$H_DB_PASSWORD")
  mh_save @server_db --context_type=server --remote_host="$H_DB_HOST" --script_user=root \
    --db_service_type=mysql --master_db="mysql://$H_DB_USER:$enc@$H_DB_HOST:$H_DB_PORT" \
    --db_port="$H_DB_PORT"
  mh_save @server_cluster --context_type=server --http_service_type=cluster \
    --cluster_web_servers=@server_web1,@server_web2,@server_web3
}

# Percent-encodes $1 for a URL's userinfo (everything but unreserved characters).
mh_urlencode() {
  # Bytes, not characters: a multibyte character is encoded byte by byte.
  local LC_ALL=C
  local s=$1 out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# A platform @platform_$1 on web server $2: a copy of the fixture platform under the Aegir
# root (published by a later verify).
mh_platform() {
  mkdir -p "$H_AEGIR_ROOT/platforms"
  cp -a fixtures/platforms/drupal7-mini "$H_AEGIR_ROOT/platforms/$1"
  mh_save "@platform_$1" --context_type=platform --root="$H_AEGIR_ROOT/platforms/$1" \
    --web_server="$2"
}

# Saves and installs site $1 on @platform_$2, its database on the db host.
mh_install() {
  mh_save "@$1" --context_type=site --uri="$1" --platform="@platform_$2" \
    --db_server=@server_db --profile=standard
  mh_task "@$1" provision-install
}

# GET http://IP/PATH with Host: $2 from the master; prints the status then the body.
mh_curl() {
  mh_ctl curl -sS --max-time 5 -w '\n%{http_code}' -H "Host: $2" "http://$1:$H_HTTP_PORT$3"
}

# Waits up to 10 s until web host IP $1 serves site $2's front page (status 200, its name
# as the site name).
mh_serves() {
  local i body
  for i in $(seq 1 100); do
    body=$(mh_curl "$1" "$2" / 2>/dev/null || true)
    if [ "${body##*$'\n'}" = 200 ] && [[ "$body" == *"<h1 id=\"site-name\">$2</h1>"* ]]; then
      return 0
    fi
    sleep 0.1
  done
  echo "http://$1/ (Host: $2) does not serve the site; last answer: ${body:0:300}" >&2
  return 1
}

# Wall time of "$@" in ms, into the global MH_MS; the command's output goes to
# $work/mh-last.log, shown if it fails.
mh_time() {
  local start end
  start=$(date +%s%N)
  "$@" >"$work/mh-last.log" 2>&1 || { cat "$work/mh-last.log" >&2; return 1; }
  end=$(date +%s%N)
  MH_MS=$(((end - start) / 1000000))
}

# The median of the numbers given.
mh_median() {
  printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

mh_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# Checks that every web host serves sites $@.
mh_all_serve() {
  local uri n
  for uri in "$@"; do
    for n in 1 2 3; do
      local ip_var="H_WEB$n"
      mh_serves "${!ip_var}" "$uri"
    done
  done
}

# The Aegir-way baseline over sites $@ (scripts/bench.d/aegir-way-verify.sh), on the master.
mh_aegir_way() {
  mh_ctl env SSH_CONFIG="$H_SSH_CONFIG" RELOAD="$H_NGINX_RELOAD" AEGIR_ROOT="$H_AEGIR_ROOT" \
    MEMBERS="server_web1=$H_WEB1 server_web2=$H_WEB2 server_web3=$H_WEB3" \
    bash scripts/bench.d/aegir-way-verify.sh "$H_AEGIR_ROOT/platforms/v" "$@"
}

# One provision-verify run per site $@, one after the other.
mh_single_verifies() {
  local uri
  for uri in "$@"; do
    mh_task "@$uri" provision-verify
  done
}

# Benchmark 1: verify of MH_SITES sites on a 3-host cluster.
mh_verify_bench() {
  local n=${MH_SITES:-100} runs=${MH_VERIFY_RUNS:-3} base_n=${MH_BASE_SITES:-${MH_SITES:-100}}
  local single_n=${MH_SINGLE:-${MH_SITES:-100}} i uri list sample times=() t_ours t_base t_single
  local sites=()
  for ((i = 1; i <= n; i++)); do sites+=("pvbench$i.test"); done
  list=$(printf '@%s,' "${sites[@]}")
  list=${list%,}
  sample=("${sites[0]}" "${sites[$((n / 2))]}" "${sites[$((n - 1))]}")

  step "multihost: setup: servers, a platform on a cluster of web1..3, $n sites installed"
  mh_fresh
  mh_servers
  mh_task @server_cluster provision-verify
  mh_platform v @server_cluster
  mh_task @platform_v provision-verify
  # One install after the other: installs run at once on one platform can fail (one's
  # rsync of a config directory sees another's temp file vanish: rsync exit 24).
  for uri in "${sites[@]}"; do
    mh_install "$uri" v
  done
  # One batched verify untimed: every site's files and configs in place on every host.
  mh_task "$list" provision-verify
  mh_all_serve "${sample[@]}"

  step "multihost: timing one provision-verify of the $n sites ($runs runs, median)"
  for ((i = 0; i < runs; i++)); do
    mh_time mh_task "$list" provision-verify
    times+=("$MH_MS")
  done
  t_ours=$(mh_median "${times[@]}")
  mh_all_serve "${sample[@]}"

  step "multihost: timing the Aegir-way loop over $base_n of the sites (1 run)"
  mh_time mh_aegir_way "${sites[@]:0:base_n}"
  t_base=$((MH_MS * n / base_n))
  mh_all_serve "${sample[@]}"

  step "multihost: timing $single_n sequential single-site provision-verify runs (1 run)"
  mh_time mh_single_verifies "${sites[@]:0:single_n}"
  t_single=$((MH_MS * n / single_n))
  mh_all_serve "${sample[@]}"

  local base_label="Aegir-way loop" single_label="$n single-site runs"
  [ "$base_n" -eq "$n" ] || base_label+=" ($base_n timed, x$n/$base_n)"
  [ "$single_n" -eq "$n" ] || single_label+=" ($single_n timed, x$n/$single_n)"
  MH_ROWS+=("verify $n sites on 3 hosts, 1 run vs $base_label|$t_ours|$t_base|$(mh_ratio "$t_base" "$t_ours")x faster")
  MH_ROWS+=("verify $n sites on 3 hosts, 1 run vs $single_label|$t_ours|$t_single|$(mh_ratio "$t_single" "$t_ours")x faster")
  MH_NOTES+=("verify of $n sites, batched runs (ms): ${times[*]}; the Aegir-way loop is only the rsyncs (site dir, vhost.d, sites.php) and the reload, per site and host, over new ssh connections: no rendering counted, which favours it")
}

# Random bytes (incompressible, like photos) for the migrate benchmark's uploads: MH_FILES
# files of MH_FILE_KB KB, made once into $work/uploads and copied into each setup.
mh_make_uploads() {
  local i
  [ -d "$work/uploads" ] && return 0
  mkdir -p "$work/uploads.tmp"
  for ((i = 1; i <= ${MH_FILES:-200}; i++)); do
    head -c "$((${MH_FILE_KB:-500} * 1024))" /dev/urandom >"$work/uploads.tmp/photo-$i.jpg"
  done
  mv "$work/uploads.tmp" "$work/uploads"
}

# The migrate benchmark's starting point: platform a on web1, platform b on web2, site
# pvbenchmig.test installed on a, and its uploads in files/ on web1 only (written into
# web1's own tree, owned by the web group's user, as PHP would have written them).
mh_migrate_setup() {
  local files
  mh_fresh
  mh_servers
  mh_platform a @server_web1
  mh_platform b @server_web2
  mh_task @server_web1,@server_web2 provision-verify
  mh_task @platform_a,@platform_b provision-verify
  mh_install pvbenchmig.test a
  mh_serves "$H_WEB1" pvbenchmig.test
  files="$H_NET/hosts/web1/aegir/platforms/a/sites/pvbenchmig.test/files"
  cp -r "$work/uploads" "$files/uploads"
  chown -R www-data:www-data "$files/uploads"
}

# The migrate baseline: what moving the same data takes with the plain tools, from the
# master: mysqldump of the site's database, rsync -akz of its files web1 -> master and
# master -> web2 (into a directory of its own there), and the import into a new database.
mh_plain_move() {
  local site="$H_AEGIR_ROOT/platforms/a/sites/pvbenchmig.test" db
  db=$(mh_mysql -e "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'pvbenchmig%';")
  rm -rf "$work/plain"
  mkdir -p "$work/plain"
  mh_mysqldump --single-transaction --quick "$db" >"$work/plain/database.sql"
  mh_ctl rsync -e "ssh -F $H_SSH_CONFIG" -akz "root@$H_WEB1:$site/files" "$work/plain/"
  mh_ctl rsync -e "ssh -F $H_SSH_CONFIG" -akz "$work/plain/files" "root@$H_WEB2:$H_AEGIR_ROOT/pvbench-plain/"
  mh_mysql -e "CREATE DATABASE pvbenchplain"
  mh_mysql pvbenchplain <"$work/plain/database.sql"
}

# Total bytes and count of the regular files under $1, as "BYTES FILES".
mh_tree_size() {
  find "$1" -type f -printf '%s\n' | awk '{s += $1; n++} END {printf "%d %d", s, n}'
}

# Benchmark 2: migrate of a site with MH_FILES x MH_FILE_KB KB of uploads from a platform
# on web1 to one on web2, against the plain tools moving the same data. Each run starts
# from a new setup (the migrate removes the original); the baseline runs first in it, as
# it leaves the site where it is.
mh_migrate_bench() {
  local runs=${MH_MIGRATE_RUNS:-3} i ours=() plain=() want got t_ours t_plain what
  mh_make_uploads
  want=$(mh_tree_size "$work/uploads")
  what="${MH_FILES:-200} x ${MH_FILE_KB:-500} KB uploads"
  step "multihost: migrate of a site with $what ($((${want% *} / 1000000)) MB), web1 -> web2 ($runs runs, median)"
  for ((i = 0; i < runs; i++)); do
    mh_migrate_setup
    mh_time mh_plain_move
    plain+=("$MH_MS")
    got=$(mh_tree_size "$H_NET/hosts/web2/aegir/pvbench-plain/files/uploads")
    [ "$got" = "$want" ] || { echo "the plain copy on web2 holds $got bytes/files, not $want" >&2; return 1; }

    mh_time mh_task @pvbenchmig.test provision-migrate @platform_b
    ours+=("$MH_MS")
    mh_serves "$H_WEB2" pvbenchmig.test
    got=$(mh_tree_size "$H_NET/hosts/web2/aegir/platforms/b/sites/pvbenchmig.test/files/uploads")
    [ "$got" = "$want" ] || { echo "web2 holds $got bytes/files of the uploads, not $want" >&2; return 1; }
    [ ! -e "$H_NET/hosts/web1/aegir/platforms/a/sites/pvbenchmig.test" ] \
      || { echo "web1 still holds the migrated site" >&2; return 1; }
  done
  t_ours=$(mh_median "${ours[@]}")
  t_plain=$(mh_median "${plain[@]}")
  MH_NOTES+=("migrate runs (ms): provision-migrate ${ours[*]}; mysqldump+rsync+import ${plain[*]} (moves the data only: no backup tarball, no configs or reload, nothing removed from web1)")
  MH_ROWS+=("migrate, $what, web1->web2, vs mysqldump+rsync|$t_ours|$t_plain|$(mh_ratio "$t_ours" "$t_plain")x plain")
}

# Cleans up after the benchmarks, whatever happened: empty Aegir roots, no pvbench database.
mh_cleanup() {
  mh_fresh || echo "multihost: cleaning the test hosts failed; run scripts/services/hosts" >&2
}

# Both benchmarks, on the hosts alone (the test lock held). Skipped, saying why, when the
# hosts cannot be built: they need root (network namespaces, mounts).
multihost_bench() {
  if [ "$(id -u)" -ne 0 ]; then
    MH_SKIPPED="the test hosts need root (network namespaces): run scripts/bench as root"
    return 0
  fi
  step "multihost: test hosts (scripts/services/hosts)"
  if ! scripts/services/hosts >"$work/mh-hosts.log" 2>&1; then
    MH_SKIPPED="scripts/services/hosts failed: $(tail -n 1 "$work/mh-hosts.log")"
    return 0
  fi
  # $RUNTIME, where the hosts keep their facts and the tests their lock.
  . scripts/services/runtime.sh
  MH_RUNTIME=$RUNTIME
  mh_read_facts
  exec {mh_lock}>"$MH_RUNTIME/hosts-tests.lock"
  if ! flock -n "$mh_lock"; then
    step "multihost: waiting for the multi-host tests to release the hosts"
    flock "$mh_lock"
  fi
  # Clean the hosts even when a benchmark fails; the caller's trap removes $work.
  local restore
  restore=$(trap -p EXIT)
  trap 'mh_cleanup; rm -rf "$work"' EXIT
  mh_fresh
  mh_verify_bench
  mh_migrate_bench
  mh_cleanup
  eval "${restore:-trap - EXIT}"
  exec {mh_lock}>&-
}

# Run directly: these benchmarks alone, in the bench's table format.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/../.."
  . scripts/lib/common.sh
  step "building provision (release)"
  cargo build --release --locked -q
  bin=target/release/provision
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  multihost_bench
  [ -z "$MH_SKIPPED" ] || { echo "multi-host benchmarks skipped: $MH_SKIPPED"; exit 0; }
  echo
  printf '%-72s %12s %10s %14s\n' "benchmark" "provision ms" "other ms" "ratio"
  for r in "${MH_ROWS[@]}"; do
    IFS='|' read -r label ours other ratio <<<"$r"
    printf '%-72s %12s %10s %14s\n' "$label" "$ours" "$other" "$ratio"
  done
  printf '%s\n' "${MH_NOTES[@]}"
fi
