"""The rules cache: the same rule files give the same policy from the cache.

Any change, a damaged file or the switch-off reads them again.
"""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from junheng.errors import InputErrors
from junheng.policy.frozen import Record, freeze, frozen_rules
from junheng.policy.load import load_rules
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
    # repr: a model and its record (policy/frozen.py) write the same, field by field
    return {name: [(r.id, repr(r.rule), [str(q) for q in r.requirement]) for r in pack.rules]
            for name, pack in policy.packs.items()}


def test_a_second_compile_of_the_same_files_comes_from_the_cache_and_is_the_same_policy(rules, monkeypatch):
    first = compile_rules(rules)
    assert len(_entries(rules)) == 1
    calls = []
    monkeypatch.setattr("junheng.policy.load.load_rules", lambda roots: calls.append(roots))  # a cache hit never reads the YAML
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


def test_the_records_a_check_reads_say_what_the_models_say():
    loaded = load_rules(RULES)
    records = frozen_rules(loaded)
    pairs = [*zip((f for f, _ in loaded.files), (f for f, _ in records.files), strict=True),
             *((loaded.packs[n][0], records.packs[n][0]) for n in loaded.packs),
             *((loaded.shared[n].param, records.shared[n].param) for n in loaded.shared)]
    assert len(pairs) >= 8 and sum(len(f.rules) for f, _ in records.files) > 50
    for model, record in pairs:
        assert isinstance(record, Record) and type(record).__name__ == type(model).__name__
        assert repr(record) == repr(model) and record.model_fields_set == model.model_fields_set
    rule = loaded.files[0][0].rules[0]
    changed, copied = rule.model_copy(update={"severity": "info"}), freeze(rule).model_copy(update={"severity": "info"})
    assert repr(copied) == repr(changed) and copied.model_fields_set == changed.model_fields_set
    assert copied != freeze(rule) and freeze(rule) == freeze(rule) and hash(freeze(rule.title)) == hash(rule.title)
    with pytest.raises(AttributeError):
        copied.severity = "major"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(records)).files[0][0] == records.files[0][0]


def test_compiling_from_records_gives_the_policy_the_models_give(rules):
    models, records = compile_rules(rules, cache=False), compile_rules(rules, frozen=True)
    assert _essence(records) == _essence(models)
    assert _essence(compile_rules(rules, frozen=True)) == _essence(models)  # from the cache
    assert {p.name for p in _entries(rules)} and all(isinstance(p.rule, Record) for p in records.packs["basic"].rules)


def test_a_check_whose_rules_come_from_the_cache_imports_no_pydantic(rules, tmp_path):
    probe = ("import sys\nfrom junheng.cli.main import main\n"
             "for _ in range(2):\n"
             "    try: main(['check', sys.argv[1], '--rules', sys.argv[2], '--format', 'json'])\n"
             "    except SystemExit as e: print('exit', e.code)\n"
             "    print('pydantic' in sys.modules, 'junheng.policy.model' in sys.modules)\n")
    def said(run: subprocess.CompletedProcess[str]) -> list[str]:  # the probe's lines, not the reports
        return [line for line in run.stdout.splitlines() if line.startswith(("exit", "True", "False"))]

    first = subprocess.run([sys.executable, "-c", probe, str(FIX / "yongchuan-2012.yaml"), str(rules)], capture_output=True,
                           text=True, env={**os.environ, "JUNHENG_CACHE_DIR": str(tmp_path / "cache")}, timeout=120)
    assert said(first) == ["exit 0", "True True", "exit 0", "True True"], first.stdout[-500:] + first.stderr
    second = subprocess.run([sys.executable, "-c", probe, str(FIX / "yongchuan-2012.yaml"), str(rules)], capture_output=True,
                            text=True, env={**os.environ, "JUNHENG_CACHE_DIR": str(tmp_path / "cache")}, timeout=120)
    assert said(second) == ["exit 0", "False False", "exit 0", "False False"], second.stdout[-500:] + second.stderr


def test_once_the_folder_compiled_clean_a_check_compiles_only_the_packs_it_uses(rules):
    whole = compile_rules(rules, frozen=True)  # the first run compiles every pack, and marks the entry clean
    assert isinstance(whole.packs, dict) and [p.name for p in (rules.parent / "cache").glob("rules-*.clean")]
    lazy = compile_rules(rules, frozen=True)
    assert lazy.packs.compiled == () and sorted(lazy.packs) == sorted(whole.packs) and "quality" in lazy.packs
    basic = lazy.packs["basic"]
    assert lazy.packs.compiled == ("basic",)  # quality, after basic in name order, is not compiled
    assert [(r.key, repr(r.rule)) for r in basic.rules] == [(r.key, repr(r.rule)) for r in whole.packs["basic"].rules]
    assert lazy.packs.get("quality") is not None and lazy.packs.compiled == ("basic", "quality")
    assert _essence(lazy) == _essence(whole) and lazy.packs.get("nonesuch") is None
    fresh = compile_rules(rules, frozen=True)
    assert [r.key for r in fresh.packs["quality"].rules] == [r.key for r in whole.packs["quality"].rules]  # keys as a full compile gives
    assert fresh.packs.compiled == ("basic", "quality")


def test_a_folder_with_a_mistake_in_a_pack_no_filing_uses_is_compiled_whole_and_stops_every_run(rules):
    compile_rules(rules, frozen=True)
    quality = rules / "quality.yaml"
    text = quality.read_text(encoding="utf-8")
    quality.write_text(text.replace("teachers_above_degree / students", "teachers_above_degre / students", 1), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(InputErrors) as raised:
            compile_rules(rules, frozen=True)
        assert any("teachers_above_degre" in e.en and e.file.endswith("quality.yaml") for e in raised.value.errors)
    assert len(list((rules.parent / "cache").glob("rules-*.clean"))) == 1  # the mark of the files before the change only
    code, out, err = run("check", FIX / "yongchuan-2012.yaml", "--rules", rules)
    assert code == 2 and "quality.yaml" in err, out + err


def test_every_rule_model_has_its_record():
    from junheng.policy import model

    models = {name for name, cls in vars(model).items()
              if isinstance(cls, type) and issubclass(cls, model._Strict) and cls is not model._Strict}
    assert models and models <= {cls.__name__ for cls in Record.__subclasses__()}, models
