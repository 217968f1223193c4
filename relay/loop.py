"""The relay's loop: lead, read a batch of unpublished events, publish it with confirms, mark it.

One relay publishes at a time (a session advisory lock; others wait as
standbys), so batches go out one after another in id order. A batch is marked
published only after the broker confirmed every message of it; a broker that
is down, closes the connection or nacks leaves the batch unmarked, and it goes
again (same message ids) when the broker is back. Events wait in Postgres
meanwhile; the writers never notice. SIGTERM lets the batch in flight finish
(confirm and mark) before the process exits; a harder stop leaves it unmarked,
to be sent again with the same ids.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError

from relay import pending
from store import outbox
from relay.broker import Broker, BrokerError
from relay.messages import UnknownKind, message

log = logging.getLogger("buyfree.relay")

# Per batch the relay waits for its confirms and its mark: at 500 a batch that wait held the stream
# 1.7 s (p50) behind 7,900 purchases/s on the shared 2 cores; at 2,000, 0.39 s (bench/relay.py).
BATCH = 2000
# An empty outbox waits for a commit's NOTIFY (store.outbox.CHANNEL), this long at most: the poll
# is the fallback (a notification cannot be lost on a live connection; a new one LISTENs first).
IDLE_SECONDS = 1.0
RETRY_SECONDS = (0.2, 0.5, 1, 2, 5)  # after a failure, then capped
STANDBY_SECONDS = 2.0


@dataclass
class Counters:
    published: int = 0  # messages confirmed by the broker
    skipped: int = 0  # internal events marked without a message
    batches: int = 0
    failures: int = 0
    started: float = field(default_factory=time.monotonic)


class Relay:
    def __init__(self, store, *, url: str | None = None, exchange: str | None = None, batch: int = BATCH,
                 idle_seconds: float = IDLE_SECONDS):
        self.store = store
        self.broker = Broker(url or store.settings.amqp_url, exchange or store.settings.amqp_exchange)
        self.batch, self.idle_seconds = batch, idle_seconds
        self.stopping = threading.Event()
        self.counters = Counters()
        self.conn = None
        self.leading = False
        self._failures = 0

    def stop(self, *_) -> None:
        self.stopping.set()

    def run(self) -> None:
        log.info("relay started: exchange %s, batches of %d", self.broker.exchange, self.batch)
        try:
            while not self.stopping.is_set():
                self.step()
        finally:
            self.broker.close()
            self._drop_connection()
            log.info("relay stopped: %s", self.counters)

    def step(self) -> bool:
        """One round: True when it sent a batch. Failures are logged and waited out, never raised."""
        try:
            if not self._lead():
                self.stopping.wait(STANDBY_SECONDS)
                return False
            if not self.broker.ready:
                self.broker.close()
                self.broker.connect()
                log.info("relay connected to the broker")
            sent = self._send_batch()
            self._failures = 0
            if not sent:
                self.broker.idle(0)  # heartbeats and a close from the broker are read between waits
                outbox.wait_for_rows(self.conn, self.idle_seconds)
            return sent
        except BrokerError as exc:
            self._failed(f"broker: {exc}")
            self.broker.close()
        except DBAPIError as exc:
            self._failed(f"Postgres: {exc.orig!r}")
            self._drop_connection()
        return False

    def _send_batch(self) -> bool:
        rows = outbox.unpublished(self.conn, self.batch)
        if not rows:
            return False
        tz = self.store.settings.tz
        out, ids = [], []
        for row in rows:
            try:
                built = message(row.id, row.kind, row.payload, row.created_at, tz)
            except UnknownKind:
                log.error("outbox kind %r has no routing key (relay/messages.py): event %s not published",
                          row.kind, row.id)
                built = None
            ids.append(row.id)
            if built is None:
                self.counters.skipped += 1
            else:
                out.append((str(row.id), *built))
        if out:
            self.broker.publish(out)  # raises unless every message was confirmed
        outbox.mark_published(self.conn, ids)
        self.counters.published += len(out)
        self.counters.batches += 1
        return True

    def _lead(self) -> bool:
        if self.conn is None:
            self.conn = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.leading = False
            outbox.listen(self.conn)  # before the first read: a commit after it wakes the wait
        if not self.leading:
            self.leading = pending.try_lead(self.conn)
            if self.leading:
                log.info("relay leads (the other relays, if any, stand by)")
        return self.leading

    def _drop_connection(self) -> None:
        conn, self.conn, self.leading = self.conn, None, False
        if conn is not None:
            try:
                conn.invalidate()  # the session lock goes with it
                conn.close()
            except Exception:
                pass

    def _failed(self, reason: str) -> None:
        self.counters.failures += 1
        wait = RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)]
        self._failures += 1
        (log.warning if self._failures <= 3 else log.debug)("relay: %s; retrying in %.1f s", reason, wait)
        self.stopping.wait(wait)
