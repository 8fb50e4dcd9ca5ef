"""Every route the application serves, found by walking its routers (so that a route added tomorrow is attacked too),
and a concrete URL for each: its path parameters filled with the things a test names."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes anyone may call without credentials: logging in and out, and the API's description.
PUBLIC = {("POST", "/api/session"), ("DELETE", "/api/session"), ("GET", "/api/openapi.json"), ("GET", "/login"), ("POST", "/login")}
_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def _walk(routes: Iterable[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for route in routes:
        if hasattr(route, "original_router"):  # FastAPI's included router
            yield from _walk(route.original_router.routes, prefix + route.include_context.prefix)
        elif hasattr(route, "routes") and hasattr(route, "path") and not hasattr(route, "methods"):  # a mounted router
            yield from _walk(route.routes, prefix + route.path)
        elif getattr(route, "methods", None):
            for method in sorted(route.methods - {"HEAD"}):
                yield method, prefix + route.path


def every_route(app: Any) -> list[tuple[str, str]]:
    """(method, path template) of every route, API and pages alike, the static files aside."""
    return sorted(set(_walk(app.router.routes)))


def url(path: str, places: Mapping[str, object]) -> str:
    """``path`` with each ``{param}`` from ``places`` (by name; ``*_id`` params by their stem too), and ``year``."""
    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        return str(places.get(name, places.get(name.removesuffix("_id"), places.get("default", "1"))))
    return _PARAM.sub(fill, path) + "?year=" + str(places.get("year", 2011))
