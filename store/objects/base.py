"""What every backend offers, and the spool an upload is written to while it arrives."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterator

NAME = re.compile(r"^[0-9a-f]{64}$")
CACHE_FOREVER = "public, max-age=31536000, immutable"  # a name is its content's hash: it never changes


class ObjectStoreError(Exception):
    """The object store failed or cannot be reached (the API answers 503)."""


def check_name(name: str) -> str:
    if not NAME.match(name):
        raise ValueError(f"an object name is a SHA-256 in hex, not {name!r}")
    return name


class ObjectStore:
    """The interface. ``presigns``: True when ``presign`` gives URLs of the store itself."""
    kind = "abstract"
    presigns = False

    spool_dir: Path

    def put(self, name: str, source: Path, content_type: str) -> bool:
        """Store the file ``source`` as ``name`` unless it is there; True when it was written now."""
        raise NotImplementedError

    def exists(self, name: str) -> bool:
        raise NotImplementedError

    def size(self, name: str) -> int | None:
        raise NotImplementedError

    def read(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes ``start..end`` (inclusive, like HTTP ranges) in chunks."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        """Remove ``name``; a name that is not there is no error."""
        raise NotImplementedError

    def presign(self, name: str, expires_at: datetime, content_type: str) -> str:
        raise NotImplementedError(f"a {self.kind} store has no URLs of its own")

    def sweep(self, older_than: datetime) -> int:
        """Remove what failed uploads left (spool files, unfinished multipart uploads) before ``older_than``."""
        raise NotImplementedError

    def spool(self) -> "Spool":
        return Spool(self.spool_dir)


class Spool:
    """A temporary file that hashes and counts what is written; removed on close unless kept.

    ``with store.spool() as spool: spool.write(chunk) ...; store.put(spool.sha256, spool.path, type)``
    """

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, prefix="upload-", suffix=".part")
        self.path = Path(name)
        self.file: BinaryIO = os.fdopen(fd, "wb")
        self.hash = hashlib.sha256()
        self.bytes = 0
        self.head = b""  # the first bytes, for the type sniff

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.hash.update(chunk)
        self.bytes += len(chunk)
        if len(self.head) < 4096:
            self.head += chunk[:4096 - len(self.head)]

    def finish(self) -> None:
        """Flush to disk: a file linked into a store must survive a crash whole."""
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()

    @property
    def sha256(self) -> str:
        return self.hash.hexdigest()

    def close(self) -> None:
        if not self.file.closed:
            self.file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> "Spool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sweep_spool(directory: Path, older_than: datetime) -> int:
    """Spool files of uploads that died (a killed worker never ran its ``finally``)."""
    removed, cutoff = 0, older_than.timestamp()
    if not directory.is_dir():
        return 0
    for path in directory.glob("upload-*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed
