"""Uploads of creatives, every test on both object stores (a directory; S3 on moto's server): what is
accepted and stored under its hash, what is refused with nothing stored, the body limit, and who may
upload. The device playlist and the creatives' URLs: test_playlist.py."""
import hashlib
import io

import pytest
from sqlalchemy import func, select

from store.models import Creative, CreativeObject
from tests.api.creatives import make_ad, upload
from tests.helpers import ADMIN_TOKEN, auth, console_user, sign_in
from tests.media import EXECUTABLE, SAMPLES, image, video
from tests.objects import spool_files, stored_names

pytestmark = pytest.mark.usefixtures("objects")  # every test on both backends (tests/objects.py)


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
