"""The HTML pages: for now the login form and a front page; the pages of server.md build on the same service layer.

A page route reads the person with ``auth.optional_user`` (a visitor is sent to the login form), calls a service
function, and renders a template from ``templates/`` (autoescaped) with assets from ``static/``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from junheng.web.auth import COOKIE, clear_session_cookie, lang_of, optional_user, set_session_cookie, workbench
from junheng.web.problems import Refused
from junheng.web.service import accounts
from junheng.web.templating import templates

__all__ = ["router"]

router = APIRouter()


def _local(target: str) -> str:
    """Where to go after logging in: a path on this server only (never ``//elsewhere`` or a full URL)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> Response:
    who = optional_user(request)
    return templates.TemplateResponse(request, "index.html", {"user": who, "lang": lang_of(request)})


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", failed: int = 0) -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": _local(next), "failed": bool(failed), "lang": lang_of(request)})


@router.post("/login")
def login(request: Request, name: Annotated[str, Form(max_length=200)], password: Annotated[str, Form(max_length=1000)],
          next: Annotated[str, Form()] = "/") -> Response:
    try:
        made = accounts.log_in(workbench(request), name, password, request.client.host if request.client else None)
    except Refused:
        return RedirectResponse(f"/login?failed=1&next={quote(_local(next), safe='/')}", status_code=303)
    response = RedirectResponse(_local(next), status_code=303)
    set_session_cookie(response, request, made)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    secret = request.cookies.get(COOKIE)
    if secret:
        accounts.log_out(workbench(request), secret)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response
