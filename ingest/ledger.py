"""The double-entry ledger: each money movement is legs that sum to zero.

Accounts are strings: ``passengers``, ``driver:7``, ``station:1``. A
purchase moves its total from ``passengers`` to the driver; a replenishment
order from the driver to the station; a cancel moves it back.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ingest.errors import NotFound
from store.outbox import dumps
from store.models import Driver, Station

PASSENGERS = "passengers"


def insert_sql(source: str) -> str:
    """INSERT of the legs in the JSON array ``source`` (see ``legs``)."""
    return ("INSERT INTO ledger_entries (txn_id, account, amount_cents, kind, ref_id) "
            f"SELECT txn, account, amount, kind, ref FROM jsonb_to_recordset({source}) "
            "AS t(txn text, account text, amount bigint, kind text, ref text)")


_INSERT = text(insert_sql("CAST(:legs AS jsonb)"))
_BALANCE = text(
    "SELECT coalesce(sum(amount_cents), 0) AS balance, "
    "coalesce(sum(amount_cents) FILTER (WHERE amount_cents > 0), 0) AS credit, "
    "coalesce(-sum(amount_cents) FILTER (WHERE amount_cents < 0), 0) AS debit "
    "FROM ledger_entries WHERE account = :account")


def account(kind: str, owner_id: int) -> str:
    return f"{kind}:{owner_id}"


@dataclass(frozen=True)
class Transfer:
    """``amount_cents`` moves from ``source`` to ``target`` (two legs, summing to zero)."""
    txn_id: str
    kind: str
    ref_id: str
    source: str
    target: str
    amount_cents: int


def legs(transfers: list[Transfer]) -> list[dict]:
    """Two legs per transfer, ``-amount`` on the source and ``+amount`` on the target."""
    return [{"txn": t.txn_id, "account": acct, "amount": amount, "kind": t.kind, "ref": t.ref_id}
            for t in transfers for acct, amount in ((t.source, -t.amount_cents), (t.target, t.amount_cents))]


def write(session: Session, transfers: list[Transfer]) -> None:
    """All legs of all transfers in one round trip."""
    if transfers:
        session.execute(_INSERT, {"legs": dumps(legs(transfers))})


def balance(session: Session, kind: str, owner_id: int) -> dict:
    """``{"owner", "balance_cents", "in_cents", "out_cents"}`` of a driver or station; 404 if unknown."""
    model = Driver if kind == "driver" else Station
    if session.get(model, owner_id) is None:
        raise NotFound(f"{kind} {owner_id} does not exist", field="owner")
    acct = account(kind, owner_id)
    row = session.execute(_BALANCE, {"account": acct}).one()
    return {"owner": acct, "balance_cents": int(row.balance), "in_cents": int(row.credit),
            "out_cents": int(row.debit)}
