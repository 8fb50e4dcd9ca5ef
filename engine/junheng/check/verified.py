"""Verified figures (核查数): a filing checked with the figures an on-site visit found in place of the filed ones.

``junheng verify`` (``followup/verify.py``) reads them from a 核查表; a rule test gives them as
``verified:`` (``authoring/ruletest.py``). Either way they reach the check as ``Options.verified``:

- ``put_in_place``: each verified figure replaces the filed one in its school's record, so that
  every rule judges what the inspectors found; the record also carries both figures, under
  ``verified`` and ``filed`` (``policy.formula.VERIFIED``/``FILED``), the names through which a
  rule compares them (DATA-06, 核查数与申报数不符, in ``rules/integrity.yaml``);
- ``build_verified_findings``: a rule about verified figures has one cause per field, and the
  engine decides each cause on its own (one engine rule each). Each cause that fired is its own
  finding, about ``<school>/<field>`` (``2150131014/books``), observing ``{filed, verified}`` and
  located at the filed figure and at the form's cell — so that every figure found wrong is
  followed up on its own. The findings are written by the one ``FindingBuilder`` as any other.

A filing whose school ids repeat cannot be verified: a form's row could not say which record it means.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from junheng.check.explain import FindingBuilder, Recorded, locate
from junheng.check.recorder import Recorder, build_findings
from junheng.check.subjects import Subject
from junheng.errors import InputError, InputErrors
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.formula import FILED, VERIFIED
from junheng.report.numbers import as_filed
from junheng.report.result import Finding, Location

__all__ = ["Verified", "build_verified_findings", "figure_fields", "put_in_place", "repeated_ids"]


@dataclass(frozen=True)
class Verified:
    """One verified figure: the school record's id, its field (``books``), the figure, and where it was written."""

    school: str
    field: str
    value: int | float
    where: Location | None = None  # the 核查表's cell; None for a rule test's figure


def repeated_ids(doc: LoadedDocument, data: dict[str, Any]) -> list[InputError]:
    """One error per school id that more than one record uses, at its second record: such a filing is not verified."""
    first: dict[str, int] = {}
    errors = []
    for index, record in enumerate(data.get("schools") or []):
        school_id = str(record["id"])
        if school_id in first:
            pointer = f"/schools/{index}/id"
            line, column = doc.location(pointer)
            errors.append(InputError(
                "verify_repeated_id", doc.file, line, column, pointer,
                f"学校标识码 {school_id} 重复（另见第 {first[school_id] + 1} 条学校记录）：核查表的每一行须指明唯一的学校，"
                "请先更正标识码（DATA-01）再核查",
                f"school id {school_id} is repeated (see also school record {first[school_id] + 1}): each row of the form must "
                "name one school; correct the ids first (DATA-01), then verify", cell=doc.cell(pointer)))
        else:
            first[school_id] = index
    return errors


def put_in_place(doc: LoadedDocument, data: dict[str, Any], verified: Sequence[Verified]) -> dict[str, Any]:
    """The filing's data with each verified figure in place of the filed one, both kept beside the record's fields."""
    errors = repeated_ids(doc, data)
    if errors:
        raise InputErrors(errors)
    out = dict(data)
    out["schools"] = schools = copy.deepcopy(data.get("schools") or [])
    index = {str(record["id"]): i for i, record in enumerate(schools)}
    for figure in verified:
        at = index.get(figure.school)
        filed = schools[at].get(figure.field) if at is not None else None
        if at is None or filed is None or isinstance(filed, (bool, str, dict)):
            errors.append(_not_in_filing(doc, figure, at))
            continue
        record = schools[at]
        record[figure.field] = figure.value
        record.setdefault(VERIFIED, {})[figure.field] = figure.value
        record.setdefault(FILED, {})[figure.field] = filed
    if errors:
        raise InputErrors(errors)
    return out


def _not_in_filing(doc: LoadedDocument, figure: Verified, at: int | None) -> InputError:
    where = figure.where
    what_zh = f"学校 {figure.school}" if at is None else f"学校 {figure.school} 的 {figure.field}"
    what_en = f"school {figure.school}" if at is None else f"{figure.field} of school {figure.school}"
    return InputError("verify_not_in_filing", where.file if where else doc.file, where.line if where else 1,
                      where.column if where else 1, where.pointer if where else "",
                      f"申报中没有{what_zh}，无法核查", f"the filing has no {what_en} to verify", cell=where.cell if where else None)


def figure_fields(rule: CompiledRule) -> list[str] | None:
    """The field each cause of a rule about verified figures compares (DATA-06: one per cause), or None for any other rule.

    A cause's field is the one ``verified.<field>`` its condition reads, directly or through the values it names.
    """
    if rule.rule.aggregate is not None or len(rule.causes) < 1:
        return None
    out = []
    for node, _ in rule.causes:
        read: set[str] = set()
        pending = [n.name for n in ex.names(node)]
        seen: set[str] = set()
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if name in rule.value_nodes:
                pending += [n.name for n in ex.names(rule.value_nodes[name])]
            elif name.startswith(VERIFIED + "."):
                read.add(name[len(VERIFIED) + 1:])
        if len(read) != 1:
            return None
        out.append(read.pop())
    return out


def build_verified_findings(pack: CompiledPack, recorder: Recorder, builder: FindingBuilder, subjects: list[Subject],
                            verified: Sequence[Verified]) -> list[Finding]:
    """The findings of a check with verified figures: each fired cause of a rule about them its own finding (see the docstring)."""
    fields = {rule.key: f for rule in pack.rules if (f := figure_fields(rule)) is not None}
    subjects = list(subjects)  # the per-figure subjects are the findings' alone: the result's subjects stay the filing's
    figures: dict[int, tuple[int, str]] = {}  # per-figure subject → (school record index, field)
    for ident, entry in list(recorder.entries.items()):
        if entry.kind != "violation" or entry.key not in fields:
            continue
        del recorder.entries[ident]
        school = subjects[entry.subject]
        for cause in sorted(entry.causes):
            field = fields[entry.key][cause]
            subjects.append(replace(school, name=f"{school.name}/{field}"))
            figures[len(subjects) - 1] = (school.records[0][0], field)
            recorder.entries[(ident[0], ident[1], len(subjects) - 1)] = Recorded("violation", entry.key, len(subjects) - 1, {cause})
    built = {subjects[s].name: spot for s, spot in figures.items()}
    cells = {(f.school, f.field): f.where for f in verified}
    findings = build_findings(pack, recorder, builder, subjects)
    return [_on_form(f, built[f.subject], builder, cells) if f.subject in built and f.for_rule is None else f for f in findings]


def _on_form(finding: Finding, spot: tuple[int, str], builder: FindingBuilder, cells: dict[tuple[str, str], Location | None]) -> Finding:
    """A per-figure finding observing the figure as filed and as verified, located at both."""
    index, field = spot
    record = builder.data["schools"][index]
    observed = {"filed": as_filed(record[FILED][field]), "verified": as_filed(record[VERIFIED][field])}
    locations = locate(builder.doc, [f"/schools/{index}/{field}"])
    cell = cells.get((str(record["id"]), field))
    return replace(finding, observed=observed, locations=locations + ((cell,) if cell is not None else ()))
