"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::error file=…,line=…,col=…,title=RULE subject::message — rectification`` — blocking
is ``error``, major ``warning``, minor and info ``notice``. A filing that could not be
checked gives one ``::error`` per input error. Text from a filing never starts a
command of its own: data is escaped as GitHub's runner unescapes it (``%``, CR, LF;
in properties also ``:`` and ``,``). One plain log line per filing gives its verdict.
"""

from __future__ import annotations

from collections.abc import Sequence

from junheng.report.formats._shared import pick, rectification, rule_label, vocab
from junheng.report.result import SEVERITY_RANK, Failure, Outcome, Result

__all__ = ["command", "escape_data", "escape_property", "render"]

_COMMANDS = {"blocking": "error", "major": "warning", "minor": "notice", "info": "notice"}
_LABELS = {"zh": {"invalid": "无法检查（输入有误）", "internal": "无法检查（内部错误）"},
           "en": {"invalid": "not checked (invalid input)", "internal": "not checked (internal error)"}}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    """``::name prop=…,…::message``, the properties that are not None escaped as properties, the message as data."""
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value is not None)
    return f"::{name} {props}::{escape_data(message)}" if props else f"::{name}::{escape_data(message)}"


def _result_lines(result: Result, lang: str) -> list[str]:
    lines = []
    for f in result.findings:
        loc = f.locations[0] if f.locations else None
        title = f"{rule_label(f)} {f.subject}"
        lines.append(command(_COMMANDS[f.severity], f"{pick(f.message, lang)} — {rectification(f, lang)}",
                             file=loc.file if loc else result.file, line=loc.line if loc else None,
                             col=loc.column if loc else None, title=title))
    counts = result.summary
    parts = [f"{vocab(result, 'severities', s, lang)} {counts[s]}" for s in SEVERITY_RANK]
    verdict = vocab(result, "verdicts", result.verdict, lang)
    tail = f"{verdict}（{'，'.join(parts)}）" if lang == "zh" else f"{verdict} ({', '.join(parts)})"
    lines.append(escape_data(f"junheng: {result.file}: {tail}"))  # a plain log line, never a command
    return lines


def _failure_lines(failure: Failure, lang: str) -> list[str]:
    what = _LABELS[lang]["invalid" if failure.status == 2 else "internal"]
    lines = []
    for e in failure.errors:
        lines.append(command("error", f"{e.pointer or '/'}: {e.message(lang)}", file=e.file or failure.file,
                             line=e.line, col=e.column if e.line is not None else None, title=f"{what} ({e.code})"))
    if not failure.errors:
        lines.append(command("error", what, file=failure.file, title=what))
    return lines


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    lines: list[str] = []
    for o in outcomes:
        lines += _result_lines(o, lang) if isinstance(o, Result) else _failure_lines(o, lang)
    return "".join(line + "\n" for line in lines)
