"""The subjects of a filing: what a finding can be about (district, level, group, school, unit, school id)."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Collection
from typing import Any

from junheng.policy.formula import Record

__all__ = ["GROUPS", "LEVELS", "Subject", "enumerate_subjects"]


@dataclass
class Subject:
    """What a finding can be about: the district, a level, a survey group, a school record,
    a school unit (a campus, or a record without one), or a school id used more than once.

    Never changed once made; not a frozen dataclass only because a filing makes ~80 of them and a frozen one's
    ``__init__`` costs four times as much (it holds dicts: it was never hashable either)."""

    kind: str
    name: str  # the subject string of the output: "500108", "500108/primary", "2150000101#2" …
    variant: str | None  # primary | junior | nine_year | parents | teachers | deputies
    base: dict[str, Any]  # the subject's own object: the filing, or a school record
    base_pointer: str
    records: tuple[Record, ...]  # ((index, record, in_balance_set), …)
    placeholders: dict[str, str]  # {"level": "primary"}, {"group": "parents"}
    label: str  # a readable name: the school's name, else the subject string
    prior: dict[str, Any] | None = None  # district subject: the same district's filing for the year before


LEVELS = ("primary", "junior")
GROUPS = ("parents", "teachers", "deputies")
KINDS = ("district", "level", "group", "school", "unit", "school_id")  # in the order the facts carry them


def enumerate_subjects(data: dict[str, Any], teaching_point_cutoff: int, prior: dict[str, Any] | None = None,
                       kinds: Collection[str] | None = None) -> dict[str, list[Subject]]:
    """Every subject of a filing, by kind, in a stable order (file order for schools); only those of ``kinds`` (None:
    every kind) are made, the other kinds' lists left empty: a pack with no rule about a kind never looks at it."""
    code = str(data["district"]["code"])
    schools = data.get("schools") or []
    records: list[Record] = []
    for i, rec in enumerate(schools):
        small_point = bool(rec.get("teaching_point")) and rec["students"] < teaching_point_cutoff
        records.append((i, rec, not small_point))
    id_count: dict[str, int] = {}
    for _, rec, _ in records:
        id_count[rec["id"]] = id_count.get(rec["id"], 0) + 1
    wanted = set(KINDS if kinds is None else kinds)
    school_subjects = _schools(records, id_count) if wanted & {"school", "unit"} else []
    out: dict[str, list[Subject]] = {
        "district": [Subject("district", code, None, data, "", tuple(records), {}, data["district"].get("name") or code, prior)],
        "level": [],
        "group": [],
        "school": school_subjects if "school" in wanted else [],
        "unit": [],
        "school_id": [],
    }
    if "district" not in wanted:
        out["district"] = []
    for level in LEVELS if "level" in wanted else ():
        recs = tuple(r for r in records if r[1]["level"] == level)
        if recs:
            out["level"].append(Subject("level", f"{code}/{level}", level, data, "", recs, {"level": level}, f"{code}/{level}"))
    for group in GROUPS if "group" in wanted else ():
        out["group"].append(Subject("group", f"{code}/{group}", group, data, "", (), {"group": group}, f"{code}/{group}"))
    if "unit" in wanted:
        out["unit"] = _units(school_subjects, records)
    # Only ids used more than once are candidates for DATA-01; the rule itself decides.
    for sid, n in id_count.items() if "school_id" in wanted else ():
        if n > 1:
            recs = tuple(r for r in records if r[1]["id"] == sid)
            out["school_id"].append(Subject("school_id", sid, None, recs[0][1], f"/schools/{recs[0][0]}", recs, {}, sid))
    return out


def _schools(records: list[Record], id_count: dict[str, int]) -> list[Subject]:
    """A subject per school record, named by its id (``id#2`` for the second record of an id used twice)."""
    seen: dict[str, int] = {}
    school_subjects: list[Subject] = []
    for r in records:
        sid = r[1]["id"]
        if id_count[sid] > 1:
            seen[sid] = seen.get(sid, 0) + 1
            name = f"{sid}#{seen[sid]}"
        else:
            name = sid
        school_subjects.append(
            Subject("school", name, r[1]["level"], r[1], f"/schools/{r[0]}", (r,), {"level": r[1]["level"]}, r[1].get("name") or name)
        )
    return school_subjects


def _units(school_subjects: list[Subject], records: list[Record]) -> list[Subject]:
    """A subject per school unit: a record without a campus, or a campus with all its records."""
    units: list[Subject] = []
    campuses: dict[str, list[Record]] = {}
    for subj, r in zip(school_subjects, records, strict=True):
        campus = r[1].get("campus")
        if campus is None:
            units.append(Subject("unit", subj.name, subj.variant, r[1], subj.base_pointer, (r,), {}, subj.label))
        else:
            campuses.setdefault(campus, []).append(r)
    for campus, members in campuses.items():
        levels = {r[1]["level"] for r in members}
        variant = levels.pop() if len(levels) == 1 else "nine_year"
        label = _common_name([r[1].get("name") or "" for r in members]) or campus
        units.append(Subject("unit", campus, variant, members[0][1], f"/schools/{members[0][0]}", tuple(members), {}, label))
    return units


def _common_name(names: list[str]) -> str:
    """The shared prefix of a campus's record names, trimmed of a level suffix (小学部/初中部)."""
    if not names:
        return ""
    first = names[0]
    n = len(first)
    for other in names[1:]:
        n = min(n, len(other))
        for i in range(n):
            if first[i] != other[i]:
                n = i
                break
    return first[:n].rstrip("（(-— ")

