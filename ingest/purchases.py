"""Purchases: a passenger buys from the device in a driver's car (``PurchaseSettlement``).

Retail price at ingest, device stock down (it may go below zero: the
passenger has paid, so the sale is kept and flagged in ``stock_warnings``),
ledger ``passengers`` → ``driver:{id}``, one ``purchase`` outbox event each.
A batch is written set-wise: one statement whatever its size.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property

from sqlalchemy import text

from ingest import ledger, lookups
from store import outbox
from ingest.errors import Invalid
from ingest.settlement import Outcome, Settled, Settlement, settle, settle_one
from ingest.timing import check_event_time, iso, utcnow
from store.ids import new_id

# Everything a set of purchases writes, in one statement and one round trip; the rows travel
# as one JSON document. The set may span devices (single purchases settled as a group, see
# ingest/group.py), so each row names its device, driver and principal. The stock upsert returns
# each row's level after all the sales; from it each line's level after its own sale is replayed
# in order, and the lines that took a row below zero become that purchase's "stock_warnings",
# appended to its response before the response is stored. Rows are locked in one order
# (device, product; principal, key) so that concurrent groups cannot deadlock. The idempotency
# INSERT has no ON CONFLICT on purpose: a key used meanwhile aborts the whole statement (unique
# violation) and the caller replays the winner.
_WRITE = text(f"""
WITH doc AS (SELECT CAST(:doc AS jsonb) AS j),
buys AS (
  SELECT t.* FROM doc, jsonb_to_recordset(doc.j->'purchases') AS t(n int, id text, occ timestamptz, total bigint,
         method text, ref text, lat float8, lng float8, key text, hash text, body text, device int, driver int,
         principal text)),
lines AS MATERIALIZED (
  SELECT t.* FROM doc, jsonb_to_recordset(doc.j->'lines')
         AS t(n int, i int, id text, occ timestamptz, prod int, sku text, q int, unit bigint, amount bigint,
              device int, driver int)),
s AS (
  INSERT INTO device_stock AS s (device_id, product_id, quantity)
  SELECT device, prod, -sum(q) FROM lines GROUP BY device, prod ORDER BY device, prod
  ON CONFLICT (device_id, product_id) DO UPDATE SET quantity = s.quantity + excluded.quantity, updated_at = now()
  RETURNING device_id, product_id, quantity),
levels AS (
  SELECT l.n, l.i, l.sku,
         s.quantity + sum(l.q) OVER (PARTITION BY l.device, l.prod)
           - sum(l.q) OVER (PARTITION BY l.device, l.prod ORDER BY l.n, l.i) AS after
  FROM lines l JOIN s ON s.device_id = l.device AND s.product_id = l.prod),
warn AS (
  SELECT n, string_agg(format('{{"sku":%s,"quantity":%s}}', to_json(sku), after), ',' ORDER BY i) AS list
  FROM levels WHERE after < 0 GROUP BY n),
k AS (
  INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body)
  SELECT b.principal, b.key, b.hash, 201,
         CASE WHEN w.list IS NULL THEN b.body ELSE left(b.body, -1) || ',"stock_warnings":[' || w.list || ']}}' END
  FROM buys b LEFT JOIN warn w ON w.n = b.n ORDER BY b.principal, b.key
  RETURNING principal, key, response_body),
p AS (
  INSERT INTO purchases (id, occurred_at, device_id, driver_id, total_cents, payment_method, payment_reference, lat, lng)
  SELECT id, occ, device, driver, total, method, ref, lat, lng FROM buys),
l AS (
  INSERT INTO purchase_lines (purchase_id, occurred_at, product_id, device_id, driver_id, quantity, unit_price_cents,
                              amount_cents)
  SELECT id, occ, prod, device, driver, q, unit, amount FROM lines),
d AS (
  -- online = seen lately; a busy device needs no more than one write a second for that
  UPDATE devices SET last_seen_at = now()
  WHERE id IN (SELECT device FROM buys) AND (last_seen_at IS NULL OR last_seen_at < now() - interval '1 second')),
le AS ({ledger.insert_sql("(SELECT j->'legs' FROM doc)")}),
ob AS ({outbox.insert_sql("(SELECT j->'events' FROM doc)")})
SELECT principal, key, response_body AS body, NULL::bigint AS event_id FROM k
UNION ALL SELECT NULL, NULL, NULL, id FROM ob
""")


@dataclass(frozen=True)
class PurchaseRequest:
    key: str
    occurred_at: datetime
    items: tuple[tuple[str, int], ...]  # (sku, quantity)
    payment_method: str
    payment_reference: str | None = None
    lat: float | None = None
    lng: float | None = None
    field_prefix: str = ""  # "purchases[3]." for a batch entry, so that errors name the whole path
    # who sells and who asks: given for a single purchase settled in a group of several devices'
    # (ingest/group.py); otherwise the strategy's device and the settle call's principal
    device_id: int | None = None
    principal: str | None = None

    @cached_property
    def digest(self) -> str:
        from ingest.idempotency import request_hash

        return request_hash({
            "occurred_at": self.occurred_at.astimezone(timezone.utc).isoformat(), "items": self.items,
            "payment": [self.payment_method, self.payment_reference], "location": [self.lat, self.lng]})


@dataclass
class _Prepared:
    request: PurchaseRequest
    id: str
    lines: list[tuple]  # (product_id, sku, quantity, unit_price_cents, amount_cents)
    total_cents: int
    occurred_at: str  # RFC 3339 in the business zone, as the reply and the event carry it
    device: int
    driver: int


class PurchaseSettlement(Settlement):
    kind = "purchase"
    one_statement = True  # _WRITE

    def __init__(self, store, device_id: int | None = None, driver_id: int | None = None,
                 now: datetime | None = None):
        """``device_id``/``driver_id``: of every request that names no device of its own."""
        self.store, self.device_id, self.driver_id = store, device_id, driver_id
        self.now = now or utcnow()
        self.tz = store.settings.tz

    def prepare(self, request: PurchaseRequest) -> _Prepared:
        prefix = request.field_prefix
        check_event_time(request.occurred_at, prefix + "occurred_at", self.store.settings, self.now)
        products = lookups.products(self.store, [sku for sku, _ in request.items])
        lines, seen = [], set()
        for index, (sku, quantity) in enumerate(request.items):
            product = products.get(sku)
            if product is None:
                raise Invalid(f"unknown sku {sku!r}", field=f"{prefix}items[{index}].sku")
            if sku in seen:
                raise Invalid(f"sku {sku!r} appears twice; send one line per sku", field=f"{prefix}items[{index}].sku")
            seen.add(sku)
            price = product.retail_price_cents
            lines.append((product.id, sku, quantity, price, price * quantity))
        return self.priced(request, lines)

    def priced(self, request: PurchaseRequest, lines: list[tuple], purchase_id: str | None = None) -> _Prepared:
        """A request with its lines priced already (``prepare``'s, or a paid payment's cart: what was paid)."""
        device = request.device_id or self.device_id
        driver = self.driver_id if device == self.device_id and self.driver_id else lookups.device_driver(
            self.store, device)
        return _Prepared(request, purchase_id or new_id("pur_"), lines, sum(line[4] for line in lines),
                         iso(request.occurred_at, self.tz), device, driver)

    def apply(self, session, principal: str | None, prepared: list[_Prepared]) -> Settled:
        payloads = [self._payload(p) for p in prepared]
        doc = {
            "purchases": [{"n": n, "id": p.id, "occ": p.request.occurred_at, "total": p.total_cents,
                           "method": p.request.payment_method, "ref": p.request.payment_reference,
                           "lat": p.request.lat, "lng": p.request.lng, "key": p.request.key,
                           "hash": p.request.digest, "body": outbox.dumps(self._body(p)), "device": p.device,
                           "driver": p.driver, "principal": p.request.principal or principal}
                          for n, p in enumerate(prepared)],
            "lines": [{"n": n, "i": i, "id": p.id, "occ": p.request.occurred_at, "prod": pid, "sku": sku, "q": q,
                       "unit": unit, "amount": amount, "device": p.device, "driver": p.driver}
                      for n, p in enumerate(prepared) for i, (pid, sku, q, unit, amount) in enumerate(p.lines)],
            "legs": ledger.legs([ledger.Transfer(p.id, self.kind, p.id, ledger.PASSENGERS,
                                                 ledger.account("driver", p.driver), p.total_cents)
                                 for p in prepared]),
            "events": outbox.rows(self.kind, payloads),
        }
        bodies, event_ids = {}, []
        for who, key, body, event_id in session.execute(_WRITE, {"doc": outbox.dumps(doc)}):
            if key is not None:
                bodies[(who, key)] = body
            else:
                event_ids.append(event_id)
        return Settled(bodies, outbox.events(event_ids, self.kind, payloads))

    def _body(self, p: _Prepared) -> dict:
        """The 201 reply; the statement appends ``stock_warnings`` when the device's stock went below zero."""
        return {"id": p.id, "device_id": p.device, "driver_id": p.driver,
                "occurred_at": p.occurred_at, "total_cents": p.total_cents,
                "items": [{"sku": sku, "quantity": q, "unit_price_cents": unit, "amount_cents": amount}
                          for _, sku, q, unit, amount in p.lines]}

    def _payload(self, p: _Prepared) -> dict:
        r = p.request
        return {"purchase_id": p.id, "device_id": p.device, "driver_id": p.driver,
                "occurred_at": p.occurred_at, "total_cents": p.total_cents,
                "lines": [{"product_id": pid, "quantity": q, "amount_cents": amount} for pid, _, q, _, amount in p.lines],
                "location": {"lat": r.lat, "lng": r.lng} if r.lat is not None else None}


def record_purchase(store, device_id: int, principal: str, request: PurchaseRequest) -> tuple[Outcome, list]:
    """One purchase (``POST /purchases``): 201 with its body, or the stored reply of its key."""
    strategy = PurchaseSettlement(store, device_id, lookups.device_driver(store, device_id))
    return settle_one(store, strategy, principal, request)


def record_batch(store, device_id: int, principal: str, requests: list[PurchaseRequest]) -> tuple[list[Outcome], list]:
    """Buffered purchases, each on its own and in order (``POST /purchases/batch``).

    A key seen earlier in the same batch replays that entry's outcome (or is a
    422 when its body differs), exactly as a retry would.
    """
    strategy = PurchaseSettlement(store, device_id, lookups.device_driver(store, device_id))
    return _each_once(store, strategy, principal, requests)


def record_group(store, requests: list[PurchaseRequest]) -> tuple[list[Outcome], list]:
    """Single purchases of several devices, each naming its device and principal, settled
    together (``ingest.group``): one statement, one commit. Each gets the outcome it would
    have got alone; the same key sent twice at once is settled once and replayed to the other.
    Keys are not looked up first: a retry's key makes the statement fail and be retried without it."""
    return _each_once(store, PurchaseSettlement(store), None, requests, look_first=False)


def _each_once(store, strategy, principal, requests, look_first=None) -> tuple[list[Outcome], list]:
    first: dict[tuple, PurchaseRequest] = {}
    for request in requests:
        first.setdefault((request.principal or principal, request.key), request)
    unique = list(first.values())
    outcomes, events = settle(store, strategy, principal, unique, look_first) if unique else ([], [])
    by_ident = dict(zip(first, outcomes))
    results, used = [], set()
    for request in requests:
        ident = (request.principal or principal, request.key)
        outcome = by_ident[ident]
        if ident in used:
            outcome = _again(outcome, request, first[ident])
        used.add(ident)
        results.append(outcome)
    return results, events


def _again(outcome: Outcome, request: PurchaseRequest, earlier: PurchaseRequest) -> Outcome:
    if request.digest != earlier.digest:
        error = Invalid("this key was already used with a different request body", field="idempotency_key")
        return Outcome(request.key, error.status, error=error)
    if outcome.error is not None:
        return outcome
    return Outcome(request.key, outcome.status, outcome.body, replayed=True)  # as a retry would get it
