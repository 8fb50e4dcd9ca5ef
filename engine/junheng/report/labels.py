"""What a person reads for a place in a filing: a field's label and unit, a school's name and id, a cell.

Every format people read (text, Markdown, HTML, the letter, annotations) names things the way
the filing form does, never by the contract's keys or JSON pointers, which stay in the JSON
output. The labels come from the filing models, as the spreadsheet form's headers do
(``filing/sheets/layout.py``): a field's Chinese ``title`` along its path and the unit its
``description`` states, ``土地出让收益·计提用于教育（万元）``. English reports show the same
Chinese labels: they are the words printed on the form the district filled in.

The API, for every human format::

    field_label("books")                              → "图书（册）"
    field_label("finance.land_transfer.to_education") → "土地出让收益·计提用于教育（万元）"
    pointer_label("/schools/10/books", schools=…)     → "和平小学（5001080011）的图书（册）"
    school_label("5001080011", "和平小学")             → "和平小学（5001080011）"
    place(location, result)                           → "filing.yaml:316 和平小学（5001080011）"
                                                         "filled.xlsx 经费!B3 土地出让收益（万元）"
    places(finding, result)                           → a finding's first 3 places, "；"-joined, then "（另 2 处）"
    unit("m²")                                        → "㎡"  (one spelling of each unit)
    schools_of(result)                                → {record index: (id, name)}, as far as the result knows them
    subject_label(finding.subject, result)            → "和平小学（5001080011）", "小学", "家长代表", "南岸区"

A result knows its schools' names only through its indicators (``schools_of``), which the
check computes for the formats that ask for them (``formats.NEEDS``); without them a school
record is named by its place in the list, ``第 11 条学校学段记录`` (a spreadsheet's cell already
names its row, so there the field alone follows the cell).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from junheng.report.result import Finding, Location, Result

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["Schools", "field_label", "place", "places", "pointer_label", "school_label", "schools_of", "subject_label", "unit"]

# record index → (id, name or None): the schools of one filing, as far as the result knows them
Schools = Mapping[int, tuple[str, str | None]]

# One spelling of each unit in everything a person reads: the rules' shortfall unit "m²" (kept in
# JSON, where it is contracted) and the filing form's "平方米" are both ㎡, as the rule texts write it.
_SPELLING = {"m²": "㎡", "m2": "㎡", "平方米": "㎡"}

_PRIOR = "prior:"  # a location in last year's filing (DATA-05): its pointer is that filing's own
_RECORD = re.compile(r"/schools/(\d+)(?:/(.+))?$")  # a school record, and the field in it
_WORDS = {
    "zh": {"root": "整份申报", "record": "第 {n} 条学校学段记录", "of": "{school}的{field}", "more": "（另 {n} 处）", "sep": "；",
           "prior": "上年申报的{what}"},
    "en": {"root": "the whole filing", "record": "school record {n}", "of": "{field} of {school}", "more": " (+{n} more)", "sep": "; ",
           "prior": "{what} in last year's filing"},
}


def unit(text: str) -> str:
    """A unit as a person reads it: ``m²`` and ``平方米`` are ``㎡``; every other unit as written."""
    return _SPELLING.get(text, text)


def _with_unit(label: str) -> str:
    """``占地面积（平方米）`` → ``占地面积（㎡）``: the form's label with the one spelling of its unit."""
    for written, spelled in _SPELLING.items():
        label = label.replace(f"（{written}）", f"（{spelled}）")
    return label


@cache
def _labels() -> dict[tuple[str, ...], str]:
    """Every path of the filing model (objects and fields; a school field by its own name) → its label.

    A field is labelled as its spreadsheet column (titles along the path, then the unit); an
    object by the titles along its path, a section by its own title (经费保障).
    """
    # imported here, once: the spreadsheet package (reader and writer with it) and the filing's models cost start-up
    # time a check need not pay (it reads the filing with filing/fast.py)
    from pydantic import BaseModel  # local: start-up time (see above)

    from junheng.filing import model as _model  # local: start-up time (see above)
    from junheng.filing.sheets.layout import column_of, unwrap  # local: start-up time (see above)

    out: dict[tuple[str, ...], str] = {}

    def walk(model: type[BaseModel], path: tuple[str, ...], titles: list[str]) -> None:
        for key, info in model.model_fields.items():
            inner, _ = unwrap(info.annotation)
            here, chain = (*path, key), [*titles, info.title or key]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                out[here] = column_of(here, chain, info).name  # the chain of titles, without a unit
                walk(inner, here, chain)
            else:
                out[here] = _with_unit(column_of(here, chain, info).label)

    for section, info in _model.Filing.model_fields.items():
        inner, _ = unwrap(info.annotation)
        if section == "schools":
            walk(_model.School, (), [])
            out[("schools",)] = info.title or section
        elif isinstance(inner, type) and issubclass(inner, BaseModel):
            out[(section,)] = info.title or section
            walk(inner, (section,), [])
        else:
            out[(section,)] = _with_unit(column_of((section,), [info.title or section], info).label)
    return out


_SECTIONS = ("finance", "staffing", "survey", "equity", "district")


def field_label(name: str) -> str:
    """A filing field (or object) as the form labels it, from its key in any spelling junheng uses.

    ``books``, ``/schools/3/books``, ``finance.land_transfer.income``, ``/finance/land_transfer/income``
    and ``land_transfer.income`` (a district field without its section, as ``observed`` names it) all
    work; ``prior.`` (last year's filing) is dropped. A name the filing does not have is returned as given.
    """
    text = name.removeprefix(_PRIOR).removeprefix("prior.")
    parts = tuple(p for p in re.split(r"[./]", text) if p and not p.isdigit())
    if parts[:1] == ("schools",) and len(parts) > 1:
        parts = parts[1:]
    labels = _labels()
    if parts in labels:
        return labels[parts]
    for section in _SECTIONS:  # observed names a district field without its section
        if (section, *parts) in labels:
            return labels[(section, *parts)]
    return name


def school_label(school_id: str, name: str | None, lang: str = "zh") -> str:
    """``和平小学（5001080011）`` / ``和平小学 (5001080011)``; the id alone when the record has no name."""
    if not name or name == school_id:
        return school_id
    return f"{name}（{school_id}）" if lang == "zh" else f"{name} ({school_id})"


def pointer_label(pointer: str, lang: str = "zh", schools: Schools | None = None) -> str:
    """What a JSON pointer names, for a person: ``和平小学（5001080011）的图书（册）``, ``土地出让收益（万元）``.

    A school record is named by its name and id when ``schools`` knows them, else by its place
    in the list (``第 11 条学校学段记录``); ``""`` is the whole filing.
    """
    W = _WORDS[lang]
    if pointer.startswith(_PRIOR):
        return W["prior"].format(what=pointer_label(pointer[len(_PRIOR):], lang, schools))
    tokens = [t for t in pointer.split("/")[1:] if t] if pointer else []
    if not tokens:
        return W["root"]
    if tokens[0] == "schools" and len(tokens) > 1 and tokens[1].isdigit():
        index = int(tokens[1])
        known = (schools or {}).get(index)
        school = school_label(known[0], known[1], lang) if known else W["record"].format(n=index + 1)
        if len(tokens) == 2:
            return school
        return W["of"].format(school=school, field=field_label("/".join(tokens[2:])))
    return field_label("/".join(tokens))


def schools_of(result: Result) -> dict[int, tuple[str, str | None]]:
    """The filing's school records, index → (id, name), as far as the result carries them."""
    if result.schools:
        return dict(enumerate(result.schools))
    if result.indicators is None:
        return {}
    records = [(name, label) for name, kind, _, label in result.indicators.subjects if kind == "school"]
    out: dict[int, tuple[str, str | None]] = {}
    for index, (name, label) in enumerate(records):  # school subjects come in file order, one per record
        school_id = name.split("#", 1)[0]
        out[index] = (school_id, label if label != name else None)
    return out


def place(location: Location, result: Result | None = None, lang: str = "zh", schools: Schools | None = None) -> str:
    """Where a figure is, for a person: ``filled.xlsx 经费!B3 土地出让收益（万元）``, ``filing.yaml:316 和平小学（5001080011）``.

    A spreadsheet filing's location names its sheet and cell; any other its line; both then say
    what is there (``pointer_label``). ``schools`` defaults to what ``result`` knows (``schools_of``).
    """
    if schools is None and result is not None:
        schools = schools_of(result)
    if not location.cell:
        return f"{location.file}:{location.line} {pointer_label(location.pointer, lang, schools)}"
    where = f"{location.file} {location.cell}"
    record = _RECORD.match(location.pointer)
    if record is not None and int(record.group(1)) not in (schools or {}):
        # the cell's row is the school's: "第 11 条学校学段记录" beside 学校!A12 would only confuse
        return f"{where} {field_label(record.group(2))}" if record.group(2) else where
    return f"{where} {pointer_label(location.pointer, lang, schools)}"


def places(finding: Finding, result: Result | None = None, lang: str = "zh", limit: int = 3, schools: Schools | None = None) -> str:
    """A finding's first ``limit`` locations (``place``), and how many more there are: ``a.yaml:3 图书（册）；…（另 2 处）``."""
    W = _WORDS[lang]
    if schools is None and result is not None:
        schools = schools_of(result)
    shown = W["sep"].join(place(loc, result, lang, schools) for loc in finding.locations[:limit])
    rest = len(finding.locations) - limit
    return shown + (W["more"].format(n=rest) if rest > 0 else "")


def subject_label(subject: str, result: Result, lang: str = "zh") -> str:
    """A finding's subject for a person: the district's name, a level (小学), a survey group (家长代表), a school's name and id."""
    code = str(result.district.get("code", ""))
    if subject == code:
        return str(result.district.get("name") or code)
    if subject.startswith(code + "/"):
        key = subject[len(code) + 1:]
        for section in ("levels", "groups"):
            entry = result.vocabulary.get(section, {}).get(key)
            if isinstance(entry, dict):
                return str(entry.get(lang, key))
        return key
    school_id = subject.split("#", 1)[0]
    for known_id, name in schools_of(result).values():
        if known_id == school_id:
            return school_label(subject, name, lang)
    return subject
