"""The front door: the home page (a filer's filings; for the office, what waits for it), logging in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from junheng.web.auth import COOKIE, clear_session_cookie, optional_user, set_session_cookie, workbench
from junheng.web.pages import views
from junheng.web.pages.common import csrf_checked, local_target, page_lang, redirect, render
from junheng.web.problems import Refused
from junheng.web.service import accounts

__all__ = ["router"]

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    who = optional_user(request)
    if who is None:
        return redirect("/login")
    return render(request, "home.html", views.home(workbench(request), who), section="home")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": local_target(next), "failed": False, "name": ""})


@router.post("/login", dependencies=[Depends(csrf_checked)])
def login(request: Request, name: Annotated[str, Form(max_length=200)] = "", password: Annotated[str, Form(max_length=1000)] = "",
          next: Annotated[str, Form(max_length=2000)] = "/") -> Response:
    try:
        made = accounts.log_in(workbench(request), name, password, request.client.host if request.client else None)
    except Refused as refused:  # shown in the form, the name kept; a throttled attempt is the 429 it is, with its Retry-After
        said = refused.en if page_lang(request) == "en" else refused.zh
        status = 429 if refused.status == 429 else 401
        shown = render(request, "login.html", {"next": local_target(next), "failed": said, "name": name}, status=status)
        shown.headers.update(refused.headers)
        return shown
    response = redirect(next)
    set_session_cookie(response, request, made)
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    secret = request.cookies.get(COOKIE)
    if secret:
        accounts.log_out(workbench(request), secret)
    response = redirect("/login")
    clear_session_cookie(response, request)
    return response
