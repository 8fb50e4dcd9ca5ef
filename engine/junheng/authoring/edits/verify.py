"""The planned edits checked together before anything is written: every new value is the one the pack now has, and
the changed files compile with the rest, each compile error given to the edit that wrote nearest to it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from junheng.authoring.edits.plan import Plan
from junheng.authoring.edits.roundtrip import YamlFile
from junheng.authoring.edits.rulefiles import display_path
from junheng.errors import InputError, InputErrors
from junheng.policy.load import RULE_TESTS_DIR, load_rules
from junheng.policy.packs import compile_policy
from junheng.policy.params import fraction


def verify(plan: Plan) -> None:
    """The edits that could be made, checked together (the others' problems are known already)."""
    if plan.changes:
        _check_expected(plan)
        _compile_check(plan)


def _check_expected(plan: Plan) -> None:
    """Every changed value is the one the pack now has (not hidden by a nearer pack's setting)."""
    for i, read_again, wanted in plan.expected:
        try:
            cell = read_again()
        except KeyError:
            cell = None
        got = None if cell is None else cell.raw if isinstance(wanted, str) else fraction(cell.raw)
        if got != wanted:
            where = display_path(cell.place.file.path) if cell is not None else "?"
            plan.problem(i, f"修改后的取值会被 {where} 中的设置覆盖，不会生效", f"the new value would be hidden by the setting in {where}")


def _compile_check(plan: Plan) -> None:
    """The changed files compiled with the rest (in a copy of the top layer): a broken template, title or number is
    a problem of the edit that wrote there."""
    files = plan.files
    top = files.roots[files.top]
    with tempfile.TemporaryDirectory(prefix="junheng-edit-") as tmp:
        copy_root = Path(tmp) / (top.name or "rules")
        shutil.copytree(top, copy_root, ignore=shutil.ignore_patterns(RULE_TESTS_DIR, ".*"))
        copies: dict[Path, YamlFile] = {}
        for doc in files.files:
            if doc.dirty:
                target = copy_root / doc.path.relative_to(top)
                target.write_text(doc.dumped(), encoding="utf-8")
                copies[target.resolve()] = doc
        try:
            compile_policy(load_rules([*files.roots[:-1], copy_root]))
        except InputErrors as e:
            for error in e.errors:
                _blame(plan, error, copies, copy_root, top)


def _blame(plan: Plan, error: InputError, copies: dict[Path, YamlFile], copy_root: Path, top: Path) -> None:
    """Give a compile error to the edit that wrote nearest to it."""
    doc = copies.get(Path(error.file).resolve())
    where = error.file.replace(str(copy_root.resolve()), display_path(top)).replace(str(copy_root), display_path(top))
    best: tuple[int, int] | None = None  # (keys in common, edit)
    for i, place in plan.written:
        if place.file is not doc:
            continue
        common = 0
        for a, b in zip(place.pointer.split("/")[1:], error.pointer.split("/")[1:], strict=False):
            if a != b:
                break
            common += 1
        if common >= 2 and (best is None or common > best[0]):
            best = (common, i)
    index = best[1] if best is not None else None
    if index is None:  # an error elsewhere that names a changed rule (QLT-08 aggregating QLT-01, now switched off)
        index = next((c.index for c in plan.changes if c.rule.split("（")[0] in error.zh), None)
    line = f"{where}:{error.line}" if error.line else where
    plan.problem(index, f"{error.zh}（{line}）", f"{error.en} ({line})")
