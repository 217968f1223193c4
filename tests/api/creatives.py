"""Shared steps of the creatives tests (an ad, an upload as the console sends it, a device)."""
from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

from tests.helpers import ADMIN_TOKEN, auth


def make_ad(api, starts=None, ends=None, expected=1000, **kw) -> dict:
    now = datetime.now(timezone.utc)
    body = {"title": "Summer drinks", "advertiser": "Genki", "expected_plays": expected, "price_per_play_cents": 8,
            "starts_at": (starts or now - timedelta(hours=1)).isoformat(),
            "ends_at": (ends or now + timedelta(days=30)).isoformat(), **kw}
    reply = api.post("/ads", body)
    assert reply.status_code == 201, reply.get_json()
    return reply.get_json()


def upload(client, ad_id: int, data: bytes, filename="creative.bin", headers=None, token=ADMIN_TOKEN):
    return client.post(f"/api/v1/ads/{ad_id}/creatives", data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data", headers={**auth(token), **(headers or {})})


def device_of(api) -> dict:
    return api.device(api.driver()["id"])
