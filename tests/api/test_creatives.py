"""Creatives end to end, every test on both object stores (a directory; S3 on moto's server):
uploads, the device playlist, the creatives' bytes, and who may do what."""
import hashlib
import io
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from store.models import Creative, CreativeObject
from store.objects import signing
from tests.helpers import ADMIN_TOKEN, auth, console_user, sign_in
from tests.media import EXECUTABLE, SAMPLES, image, video
from tests.objects import spool_files, stored_names

SHANGHAI = timezone(timedelta(hours=8))


pytestmark = pytest.mark.usefixtures("objects")  # every test on both backends (tests/objects.py)


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


def nothing_stored(store, objects) -> bool:
    with store.sessions() as session:
        rows = session.scalar(select(func.count()).select_from(Creative)) + \
            session.scalar(select(func.count()).select_from(CreativeObject))
    return rows == 0 and stored_names(objects) == set() and spool_files(objects) == []


# ---- uploads ---------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", list(SAMPLES))
def test_each_accepted_type_is_stored_under_its_hash_with_what_it_is(api, client, objects, content_type):
    ad = make_ad(api)
    data = SAMPLES[content_type]()
    reply = upload(client, ad["id"], data, filename="whatever.bin")  # the name says nothing; the bytes do
    assert reply.status_code == 201, reply.get_json()
    body = reply.get_json()
    sha = hashlib.sha256(data).hexdigest()
    assert body["ad_id"] == ad["id"] and body["content_type"] == content_type
    assert body["bytes"] == len(data) and body["sha256"] == sha
    if content_type.startswith("image/"):
        assert (body["width"], body["height"]) == (640, 360) and "duration_ms" not in body
    else:
        assert (body["width"], body["height"]) == (320, 180) and 1900 <= body["duration_ms"] <= 2100
    assert sha in stored_names(objects) and b"".join(objects.read(sha)) == data
    assert spool_files(objects) == []


def test_a_renamed_executable_is_refused_and_nothing_is_stored(api, client, store, objects):
    ad = make_ad(api)
    reply = upload(client, ad["id"], EXECUTABLE, filename="banner.png")
    assert reply.status_code == 415 and reply.mimetype == "application/problem+json"
    assert reply.get_json()["errors"][0]["field"] == "file"
    assert nothing_stored(store, objects)


def test_bytes_that_look_right_but_do_not_decode_are_refused(api, client, store, objects):
    ad = make_ad(api)
    broken = image("PNG")[:200] + b"\x00" * 5000  # a PNG signature and header, then garbage
    assert upload(client, ad["id"], broken).status_code == 415
    truncated = video("mp4")[:40]  # ftyp box only
    assert upload(client, ad["id"], truncated).status_code == 415
    assert nothing_stored(store, objects)


def test_over_the_limit_is_413_while_reading_and_nothing_is_stored(api, client, store, objects, monkeypatch):
    monkeypatch.setattr(store.settings, "creative_max_mb", 1)
    ad = make_ad(api)
    big = image("PNG") + b"\x00" * (1024 * 1024)  # a valid start: only the size is wrong
    reply = upload(client, ad["id"], big)
    assert reply.status_code == 413 and reply.get_json()["errors"][0]["field"] == "file"
    assert nothing_stored(store, objects)
    # declared up front: refused before a byte of the body is read
    declared = client.post(f"/api/v1/ads/{ad['id']}/creatives", input_stream=io.BytesIO(b""),
                           content_type="multipart/form-data; boundary=x", headers=auth(ADMIN_TOKEN),
                           environ_overrides={"CONTENT_LENGTH": str(3 * 1024 * 1024)})
    assert declared.status_code == 413


def noise_png(megabytes: float) -> bytes:
    import os

    from PIL import Image

    side = int((megabytes * 1024 * 1024 / 3) ** 0.5) + 1
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG", compress_level=0)
    return out.getvalue()


def test_uploads_are_the_one_exception_to_the_2_mib_body_limit(api, client, store, objects, monkeypatch):
    """Every other body stops at 2 MiB; an upload's limit is BUYFREE_CREATIVE_MAX_MB, chunked or not."""
    ad = make_ad(api)
    big = noise_png(3)
    assert len(big) > 3 * 1024 * 1024
    assert upload(client, ad["id"], big).status_code == 201
    too_big_json = api.post("/ads", {"title": "x" * (3 * 1024 * 1024)})
    assert too_big_json.status_code == 413  # the API's own limit still holds elsewhere
    boundary = "----chunked"
    other = noise_png(2.5)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.png\"\r\n\r\n").encode() \
        + other + f"\r\n--{boundary}--\r\n".encode()
    chunked = {"headers": {**auth(ADMIN_TOKEN), "Content-Type": f"multipart/form-data; boundary={boundary}",
                           "Transfer-Encoding": "chunked"}, "environ_overrides": {"wsgi.input_terminated": True}}
    reply = client.post(f"/api/v1/ads/{ad['id']}/creatives", input_stream=io.BytesIO(body), **chunked)
    assert reply.status_code == 201 and reply.get_json()["bytes"] == len(other)
    monkeypatch.setattr(store.settings, "creative_max_mb", 2)  # now the same chunked body is over the limit
    before = stored_names(objects)
    reply = client.post(f"/api/v1/ads/{ad['id']}/creatives", input_stream=io.BytesIO(body + b""), **chunked)
    assert reply.status_code == 413 and stored_names(objects) == before and spool_files(objects) == []


def test_the_same_bytes_twice_are_one_object_and_one_creative_per_ad(api, client, store, objects):
    ad, other = make_ad(api), make_ad(api, title="Other campaign")
    data = image("JPEG")
    first = upload(client, ad["id"], data)
    again = upload(client, ad["id"], data)
    elsewhere = upload(client, other["id"], data)
    assert (first.status_code, again.status_code, elsewhere.status_code) == (201, 200, 201)
    assert again.get_json() == first.get_json()
    assert elsewhere.get_json()["id"] != first.get_json()["id"]
    sha = hashlib.sha256(data).hexdigest()
    assert sha in stored_names(objects) and len(stored_names(objects)) == 2  # the file and its thumbnail
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CreativeObject)) == 2


def test_an_interrupted_upload_stores_nothing(api, client, store, objects):
    ad = make_ad(api)
    data = video("webm")
    boundary = "----cut"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.webm\"\r\n"
            f"Content-Type: video/webm\r\n\r\n").encode() + data
    headers = {**auth(ADMIN_TOKEN), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    # the connection ends before the declared length (a client that went away) ...
    cut = client.post(f"/api/v1/ads/{ad['id']}/creatives", input_stream=io.BytesIO(body[: len(body) // 2]),
                      headers=headers, environ_overrides={"CONTENT_LENGTH": str(len(body) + 100)})
    # ... or the body ends without its closing boundary
    unclosed = client.post(f"/api/v1/ads/{ad['id']}/creatives", input_stream=io.BytesIO(body),
                           headers=headers, environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert (cut.status_code, unclosed.status_code) == (400, 400)
    assert nothing_stored(store, objects)


def test_upload_requests_that_are_not_one_file(api, client, store, objects):
    ad = make_ad(api)
    json_body = api.post(f"/ads/{ad['id']}/creatives", {"file": "aGVsbG8="})
    assert json_body.status_code == 415
    no_file = client.post(f"/api/v1/ads/{ad['id']}/creatives", data={"title": "x"}, content_type="multipart/form-data",
                          headers=auth(ADMIN_TOKEN))
    assert no_file.status_code == 422 and no_file.get_json()["errors"][0]["field"] == "file"
    assert upload(client, ad["id"], b"").status_code == 422
    assert upload(client, 999999, image("PNG")).status_code == 404
    assert nothing_stored(store, objects)


# ---- rights ----------------------------------------------------------------------------
def test_only_admins_upload(api, client, store, objects):
    ad = make_ad(api)
    station = api.station()
    driver = api.driver()
    device = api.device(driver["id"])
    for token in (station["api_key"], driver["api_key"], device["api_key"]):
        assert upload(client, ad["id"], image("PNG"), token=token).status_code == 403
    assert upload(client, ad["id"], image("PNG"), token=None).status_code == 401
    assert nothing_stored(store, objects)


def test_the_console_uploads_with_its_session_and_form_token(api, app, store, objects):
    ad = make_ad(api)
    admin, manager = console_user(api, role="admin"), console_user(api, station_id=api.station()["id"])
    browser = app.test_client()
    sign_in(browser, admin["username"])
    assert upload(browser, ad["id"], image("PNG"), token=None).status_code == 403  # no form token: refused
    with browser.session_transaction() as session:
        token = session["_csrf"]
    assert upload(browser, ad["id"], image("PNG"), token=None, headers={"X-CSRF-Token": token}).status_code == 201
    other = app.test_client()
    sign_in(other, manager["username"])
    with other.session_transaction() as session:
        manager_token = session["_csrf"]
    assert upload(other, ad["id"], image("WEBP"), token=None, headers={"X-CSRF-Token": manager_token}).status_code == 403


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
