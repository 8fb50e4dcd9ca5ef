"""People: users with a role (a filer with their district), passwords, API tokens and logins.

Used by ``junheng users …`` (the actor is ``cli:<account>``) and by the requests of a logged-in administrator alike.
A disabled user keeps their rows (the audit log names them) but no session or token of theirs works any more.
"""

from __future__ import annotations

import getpass
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from junheng.web import audit
from junheng.web.credentials import check_password, digest, hash_password, new_secret, new_token, password_problem
from junheng.web.problems import Refused, conflict, invalid, not_found
from junheng.web.roles import ROLES, Principal, require
from junheng.web.store.models import LoginSession, Token, User
from junheng.web.workbench import Workbench

__all__ = ["Login", "add_user", "authenticate_session", "authenticate_token", "cli_actor", "create_token", "disable_user",
           "list_users", "log_in", "log_out"]

_NAME = re.compile(r"^[\w.@-]{1,80}$")  # letters of any script (a Chinese name too), digits, . @ - _
_DISTRICT = re.compile(r"^[1-9]\d{5}$")  # a 6-digit division code, as a filing's district.code


def cli_actor() -> str:
    """Who the audit log names for a ``junheng users …`` command: the operating-system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for the uid (a container)
        return "cli"


def _user_json(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "district": user.district, "disabled": user.disabled, "created_at": user.created_at,
            "password": user.password_hash is not None}


def _new_user_problem(name: str, role: str, district: str | None, password: str | None) -> Refused | None:
    if not _NAME.match(name):
        return invalid("invalid_user", f"用户名“{name}”无效：1–80 个字母、数字或 . @ - _",
                       f"invalid user name {name!r}: 1–80 letters, digits or . @ - _")
    if role not in ROLES:
        return invalid("invalid_user", f"未知角色“{role}”（可用：{'、'.join(ROLES)}）",
                       f"unknown role {role!r} (known: {', '.join(ROLES)})")
    if role == "filer" and (district is None or not _DISTRICT.match(district)):
        return invalid("invalid_user", "区县填报人（filer）须用 --district 指定 6 位区县代码，如 500108",
                       "a filer needs --district, the district's 6-digit code such as 500108")
    if role != "filer" and district is not None:
        return invalid("invalid_user", "只有区县填报人（filer）绑定区县；其他角色不加 --district",
                       "only a filer is bound to a district: leave out --district for other roles")
    said = password_problem(password) if password is not None else None
    return invalid("invalid_password", *said) if said else None


def add_user(wb: Workbench, actor: str, name: str, role: str, district: str | None = None, password: str | None = None) -> dict[str, Any]:
    """A new user (``Refused``: 422 for a bad name, role, district or password; 409 when the name is taken)."""
    problem = _new_user_problem(name, role, district, password)
    if problem is not None:
        raise problem
    with wb.db.writing() as session:
        if session.scalars(select(User).where(User.name == name)).first() is not None:
            raise conflict("user_exists", f"用户“{name}”已存在", f"there is already a user named {name!r}")
        user = User(name=name, role=role, district=district, password_hash=hash_password(password) if password else None,
                    disabled=False, created_at=audit.now())
        session.add(user)
        session.flush()
        audit.record(session, actor, "user_added", f"user:{name}", {"role": role, "district": district})
        return _user_json(user)


def _user(session: Session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise not_found("用户", "user")
    return user


def disable_user(wb: Workbench, actor: str, name: str) -> dict[str, Any]:
    """Disable a user: their sessions end and their tokens stop working (the rows stay for the audit log)."""
    with wb.db.writing() as session:
        user = _user(session, name)
        user.disabled = True
        session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        audit.record(session, actor, "user_disabled", f"user:{name}")
        return _user_json(user)


def create_token(wb: Workbench, actor: str, name: str) -> str:
    """A new API token for ``name``: returned once, stored as its hash."""
    token = new_token()
    with wb.db.writing() as session:
        user = _user(session, name)
        if user.disabled:
            raise conflict("user_disabled", f"用户“{name}”已停用", f"user {name!r} is disabled")
        session.add(Token(user_id=user.id, token_hash=digest(token), created_at=audit.now()))
        audit.record(session, actor, "token_created", f"user:{name}")
    return token


def list_users(wb: Workbench, who: Principal | None = None) -> list[dict[str, Any]]:
    """Every user (a request needs the admin role; the command line runs with the data folder's owner's rights)."""
    if who is not None:
        require(who, "manage_users")
    with wb.db.reading() as session:
        return [_user_json(u) for u in session.scalars(select(User).order_by(User.name))]


# ---------------------------------------------------------------- logging in


class Login:
    """A successful login: the session id for the cookie (shown once) and the person."""

    def __init__(self, secret: str, principal: Principal, expires_at: datetime):
        self.secret, self.principal, self.expires_at = secret, principal, expires_at


def _principal(user: User) -> Principal:
    return Principal(user.id, user.name, user.role, user.district)


def log_in(wb: Workbench, name: str, password: str, client: str | None = None) -> Login:
    """Check a name and password; a new session, or 401 ``invalid_credentials`` (recorded as ``login_failed``)."""
    with wb.db.reading() as session:
        user = session.scalars(select(User).where(User.name == name[:80])).first()
        stored = user.password_hash if user is not None else None
        ok = check_password(stored, password) and user is not None and not user.disabled
    if not ok or user is None:
        with wb.db.writing() as session:
            audit.record(session, "(anonymous)", "login_failed", f"user:{name[:80]}", {"client": client})
        raise Refused(401, "invalid_credentials", "用户名或密码不正确，或该用户已停用", "wrong name or password, or the user is disabled")
    secret = new_secret()
    expires = datetime.now(UTC) + timedelta(hours=wb.settings.session_hours)
    with wb.db.writing() as session:
        session.execute(delete(LoginSession).where(LoginSession.expires_at < audit.now()))
        session.add(LoginSession(user_id=user.id, token_hash=digest(secret), created_at=audit.now(),
                                 expires_at=expires.strftime("%Y-%m-%dT%H:%M:%SZ")))
        audit.record(session, user.name, "login", f"user:{user.name}", {"client": client})
    return Login(secret, _principal(user), expires)


def log_out(wb: Workbench, secret: str) -> None:
    with wb.db.writing() as session:
        found = session.scalars(select(LoginSession).where(LoginSession.token_hash == digest(secret))).first()
        if found is not None:
            audit.record(session, found.user.name, "logout", f"user:{found.user.name}")
            session.delete(found)


def authenticate_session(wb: Workbench, secret: str) -> Principal | None:
    """The person a session cookie belongs to, while it lasts and they are not disabled."""
    with wb.db.reading() as session:
        found = session.scalars(select(LoginSession).where(LoginSession.token_hash == digest(secret))).first()
        if found is None or found.expires_at < audit.now() or found.user.disabled:
            return None
        return _principal(found.user)


def authenticate_token(wb: Workbench, token: str) -> Principal | None:
    """The person an API token belongs to, unless they are disabled."""
    with wb.db.reading() as session:
        found = session.scalars(select(Token).where(Token.token_hash == digest(token))).first()
        if found is None or found.user.disabled:
            return None
        return _principal(found.user)
