"""The fast validator of a filing (``filing/fast.py``) against the models it was written from (``filing/model.py``).

It must say yes to exactly the filings the models accept, and give exactly the data the check used to take from
them (``model_dump(mode="python", exclude_none=True)``, types included); a filing it does not accept is worded by
the models, so its messages are theirs. Its schema file is what ``fastgen.py`` writes from the models today.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from filing_strategies import filings
from junheng.errors import InputErrors
from junheng.filing import fastgen
from junheng.filing.fast import validated
from junheng.filing.model import Filing
from junheng.filing.read import read_filing, read_filing_data
from junheng.located.read import load_document
from shared import base_filing, full

ROOT = Path(__file__).resolve().parents[1]


def _typed(value: Any) -> Any:
    """``value`` with the type of every scalar kept: 1 and 1.0, True and 1 compare unequal here."""
    if isinstance(value, dict):
        return {key: _typed(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_typed(member) for member in value]
    return type(value).__name__, repr(value)


def _models(plain: Any) -> dict[str, Any] | None:
    try:
        return Filing.model_validate(plain).model_dump(mode="python", exclude_none=True)
    except Exception:  # noqa: BLE001 - any refusal of the models is "not valid" here
        return None


def _same(plain: Any) -> None:
    fast, models = validated(plain), _models(plain)
    assert (fast is None) == (models is None), f"fast {'refuses' if fast is None else 'accepts'}, the models do not"
    if fast is not None:
        assert _typed(fast) == _typed(models)
    if fast is not None and full(plain):  # nothing to leave out: the validator's own output is the data
        assert _typed(validated(plain, full=True)) == _typed(models)


def test_the_schema_file_is_what_the_models_give_today():
    written = fastgen.TARGET.read_text(encoding="utf-8")
    assert written == fastgen.schema_source(), "run `python -m junheng.filing.fastgen` after changing filing/model.py"


def _documents() -> list[Path]:
    found = [p for pattern in ("fixtures/**/*.yaml", "fixtures/**/*.json", "tests/data/**/*.yaml", "tests/data/**/*.json")
             for p in ROOT.glob(pattern)]
    return sorted(p for p in found if p.is_file())


@pytest.mark.parametrize("path", _documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_document_gets_the_same_answer(path):
    try:
        doc = load_document(path)
    except InputErrors:
        return  # not a document: the loader's refusal is the same for both validators
    _same(doc.plain())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(filings())
def test_generated_filings_get_the_same_answer(data):
    _same(data)


# What a filer gets wrong, each applied at a random place of a valid filing: the two must still agree.
_WRONG: list[Any] = [None, {}, [], "", "12", "95%", "150%", True, False, -1, 0, 1, 1.5, 1.0, float("nan"), float("inf"), 10**16,
                     "x" * 40, {"unknown": 1}, [{}]]


def _places(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a member of ``node`` (keys and list indices)."""
    found = [path] if path else []
    if isinstance(node, dict):
        for key, member in node.items():
            found += _places(member, (*path, key))
    elif isinstance(node, list):
        for i, member in enumerate(node):
            found += _places(member, (*path, i))
    return found


def _mutated(base: dict, rng: random.Random) -> dict:
    data = copy.deepcopy(base)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_places(data))
        parent = data
        for token in path[:-1]:
            parent = parent[token]
        if isinstance(parent, dict) and rng.random() < 0.25:
            del parent[path[-1]]
        elif isinstance(parent, dict) and rng.random() < 0.1:
            parent["extra_" + str(path[-1])] = 1
        else:
            parent[path[-1]] = copy.deepcopy(rng.choice(_WRONG))
        if not _places(data):
            break
    return data


@pytest.mark.parametrize("seed", range(40))
def test_filings_broken_at_random_get_the_same_answer(seed):
    rng = random.Random(seed)
    base = base_filing()
    for _ in range(25):
        _same(_mutated(base, rng))


def test_a_refused_filing_is_worded_by_the_models(tmp_path):
    data = base_filing()
    data["schools"][0]["students"] = "many"
    del data["district"]["name"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputErrors) as fast:
        read_filing_data(path)
    with pytest.raises(InputErrors) as models:
        read_filing(path)
    assert [e.render("zh") for e in fast.value.errors] == [e.render("zh") for e in models.value.errors]
    assert {e.pointer for e in fast.value.errors} == {"/schools/0/students", "/district"}


def test_validate_and_the_check_path_start_without_pydantic(tmp_path):
    """``junheng validate`` of a valid filing imports neither pydantic nor the models, and the check does not
    import the models either (the rules' names of fields come from the fast schema)."""
    path = tmp_path / "good.json"
    path.write_text(json.dumps(base_filing(), ensure_ascii=False), encoding="utf-8")
    probe = ("import sys\n"
             "from junheng.check.sources import expand, load_source\n"
             f"doc, data = load_source(expand([{str(path)!r}], None, 'auto')[0])\n"
             "assert data['district']['code']\n"
             "print(sorted(m for m in sys.modules if m == 'pydantic' or m.startswith('junheng.filing.model')))\n"
             "from junheng.policy.packs import compile_rules\n"
             "from junheng.check.run import check_source, Options\n"
             f"check_source({str(path)!r}, compile_rules(), Options(details=frozenset()))\n"
             "print('junheng.filing.model' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.splitlines() == ["[]", "False"], out.stderr


def test_the_data_of_a_valid_filing_is_the_models_dump(tmp_path):
    path = ROOT / "fixtures" / "filings" / "nanan-2011.yaml"
    doc, data = read_filing_data(path)
    _, model = read_filing(path)
    assert _typed(data) == _typed(model.model_dump(mode="python", exclude_none=True))
    assert data["district"]["standard"] == model.district.standard


@given(st.sampled_from(["weak", "teaching_point"]))
def test_null_on_a_boolean_with_a_default_reads_as_the_default(field):
    data = base_filing()
    data["schools"][0][field] = None
    assert validated(data)["schools"][0][field] is False
    _same(data)


def test_the_paths_a_rule_may_name_are_the_models_fields():
    from pydantic import BaseModel  # the models' own walk, as policy/resolve.py did it before reading the fast schema

    from junheng.filing.fast import field_paths
    from junheng.filing.model import School
    from junheng.policy.load import inner_model

    def walk(model: type[BaseModel], prefix: str, out: set[str]) -> set[str]:
        for name, info in model.model_fields.items():
            inner = inner_model(info.annotation)
            if inner is None:
                out.add(prefix + name)
            else:
                walk(inner, f"{prefix}{name}.", out)
        return out

    root, school = field_paths()
    assert root == walk(Filing, "", set()) and school == walk(School, "", set())
    assert "finance.capital_budget.total" in root and "students" in school and "schools.students" in root
