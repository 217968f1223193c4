"""The directory backend: ``<root>/<first two hex digits>/<sha256>``, files linked in whole."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Iterator

from store.objects.base import ObjectStore, ObjectStoreError, check_name, sweep_spool

CHUNK = 256 * 1024


class DirectoryStore(ObjectStore):
    kind = "directory"
    presigns = False

    def __init__(self, root: Path):
        self.root = Path(root)
        self.spool_dir = self.root / ".incoming"  # same file system: linking the spool in is atomic

    def path(self, name: str) -> Path:
        check_name(name)
        return self.root / name[:2] / name

    def put(self, name: str, source: Path, content_type: str) -> bool:
        target = self.path(name)
        if target.exists():
            return False
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(source, target)  # never overwrites: a second writer of the same bytes gets FileExistsError
        except FileExistsError:
            return False
        except OSError as exc:
            raise ObjectStoreError(f"cannot write {target}: {exc}") from exc
        _fsync_dir(target.parent)
        return True

    def exists(self, name: str) -> bool:
        return self.path(name).is_file()

    def size(self, name: str) -> int | None:
        try:
            return self.path(name).stat().st_size
        except FileNotFoundError:
            return None

    def read(self, name: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        with open(self.path(name), "rb") as handle:
            handle.seek(start)
            left = None if end is None else end - start + 1
            while left is None or left > 0:
                chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk

    def delete(self, name: str) -> None:
        self.path(name).unlink(missing_ok=True)

    def sweep(self, older_than: datetime) -> int:
        return sweep_spool(self.spool_dir, older_than)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
