#!/bin/sh
# Started as root only to hand the data volume to the unprivileged user (a fresh volume is mounted root-owned,
# and files left by an older image that ran as root must become the app's), then runs the command as `defter`.
set -eu
if [ "$(id -u)" = "0" ]; then
    mkdir -p "${DEFTER_INSTANCE:-/data/instance}"
    find /data -xdev ! -user defter -exec chown defter:defter {} +
    exec setpriv --reuid=defter --regid=defter --init-groups --inh-caps=-all "$@"
fi
exec "$@"
