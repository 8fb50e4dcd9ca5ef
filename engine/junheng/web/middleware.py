"""What every request and response passes through: the body-size limit, the same-origin rule for writes, and the
security headers (a Content-Security-Policy that forbids inline script and anything from another host).

Plain ASGI, so that an upload is counted as it streams in: a body declared larger than the limit is refused before
it is read, and one that grows past it (chunked, or lying about its length) is cut off as soon as it does.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "OVERHEAD", "REPORT_CSP", "BodyTooLarge", "Guard"]

# The pages: scripts and styles from this server only (htmx is vendored), never inline; nothing from another host.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
# The CLI's HTML report, served as it is: its own inline stylesheet, no script at all.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
OVERHEAD = 64 * 1024  # what a multipart body adds around the file (boundaries, part headers, a few small fields)
_SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"SAMEORIGIN"))


class BodyTooLarge(HTTPException):
    """A request body past the limit: raised while it streams in, answered 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _lang(scope: Scope) -> str:
    said = (_header(scope, b"accept-language") or "").strip().lower()
    return "en" if said.startswith("en") else "zh"


class Guard:
    """The ASGI middleware: ``limit`` is the largest body accepted (``--max-upload`` and the multipart overhead)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refused = self._refusal(scope)
        if refused is not None:
            await _answer(send, *refused, _lang(scope))
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        async def headed(message: Message) -> None:
            if message["type"] == "http.response.start":
                _secure(message)
            await send(message)

        await self.app(scope, counted, headed)

    def _refusal(self, scope: Scope) -> tuple[int, str, str, str] | None:
        """(status, code, zh, en) for a request refused before it is read, or None."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return (413, "too_large", f"请求内容超过上限（{self.limit} 字节）",
                    f"the request is larger than the limit ({self.limit} bytes)")
        origin = _header(scope, b"origin")
        if scope["method"] not in _SAFE and origin not in (None, "null") and urlsplit(origin).netloc != _header(scope, b"host"):
            # A write from a page of another site riding on the session cookie (SameSite=Lax is the first line).
            return (403, "cross_origin", "拒绝来自其他网站的写请求", "a write request from another site is refused")
        return None


def _secure(message: MutableMapping[str, Any]) -> None:
    headers = list(message.get("headers", []))
    present = {bytes(k).lower() for k, _ in headers}
    if b"content-security-policy" not in present:
        headers.append((b"content-security-policy", CSP.encode()))
    headers += [(k, v) for k, v in _HEADERS if k not in present]
    message["headers"] = headers


async def _answer(send: Send, status: int, code: str, zh: str, en: str, lang: str) -> None:
    body = json.dumps({"error": {"code": code, "message": en if lang == "en" else zh}}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    _secure(start)
    await send(start)
    await send({"type": "http.response.body", "body": body})
