"""What every page shares: its language (the switch keeps the page), the form token against cross-site requests, the
menu a role sees, rendering a template, and the page a refused request gets.

- ``page_lang``: ``?lang=zh|en`` (the switch; remembered in a cookie), else that cookie, else ``Accept-Language``;
- ``csrf_token`` / ``csrf_checked``: every form carries a hidden ``csrf`` field, checked on every POST (a dependency).
  Logged in, the token is derived from the session id (per session, nothing stored); before logging in, it is a
  random value in a cookie of its own (the login form's double submit);
- ``render``: a template with the page's context (the person, the language, ``t(zh, en)``, the token, the menu);
- ``refused_page``: a ``Refused`` (or a status Starlette gives) as an HTML page; 401 sends a visitor to the login form.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from junheng.errors import InputErrors
from junheng.report.labels import pointer_label
from junheng.web.auth import COOKIE, lang_of, optional_user, workbench
from junheng.web.problems import Refused, forbidden, problem_json
from junheng.web.roles import ROLE_NAMES, Principal
from junheng.web.templating import templates

__all__ = ["CSRF_COOKIE", "LANG_COOKIE", "FORM_LIMITS", "Link", "csrf_checked", "csrf_token", "local_target", "page_lang", "redirect",
           "refused_page", "render", "status_page", "translator"]

LANG_COOKIE = "junheng_lang"
CSRF_COOKIE = "junheng_csrf"  # the login form's token, before there is a session to derive one from
_YEAR = 365 * 24 * 3600
# How a page's form is read: at most one file, a few dozen fields, each field (not the file) at most 64 KiB.
FORM_LIMITS: dict[str, int] = {"max_files": 1, "max_fields": 100, "max_part_size": 64 * 1024}

_TITLES = {  # status → (zh, en) the error page is headed with
    400: ("请求有误", "Bad request"), 403: ("无权访问", "Forbidden"), 404: ("找不到页面", "Not found"),
    405: ("不支持该操作", "Method not allowed"), 409: ("无法完成：状态已变化", "Conflict"), 413: ("内容过大", "Too large"),
    422: ("输入有误", "Invalid input"), 501: ("即将提供", "Not available yet"),
}


def translator(lang: str) -> Callable[[str, str], str]:
    """``t(zh, en)``: the templates write both languages side by side and get the page's one."""
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh
    return t


def page_lang(request: Request) -> str:
    """``zh`` or ``en`` for a page: the switch (``?lang=``), else the remembered choice, else the browser's language."""
    asked = request.query_params.get("lang")
    if asked in ("zh", "en"):
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in ("zh", "en") else lang_of(request)


# ---------------------------------------------------------------- the form token


def _derived(session: str) -> str:
    """A session's form token: a hash of its id under its own label (never the hash the store keeps of it)."""
    return hashlib.sha256(b"junheng form token\0" + session.encode("utf-8")).hexdigest()


def csrf_token(request: Request) -> str:
    """The token this request's forms carry (a new login-form token is set as a cookie by ``render``)."""
    session = request.cookies.get(COOKIE)
    if session:
        return _derived(session)
    kept = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not kept:
        kept = request.state.new_csrf = secrets.token_urlsafe(32)
    return str(kept)


async def csrf_checked(request: Request) -> None:
    """A POST route's dependency: 403 unless the form's ``csrf`` field is this session's token (or the login cookie's)."""
    form = await request.form(**FORM_LIMITS)  # parsed once: the route reads the same form
    sent = form.get("csrf")
    session = request.cookies.get(COOKIE)
    expected = _derived(session) if session else request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent, expected):
        raise forbidden("表单已过期或并非来自本站：请刷新页面后重试",
                        "the form has expired or did not come from this site: reload the page and try again")


# ---------------------------------------------------------------- the menu and rendering


@dataclass(frozen=True)
class Link:
    href: str
    text: str
    key: str  # which part of the site it opens: the menu marks the current one


def _menu(who: Principal | None, lang: str) -> list[Link]:
    t = translator(lang)
    if who is None:
        return []
    links = [Link("/", t("首页", "Home"), "home"), Link("/filings", t("申报", "Filings"), "filings"),
             Link("/rules", t("规则", "Rules"), "rules"), Link("/ledger", t("整改台账", "Follow-up"), "ledger")]
    if who.may("read_changes"):
        links += [Link("/changes", t("审批", "Approvals"), "changes"), Link("/overview", t("总览", "Overview"), "overview"),
                  Link("/audit", t("审计日志", "Audit log"), "audit")]
    return links


def _switch(request: Request, lang: str) -> str:
    """The same page in the other language."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    query.append(("lang", "zh" if lang == "en" else "en"))
    return f"{request.url.path}?{urlencode(query)}"


def _vocabulary(request: Request) -> Mapping[str, Any]:
    try:
        return workbench(request).rules.current()[1].vocabulary
    except InputErrors:  # broken rule files: the page still shows (the keys instead of their words)
        return {}


def _words(request: Request, lang: str) -> dict[str, Any]:
    """The helpers every template has: ``word(kind, key)`` (合格, 须整改 … from the rules' vocabulary), and
    ``where(problem)`` / ``field_of(problem)``: a located problem's place (file and line, or sheet!cell) and field."""
    vocabulary = _vocabulary(request)

    def word(kind: str, key: str) -> str:
        return str(vocabulary.get(kind, {}).get(key, {}).get(lang, key))

    def where(problem: Mapping[str, Any]) -> str:
        file, line, column, cell = (problem.get(k) for k in ("file", "line", "column", "cell"))
        shown = "" if not file or str(file).startswith("<") else str(file)
        if cell:
            return f"{shown} {cell}".strip()
        if line:
            if lang == "en":
                return (f"{shown} line {line}" + (f", column {column}" if column else "")).strip()
            return (f"{shown} 第 {line} 行" + (f"第 {column} 列" if column else "")).strip()
        return shown

    def field_of(problem: Mapping[str, Any]) -> str:
        pointer = str(problem.get("pointer") or "")
        return pointer_label(pointer, lang) if pointer.startswith("/") and not str(problem.get("file", "")).startswith("<request") else ""

    return {"word": word, "where": where, "field_of": field_of}


def render(request: Request, name: str, context: Mapping[str, Any], status: int = 200, section: str = "") -> HTMLResponse:
    """``templates/name`` with the page's context; ``section`` marks the menu's current part."""
    lang = page_lang(request)
    who = optional_user(request)
    role = ROLE_NAMES.get(who.role, (who.role, who.role))[lang == "en"] if who is not None else ""
    base = {"user": who, "role_name": role, "lang": lang, "t": translator(lang), "csrf": csrf_token(request), "menu": _menu(who, lang),
            "section": section, "switch": _switch(request, lang), **_words(request, lang)}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
    if request.query_params.get("lang") in ("zh", "en") and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=_YEAR, path="/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, path="/", httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


def redirect(target: str) -> RedirectResponse:
    """After a POST: see the result with a GET (303), so that reloading does not send the form again."""
    return RedirectResponse(local_target(target), status_code=303)


def local_target(target: str) -> str:
    """A path on this server only (never ``//elsewhere`` or a full URL): where a login or a form may send the browser."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


def status_page(request: Request, status: int, message: str, problems: list[dict[str, Any]] | None = None) -> Response:
    """The error page of ``status`` with a message (and located problems); 401 is the login form instead."""
    if status == 401:  # back here after logging in; a form sent without a session goes home (it cannot be sent again)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "") if request.method == "GET" else "/"
        return RedirectResponse(f"/login?next={quote(local_target(here), safe='/')}", status_code=303)
    lang = page_lang(request)
    zh, en = _TITLES.get(status, ("无法完成请求", "The request cannot be served"))
    return render(request, "error.html", {"status": status, "title": en if lang == "en" else zh, "message": message,
                                          "problems": problems or []}, status=status)


def refused_page(request: Request, refused: Refused) -> Response:
    lang = page_lang(request)
    problems = [problem_json(p, lang) for p in refused.problems]
    response = status_page(request, refused.status, refused.en if lang == "en" else refused.zh, problems)
    response.headers.update(refused.headers)  # a 429's Retry-After
    return response
