"""What became of a district's findings between its two latest years, finding by finding: the follow-up ledger's counts.

The overview keeps summaries, not findings, so the ledger (``followup.ledger``: 已整改 / 部分整改 / 未整改 /
无法判断 / 新增问题, follow-up.md §1) cannot be computed from what it kept. After the streaming pass, for
each district whose two latest years were both filed in the run, a worker process checks the pair again
and compares it (``followup.ledger.follow_up``, as ``junheng follow-up EARLIER LATER`` does) and sends back
only the five counts: memory stays bounded, and a run of one year pays nothing. A pair whose later year
comes from ``--previous-results`` (no filing to check again), or that the ledger refuses, keeps the
rule-by-rule comparison (``aggregate.rule_progress``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from junheng.check.workers import Task, run_isolated
from junheng.errors import InputErrors
from junheng.followup.ledger import follow_up
from junheng.overview.summary import Summary
from junheng.policy.compiled import Policy

__all__ = ["ledger_counts"]

Counts = tuple[tuple[str, int], ...]


def ledger_counts(pairs: Sequence[tuple[Summary, Summary]], policy: Policy, standard: str | None = None,
                  jobs: int | None = None) -> dict[tuple[str, int], Counts]:
    """(district code, later year) → the ledger's count of each status, for every pair whose two filings can be read again."""
    todo = [(e, later) for e, later in pairs if e.checked and later.checked and os.path.isfile(e.file) and os.path.isfile(later.file)]

    def one(earlier: str, later: str) -> Counts | None:  # runs in a forked worker: the compiled policy is inherited
        try:
            return tuple(follow_up(earlier, later, policy, standard).summary.items())
        except InputErrors:  # the pair is not one the ledger accepts: the rule-by-rule comparison stays
            return None

    def crashed(task: Task, exitcode: int | None) -> Counts | None:
        return None

    out: dict[tuple[str, int], Counts] = {}
    for (_, later), counts in zip(todo, run_isolated(((e.file, later.file) for e, later in todo), one, crashed, jobs=jobs), strict=True):
        if counts is not None:
            out[(later.code, later.year)] = counts
    return out
