"""``--format jsonl``: one compact JSON object per filing and line, written as soon as the filing is checked.

Each line is what ``--format json`` gives for that filing (a result, or
``{"file", "status", "errors"}``), keys sorted, non-ASCII unescaped: ``#/$defs/outcome`` of the
result schema (``junheng schema --output``). The format streams: a run over thousands of filings
holds none of their results in memory.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from junheng.report.result import Outcome

__all__ = ["line", "render"]


def line(outcome: Outcome, *, lang: str = "zh", fail_on: str = "blocking") -> str:
    return json.dumps(outcome.to_json(lang), ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    return "".join(line(o, lang=lang, fail_on=fail_on) for o in outcomes)
