"""Redis clients from URLs: single server, TLS, Unix socket, or a cluster."""
from __future__ import annotations

from urllib.parse import urlsplit

import redis
from redis.cluster import ClusterNode, RedisCluster

CLUSTER_SCHEME = "redis+cluster://"

# Fail fast: ingest must not wait on a dead Redis (the outbox catches up).
SOCKET_TIMEOUT = 1.0
CONNECT_TIMEOUT = 0.5


def make_redis(url: str, *, socket_timeout: float = SOCKET_TIMEOUT, **kwargs):
    """Return a redis-py client for ``url``; nothing is connected yet."""
    options = dict(decode_responses=True, socket_timeout=socket_timeout,
                   socket_connect_timeout=CONNECT_TIMEOUT, health_check_interval=30)
    options.update(kwargs)
    if url.startswith(CLUSTER_SCHEME):
        return RedisCluster(startup_nodes=cluster_nodes(url), **options)
    return redis.Redis.from_url(url, **options)


def cluster_nodes(url: str) -> list[ClusterNode]:
    """``redis+cluster://h1:7001,h2:7002`` → seed nodes."""
    rest = url[len(CLUSTER_SCHEME):].split("/", 1)[0]
    if "@" in rest:
        rest = rest.rsplit("@", 1)[1]
    nodes = []
    for part in rest.split(","):
        split = urlsplit("//" + part.strip())
        nodes.append(ClusterNode(split.hostname or "127.0.0.1", split.port or 6379))
    return nodes


def is_cluster(client) -> bool:
    return isinstance(client, RedisCluster)
