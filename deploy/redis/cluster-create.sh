#!/bin/sh
# One-shot step of the compose profile "cluster": join the nodes into a Redis
# Cluster of primaries (no replicas) and wait until it serves every slot.
# Idempotent: a cluster that is already formed is left as it is.
#
# REDIS_CLUSTER_NODES: "host:port host:port host:port"; REDISCLI_AUTH: the password.
set -eu
nodes="${REDIS_CLUSTER_NODES:-redis-node-1:7001 redis-node-2:7002 redis-node-3:7003}"
first="${nodes%% *}"

state() { redis-cli -h "${first%:*}" -p "${first##*:}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }
known() { redis-cli -h "${first%:*}" -p "${first##*:}" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_known_nodes://p'; }

if [ "$(state)" = ok ]; then
  echo "redis cluster already formed ($(known) nodes)"
  exit 0
fi

# CLUSTER MEET takes addresses, not names: resolve the service names here.
# The nodes announce their names to clients (cluster-announce-hostname).
addrs=""
for node in $nodes; do
  host="${node%:*}"
  ip="$(getent ahostsv4 "$host" | awk '{ print $1; exit }')"
  addrs="$addrs ${ip:-$host}:${node##*:}"
done
# shellcheck disable=SC2086  # one argument per node
redis-cli --cluster create $addrs --cluster-replicas 0 --cluster-yes

tries=0
until [ "$(state)" = ok ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 60 ]; then
    echo "redis cluster did not reach cluster_state:ok" >&2
    exit 1
  fi
  sleep 1
done
echo "redis cluster formed: $nodes"
