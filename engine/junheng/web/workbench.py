"""The workbench opened: the data folder, the database (migrated), the rules — what every service function works on."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from junheng.web.ruleset import RuleSet, copy_shipped_rules
from junheng.web.settings import Settings
from junheng.web.store.database import Database

if TYPE_CHECKING:  # the checker's modules come with the app (create_app), not with every command that opens the store
    from junheng.web.checkers import CheckerPool

__all__ = ["SchemaOutOfDate", "Workbench", "open_workbench"]


class SchemaOutOfDate(Exception):
    """The database's schema is older (or newer) than this junheng's: ``junheng db upgrade`` first."""

    def __init__(self, current: str | None, head: str | None):
        self.current, self.head = current, head
        super().__init__(f"database schema at {current or 'none'}, this junheng needs {head}: run `junheng db upgrade`")


@dataclass
class Workbench:
    """The server's state: settings, the store and the rules. One per process; thread-safe."""

    settings: Settings
    db: Database
    rules: RuleSet
    # durable_rules keeps one engine per pack and process, which is not safe to run from two threads at once:
    # checks in this process take turns (an upload's check takes a few milliseconds).
    check_lock: threading.Lock = field(default_factory=threading.Lock)
    # The warm checker processes uploads are checked in (checkers.py), while the app runs; None: checks run here.
    checkers: CheckerPool | None = None

    def close(self) -> None:
        self.db.dispose()


def open_workbench(settings: Settings, *, upgrade: bool = True) -> Workbench:
    """Open (and on first use create) the data folder: its copy of the rules, the database schema.

    ``upgrade=False`` leaves the schema as it is and refuses one that is not up to date (``SchemaOutOfDate``).
    """
    settings.data.mkdir(parents=True, exist_ok=True)
    copy_shipped_rules(settings.rules_dir)
    db = Database(settings.url)
    try:
        if upgrade:
            db.upgrade()
        else:
            current, head = db.revision()
            if current != head:
                raise SchemaOutOfDate(current, head)
    except BaseException:
        db.dispose()
        raise
    return Workbench(settings, db, RuleSet(settings.rules_dir, settings.rules, settings.data / "versions"))
