"""The rules cache: the same rule files give the same policy from the cache.

Any change, a damaged file or the switch-off reads them again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from junheng.errors import InputErrors
from junheng.policy import cache
from junheng.policy.packs import compile_rules
from shared import FIX, RULES, run


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped rules and an empty cache folder of its own."""
    monkeypatch.setenv("JUNHENG_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("JUNHENG_NO_CACHE", raising=False)
    shutil.copytree(RULES, tmp_path / "rules")
    return tmp_path / "rules"


def _entries(rules: Path) -> list[Path]:
    return sorted((rules.parent / "cache").glob("rules-*.pickle"))


def _essence(policy) -> dict:
    return {name: [(r.id, r.rule.model_dump_json(), [str(q) for q in r.requirement]) for r in pack.rules]
            for name, pack in policy.packs.items()}


def test_a_second_compile_of_the_same_files_comes_from_the_cache_and_is_the_same_policy(rules, monkeypatch):
    first = compile_rules(rules)
    assert len(_entries(rules)) == 1
    calls = []
    monkeypatch.setattr(cache, "load_rules", lambda roots: calls.append(roots))  # a cache hit never reads the YAML
    second = compile_rules(rules)
    assert calls == [] and _essence(second) == _essence(first)
    loc = [d for _, d in second.loaded.files][0]
    assert loc.location("/rules/0/id")[0] is not None  # the documents keep every value's place


def test_changing_one_rule_file_gives_another_entry_and_the_new_figure(rules):
    compile_rules(rules)
    funding = rules / "funding.yaml"
    funding.write_text(funding.read_text(encoding="utf-8").replace("params: {threshold: 0.20}", "params: {threshold: 0.25}"),
                       encoding="utf-8")
    policy = compile_rules(rules)
    assert len(_entries(rules)) == 2
    fin07 = next(r for r in policy.packs["basic"].rules if r.id == "FIN-07")
    assert float(fin07.params[None]["threshold"]) == 0.25


def test_a_damaged_cache_file_is_ignored_and_written_again(rules):
    expected = _essence(compile_rules(rules))
    (entry,) = _entries(rules)
    entry.write_bytes(b"not a pickle")
    assert _essence(compile_rules(rules)) == expected
    assert entry.read_bytes() != b"not a pickle"


def test_a_broken_rules_folder_is_reported_every_time_and_never_cached(rules):
    (rules / "funding.yaml").write_text("- id: [broken\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputErrors):
            compile_rules(rules)
    assert _entries(rules) == []


def test_the_cache_is_off_with_junheng_no_cache_and_with_check_no_cache(rules, monkeypatch):
    monkeypatch.setenv("JUNHENG_NO_CACHE", "1")
    compile_rules(rules)
    assert _entries(rules) == []
    monkeypatch.delenv("JUNHENG_NO_CACHE")
    code, out, err = run("check", FIX / "yongchuan-2012.yaml", "--rules", rules, "--no-cache")
    assert code == 0, out + err
    assert _entries(rules) == []
    code, out, err = run("check", FIX / "yongchuan-2012.yaml", "--rules", rules)
    assert code == 0 and len(_entries(rules)) == 1, out + err


def test_an_unwritable_cache_folder_costs_nothing_but_time(rules, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("JUNHENG_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be created
    assert compile_rules(rules).packs
    assert os.path.isfile(blocker)
