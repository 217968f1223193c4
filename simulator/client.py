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
        self.tally[(method, label, status if status is not None else "error")] += 1
        if status is None or not (200 <= status < 300 or status in allow):
            message = f"{method} {label} -> {status}: {str(body)[:300]}"
            self.unexpected.append(message)
            log.warning("unexpected answer: %s", message)
        return status or 0, body

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
