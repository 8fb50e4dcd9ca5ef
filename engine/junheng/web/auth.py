"""Who is asking: the FastAPI dependencies that find the person behind a request (a session cookie or a bearer token),
the request's language, and the session cookie itself.

- ``current_user`` (a dependency): the ``Principal``, or 401;
- ``optional_user``: the ``Principal`` or None (a page that also shows something to visitors);
- ``workbench``, ``lang_of``: the opened workbench, and ``zh`` or ``en`` (``?lang=`` first, then ``Accept-Language``);
- ``set_session_cookie`` / ``clear_session_cookie``: HttpOnly, SameSite=Lax, Secure when the request came over HTTPS
  (behind a proxy: uvicorn reads ``X-Forwarded-Proto`` from the proxies ``--forwarded-allow-ips`` trusts). Setting the
  cookie of a new login ends the session the browser still held (the id rotates at every login: a session id seen
  before logging in is worth nothing after it).

An API token is read from the ``Authorization`` header only: never from a query string (it would land in proxy logs
and browser history) nor from a cookie (a browser would send it along with a cross-site request).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from junheng.web.problems import unauthenticated
from junheng.web.roles import Principal
from junheng.web.service.accounts import Login, authenticate_session, authenticate_token, end_session
from junheng.web.workbench import Workbench

__all__ = ["COOKIE", "CurrentUser", "clear_session_cookie", "current_user", "lang_of", "optional_user", "set_session_cookie",
           "workbench"]

COOKIE = "junheng_session"
_NOBODY = object()  # request.state's mark for "looked, nobody"


def workbench(request: Request) -> Workbench:
    wb: Workbench = request.app.state.workbench
    return wb


def lang_of(request: Request) -> str:
    """``zh`` or ``en``: the ``lang`` query parameter (the pages' switch), else ``Accept-Language``; Chinese by default."""
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    return "en" if request.headers.get("accept-language", "").strip().lower().startswith("en") else "zh"


def optional_user(request: Request) -> Principal | None:
    """The person behind the request, looked up once per request: a bearer token first, else the session cookie."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return None if known is _NOBODY else known
    wb = workbench(request)
    found: Principal | None = None
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        found = authenticate_token(wb, credential.strip())
    elif request.cookies.get(COOKIE):
        found = authenticate_session(wb, request.cookies[COOKIE])
    request.state.principal = found if found is not None else _NOBODY
    return found


def current_user(request: Request) -> Principal:
    """The person behind the request; 401 when there is none (no credentials, a wrong or expired one, a disabled user)."""
    found = optional_user(request)
    if found is None:
        raise unauthenticated()
    return found


CurrentUser = Annotated[Principal, Depends(current_user)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, login: Login) -> None:
    """The cookie of a new login; the session the request came with (another login's, or one planted) ends here."""
    held = request.cookies.get(COOKIE)
    if held and held != login.secret:
        end_session(workbench(request), held)
    response.set_cookie(COOKIE, login.secret, expires=login.expires_at, path="/", secure=_secure(request), httponly=True,
                        samesite="lax")


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax")
