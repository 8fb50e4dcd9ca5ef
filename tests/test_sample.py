"""Site sampling (抽签选点, follow-up.md §2): the stratified draw anyone holding the filing and the seed can reproduce,
and the 核查表 it writes.

The worked example is the README's: an officer can check it by hand (``printf '%s\\n%s' 500999-2013 5009990004 |
sha256sum``), and this test keeps the README's figures true.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random

import openpyxl
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.followup.sample import FORM_COLUMNS, FORM_SHEET, STRATA, allocate, draw, school_hash, stratum_of
from shared import FIX, FIXTURES, explain, invoke, run

EXAMPLE = FIXTURES / "follow-up" / "shili-2013.yaml"  # the README's worked example: 7 schools, N = 4
# sha256("500999-2013\n" + id) of the example's schools, as `printf '%s\n%s' 500999-2013 <id> | sha256sum` prints them
EXAMPLE_HASHES = {
    "5009990001": "80c426e2730857f3ec36f956fa91f0217bd07b185393501eb3a5b57794254571",
    "5009990002": "8cc3fae8ee5267f41ee19071ce17f346c62765ca2f4c6b55e29cd2281b81c0de",
    "5009990003": "71a9e4058ec479c2435a5d90a6f5a2a88393b4d6835a7aefd53d872bafa4e5c0",
    "5009990004": "4835c78cea1d9aa7b62e56b4b6895bfc108fe1fd98715af9e834fd1d26c1b1f3",
    "5009990005": "89ce5dedee0a034c5713fa26f520040372e4dfdeb065f815b9dc668597345e8a",
    "5009990006": "faef7cccff0f63030bcdfc3ae108db1ebbbb621f785738ff57f63d8e4d8d82c4",
    "5009990101": "fdd2daa1bc8ce7ed469c07331c9d29cafaba1c8d023aa1931ce1ed14208a4aa5",
}


def _data(path=EXAMPLE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the README's worked example


def test_the_worked_example_draws_the_schools_the_readme_names():
    sample = draw(_data(), 4)
    assert sample.seed == "500999-2013"  # the default: district code, a hyphen, the year
    # 4 urban primary, 2 rural primary, 1 urban junior: S = 3, R = 4 − 3 = 1, shared by n_s − 1 = 3, 1, 0:
    # q = 3/4, 1/4, 0; floors 0, 0, 0; the one place left goes to the largest fraction, urban primary
    assert sample.strata == (("primary/urban", 4, 2), ("primary/rural", 2, 1), ("junior/urban", 1, 1))
    for school_id, digest in EXAMPLE_HASHES.items():
        assert school_hash("500999-2013", school_id) == digest
        assert hashlib.sha256(f"500999-2013\n{school_id}".encode()).hexdigest() == digest  # as printf | sha256sum computes it
    # urban primary by hash: 4835… (0004), 71a9… (0003), 80c4… (0001), 8cc3… (0002): the first two;
    # rural primary: 89ce… (0005) before faef… (0006); the one junior school
    assert [s.id for s in sample.schools] == ["5009990004", "5009990003", "5009990005", "5009990101"]
    assert [s.hash for s in sample.schools] == [EXAMPLE_HASHES[s.id] for s in sample.schools]


def test_the_worked_example_as_the_command_prints_it():
    result = invoke("sample", EXAMPLE, "--schools", "4", cwd=FIXTURES.parent)
    assert result.exit_code == 0, explain(result)
    out = result.stdout
    assert "种子：500999-2013" in out
    assert "小学·城区：4 所，抽取 2 所" in out and "小学·乡村：2 所，抽取 1 所" in out and "初中·城区：1 所，抽取 1 所" in out
    order = [out.index(f"  {i}. ") for i in range(1, 5)]
    assert order == sorted(order)
    for n, school_id in enumerate(["5009990004", "5009990003", "5009990005", "5009990101"], 1):
        assert f"  {n}. " in out and school_id in out.split(f"  {n}. ", 1)[1].splitlines()[0]


# ---------------------------------------------------------------- the allocation


@settings(max_examples=400, deadline=None)
@given(sizes=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=8), wanted=st.integers(min_value=1, max_value=200))
def test_the_allocation_sums_to_min_n_t_and_gives_every_stratum_one_place_when_n_is_at_least_s(sizes, wanted):
    places = allocate(sizes, wanted)
    assert len(places) == len(sizes)
    assert sum(places) == min(wanted, sum(sizes))
    assert all(0 <= k <= n for k, n in zip(places, sizes, strict=True))
    if wanted >= len(sizes):
        assert all(k >= 1 for k in places)
    else:  # one each to the `wanted` largest strata
        chosen = [i for i, k in enumerate(places) if k]
        assert len(chosen) == wanted and all(k == 1 for k in places if k)
        smallest_chosen = min(sizes[i] for i in chosen)
        assert all(sizes[i] <= smallest_chosen for i, k in enumerate(places) if not k)


def test_the_allocation_ties_go_to_the_earlier_stratum():
    assert allocate([3, 3, 3], 2) == [1, 1, 0]  # N < S: the largest, ties in stratum order
    assert allocate([3, 3], 3) == [2, 1]  # one place left, equal fractions: the first stratum
    assert allocate([5, 2, 1], 20) == [5, 2, 1]  # N ≥ T: every school
    # R = 6 − 3 = 3 over n_s − 1 = 9, 3, 0 (Σ 12): q = 2.25, 0.75, 0 → 1 + 2, 1 + 0, 1 + 0, then the 0.75 gets the last place
    assert allocate([10, 4, 1], 6) == [3, 2, 1]


# ---------------------------------------------------------------- the draw


def _school(i: int, level: str, location: str, teaching_point: bool = False) -> dict:
    return {"id": f"S{i:03d}", "level": level, "location": location, "teaching_point": teaching_point, "students": 100, "classes": 3}


_SCHOOLS = st.lists(st.tuples(st.sampled_from(["primary", "junior"]), st.sampled_from(["urban", "town", "rural"]), st.booleans()),
                    min_size=1, max_size=30)


@settings(max_examples=150, deadline=None)
@given(kinds=_SCHOOLS, wanted=st.integers(min_value=1, max_value=40), seed=st.text(max_size=12), shuffle=st.randoms())
def test_the_sample_is_the_same_whatever_the_order_of_the_schools_in_the_file(kinds, wanted, seed, shuffle):
    schools = [_school(i, *k) for i, k in enumerate(kinds)]
    data = {"district": {"code": "500101", "name": "万州区", "year": 2013}, "schools": schools}
    moved = copy.deepcopy(data)
    shuffle.shuffle(moved["schools"])
    first, second = draw(data, wanted, seed), draw(moved, wanted, seed)
    assert [s.to_json() for s in first.schools] == [s.to_json() for s in second.schools]
    assert len(first.schools) == min(wanted, len(schools))
    strata = [s.stratum for s in first.schools]
    assert strata == sorted(strata, key=STRATA.index)  # by stratum order …
    for stratum in set(strata):  # … then by hash
        hashes = [s.hash for s in first.schools if s.stratum == stratum]
        assert hashes == sorted(hashes)


def test_the_sample_changes_with_the_seed():
    data = _data(FIX / "yubei-2012.yaml")
    drawn = {tuple(s.id for s in draw(data, 5, seed).schools) for seed in ("2013-A", "2013-B", "2013-C", "2013-D")}
    assert len(drawn) > 1
    assert draw(data, 5, "2013-A").schools == draw(data, 5, "2013-A").schools


def test_a_teaching_point_is_its_own_stratum_whatever_its_location_and_a_nine_year_school_is_two_schools():
    assert stratum_of({"level": "primary", "location": "rural", "teaching_point": True}) == "primary/teaching_point"
    assert stratum_of({"level": "junior", "location": "town"}) == "junior/town"
    data = _data(FIX / "wanzhou-2011.yaml")  # 4 teaching points, a nine-year school filed as two records
    sample = draw(data, 200)
    assert len(sample.schools) == len(data["schools"])
    assert {"5001010123-P", "5001010123-J"} <= {s.id for s in sample.schools}
    assert any(s.stratum == "primary/teaching_point" for s in sample.schools)


def test_a_repeated_id_hashes_alike_and_keeps_the_order_of_the_file():
    schools = [_school(1, "primary", "urban"), _school(2, "primary", "urban"), _school(1, "primary", "urban")]
    schools[2]["students"] = 999  # the second record with id S001
    sample = draw({"district": {"code": "500101", "name": "万州区", "year": 2013}, "schools": schools}, 3, "x")
    repeated = [s.index for s in sample.schools if s.id == "S001"]
    assert repeated == [0, 2]


# ---------------------------------------------------------------- the command


def test_json_has_the_contract_keys_and_the_same_bytes_every_time():
    code, out, err = run("sample", FIX / "yubei-2012.yaml", "--format", "json", "--schools", "6", "--seed", "复查-2013")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"schema_version", "district", "seed", "schools"}
    assert doc["seed"] == "复查-2013" and doc["district"] == {"code": "500112", "name": "渝北区", "year": 2012}
    assert len(doc["schools"]) == 6
    assert all(set(s) == {"id", "name", "level", "location", "teaching_point", "stratum", "hash"} for s in doc["schools"])
    assert out == run("sample", FIX / "yubei-2012.yaml", "--format", "json", "--schools", "6", "--seed", "复查-2013")[1]
    assert out.endswith("}\n") and "\\u" not in out


def test_the_text_prints_the_default_seed():
    code, out, _ = run("sample", FIX / "yubei-2012.yaml")
    assert code == 0 and "种子：500112-2012" in out
    code, out, _ = run("sample", FIX / "yubei-2012.yaml", "--lang", "en")
    assert code == 0 and "seed: 500112-2012" in out


def test_the_verification_form_is_one_row_per_chosen_school_and_numeric_field_as_an_officer_reads_it(tmp_path):
    form = tmp_path / "核查表.xlsx"
    result = invoke("sample", FIX / "beibei-2012.yaml", "--schools", "3", "--format", "xlsx", "--output", form)
    assert result.exit_code == 0, explain(result)
    assert "抽签种子：500109-2012" in result.stderr
    chosen = [s["id"] for s in json.loads(run("sample", FIX / "beibei-2012.yaml", "--schools", "3", "--format", "json")[1])["schools"]]
    book = openpyxl.load_workbook(form)
    assert book.sheetnames == [FORM_SHEET]
    rows = list(book[FORM_SHEET].iter_rows(values_only=True))
    assert rows[0] == FORM_COLUMNS == ("学校标识码", "学校名称", "指标", "字段", "申报数", "核查数", "备注")
    records = {s["id"]: s for s in _data(FIX / "beibei-2012.yaml")["schools"]}
    body = rows[1:]
    assert [r[0] for r in body] == [school for school in chosen for _ in range(sum(1 for r in body if r[0] == school))]
    for school_id in chosen:
        mine = [r for r in body if r[0] == school_id]
        numeric = [k for k, v in records[school_id].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        assert sorted(r[3] for r in mine) == sorted(numeric)  # every numeric field the record holds, once
        for _, name, label, field, filed, verified, note in mine:
            assert isinstance(school_id, str) and name == records[school_id]["name"]
            assert filed == records[school_id][field] and verified is None and note is None
            assert "（" in label  # the field's label and unit: 图书（册）
    assert ("5001090001", "北碚区朝阳小学", "图书（册）", "books", 37700, None, None) in body or "5001090001" not in chosen


def test_xlsx_needs_output_and_a_bad_filing_or_count_is_exit_2(tmp_path):
    code, _, err = run("sample", FIX / "beibei-2012.yaml", "--format", "xlsx")
    assert code == 2 and "--output" in err
    code, _, err = run("sample", FIXTURES / "invalid" / "quoted-count.yaml")
    assert code == 2 and "quoted-count.yaml:" in err and "Traceback" not in err
    code, _, err = run("sample", FIX / "beibei-2012.yaml", "--schools", "0")
    assert code == 2


@pytest.mark.parametrize("seed", ["", "种子", "a\nb"])
def test_any_seed_text_is_reproducible(seed):
    data = _data(FIX / "nanan-2011.yaml")
    assert draw(data, 7, seed) == draw(data, 7, seed)
    rng = random.Random(seed)
    moved = copy.deepcopy(data)
    rng.shuffle(moved["schools"])
    assert [s.id for s in draw(moved, 7, seed).schools] == [s.id for s in draw(data, 7, seed).schools]
