"""The rule-file model: what a policy officer may write in ``rules/*.yaml``.

Strict and frozen like the filing model: an unknown key in a rule file is an
error, not a silently ignored typo. Formulas stay text here; the compiler's passes
(``policy/passes.py``) parse them and check every name, ``rete/plan.py`` turns the
compiled conditions into durable_rules rulesets.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from junheng.errors import suggest

SEVERITIES = ("blocking", "major", "minor", "info")
# The names officers use (the vocabulary's severities.*.zh): a rule file may write either; loading keeps the English key.
SEVERITY_NAMES_ZH = {"否决项": "blocking", "须整改": "major", "建议": "minor", "提示": "info"}


def _severity_key(value: object) -> object:
    """A severity as its English key: 否决项 is blocking …; an unknown word is an error naming the Chinese names."""
    if not isinstance(value, str) or value in SEVERITIES:
        return value
    key = SEVERITY_NAMES_ZH.get(value.strip())
    if key is not None:
        return key
    zh_names = "、".join(SEVERITY_NAMES_ZH)
    hint = suggest(value, [*SEVERITY_NAMES_ZH, *SEVERITIES])
    raise PydanticCustomError(
        "severity_name",
        "invalid severity {got!r}{hint_en} (one of {zh_names}, or blocking, major, minor, info)",
        {"got": value, "hint_zh": hint.zh, "hint_en": hint.en, "zh_names": zh_names},
    )


Severity = Annotated[Literal["blocking", "major", "minor", "info"], BeforeValidator(_severity_key)]
SUBJECT_KINDS = ("district", "level", "group", "school", "unit", "school_id")

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]*-[0-9A-Z]+$")]
PackName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
# A province-level division: the first two digits of a district code (GB/T 2260), "50" for Chongqing.
ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]$")]
Formula = Annotated[str, StringConstraints(min_length=1)]
# A threshold or other policy number: a number, or text such as "1/3" (an exact fraction).
# A ratio may also be written as a percentage, "75%" (or full-width "75％").
Number = Union[int, float, Annotated[str, StringConstraints(pattern=r"^\s*-?\d+(\.\d+)?(\s*(/\s*\d+(\.\d+)?|[%％]))?\s*$")]]
# What a policy number counts (``units: {threshold: ratio}``): ``ratio`` is a share between 0 and 1 (or a
# percentage), ``系数`` a coefficient (差异系数), ``数`` a plain number; the others are the units of the filing.
Unit = Literal["ratio", "系数", "数", "万元", "元", "人", "㎡", "m²", "册", "台", "间", "个", "所", "班", "年", "条"]
# Per school level (primary/junior), per survey group, or for a unit also nine_year.
Variant = Literal["primary", "junior", "nine_year", "parents", "teachers", "deputies"]


def _blocking_only() -> list[Severity]:
    """A pack's default ``deferred_when_any``: only blocking findings defer the verdict."""
    return ["blocking"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing text in Chinese and English; both are required."""

    zh: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class Cause(_Strict):
    """One way a rule can be violated; every cause that holds is listed in the finding."""

    when: Formula
    zh: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class RectificationCase(_Strict):
    """A rectification text, used when ``when`` holds (the first such case wins)."""

    when: Formula | None = None
    zh: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class Shortfall(_Strict):
    value: Formula
    unit: Annotated[str, StringConstraints(min_length=1)]
    # Class-size rules: no shortfall at all when the value is not positive.
    omit_unless_positive: bool = False


class Lagging(_Strict):
    """BAL rules: name the schools furthest below the level's mean on the worst indicator."""

    among: list[Annotated[str, StringConstraints(min_length=1)]] = Field(min_length=1)
    count: Union[int, Annotated[str, StringConstraints(min_length=1)]]


class Aggregate(_Strict):
    """A rule that fires from other rules' findings at the same subject (QLT-08)."""

    of: list[RuleId] = Field(min_length=1)
    failures_at_least: Union[int, str]  # N or more of `of` violated …
    single_below_fraction: Union[Number, None] = None  # … or one violated with value < fraction × threshold
    missing_when_any_missing: bool = True


class Rule(_Strict):
    id: RuleId
    packs: list[PackName] = Field(min_length=1)
    subject: Literal["district", "level", "group", "school", "unit", "school_id"]
    severity: Severity
    title: Text
    basis: Text
    params: dict[str, Union[Number, dict[Variant, Number]]] = Field(default_factory=dict)
    # The unit of each param (``{threshold: ratio}``): a ratio is checked to lie between 0 and 1.
    units: dict[str, Unit] = Field(default_factory=dict)
    values: dict[str, Formula] = Field(default_factory=dict)
    # Values only the texts use: missing inputs here never make the rule DATA-MISSING.
    text_values: dict[str, Formula] = Field(default_factory=dict)
    # Readable names of values, for texts that list them (BAL: every coefficient).
    labels: dict[str, Text] = Field(default_factory=dict)
    applies_when: Formula | None = None
    violated_when: Union[Formula, list[Cause], None] = None
    aggregate: Aggregate | None = None
    # Zero in one of these fields means the figure is missing (DATA-MISSING names it).
    zero_is_missing: list[Formula] = Field(default_factory=list)
    # A share whose whole is zero holds: the rule does not apply when one of these is 0.
    zero_holds: list[Formula] = Field(default_factory=list)
    # Integrity checks compare what is present and never report missing data.
    report_missing: bool = True
    requirement: dict[str, str] | None = None
    message: Text
    rectification: Union[Text, list[RectificationCase]]
    shortfall: Shortfall | None = None
    lagging: Lagging | None = None


class RuleFile(_Strict):
    """One YAML file of rules, grouped by area (经费保障, 教师队伍 …)."""

    area: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]*$")]
    area_title: Text
    rules: list[Rule] = Field(min_length=1)


class Override(_Strict):
    """What a pack may change of a rule it inherits, without copying it."""

    severity: Severity | None = None
    params: dict[str, Union[Number, dict[Variant, Number]]] = Field(default_factory=dict)


class Pack(_Strict):
    """``rules/packs/<name>/pack.yaml``: a rule pack (基本均衡, 优质均衡, a local standard …)."""

    name: PackName
    title: Text
    extends: PackName | None = None
    # The provinces whose districts the pack is written for (its basis cites their laws): a filing from
    # elsewhere is checked, with a notice. Inherited through ``extends`` when absent; None: anywhere.
    jurisdiction: list[ProvinceCode] | None = Field(default=None, min_length=1)
    deferred_when_any: list[Severity] = Field(default_factory=_blocking_only)
    # Teaching points (教学点) with fewer students than this leave the balance set; inherited when absent.
    teaching_point_min_students: int | None = Field(default=None, ge=0)
    include: list[RuleId] = Field(default_factory=list)
    exclude: list[RuleId] = Field(default_factory=list)
    overrides: dict[RuleId, Override] = Field(default_factory=dict)
