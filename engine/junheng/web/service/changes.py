"""Rule change requests: proposed by an officer with their impact on the stored filings, decided by a reviewer who is
not the author, and on approval written to the data folder's rule files.

An edit goes the way ``rules import-xlsx`` takes (``authoring.edits``): read from JSON (``edit_from_json``), checked
against the rule files (every problem with the edit it is about: a 422 with one problem per edit, pointing at
``/edits/<n>``), made on a copy of the data folder's rules to see its effect — the diff of the rule files, each change
in words (``FIN-13 threshold: 70% → 75%``), and the impact (``authoring.impact.impact_of``) on the latest stored
filing of every district and year — and stored as pending. Approval writes the same edits into ``DATA/rules/``
(comments and layout kept): later checks use the new ``rules_version``. When the rules changed since the change was
made (``based_on``) the edits are checked again against the rules as they are: if they no longer apply, 409.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from junheng.authoring.edits import Change as Changed
from junheng.authoring.edits import Edit, EditsRejected, apply_edits, edit_from_json
from junheng.authoring.impact import impact_of
from junheng.errors import InputError
from junheng.policy.packs import compile_rules
from junheng.web import audit
from junheng.web.problems import Refused, conflict, forbidden, invalid, not_found
from junheng.web.roles import Principal, require
from junheng.web.ruleset import rule_files
from junheng.web.store.models import Change, Filing
from junheng.web.workbench import Workbench

__all__ = ["approve_change", "change_json", "get_change", "list_changes", "preview_change", "propose_change", "reject_change"]


def change_json(change: Change) -> dict[str, Any]:
    return {"id": change.id, "title": change.title, "reason": change.reason, "status": change.status, "author": change.author,
            "based_on": change.based_on, "edits": change.edits, "impact": change.impact, "diff": change.diff,
            "created_at": change.created_at, "reviewer": change.reviewer, "decided_at": change.decided_at,
            "decision_reason": change.decision_reason, "rules_version": change.applied_version}


def list_changes(wb: Workbench, who: Principal, status: str | None = None) -> list[dict[str, Any]]:
    """Change requests, newest first; ``status`` pending | applied | rejected narrows them."""
    require(who, "read_changes")
    query = select(Change).order_by(Change.id.desc())
    if status is not None:
        query = query.where(Change.status == status)
    with wb.db.reading() as session:
        return [change_json(c) for c in session.scalars(query)]


def _change(session: Session, change_id: int) -> Change:
    change = session.get(Change, change_id)
    if change is None:
        raise not_found("修改申请", "change request")
    return change


def get_change(wb: Workbench, who: Principal, change_id: int) -> dict[str, Any]:
    require(who, "read_changes")
    with wb.db.reading() as session:
        return change_json(_change(session, change_id))


# ---------------------------------------------------------------- the edits and their effect


def _edit_problem(index: int | None, zh: str, en: str) -> InputError:
    pointer = "/edits" if index is None else f"/edits/{index}"
    return InputError("invalid_edit", "<request>", None, None, pointer, zh, en)


def _read(edits: Sequence[dict[str, Any]]) -> tuple[list[tuple[int, Edit]], list[InputError]]:
    """The edits read from JSON, each with its place in the request, and a problem for each that is not an edit."""
    parsed: list[tuple[int, Edit]] = []
    problems: list[InputError] = []
    for i, data in enumerate(edits):
        try:
            parsed.append((i, edit_from_json(data)))
        except ValueError as exc:
            en, _, zh = str(exc).partition(" / ")
            problems.append(_edit_problem(i, zh or en, en))
    return parsed, problems


def _apply(layers: Sequence[Path], edits: Sequence[dict[str, Any]], shown: tuple[str, str] = ("", "")) -> list[Changed]:
    """Make the edits in the top layer of ``layers``, all or none; 422 with one problem per edit that cannot be made
    (one that is not an edit at all and one the rule files refuse are named together, in the request's order).

    ``shown``: (a folder's name in the messages, the name to say instead): a scratch copy is called what it copies."""
    parsed, problems = _read(edits)
    made: list[Changed] = []
    try:
        made = apply_edits(list(layers), [edit for _, edit in parsed]) if not problems else \
            apply_edits(list(layers), [edit for _, edit in parsed], dry_run=True)
    except EditsRejected as exc:
        said, instead = shown
        problems += [_edit_problem(parsed[p.index][0] if p.index is not None else None, p.zh.replace(said, instead) if said else p.zh,
                                   p.en.replace(said, instead) if said else p.en) for p in exc.problems]
    if problems:
        raise _rejected(sorted(problems, key=lambda p: int(p.pointer.rpartition("/")[2] or -1) if p.pointer != "/edits" else -1))
    return made


def _rejected(problems: Sequence[InputError]) -> Refused:
    return invalid("invalid_edit", f"修改有 {len(problems)} 处问题", f"the change has {len(problems)} problem(s)", problems)


def _shown(folder: Path) -> str:
    """A folder as the rule-edit messages name it (relative to the working folder, else absolute)."""
    try:
        rel = os.path.relpath(folder)
    except ValueError:  # another drive on Windows
        return str(folder)
    return rel if not rel.startswith("..") else str(folder.resolve())


def _latest_filings(wb: Workbench) -> list[tuple[int, str, int, str, bytes]]:
    """(id, district, year, file name, bytes) of the newest stored filing of every district and year."""
    newest = select(func.max(Filing.id)).group_by(Filing.district, Filing.year).scalar_subquery()
    with wb.db.reading() as session:
        rows = session.scalars(select(Filing).where(Filing.id.in_(newest)).order_by(Filing.district, Filing.year))
        return [(f.id, f.district, f.year, f.filename, f.original) for f in rows]


def _diff(before: Path, after: Path) -> str:
    """The unified diff of the rule files of two copies of the data folder's rules, named as ``rules/…``."""
    out: list[str] = []
    for rel in sorted(set(rule_files(before)) | set(rule_files(after))):
        old = (before / rel).read_text(encoding="utf-8").splitlines(keepends=True) if (before / rel).is_file() else []
        new = (after / rel).read_text(encoding="utf-8").splitlines(keepends=True) if (after / rel).is_file() else []
        out += difflib.unified_diff(old, new, f"a/rules/{rel.as_posix()}", f"b/rules/{rel.as_posix()}")
    return "".join(out)


def _effect(wb: Workbench, edits: Sequence[dict[str, Any]]) -> tuple[str, dict[str, Any], str]:
    """(the rules version, the impact on the stored filings, the diff) of ``edits`` made on a copy of the rules."""
    below = list(wb.rules.layers[:-1])
    with tempfile.TemporaryDirectory(prefix="junheng-change-") as scratch:
        copy = Path(scratch) / "rules"
        with wb.rules.changing():  # the copy and its version are of the same files
            version, before = wb.rules.current()
            shutil.copytree(wb.rules.data_rules, copy)
        changes = _apply([*below, copy], edits, (_shown(copy), _shown(wb.rules.data_rules)))
        after = compile_rules([*below, copy], cache=False)
        diff = _diff(wb.rules.data_rules, copy)
    filings = _latest_filings(wb)
    with wb.check_lock:
        effects = impact_of(before, after, [(name, data) for _, _, _, name, data in filings])
    changed = [{"filing": fid, "district": district, "year": year, **item.to_api("zh")}
               for (fid, district, year, _, _), item in zip(filings, effects, strict=True)
               if item.gained or item.lost or item.flipped or item.error]
    return version, {"filings": len(filings), "changed": changed, "rules": [c.line("zh") for c in changes]}, diff


def preview_change(wb: Workbench, who: Principal, edits: list[dict[str, Any]]) -> dict[str, Any]:
    """What ``edits`` would do, nothing stored: the impact and the diff (422 with the problems of edits that cannot be made)."""
    require(who, "propose_change")
    version, impact, diff = _effect(wb, edits)
    return {"based_on": version, "impact": impact, "diff": diff}


def propose_change(wb: Workbench, who: Principal, title: str, reason: str, edits: list[dict[str, Any]]) -> dict[str, Any]:
    """A pending change request with its impact and diff (422, one problem per edit, when an edit cannot be made)."""
    require(who, "propose_change")
    version, impact, diff = _effect(wb, edits)
    with wb.db.writing() as session:
        change = Change(title=title, reason=reason, author=who.name, status="pending", based_on=version, edits=list(edits),
                        impact=impact, diff=diff, created_at=audit.now())
        session.add(change)
        session.flush()
        audit.record(session, who.name, "change_proposed", f"change:{change.id}",
                     {"title": title, "based_on": version, "edits": list(edits), "filings_changed": len(impact["changed"])})
        return change_json(change)


# ---------------------------------------------------------------- deciding


def _decidable(session: Session, who: Principal, change_id: int) -> Change:
    """A pending change ``who`` may decide: a reviewer's, never their own (403); 409 once decided."""
    require(who, "decide_change")
    change = _change(session, change_id)
    if change.author == who.name:
        raise forbidden("不能审批自己提出的修改：须由另一位审核人决定", "you may not decide your own change: another reviewer must")
    if change.status != "pending":
        raise conflict("change_decided", f"该修改申请已{'批准' if change.status == 'applied' else '驳回'}",
                       f"the change has been {change.status} already")
    return change


def approve_change(wb: Workbench, who: Principal, change_id: int) -> dict[str, Any]:
    """Write the change's edits into the data folder's rules and mark it applied; the new ``rules_version``.

    409 when the rules changed since the change was made and its edits no longer apply to them."""
    with wb.db.writing() as session:  # the write transaction also keeps two approvals from writing the files at once
        change = _decidable(session, who, change_id)
        with wb.rules.changing():
            before = wb.rules.version()
            try:
                _apply(wb.rules.layers, change.edits)  # checked again as it is made: the rules may have changed since
            except Refused as exc:
                raise conflict("change_outdated", f"规则已在 {change.based_on} 之后改动，该修改不能再照原样应用："
                               + "；".join(p.zh for p in exc.problems),
                               f"the rules changed since {change.based_on} and the change no longer applies: "
                               + "; ".join(p.en for p in exc.problems)) from None
            version, _ = wb.rules.current()
        change.status, change.reviewer, change.decided_at, change.applied_version = "applied", who.name, audit.now(), version
        audit.record(session, who.name, "change_approved", f"change:{change.id}",
                     {"title": change.title, "based_on": change.based_on, "rules_before": before, "rules_version": version})
        return {"status": "applied", "rules_version": version, "id": change.id}


def reject_change(wb: Workbench, who: Principal, change_id: int, reason: str) -> dict[str, Any]:
    """Reject a pending change with a reason; the rule files are untouched."""
    with wb.db.writing() as session:
        change = _decidable(session, who, change_id)
        change.status, change.reviewer, change.decided_at, change.decision_reason = "rejected", who.name, audit.now(), reason
        audit.record(session, who.name, "change_rejected", f"change:{change.id}", {"reason": reason, "title": change.title})
        return {"status": "rejected", "id": change.id}
