"""``--format text`` (the default): a readable report in Chinese (or English), grouped by severity.

Each finding shows its rule, subject, title and message, the rectification with
its quantified shortfall, the basis and where the figures are in the filing — the
sheet and cell of a spreadsheet, else the line, and what is there as the form labels
it (``report.labels``), never a JSON pointer; the report ends with a one-line verdict.
Colour only when asked (a terminal).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from junheng.errors import InputError
from junheng.report.formats._shared import notice_lines, printable, shortfall_text, vocab
from junheng.report.labels import places, schools_of
from junheng.report.result import SEVERITY_RANK, Failure, Outcome, Result

__all__ = ["render", "render_failure", "render_result"]

_LABELS = {
    "zh": {"rect": "整改", "basis": "依据", "where": "位置", "verdict": "结论", "standard": "规则包", "none": "未发现问题。",
           "missing": "缺失", "year": "年", "invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）"},
    "en": {"rect": "Rectify", "basis": "Basis", "where": "Where", "verdict": "Verdict", "standard": "Standard", "none": "No findings.",
           "missing": "Missing", "year": "", "invalid": "not checked (invalid input)", "internal": "not checked (internal error)"},
}
_COLORS = {"blocking": "red", "major": "yellow", "minor": "cyan", "info": "blue"}


def _style(text: str, color: bool, **kw: Any) -> str:
    text = printable(text)
    return click.style(text, **kw) if color else text


def render_result(result: Result, lang: str, color: bool) -> list[str]:
    L = _LABELS[lang]
    sep = "：" if lang == "zh" else ": "
    d = result.district
    title = getattr(result.standard_title, lang)
    if lang == "zh":
        head = f"{d['name']}（{d['code']}）{d['year']} 年 · {L['standard']}：{title}（{result.standard}） · {result.file}"
    else:
        head = f"{d['name']} ({d['code']}), {d['year']} · {L['standard']}: {title} ({result.standard}) · {result.file}"
    lines = [_style(head, color, bold=True), ""]
    notices = notice_lines(result, lang)
    if notices:
        lines += [_style(n, color, fg="yellow") for n in notices] + [""]
    schools = schools_of(result)
    if not result.findings:
        lines += [L["none"], ""]
    for severity in SEVERITY_RANK:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        name = vocab(result, "severities", severity, lang)
        heading = f"{name}（{len(group)}）" if lang == "zh" else f"{name} ({len(group)})"
        lines.append(_style(heading, color, fg=_COLORS[severity], bold=True))
        for f in group:
            rule = f.rule if f.for_rule is None else f"{f.rule}/{f.for_rule}"
            lines.append(f"  {rule:<12} {f.subject}  {getattr(f.title, lang)}")
            lines.append(f"  {'':<12} {getattr(f.message, lang)}")
            rect = getattr(f.rectification, lang)
            amount = shortfall_text(f)
            if amount:
                rect += f"  [{amount}]"
            lines.append(f"  {'':<12} {L['rect']}{sep}{rect}")
            lines.append(f"  {'':<12} {L['basis']}{sep}{getattr(f.basis, lang)}")
            lines.append(f"  {'':<12} {L['where']}{sep}{places(f, result, lang, schools=schools)}")
        lines.append("")
    counts = result.summary
    parts = [f"{vocab(result, 'severities', s, lang)} {counts[s]}" for s in SEVERITY_RANK]
    verdict = vocab(result, "verdicts", result.verdict, lang)
    verdict_styled = _style(verdict, color, fg="green" if result.verdict == "qualified" else "red", bold=True)
    if lang == "zh":
        lines.append(f"{L['verdict']}：{verdict_styled}（{'，'.join(parts)}）")
    else:
        lines.append(f"{L['verdict']}: {verdict_styled} ({', '.join(parts)})")
    return lines


def render_failure(failure: Failure, lang: str, color: bool) -> list[str]:
    L = _LABELS[lang]
    what = L["invalid"] if failure.status == 2 else L["internal"]
    lines = [_style(f"{failure.file}: {what}", color, fg="red", bold=True)]
    # where and what, as a person reads it: the cell or line, never a JSON pointer (stderr keeps the full form)
    lines += [f"  {_error_place(e)}{'：' if lang == 'zh' else ': '}{e.message(lang)}" for e in failure.errors]
    return lines


def _error_place(error: InputError) -> str:
    if error.cell:
        return f"{error.file} {error.cell}"
    return error.file + (f":{error.line}" if error.line is not None else "")


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    blocks = []
    for o in outcomes:
        lines = render_result(o, lang, color) if isinstance(o, Result) else render_failure(o, lang, color)
        # styled lines were cleaned before styling; the others are cleaned here
        blocks.append("\n".join(line if line.startswith("\x1b") else printable(line) for line in lines))
    return ("\n\n" + "=" * 60 + "\n\n").join(blocks) + "\n"
