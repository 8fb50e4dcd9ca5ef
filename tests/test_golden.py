"""Golden files: the full text and JSON report of every bundled filing, and its amounts checked by arithmetic.

Regenerate on purpose with ``UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest

from shared import FIXTURE_FILINGS, GOLDEN, ROOT, compare_golden, run


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt,ext,lang", [("json", "json", "zh"), ("text", "txt", "zh"), ("text", "en.txt", "en")])
def test_fixture_report_matches_its_golden_file(filing, fmt, ext, lang):
    rel = filing.relative_to(ROOT).as_posix()
    code, out, _ = run("check", rel, "--format", fmt, "--lang", lang, cwd=ROOT)
    assert code in (0, 1), out
    compare_golden(GOLDEN, f"{filing.name}.{ext}", out)


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


def _classes_short(o: dict, level: str | None):
    return math.ceil(o["students"] / (45 if level == "primary" else 50)) - o["classes"]


# rule → its shortfall from the observed inputs `o`, the level's threshold `t` (LEVEL_T) and the subject's level
SHORTFALLS = {
    "FIN-01": lambda o, t, level: (o["education_appropriation.previous"] * o["regular_revenue.current"] / o["regular_revenue.previous"]
                                   - o["education_appropriation.current"]),
    "FIN-06": lambda o, t, level: Fraction(4, 100) * o["gdp"] - o["fiscal_education_funds"],
    "FIN-12": lambda o, t, level: Fraction(1, 10) * o["land_transfer.income"] - o["land_transfer.to_education"],
    "SOC-01": lambda o, t, level: math.ceil(Fraction(85, 100) * o["respondents"]) - o["satisfied"],
    "STAFF-05": lambda o, t, level: math.ceil(Fraction(1, 2) * o["new_teachers.total"]) - o["new_teachers.rural_weak"],
    "STD-01": lambda o, t, level: _classes_short(o, level),
    "STD-02": lambda o, t, level: _classes_short(o, level),
    "STD-03": lambda o, t, level: _classes_short(o, level),
    "STD-05": lambda o, t, level: math.ceil(t * o["students"]) - o["books"],
    "STD-06": lambda o, t, level: math.ceil(t * o["students"] / 100) - o["computers"],
    "STD-07": lambda o, t, level: o["classes"] - o["multimedia_classrooms"],
    "STD-09": lambda o, t, level: t * o["students"] - o["land_area"],
    "STD-10": lambda o, t, level: t * o["students"] - o["building_area"],
    "QLT-05": lambda o, t, level: t * o["students"] - o["sports_area"],
    "QLT-06": lambda o, t, level: t * o["students"] - o["equipment_value"],
    "QLT-07": lambda o, t, level: math.ceil(t * o["students"] / 100) - o["multimedia_classrooms"],
    "STD-12": lambda o, t, level: o["students_total"] - (2500 if "nine" in str(level) else 2000),
}


def _expected(f: dict, level: str | None):
    o = {k: (F(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in f["observed"].items()}
    rule = f["rule"]
    formula = SHORTFALLS.get(rule)
    if formula is None:
        return None
    t = Fraction(LEVEL_T[rule][0 if level == "primary" else 1]) if rule in LEVEL_T else None
    return formula(o, t, level)


@pytest.mark.parametrize("filing", FIXTURE_FILINGS, ids=lambda p: p.name)
def test_fixture_shortfalls_equal_the_catalogue_formulas(filing):
    import yaml

    data = yaml.safe_load(filing.read_text(encoding="utf-8-sig"))
    levels = {s["id"]: s["level"] for s in data["schools"]}
    campus_levels: dict = {}
    for s in data["schools"]:
        if s.get("campus"):
            campus_levels.setdefault(s["campus"], set()).add(s["level"])
    code, out, _ = run("check", filing.relative_to(ROOT).as_posix(), "--format", "json", cwd=ROOT)
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
