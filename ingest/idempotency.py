"""Idempotency records (API.md "Idempotency"; brandur/rocket-rides-atomic).

A record is written in the same transaction as what it describes, with its
final status and body, so a committed record is always complete. Two ways:
- claim first (``claim`` then ``complete``): ``INSERT ... ON CONFLICT DO
  NOTHING`` before anything else; a concurrent duplicate blocks on the unique
  index until the first transaction ends, then finds the key taken;
- record last (purchases): a plain INSERT in the same statement as the rows;
  a concurrent duplicate blocks on the index, then fails with a unique
  violation and its whole statement is undone (``is_key_taken``).
Either way the loser rolls back and replays the winner's stored response.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson
from sqlalchemy import text
from sqlalchemy.orm import Session

from ingest.errors import Invalid
from store.outbox import dumps

FIELD = "Idempotency-Key"

_CLAIM = text(
    "INSERT INTO idempotency_keys (principal, key, request_hash, response_status, response_body) "
    "SELECT :principal, k, h, 0, '' FROM jsonb_to_recordset(CAST(:keys AS jsonb)) AS t(k text, h text) "
    "ORDER BY k "  # one lock order for every batch: overlapping batches cannot deadlock
    "ON CONFLICT DO NOTHING RETURNING key")
_STORED = text("SELECT principal, key, request_hash, response_status, response_body FROM idempotency_keys "
               "WHERE (principal, key) IN (SELECT p, k FROM jsonb_to_recordset(CAST(:pairs AS jsonb)) AS t(p text, k text))")
_COMPLETE = text(
    "UPDATE idempotency_keys AS i SET response_status = :status, response_body = t.body "
    "FROM jsonb_to_recordset(CAST(:bodies AS jsonb)) AS t(k text, body text) "
    "WHERE i.principal = :principal AND i.key = t.k")


PRIMARY_KEY = "pk_idempotency_keys"


class KeyTaken(Exception):
    """A key of this attempt was used by a request that committed first: replay it."""


def is_key_taken(exc) -> bool:
    """A unique violation on the idempotency records (not on any other table)."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    return getattr(diag, "constraint_name", None) == PRIMARY_KEY


@dataclass(frozen=True)
class Stored:
    """A response already given for this key: replayed as it is."""
    status: int
    body: str
    request_hash: str


def request_hash(canonical) -> str:
    """SHA-256 of the request's meaning (validated fields, sorted keys), not of its bytes."""
    return hashlib.sha256(orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS)).hexdigest()


def valid_key(key: str | None) -> bool:
    return key is not None and 1 <= len(key) <= 255 and all(" " <= ch <= "~" for ch in key)


def stored(session: Session, idents: list[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    """The completed records of ``(principal, key)`` pairs (one round trip, whoever they belong to)."""
    rows = session.execute(_STORED, {"pairs": dumps([{"p": p, "k": k} for p, k in idents])})
    return {(r.principal, r.key): Stored(r.response_status, r.response_body, r.request_hash)
            for r in rows if r.response_status}


def claim(session: Session, principal: str, requests: dict[str, str]) -> set[str]:
    """Claim ``{key: request_hash}``: the keys now ours (the others were used already)."""
    if not requests:
        return set()
    return set(session.execute(_CLAIM, {"principal": principal, "keys": dumps(
        [{"k": k, "h": h} for k, h in requests.items()])}).scalars())


def replay(found: Stored, digest: str, field: str = FIELD) -> Stored:
    """The stored response, or 422 when the key was used for a different request."""
    if found.request_hash != digest:
        raise Invalid("this key was already used with a different request body", field=field)
    return found


def complete(session: Session, principal: str, status: int, bodies: dict[str, str]) -> None:
    """Store the responses of claimed keys (same transaction as the records they describe)."""
    if bodies:
        session.execute(_COMPLETE, {"principal": principal, "status": status,
                                    "bodies": dumps([{"k": k, "body": b} for k, b in bodies.items()])})
