"""SQL of the payments table (data access: never commits) and the shapes it answers with."""
from __future__ import annotations

import base64
import hashlib

from sqlalchemy import text

from ingest.timing import iso

COLUMNS = ("id, created_at, device_id, driver_id, status, total_cents, items, lat, lng, qr_code, expires_at, "
           "trade_no, paid_at, purchase_id, closed_at, request_hash")
_LOAD = text(f"SELECT {COLUMNS} FROM payments WHERE id = :id")
_REFUNDED = text("SELECT coalesce(sum(amount_cents), 0) FROM refunds WHERE purchase_id = :purchase")
_INSERT = text(
    "INSERT INTO payments (id, device_id, driver_id, status, total_cents, items, request_hash, lat, lng, expires_at) "
    "VALUES (:id, :device, :driver, 'creating', :total, CAST(:items AS jsonb), :hash, :lat, :lng, :expires) "
    "ON CONFLICT (id) DO NOTHING RETURNING id")
# A notification may have paid the payment while precreate's reply was on its way: keep that status.
_PENDING = text("UPDATE payments SET qr_code = :qr, status = CASE WHEN status = 'creating' THEN 'pending' "
                "ELSE status END WHERE id = :id RETURNING status")
_FORGET = text("DELETE FROM payments WHERE id = :id AND status = 'creating'")
_CLOSE = text("UPDATE payments SET status = 'closed', closed_at = now() WHERE id = :id "
              "AND status IN ('creating', 'pending') RETURNING id")
_CHECKED = text("UPDATE payments SET checked_at = now() WHERE id = :id")


def payment_id(principal: str, key: str) -> str:
    """Made from the caller and its idempotency key: a retry asks Alipay for the same out_trade_no
    (which Alipay answers with the same code) and concurrent retries meet on the primary key."""
    digest = hashlib.sha256(f"{principal}\0{key}".encode()).digest()
    return "pay_" + base64.b32encode(digest).decode().lower()[:26]


def load(conn, payment_id_: str):
    return conn.execute(_LOAD, {"id": payment_id_}).first()


def refunded_cents(conn, purchase_id: str | None) -> int:
    return int(conn.execute(_REFUNDED, {"purchase": purchase_id}).scalar()) if purchase_id else 0


def status_of(row, refunded: int) -> str:
    """API.md's status: a paid payment whose purchase was refunded says how much of it."""
    if row.status == "paid" and refunded:
        return "refunded" if refunded >= row.total_cents else "partially_refunded"
    return "pending" if row.status == "creating" else row.status


def view(row, refunded: int, tz) -> dict:
    """``GET /payments/{id}``."""
    return {"id": row.id, "status": status_of(row, refunded), "total_cents": row.total_cents,
            "trade_no": row.trade_no, "purchase_id": row.purchase_id, "paid_at": iso(row.paid_at, tz),
            "expires_at": iso(row.expires_at, tz)}


def insert_creating(conn, **values) -> bool:
    return conn.execute(_INSERT, values).first() is not None


def set_pending(conn, payment_id_: str, qr_code: str) -> str:
    return conn.execute(_PENDING, {"id": payment_id_, "qr": qr_code}).scalar()


def forget(conn, payment_id_: str) -> None:
    conn.execute(_FORGET, {"id": payment_id_})


def close(conn, payment_id_: str) -> bool:
    return conn.execute(_CLOSE, {"id": payment_id_}).first() is not None


def checked(conn, payment_id_: str) -> None:
    conn.execute(_CHECKED, {"id": payment_id_})
