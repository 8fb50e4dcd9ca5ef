"""The 督导反馈 letter with 上年整改情况: ``junheng check FILING --previous-result EARLIER.json --format letter`` (or docx).

Each checked filing is matched with the result of the same district for the latest earlier year in
EARLIER.json (``junheng check --format json`` of last year's filings); the ledger of the two
(``ledger.ledger_of``) gives each of last year's findings its status, and the letter
(``report/formats/_letter.py``) lays the section out. A filing whose district has no earlier result
gets the letter without the section, and a line on stderr says so.
"""

from __future__ import annotations

from collections.abc import Sequence

from junheng.check.run import Options
from junheng.followup.ledger import ledger_of
from junheng.policy.compiled import Policy
from junheng.report.formats import letter, letter_docx
from junheng.report.formats._letter import FollowUp
from junheng.report.result import Outcome, Result

__all__ = ["follow_ups", "render_letter"]


def follow_ups(outcomes: Sequence[Outcome], earlier: Sequence[Result], policy: Policy, options: Options, lang: str,
               unmatched: list[str]) -> dict[int, FollowUp]:
    """上年整改情况 of each checked filing (by its place in ``outcomes``) that has an earlier result of its district."""
    out: dict[int, FollowUp] = {}
    for index, outcome in enumerate(outcomes):
        if not isinstance(outcome, Result):
            continue
        code, year = str(outcome.district["code"]), int(outcome.district["year"])
        candidates = [r for r in earlier if str(r.district["code"]) == code and int(r.district["year"]) < year]
        if not candidates:
            unmatched.append(f"{outcome.file}: no earlier result of district {code} in --previous-result: the letter has no section on "
                             "last year's problems" if lang == "en" else
                             f"{outcome.file}：--previous-result 中没有 {code} 区县此前年度的检查结果，督导意见书不含“上年整改情况”")
            continue
        then = max(candidates, key=lambda r: int(r.district["year"]))  # the latest earlier year; the first of equals
        prior = any(tuple(key) == (code, year - 1) for key, _ in options.previous)
        ledger = ledger_of(then, outcome, policy, prior=prior)
        out[index] = FollowUp(int(then.district["year"]), tuple((item.status, item.finding) for item in ledger.items))
    return out


def render_letter(fmt: str, outcomes: Sequence[Outcome], earlier: object, policy: Policy, options: Options, *, lang: str = "zh",
                  fail_on: str = "blocking", unmatched: list[str] | None = None) -> str | bytes:
    """The letter (``letter``: Markdown; ``docx``: Word) of the outcomes, each with its 上年整改情况."""
    results = [r for r in earlier if isinstance(r, Result)] if isinstance(earlier, (list, tuple)) else []
    follow = follow_ups(outcomes, results, policy, options, lang, unmatched if unmatched is not None else [])
    if fmt == "docx":
        return letter_docx.render(outcomes, lang=lang, fail_on=fail_on, follow_up=follow)
    return letter.render(outcomes, lang=lang, fail_on=fail_on, follow_up=follow)
