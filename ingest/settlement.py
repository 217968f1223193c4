"""Order settlement: one interface, one strategy per kind of order (DESIGN.md "Settlement").

``settle`` is the use case every money-creating request goes through. Each
attempt is one short transaction in which the strategy writes the order and
its lines, ledger legs, stock changes, outbox events and the idempotency
records holding the responses. A key used before replays its stored
response; a key taken by a concurrent request makes the attempt roll back
and replay what the winner stored (``KeyTaken``), so concurrent identical
requests create exactly one record. New kinds of order (refunds, ad
revenue) are new strategies, not new branches.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import DataError, IntegrityError

from ingest import idempotency
from ingest.errors import Conflict, IngestError, Invalid
from store.outbox import Event, dumps

log = logging.getLogger(__name__)
CREATED = 201
ATTEMPTS = 5  # each retry follows a concurrent winner's commit, so this is never reached in practice


@dataclass
class Outcome:
    """What one request got: the exact response text, or the error it raised."""
    key: str
    status: int
    body: str | None = None
    replayed: bool = False
    error: IngestError | None = None


@dataclass
class Settled:
    """What a strategy wrote: the stored response text per (principal, key) (status 201) and the outbox events."""
    bodies: dict[tuple[str, str], str] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


class Settlement(ABC):
    """A kind of order. ``prepare`` checks one request without the database (prices
    from the cache, time rules); ``apply`` writes prepared requests (objects with
    ``.request``) in the caller's transaction, never commits, and raises
    ``KeyTaken`` when one of their keys turns out to be used already."""

    kind: str
    # True when ``apply`` is one SQL statement: it then runs on its own (autocommit), which is
    # just as atomic and saves the BEGIN and COMMIT round trips of every single purchase.
    one_statement = False

    @abstractmethod
    def prepare(self, request):
        """Return what ``apply`` needs, or raise ``IngestError`` naming the field."""

    @abstractmethod
    def apply(self, session, principal: str, prepared: list) -> Settled:
        """Write rows, ledger legs (summing to zero), stock changes, outbox events and responses."""


class ClaimFirstSettlement(Settlement):
    """For orders that can be refused (stock, unknown ids): the keys are claimed before
    anything else, so a concurrent duplicate waits for the first and replays it."""

    def apply(self, session, principal: str, prepared: list) -> Settled:
        claimed = idempotency.claim(session, principal, {p.request.key: p.request.digest for p in prepared})
        if len(claimed) < len(prepared):
            raise idempotency.KeyTaken()
        bodies, events = self.write(session, prepared)
        texts = {key: dumps(body) for key, body in bodies.items()}
        idempotency.complete(session, principal, CREATED, texts)
        return Settled({(principal, key): body for key, body in texts.items()}, events)

    @abstractmethod
    def write(self, session, prepared: list) -> tuple[dict[str, dict], list[Event]]:
        """The rows of claimed requests: ({key: response body}, events)."""


def settle(store, strategy: Settlement, principal: str | None, requests: list,
           look_first: bool | None = None) -> tuple[list[Outcome], list[Event]]:
    """Run ``requests`` (objects with ``key`` and ``digest``; (principal, key) unique), in order.

    ``principal`` is the caller, or None when each request names its own
    (``request.principal``: a group of single purchases from several devices).
    Outcomes come back in request order: 201 with the new body, the stored
    response of a key used before (``replayed``), or an error (422 for a key
    reused with another body, or what ``prepare`` raised). ``look_first``: read
    the stored responses of all keys before writing (default: for several
    requests, as a batch upload often retries); otherwise a used key makes the
    write fail and be retried without it, and only failing requests are looked up.
    """
    def ident(request) -> tuple[str, str]:
        return (getattr(request, "principal", None) or principal, request.key)

    prepared, errors = {}, {}
    for request in requests:
        try:
            prepared[ident(request)] = strategy.prepare(request)
        except IngestError as exc:
            errors[ident(request)] = exc
    if look_first is None:
        look_first = len(prepared) > 1
    found: dict[tuple[str, str], idempotency.Stored] = {}
    if look_first or errors:  # a failing request may be the retry of one accepted earlier
        found = _stored(store, [ident(r) for r in requests] if look_first else list(errors))
    settled = Settled()
    for _ in range(ATTEMPTS):
        fresh = [p for who, p in prepared.items() if who not in found]
        if not fresh:
            break
        try:
            # One transaction on a Core connection: strategies write with SQL only, and the
            # ORM session's bookkeeping is a tenth of a purchase's time on the hot path.
            with _transaction(store, strategy) as conn:
                settled = strategy.apply(conn, principal, fresh)
            break
        except idempotency.KeyTaken:
            found.update(_stored(store, [ident(p.request) for p in fresh]))
        except IntegrityError as exc:
            if not idempotency.is_key_taken(exc):
                raise
            found.update(_stored(store, [ident(p.request) for p in fresh]))
        except DataError as exc:  # a value Postgres refuses (SQLSTATE 22) that validation let through
            log.warning("the database refused a value of %s request(s): %s", len(fresh), str(exc.orig).split("\n")[0])
            if len(requests) > 1:  # nothing was written: each request on its own, the good ones are kept
                each = [settle(store, strategy, principal, [r], look_first) for r in requests]
                return [o for outcomes, _ in each for o in outcomes], [e for _, events in each for e in events]
            request = fresh[0].request
            errors[ident(request)] = Invalid("holds a value the database cannot store",
                                             field=getattr(request, "field_prefix", "").rstrip(".") or None)
            del prepared[ident(request)]
    return [_outcome(ident(r), r, settled.bodies, found, errors) for r in requests], settled.events


@contextmanager
def _transaction(store, strategy: Settlement):
    if not strategy.one_statement:
        with store.engine.begin() as conn:
            yield conn
        return
    with store.engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def _stored(store, idents: list[tuple[str, str]]) -> dict[tuple[str, str], idempotency.Stored]:
    with store.engine.connect() as conn:
        return idempotency.stored(conn, idents)


def _outcome(who: tuple[str, str], request, bodies: dict, found: dict, errors: dict) -> Outcome:
    key = request.key
    if who in found:
        try:
            stored = idempotency.replay(found[who], request.digest)
        except IngestError as exc:
            return Outcome(key, exc.status, error=exc)
        return Outcome(key, stored.status, stored.body, replayed=True)
    if who in errors:
        return Outcome(key, errors[who].status, error=errors[who])
    if who in bodies:
        return Outcome(key, CREATED, bodies[who])
    error = Conflict("a request with this key is in progress; retry", field=idempotency.FIELD)
    return Outcome(key, error.status, error=error)


def settle_one(store, strategy: Settlement, principal: str, request) -> tuple[Outcome, list[Event]]:
    """One request: its error is raised (a problem+json), not returned."""
    (outcome,), events = settle(store, strategy, principal, [request])
    if outcome.error is not None:
        raise outcome.error
    return outcome, events
