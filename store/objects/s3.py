"""The S3 backend (boto3): any S3-compatible store, MinIO in compose.

Keys are ``<prefix>/<first two hex digits>/<sha256>``. Uploads go through boto3's
transfer manager from the spool file: multipart above 16 MiB, a few parts at a
time (memory bounded by part size x concurrency, whatever the file's size), and a
failed multipart upload is aborted by it; what a killed process leaves unfinished
``sweep`` aborts. Presigned URLs are signed locally (no request) for the public
endpoint, the host devices reach, which may differ from the one the app uses.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from store.objects.base import CACHE_FOREVER, ObjectStore, ObjectStoreError, check_name, sweep_spool

MiB = 1024 * 1024
TRANSFER = TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB, max_concurrency=4)
READ_CHUNK = 256 * 1024
_MISSING = ("404", "NoSuchKey", "NotFound")


class S3Store(ObjectStore):
    kind = "s3"
    presigns = True

    def __init__(self, bucket: str, prefix: str, *, endpoint: str | None, public_endpoint: str | None,
                 access_key: str | None, secret_key: str | None, region: str, spool_dir: Path):
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.spool_dir = spool_dir
        self._options = dict(region_name=region, aws_access_key_id=access_key, aws_secret_access_key=secret_key)
        self._endpoint, self._public = endpoint, public_endpoint or endpoint
        self._lock = threading.Lock()
        self._clients: dict[str, object] = {}

    @classmethod
    def from_settings(cls, settings) -> "S3Store":
        parts = urlsplit(settings.object_store_url)
        return cls(parts.netloc, parts.path, endpoint=settings.s3_endpoint, public_endpoint=settings.s3_public_endpoint,
                   access_key=settings.s3_access_key, secret_key=settings.s3_secret_key, region=settings.s3_region,
                   spool_dir=settings.data_dir / "uploads")

    def _client(self, endpoint: str | None):
        """boto3 clients are thread-safe and slow to build (the service model): one per endpoint, on first use."""
        key = endpoint or ""
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    # Path-style addressing: MinIO and most S3-compatible servers have no per-bucket host names.
                    config = Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                    connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
                    client = boto3.session.Session().client("s3", endpoint_url=endpoint, config=config,
                                                            **self._options)
                    self._clients[key] = client
        return client

    @property
    def client(self):
        return self._client(self._endpoint)

    def key(self, name: str) -> str:
        check_name(name)
        return "/".join(p for p in (self.prefix, name[:2], name) if p)

    def put(self, name: str, source: Path, content_type: str) -> bool:
        if self.exists(name):
            return False
        try:
            self.client.upload_file(str(source), self.bucket, self.key(name), Config=TRANSFER,
                                    ExtraArgs={"ContentType": content_type, "CacheControl": CACHE_FOREVER})
        except (BotoCoreError, ClientError) as exc:
            raise ObjectStoreError(f"upload to s3://{self.bucket} failed: {exc}") from exc
        return True

    def _head(self, name: str) -> dict | None:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise ObjectStoreError(f"s3://{self.bucket}: {exc}") from exc
        except BotoCoreError as exc:
            raise ObjectStoreError(f"s3://{self.bucket}: {exc}") from exc

    def exists(self, name: str) -> bool:
        return self._head(name) is not None

    def size(self, name: str) -> int | None:
        head = self._head(name)
        return None if head is None else head["ContentLength"]

    def read(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        extra = {"Range": f"bytes={start}-{'' if end is None else end}"} if start or end is not None else {}
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(name), **extra)["Body"]
            yield from body.iter_chunks(READ_CHUNK)
        except (BotoCoreError, ClientError) as exc:
            raise ObjectStoreError(f"s3://{self.bucket}: {exc}") from exc

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))
        except (BotoCoreError, ClientError) as exc:
            raise ObjectStoreError(f"s3://{self.bucket}: {exc}") from exc

    def presign(self, name: str, expires_at: datetime, content_type: str) -> str:
        seconds = max(1, int((expires_at - datetime.now(timezone.utc)).total_seconds()))
        return self._client(self._public).generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self.key(name)}, ExpiresIn=seconds)

    def sweep(self, older_than: datetime) -> int:
        removed = sweep_spool(self.spool_dir, older_than)
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < older_than:
                        self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                           UploadId=upload["UploadId"])
                        removed += 1
        except (BotoCoreError, ClientError) as exc:
            raise ObjectStoreError(f"s3://{self.bucket}: {exc}") from exc
        return removed
