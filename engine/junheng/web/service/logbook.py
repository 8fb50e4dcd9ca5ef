"""The audit log as people read it: its entries (officers and up), and the check of its hash chain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from junheng.web import audit
from junheng.web.roles import Principal, require
from junheng.web.store.database import Database
from junheng.web.store.models import AuditEntry
from junheng.web.workbench import Workbench

__all__ = ["audit_entries", "verify_chain"]

MAX_ENTRIES = 1000


def audit_entries(wb: Workbench, who: Principal, after: int = 0, limit: int = MAX_ENTRIES,
                  action: str | None = None) -> list[dict[str, Any]]:
    """Entries in ``seq`` order from ``after`` on, at most ``limit`` (the pages ask for the next ones with ``after``)."""
    require(who, "read_audit")
    query = select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(max(1, min(limit, MAX_ENTRIES)))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    with wb.db.reading() as session:
        return [audit.entry_json(e) for e in session.scalars(query)]


def verify_chain(db: Database) -> audit.Verified:
    """Check the whole chain (``junheng audit verify``: it opens the database alone, changing nothing)."""
    with db.reading() as session:
        return audit.verify(audit.all_entries(session))
