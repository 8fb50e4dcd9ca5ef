"""The rule-file model: what a policy officer may write in ``rules/*.yaml``.

Strict and frozen like the filing model: an unknown key in a rule file is an
error, not a silently ignored typo. Formulas stay text here; the compiler's passes
(``policy/passes.py``) parse them and check every name, ``rete/plan.py`` turns the
compiled conditions into durable_rules rulesets.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from junheng.errors import suggest
from junheng.policy.text import Text

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
# The name of a shared parameter (``rules/params.yaml``): ``standard: class_size`` takes the class-size standard
# declared once there. A name never looks like a number, so a param's value is either.
SharedName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
_NUMBER_TEXT = re.compile(r"^\s*-?\d+(\.\d+)?(\s*(/\s*\d+(\.\d+)?|[%％]))?\s*$")
_SHARED_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_VARIANTS = ("primary", "junior", "nine_year", "parents", "teachers", "deputies")


def _param_problem(zh: str, en: str) -> PydanticCustomError:
    return PydanticCustomError("param_value", "{en}", {"zh": zh, "en": en})


def _one_number(value: object, where: str) -> object:
    """A policy number as written, or one error in Chinese (not one per type pydantic would try)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or isinstance(value, str) and not _NUMBER_TEXT.match(value):
        shown = value if isinstance(value, (int, float, str)) and not isinstance(value, bool) else type(value).__name__
        raise _param_problem(f"{where}应为数值（如 45、0.75、75% 或 1/3），实为 {shown!r}",
                             f"{where or 'the value '}must be a number (45, 0.75, 75% or 1/3), not {shown!r}")
    return value


def _param_value(value: object, names: bool) -> object:
    """A param's value: a number, a mapping of level → number, or (in a rule) the name of a shared parameter."""
    if names and isinstance(value, str) and _SHARED_NAME.match(value.strip()):
        return value.strip()
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _VARIANTS:
                raise _param_problem(f"学段 “{key}” 未知（可用：primary 小学、junior 初中、nine_year 九年一贯制；"
                                     "问卷：parents、teachers、deputies）",
                                     f"unknown level {key!r} (primary, junior, nine_year; survey groups: parents, teachers, deputies)")
            _one_number(item, f"{key} 的取值")
        return value
    return _one_number(value, "")


def _rule_param(value: object) -> object:
    return _param_value(value, names=True)


def _number_param(value: object) -> object:
    return _param_value(value, names=False)


# One number, or one per level ({primary: 45, junior: 50}); a mistake is one message, not one per type tried.
ParamValue = Annotated[Union[int, float, str, dict[Variant, Union[int, float, str]]], BeforeValidator(_number_param)]
# In a rule, a param may also name a shared parameter.
RuleParamValue = Annotated[Union[int, float, str, dict[Variant, Union[int, float, str]]], BeforeValidator(_rule_param)]
# What a year of a filing is: ``valid_from`` / ``valid_to`` of a pack.
Year = Annotated[int, Field(ge=1990, le=2100)]


def _blocking_only() -> list[Severity]:
    """A pack's default ``deferred_when_any``: only blocking findings defer the verdict."""
    return ["blocking"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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
    # Switched off (启用: 否 in the workbook): no pack holds the rule; it stays in the file to switch on again.
    enabled: bool = True
    # A number, one number per level ({primary: 45, junior: 50}), or the name of a shared parameter.
    params: dict[str, RuleParamValue] = Field(default_factory=dict)
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
    # One level may be given alone ({primary: 40}): the other keeps the rule's value.
    params: dict[str, ParamValue] = Field(default_factory=dict)


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
    # The years of filings the pack is for (``district.year``), inclusive; inherited through ``extends`` when absent.
    valid_from: Year | None = None
    valid_to: Year | None = None
    # Shared parameters as this pack has them ({class_size: {primary: 40}}): every rule naming one follows.
    params: dict[SharedName, ParamValue] = Field(default_factory=dict)


class SharedParam(_Strict):
    """A number several rules use, declared once (``rules/params.yaml``) and referenced by name."""

    title: Text
    unit: Unit
    value: ParamValue


class ParamsFile(_Strict):
    """``rules/params.yaml``: the shared parameters."""

    params: dict[SharedName, SharedParam] = Field(default_factory=dict)
