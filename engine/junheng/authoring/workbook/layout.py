"""The settings workbook's shape, version 1: sheet names, columns and the words in its cells.

The contract is ``docs/workbook.md``: the sheets ``说明``, ``规则`` and ``参数``; the columns of the
spec first and in its order, then the workbook's own (``对象`` tells apart an id defined for several
subjects). A column is a key (a row's identity, never edited), editable, fixed (read-only: a change
is an error, not silently lost) or a note (read-only, a change is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from junheng.authoring.describe import SUBJECT_KINDS
from junheng.authoring.edits import LEVEL_NAMES, SEVERITY_ZH

__all__ = ["FORMAT_VERSION", "GUIDE", "LABEL_FINGERPRINT", "LABEL_ROOTS", "LABEL_STANDARD", "LABEL_VERSION", "LEVEL_BY_NAME", "NO",
           "PARAMS", "PARAM_COLUMNS", "RULES", "RULE_COLUMNS", "SEVERITY_BY_NAME", "SHEETS", "SUBJECT_BY_NAME", "SUBJECT_NAMES", "YES",
           "Column", "unit_name"]

FORMAT_VERSION = 1
GUIDE, RULES, PARAMS = "说明", "规则", "参数"
SHEETS = (GUIDE, RULES, PARAMS)
YES, NO = "是", "否"
SEVERITY_BY_NAME = {zh: key for key, zh in SEVERITY_ZH.items()}  # 否决项 → blocking … in the report's order
LEVEL_BY_NAME = {zh: key for key, zh in LEVEL_NAMES.items()}
SUBJECT_NAMES = {kind: names[0] for kind, names in SUBJECT_KINDS.items()}  # district → 区县 …
SUBJECT_BY_NAME = {zh: kind for kind, zh in SUBJECT_NAMES.items()}
# 说明 sheet: the labels in column A whose value, in column B, the import reads.
LABEL_STANDARD = "规则包"  # the pack the values were exported for; empty: the values as the rule files write them
LABEL_VERSION = "格式版本"
LABEL_FINGERPRINT = "规则文件指纹"  # tells whether the rule files changed since the export
LABEL_ROOTS = "规则目录"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Literal["key", "edit", "fixed", "note"]
    width: int
    wrap: bool = False


RULE_COLUMNS = (
    Column("规则", "key", 10), Column("启用", "edit", 6), Column("严重程度", "edit", 10), Column("标题", "edit", 34, True),
    Column("依据", "edit", 34, True), Column("说明", "edit", 46, True), Column("整改", "edit", 46, True), Column("规则包", "fixed", 14),
    Column("对象", "key", 10), Column("整改（其他情形）", "fixed", 46, True),
)
PARAM_COLUMNS = (
    Column("规则", "key", 10), Column("参数", "key", 24), Column("学段", "key", 10), Column("取值", "edit", 10),
    Column("单位", "fixed", 10), Column("说明", "note", 60, True), Column("对象", "key", 10),
)


def unit_name(unit: str | None) -> str:
    """A param's unit in the 单位 column: 比例（%） for a share, none for a plain number, else the unit (人, 万元, ㎡ …)."""
    if unit == "ratio":
        return "比例（%）"
    return "" if unit in (None, "数") else str(unit)
