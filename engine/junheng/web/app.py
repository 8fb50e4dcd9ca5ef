"""``create_app``: the FastAPI application of ``junheng serve`` — the workbench opened, the routes, the error shape.

Every refusal is ``{"error": {"code", "message"}}`` with its status (and ``problems`` for bad input), in Chinese
unless the request asks for English; bad input is never a traceback. The JSON API is under ``/api``, the pages at the
root (``pages/``: a refusal there is an HTML page), the package's static files under ``/static``. No page or API
document loads anything from another host: FastAPI's interactive docs (which would fetch from a CDN) are off; ``/api/openapi.json`` stays.

While the app runs (its lifespan), uploads are checked in warm worker processes (``checkers.py``), started when it
starts and stopped when it stops; when they cannot be started, checks run in the server's process, one at a time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from junheng import __version__
from junheng.errors import InputErrors
from junheng.web import api, pages
from junheng.web.auth import lang_of
from junheng.web.checkers import CheckerPool, pool_size
from junheng.web.middleware import OVERHEAD, Guard
from junheng.web.problems import Refused, problem_json
from junheng.web.settings import Settings
from junheng.web.templating import STATIC
from junheng.web.workbench import Workbench, open_workbench

__all__ = ["create_app"]

log = logging.getLogger("junheng.web")

_STATUS = {  # status → (code, zh, en) for the refusals Starlette makes itself
    400: ("bad_request", "请求格式有误", "the request is malformed"),
    401: ("unauthenticated", "请先登录（会话或 API 令牌）", "log in first (a session or an API token)"),
    403: ("forbidden", "无权进行此操作", "you may not do this"),
    404: ("not_found", "找不到该资源", "not found"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    413: ("too_large", "请求内容超过上限", "the request is too large"),
}


def create_app(settings: Settings, workbench: Workbench | None = None) -> FastAPI:
    """The application: ``workbench`` when given (a test's), else the data folder of ``settings`` opened (and migrated)."""
    wb = workbench if workbench is not None else open_workbench(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        wb.checkers = await run_in_threadpool(_start_checkers, wb)
        try:
            yield
        finally:
            pool, wb.checkers = wb.checkers, None
            if pool is not None:
                await run_in_threadpool(pool.close)
            if workbench is None:  # ours to close
                wb.close()

    app = FastAPI(title="junheng", version=__version__, docs_url=None, redoc_url=None, openapi_url="/api/openapi.json",
                  lifespan=lifespan)
    app.state.workbench = wb
    app.add_middleware(Guard, limit=wb.settings.max_upload + OVERHEAD)
    _handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    return app


def _start_checkers(wb: Workbench) -> CheckerPool | None:
    """The checker processes of ``wb.settings.checkers`` (warmed with the current rules), or None: checks in this process."""
    try:
        size = pool_size(wb.settings.checkers)
    except ValueError as exc:
        log.warning("checks run in the server's process, one at a time: %s", exc)
        return None
    if size == 0:
        log.info("checks run in the server's process, one at a time (checker processes: 0)")
        return None
    try:
        version, _ = wb.rules.current()
        warm = (version, wb.rules.versions / version)
    except InputErrors:  # broken rule files: each upload says so (a 500), as without the pool
        warm = None
    try:
        return CheckerPool.start(size, warm)
    except (OSError, ValueError) as exc:
        log.warning("checker processes could not be started (%s): checks run in the server's process, one at a time", exc)
        return None


def _error(request: Request, status: int, code: str, zh: str, en: str, **extra: Any) -> JSONResponse:
    body = {"error": {"code": code, "message": en if lang_of(request) == "en" else zh, **extra}}
    headers = {"www-authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, headers=headers)


def _page(request: Request) -> bool:
    """Whether a request is a page's (answered with an HTML page, a visitor sent to the login form), not the API's."""
    return not request.url.path.startswith(("/api/", "/static/")) and request.url.path != "/api"


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if _page(request):
            return await run_in_threadpool(pages.refused_page, request, exc)
        response = JSONResponse(exc.to_json(lang_of(request)), status_code=exc.status, headers=exc.headers)
        if exc.status == 401:
            response.headers["www-authenticate"] = "Bearer"
        return response

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        code, zh, en = _STATUS.get(exc.status_code, ("error", "请求无法完成", "the request cannot be served"))
        if _page(request):
            return await run_in_threadpool(pages.status_page, request, exc.status_code, en if pages.page_lang(request) == "en" else zh)
        return _error(request, exc.status_code, code, zh, en)

    @app.exception_handler(RequestValidationError)
    async def unreadable(request: Request, exc: RequestValidationError) -> Response:
        lang = lang_of(request)
        problems = [_validation_problem(e, lang) for e in exc.errors()]
        if _page(request):  # a page's address with a part that is not what it should be (/filings/abc) is no page at all
            status = 404 if any(e.get("loc", ("",))[0] == "path" for e in exc.errors()) else 422
            said = (("找不到该页面", "no such page") if status == 404
                    else (f"请求有 {len(problems)} 处问题", f"the request has {len(problems)} problem(s)"))
            return await run_in_threadpool(pages.status_page, request, status, said[pages.page_lang(request) == "en"], problems)
        return _error(request, 422, "invalid_request", f"请求有 {len(problems)} 处问题", f"the request has {len(problems)} problem(s)",
                      problems=problems)

    @app.exception_handler(InputErrors)
    async def broken_rules(request: Request, exc: InputErrors) -> JSONResponse:
        # Only the rules can be broken input here (a filing's problems are a 422 from the service): an edit by hand.
        lang = lang_of(request)
        problems = [problem_json(e, lang) for e in exc.errors]
        return _error(request, 500, "rules_invalid", "数据文件夹中的规则文件有错误，请修正后再试",
                      "the data folder's rule files are broken: fix them", problems=problems)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("internal error on %s %s", request.method, request.url.path)
        return _error(request, 500, "internal_error", "服务器内部错误（junheng 的缺陷）；详情见服务器日志",
                      "internal server error (a bug in junheng); the server's log has the details")


def _validation_problem(error: Any, lang: str) -> dict[str, Any]:
    """One of FastAPI's validation errors as a located problem: where (``body``, ``query``, ``path``) and the pointer."""
    where, *path = [str(p) for p in error.get("loc", ())] or ["request"]
    pointer = "/" + "/".join(path) if path else ""
    said = str(error.get("msg", ""))
    message = said if lang == "en" else f"{where} {pointer or '/'}：{said}"
    return {"code": "invalid_request", "message": message, "file": f"<{where}>", "line": None, "column": None, "pointer": pointer,
            "cell": None}
