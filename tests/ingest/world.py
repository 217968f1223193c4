"""Shared setup for the ingest tests: a small world built through the real endpoints,
and helpers that send ingest requests the way devices, drivers and stations do."""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

ADMIN = "test-admin-token-0123456789"
_keys = itertools.count(1)


def stamp(delta: timedelta = timedelta()) -> str:
    """An RFC 3339 time with an offset, ``delta`` from now."""
    return (datetime.now(timezone.utc) + delta).isoformat()


def business_day(delta: timedelta = timedelta()) -> str:
    """``YYYY-MM-DD`` of the business day ``delta`` from now (the tests' default zone): not the UTC date."""
    from zoneinfo import ZoneInfo

    from config import Settings

    return (datetime.now(ZoneInfo(Settings.model_fields["timezone"].default)) + delta).date().isoformat()


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def problem(response, status: int, field: str | None = None) -> dict:
    """Assert a problem+json reply with this status (naming ``field`` when given)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json()
    assert body["status"] == status and body["title"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors") or []], body
    return body


@dataclass
class World:
    api: object
    station: dict
    other_station: dict
    cola: dict
    chips: dict
    water: dict
    driver: dict
    device: dict
    other_driver: dict
    other_device: dict

    def purchase(self, items=None, *, token=None, idem=None, headers=None, **fields):
        body = {"occurred_at": stamp(), "items": items or [{"sku": "COLA-330", "quantity": 2}],
                "payment": {"method": "alipay", "reference": "2026112822001"}, **fields}
        all_headers = {"Idempotency-Key": idem or key("buy"), **(headers or {})}
        return self.api.post("/purchases", body, token=token or self.device["api_key"], headers=all_headers)

    def order(self, items, *, token=None, idem=None, **fields):
        body = {"items": items, "payment": {"method": "wechat", "reference": "wx-1"}, **fields}
        return self.api.post("/replenishments", body, token=token or self.driver["api_key"],
                             headers={"Idempotency-Key": idem or key("order")})

    def placed(self, items, **kw) -> dict:
        response = self.order(items, **kw)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def build_world(api) -> World:
    station, other_station = api.station(), api.station()
    cola = api.product(sku="COLA-330", name="Cola 330ml", retail_price_cents=350, supply_price_cents=210)
    chips = api.product(sku="CHIPS-70", name="Chips 70g", retail_price_cents=800, supply_price_cents=500)
    water = api.product(sku="WATER-550", name="Water 550ml", retail_price_cents=200, supply_price_cents=90)
    api.stock(station["id"], [{"sku": "COLA-330", "quantity": 100, "on_shelf": True},
                              {"sku": "CHIPS-70", "quantity": 10, "on_shelf": True},
                              {"sku": "WATER-550", "quantity": 50, "on_shelf": False}])
    api.stock(other_station["id"], [{"sku": "COLA-330", "quantity": 30, "on_shelf": True}])
    driver, other_driver = api.driver(), api.driver()
    device, other_device = api.device(driver["id"]), api.device(other_driver["id"])
    return World(api, station, other_station, cola, chips, water, driver, device, other_driver, other_device)


@pytest.fixture
def world(api) -> World:
    """Import this fixture into a test module: ``from tests.ingest.world import world``."""
    return build_world(api)


def scalar(store, sql: str, **params):
    with store.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(store, sql: str, **params) -> list:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def station_stock(store, station_id: int, product_id: int) -> int:
    return scalar(store, "SELECT quantity FROM station_stock WHERE station_id = :s AND product_id = :p",
                  s=station_id, p=product_id)


def device_stock(store, device_id: int) -> dict:
    return dict(rows(store, "SELECT p.sku, s.quantity FROM device_stock s JOIN products p ON p.id = s.product_id "
                            "WHERE s.device_id = :d", d=device_id))


def balance(store, account: str) -> int:
    return scalar(store, "SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE account = :a", a=account)


def outbox(store, kind: str) -> list[dict]:
    return [r[0] for r in rows(store, "SELECT payload FROM outbox WHERE kind = :k ORDER BY id", k=kind)]
