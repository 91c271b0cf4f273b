#!/usr/bin/env bash
# The baseline of the multi-host verify benchmark: what Aegir's verify of each site sends
# to the web servers of a cluster, one site after the other. For each site and each member
# it runs the remote commands Aegir issues for that site there, each over a new ssh
# connection (Aegir has no connection sharing): the rsync of the site directory (uploads
# left out), of the server's vhost.d directory and of the platform's sites/sites.php, then
# the web server's reload command. Nothing is rendered: the configs are already on the
# master, which favours this baseline.
#
# Usage (on the master): aegir-way-verify.sh PLATFORM_ROOT URI...
# Environment: SSH_CONFIG (ssh client config), RELOAD (the reload command run on each host),
# AEGIR_ROOT, MEMBERS ("server_web1=10.77.0.11 server_web2=..." : each member's server
# name, whose config dir holds its vhost.d, and address).
set -euo pipefail

platform_root=$1
shift

# Aegir's rsync of one path to a host: -akz, the version-control excludes, the extra
# rules given, --relative so the path lands at the same absolute path there, --delete.
aegir_sync() {
  local address=$1 path=$2
  shift 2
  rsync -e "ssh -F $SSH_CONFIG" -akz \
    --exclude=.git --exclude=.gitignore --exclude=.hg --exclude=.hgignore --exclude=.hgrags \
    --exclude=.bzr --exclude=.bzrignore --exclude=.bzrtags --exclude=.svn \
    "$@" --relative --keep-dirlinks --omit-dir-times --delete "$path" "root@$address:/"
}

for uri in "$@"; do
  for member in $MEMBERS; do
    server=${member%%=*}
    address=${member#*=}
    aegir_sync "$address" "$platform_root/sites/$uri" --exclude='files/*' --exclude='private/*'
    aegir_sync "$address" "$AEGIR_ROOT/config/$server/nginx/vhost.d"
    aegir_sync "$address" "$platform_root/sites/sites.php"
    ssh -F "$SSH_CONFIG" "root@$address" "$RELOAD"
  done
done
