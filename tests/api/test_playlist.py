"""Device playlists: who may read one, what it lists and in which order, 304 while unchanged, and the
URLs in it (the app's signed ones, or S3's presigned ones) fetching the bytes, ranges and cache headers."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from store.objects import signing
from tests.api.creatives import device_of, make_ad, upload
from tests.media import image, video

SHANGHAI = timezone(timedelta(hours=8))

pytestmark = pytest.mark.usefixtures("objects")  # every test on both backends (tests/objects.py)


def test_only_a_device_reads_its_playlist(api, client):
    one, two = device_of(api), device_of(api)
    assert api.get("/devices/me/playlist", token=one["api_key"]).status_code == 200
    assert api.get(f"/devices/me/playlist?device_id={two['id']}", token=one["api_key"]).status_code == 403
    assert api.get(f"/devices/me/playlist?device_id={two['id']}").status_code == 200  # admin names the device
    assert api.get("/devices/me/playlist").status_code == 422  # admin without a device
    station, driver = api.station(), api.driver()
    for token in (station["api_key"], driver["api_key"]):
        assert api.get("/devices/me/playlist", token=token).status_code == 403
    assert api.get("/devices/me/playlist", token=None).status_code == 401


# ---- playlist --------------------------------------------------------------------------
def playlist(api, device, **headers):
    return api.get("/devices/me/playlist", token=device["api_key"], headers=headers)


def test_the_playlist_lists_running_ads_with_creatives_in_a_stable_order(api, client, objects):
    device = device_of(api)
    now = datetime.now(timezone.utc)
    later = make_ad(api, title="Later", starts=now + timedelta(hours=2))
    first = make_ad(api, title="First")
    ended = make_ad(api, title="Ended", starts=now - timedelta(days=2), ends=now - timedelta(minutes=1))
    bare = make_ad(api, title="No creative yet")
    second = make_ad(api, title="Second", ends=None)
    open_ended = api.post("/ads", {"title": "Open", "advertiser": "x", "expected_plays": 5, "price_per_play_cents": 1,
                                   "starts_at": (now - timedelta(minutes=5)).isoformat()}).get_json()
    made = {}
    for ad, maker in ((second, lambda: video("mp4")), (first, lambda: image("PNG")), (first, lambda: video("webm")),
                      (later, lambda: image("JPEG")), (ended, lambda: image("WEBP")),
                      (open_ended, lambda: image("PNG", color=(1, 2, 3)))):
        reply = upload(client, ad["id"], maker())
        made.setdefault(ad["id"], []).append(reply.get_json())
    assert bare["id"] not in made
    reply = playlist(api, device)
    assert reply.status_code == 200
    items = reply.get_json()["items"]
    expected = [(ad["id"], c["id"]) for ad in (first, second, open_ended) for c in made[ad["id"]]]
    assert [(i["ad_id"], i["creative_id"]) for i in items] == expected
    png = items[0]
    assert png["title"] == "First" and png["content_type"] == "image/png" and png["duration_ms"] == 10_000
    assert items[1]["content_type"] == "video/webm" and 1900 <= items[1]["duration_ms"] <= 2100
    assert reply.get_json()["generated_at"].endswith("+08:00")


def test_window_boundaries_are_instants_of_the_business_day(api, client, store):
    from analytics.queries import playlist as live_playlist

    ad = make_ad(api, starts=datetime(2026, 12, 3, 0, 0, tzinfo=SHANGHAI), ends=datetime(2026, 12, 4, tzinfo=SHANGHAI))
    upload(client, ad["id"], image("PNG"))

    def running(at):
        return [i["ad_id"] for i in live_playlist(store, at)] == [ad["id"]]

    assert not running(datetime(2026, 12, 2, 23, 59, 59, tzinfo=SHANGHAI))  # 15:59:59Z on the 2nd
    assert running(datetime(2026, 12, 2, 16, 0, tzinfo=timezone.utc))  # local midnight: starts_at <= now
    assert running(datetime(2026, 12, 3, 23, 59, 59, tzinfo=SHANGHAI))
    assert not running(datetime(2026, 12, 4, 0, 0, tzinfo=SHANGHAI))  # now < ends_at


def test_an_ad_that_has_its_plays_drops_out(api, client):
    device = device_of(api)
    ad = make_ad(api, expected=2)
    creative = upload(client, ad["id"], image("PNG")).get_json()
    assert [i["ad_id"] for i in playlist(api, device).get_json()["items"]] == [ad["id"]]
    now = datetime.now(timezone.utc).isoformat()
    plays = [{"ad_id": ad["id"], "played_at": now, "duration_ms": 10_000, "creative_id": creative["id"]}] * 2
    reply = api.post("/ad-plays", {"plays": plays}, token=device["api_key"], headers={"Idempotency-Key": "p-1"})
    assert reply.status_code == 201
    assert playlist(api, device).get_json()["items"] == []


def test_an_unchanged_playlist_is_304_and_a_new_creative_changes_it(api, client):
    device = device_of(api)
    ad = make_ad(api)
    upload(client, ad["id"], image("PNG"))
    first = playlist(api, device)
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    again = playlist(api, device, **{"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
    upload(client, ad["id"], image("JPEG"))
    changed = playlist(api, device, **{"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag and len(changed.get_json()["items"]) == 2


def fetch(client, url: str, **headers):
    """An item's URL as a device fetches it: the app's signed URL, or the S3 store's presigned one."""
    if url.startswith("/"):
        reply = client.get(url, headers=headers)
        if reply.status_code == 302:  # an S3-backed app URL sends the device to the bucket
            return fetch(client, reply.headers["Location"], **headers)
        return reply.status_code, reply.get_data(), reply.headers
    reply = requests.get(url, headers=headers, timeout=10)
    return reply.status_code, reply.content, reply.headers


def test_playlist_urls_fetch_the_bytes_ranges_and_expire(api, client, store, objects):
    device = device_of(api)
    ad = make_ad(api)
    data = video("mp4")
    creative = upload(client, ad["id"], data).get_json()
    item = playlist(api, device).get_json()["items"][0]
    status, body, headers = fetch(client, item["url"])
    assert status == 200 and body == data and hashlib.sha256(body).hexdigest() == item["sha256"]
    status, body, headers = fetch(client, item["url"], Range="bytes=100-1099")
    assert status == 206 and body == data[100:1100]
    assert headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    status, body, _ = fetch(client, item["url"], Range=f"bytes=-50")
    assert status == 206 and body == data[-50:]
    now = datetime.now(timezone.utc)
    exp = signing.expiry(now)
    assert 3600 <= exp - now.timestamp() <= 3600 + signing.SLOT_SECONDS
    if objects.presigns:
        query = parse_qs(urlsplit(item["url"]).query)
        signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        assert abs(signed_at.timestamp() + int(query["X-Amz-Expires"][0]) - exp) <= 2
    else:
        assert item["url"] == signing.app_url(store.settings.secret_key, creative["id"], exp)
    # the app's own URLs (the directory store's; the S3 store's redirect): expired or altered is 403
    secret, cid = store.settings.secret_key, creative["id"]
    past = int(now.timestamp()) - 1
    expired = f"/api/v1/creatives/{cid}?exp={past}&sig={signing.signature(secret, cid, past)}"
    altered_exp = f"/api/v1/creatives/{cid}?exp={exp + 600}&sig={signing.signature(secret, cid, exp)}"
    other_id = f"/api/v1/creatives/{cid + 1}?exp={exp}&sig={signing.signature(secret, cid, exp)}"
    thumb_sig = f"/api/v1/creatives/{cid}?exp={exp}&sig={signing.signature(secret, cid, exp, 'thumbnail')}"
    for url in (expired, altered_exp, other_id, thumb_sig, f"/api/v1/creatives/{cid}"):
        reply = client.get(url)
        assert reply.status_code == 403 and reply.mimetype == "application/problem+json", url


def test_the_app_url_caches_by_hash(api, client, store, objects):
    ad = make_ad(api)
    data = image("WEBP")
    creative = upload(client, ad["id"], data).get_json()
    url = signing.app_url(store.settings.secret_key, creative["id"], signing.expiry())
    if objects.presigns:  # the app sends the device to the bucket, which serves the bytes with the stored headers
        status, body, headers = fetch(client, url)
        assert status == 200 and body == data and headers["Content-Type"] == "image/webp"
        assert "immutable" in headers["Cache-Control"] and "max-age=31536000" in headers["Cache-Control"]
        return
    reply = client.get(url)
    assert reply.headers["ETag"] == f'"{creative["sha256"]}"' and reply.headers["Accept-Ranges"] == "bytes"
    assert "immutable" in reply.headers["Cache-Control"] and "max-age=31536000" in reply.headers["Cache-Control"]
    assert reply.mimetype == "image/webp"
    assert client.get(url, headers={"If-None-Match": f'"{creative["sha256"]}"'}).status_code == 304
    thumb = client.get(signing.app_url(store.settings.secret_key, creative["id"], signing.expiry(), "thumbnail"))
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg" and thumb.get_data()[:2] == b"\xff\xd8"
