"""The filing fields a rule may name, for people: name, label and unit as the form prints them, level, an example value.

The names are exactly those the rule compiler accepts (``policy.resolve.model_paths()``): a
path from the filing's root (``finance.capital_budget.total``) for district, level and group
rules, with ``{level}`` and ``{group}`` standing for any level or survey group in level and
group rules, and a school record's field (``books``) for school rules and inside
``sum()``/``count()``/``cv()``. Labels and units are the .xlsx template's headers
(``filing/sheets/layout.py``); example values are the contract's example filing
(``filing/example.yaml``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from junheng.filing.forms import example
from junheng.filing.sheets.layout import SHEETS, Column
from junheng.policy.resolve import model_paths

__all__ = ["FieldRow", "field_rows", "render_text"]

# what a placeholder in a generic name stands for: the concrete key, its title on the form, and what it means
_PLACEHOLDERS = {
    "{level}": ("primary", "小学", "{学段}",
                ("{level} 代表学段：primary（小学）或 junior（初中），即学段（level）规则正在检查的那个学段",
                 "{level} stands for a level, primary (小学) or junior (初中): the one a level rule is checking")),
    "{group}": ("parents", "家长代表", "{问卷组}",
                ("{group} 代表问卷组：parents（家长代表）、teachers（教师代表）或 deputies（人大代表、政协委员），"
                 "即问卷组（group）规则正在检查的那一组",
                 "{group} stands for a survey group, parents, teachers or deputies: the one a group rule is checking")),
}
_USE = ("区县字段用于区县、学段、问卷组规则；学校字段用于学校规则，以及 sum()/count()/cv() 之内；区县规则可用 prior.<名称> 读上年申报。",
        "District fields are for district, level and group rules; school fields for school rules and inside sum()/count()/cv(); "
        "a district rule reads last year's filing as prior.<name>.")
_LEVELS = {"district": ("区县", "district"), "school": ("学校", "school")}


@dataclass(frozen=True)
class FieldRow:
    """One name a rule may use."""

    name: str  # as a rule writes it: finance.capital_budget.total, books, survey.{group}.satisfied
    label: str  # the form's header: 地方预算内基本建设投资·总额（万元）
    unit: str | None
    level: str  # district | school
    example: Any  # from the contract's example filing (a school field: its first school); None if it has none
    means: tuple[str, str] | None  # (zh, en) for a name with {level} or {group}
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "unit": self.unit, "level": self.level, "example": self.example,
                "means": {"zh": self.means[0], "en": self.means[1]} if self.means else None}

    def text(self) -> str:
        """Everything a query may match: the name, the label, the unit, the description, what a placeholder means."""
        parts = [self.name, self.label, self.unit or "", self.description, *(self.means or ())]
        return "\n".join(parts).casefold()


def _columns() -> dict[str, Column]:
    return {c.key: c for sheet in SHEETS for c in sheet.columns}


def _value_at(data: Any, keys: list[str]) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _row(name: str, level: str, columns: dict[str, Column], sample: dict[str, Any]) -> FieldRow:
    concrete, means = name, None
    for placeholder, (key, _title, _shown, meaning) in _PLACEHOLDERS.items():
        if placeholder in concrete:
            concrete, means = concrete.replace(placeholder, key), meaning
    column = columns[concrete]
    label = column.label
    for placeholder, (_key, title, shown, _meaning) in _PLACEHOLDERS.items():
        if placeholder in name:
            label = label.replace(title, shown, 1)
    value = _value_at(sample, concrete.split(".")) if level == "district" else _value_at((sample.get("schools") or [{}])[0], [concrete])
    plain = json.loads(json.dumps(value, ensure_ascii=False))  # the loader's located ints and strings as plain values
    return FieldRow(name, label, column.unit, level, plain, means, column.description)


def field_rows(query: str | None = None) -> list[FieldRow]:
    """Every name a rule may use, district fields first, each level sorted; ``query`` keeps those whose text contains it."""
    root, school = model_paths()
    columns, sample = _columns(), example()
    rows = [_row(n, "district", columns, sample) for n in sorted(root)] + [_row(n, "school", columns, sample) for n in sorted(school)]
    if query:
        wanted = query.strip().casefold()
        rows = [r for r in rows if wanted in r.text()]
    return rows


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_text(rows: list[FieldRow], lang: str = "zh") -> str:
    """A table a person reads: name, label and unit, level, example; then what each placeholder means."""
    zh = lang == "zh"
    head = ("名称", "表头（单位）", "层级", "示例值") if zh else ("name", "label (unit)", "level", "example")
    lines = ["\t".join(head)]
    for r in rows:
        level = _LEVELS[r.level][0 if zh else 1]
        lines.append("\t".join((r.name, r.label, level, _shown(r.example))))
    meanings = sorted({r.means[0 if zh else 1] for r in rows if r.means})
    if not rows:
        lines.append("（没有符合的字段）" if zh else "(no field matches)")
    lines += meanings
    if rows:
        lines.append(_USE[0] if zh else _USE[1])
    return "\n".join(lines) + "\n"
