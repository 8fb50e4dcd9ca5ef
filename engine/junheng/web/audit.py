"""The audit log: append-only entries chained by hashes, so that an entry changed or deleted afterwards is detectable.

Each entry's ``hash`` is SHA-256 (hex) over the previous entry's hash followed by this entry's canonical JSON: the
entry without its hash (``seq``, ``at``, ``user``, ``action``, ``object``, ``details``) as ``json.dumps`` writes it
with sorted keys, non-ASCII kept and no spaces. The first entry's previous hash is the empty string. ``verify`` walks
the chain and names the first entry that does not fit: a changed entry breaks its own hash, a deleted one leaves a
gap in ``seq``. Cutting entries off the end leaves a shorter chain that still fits: ``junheng audit verify`` prints
the count and the last hash so that an office can note them (a backup does too) and compare later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from junheng.web.store.models import AuditEntry

__all__ = ["ACTIONS", "Break", "Verified", "all_entries", "canonical", "entry_hash", "entry_json", "now", "record", "verify"]

# What the log records (server.md), and the few more the server does.
ACTIONS = ("login", "login_failed", "login_throttled", "logout", "upload", "upload_rejected", "recheck", "change_proposed",
           "change_approved", "change_rejected", "user_added", "user_disabled", "token_created", "ledger_viewed", "sample_drawn",
           "verification_uploaded", "verification_rejected")
_BATCH = 1000  # entries read at a time by verify


def now() -> str:
    """The time as every table keeps it: ISO 8601, UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def canonical(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def entry_json(entry: AuditEntry, with_hash: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": entry.seq, "at": entry.at, "user": entry.user, "action": entry.action, "object": entry.object,
                           "details": entry.details}
    return out | ({"hash": entry.hash} if with_hash else {})


def entry_hash(previous: str, entry: dict[str, Any]) -> str:
    """The hash of an entry (given without its hash) after the entry whose hash is ``previous``."""
    return hashlib.sha256((previous + canonical(entry)).encode("utf-8")).hexdigest()


def record(session: Session, user: str, action: str, obj: str = "", details: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry in the caller's transaction (a write: ``Database.writing`` serialises appends)."""
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
    entry = AuditEntry(seq=(last.seq + 1) if last else 1, at=now(), user=user, action=action, object=obj[:200],
                       details=details or {}, hash="")
    entry.hash = entry_hash(last.hash if last else "", entry_json(entry, with_hash=False))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class Break:
    """The first entry that does not fit the chain, and why."""

    seq: int
    zh: str
    en: str


@dataclass(frozen=True)
class Verified:
    """What ``verify`` found: how many entries, the last hash, and the first break (None: the chain holds)."""

    count: int
    last_hash: str
    broken: Break | None


def verify(entries: Iterable[AuditEntry]) -> Verified:
    """Walk ``entries`` in ``seq`` order and check every link of the chain."""
    previous, expected, count = "", 1, 0
    for entry in entries:
        if entry.seq != expected:
            missing = f"{expected}" if entry.seq == expected + 1 else f"{expected}–{entry.seq - 1}"
            return Verified(count, previous, Break(entry.seq, f"第 {entry.seq} 条之前缺少第 {missing} 条（已被删除）",
                                                   f"entry {missing} before entry {entry.seq} is missing (deleted)"))
        if entry.hash != entry_hash(previous, entry_json(entry, with_hash=False)):
            return Verified(count, previous, Break(entry.seq, f"第 {entry.seq} 条与其哈希不符（记录被改动，或其前一条被改动）",
                                                   f"entry {entry.seq} does not match its hash (it, or the chain before it, was changed)"))
        previous, expected, count = entry.hash, expected + 1, count + 1
    return Verified(count, previous, None)


def all_entries(session: Session) -> Iterable[AuditEntry]:
    """Every entry in ``seq`` order, read in batches (a log of years is never all in memory)."""
    after = 0
    while True:
        batch = list(session.scalars(select(AuditEntry).where(AuditEntry.seq > after).order_by(AuditEntry.seq).limit(_BATCH)))
        yield from batch
        if len(batch) < _BATCH:
            return
        after = batch[-1].seq
        session.expunge_all()
