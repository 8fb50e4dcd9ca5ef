"""The database the store lives in: one engine set up for SQLite or PostgreSQL, reading and writing transactions, migrations.

SQLite (the default, in the data folder) runs in WAL mode with foreign keys on. A transaction that writes starts with
``BEGIN IMMEDIATE`` there, taking the write lock at once: two requests that each read the audit log's last entry and
then append one are serialised instead of one failing half-way. PostgreSQL gets the same order from a transaction-level
advisory lock. Reads take no lock. Offices write a few times an hour: serialising the writes costs nothing there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

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


class Database:
    """An engine on ``url`` with sessions for reading and for writing (one transaction each)."""

    def __init__(self, url: URL):
        self.url = url
        self.sqlite = url.get_backend_name() == "sqlite"
        args: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}} if self.sqlite else {}
        self.engine: Engine = create_engine(url, pool_pre_ping=not self.sqlite, **args)
        if self.sqlite:
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(**{_WRITE: True}), expire_on_commit=False)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session in a transaction that only reads (rolled back at the end)."""
        with self._read() as session, session.begin():
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session in the one transaction of a write: committed when the block ends, rolled back if it raises."""
        with self._write() as session, session.begin():
            if not self.sqlite:
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            yield session

    def dispose(self) -> None:
        self.engine.dispose()

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
