"""Who may do what: the four roles of server.md's table, and the person a request comes from.

A ``filer`` is bound to one district: they upload and read that district's filings only, and another district's
filing is "not found" to them (its existence is not revealed). Everything else a role may not do is "forbidden".
"""

from __future__ import annotations

from dataclasses import dataclass

from junheng.web.problems import forbidden
from junheng.web.store.models import ROLES

__all__ = ["MAY", "ROLES", "Principal", "require"]

FILER, OFFICER, REVIEWER, ADMIN = ROLES

# action → the roles that may do it (server.md, "Roles"); a filer's actions on filings are limited to their district.
MAY: dict[str, frozenset[str]] = {
    "upload": frozenset(ROLES),
    "read_filings": frozenset(ROLES),  # and their results, reports, ledgers, samples, verifications, the overview
    "verify": frozenset({OFFICER, REVIEWER, ADMIN}),  # upload a filled 核查表: the office's inspectors, never the district
    "read_rules": frozenset(ROLES),
    "propose_change": frozenset({OFFICER, REVIEWER, ADMIN}),
    "read_changes": frozenset({OFFICER, REVIEWER, ADMIN}),
    "decide_change": frozenset({REVIEWER}),  # never their own change: checked where the change is known
    "read_audit": frozenset({OFFICER, REVIEWER, ADMIN}),
    "manage_users": frozenset({ADMIN}),
}

ROLE_NAMES = {FILER: ("区县填报人", "district filer"), OFFICER: ("督导干部", "officer"), REVIEWER: ("审核人", "reviewer"),
              ADMIN: ("管理员", "administrator")}


@dataclass(frozen=True)
class Principal:
    """The person a request is made by (from a session or a token), as the service layer needs them."""

    id: int
    name: str
    role: str
    district: str | None = None  # a filer's district code

    def may(self, action: str) -> bool:
        return self.role in MAY[action]

    def sees(self, district: str) -> bool:
        """Whether this person may read (or upload) the filings of ``district``."""
        return self.role != FILER or district == self.district

    def to_json(self) -> dict[str, str | int | None]:
        return {"id": self.id, "name": self.name, "role": self.role, "district": self.district}


def require(who: Principal, action: str) -> None:
    """Refuse (403) unless ``who``'s role may do ``action``."""
    if not who.may(action):
        zh, en = ROLE_NAMES[who.role]
        raise forbidden(f"{zh}（{who.role}）无权进行此操作", f"a {en} ({who.role}) may not do this")
