"""What the security tests tried, counted as they go, for the line the test run ends with (``pytest_terminal_summary``
in ``conftest.py``) and for the JSON file it leaves in pytest's cache folder (``.pytest_cache/v/junheng/security``).

A test counts an attempt and whether it got through *before* it asserts that it did not: a failing run still says what
got through, and a passing one has counted every attempt it made.
"""

from __future__ import annotations

import os
from typing import Any

KEY = "junheng/security"
_COUNTS: dict[str, float] = {}


def add(kind: str, n: float = 1) -> None:
    _COUNTS[kind] = _COUNTS.get(kind, 0) + n


def attack(refused: bool, n: int = 1) -> None:
    """``n`` attacks (a request or a file meant to get in, or to bring the server down); ``refused``: none got through."""
    add("attacks", n)
    if not refused:
        add("breaches", n)


def fault(kept: bool) -> None:
    """A fault injected (a SIGKILL at a random moment); ``kept``: nothing was lost or half-written."""
    add("faults")
    if not kept:
        add("lost")


def requests(n: int, errors: int) -> None:
    add("requests", n)
    add("errors", errors)


def note(key: str, value: float) -> None:
    _COUNTS[key] = value


def counts() -> dict[str, Any]:
    return {"pid": os.getpid(), **_COUNTS}


def summary() -> list[str]:
    """The lines the run ends with; none when no security test ran."""
    if not _COUNTS:
        return []
    c = {k: int(_COUNTS.get(k, 0)) for k in ("attacks", "breaches", "faults", "lost", "requests", "errors")}
    lines = [f"security: {c['attacks']} attacks tried, {c['breaches']} got through; "
             f"{c['faults']} faults injected (SIGKILL), {c['lost']} lost or half-written anything; "
             f"{c['requests']} requests under load, {c['errors']} errors"]
    if "upload_peak_mib" in _COUNTS:
        lines.append(f"security: the hostile workbooks grew the server's peak memory by {_COUNTS['upload_peak_mib']:.0f} MiB at most")
    if "p95_ms" in _COUNTS:
        lines.append(f"security: load p95 {_COUNTS['p95_ms']:.0f} ms, server RSS {_COUNTS.get('rss_start_mib', 0):.0f} → "
                     f"{_COUNTS.get('rss_end_mib', 0):.0f} MiB")
    return lines
