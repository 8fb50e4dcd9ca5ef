"""What a request that cannot be served gets: a status, a stable code and a message in both languages.

The service layer raises ``Refused`` (made by the functions below, one per kind); the app turns it into ``{"error": {"code", "message"}}``
with the status, the message in Chinese unless the request asks for English, and for bad input the located
``problems`` (``{"message", "file", "line", "column", "pointer", "cell"}``, as ``junheng check`` locates them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from junheng.errors import InputError

__all__ = ["Refused", "conflict", "forbidden", "invalid", "not_found", "not_yet", "problem_json", "too_large", "too_many",
           "unauthenticated"]


@dataclass
class Refused(Exception):
    """A request refused, with the HTTP status it earns."""

    status: int
    code: str
    zh: str
    en: str
    problems: Sequence[InputError] = field(default_factory=tuple)
    extra: dict[str, Any] = field(default_factory=dict)  # more keys of the error object

    def __post_init__(self) -> None:
        super().__init__(self.en)

    @property
    def headers(self) -> dict[str, str]:
        """The response headers the refusal carries, page or API: a 429 says when to try again (``Retry-After``, whole
        seconds, at least 1; RFC 9110 §10.2.3), from its ``retry_after``."""
        if self.status != 429:
            return {}
        return {"Retry-After": str(max(1, int(self.extra.get("retry_after", 1))))}

    def to_json(self, lang: str) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.en if lang == "en" else self.zh}
        if self.problems:
            error["problems"] = [problem_json(p, lang) for p in self.problems]
        return {"error": error | self.extra}


def problem_json(error: InputError, lang: str) -> dict[str, Any]:
    """A located problem as the API gives it: every key present (``cell`` None outside spreadsheets)."""
    return {"code": error.code, "message": error.message(lang), "file": error.file, "line": error.line, "column": error.column,
            "pointer": error.pointer, "cell": error.cell}


def unauthenticated() -> Refused:
    return Refused(401, "unauthenticated", "请先登录（会话或 API 令牌）", "log in first (a session or an API token)")


def forbidden(zh: str = "您的角色无权进行此操作", en: str = "your role may not do this") -> Refused:
    return Refused(403, "forbidden", zh, en)


def not_found(what_zh: str = "资源", what_en: str = "resource") -> Refused:
    return Refused(404, "not_found", f"找不到该{what_zh}", f"no such {what_en}")


def invalid(code: str, zh: str, en: str, problems: Sequence[InputError] = ()) -> Refused:
    return Refused(422, code, zh, en, problems)


def too_large(zh: str, en: str) -> Refused:
    return Refused(413, "too_large", zh, en)


def too_many(code: str, zh: str, en: str, retry_after: float) -> Refused:
    """429: try again in ``retry_after`` seconds (rounded up to whole seconds, at least 1; said in the body as
    ``retry_after`` and in the ``Retry-After`` header)."""
    return Refused(429, code, zh, en, extra={"retry_after": max(1, math.ceil(retry_after))})


def conflict(code: str, zh: str, en: str) -> Refused:
    return Refused(409, code, zh, en)


def not_yet(zh: str, en: str) -> Refused:
    return Refused(501, "not_implemented", zh, en)
