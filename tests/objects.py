"""Both object-store backends for tests: a directory, and S3 on a real S3-compatible server
(moto's server mode, ThreadedMotoServer, on a free loopback port) through the same boto3 code."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from store.objects.directory import DirectoryStore
from store.objects.s3 import S3Store

BUCKET = "buyfree-test"
ACCESS, SECRET = "test-access-key", "test-secret-key"
_prefix = itertools.count(1)


@pytest.fixture(scope="session")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    import boto3

    boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS, aws_secret_access_key=SECRET,
                 region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def make_backend(kind: str, tmp_path: Path, request) -> DirectoryStore | S3Store:
    if kind == "directory":
        return DirectoryStore(tmp_path / "objects")
    endpoint = request.getfixturevalue("s3_endpoint")
    # A prefix per test: every test sees an empty store in the one bucket.
    return S3Store(BUCKET, f"t{next(_prefix)}", endpoint=endpoint, public_endpoint=None, access_key=ACCESS,
                   secret_key=SECRET, region="us-east-1", spool_dir=tmp_path / "uploads")


def stored_names(backend) -> set[str]:
    """Every object the backend holds (read around the interface, as an operator would look)."""
    if isinstance(backend, DirectoryStore):
        return {p.name for p in backend.root.glob("??/*") if p.is_file()}
    pages = backend.client.get_paginator("list_objects_v2").paginate(Bucket=backend.bucket, Prefix=backend.prefix + "/")
    return {item["Key"].rsplit("/", 1)[1] for page in pages for item in page.get("Contents", [])}


def spool_files(backend) -> list[Path]:
    return list(backend.spool_dir.glob("*")) if backend.spool_dir.is_dir() else []


@pytest.fixture(params=["directory", "s3"])
def backend(request, tmp_path):
    return make_backend(request.param, tmp_path, request)


@pytest.fixture
def objects(store, backend):
    """The app's object store is ``backend`` for the length of the test (``pytest.mark.usefixtures("objects")``)."""
    previous = store.objects
    store.objects = backend
    yield backend
    store.objects = previous
