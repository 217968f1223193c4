"""The object store of ad creatives: one small interface, two backends.

- ``DirectoryStore``: files under ``BUYFREE_DATA_DIR/objects`` (the embedded default;
  the app serves them at signed, expiring URLs, ``store.objects.signing``).
- ``S3Store``: any S3-compatible bucket through boto3 (MinIO in compose); devices get
  presigned URLs of the store itself.

Objects are named by the SHA-256 of their bytes and written once: ``put`` of a name
that exists does nothing, and a write is whole or absent (a directory store links a
finished, fsynced file into place; S3 shows an object only when its upload completed).
"""
from __future__ import annotations

from store.objects.base import ObjectStore, ObjectStoreError, Spool

__all__ = ["ObjectStore", "ObjectStoreError", "Spool", "make_object_store"]


def make_object_store(settings) -> ObjectStore:
    """The backend ``BUYFREE_OBJECT_STORE_URL`` names (no connection is opened here)."""
    if settings.object_store_url:
        from store.objects.s3 import S3Store

        return S3Store.from_settings(settings)
    from store.objects.directory import DirectoryStore

    return DirectoryStore(settings.data_dir / "objects")
