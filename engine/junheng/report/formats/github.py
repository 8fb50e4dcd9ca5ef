"""``--format github``: GitHub Actions workflow commands — the most severe findings as annotations, every finding in the log.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (and 50 per
job); what a step prints beyond that is dropped without a word. So annotations come most
severe first — blocking findings and filings that could not be checked as ``::error``, major
as ``::warning``, minor and info as ``::notice`` — at most 10 errors, 10 warnings and 10
notices; when any had to be left out, one more ``::notice`` says how many and where to read
them: every finding left out is a plain log line of its own (``junheng: file:line:col: …``),
and ``write_step_summary`` puts a Markdown table of all of them in the job's summary
(``$GITHUB_STEP_SUMMARY``). One plain log line per filing gives its verdict.

A message names places as the filing form does, a spreadsheet's sheet and cell (``经费!B3``)
included, never by JSON pointer (``_plain``). Text from a filing never starts a command of
its own: data is escaped as GitHub's runner unescapes it (``%``, CR, LF; in properties also
``:`` and ``,``), and a plain line always starts with ``junheng:``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from junheng.report.formats._plain import error_text, finding_message, finding_rectification, position
from junheng.report.formats._shared import district_title, rule_label, vocab
from junheng.report.formats.markdown import escape as md
from junheng.report.result import SEVERITY_RANK, Failure, Outcome, Result

__all__ = ["LIMIT", "command", "escape_data", "escape_property", "render", "step_summary", "write_step_summary"]

_COMMANDS = {"blocking": "error", "major": "warning", "minor": "notice", "info": "notice"}
_ORDER = ("error", "warning", "notice")
LIMIT = 10  # annotations of each kind GitHub shows per step
SUMMARY_BUDGET = 1000 * 1000  # bytes of a step summary (GitHub takes at most 1 MiB per step)
_KINDS = {"zh": {"error": "条错误", "warning": "条警告", "notice": "条提示"},  # "12 条警告" / "12 warnings"
          "en": {"error": "errors", "warning": "warnings", "notice": "notices"}}
_LABELS: dict[str, dict[str, str]] = {
    "zh": {"invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）",
           "more": "另有 {n} 条结果未作为注释显示（{counts}）：GitHub 每个步骤最多显示每种注释 {limit} 条。"
                   "全部结果见本步骤日志中以 “junheng:” 开头的行，以及作业摘要（job summary）",
           "more_title": "junheng：另有 {n} 条结果", "left": "junheng: 以下 {n} 条结果未作为注释显示：",
           "title": "junheng 检查结果", "filing": "申报文件", "district": "区县", "verdict": "结论", "all": "全部结果（{n}）",
           "severity": "严重程度", "rule": "规则", "subject": "对象", "where": "位置", "message": "问题", "rect": "整改",
           "cut": "……另有 {n} 条结果超出作业摘要的篇幅，见本步骤日志，或用 --format sarif / markdown", "sep": "，"},
    "en": {"invalid": "not checked (invalid input)", "internal": "not checked (internal error)",
           "more": "{n} more findings are not shown as annotations ({counts}): GitHub shows at most {limit} annotations of each kind "
                   "per step. Read them all in this step's log (the lines starting with \"junheng:\") and in the job summary",
           "more_title": "junheng: {n} more findings", "left": "junheng: {n} findings not shown as annotations:",
           "title": "junheng report", "filing": "Filing", "district": "District", "verdict": "Verdict", "all": "All findings ({n})",
           "severity": "Severity", "rule": "Rule", "subject": "Subject", "where": "Where", "message": "Finding", "rect": "Rectification",
           "cut": "… {n} more findings do not fit in the job summary: read them in this step's log, or use --format sarif / markdown",
           "sep": ", "},
}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    """``::name prop=…,…::message``, the properties that are not None escaped as properties, the message as data."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


@dataclass(frozen=True)
class _Note:
    """One annotation to make: its kind, where, its title and message; ``where`` is the place a plain log line names."""

    kind: str  # error | warning | notice
    rank: int  # most severe first: -1 a filing not checked, then the severity's rank (blocking 0 … info 3)
    file: str
    line: int | None
    col: int | None
    title: str
    message: str
    where: str

    def annotation(self) -> str:
        return command(self.kind, self.message, file=self.file, line=self.line, col=self.col, title=self.title)

    def log_line(self) -> str:
        """The same, as a plain line of the log (never a command: it starts with ``junheng:``)."""
        return escape_data(f"junheng: {self.where}: {self.kind} {self.title}: {self.message}")


def _result_notes(result: Result, lang: str) -> list[_Note]:
    # notices about how the filing was checked (a pack for another province …) first: they qualify every finding
    notes = [_Note("warning", -1, n.file or result.file, n.line, n.column if n.line is not None else None, n.code,
                   n.message(lang), (n.file or result.file) + (f" {n.cell}" if n.cell else f":{n.line}" if n.line is not None else ""))
             for n in result.notices]
    for f in result.findings:
        loc = f.locations[0] if f.locations else None
        notes.append(_Note(_COMMANDS[f.severity], SEVERITY_RANK[f.severity], loc.file if loc else result.file, loc.line if loc else None,
                           loc.column if loc else None, f"{rule_label(f)} {f.subject}",
                           f"{finding_message(f, lang)} — {finding_rectification(f, lang)}", position(loc) if loc else result.file))
    return notes


def _failure_notes(failure: Failure, lang: str) -> list[_Note]:
    what = _LABELS[lang]["invalid" if failure.status == 2 else "internal"]
    notes = []
    for e in failure.errors:
        where = e.file or failure.file
        where += f" {e.cell}" if e.cell else (f":{e.line}" + (f":{e.column}" if e.column is not None else "") if e.line is not None else "")
        notes.append(_Note("error", -1, e.file or failure.file, e.line, e.column if e.line is not None else None, f"{what} ({e.code})",
                           error_text(e, lang), where))
    return notes or [_Note("error", -1, failure.file, None, None, what, what, failure.file)]


def _verdict_line(result: Result, lang: str) -> str:
    counts = result.summary
    parts = [f"{vocab(result, 'severities', s, lang)} {counts[s]}" for s in SEVERITY_RANK]
    verdict = vocab(result, "verdicts", result.verdict, lang)
    tail = f"{verdict}（{'，'.join(parts)}）" if lang == "zh" else f"{verdict} ({', '.join(parts)})"
    return escape_data(f"junheng: {result.file}: {tail}")  # a plain log line, never a command


def _split(notes: list[_Note]) -> tuple[list[_Note], list[_Note]]:
    """The notes to annotate (most severe first, at most LIMIT of each kind; one notice kept back for the summary
    when anything is left out) and the notes left out; a filing not checked before any finding, then by severity, then
    in the order of the run."""
    ranked = sorted(notes, key=lambda n: n.rank)  # stable: the run's order within a rank
    by_kind = {kind: [n for n in ranked if n.kind == kind] for kind in _ORDER}
    overflow = any(len(by_kind[kind]) > LIMIT for kind in _ORDER)
    shown: list[_Note] = []
    left: list[_Note] = []
    for kind in _ORDER:
        room = LIMIT - 1 if overflow and kind == "notice" else LIMIT
        shown += by_kind[kind][:room]
        left += by_kind[kind][room:]
    return shown, left


def _summary_note(left: list[_Note], lang: str) -> str:
    L = _LABELS[lang]
    counts = L["sep"].join(f"{sum(n.kind == kind for n in left)} {_KINDS[lang][kind]}" for kind in _ORDER
                           if any(n.kind == kind for n in left))
    message = L["more"].format(n=len(left), counts=counts, limit=LIMIT)
    return command("notice", message, title=L["more_title"].format(n=len(left)))


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    notes: list[_Note] = []
    for o in outcomes:
        notes += _result_notes(o, lang) if isinstance(o, Result) else _failure_notes(o, lang)
    shown, left = _split(notes)
    lines = [n.annotation() for n in shown]
    if left:
        lines.append(_summary_note(left, lang))
        lines.append(escape_data(_LABELS[lang]["left"].format(n=len(left))))
        lines += [n.log_line() for n in left]
    lines += [_verdict_line(o, lang) for o in outcomes if isinstance(o, Result)]
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------- the job summary


def _row(*cells: object) -> str:
    return "| " + " | ".join(md(c) for c in cells) + " |"


def step_summary(outcomes: Sequence[Outcome], *, lang: str = "zh", fail_on: str = "blocking") -> str:
    """The run as Markdown for the job's summary: one row per filing, then every finding (and every reason a filing
    could not be checked), most severe first, within GitHub's size for a step summary."""
    L = _LABELS[lang]
    words = next((o for o in outcomes if isinstance(o, Result)), None)
    severities = [vocab(words, "severities", s, lang) if words else s for s in SEVERITY_RANK]
    lines = [f"## {L['title']}", "", "| " + " | ".join([L["filing"], L["district"], L["verdict"], *map(md, severities)]) + " |",
             "|" + "---|" * 3 + "---:|" * len(severities)]
    for o in outcomes:
        if isinstance(o, Result):
            lines.append(_row(o.file, district_title(o, lang), vocab(o, "verdicts", o.verdict, lang), *o.summary.values()))
        else:
            lines.append(_row(o.file, "—", L["invalid" if o.status == 2 else "internal"], *("—" for _ in severities)))
    rows = _finding_rows(outcomes, lang)
    if rows:
        lines += ["", f"### {L['all'].format(n=len(rows))}", "",
                  "| " + " | ".join((L["severity"], L["rule"], L["subject"], L["where"], L["message"], L["rect"])) + " |",
                  "|---|---|---|---|---|---|"]
        size = sum(len(line.encode("utf-8")) + 1 for line in lines)
        for i, row in enumerate(rows):
            size += len(row.encode("utf-8")) + 1
            if size > SUMMARY_BUDGET - 1000:  # room for the closing line
                lines += ["", md(L["cut"].format(n=len(rows) - i))]
                break
            lines.append(row)
    return "\n".join(lines) + "\n\n"


def _finding_rows(outcomes: Sequence[Outcome], lang: str) -> list[str]:
    """A table row per finding and per reason a filing was not checked: errors first, then warnings, then notices."""
    rows: list[tuple[int, str]] = []
    for o in outcomes:
        if isinstance(o, Result):
            for f in o.findings:
                where = position(f.locations[0]) if f.locations else o.file
                rows.append((SEVERITY_RANK[f.severity], _row(vocab(o, "severities", f.severity, lang), rule_label(f), f.subject, where,
                                                             finding_message(f, lang), finding_rectification(f, lang))))
        else:
            for note in _failure_notes(o, lang):
                rows.append((-1, _row(note.title, "—", "—", note.where, note.message, "—")))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]  # stable: the run's order within a severity


def write_step_summary(outcomes: Sequence[Outcome], *, lang: str = "zh", fail_on: str = "blocking",
                       environ: Mapping[str, str] | None = None) -> str | None:
    """Append ``step_summary`` to the file ``$GITHUB_STEP_SUMMARY`` names, when it is set; the file's path, or None.

    Outside GitHub Actions (the variable unset or empty) nothing is written. An error writing the file
    propagates (``OSError``): the caller says so, as for ``--output``.
    """
    path = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    with open(path, "a", encoding="utf-8", newline="\n") as stream:
        stream.write(step_summary(outcomes, lang=lang, fail_on=fail_on))
    return path
