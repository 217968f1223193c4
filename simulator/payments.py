"""Alipay sales in the simulator: the device asks for a QR code, the passenger scans it and pays."""
from __future__ import annotations


def scan_and_pay(fleet, car, body: dict, walks_away: bool) -> bool:
    """An Alipay sale as it happens with payments on: the device asks for a QR code, the
    passenger scans it and pays; the platform records the sale when Alipay notifies it.
    False when the server has no payments configured (the device then reports the sale)."""
    if not fleet.payments:
        return False
    status, reply = fleet.client.call("POST", "/payments", token=car.info["device_key"], idempotency_key=fleet.key(
        "qr"), json={"items": body["items"], "location": body["location"]}, allow=(503,))
    if status == 503:
        fleet.payments = False
        return False
    if status != 201:
        return True  # Alipay failed: the passenger pays another way next time
    if walks_away:
        fleet.totals.walked_away += 1
        return True
    if fleet.client.scan(reply["qr_code"]):
        for item in body["items"]:
            car.stock[item["sku"]] -= item["quantity"]
        fleet.totals.scanned += 1
        fleet.totals.purchases += 1
        fleet.totals.purchase_cents += reply["total_cents"]
    return True
