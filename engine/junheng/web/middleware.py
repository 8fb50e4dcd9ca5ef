"""What every request and response passes through: the body-size and body-time limits, the same-origin rule for writes,
the security headers (a Content-Security-Policy that forbids inline script and anything from another host), the
request id, and the log line of every request.

Plain ASGI, so that an upload is counted as it streams in: a body declared larger than the limit is refused before
it is read, and one that grows past it (chunked, or lying about its length) is cut off as soon as it does. A body
that stops arriving (a client that sends a few bytes and stalls, or trickles them) is cut off too: 408 after
``body_timeout`` seconds without a byte, or ten times that in all, so that no request holds a worker forever.

Logs are JSON lines (``JsonLines``; ``serve`` sends them to stderr): one per request, with its id (the proxy's
``X-Request-ID`` when it is a plain token, else a new one; echoed in the response), method, path (never the query
string), status, time and the user's name. Never a password, token, cookie or request body: those are not handed to
the logger at all.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
import time
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BODY_TIMEOUT", "CSP", "OVERHEAD", "REPORT_CSP", "REQUEST_ID", "BodyTimeout", "BodyTooLarge", "Guard", "JsonLines",
           "log_config"]

# The pages: scripts and styles from this server only (htmx is vendored), never inline; nothing from another host.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# The CLI's HTML report, served as it is: its own inline stylesheet, no script at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
OVERHEAD = 64 * 1024  # what a multipart body adds around the file (boundaries, part headers, a few small fields)
BODY_TIMEOUT = 30.0  # seconds without a byte of a request body before it is cut off (408); ten times this in all
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("junheng_request_id", default=None)
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"SAMEORIGIN"),
            (b"cross-origin-opener-policy", b"same-origin"), (b"cross-origin-resource-policy", b"same-origin"))
_HSTS = (b"strict-transport-security", b"max-age=31536000")  # over HTTPS only: the proxy's scheme, as uvicorn passes it on
_NO_STORE = (b"cache-control", b"no-store")  # filings and results are not left in shared caches (static files aside)
_GIVEN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # an id from the proxy is kept only when it cannot forge a log line
_COOKIE = b"junheng_session"
access_log = logging.getLogger("junheng.access")


class BodyTooLarge(HTTPException):
    """A request body past the limit: raised while it streams in, answered 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


class BodyTimeout(HTTPException):
    """A request body that stopped arriving: the guard has answered 408; raised so that the route stops reading."""

    def __init__(self, seconds: float):
        super().__init__(408, f"the request body did not arrive within {seconds:g} seconds")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _lang(scope: Scope) -> str:
    said = (_header(scope, b"accept-language") or "").strip().lower()
    return "en" if said.startswith("en") else "zh"


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id")
    return given if given is not None and _GIVEN_ID.match(given) else secrets.token_hex(8)


class Guard:
    """The ASGI middleware: ``limit`` is the largest body accepted (``--max-upload`` and the multipart overhead);
    ``body_timeout`` the seconds a body may stall (``app.state.body_timeout``, which ``serve`` sets, wins)."""

    def __init__(self, app: ASGIApp, limit: int, body_timeout: float = BODY_TIMEOUT):
        self.app = app
        self.limit = limit
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = REQUEST_ID.set(rid)
        began = time.perf_counter()
        exchange = _Exchange(scope, send, rid)
        scope.setdefault("state", {})  # made here, so that the log line reads the person auth.optional_user leaves in it
        try:
            refused = self._refusal(scope)
            if refused is not None:
                await exchange.answer(*refused, _lang(scope))
                return
            await self._serve(scope, receive, exchange)
        finally:
            _log_request(scope, exchange.status, began)
            REQUEST_ID.reset(token)

    async def _serve(self, scope: Scope, receive: Receive, exchange: _Exchange) -> None:
        app = scope.get("app")
        stall = float(getattr(getattr(app, "state", None), "body_timeout", None) or self.body_timeout)
        deadline = time.monotonic() + 10 * stall
        seen, done = 0, False

        async def counted() -> Message:
            nonlocal seen, done
            if done:  # the body is in: what follows is waiting for a disconnect, which may take as long as it takes
                return await receive()
            wait = max(0.0, min(stall, deadline - time.monotonic()))
            with anyio.move_on_after(wait) as timer:
                message = await receive()
            if timer.cancelled_caught:
                await exchange.answer(408, "body_timeout", f"请求内容在 {stall:g} 秒内没有传完，已中断",
                                      f"the request body stopped arriving (nothing for {stall:g} s): cut off", _lang(scope))
                raise BodyTimeout(stall)
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                done = not message.get("more_body", False)
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            else:
                done = True
            return message

        await self.app(scope, counted, exchange.send)

    def _refusal(self, scope: Scope) -> tuple[int, str, str, str] | None:
        """(status, code, zh, en) for a request refused before it is read, or None."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return (413, "too_large", f"请求内容超过上限（{self.limit} 字节）",
                    f"the request is larger than the limit ({self.limit} bytes)")
        if scope["method"] not in _SAFE and _cross_site(scope):
            # A write from a page of another site riding on the session cookie (SameSite=Lax is the first line).
            return (403, "cross_origin", "拒绝来自其他网站的写请求", "a write request from another site is refused")
        return None


def _cross_site(scope: Scope) -> bool:
    """Whether a write comes from a page of another site, by what the browser says: ``Origin`` (every browser sends it
    with a cross-origin POST), else ``Sec-Fetch-Site``, else ``Referer``. ``Origin: null`` (a sandboxed frame, a
    ``data:`` page) is refused when a session cookie comes with it. A request without any of them is not a browser's
    cross-site request (curl with a token, a test client): it passes."""
    host = (_header(scope, b"host") or "").lower()
    cookie = _COOKIE in (_header(scope, b"cookie") or "").encode("latin-1")
    origin = _header(scope, b"origin")
    if origin is not None:
        return cookie if origin == "null" else urlsplit(origin).netloc.lower() != host
    fetched = _header(scope, b"sec-fetch-site")
    if fetched is not None:
        return fetched not in ("same-origin", "none")
    referer = _header(scope, b"referer")
    return bool(cookie and referer and urlsplit(referer).netloc.lower() != host)


class _Exchange:
    """The response side of one request: the headers every response gets, its status, and the guard's own answers
    (after which anything the application still sends is dropped)."""

    def __init__(self, scope: Scope, send: Send, rid: str):
        self.scope, self._send, self.rid = scope, send, rid
        self.status: int | None = None
        self.answered = False

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            _secure(message, self.scope, self.rid)
        await self._send(message)

    async def answer(self, status: int, code: str, zh: str, en: str, lang: str) -> None:
        if self.answered or self.status is not None:  # a response is under way: it cannot be replaced
            return
        body = json.dumps({"error": {"code": code, "message": en if lang == "en" else zh}}, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        await self.send({"type": "http.response.start", "status": status, "headers": headers})
        await self.send({"type": "http.response.body", "body": body})
        self.answered = True


def _secure(message: MutableMapping[str, Any], scope: Scope, rid: str) -> None:
    headers = list(message.get("headers", []))
    present = {bytes(k).lower() for k, _ in headers}
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", CSP.encode()))
    headers += [(k, v) for k, v in _HEADERS if k not in present]
    if not str(scope.get("path", "")).startswith("/static/") and _NO_STORE[0] not in present:
        headers.append(_NO_STORE)
    if scope.get("scheme") == "https" and _HSTS[0] not in present:
        headers.append(_HSTS)
    headers.append((b"x-request-id", rid.encode()))
    message["headers"] = headers


def _log_request(scope: Scope, status: int | None, began: float) -> None:
    principal = scope.get("state", {}).get("principal")  # auth.optional_user leaves the person there
    user = getattr(principal, "name", None)
    access_log.info("%s %s %s", scope.get("method"), scope.get("path"), status or 0,
                    extra={"http": {"method": scope.get("method"), "path": scope.get("path"), "status": status or 0,
                                    "ms": round((time.perf_counter() - began) * 1000, 1), "user": user}})


# ---------------------------------------------------------------- the log's shape


class JsonLines(logging.Formatter):
    """A log record as one JSON line: time (UTC), level, logger, message, the request's id, and a request's details."""

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        entry: dict[str, Any] = {"at": at, "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage()}
        rid = REQUEST_ID.get()
        if rid is not None:
            entry["request_id"] = rid
        http = getattr(record, "http", None)
        if isinstance(http, dict):
            entry["http"] = http
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``serve`` (uvicorn's ``log_config``): JSON lines on stderr for junheng's and
    uvicorn's loggers; uvicorn's own access log is off (``Guard`` writes one line per request, without the query)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    quiet = {"handlers": ["stderr"], "level": level, "propagate": False}
    return {"version": 1, "disable_existing_loggers": False, "formatters": {"json": {"()": JsonLines}},
            "handlers": {"stderr": handler},
            "loggers": {"junheng": quiet, "uvicorn": quiet, "uvicorn.error": {"level": level}, "uvicorn.access": {"level": "WARNING"}},
            "root": {"handlers": ["stderr"], "level": "WARNING"}}
