"""Reading orders and purchases: one order with its lines, and the paged lists of ``GET /orders``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ingest.payments import rows as payment_rows
from ingest.timing import iso
from store.models import Order, OrderLine, Product, Purchase, PurchaseLine

_ORDER = select(*Order.__table__.c)
# A purchase's Alipay payment (when it was paid through one) and what was refunded of it.
_SETTLED = text("""
SELECT u.id, y.id AS payment_id, y.status, y.total_cents,
       coalesce((SELECT sum(r.amount_cents) FROM refunds r WHERE r.purchase_id = u.id), 0) AS refunded
FROM unnest(CAST(:ids AS text[])) AS u(id) LEFT JOIN payments y ON y.purchase_id = u.id""")


@dataclass(frozen=True)
class OrderFilter:
    """``GET /orders`` filters; ``until`` is exclusive. Rights are applied by the caller."""
    kind: str = "wholesale"  # wholesale = replenishment orders, retail = purchases
    status: str | None = None
    station_id: int | None = None
    driver_id: int | None = None
    device_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def load(session: Session, order_id: str, *, lock: bool = False):
    query = _ORDER.where(Order.id == order_id)
    return session.execute(query.with_for_update() if lock else query).first()


def lines_of(session: Session, line_table, key_column, ids: list[str]) -> dict[str, list]:
    """Lines (with their sku) of the given orders or purchases, by product id."""
    rows = session.execute(
        select(key_column.label("owner"), line_table.c.product_id, Product.sku, line_table.c.quantity,
               line_table.c.unit_price_cents, line_table.c.amount_cents)
        .join(Product, Product.id == line_table.c.product_id)
        .where(key_column.in_(ids)).order_by(key_column, line_table.c.product_id))
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.owner, []).append(row)
    return found


def order_lines(session: Session, ids: list[str]) -> dict[str, list]:
    return lines_of(session, OrderLine.__table__, OrderLine.order_id, ids)


def items_json(lines) -> list[dict]:
    return [{"sku": x.sku, "quantity": x.quantity, "unit_price_cents": x.unit_price_cents,
             "amount_cents": x.amount_cents} for x in lines]


def order_json(row, lines, tz) -> dict:
    return {"id": row.id, "station_id": row.station_id, "driver_id": row.driver_id, "status": row.status,
            "created_at": iso(row.created_at, tz), "total_cents": row.total_cents, "items": items_json(lines),
            "note": row.note, "pickup_at": iso(row.pickup_at, tz), "device_id": row.device_id,
            "picked_up_at": iso(row.picked_up_at, tz), "cancelled_at": iso(row.cancelled_at, tz)}


def order_with_lines(session: Session, row, tz) -> dict:
    return order_json(row, order_lines(session, [row.id]).get(row.id, []), tz)


def page(session: Session, flt: OrderFilter, page_no: int, per_page: int, tz) -> dict:
    """Newest first; ``{"page", "per_page", "total", "items"}``."""
    wholesale = flt.kind == "wholesale"
    table = Order if wholesale else Purchase
    when = Order.created_at if wholesale else Purchase.occurred_at
    conditions = []
    for column, value in ((table.driver_id, flt.driver_id), (table.device_id, flt.device_id)):
        if value is not None:
            conditions.append(column == value)
    if wholesale and flt.station_id is not None:
        conditions.append(Order.station_id == flt.station_id)
    if wholesale and flt.status is not None:  # purchases are complete when recorded: no other status
        conditions.append(Order.status == flt.status)
    if flt.since is not None:
        conditions.append(when >= flt.since)
    if flt.until is not None:
        conditions.append(when < flt.until)
    total = session.execute(select(func.count()).select_from(table).where(*conditions)).scalar()
    rows = session.execute(select(*table.__table__.c).where(*conditions).order_by(when.desc(), table.id.desc())
                           .limit(per_page).offset((page_no - 1) * per_page)).all()
    ids = [r.id for r in rows]
    if wholesale:
        lines = order_lines(session, ids)
        items = [{"kind": "wholesale", **order_json(r, lines.get(r.id, []), tz)} for r in rows]
    else:
        lines = lines_of(session, PurchaseLine.__table__, PurchaseLine.purchase_id, ids)
        settled = {r.id: r for r in session.execute(_SETTLED, {"ids": ids})}
        items = [{"kind": "retail", **purchase_json(r, lines.get(r.id, []), tz), **_settlement(settled.get(r.id))}
                 for r in rows]
    return {"page": page_no, "per_page": per_page, "total": total, "items": items}


def _settlement(row) -> dict:
    """``payment_id`` and ``payment_status`` (as ``GET /payments/{id}`` says it) of an Alipay
    payment's purchase, and ``refunded_cents`` of every purchase."""
    if row is None:
        return {"payment_id": None, "payment_status": None, "refunded_cents": 0}
    status = payment_rows.status_of(row, int(row.refunded)) if row.payment_id else None
    return {"payment_id": row.payment_id, "payment_status": status, "refunded_cents": int(row.refunded)}


def purchase_json(row, lines, tz) -> dict:
    return {"id": row.id, "device_id": row.device_id, "driver_id": row.driver_id,
            "occurred_at": iso(row.occurred_at, tz), "status": "completed", "total_cents": row.total_cents,
            "items": items_json(lines), "payment_method": row.payment_method}
