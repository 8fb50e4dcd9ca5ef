"""What a rule edit is: the four kinds of edit, the problem that refuses one, the change one makes, and how a
number is shown.

``edit_from_json`` reads an edit from a change request; ``Change.line`` is what a person reads
(``FIN-13 threshold: 70% → 75%``). Nothing here reads or writes a rule file: whether an edit can be made in
the rule files as they are is ``plan.py``'s question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from junheng.policy.model import SEVERITIES, SEVERITY_NAMES_ZH
from junheng.policy.params import fraction

SHARED = "共用"  # the "rule" of a shared parameter (rules/params.yaml): ParamEdit(SHARED, "class_size", "primary", 40)
# A param's value per school level or survey group, as the workbook's 学段 column names them.
LEVEL_NAMES = {"primary": "小学", "junior": "初中", "nine_year": "九年一贯制",
               "parents": "家长", "teachers": "教师", "deputies": "人大代表"}
SEVERITY_ZH = {key: zh for zh, key in SEVERITY_NAMES_ZH.items()}  # blocking → 否决项 … (the report's own section names)
TextField = Literal["title", "basis", "message", "rectification"]
TEXT_FIELDS: dict[str, tuple[str, str]] = {"title": ("标题", "title"), "basis": ("依据", "basis"), "message": ("说明", "message"),
                                           "rectification": ("整改", "rectification")}


# ---------------------------------------------------------------- the edits


@dataclass(frozen=True)
class ParamEdit:
    """Set one parameter (one school level of it when it has one value per level) to ``value``.

    ``rule`` is a rule id, or ``SHARED`` for a shared parameter, ``param`` then being its name (``class_size``).
    ``subject`` picks one definition of an id defined for several subjects (DATA-02: district and school)."""

    rule: str
    param: str
    level: str | None
    value: Fraction
    subject: str | None = None


@dataclass(frozen=True)
class SeverityEdit:
    """Set a rule's severity: blocking, major, minor, info (or 否决项, 须整改, 建议, 提示)."""

    rule: str
    severity: str
    subject: str | None = None


@dataclass(frozen=True)
class EnabledEdit:
    """Switch a rule on or off (``enabled: false`` in its file: no pack holds it, it stays to be switched on again)."""

    rule: str
    enabled: bool
    subject: str | None = None


@dataclass(frozen=True)
class TextEdit:
    """Replace the Chinese text of a rule's title, basis, message or (first) rectification."""

    rule: str
    field: TextField
    zh: str
    subject: str | None = None


Edit = ParamEdit | SeverityEdit | EnabledEdit | TextEdit


@dataclass(frozen=True)
class Problem:
    """Why an edit cannot be made; ``index`` is its place in the list of edits (None: about all of them)."""

    index: int | None
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class EditsRejected(Exception):
    """Raised by ``apply_edits`` with every problem found; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.en for p in problems))


@dataclass(frozen=True)
class Change:
    """One value changed in one rule file: what a person reads (``line``) and where it was written."""

    index: int  # the edit it made
    rule: str  # FIN-13, DATA-02（学校）, or 共用
    kind: Literal["param", "severity", "enabled", "text"]
    what: str  # the param's name, or the text's field
    level: str | None
    old: Any
    new: Any
    ratio: bool  # a share: shown as a percentage
    file: str  # as messages name it: rules/funding.yaml
    path: Path = field(repr=False, compare=False)

    def line(self, lang: str = "zh") -> str:
        """``FIN-13 threshold: 70% → 75%``, ``STD-01 严重程度: 须整改 → 否决项``, ``FIN-05 启用: 是 → 否``."""
        zh = lang != "en"
        rule = self.rule if zh or self.rule != SHARED else "shared"
        if self.kind == "param":
            level = "" if self.level is None else f"（{LEVEL_NAMES.get(self.level, self.level)}）" if zh else f" ({self.level})"
            return f"{rule} {self.what}{level}: {shown_number(self.old, self.ratio)} → {shown_number(self.new, self.ratio)}"
        if self.kind == "severity":
            names = SEVERITY_ZH if zh else {k: k for k in SEVERITIES}
            return f"{rule} {'严重程度' if zh else 'severity'}: {names[self.old]} → {names[self.new]}"
        if self.kind == "enabled":
            yes, no = ("是", "否") if zh else ("yes", "no")
            return f"{rule} {'启用' if zh else 'enabled'}: {yes if self.old else no} → {yes if self.new else no}"
        label = TEXT_FIELDS[self.what][0 if zh else 1]
        old, new = _clipped(self.old, self.new)
        return f"{rule} {label}: “{old}” → “{new}”"


def _clipped(old: str, new: str, context: int = 12, width: int = 60) -> tuple[str, str]:
    """Two long texts cut to where they differ, with some context around it: …低于 {threshold:pct} → …低于 {threshold:pct}。"""
    if len(old) <= width and len(new) <= width:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1

    def cut(text: str) -> str:
        a, b = max(0, start - context), min(len(text), len(text) - end + context)
        middle = text[a:b] if b - a <= width else text[a:a + width // 2] + "…" + text[b - width // 2:b]
        return ("…" if a > 0 else "") + middle + ("…" if b < len(text) else "")
    return cut(old), cut(new)


# ---------------------------------------------------------------- how a number is shown


def shown_number(value: Fraction, ratio: bool) -> str:
    """A policy number as people write it: 70% for a share, 45 for a count, 0.65 for a coefficient."""
    if ratio:
        return decimal_text(value * 100) + "%"
    return decimal_text(value)


def decimal_text(value: Fraction) -> str:
    """The exact decimal when there is one (0.75, 13.5), else six significant digits (33.3333)."""
    if value.denominator == 1:
        return str(value.numerator)
    text = finite_decimal(value)
    return text if text is not None else f"{float(value):.6g}"


def finite_decimal(value: Fraction) -> str | None:
    """``value`` as an exact decimal string, or None when it has none (a third)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    digits = max(twos, fives)
    scaled = abs(value.numerator) * (10 ** digits // value.denominator)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(scaled, 10 ** digits)
    return f"{sign}{whole}.{str(frac).rjust(digits, '0').rstrip('0')}" if digits else f"{sign}{whole}"


# ---------------------------------------------------------------- an edit from a change request


def edit_from_json(data: Mapping[str, Any]) -> Edit:
    """One edit from a change request: ``{"rule", "param", "level"?, "value"}``, ``{"rule", "severity"}``,
    ``{"rule", "enabled"}`` or ``{"rule", "field", "zh"}`` (``"subject"`` optional in each).

    ValueError, its message in English and Chinese, for anything else."""
    rule, subject = data.get("rule"), data.get("subject")
    if not isinstance(rule, str) or not (subject is None or isinstance(subject, str)):
        raise ValueError("an edit names its rule: {\"rule\": \"FIN-13\", …} / 修改须指明规则")
    if "param" in data:
        level, value = data.get("level"), data.get("value")
        if not isinstance(data["param"], str) or not (level is None or isinstance(level, str)):
            raise ValueError("param and level are names / 参数和学段须为名称")
        try:
            number = fraction(value)
        except (ValueError, ZeroDivisionError, TypeError):
            raise ValueError(f"value must be a number, not {value!r} / 取值须为数值") from None
        return ParamEdit(rule, data["param"], level, number, subject)
    if isinstance(data.get("severity"), str):
        return SeverityEdit(rule, data["severity"], subject)
    if isinstance(data.get("enabled"), bool):
        return EnabledEdit(rule, data["enabled"], subject)
    if data.get("field") in TEXT_FIELDS and isinstance(data.get("zh"), str):
        return TextEdit(rule, data["field"], data["zh"], subject)
    raise ValueError("an edit sets a param's value, a severity, enabled, or a text's zh / 无法识别的修改")
