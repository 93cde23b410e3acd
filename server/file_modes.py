"""Files holding customer data or secrets are readable by the app's own user only (0600).

The SQLite database is created 0600 before SQLite opens it (SQLite would make it 0644
under the usual umask, and gives its -wal and -shm files the database file's mode);
the secrets kept in instance/ are 0600 too, tightened if found wider.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
PRIVATE = 0o600


def make_private(path: Path) -> None:
    """Tighten a file of ours to 0600 when group or others may read or write it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        try:
            os.chmod(path, PRIVATE)
            log.warning("%s was readable by others (mode %o): now 0600", path, mode)
        except PermissionError:
            log.warning("%s is readable by others (mode %o) and cannot be changed", path, mode)


def create_private_sqlite(url: str) -> None:
    """Create the SQLite database file 0600 when it does not exist yet (the engine opens it later)."""
    parsed = make_url(url)
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:") or parsed.query.get("uri"):
        return
    path = Path(database)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE))
    except FileExistsError:  # another worker made it first
        pass
