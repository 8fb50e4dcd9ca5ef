"""People: users with a role (a filer with their district), passwords, API tokens and logins.

Used by ``junheng users …`` (the actor is ``cli:<account>``) and by the requests of a logged-in administrator alike.
A disabled user keeps their rows (the audit log names them) but no session or token of theirs works any more.

Logging in is throttled (OWASP ASVS 2.2.1): after ``Limits.failures_per_account`` failed attempts on one name within
``Limits.window_seconds``, that name is refused (429 ``too_many_attempts``) without its password being checked, until
the oldest failure leaves the window; the same for ``Limits.failures_per_address`` failures from one address, on any
names (a guesser trying many accounts). A success clears the name's count, never the address's. Names that do not
exist count like names that do (nothing to learn from the refusal). The failures are kept in the database
(``LoginFailure``), read and written in the login's own transactions: a restart forgets nothing, and every process
on the database counts the same failures. Each attempt deletes the failures older than the window, so the table holds
the last few minutes' only (attempts are admitted no faster than passwords are hashed, ``credentials.HASH_SLOTS``).

A session lasts ``Settings.session_hours`` at most (the cookie's lifetime) and ends earlier after
``Limits.idle_seconds`` without a request: its row's ``expires_at`` is the idle deadline, pushed on as it is used (at
most every ``_REFRESH`` seconds, so that reading a page does not write each time), never past the absolute end.
"""

from __future__ import annotations

import getpass
import re
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, joinedload

from junheng.web import audit
from junheng.web.credentials import check_password, digest, hash_password, needs_rehash, new_secret, new_token, password_problem
from junheng.web.problems import Refused, conflict, invalid, not_found, too_many
from junheng.web.roles import ROLES, Principal, require
from junheng.web.store.database import Database
from junheng.web.store.models import LoginFailure, LoginSession, Token, User
from junheng.web.workbench import Workbench

__all__ = ["Admitted", "Limits", "Login", "add_user", "authenticate_session", "authenticate_token", "cli_actor", "create_token",
           "disable_user", "end_session", "limits", "list_users", "log_in", "log_out"]

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


# ---------------------------------------------------------------- the limits of logging in


_FMT = "%Y-%m-%dT%H:%M:%SZ"  # the store's times (audit.now())
_REFRESH = 60.0  # seconds: a session's idle deadline is pushed on at most this often (and at most every tenth of the idle time)
_ADDRESS = 255  # characters of a client's address kept (LoginFailure.address)


@dataclass(frozen=True)
class Admitted:
    """A login attempt let through to have its password checked: its row (``LoginFailure.id``), and whether it is the
    failure that reaches a limit (then written to the audit log as ``login_throttled`` if the password is wrong)."""

    row: int
    reaches: bool


@dataclass
class Limits:
    """How logins are throttled and how long an idle session lasts (one per database; ``serve`` and tests set them).
    The failures themselves are in the database (the module's docstring)."""

    idle_seconds: int = 30 * 60  # ASVS 3.3.2 (level 2): 30 minutes without a request end a session
    failures_per_account: int = 5
    failures_per_address: int = 20  # an office behind one address shares it: room for everyone's typos
    window_seconds: float = 15 * 60

    def admit(self, session: Session, name: str, client: str | None) -> Admitted | float:
        """A login attempt about to be checked, in the write transaction ``session``: admitted, or the seconds to wait.

        An admitted attempt counts as a failure at once (parallel guesses, serialised by the write lock, cannot slip
        past the limit while their passwords are being checked) until ``succeeded`` takes it back; a refused one
        counts nothing. The failures that have left the window are deleted on the way."""
        now = time.time()
        since = now - self.window_seconds
        session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        address = client[:_ADDRESS] if client else None
        counted = [(LoginFailure.name == name, self.failures_per_account)]
        if address is not None:
            counted.append((LoginFailure.address == address, self.failures_per_address))
        waits, reaches = [0.0], False
        for which, most in counted:
            times = list(session.scalars(select(LoginFailure.at).where(which, LoginFailure.at > since).order_by(LoginFailure.at)))
            if len(times) >= most:  # until the oldest failure that keeps it at the limit leaves the window
                waits.append(times[len(times) - most] + self.window_seconds - now)
            reaches = reaches or len(times) + 1 == most
        if max(waits) > 0:
            return max(waits)
        row = LoginFailure(name=name, address=address, at=now)
        session.add(row)
        session.flush()
        return Admitted(row.id, reaches)

    @staticmethod
    def succeeded(session: Session, name: str, admitted: Admitted) -> None:
        """A correct password: the name's failures are forgotten (they still count against their addresses), and this
        attempt counts no more."""
        session.execute(delete(LoginFailure).where(LoginFailure.id == admitted.row))
        session.execute(update(LoginFailure).where(LoginFailure.name == name).values(name=None))


_LIMITS: weakref.WeakKeyDictionary[Database, Limits] = weakref.WeakKeyDictionary()
_LIMITS_LOCK = threading.Lock()


def limits(wb: Workbench) -> Limits:
    """The login throttle and session limits of ``wb``'s database (made on first use)."""
    with _LIMITS_LOCK:
        found = _LIMITS.get(wb.db)
        if found is None:
            found = _LIMITS[wb.db] = Limits()
        return found


# ---------------------------------------------------------------- logging in


class Login:
    """A successful login: the session id for the cookie (shown once), the person, and when the session ends at the latest."""

    def __init__(self, secret: str, principal: Principal, expires_at: datetime):
        self.secret, self.principal, self.expires_at = secret, principal, expires_at


def _principal(user: User) -> Principal:
    return Principal(user.id, user.name, user.role, user.district)


def _throttled(wait: float) -> Refused:
    minutes = max(1, int(wait // 60) + (1 if wait % 60 else 0))
    return too_many("too_many_attempts", f"登录失败次数过多，请约 {minutes} 分钟后再试",
                    f"too many failed logins: try again in about {minutes} minute(s)", wait)


def log_in(wb: Workbench, name: str, password: str, client: str | None = None) -> Login:
    """Check a name and password; a new session, or 401 ``invalid_credentials`` (recorded as ``login_failed``), or 429
    ``too_many_attempts`` while the name or the address is throttled (see the module's docstring).

    Two transactions, the password checked between them (argon2 takes its time, no lock is held meanwhile): the
    attempt admitted (counted) and the user read; then its outcome — the failure's audit entries, or the new session
    with the attempt taken back."""
    name = name[:80]
    limit = limits(wb)
    with wb.db.writing() as session:
        admitted = limit.admit(session, name, client)
        user = session.scalars(select(User).where(User.name == name)).first() if isinstance(admitted, Admitted) else None
    if not isinstance(admitted, Admitted):
        raise _throttled(admitted)
    stored = user.password_hash if user is not None else None
    ok = check_password(stored, password) and user is not None and not user.disabled
    if not ok or user is None:
        with wb.db.writing() as session:
            audit.record(session, "(anonymous)", "login_failed", f"user:{name}", {"client": client})
            if admitted.reaches:  # once, on the failure that reaches a limit: the attempts refused after it are not written one by one
                audit.record(session, "(anonymous)", "login_throttled", f"user:{name}", {"client": client})
        raise Refused(401, "invalid_credentials", "用户名或密码不正确，或该用户已停用", "wrong name or password, or the user is disabled")
    return _open_session(wb, user, password if stored is not None and needs_rehash(stored) else None, client, admitted)


def _open_session(wb: Workbench, user: User, rehash: str | None, client: str | None, admitted: Admitted) -> Login:
    """A new session for ``user`` (and the password hashed again with today's parameters when ``rehash`` is given),
    the attempt that logged in taken off the throttle's count in the same transaction."""
    secret = new_secret()
    now = datetime.now(UTC)
    ends = now + timedelta(hours=wb.settings.session_hours)
    idle = min(ends, now + timedelta(seconds=limits(wb).idle_seconds))
    with wb.db.writing() as session:
        Limits.succeeded(session, user.name, admitted)
        session.execute(delete(LoginSession).where(LoginSession.expires_at < audit.now()))
        if rehash is not None:
            session.execute(update(User).where(User.id == user.id).values(password_hash=hash_password(rehash)))
        session.add(LoginSession(user_id=user.id, token_hash=digest(secret), created_at=now.strftime(_FMT), expires_at=idle.strftime(_FMT)))
        audit.record(session, user.name, "login", f"user:{user.name}", {"client": client})
    return Login(secret, _principal(user), ends)


def log_out(wb: Workbench, secret: str) -> None:
    with wb.db.writing() as session:
        found = session.scalars(select(LoginSession).where(LoginSession.token_hash == digest(secret))).first()
        if found is not None:
            audit.record(session, found.user.name, "logout", f"user:{found.user.name}")
            session.delete(found)


def end_session(wb: Workbench, secret: str) -> None:
    """Forget a session without a ``logout`` entry: the one a browser still held when it logged in again (rotation)."""
    with wb.db.writing() as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == digest(secret)))


def authenticate_session(wb: Workbench, secret: str) -> Principal | None:
    """The person a session cookie belongs to, while it lasts (not idle too long) and they are not disabled."""
    with wb.db.reading() as session:
        found = session.scalars(select(LoginSession).where(LoginSession.token_hash == digest(secret))).first()
        if found is None or found.expires_at < audit.now() or found.user.disabled:
            return None
        who, row, created, expires = _principal(found.user), found.id, found.created_at, found.expires_at
    _keep_alive(wb, row, created, expires)
    return who


def _keep_alive(wb: Workbench, row: int, created: str, expires: str) -> None:
    """Push a used session's idle deadline on (not past its absolute end), when it was last pushed a while ago."""
    idle = limits(wb).idle_seconds
    now = datetime.now(UTC)
    deadline = datetime.strptime(expires, _FMT).replace(tzinfo=UTC)
    if idle - (deadline - now).total_seconds() < min(_REFRESH, idle / 10):
        return
    ends = datetime.strptime(created, _FMT).replace(tzinfo=UTC) + timedelta(hours=wb.settings.session_hours)
    pushed = min(ends, now + timedelta(seconds=idle)).strftime(_FMT)
    if pushed > expires:
        with wb.db.writing() as session:
            session.execute(update(LoginSession).where(LoginSession.id == row, LoginSession.expires_at == expires)
                            .values(expires_at=pushed))


def authenticate_token(wb: Workbench, token: str) -> Principal | None:
    """The person an API token belongs to, unless they are disabled."""
    with wb.db.reading() as session:
        # the user in the same query: every API request asks this
        found = session.scalars(select(Token).options(joinedload(Token.user)).where(Token.token_hash == digest(token))).first()
        if found is None or found.user.disabled:
            return None
        return _principal(found.user)
