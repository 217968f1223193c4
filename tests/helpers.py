"""Test helpers: a thin API client and factories that go through the real endpoints."""
from __future__ import annotations

import itertools

ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef"

_seq = itertools.count(1)


def closed_port() -> int:
    """A local TCP port nothing listens on (a server that is down)."""
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def auth(token: str | None) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


class Api:
    """``api.post("/stations", {...})`` with the admin token unless ``token=`` says otherwise."""

    def __init__(self, client, prefix: str = "/api/v1"):
        self.client = client
        self.prefix = prefix

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") or not path.startswith("/") or path.startswith("/readyz") \
            else self.prefix + path

    def request(self, method: str, path: str, json=None, token: str | None = ADMIN_TOKEN, headers=None, **kw):
        all_headers = {**auth(token), **(headers or {})}
        return self.client.open(self._url(path), method=method, json=json, headers=all_headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    # factories -------------------------------------------------------------
    def _created(self, path: str, body: dict) -> dict:
        response = self.post(path, body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def station(self, **kw) -> dict:
        n = next(_seq)
        body = {"name": f"Station {n}", "address": f"{n} Test Road", "lat": 31.2 + n / 1000, "lng": 121.4 + n / 1000}
        return self._created("/stations", {**body, **kw})

    def product(self, **kw) -> dict:
        n = next(_seq)
        body = {"sku": f"SKU-{n}", "name": f"Product {n}", "category": "snacks",
                "retail_price_cents": 500, "supply_price_cents": 300}
        return self._created("/products", {**body, **kw})

    def driver(self, **kw) -> dict:
        n = next(_seq)
        return self._created("/drivers", {"name": f"Driver {n}", "car_plate": f"沪A·{n:05d}", **kw})

    def device(self, driver_id: int, **kw) -> dict:
        return self._created("/devices", {"serial": f"DEV-{next(_seq):06d}", "driver_id": driver_id, **kw})

    def stock(self, station_id: int, items: list[dict]) -> dict:
        response = self.put(f"/stations/{station_id}/stock", {"items": items})
        assert response.status_code == 200, response.get_json()
        return response.get_json()


# console sign-in ---------------------------------------------------------------
PASSWORD = "correct horse battery"


def csrf_from(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def sign_in(client, username: str, password: str = PASSWORD, next_: str | None = None):
    """Fill in and send the /login form as a browser would (GET for the token, then POST)."""
    url = "/login" + (f"?next={next_}" if next_ else "")
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"username": username, "password": password, "csrf_token": token})


def console_user(api, role: str = "station_manager", station_id: int | None = None, **kw) -> dict:
    """A console user made through POST /users; the password is ``PASSWORD``."""
    body = {"username": f"user{next(_seq)}", "password": PASSWORD, "role": role, "station_id": station_id, **kw}
    response = api.post("/users", body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def restock(api, driver: dict, station: dict, product: dict, quantity: int) -> dict:
    """One replenishment order awaiting pickup, placed by the driver's own token; returns the order."""
    key = f"restock-{next(_seq)}"
    reply = api.post("/replenishments", {"items": [{"station_id": station["id"], "sku": product["sku"],
                                                    "quantity": quantity}],
                                         "payment": {"method": "alipay", "reference": key}},
                     token=driver["api_key"], headers={"Idempotency-Key": key})
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()["orders"][0]
