"""Runs the rule tests written as data in rules/tests/: one pytest case per YAML case."""

from __future__ import annotations

from pathlib import Path

import pytest

from junheng.authoring.ruletest import find_test_files, load_test_file, run_file
from shared import RULES, shipped_policy


def _cases():
    for path in find_test_files(RULES):
        spec, doc = load_test_file(path)
        for i, case in enumerate(spec.cases):
            yield pytest.param(path, i, id=f"{path.stem}:{i}:{case.note[:60]}")


_RESULTS: dict = {}


def _results(path: Path):
    if path not in _RESULTS:
        _RESULTS[path] = run_file(path, shipped_policy(), RULES)
    return _RESULTS[path]


@pytest.mark.parametrize("path,index", list(_cases()))
def test_rule_case(path, index):
    result = _results(path)[index]
    assert result.passed, f"{result.name}\n" + "\n".join(result.problem_texts("en")) + f"\nactual findings: {result.actual}"


def test_every_shipped_rule_fires_in_some_case_and_is_silent_at_a_boundary_in_another(policy):
    fired, forbidden = set(), set()
    for path in find_test_files(RULES):
        spec, _ = load_test_file(path)
        for result in _results(path):
            fired |= result.expected_rules
        for case in spec.cases:
            forbidden |= {m.rule for m in case.forbid}
    ids = {r.id for pack in policy.packs.values() for r in pack.rules}
    assert not ids - fired, f"rules no passing case expects to fire: {sorted(ids - fired)}"
    assert not ids - forbidden, f"rules no case shows silent (forbid): {sorted(ids - forbidden)}"
