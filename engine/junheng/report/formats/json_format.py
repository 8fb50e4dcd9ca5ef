"""``--format json``: one JSON document, keys sorted, non-ASCII unescaped, byte-identical for identical input.

Its shape is the output contract (output.md), published as a JSON Schema: ``junheng schema --output``,
committed as ``engine/junheng/schemas/result.schema.json`` (``report.schema``); the tests hold every
golden output and a run of several filings to it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from junheng.report.result import Outcome

__all__ = ["document", "render"]


def document(outcomes: Sequence[Outcome], lang: str = "zh") -> dict[str, Any]:
    """The JSON value of a run: the result object for one filing, ``{"results": […]}`` for several."""
    items = [o.to_json(lang) for o in outcomes]
    return items[0] if len(items) == 1 else {"results": items}


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    return json.dumps(document(outcomes, lang), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
