"""Fixed-window attempt counters for sign-in: Redis first, this process's memory when Redis is down.

Redis keeps the count shared by every worker; when it cannot be reached the
limit still holds per process (a dead Redis must not open the door to
password guessing, nor lock everyone out).
"""
from __future__ import annotations

import logging
import threading
import time

from redis.exceptions import RedisError

from analytics.keys import login_attempts as key  # every Redis key is built in analytics.keys

log = logging.getLogger(__name__)


class _MemoryWindows:
    """key → (window end, count); pruned when it grows, so a flood cannot fill memory."""

    def __init__(self):
        self._items: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def incr(self, name: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._items) > 10_000:
                self._items = {k: v for k, v in self._items.items() if v[0] > now}
            end, count = self._items.get(name, (0.0, 0))
            if end <= now:
                end, count = now + window, 0
            self._items[name] = (end, count + 1)
            return count + 1

    def delete(self, name: str) -> None:
        with self._lock:
            self._items.pop(name, None)


_memory = _MemoryWindows()


class AttemptLimiter:
    def __init__(self, redis, limit: int, window: int = 60):
        self.redis, self.limit, self.window = redis, limit, window

    def hit(self, name: str, limit: int | None = None) -> bool:
        """Count one attempt under ``name``; False once the window's limit is passed."""
        return self._incr(name) <= (limit or self.limit)

    def reset(self, name: str) -> None:
        try:
            self.redis.delete(name)
        except (RedisError, OSError):
            pass
        _memory.delete(name)

    def _incr(self, name: str) -> int:
        try:
            # SET NX EX then INCR: the key always carries its TTL (no INCR-then-crash
            # before EXPIRE leaving a counter that never resets). Same key, same slot.
            pipe = self.redis.pipeline(transaction=False)
            pipe.set(name, 0, ex=self.window, nx=True)
            pipe.incr(name)
            return int(pipe.execute()[1])
        except (RedisError, OSError) as exc:
            log.warning("sign-in limiter using process memory: Redis unavailable (%s)", type(exc).__name__)
            return _memory.incr(name, self.window)
