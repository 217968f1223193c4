"""Station and device stock changes.

Station stock is reserved by a conditional ``UPDATE ... WHERE on_shelf AND
quantity >= n`` after locking the rows in one fixed order (station, product),
so racing carts neither oversell nor deadlock: the first takes the units,
the second sees what is left and gets a 409. Device stock is an upsert that
may go below zero (purchases are never refused).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ingest.errors import Conflict

_LOCK = text(
    "SELECT station_id, product_id, quantity, on_shelf FROM station_stock "
    "WHERE (station_id, product_id) IN (SELECT * FROM unnest(CAST(:st AS int[]), CAST(:pr AS int[]))) "
    "ORDER BY station_id, product_id FOR UPDATE")
_RESERVE = text(
    "UPDATE station_stock AS s SET quantity = s.quantity - t.q, updated_at = now() "
    "FROM unnest(CAST(:st AS int[]), CAST(:pr AS int[]), CAST(:q AS int[])) AS t(st, pr, q) "
    "WHERE s.station_id = t.st AND s.product_id = t.pr AND s.on_shelf AND s.quantity >= t.q")
_RESTORE = text(
    "UPDATE station_stock AS s SET quantity = s.quantity + t.q, updated_at = now() "
    "FROM unnest(CAST(:st AS int[]), CAST(:pr AS int[]), CAST(:q AS int[])) AS t(st, pr, q) "
    "WHERE s.station_id = t.st AND s.product_id = t.pr")
_DEVICE_ADD = text(
    "INSERT INTO device_stock AS s (device_id, product_id, quantity) "
    "SELECT :device, pr, q FROM unnest(CAST(:pr AS int[]), CAST(:q AS int[])) AS t(pr, q) ORDER BY pr "
    "ON CONFLICT (device_id, product_id) DO UPDATE SET quantity = s.quantity + excluded.quantity, updated_at = now()")
_DEVICE_STOCK = text(
    "SELECT p.sku, s.quantity FROM device_stock s JOIN products p ON p.id = s.product_id "
    "WHERE s.device_id = :device ORDER BY p.sku")


@dataclass(frozen=True)
class Line:
    """One cart line: where it came from in the request (for error fields) and what it takes."""
    index: int
    station_id: int
    product_id: int
    sku: str
    quantity: int


def _columns(lines: list[Line]) -> dict:
    ordered = sorted(lines, key=lambda x: (x.station_id, x.product_id))
    return {"st": [x.station_id for x in ordered], "pr": [x.product_id for x in ordered],
            "q": [x.quantity for x in ordered]}


def lock_station_rows(session: Session, lines: list[Line]) -> dict[tuple[int, int], tuple[int, bool]]:
    cols = _columns(lines)
    rows = session.execute(_LOCK, {"st": cols["st"], "pr": cols["pr"]})
    return {(r.station_id, r.product_id): (r.quantity, r.on_shelf) for r in rows}


def reserve(session: Session, lines: list[Line], field_prefix: str = "items") -> None:
    """Take every line from its station's shelf, or raise 409 naming the first line that cannot be had."""
    current = lock_station_rows(session, lines)
    for line in sorted(lines, key=lambda x: x.index):
        quantity, on_shelf = current.get((line.station_id, line.product_id), (0, False))
        if not on_shelf:
            raise Conflict(f"{line.sku} is not on the shelf at station {line.station_id}",
                           field=f"{field_prefix}[{line.index}].sku")
        if quantity < line.quantity:
            raise Conflict(f"station {line.station_id} has {quantity} of {line.sku}, {line.quantity} asked",
                           field=f"{field_prefix}[{line.index}].quantity")
    taken = session.execute(_RESERVE, _columns(lines)).rowcount
    if taken != len(lines):  # cannot happen under the row locks; refuse rather than oversell
        raise Conflict("station stock changed while reserving; retry")


def restore(session: Session, lines: list[Line]) -> None:
    """Put a cancelled order's lines back on the station's shelf (rows locked in the same order)."""
    lock_station_rows(session, lines)
    session.execute(_RESTORE, _columns(lines))


def add_to_device(session: Session, device_id: int, lines: list[Line]) -> None:
    cols = _columns(lines)
    session.execute(_DEVICE_ADD, {"device": device_id, "pr": cols["pr"], "q": cols["q"]})


def device_stock(session: Session, device_id: int) -> list[dict]:
    return [{"sku": r.sku, "quantity": r.quantity} for r in session.execute(_DEVICE_STOCK, {"device": device_id})]
