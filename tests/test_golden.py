"""Golden files: the full text and JSON report of every bundled filing, and its amounts checked by arithmetic.

Regenerate on purpose with ``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import math
import os
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from junheng.cli.main import junheng

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
FILINGS = sorted(p for p in (ROOT / "fixtures" / "filings").iterdir() if p.suffix in (".yaml", ".json"))
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _run(*args: str) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(ROOT)  # file names in reports are relative to where junheng runs
    try:
        result = CliRunner().invoke(junheng, list(args), catch_exceptions=False)
    finally:
        os.chdir(cwd)
    return result.exit_code, result.stdout


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; review and commit it")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from the golden file (UPDATE_GOLDEN=1 to regenerate)"


@pytest.mark.parametrize("filing", FILINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt,ext,lang", [("json", "json", "zh"), ("text", "txt", "zh"), ("text", "en.txt", "en")])
def test_fixture_report_matches_its_golden_file(filing, fmt, ext, lang):
    rel = filing.relative_to(ROOT).as_posix()
    code, out = _run("check", rel, "--format", fmt, "--lang", lang)
    assert code in (0, 1), out
    _compare(f"{filing.name}.{ext}", out)


def _amount_step(unit: str) -> Fraction:
    return {"万元": Fraction(1, 100), "m²": Fraction(1, 100), "个百分点": Fraction(1, 100)}.get(unit, Fraction(1))


def _up(value: Fraction, unit: str):
    step = _amount_step(unit)
    v = max(Fraction(0), math.ceil(value / step) * step)
    return float(v) if v.denominator != 1 else int(v)


def F(x) -> Fraction:
    return Fraction(repr(x)) if isinstance(x, float) else Fraction(x)


# The catalogue's shortfall formulas, recomputed from each finding's observed inputs.
LEVEL_T = {"STD-05": (25, 35), "STD-06": (6, 10), "STD-09": (18, 23), "STD-10": (6, 8),
           "QLT-04": ("4.5", "5.8"), "QLT-05": ("7.5", "10.2"), "QLT-06": (2000, 2500), "QLT-07": ("2.3", "2.4")}


def _expected(f: dict, level: str | None):
    o = {k: (F(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in f["observed"].items()}
    rule = f["rule"]
    t = None
    if rule in LEVEL_T:
        t = Fraction(LEVEL_T[rule][0 if level == "primary" else 1])
    if rule == "FIN-01":
        return o["education_appropriation.previous"] * o["regular_revenue.current"] / o["regular_revenue.previous"] - o["education_appropriation.current"]
    if rule == "FIN-06":
        return Fraction(4, 100) * o["gdp"] - o["fiscal_education_funds"]
    if rule == "FIN-12":
        return Fraction(1, 10) * o["land_transfer.income"] - o["land_transfer.to_education"]
    if rule == "SOC-01":
        return math.ceil(Fraction(85, 100) * o["respondents"]) - o["satisfied"]
    if rule == "STAFF-05":
        return math.ceil(Fraction(1, 2) * o["new_teachers.total"]) - o["new_teachers.rural_weak"]
    if rule in ("STD-01", "STD-02", "STD-03"):
        s = 45 if level == "primary" else 50
        return math.ceil(o["students"] / s) - o["classes"]
    if rule == "STD-05":
        return math.ceil(t * o["students"]) - o["books"]
    if rule == "STD-06":
        return math.ceil(t * o["students"] / 100) - o["computers"]
    if rule == "STD-07":
        return o["classes"] - o["multimedia_classrooms"]
    if rule == "STD-09":
        return t * o["students"] - o["land_area"]
    if rule == "STD-10":
        return t * o["students"] - o["building_area"]
    if rule == "QLT-05":
        return t * o["students"] - o["sports_area"]
    if rule == "QLT-06":
        return t * o["students"] - o["equipment_value"]
    if rule == "QLT-07":
        return math.ceil(t * o["students"] / 100) - o["multimedia_classrooms"]
    if rule == "STD-12":
        return o["students_total"] - (2500 if "nine" in str(level) else 2000)
    return None


@pytest.mark.parametrize("filing", FILINGS, ids=lambda p: p.name)
def test_fixture_shortfalls_equal_the_catalogue_formulas(filing):
    import yaml

    data = yaml.safe_load(filing.read_text(encoding="utf-8-sig"))
    levels = {s["id"]: s["level"] for s in data["schools"]}
    campus_levels: dict = {}
    for s in data["schools"]:
        if s.get("campus"):
            campus_levels.setdefault(s["campus"], set()).add(s["level"])
    code, out = _run("check", filing.relative_to(ROOT).as_posix(), "--format", "json")
    checked = 0
    for f in json.loads(out)["findings"]:
        if "shortfall" not in f:
            continue
        level = levels.get(f["subject"].split("#")[0])
        if f["rule"] == "STD-12" and f["subject"] in campus_levels:
            level = "nine_year" if len(campus_levels[f["subject"]]) > 1 else next(iter(campus_levels[f["subject"]]))
        want = _expected(f, level)
        if want is None:
            continue
        assert f["shortfall"]["value"] == _up(Fraction(want), f["shortfall"]["unit"]), f
        checked += 1
    assert checked or not any("shortfall" in f for f in json.loads(out)["findings"])
