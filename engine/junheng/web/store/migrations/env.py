"""Alembic's environment for the store: runs the migrations on the connection ``Database.upgrade`` hands over.

There is no ``alembic.ini``: ``store/database.py`` builds the configuration in code with ``script_location`` pointing
here (``junheng db upgrade`` runs it). A developer writing a new revision can still use alembic's command line, with
``-x url=…`` naming a database.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

from junheng.web.store.models import Base


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # alembic's own command line: the URL comes from -x url=…
        url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
        with create_engine(str(url)).begin() as own:
            _migrate(own)
        return
    _migrate(connection)


def _migrate(connection: Connection) -> None:
    # render_as_batch: SQLite alters a table by copying it, which batch mode does for every later migration
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


_run()
