"""Content-addressed storage for photos and signatures.

A small interface so an S3-compatible store can replace the filesystem one: the
engine only calls put/get/exists with a verified SHA-256.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app


class BlobStore(Protocol):
    """Where blob bytes live."""

    def put(self, sha256: str, data: bytes) -> None: ...

    def get(self, sha256: str) -> bytes | None: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None: ...


class FileSystemBlobStore:
    """Blobs as files under root/ab/cd/<sha256>, written atomically (temp file + rename)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, sha256: str, data: bytes) -> None:
        path = self._path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, sha256: str) -> bytes | None:
        path = self._path(sha256)
        return path.read_bytes() if path.exists() else None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: str) -> None:
        """Remove the bytes (retention); a blob already gone is no error."""
        self._path(sha256).unlink(missing_ok=True)


def blob_store() -> BlobStore:
    """The app's blob store (filesystem under BLOB_DIR unless one was set in app.extensions)."""
    store = current_app.extensions.get("onsite_blob_store")
    if store is None:
        store = FileSystemBlobStore(current_app.config["BLOB_DIR"])
        current_app.extensions["onsite_blob_store"] = store
    return store
