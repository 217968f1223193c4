"""Bulk writes of the rebuild: many keys of one scope per ``lua/fill.lua`` call, sent from a
thread of their own so that Redis works while Postgres computes the next rows."""
from __future__ import annotations

import json
import queue
import threading
import time
from datetime import date

from analytics import keys, periods, scripts

STAGING_SECONDS = 86400  # a staged key waits at most this long for its swap (a crashed rebuild's leftovers)


class Filler:
    """Bulk writes through ``lua/fill.lua``: records buffered per scope (one slot), many keys per
    call, sent by a thread of their own so that Redis works while the next rows are read."""

    def __init__(self, client, generation: str, bytes_per_call: int = 512 * 1024, calls_per_send: int = 8):
        self.client, self.generation = client, generation
        self.bytes_per_call, self.calls_per_send = bytes_per_call, calls_per_send
        self._buffers: dict[str, list] = {}  # scope -> [records, bytes]
        self._calls: list = []
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._sender = threading.Thread(target=self._send_loop, name="rebuild-fill", daemon=True)
        self._sender.start()

    def add(self, scope: str, key: str, kind: str, at: int | None, payload: str) -> None:
        buffer = self._buffers.setdefault(scope, [[], 0])
        buffer[0].append(f"{key}\t{kind}\t{at or 0}\t{payload}")
        buffer[1] += len(payload) + 64
        if buffer[1] >= self.bytes_per_call:
            self._call(scope)

    def _call(self, scope: str) -> None:
        records, _ = self._buffers.pop(scope)
        self._calls.append(("fill", [keys.staging_registry(scope, self.generation)],
                            ["\n".join(records), STAGING_SECONDS]))
        if len(self._calls) >= self.calls_per_send:
            self._put()

    def _put(self) -> None:
        if self._error is not None:
            raise self._error
        calls, self._calls = self._calls, []
        if calls:
            self._queue.put(calls)

    def _send_loop(self) -> None:
        while (calls := self._queue.get()) is not None:
            try:
                if self._error is None:
                    for result in scripts.run(self.client, calls):
                        if isinstance(result, Exception):
                            raise result
            except BaseException as exc:  # reported to the producer at its next put or at close
                self._error = exc

    def flush(self) -> None:
        """Send everything buffered and wait until Redis has it."""
        for scope in list(self._buffers):
            self._call(scope)
        self._put()
        self._queue.put(None)
        self._sender.join()
        if self._error is not None:
            raise self._error


class Staged(Filler):
    """Writes staging keys (registered per scope for the swap)."""

    def __init__(self, client, generation: str, **kw):
        super().__init__(client, generation, **kw)
        self.scopes: set[str] = set()
        self.count = 0
        self.now = int(time.time())

    def stage(self, scope: str, live: str, kind: str, at: int | None, payload: str) -> None:
        if payload in ("", "[]") or (at is not None and at <= self.now):
            return  # nothing, or past its retention (the live key would be gone already)
        self.scopes.add(scope)
        self.count += 1
        self.add(scope, keys.staging(live), kind, at, payload)


def swap(store, scopes, generation: str, since: date | None) -> None:
    """Each scope's staged keys into place, one ``lua/swap.lua`` call per scope (atomic for that scope)."""
    first = periods.since_keys(since)
    since_arg = json.dumps(first) if first else ""
    calls = [("swap", [keys.generation(scope), keys.registry(scope), keys.staging_registry(scope, generation)],
              [generation, since_arg, keys.STAGING, keys.LIVE]) for scope in sorted(scopes)]
    for start in range(0, len(calls), 500):
        for result in scripts.run(store.redis, calls[start:start + 500]):
            if isinstance(result, Exception):
                raise result
