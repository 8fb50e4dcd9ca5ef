"""The vocabulary's words for the rules' numbers (``params:`` in ``rules/vocabulary.yaml``): every number a shipped rule
has is named there, in both languages, and a rules folder whose vocabulary names one badly is stopped at the line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from junheng.errors import InputErrors
from junheng.policy.packs import compile_rules
from shared import RULES


def test_every_number_of_a_shipped_rule_has_its_words_in_both_languages():
    policy = compile_rules([RULES], cache=False)
    used = {name for pack in policy.packs.values() for rule in pack.rules for name in rule.rule.params}
    words = policy.vocabulary["params"]
    assert used and used <= set(words), sorted(used - set(words))
    assert all(words[name]["zh"] and words[name]["en"] and words[name]["zh"] != name for name in used)


@pytest.mark.parametrize("entry, pointer", [("threshold: {zh: 标准值}", "/params/threshold"), ("threshold: 标准值", "/params/threshold")])
def test_a_number_named_without_both_languages_is_a_located_error(tmp_path: Path, entry: str, pointer: str):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder, ignore=shutil.ignore_patterns("tests"))
    vocabulary = folder / "vocabulary.yaml"
    text = vocabulary.read_text(encoding="utf-8")
    start = text.index("  threshold: {zh: 标准值, en: threshold}")
    vocabulary.write_text(text.replace("  threshold: {zh: 标准值, en: threshold}", "  " + entry), encoding="utf-8")
    with pytest.raises(InputErrors) as raised:
        compile_rules([folder], cache=False)
    [error] = [e for e in raised.value.errors if e.pointer == pointer]
    assert error.file.endswith("vocabulary.yaml") and error.line == text[:start].count("\n") + 1
    assert "params.threshold" in error.zh and "中文（zh）和英文（en）" in error.zh
