"""The database the store lives in: one engine set up for SQLite or PostgreSQL, reading and writing transactions, migrations.

SQLite (the default, in the data folder) runs in WAL mode with foreign keys on. A transaction that writes starts with
``BEGIN IMMEDIATE`` there, taking the write lock at once: two requests that each read the audit log's last entry and
then append one are serialised instead of one failing half-way. PostgreSQL gets the same order from a transaction-level
advisory lock. Reads take no lock. Offices write a few times an hour: serialising the writes costs nothing there.

Within one process, SQLite writers also queue on a lock of the process before ``BEGIN IMMEDIATE``: SQLite's own wait
for a busy database sleeps and polls with growing naps (up to 100 ms each), so that under a burst of uploads a
transaction could wait a second for a lock that was free after a few milliseconds. The lock only orders; SQLite's lock
is taken as before, and a writer that waits on the process's lock longer than the busy timeout goes on to SQLite's own
wait, as it did without it (another process, ``junheng users`` say, is still waited for by SQLite alone).

A write is durable once its transaction commits: a process killed at any moment (SIGKILL) leaves every transaction
whole or absent (SQLite's write-ahead log; ``synchronous=NORMAL`` may lose the last transactions to a power cut, never
the database's consistency). ``backup`` copies a SQLite database while the server runs (SQLite's online backup API),
holding the writers off meanwhile, so that what the caller copies beside it (the rule files) matches the copy.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["MIGRATIONS", "Database"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_WRITE = "junheng_write"  # the execution option that marks a transaction that writes
_LOCK_KEY = 0x6A756E68  # "junh": PostgreSQL's advisory lock for writes
_BUSY_SECONDS = 30  # SQLite's busy timeout, and the longest wait on the process's own write lock


def _json_text(value: Any) -> str:
    """A JSON column's text, written by orjson (a stored result or parsed filing in a sixth of ``json.dumps``'s
    time: an upload writes both, the parsed filing ~40 KB for 100 schools). What orjson will not write (an integer
    beyond 64 bits, a key that is not a string) goes to ``json.dumps`` as before. Read back by ``json.loads``
    (SQLAlchemy's default), which takes either's text alike. What is stored holds no NaN or infinity (filings refuse
    them, figures are exact), the one thing orjson would write differently (as null)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value)


class Database:
    """An engine on ``url`` with sessions for reading and for writing (one transaction each)."""

    def __init__(self, url: URL):
        self.url = url
        self.sqlite = url.get_backend_name() == "sqlite"
        args: dict[str, Any] = {"connect_args": {"timeout": _BUSY_SECONDS, "check_same_thread": False}} if self.sqlite else {}
        self.engine: Engine = create_engine(url, pool_pre_ping=not self.sqlite, json_serializer=_json_text, **args)
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)
        # SQLite's writers of this process, in turn (the module's docstring). Re-entrant: a write inside a write
        # meets SQLite's busy timeout, as it always did, instead of hanging here.
        self._writers = threading.RLock()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a transaction that only reads (rolled back at the end)."""
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in the one transaction of a write: committed when the block ends, rolled back if it raises."""
        queued = self.sqlite and self._writers.acquire(timeout=_BUSY_SECONDS)
        try:
            with self._write() as session, session.begin():
                if not self.sqlite:
                    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
                yield session
        finally:
            if queued:
                self._writers.release()

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ backups and checks

    @property
    def file(self) -> Path | None:
        """The SQLite database's file (None for PostgreSQL or an in-memory database)."""
        name = self.url.database if self.sqlite else None
        return Path(name) if name and name != ":memory:" else None

    def backup(self, target: Path, while_held: Callable[[], None] = lambda: None) -> None:
        """Copy the SQLite database to ``target`` (a new file, whole or not at all) with the online backup API, while
        the server may be running. The write lock is held from before the copy to after it, and ``while_held`` runs
        inside that time: what it copies (the rule files) cannot change under a write meanwhile."""
        source = self.file
        if source is None:
            raise ValueError("only a SQLite database file is backed up this way (PostgreSQL: pg_dump)")
        fd, staging = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        try:
            with self.writing() as session:  # the writers wait: an approval is either all before the copy or all after it
                session.connection()  # BEGIN IMMEDIATE now (a session begins lazily, at its first statement)
                while_held()
                reader = sqlite3.connect(source, timeout=30)
                copy = sqlite3.connect(staging)
                try:
                    reader.backup(copy)
                finally:
                    copy.close()
                    reader.close()
            os.replace(staging, target)
        finally:
            Path(staging).unlink(missing_ok=True)

    def integrity(self) -> str:
        """``ok``, or what SQLite's ``PRAGMA integrity_check`` (or PostgreSQL, which checks as it writes) finds wrong."""
        if not self.sqlite:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return "ok"
        with self.engine.connect() as connection:
            return "; ".join(str(row[0]) for row in connection.exec_driver_sql("PRAGMA integrity_check"))

    # ------------------------------------------------------------ migrations

    def _config(self, connection: Connection) -> Config:
        config = Config()  # built here: no alembic.ini to find, the scripts ship inside the package
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def upgrade(self) -> tuple[str | None, str | None]:
        """Bring the schema to the newest migration; (revision before, revision after). Safe to run again."""
        with self.engine.begin() as connection:
            before = MigrationContext.configure(connection).get_current_revision()
            command.upgrade(self._config(connection), "head")
            after = MigrationContext.configure(connection).get_current_revision()
        return before, after

    def revision(self) -> tuple[str | None, str | None]:
        """(the database's revision, the newest migration's): equal when the schema is up to date."""
        with self.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
            head = ScriptDirectory.from_config(self._config(connection)).get_current_head()
        return current, head


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """WAL (readers never wait for the writer), foreign keys enforced, and transactions begun by SQLAlchemy (below)."""
    dbapi_connection.isolation_level = None  # the driver's own BEGIN is off: _sqlite_begin says which kind
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "BEGIN")
