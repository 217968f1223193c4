"""The object store's interface, the same tests on both backends (a directory; S3 on moto's server)."""
import hashlib
import os
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from store.objects import make_object_store
from store.objects.directory import DirectoryStore
from store.objects.s3 import S3Store
from tests.objects import spool_files, stored_names


def spooled(backend, data: bytes):
    spool = backend.spool()
    for i in range(0, len(data), 1000):
        spool.write(data[i:i + 1000])
    spool.finish()
    return spool


def test_a_put_is_named_by_its_hash_and_written_once(backend):
    data = os.urandom(50_000)
    with spooled(backend, data) as spool:
        assert spool.sha256 == hashlib.sha256(data).hexdigest() and spool.bytes == len(data)
        assert backend.put(spool.sha256, spool.path, "image/png") is True
    with spooled(backend, data) as again:
        assert backend.put(again.sha256, again.path, "image/png") is False  # already there: nothing written
    assert stored_names(backend) == {spool.sha256}
    assert backend.exists(spool.sha256) and backend.size(spool.sha256) == len(data)
    assert b"".join(backend.read(spool.sha256)) == data
    assert b"".join(backend.read(spool.sha256, 1000, 1999)) == data[1000:2000]
    assert spool_files(backend) == []  # the spool is gone once closed


def test_delete_is_idempotent_and_unknown_names_are_absent(backend):
    name = hashlib.sha256(b"nothing").hexdigest()
    assert not backend.exists(name) and backend.size(name) is None
    backend.delete(name)
    with spooled(backend, b"x" * 10) as spool:
        backend.put(spool.sha256, spool.path, "image/png")
    backend.delete(spool.sha256)
    backend.delete(spool.sha256)
    assert not backend.exists(spool.sha256) and stored_names(backend) == set()


def test_names_must_be_hashes(backend):
    with pytest.raises(ValueError):
        backend.exists("../../etc/passwd")


def test_a_spool_left_by_a_dead_upload_is_swept(backend):
    spool = backend.spool()
    spool.write(b"half an upload")
    spool.file.close()  # a killed worker: never closed, never put
    old = time.time() - 7200
    os.utime(spool.path, (old, old))
    fresh = backend.spool()
    assert backend.sweep(datetime.now(timezone.utc) - timedelta(hours=1)) >= 1
    assert spool_files(backend) == [fresh.path]  # an upload still running keeps its spool
    fresh.close()


def test_s3_upload_in_parts_and_an_unfinished_multipart_upload_is_aborted(request, tmp_path):
    from tests.objects import make_backend

    backend = make_backend("s3", tmp_path, request)
    data = os.urandom(17 * 1024 * 1024)  # over the 16 MiB multipart threshold
    with spooled(backend, data) as spool:
        backend.put(spool.sha256, spool.path, "video/mp4")
    assert b"".join(backend.read(spool.sha256)) == data
    head = backend.client.head_object(Bucket=backend.bucket, Key=backend.key(spool.sha256))
    assert head["ContentType"] == "video/mp4" and "immutable" in head["CacheControl"]
    key = backend.key("ab" * 32)
    backend.client.create_multipart_upload(Bucket=backend.bucket, Key=key)  # a process died mid-upload
    assert backend.sweep(datetime.now(timezone.utc) + timedelta(minutes=1)) == 1
    uploads = backend.client.list_multipart_uploads(Bucket=backend.bucket, Prefix=backend.prefix).get("Uploads", [])
    assert uploads == []
    assert not backend.exists("ab" * 32)


def test_s3_presigned_urls_fetch_ranges_and_say_when_they_expire(request, tmp_path):
    from tests.objects import make_backend

    backend = make_backend("s3", tmp_path, request)
    data = os.urandom(4096)
    with spooled(backend, data) as spool:
        backend.put(spool.sha256, spool.path, "image/webp")
    expires = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(hours=1)
    url = backend.presign(spool.sha256, expires, "image/webp")
    whole = requests.get(url, timeout=10)
    assert whole.status_code == 200 and whole.content == data
    part = requests.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206 and part.content == data[100:200]
    query = parse_qs(urlsplit(url).query)
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    # moto's server does not check signatures or expiry (MinIO and S3 do): the URL must carry the right window.
    assert abs((signed_at + timedelta(seconds=int(query["X-Amz-Expires"][0])) - expires).total_seconds()) <= 2
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"][0]


def test_presigned_urls_use_the_public_endpoint(tmp_path):
    backend = S3Store("creatives", "", endpoint="http://minio:9000", public_endpoint="https://media.example.com",
                      access_key="a", secret_key="b", region="us-east-1", spool_dir=tmp_path)
    url = backend.presign("cd" * 32, datetime.now(timezone.utc) + timedelta(hours=1), "image/png")
    assert url.startswith("https://media.example.com/creatives/cd/" + "cd" * 32 + "?")


def test_the_setting_picks_the_backend(settings, tmp_path):
    directory = make_object_store(settings.model_copy(update={"data_dir": tmp_path}))
    assert isinstance(directory, DirectoryStore) and directory.root == tmp_path / "objects"
    s3 = make_object_store(settings.model_copy(update={"object_store_url": "s3://creatives/ads", "data_dir": tmp_path,
                                                       "s3_endpoint": "http://minio:9000"}))
    assert isinstance(s3, S3Store) and (s3.bucket, s3.prefix) == ("creatives", "ads")
    assert s3.key("ef" * 32) == "ads/ef/" + "ef" * 32
