"""Purchases sent by several client threads to a real server, every answer recorded, and the
checks that nothing answered 2xx was lost: in Postgres at once, in Redis after a replay."""
from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import requests
from sqlalchemy import text

_keys = itertools.count(1)


@dataclass
class Sent:
    key: str
    body: dict
    status: int | None  # None: no answer (connection refused or cut)
    purchase_id: str | None = None


@dataclass
class PurchaseLoad:
    base: str
    device_token: str
    threads: int = 6
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self):
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._workers = [threading.Thread(target=self._run, daemon=True, name=f"load-{i}")
                         for i in range(self.threads)]

    def start(self) -> "PurchaseLoad":
        for worker in self._workers:
            worker.start()
        return self

    def _run(self) -> None:
        session = requests.Session()  # keep-alive, as a device would
        while not self._stop.is_set():
            key = f"load-{next(_keys)}-{time.monotonic_ns()}"
            body = {"occurred_at": datetime.now(timezone.utc).isoformat(),
                    "items": [{"sku": "COLA-330", "quantity": 1}], "payment": {"method": "cash"}}
            record = self.send(session, key, body)
            if record.status is None:
                session = requests.Session()
                time.sleep(0.05)  # the server is going or gone: do not spin
            with self._lock:
                self.sent.append(record)

    def send(self, session, key: str, body: dict) -> Sent:
        try:
            reply = session.post(self.base + "/api/v1/purchases", json=body, timeout=30, headers={
                "Authorization": f"Bearer {self.device_token}", "Idempotency-Key": key})
        except requests.RequestException:
            return Sent(key, body, None)
        return Sent(key, body, reply.status_code, reply.json().get("id") if reply.ok else None)

    def retry_unanswered(self, base: str) -> list[Sent]:
        """What a device does next: the same requests, same keys and bodies, to ``base``."""
        self.base = base
        session = requests.Session()
        return [self.send(session, s.key, s.body) for s in self.sent if s.status is None]

    def accepted(self) -> list[Sent]:
        with self._lock:
            return [s for s in self.sent if s.status is not None and 200 <= s.status < 300]

    def wait_accepted(self, count: int, wait: float = 120.0) -> None:
        """Until ``count`` purchases got a 2xx in all (a progress wait, not a timing assertion)."""
        deadline = time.monotonic() + wait
        while len(self.accepted()) < count:
            if time.monotonic() > deadline:
                statuses = sorted({s.status for s in self.sent}, key=str)
                raise RuntimeError(f"only {len(self.accepted())} of {count} accepted; statuses {statuses}")
            time.sleep(0.02)

    def wait_more(self, count: int, wait: float = 120.0) -> None:
        """Until ``count`` more purchases than now got a 2xx."""
        self.wait_accepted(len(self.accepted()) + count, wait)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)


def ids_in_postgres(store, ids: list[str]) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM purchases WHERE id = ANY(:ids)"), {"ids": ids}).scalars())


def replay_until_done(store, tries: int = 50) -> None:
    """The scheduler's outbox replay, run until nothing is pending."""
    from analytics import replay_outbox

    for _ in range(tries):
        replay_outbox(store)
        with store.engine.connect() as conn:
            if not conn.execute(text("SELECT count(*) FROM outbox WHERE applied_at IS NULL")).scalar():
                return
        time.sleep(0.2)
    raise AssertionError("outbox events still pending after the replay")


def assert_figures_match_postgres(store) -> None:
    """Platform and per-driver retail totals in Redis equal the sums of the purchases in Postgres."""
    from analytics.queries import summary

    with store.engine.connect() as conn:
        total = conn.execute(text("SELECT coalesce(sum(total_cents), 0), count(*) FROM purchases")).one()
        drivers = conn.execute(text("SELECT driver_id, sum(total_cents) FROM purchases GROUP BY driver_id")).all()
    platform = summary(store, "platform", "retail")["total"]
    assert (platform["amount_cents"], platform["orders"]) == (total[0], total[1])
    for driver_id, amount in drivers:
        assert summary(store, f"driver:{driver_id}", "retail")["total"]["amount_cents"] == amount
