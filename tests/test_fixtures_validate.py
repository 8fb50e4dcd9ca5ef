"""Every fixture filing is valid, and every invalid fixture fails where ``fixtures/invalid/cases.yaml`` says.

Adding a case means adding a file and a ``cases.yaml`` entry — no Python:

    - file: unknown-key.yaml      # relative to fixtures/invalid/
      code: filing_schema_error   # the first error's code (errors are sorted by line, column)
      line: 12                    # the first error's line (null for a whole-file problem)
      pointer: /schools/0/teacher # the first error's JSON pointer
      note: a typo is an error with a suggestion, not a missing field
"""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from junheng.cli.main import junheng
from junheng.errors import InputErrors
from junheng.filing.read import read_filing as load_and_validate
from shared import FIXTURE_FILINGS, INVALID, explain

CASES_FILE = INVALID / "cases.yaml"


def _cases() -> list[dict]:
    if not CASES_FILE.exists():
        return []
    loaded = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8")) or []
    return loaded["cases"] if isinstance(loaded, dict) else loaded


CASES = _cases()
_NO_FILINGS = pytest.param(None, marks=pytest.mark.skip(reason="fixtures/filings/ has no filings yet"))
_NO_CASES = pytest.param(None, marks=pytest.mark.skip(reason="fixtures/invalid/cases.yaml is missing or empty"))


# Where an alias expansion crosses its bound depends on the order values are
# expanded, so that error's pointer may lie inside the value the case names.
_POINTER_WITHIN = frozenset({"filing_alias_limit"})


@pytest.mark.parametrize("path", FIXTURE_FILINGS or [_NO_FILINGS], ids=[p.name for p in FIXTURE_FILINGS] or ["none"])
def test_a_fixture_filing_is_valid(path):
    result = CliRunner().invoke(junheng, ["validate", str(path)])
    assert result.exit_code == 0, explain(result)


@pytest.mark.parametrize("case", CASES or [_NO_CASES], ids=[str(c.get("file")) for c in CASES] or ["none"])
def test_an_invalid_fixture_fails_first_where_cases_yaml_says(case):
    path = INVALID / case["file"]
    note = case.get("note", "")
    result = CliRunner().invoke(junheng, ["validate", str(path)])
    assert result.exit_code == 2, f"{case['file']} ({note})\n{explain(result)}"
    with pytest.raises(InputErrors) as caught:
        load_and_validate(path)
    first = caught.value.errors[0]
    expected = {key: case[key] for key in ("code", "line", "pointer") if key in case}
    actual = {key: getattr(first, key) for key in expected}
    if first.code in _POINTER_WITHIN and "pointer" in expected and actual["pointer"].startswith(f"{expected['pointer']}/"):
        actual["pointer"] = expected["pointer"]
    assert actual == expected, f"{case['file']} ({note}): {first.render()}"
