"""Site sampling (抽签选点): the stratified draw of the schools to visit, reproducible by anyone holding the filing and the seed.

The algorithm is the contract's (follow-up.md §2), step by step:

1. **Strata**, in this order: for ``primary``, then ``junior``: ``urban``, ``town``, ``rural`` (by
   ``location``), then teaching points (``teaching_point: true``, whatever their location). Empty
   strata are dropped. A school is a record: a nine-year school's two records are two schools here.
2. **Allocation** of the N places (``allocate``): every school when N ≥ T (T the schools); one school
   from each of the N largest strata when N < S (S the non-empty strata; ties in stratum order);
   otherwise one place per stratum, and the other R = N − S shared in proportion to ``n_s − 1``
   (largest remainders, ties in stratum order), computed exactly.
3. **Choice** within a stratum: its schools ordered by ``sha256(seed + "\\n" + id)`` (hexadecimal,
   ascending; equal hashes — a repeated id — in file order), the first ``k_s`` taken.
4. **Output**: the chosen schools by stratum order, then that hash order.

The default seed is ``"{district.code}-{district.year}"``. ``verification_form`` writes the 核查表
(sheet ``核查``): a row per chosen school and per numeric field its record holds, with the filed
figure and an empty 核查数 for the inspectors.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from junheng.filing.read import read_filing
from junheng.filing.sheets.layout import SCHOOLS, Column
from junheng.report.labels import field_label

__all__ = ["FORM_COLUMNS", "FORM_SHEET", "STRATA", "Drawing", "Drawn", "Sample", "allocate", "default_seed", "draw", "draw_filing",
           "form_bytes", "form_fields", "render", "school_hash", "seed_line", "stratum_name", "stratum_of", "verification_form"]

LEVEL_ORDER = ("primary", "junior")
PLACE_ORDER = ("urban", "town", "rural", "teaching_point")
STRATA = tuple(f"{level}/{place}" for level in LEVEL_ORDER for place in PLACE_ORDER)
DEFAULT_SCHOOLS = 10
# The 核查表: its sheet and its columns, in this order (follow-up.md §2).
FORM_SHEET = "核查"
FORM_COLUMNS = ("学校标识码", "学校名称", "指标", "字段", "申报数", "核查数", "备注")


@dataclass(frozen=True)
class Drawn:
    """One chosen school (a record of the filing)."""

    index: int  # its place among the filing's records, from 0
    id: str
    name: str | None
    level: str
    location: str
    teaching_point: bool
    stratum: str  # "primary/urban" … "junior/teaching_point"
    hash: str  # sha256(seed + "\n" + id), hexadecimal

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "level": self.level, "location": self.location,
                "teaching_point": self.teaching_point, "stratum": self.stratum, "hash": self.hash}


@dataclass(frozen=True)
class Sample:
    """The draw of one filing: the seed, each non-empty stratum's size and places, the chosen schools in order."""

    file: str
    district: dict[str, Any]  # {code, name, year}
    seed: str
    wanted: int  # N
    strata: tuple[tuple[str, int, int], ...]  # (stratum, schools in it, places given to it), non-empty strata in order
    schools: tuple[Drawn, ...]

    def to_json(self) -> dict[str, Any]:
        return {"schema_version": 1, "district": self.district, "seed": self.seed, "schools": [s.to_json() for s in self.schools]}


def default_seed(code: str, year: int) -> str:
    """The seed when none is given: ``"500110-2013"``."""
    return f"{code}-{year}"


def school_hash(seed: str, school_id: str) -> str:
    """``sha256((seed + "\\n" + id).encode("utf-8")).hexdigest()``: a school's place in its stratum's order."""
    return hashlib.sha256((seed + "\n" + school_id).encode("utf-8")).hexdigest()


def stratum_of(record: dict[str, Any]) -> str:
    """A record's stratum: a teaching point by its level alone, any other school by its level and location."""
    place = "teaching_point" if record.get("teaching_point") else record["location"]
    return f"{record['level']}/{place}"


def allocate(sizes: Sequence[int], wanted: int) -> list[int]:
    """The places of each non-empty stratum (``sizes`` in stratum order, each ≥ 1) for ``wanted`` schools in all.

    The result always sums to min(wanted, Σ sizes), never gives a stratum more than its schools, and
    gives every stratum one place when ``wanted`` ≥ the number of strata.
    """
    strata, total = len(sizes), sum(sizes)
    if wanted >= total:
        return list(sizes)
    if wanted < strata:  # one each to the `wanted` largest strata; ties in stratum order
        largest = set(sorted(range(strata), key=lambda i: (-sizes[i], i))[:wanted])
        return [1 if i in largest else 0 for i in range(strata)]
    rest = wanted - strata
    spare = [n - 1 for n in sizes]  # Σ spare = total − strata > rest ≥ 0: wanted < total
    quotas = [Fraction(rest * n, sum(spare)) for n in spare]
    places = [1 + math.floor(q) for q in quotas]
    left = wanted - sum(places)  # fewer than the strata: each floor lost less than one
    by_remainder = sorted(range(strata), key=lambda i: (-(quotas[i] - math.floor(quotas[i])), i))
    for i in by_remainder[:left]:
        places[i] += 1
    return places


def draw(data: dict[str, Any], wanted: int = DEFAULT_SCHOOLS, seed: str | None = None, file: str = "") -> Sample:
    """The sample of a filing's data (as the filing model dumps it): ``wanted`` schools, with ``seed`` or the default one."""
    district = data["district"]
    seed = default_seed(str(district["code"]), int(district["year"])) if seed is None else seed
    members: dict[str, list[Drawn]] = {}
    for index, record in enumerate(data.get("schools") or []):
        school_id = str(record["id"])
        stratum = stratum_of(record)
        members.setdefault(stratum, []).append(Drawn(index, school_id, record.get("name"), record["level"], record["location"],
                                                     bool(record.get("teaching_point")), stratum, school_hash(seed, school_id)))
    present = [s for s in STRATA if s in members]
    places = allocate([len(members[s]) for s in present], wanted)
    chosen: list[Drawn] = []
    for stratum, k in zip(present, places, strict=True):
        chosen += sorted(members[stratum], key=lambda d: (d.hash, d.index))[:k]
    strata = tuple((s, len(members[s]), k) for s, k in zip(present, places, strict=True))
    head = {"code": str(district["code"]), "name": district["name"], "year": int(district["year"])}
    return Sample(file, head, seed, wanted, strata, tuple(chosen))


def form_fields() -> tuple[Column, ...]:
    """The numeric fields of a school record, in the form's order: what a 核查表 row may verify."""
    return tuple(c for c in SCHOOLS.columns if c.kind in ("count", "amount"))


@dataclass(frozen=True)
class Drawing:
    """A sample and the filing's data it was drawn from (the 核查表 shows the filed figures)."""

    sample: Sample
    data: dict[str, Any]


def draw_filing(path: str, wanted: int = DEFAULT_SCHOOLS, seed: str | None = None) -> Drawing:
    """Read a filing (any format ``check`` reads) and draw its sample; InputErrors for an invalid filing."""
    doc, filing = read_filing(path)
    data = filing.model_dump(mode="python", exclude_none=True)
    return Drawing(draw(data, wanted, seed, file=doc.file), data)


def form_bytes(drawing: Drawing) -> bytes:
    """``--format xlsx``: the 核查表 of a drawing, as the bytes of its .xlsx file."""
    return verification_form(drawing.sample, drawing.data)


_W = {
    "zh": {"head": "{name}（{code}）{year} 年 实地核查抽签 · {file}", "seed": "种子：{seed}", "wanted": "共 {t} 所学校，抽取 {n} 所",
           "strata": "分层", "stratum": "{name}：{n} 所，抽取 {k} 所", "chosen": "抽中的学校（按层，层内按 SHA-256 从小到大）",
           "school": "{i}. {stratum}  {id}  {name}", "hash": "SHA-256 {hash}", "seed_line": "抽签种子：{seed}"},
    "en": {"head": "{name} ({code}), {year}: on-site sample · {file}", "seed": "seed: {seed}", "wanted": "{n} drawn of {t} schools",
           "strata": "Strata", "stratum": "{name}: {n} schools, {k} drawn", "chosen": "Schools drawn (by stratum, then SHA-256 ascending)",
           "school": "{i}. {stratum}  {id}  {name}", "hash": "SHA-256 {hash}", "seed_line": "seed: {seed}"},
}
_STRATUM_NAMES = {"primary": ("小学", "primary"), "junior": ("初中", "junior"), "urban": ("城区", "urban"), "town": ("镇区", "town"),
                  "rural": ("乡村", "rural"), "teaching_point": ("教学点", "teaching points")}


def stratum_name(stratum: str, lang: str = "zh") -> str:
    """``primary/rural`` → ``小学·乡村`` (``primary, rural``)."""
    level, place = stratum.split("/")
    i = 0 if lang == "zh" else 1
    return f"{_STRATUM_NAMES[level][i]}{'·' if lang == 'zh' else ', '}{_STRATUM_NAMES[place][i]}"


def seed_line(sample: Sample, lang: str = "zh") -> str:
    """The seed used, as said beside a written 核查表: whoever holds the filing and it can draw again."""
    return _W[lang]["seed_line"].format(seed=sample.seed)


def render(sample: Sample, fmt: str, lang: str = "zh") -> str:
    """``text``: the seed, the strata with their places, the schools drawn with their hashes; ``json``: follow-up.md's document."""
    if fmt == "json":
        return json.dumps(sample.to_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    W = _W[lang]
    d = sample.district
    total = sum(n for _, n, _ in sample.strata)
    lines = [W["head"].format(name=d["name"], code=d["code"], year=d["year"], file=sample.file), W["seed"].format(seed=sample.seed),
             W["wanted"].format(n=len(sample.schools), t=total), "", W["strata"]]
    lines += ["  " + W["stratum"].format(name=stratum_name(s, lang), n=n, k=k) for s, n, k in sample.strata]
    lines += ["", W["chosen"]]
    for i, school in enumerate(sample.schools, 1):
        lines.append("  " + W["school"].format(i=i, stratum=stratum_name(school.stratum, lang), id=school.id, name=school.name or "—"))
        lines.append("     " + W["hash"].format(hash=school.hash))
    return "\n".join(lines) + "\n"


def verification_form(sample: Sample, data: dict[str, Any]) -> bytes:
    """The 核查表 of a sample (.xlsx bytes): a row per chosen school and per numeric field its record holds."""
    # Local imports for start-up time: openpyxl takes a while to import and only this format needs it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    ws = book.active
    ws.title = FORM_SHEET
    ws.append(list(FORM_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(vertical="center")
    records = data.get("schools") or []
    for school in sample.schools:
        record = records[school.index]
        for column in form_fields():
            filed = record.get(column.key)
            if filed is None:
                continue
            ws.append([school.id, school.name or "", field_label(column.key), column.key, filed, None, None])
            ws.cell(ws.max_row, 1).number_format = "@"  # an id is text: 2150131014, never 2.15E+09
            ws.cell(ws.max_row, 6).fill = PatternFill("solid", fgColor="FFF2CC")  # the inspectors' column
    figures = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                             error="核查数应为不小于 0 的数", errorTitle="核查数", showErrorMessage=True)
    if ws.max_row > 1:
        ws.add_data_validation(figures)
        figures.add(f"F2:F{ws.max_row}")
    for letter, width in zip("ABCDEFG", (16, 28, 34, 24, 14, 14, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    book.properties.creator = "junheng"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
