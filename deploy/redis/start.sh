#!/bin/sh
# Start redis-server with deploy/redis/redis.conf and the password from the
# environment (REDISCLI_AUTH, which redis-cli and the health check read too).
# The password goes into a private file at start, never into the image, the
# compose file or a command line. Extra arguments (a cluster node's port and
# cluster options) are passed on to redis-server.
set -eu
: "${REDISCLI_AUTH:?set REDIS_PASSWORD in .env (see .env.example)}"
conf="${REDIS_CONF:-/deploy/redis/redis.conf}"
auth="${REDIS_AUTH_FILE:-/tmp/redis-auth.conf}"
umask 077
printf 'requirepass "%s"\nmasterauth "%s"\n' "$REDISCLI_AUTH" "$REDISCLI_AUTH" > "$auth"
# The official image's entrypoint drops root for the redis user; let it own the file first.
if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then chown redis "$auth"; fi
if command -v docker-entrypoint.sh >/dev/null 2>&1; then
  exec docker-entrypoint.sh redis-server "$conf" --include "$auth" "$@"
fi
exec redis-server "$conf" --include "$auth" "$@"
