"""What ``junheng serve`` and its sibling commands are told: the data folder, the database URL, the rules, the limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

__all__ = ["DATABASE_FILE", "DEFAULT_DATA", "DEFAULT_HOST", "DEFAULT_MAX_UPLOAD", "DEFAULT_PORT", "MAX_UNPACKED", "Settings",
           "database_url", "parse_size"]

DEFAULT_DATA = "junheng-data"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_UPLOAD = 20 * 2**20  # 20 MiB
MAX_UNPACKED = 200 * 2**20  # an .xlsx (a zip) whose members add up to more is refused before it is opened: no zip bombs
DATABASE_FILE = "junheng.db"

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$", re.I)
_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6, "mib": 2**20,
          "g": 2**30, "gb": 10**9, "gib": 2**30}


def parse_size(text: str) -> int:
    """``20MiB``, ``512k``, ``1000000`` → bytes (k, m, g alone are binary, as ``ls -h`` shows them); ValueError otherwise."""
    m = _SIZE.match(text)
    if not m:
        raise ValueError(f"not a size: {text!r} (write it as 20MiB, 512KiB or a number of bytes)")
    size = int(float(m.group(1)) * _UNITS[(m.group(2) or "").lower()])
    if size <= 0:
        raise ValueError(f"a size must be more than zero: {text!r}")
    return size


def database_url(data: Path, db: str | None) -> URL:
    """The SQLAlchemy URL: ``--db`` as given (``postgresql://`` uses the psycopg 3 driver), else SQLite in the data folder."""
    if db is None:
        return URL.create("sqlite", database=str(data.resolve() / DATABASE_FILE))
    url = make_url(db)
    if url.drivername in ("postgresql", "postgres"):  # psycopg 3, the driver the project installs (psycopg2 is not)
        url = url.set(drivername="postgresql+psycopg")
    return url


@dataclass(frozen=True)
class Settings:
    """Everything the server is started with; the defaults are ``junheng serve``'s."""

    data: Path = Path(DEFAULT_DATA)
    db: str | None = None  # None: SQLite in the data folder
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    rules: tuple[Path, ...] = ()  # extra rule layers, under the data folder's own rules (ruleset.py)
    max_upload: int = DEFAULT_MAX_UPLOAD
    max_unpacked: int = MAX_UNPACKED
    session_hours: int = 12  # how long a login lasts
    # Worker processes that check uploads (checkers.py): None takes JUNHENG_CHECKERS, else the number of cores; 0: none,
    # every check in the server's process, one at a time.
    checkers: int | None = None

    @property
    def url(self) -> URL:
        return database_url(self.data, self.db)

    @property
    def rules_dir(self) -> Path:
        """The data folder's editable copy of the rules: approved changes are written here."""
        return self.data / "rules"
