"""The edits' way through, end to end: planned (``plan.py``), verified together (``verify.py``), then written all or
none (``roundtrip.py``); and after writing, the rule tests run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import junheng
from junheng.authoring.edits.model import Change, Edit, EditsRejected, Problem
from junheng.authoring.edits.plan import Plan, plan_edits
from junheng.authoring.edits.roundtrip import write_all
from junheng.authoring.edits.rulefiles import display_path
from junheng.authoring.edits.verify import verify
from junheng.authoring.ruletest import CaseResult, run_all
from junheng.policy.load import Roots, folders, load_rules
from junheng.policy.packs import compile_policy


def validate_edits(roots: Roots, edits: Sequence[Edit], standard: str | None = None) -> list[Problem]:
    """Every problem with ``edits`` (nothing is written); InputErrors when the rule files themselves are broken."""
    return _plan(roots, edits, standard).problems


def apply_edits(roots: Roots, edits: Sequence[Edit], standard: str | None = None, dry_run: bool = False) -> list[Change]:
    """Make ``edits`` in the rule files of the top layer of ``roots`` (all or none) and return each change.

    ``standard``: the pack the values were read for (``read_settings``), whose overrides hold the values it
    changes. An edit that changes nothing makes no change. EditsRejected with every problem (nothing
    written); InputErrors when the rule files are broken. ``dry_run``: check and return the changes only."""
    plan = _plan(roots, edits, standard)
    top = plan.files.roots[plan.files.top]
    if not dry_run and plan.changes and installed_package(top):
        plan.problem(None, f"规则目录 {display_path(top)} 属于已安装的程序包，不能在其中修改；请把规则复制到自己的目录，用 --rules 指定",
                     f"the rules folder {display_path(top)} is part of an installed package and is not edited; copy the rules to a "
                     "folder of your own and name it with --rules")
    if plan.problems:
        raise EditsRejected(plan.problems)
    if not dry_run:
        write_all([f for f in plan.files.files if f.dirty])
    return plan.changes


def installed_package(folder: Path) -> bool:
    """A folder inside an installed package (site-packages, or junheng's own package folder), not a source checkout's."""
    resolved = Path(folder).resolve()
    if any(part in ("site-packages", "dist-packages") for part in resolved.parts):
        return True
    package = Path(junheng.__file__).resolve().parent
    return resolved == package or package in resolved.parents


def _plan(roots: Roots, edits: Sequence[Edit], standard: str | None) -> Plan:
    """Every edit made in memory on the files as read, each checked; then all of them compiled together."""
    plan = plan_edits(roots, edits, standard)
    verify(plan)
    return plan


# ---------------------------------------------------------------- after writing


def rule_test_failures(roots: Roots = None) -> list[CaseResult]:
    """The rules compiled again and their tests run: the failing cases (InputErrors for a broken rule or test file)."""
    policy = compile_policy(load_rules(roots))
    return [r for r in run_all(policy, folders(roots)) if not r.passed]
