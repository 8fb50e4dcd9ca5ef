"""``--format markdown``: a summary fit for a pull-request comment (GitHub-flavoured Markdown).

Per filing: a heading with the district and the verdict, a table of counts by
severity, and a table of findings (rule, subject, severity, message, rectification
with its shortfall, and where: a spreadsheet's sheet and cell, else the line, with
the form's label of what is there — never a JSON pointer). With several filings, an
overview table comes first. Every text taken from a filing or the rules is escaped,
so that a pipe, a bracket or an angle bracket in a school's name neither breaks a
table nor becomes markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from junheng.report.formats._shared import district_title, notice_lines, pick, printable, rectification, rule_label, vocab
from junheng.report.labels import places, pointer_label, schools_of
from junheng.report.output import summary_line
from junheng.report.result import SEVERITY_RANK, Failure, Outcome, Result

__all__ = ["escape", "render"]

_LABELS = {
    "zh": {"title": "junheng 检查结果", "filing": "申报文件", "standard": "规则包", "district": "区县", "verdict": "结论",
           "severity": "严重程度", "count": "数量", "rule": "规则", "subject": "对象", "message": "问题", "rect": "整改",
           "none": "未发现问题。", "invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）", "where": "位置",
           "field": "填报项", "sep": "：", "dot": " · "},
    "en": {"title": "junheng report", "filing": "Filing", "standard": "Standard", "district": "District", "verdict": "Verdict",
           "severity": "Severity", "count": "Count", "rule": "Rule", "subject": "Subject", "message": "Finding", "rect": "Rectification",
           "none": "No findings.", "invalid": "not checked (invalid input)", "internal": "not checked (internal error)", "where": "Where",
           "field": "Field", "sep": ": ", "dot": " · "},
}
_MARKS = {"qualified": "✅", "deferred": "❌"}
_MARKUP = re.compile(r"([\\`*_\[\]|~#!])")


def escape(text: object) -> str:
    """Text as itself in Markdown, table cells included: no markup, no HTML, no line breaks."""
    text = printable(str(text).replace("\r\n", "\n").replace("\r", "\n")).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKUP.sub(r"\\\1", text)
    return re.sub(r"\r\n|\r|\n", "<br>", text)


def _row(*cells: object) -> str:
    return "| " + " | ".join(escape(c) for c in cells) + " |"


def _table(head: tuple[str, ...], align: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"] + [_row(*r) for r in rows]


def _overview(outcomes: Sequence[Outcome], lang: str) -> list[str]:
    L = _LABELS[lang]
    results = [o for o in outcomes if isinstance(o, Result)]
    words = results[0] if results else None
    severities = [vocab(words, "severities", s, lang) if words else s for s in SEVERITY_RANK]
    rows: list[tuple[object, ...]] = []
    for o in outcomes:
        if isinstance(o, Result):
            counts = o.summary
            verdict = f"{_MARKS.get(o.verdict, '')} {vocab(o, 'verdicts', o.verdict, lang)}"
            rows.append((o.file, district_title(o, lang), o.standard, verdict, *(counts[s] for s in SEVERITY_RANK)))
        else:
            rows.append((o.file, "—", "—", "⚠️ " + L["invalid" if o.status == 2 else "internal"], "—", "—", "—", "—"))
    head = (L["filing"], L["district"], L["standard"], L["verdict"], *(escape(s) for s in severities))
    return [escape(summary_line(outcomes, lang)), ""] + _table(head, ("---",) * 4 + ("---:",) * 4, rows) + [""]


def _result(result: Result, lang: str) -> list[str]:
    L = _LABELS[lang]
    verdict = vocab(result, "verdicts", result.verdict, lang)
    lines = [f"### {_MARKS.get(result.verdict, '')} {escape(district_title(result, lang))}{L['sep']}{escape(verdict)}", ""]
    title = pick(result.standard_title, lang)
    standard = f"{title} ({result.standard})" if lang == "en" else f"{title}（{result.standard}）"
    lines += [f"{L['filing']}{L['sep']}{escape(result.file)}{L['dot']}{L['standard']}{L['sep']}{escape(standard)}", ""]
    lines += [f"> {escape(n)}" for n in notice_lines(result, lang)] + ([""] if result.notices else [])
    counts = result.summary
    lines += _table((L["severity"], L["count"]), ("---", "---:"),
                    [(vocab(result, "severities", s, lang), counts[s]) for s in SEVERITY_RANK]) + [""]
    if not result.findings:
        return lines + [L["none"], ""]
    schools = schools_of(result)
    rows: list[tuple[object, ...]] = [
        (rule_label(f), f.subject, vocab(result, "severities", f.severity, lang), pick(f.message, lang), rectification(f, lang),
         places(f, result, lang, schools=schools))
        for f in result.findings]
    return lines + _table((L["rule"], L["subject"], L["severity"], L["message"], L["rect"], L["where"]), ("---",) * 6, rows) + [""]


def _failure(failure: Failure, lang: str) -> list[str]:
    L = _LABELS[lang]
    what = L["invalid"] if failure.status == 2 else L["internal"]
    lines = [f"### ⚠️ {escape(failure.file)}{L['sep']}{escape(what)}", ""]
    rows: list[tuple[object, ...]] = []
    for e in failure.errors:
        place = e.file
        if e.cell is not None:
            place += f" {e.cell}"
        elif e.line is not None:
            place += f":{e.line}" + (f":{e.column}" if e.column is not None else "")
        rows.append((place, pointer_label(e.pointer, lang) if e.pointer or e.line is not None else "—", e.message(lang)))
    return lines + _table((L["where"], L["field"], L["message"]), ("---",) * 3, rows) + [""]


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    lines = [f"## {_LABELS[lang]['title']}", ""]
    if len(outcomes) > 1:
        lines += _overview(outcomes, lang)
    for o in outcomes:
        lines += _result(o, lang) if isinstance(o, Result) else _failure(o, lang)
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"
