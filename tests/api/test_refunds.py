"""POST /purchases/{id}/refund: partial, full, over the total, repeated; Alipay's refund, figures and ledger."""
from __future__ import annotations

from tests.api.payments import created, payment, scanned
from tests.ingest.world import balance, outbox, problem, rows, scalar, world  # noqa: F401


def _paid(world, alipay) -> dict:
    body = created(world)  # cola 2 × 350 + chips 1 × 800 = 1500
    scanned(alipay, body["qr_code"])
    return payment(world, body["id"])


def _refund(world, purchase_id, idem, **body):
    return world.api.post(f"/purchases/{purchase_id}/refund", {"reason": "damaged can", **body},
                          headers={"Idempotency-Key": idem})


def _figures(world) -> dict:
    api = world.api
    summary = api.get("/stats/summary?scope=platform&kind=retail").get_json()
    products = api.get("/rankings/products?kind=retail&period=day&by=amount").get_json()["items"]
    by_units = api.get("/rankings/products?kind=retail&period=month&by=units").get_json()["items"]
    drivers = api.get("/rankings/drivers?period=week").get_json()["items"]
    series = api.get("/series/daily?scope=platform&kind=retail").get_json()
    device = api.get(f"/stats/summary?scope=device:{world.device['id']}&kind=retail").get_json()
    return {"today": summary["today"], "total": summary["total"], "year": summary["year"],
            "device_month": device["month"],
            "products": {p["sku"]: p["amount_cents"] for p in products},
            "units": {p["sku"]: p["units"] for p in by_units},
            "drivers": [(d["driver_id"], d["amount_cents"], d["units"], d["orders"]) for d in drivers],
            "series_today": series["points"][-1]["amount_cents"], "series_total": series["total_cents"]}


def test_partial_then_full_refund_figures_and_ledger(world, store, alipay):
    paid = _paid(world, alipay)
    pid, driver = paid["purchase_id"], world.driver["id"]
    first = _refund(world, pid, "r-1", amount_cents=500)
    assert first.status_code == 201
    refund = first.get_json()
    assert refund["purchase_id"] == pid and refund["amount_cents"] == 500 and refund["status"] == "succeeded"
    assert alipay.trades.by_no[paid["id"]].refunds == {refund["id"]: 500}  # out_request_no = the refund id
    assert balance(store, f"driver:{driver}") == 1000 and balance(store, "passengers") == -1000
    figures = _figures(world)
    assert figures["today"] == figures["total"] == figures["year"] == {"amount_cents": 1000, "units": 3, "orders": 1}
    assert figures["device_month"] == {"amount_cents": 1000, "units": 3, "orders": 1}
    # 500 shared as 700:800 → 233.3 and 266.7: the larger remainder takes the odd fen
    assert figures["products"] == {"COLA-330": 700 - 233, "CHIPS-70": 800 - 267}
    assert figures["units"] == {"COLA-330": 2, "CHIPS-70": 1}
    assert figures["drivers"] == [(driver, 1000, 3, 1)]
    assert figures["series_today"] == figures["series_total"] == 1000
    assert payment(world, paid["id"])["status"] == "partially_refunded"

    again = _refund(world, pid, "r-1", amount_cents=500)  # the same key: the same refund, once
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    problem(_refund(world, pid, "r-2", amount_cents=1001), 409, "amount_cents")  # 1000 left
    assert alipay.trades.by_no[paid["id"]].refunded == 500

    full = _refund(world, pid, "r-3")  # default: what is left
    assert full.status_code == 201 and full.get_json()["amount_cents"] == 1000
    assert balance(store, f"driver:{driver}") == 0
    figures = _figures(world)
    assert figures["today"] == {"amount_cents": 0, "units": 3, "orders": 1}  # units and orders stay
    assert figures["products"] == {}  # nothing kept: out of the amount ranking
    assert figures["units"] == {"COLA-330": 2, "CHIPS-70": 1}
    assert figures["series_today"] == 0
    assert payment(world, paid["id"])["status"] == "refunded"
    problem(_refund(world, pid, "r-4", amount_cents=1), 409)
    assert scalar(store, "SELECT count(*) FROM refunds") == 2
    assert rows(store, "SELECT sum(amount_cents) FROM refund_lines") == [(1500,)]
    assert len(outbox(store, "purchase_refunded")) == 2


def test_a_cash_purchase_is_refunded_by_hand_and_recorded(world, store, alipay):
    sale = world.purchase(payment={"method": "cash"}).get_json()  # 2 × 350
    asked = len(alipay.requests)
    response = _refund(world, sale["id"], "cash-1", amount_cents=350)
    assert response.status_code == 201
    assert len(alipay.requests) == asked  # nothing asked of Alipay
    assert balance(store, f"driver:{world.driver['id']}") == 350
    assert rows(store, "SELECT method, amount_cents FROM refunds") == [("cash", 350)]


def test_alipay_down_the_refund_is_a_502_and_the_retry_refunds_once(world, store, alipay):
    paid = _paid(world, alipay)
    gateway, alipay.refuse["alipay.trade.refund"] = alipay, {"code": "20000", "msg": "Service Currently Unavailable",
                                                             "sub_code": "aop.ACQ.SYSTEM_ERROR"}
    problem(_refund(world, paid["purchase_id"], "down-1", amount_cents=300), 502)
    assert scalar(store, "SELECT count(*) FROM refunds") == 0
    assert balance(store, f"driver:{world.driver['id']}") == 1500
    assert _refund(world, paid["purchase_id"], "down-1", amount_cents=300).status_code == 201
    assert gateway.trades.by_no[paid["id"]].refunded == 300 and scalar(store, "SELECT count(*) FROM refunds") == 1


def test_refund_rights_and_unknown_purchase(world, store, alipay):
    paid = _paid(world, alipay)
    problem(world.api.post(f"/purchases/{paid['purchase_id']}/refund", {"reason": "x"},
                           token=world.device["api_key"], headers={"Idempotency-Key": "d-1"}), 403)
    problem(_refund(world, "pur_nothing", "n-1"), 404)
    problem(_refund(world, paid["purchase_id"], "z-1", amount_cents=0), 422, "amount_cents")
    problem(_refund(world, paid["purchase_id"], "z-2", amount_cents="5"), 422, "amount_cents")
    problem(world.api.post(f"/purchases/{paid['purchase_id']}/refund", {"reason": "x"}), 400)  # no key
