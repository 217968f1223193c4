"""Redis clients from URLs: single server, TLS, Unix socket, or a cluster."""
from __future__ import annotations

import threading
from urllib.parse import unquote, urlsplit

import redis
from redis.cluster import ClusterNode, ClusterPipeline, RedisCluster
from redis.exceptions import RedisClusterException, RedisError

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
        options.update(cluster_credentials(url))
        # A client built while one node restarts still serves the other nodes' slots.
        options.setdefault("require_full_coverage", False)
        return LazyCluster(startup_nodes=cluster_nodes(url), **options)
    return redis.Redis.from_url(url, **options)


def with_timeout(client, socket_timeout: float):
    """A client like ``client`` (same server, same options) but waiting ``socket_timeout`` for replies:
    for batch jobs whose single calls move a lot (the rebuild), beside ingest's fail-fast client."""
    if isinstance(client, LazyCluster):
        return LazyCluster(**{**client._options, "socket_timeout": socket_timeout})
    if isinstance(client, RedisCluster):
        raise TypeError("make cluster clients with make_redis (a LazyCluster)")
    pool = client.connection_pool
    options = {**pool.connection_kwargs, "socket_timeout": socket_timeout}
    return redis.Redis(connection_pool=pool.__class__(connection_class=pool.connection_class, **options))


class LazyCluster:
    """A ``RedisCluster`` built on first use, behaving as one from then on.

    redis-py's cluster client connects in its constructor (to learn the slot
    map) and raises when no node answers. Built eagerly, a cluster that is
    down while a worker boots would stop the worker, and ingest must go on
    without Redis. A failed build raises ``redis.ConnectionError`` (what
    callers already catch) and is tried again on the next use.
    """

    def __init__(self, **options):
        self._options = options
        self._client: RedisCluster | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> RedisCluster:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    try:
                        self._client = RedisCluster(**self._options)
                    except (RedisClusterException, RedisError) as exc:
                        raise redis.ConnectionError(f"Redis Cluster unreachable: {exc}") from exc
        return self._client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def pipeline(self, transaction=None, shard_hint=None):
        pipe = self.client.pipeline(transaction=transaction, shard_hint=shard_hint)
        pipe.__class__ = SlotPipeline
        return pipe

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _cluster_netloc(url: str) -> tuple[str, str]:
    """``redis+cluster://[user:password@]h1:7001,h2:7002[/...]`` → (userinfo, hosts)."""
    rest = url[len(CLUSTER_SCHEME):].split("/", 1)[0].split("?", 1)[0]
    userinfo, _, hosts = rest.rpartition("@")
    return userinfo, hosts


def cluster_nodes(url: str) -> list[ClusterNode]:
    """``redis+cluster://h1:7001,h2:7002`` → seed nodes."""
    nodes = []
    for part in _cluster_netloc(url)[1].split(","):
        split = urlsplit("//" + part.strip())
        nodes.append(ClusterNode(split.hostname or "127.0.0.1", split.port or 6379))
    return nodes


def cluster_credentials(url: str) -> dict:
    """The ``user:password@`` of a cluster URL (every node shares them), as client options."""
    userinfo = _cluster_netloc(url)[0]
    if not userinfo:
        return {}
    user, _, password = userinfo.partition(":")
    options = {"password": unquote(password)} if password else {}
    if user:
        options["username"] = unquote(user)
    return options


def is_cluster(client) -> bool:
    return isinstance(client, (RedisCluster, LazyCluster))


class SlotPipeline(ClusterPipeline):
    """A cluster pipeline that also takes EVALSHA and BITOP.

    redis-py blocks these two in cluster pipelines by method name, though it
    routes them by their keys like any other command. BuyFree's keys put all
    that one call touches under one hash tag (``analytics.keys``), so they
    are safe here; a call whose keys span two slots is still refused
    (``RedisClusterException``) before anything is sent.
    """

    def evalsha(self, sha, numkeys, *keys_and_args):
        return self.execute_command("EVALSHA", sha, numkeys, *keys_and_args)

    def bitop(self, operation, dest, *keys):
        return self.execute_command("BITOP", operation, dest, *keys)
