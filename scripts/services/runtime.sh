# Shared by the scripts in scripts/services/. Source it; do not run it.
#
# Every test service keeps its config, pidfile, socket, data and logs under one runtime
# directory: $PROVISION_TEST_RUNTIME, or /tmp/provision-test. Each service writes its
# connection facts to $RUNTIME/<service>.env (KEY=value lines), which the tests read.

. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

RUNTIME="${PROVISION_TEST_RUNTIME:-/tmp/provision-test}"
# The web servers' workers (www-data) must traverse it to reach sockets and site files.
as_root mkdir -p "$RUNTIME"
as_root chmod 0755 "$RUNTIME"

# True when the pidfile names a live process.
pid_alive() {
  [ -s "$1" ] && as_root kill -0 "$(cat "$1")" 2>/dev/null
}

# Waits up to 20 s for a path to exist (a socket or a pidfile).
wait_for_path() {
  local i
  for i in $(seq 1 200); do
    [ -e "$1" ] && return 0
    sleep 0.1
  done
  echo "timed out waiting for $1" >&2
  return 1
}

# Writes KEY=value lines from stdin to an env file, mode 0600, replacing it atomically.
write_env() {
  local file="$1" tmp
  tmp="$(mktemp "$file.XXXXXX")"
  chmod 0600 "$tmp"
  cat >"$tmp"
  mv -f "$tmp" "$file"
}
