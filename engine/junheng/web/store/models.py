"""The tables of the store, as typed SQLAlchemy 2 models: users, their tokens and sessions, the recent failed logins the
throttle counts, filings with their results and their on-site verifications, rule change requests and the audit log.

Times are ISO 8601 strings in UTC (``2025-03-01T08:00:00Z``): the same text in SQLite and PostgreSQL, sortable, and
what the audit chain hashes. The schema changes only through a migration (``migrations/versions/``); a test holds the
migrated schema to these models.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["CHANGE_STATUSES", "ROLES", "AuditEntry", "Base", "Change", "Filing", "LoginFailure", "LoginSession", "Result", "Token",
           "User", "Verification"]

ROLES = ("filer", "officer", "reviewer", "admin")
CHANGE_STATUSES = ("pending", "applied", "rejected")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    """A person who may log in or hold tokens: a role, and for a filer the district (区县代码) they file for."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(12))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None: tokens only
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[str] = mapped_column(String(32))


class Token(Base):
    """An API token (``Authorization: Bearer …``), kept as the SHA-256 of the token: shown once, never stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A login: the session cookie's random id, kept as its SHA-256, until it expires or the person logs out."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A login attempt the throttle counts (``service/accounts.py``): against its account by ``name`` and against the
    address it came from. Counted from the moment it is admitted; a success deletes it and takes its account's earlier
    failures off the account (``name`` None), not off the address. Rows older than the throttle's window are deleted
    as attempts come in: the table holds the last few minutes' failures only."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(80), index=True)  # the name tried (known or not)
    address: Mapped[str | None] = mapped_column(String(255), index=True)  # the client's address, when known
    at: Mapped[float] = mapped_column(Float, index=True)  # seconds since the epoch: a window of minutes, to the millisecond


class Filing(Base):
    """An uploaded filing: the original bytes as sent, its name, and its parsed form (the validated filing as JSON)."""

    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(12), index=True)  # district.code
    district_name: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer, index=True)
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, without folders: what reports show as the file
    original: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when a report or a re-check needs it
    sha256: Mapped[str] = mapped_column(String(64))
    parsed: Mapped[dict[str, Any]] = mapped_column(deferred=True)
    uploaded_at: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[str] = mapped_column(String(80))

    results: Mapped[list[Result]] = relationship(back_populates="filing", order_by="Result.id", cascade="all, delete-orphan")


class Result(Base):
    """A check of a filing: what ``junheng check --format json`` prints, with the rules version and pack it was checked
    under, so that it can be reproduced. A re-check adds a result; the newest is the filing's."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    rules_version: Mapped[str] = mapped_column(String(64))
    standard: Mapped[str] = mapped_column(String(64))  # the pack used
    verdict: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column()
    checked_at: Mapped[str] = mapped_column(String(32))
    checked_by: Mapped[str] = mapped_column(String(80))

    filing: Mapped[Filing] = relationship(back_populates="results")


class Verification(Base):
    """A filled 核查表 uploaded for a filing, and the check of that filing with its verified figures in place of the filed
    ones (``junheng verify``: DATA-06 for each that differs), kept beside the filing's own results, never instead of them."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the form's name as uploaded, without folders
    form: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # the form's bytes as uploaded
    sha256: Mapped[str] = mapped_column(String(64))  # of the form
    figures: Mapped[int] = mapped_column(Integer)  # the verified figures (filled 核查数 cells) it holds
    rules_version: Mapped[str] = mapped_column(String(64))
    standard: Mapped[str] = mapped_column(String(64))  # the pack used
    verdict: Mapped[str] = mapped_column(String(16))
    result: Mapped[dict[str, Any]] = mapped_column()  # what `junheng verify FILING FORM --format json` prints
    uploaded_at: Mapped[str] = mapped_column(String(32))
    uploaded_by: Mapped[str] = mapped_column(String(80))


class Change(Base):
    """A proposed rule change: its edits, their impact on the stored filings and diff, and the reviewer's decision."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | applied | rejected
    based_on: Mapped[str] = mapped_column(String(64))  # the rules_version the change was made against
    edits: Mapped[list[Any]] = mapped_column()
    impact: Mapped[dict[str, Any]] = mapped_column()
    diff: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[str] = mapped_column(String(32))
    reviewer: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[str | None] = mapped_column(String(32))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    applied_version: Mapped[str | None] = mapped_column(String(64))  # the rules_version the approval made


class AuditEntry(Base):
    """One entry of the append-only audit log; ``hash`` chains it to the entry before (see ``web/audit.py``)."""

    __tablename__ = "audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(32))
    user: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column()
    hash: Mapped[str] = mapped_column(String(64))
