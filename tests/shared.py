"""What the test modules share by name: the project's paths, the base filing, the shipped rules compiled
once, the command line run in this process, and the comparison with a golden file.

Import it as ``from shared import ROOT, run``: pytest puts ``tests/`` on ``sys.path`` (the folder has no
``__init__.py``), which is also how ``filing_strategies`` is imported. The fixtures built on it are in
``conftest.py``.
"""

from __future__ import annotations

import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from junheng.cli.main import junheng
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
FIXTURES = ROOT / "fixtures"
FIX = FIXTURES / "filings"
INVALID = FIXTURES / "invalid"
# Every bundled filing that is one file (YAML or JSON), sorted.
FIXTURE_FILINGS = sorted(p for p in FIX.iterdir() if p.suffix in (".yaml", ".yml", ".json"))
# The clean filing the rule tests start from (clean under every shipped pack).
BASE_FILING = RULES / "tests" / "base.yaml"
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_GOLDEN = os.environ.get("UPDATE_GOLDEN") == "1"
# The installed console script, for the tests that run the real process.
EXE = Path(sys.executable).with_name("junheng")
# The OASIS SARIF 2.1.0 schema; test_formats.py says where the copy comes from.
SARIF_SCHEMA = json.loads((Path(__file__).resolve().parent / "data" / "sarif-2.1.0.schema.json").read_text(encoding="utf-8"))


def full(value: Any) -> bool:
    """Whether ``value`` holds no None and no empty dict anywhere (``LoadedDocument.plain_is_full``)."""
    if isinstance(value, dict):
        return bool(value) and all(full(member) for member in value.values())
    if isinstance(value, list):
        return all(full(member) for member in value)
    return value is not None


def base_filing() -> dict[str, Any]:
    """A fresh copy of the base filing as plain data, for a test to change."""
    data: dict[str, Any] = yaml.safe_load(BASE_FILING.read_text(encoding="utf-8"))
    return data


@functools.cache
def shipped_policy() -> Policy:
    """The shipped rules, compiled once per test session: the ``policy`` fixture, and the hypothesis tests directly
    (as a fixture argument hypothesis would print the whole policy with every failing example)."""
    return compile_rules(RULES)


def invoke(*args: object, input: bytes | str | None = None, cwd: Path | None = None, env: dict[str, str | None] | None = None) -> Result:
    """Run ``junheng ARGS…`` in this process with click's runner, from ``cwd`` when given; exceptions propagate."""
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)  # file names in messages and reports are relative to where junheng runs
    try:
        return CliRunner(env=env).invoke(junheng, [str(a) for a in args], input=input, catch_exceptions=False)
    finally:
        os.chdir(old)


def run(*args: object, input: bytes | str | None = None, cwd: Path | None = None) -> tuple[int, str, str]:
    """``invoke`` as (exit code, stdout, stderr)."""
    result = invoke(*args, input=input, cwd=cwd)
    return result.exit_code, result.stdout, result.stderr


def explain(result: Result, limit: int | None = None) -> str:
    """A failed command's exit code and both streams (each cut to ``limit`` characters), as an assertion message."""
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout[:limit]}\n--- stderr\n{result.stderr[:limit]}"


def compare_golden(folder: Path, name: str, text: str) -> None:
    """Assert that ``text`` is the golden file ``folder/name``; write it instead under ``UPDATE_GOLDEN=1``,
    or when it is missing (and fail, so that a new golden file is reviewed before it is trusted)."""
    path = folder / name
    if UPDATE_GOLDEN or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {name} was missing and has been written; review and commit it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file (UPDATE_GOLDEN=1 to regenerate)"
