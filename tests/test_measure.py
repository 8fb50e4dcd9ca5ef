"""The indicators a report charts (``check/measure.py``): the values no condition reads, evaluated again for the report
(``derive.evaluate_values``, in the facts' float arithmetic), are the exact values (``evaluate_exact``) as floats, and a
Series' rows read every value where the facts and the policy hold it."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from junheng.check.derive import evaluate_exact, evaluate_values
from junheng.check.run import Options, check_source
from junheng.check.subjects import enumerate_subjects
from junheng.filing.read import read_filing
from shared import FIXTURE_FILINGS, shipped_policy


@pytest.mark.parametrize("path", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_values_evaluated_again_for_a_chart_are_the_exact_values_as_floats(path):
    policy = shipped_policy()
    _, filing = read_filing(str(path))
    pack = policy.packs[filing.district.standard]
    data = filing.model_dump(mode="python", exclude_none=True)
    subjects = enumerate_subjects(data, pack.teaching_point_min_students)
    compared = 0
    for rule in pack.rules:
        for subject in subjects[rule.rule.subject]:
            fast, exact = evaluate_values(rule, subject), evaluate_exact(rule, subject).values
            assert list(fast) == [name for name, _, _ in rule.values]  # the rule's values; texts' own values are not charted
            for name in fast:
                value = exact[name]
                if isinstance(value, (int, float, Fraction)) and not isinstance(value, bool):
                    assert math.isclose(float(fast[name]), float(value), rel_tol=1e-9, abs_tol=1e-12), (rule.id, subject.name, name)
                    compared += 1
                else:
                    assert type(fast[name]) is type(value) or fast[name] == value, (rule.id, subject.name, name)
    assert compared > 100


def test_a_series_row_holds_the_policy_numbers_and_the_facts_values():
    policy = shipped_policy()
    result = check_source(str(FIXTURE_FILINGS[0]), policy, Options(details=frozenset({"indicators"})))
    assert result.indicators is not None
    pack = policy.packs[result.standard]
    by_id = {r.rule.id: r for r in pack.rules}
    rows = 0
    for series in result.indicators.series:
        rule = by_id[series.rule]
        for index, _applies, values, rights in series.rows:
            subject_variant = result.indicators.subjects[index][2]
            params = rule.params[subject_variant if rule.variants[0] is not None else None]
            for (_, _, right), shown in zip(series.limits, rights, strict=True):
                if right in params:
                    assert shown == float(params[right])
            for name, shown in zip(series.names, values, strict=True):
                assert shown is None or isinstance(shown, float), (series.rule, name)
            rows += 1
    assert rows > 50
