"""The HTTP client: retries that are safe (same idempotency key), and a tally of every answer."""
from __future__ import annotations

import logging
import re
import time
from collections import Counter

import requests

log = logging.getLogger("simulator")
RETRY_STATUSES = {502, 503, 504}
ID_SEGMENT = re.compile(r"/\d+(?=/|$)")


class ApiError(Exception):
    def __init__(self, method: str, path: str, status: int | None, body):
        super().__init__(f"{method} {path} -> {status}: {body}")
        self.status, self.body = status, body


class ApiClient:
    """``call`` returns ``(status, body)``; statuses outside ``ok`` (plus ``allow``) are counted as
    unexpected, so a run can prove that every request it sent was accepted."""

    def __init__(self, base_url: str, admin_token: str | None, *, timeout: float = 15.0, retries: int = 4):
        self.base = base_url.rstrip("/") + "/api/v1"
        self.root = base_url.rstrip("/")
        self.admin = admin_token
        self.timeout, self.retries = timeout, retries
        self.http = requests.Session()
        self.tally: Counter = Counter()  # (method, path template, status) -> count
        self.unexpected: list[str] = []

    def call(self, method: str, path: str, *, token: str | None, json=None, params=None, idempotency_key=None,
             template: str | None = None, allow: tuple[int, ...] = ()) -> tuple[int, object]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        label = template or ID_SEGMENT.sub("/{id}", path)
        status, body = None, None
        for attempt in range(self.retries + 1):
            try:
                response = self.http.request(method, self.base + path, json=json, params=params, headers=headers,
                                             timeout=self.timeout)
                status = response.status_code
                body = response.json() if response.content and "json" in response.headers.get("Content-Type", "") \
                    else None
            except requests.RequestException as exc:
                status, body = None, str(exc)
            # Retrying is safe: writes carry the same idempotency key, reads are reads.
            # 409 on an idempotent write means "the first attempt is still running".
            in_flight = status == 409 and idempotency_key and attempt < self.retries and \
                "progress" in str(body).lower()
            if (status is None or status in RETRY_STATUSES or in_flight) and attempt < self.retries:
                time.sleep(0.2 * 2 ** attempt)
                continue
            break
        self._count(method, label, status, str(body), allow)
        return status or 0, body

    def playlist(self, token: str, etag: str | None) -> tuple[int, object, str | None]:
        """``GET /devices/me/playlist`` with ``If-None-Match``: (status, body or None on 304, ETag)."""
        headers = {"Authorization": f"Bearer {token}", **({"If-None-Match": etag} if etag else {})}
        try:
            response = self.http.get(self.base + "/devices/me/playlist", headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            self._count("GET", "/devices/me/playlist", None, str(exc))
            return 0, None, etag
        self._count("GET", "/devices/me/playlist", response.status_code, response.text[:300], allow=(304,))
        body = response.json() if response.status_code == 200 else None
        return response.status_code, body, response.headers.get("ETag", etag)

    def fetch_creative(self, url: str) -> int:
        """The first KiB of a creative (a device checks its URL before it downloads the rest)."""
        target = self.root + url if url.startswith("/") else url  # an app URL, or the S3 store's presigned one
        try:
            status = self.http.get(target, headers={"Range": "bytes=0-1023"}, timeout=self.timeout).status_code
        except requests.RequestException as exc:
            self._count("GET", "/creatives/{id}", None, str(exc))
            return 0
        self._count("GET", "/creatives/{id}", status, "")
        return status

    def _count(self, method: str, label: str, status: int | None, body: str, allow: tuple[int, ...] = ()) -> None:
        self.tally[(method, label, status if status is not None else "error")] += 1
        if status is None or not (200 <= status < 300 or status in allow):
            message = f"{method} {label} -> {status}: {body[:300]}"
            self.unexpected.append(message)
            log.warning("unexpected answer: %s", message)

    def scan(self, qr_code: str) -> bool:
        """A passenger's phone: the QR code's URL is the (stand-in) Alipay's; paying is a POST to it."""
        try:
            answer = self.http.post(qr_code, json={"pay": True}, timeout=self.timeout)
        except requests.RequestException as exc:
            self.unexpected.append(f"scan {qr_code}: {exc}")
            return False
        self.tally[("POST", "alipay:/qr/{token}", answer.status_code)] += 1
        paid = answer.status_code == 200 and answer.json().get("status") == "TRADE_SUCCESS"
        if not paid:
            self.unexpected.append(f"scan {qr_code}: {answer.status_code} {answer.text[:200]}")
        return paid

    def require(self, method: str, path: str, **kwargs):
        """A call that must succeed (setup steps): raises on anything but 2xx."""
        status, body = self.call(method, path, **kwargs)
        if not 200 <= status < 300:
            raise ApiError(method, path, status, body)
        return body

    def wait_for_server(self, seconds: float = 120.0) -> None:
        deadline = time.monotonic() + seconds
        while True:
            try:
                if self.http.get(self.root + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer from {self.root}/healthz after {seconds:.0f} s")
            time.sleep(0.5)
