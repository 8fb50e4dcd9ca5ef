"""Synthetic filings for benchmarks and load tests: N districts of M school records, seeded.

Every filing is valid and plausible (Chongqing magnitudes, both levels, urban,
town and rural schools, a few weak schools and teaching points) and clean by
construction, with margins above every shipped standard; then each check is
broken with probability ``violation_share`` by moving one figure across its
standard, so that about that share of the checks fails. The same seed gives
the same bytes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import yaml

# A school level's per-student standards (with a margin) and class sizes; "class" is a keyword, hence this form.
_Level = TypedDict("_Level", {
    "class": int, "max": int, "books": int, "computers": float, "land": int, "building": int, "aux": float, "sports": float,
    "equipment": int, "multimedia": float, "teacher_ratio": int, "quota_ratio": float,
})

LEVEL: dict[str, _Level] = {
    # per-student standards with a margin, and class sizes
    "primary": {"class": 40, "max": 44, "books": 30, "computers": 0.09, "land": 22, "building": 8, "aux": 5.2, "sports": 8.5,
                "equipment": 2400, "multimedia": 0.03, "teacher_ratio": 17, "quota_ratio": 18},
    "junior": {"class": 45, "max": 49, "books": 42, "computers": 0.13, "land": 27, "building": 10, "aux": 6.5, "sports": 11.5,
               "equipment": 2900, "multimedia": 0.03, "teacher_ratio": 12, "quota_ratio": 12.5},
}

# (field, how to break it) for school checks: a figure moved across its standard
_SCHOOL_BREAKS: tuple[tuple[str, float | None], ...] = (
    ("books", 0.7), ("computers", 0.5), ("land_area", 0.6), ("building_area", 0.6), ("multimedia_classrooms", 0.5),
    ("max_class_size", None), ("staff", 0.9),
)


@dataclass(frozen=True)
class Spec:
    districts: int = 38
    schools: int = 75
    violation_share: float = 0.01
    seed: int = 2026
    year: int = 2016
    standard: str = "basic"


def _school(rng: random.Random, k: int, i: int, level: str, spec: Spec) -> dict[str, Any]:
    L = LEVEL[level]
    location = rng.choices(["urban", "town", "rural"], weights=[4, 3, 3])[0]
    teaching_point = location == "rural" and level == "primary" and rng.random() < 0.05
    students = rng.randint(30, 48) if teaching_point else rng.randint(300, 30 * L["class"])
    classes = max(1, -(-students // L["class"]))
    teachers = max(2, round(students / L["teacher_ratio"]))
    quota = max(2, int(-(-students // L["quota_ratio"])) + rng.randint(0, 3))
    s: dict[str, Any] = {
        "id": f"{100000 + k}{i:04d}",
        "name": f"第{k}区县第{i}{'小学' if level == 'primary' else '中学'}",
        "level": level,
        "location": location,
        "weak": rng.random() < 0.05,
        "teaching_point": teaching_point,
        "students": students,
        "classes": classes,
        "max_class_size": min(L["max"], -(-students // classes) + rng.randint(0, 3)),
        "land_area": round(students * L["land"] * rng.uniform(1.0, 1.3), 1),
        "building_area": round(students * L["building"] * rng.uniform(1.0, 1.3), 1),
        "sports_area": round(students * L["sports"] * rng.uniform(1.0, 1.3), 1),
        "equipment_value": round(students * L["equipment"] * rng.uniform(1.0, 1.3)),
        "books": round(students * L["books"] * rng.uniform(1.0, 1.3)),
        "computers": max(1, round(students * L["computers"] * rng.uniform(1.0, 1.3))),
        "multimedia_classrooms": max(classes, round(students * L["multimedia"] * rng.uniform(1.0, 1.3))),
        "music_rooms": 1 if classes < 12 else rng.randint(1, 3),
        "art_rooms": 1 if classes < 12 else rng.randint(1, 3),
        "staff_quota": quota,
        "staff": quota,
        "teachers": teachers,
        "teachers_above_degree": round(teachers * rng.uniform(0.8, 0.95)),
        "teachers_mid_title": round(teachers * rng.uniform(0.4, 0.6)),
        "backbone_teachers": max(1, round(teachers * rng.uniform(0.15, 0.25))),
        "pe_art_teachers": max(1, round(teachers * rng.uniform(0.12, 0.18))),
    }
    s["teaching_aux_area"] = round(min(s["building_area"] * 0.9, students * L["aux"] * rng.uniform(1.0, 1.2)), 1)
    for field, factor in _SCHOOL_BREAKS:
        if rng.random() < spec.violation_share:
            if factor is None:  # max_class_size: a class over the maximum, with the classes that gives
                s[field] = L["max"] + rng.randint(3, 20)
                s["classes"] = max(1, -(-students // s[field]))
            else:
                s[field] = round(s[field] * factor) if isinstance(s[field], int) else round(s[field] * factor, 1)
    return s


def _finance(rng: random.Random, spec: Spec) -> dict[str, Any]:
    def pair(cur: float, growth: float) -> dict[str, int]:
        return {"current": round(cur), "previous": round(cur / growth)}

    def maybe(ok: float, bad: float) -> float:
        return bad if rng.random() < spec.violation_share else ok

    revenue_growth = rng.uniform(1.05, 1.15)
    gdp = rng.randint(2_000_000, 20_000_000)
    vat, consumption, business = gdp * 0.05, gdp * 0.01, gdp * 0.02
    base = vat + consumption + (business if spec.year < 2017 else 0)
    income = rng.randint(50_000, 500_000)
    new_total = rng.randint(10_000, 80_000)
    capital = rng.randint(50_000, 300_000)
    return {
        "gdp": gdp,
        "regular_revenue": pair(gdp * 0.12, revenue_growth),
        "general_expenditure": pair(gdp * 0.2, maybe(1.08, 1.02)),
        "education_appropriation": pair(gdp * 0.045, maybe(revenue_growth + 0.04, revenue_growth - 0.02)),
        "fiscal_education_funds": round(gdp * maybe(0.047, 0.035)),
        "per_student_expenditure": {"primary": pair(9000, maybe(1.06, 0.98)), "junior": pair(11000, maybe(1.06, 0.98))},
        "per_student_public_funds": {"primary": pair(800, maybe(1.05, 0.99)), "junior": pair(1000, maybe(1.05, 0.99))},
        "teacher_salary": pair(72000, maybe(1.05, 0.99)),
        "civil_servant_salary": maybe(70000, 76000),
        "capital_budget": {"total": capital, "education": round(capital * maybe(0.22, 0.15))},
        "taxes": {"vat": round(vat), "consumption": round(consumption), "business": round(business)},
        "local_education_surcharge": {"collected": round(base * maybe(0.021, 0.015) + 1), "to_education": None},
        "education_surcharge": {"collected": round(base * maybe(0.031, 0.025) + 1), "to_education": None},
        "land_transfer": {"income": income, "to_education": round(income * maybe(0.11, 0.07))},
        "new_education_funds": {"total": new_total, "rural_weak": round(new_total * maybe(0.75, 0.6))},
    }


def filing(k: int, spec: Spec) -> dict[str, Any]:
    """District number k of a generated set (deterministic in spec.seed and k)."""
    rng = random.Random(f"{spec.seed}/{k}")
    levels = ["primary"] * (spec.schools * 2 // 3) + ["junior"] * (spec.schools - spec.schools * 2 // 3)
    schools = [_school(rng, k, i, level, spec) for i, level in enumerate(levels)]
    fin = _finance(rng, spec)
    for s in ("local_education_surcharge", "education_surcharge"):
        fin[s]["to_education"] = fin[s]["collected"] if rng.random() >= spec.violation_share else round(fin[s]["collected"] * 0.9)
    respondents = {"parents": 400, "teachers": 200, "deputies": 60}
    survey = {g: {"respondents": n, "satisfied": round(n * (0.8 if rng.random() < spec.violation_share else rng.uniform(0.9, 0.99)))}
              for g, n in respondents.items()}
    eligible = rng.randint(200, 900)
    exchanged = round(eligible * rng.uniform(0.12, 0.2))
    return {
        "schema_version": 1,
        # a Chongqing code (50…), as the shipped packs' jurisdiction: a generated filing gets no notice
        "district": {"code": f"50{k % 10_000:04d}", "name": f"第{k}区县", "year": spec.year, "standard": spec.standard},
        "finance": fin,
        "staffing": {
            "teacher_exchange": {"eligible": eligible, "exchanged": exchanged, "backbone_exchanged": round(exchanged * 0.25)},
            "new_teachers": {"total": 100, "rural_weak": 60 if rng.random() >= spec.violation_share else 40},
            "new_principals": {"total": 9, "rural_weak": 4},
        },
        "survey": survey,
        "equity": {
            "migrant_children": {"total": 5000, "in_public": 4600},
            "left_behind_children": {"total": 3000, "registered": 3000},
            "needy_students": {"total": 1500, "funded": 1500},
            "junior_retention_rate": 0.97,
            "disabled_enrollment_rate": 0.96,
        },
        "schools": schools,
    }


def write(spec: Spec, out: Path, fmt: str = "json") -> list[Path]:
    """Write the set as one file per district; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's, when PyYAML has it: the same text, faster
    for k in range(spec.districts):
        data = filing(k, spec)
        path = out / f"district-{100000 + k}.{fmt}"
        if fmt == "json":
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        else:
            path.write_text(yaml.dump(data, allow_unicode=True, sort_keys=False, Dumper=dumper), encoding="utf-8")
        paths.append(path)
    return paths
