"""Rule change requests: proposed by an officer with their impact on the stored filings, decided by a reviewer who is
not the author, and on approval written to the data folder's rule files.

An edit goes the way ``rules import-xlsx`` takes (``authoring.edits``): read from JSON (``edit_from_json``), checked
against the rule files (every problem with the edit it is about: a 422 with one problem per edit, pointing at
``/edits/<n>``), made on a copy of the data folder's rules to see its effect — the diff of the rule files, each change
in words (``FIN-13 threshold: 70% → 75%``), and the impact (``authoring.impact.impact_of``) on the latest stored
filing of every district and year — and stored as pending. Approval writes the same edits into ``DATA/rules/``
(comments and layout kept): later checks use the new ``rules_version``. When the rules changed since the change was
made (``based_on``) the edits are checked again against the rules as they are: if they no longer apply, 409; if a
value they change is no longer the value they were made against (another change, or a hand, set it since), 409 too —
never a silent overwrite of someone else's decision. Edits of other rules, or of other settings, still apply.

Nothing is lost when the server dies half-way (SIGKILL, power): approving is a journal, then the files, then the
database. The edits are made on a copy of the rules inside the data folder; the files they change are written, old
and new, into a journal folder that is renamed into place whole (``DATA/.rules-journal``); then each file is replaced
(a temporary file beside it, renamed over it); then the change is marked applied, in the same database transaction
that has held the write lock since the start; then the journal is removed. Whoever opens the data folder next
(``recover_rule_writes``: ``serve`` on start, and every approval first) finds any journal left behind and asks the
database: a change recorded as applied gets its new files (rolled forward), any other gets its old ones back (rolled
back). So the rule files are always the old version or the new one, and the database says which.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from junheng.authoring.edits import Change as Changed
from junheng.authoring.edits import SHARED, Edit, EditsRejected, apply_edits, edit_from_json
from junheng.authoring.impact import impact_of
from junheng.errors import InputError
from junheng.policy.packs import compile_rules
from junheng.web import audit
from junheng.web.problems import Refused, conflict, forbidden, invalid, not_found
from junheng.web.roles import Principal, require
from junheng.web.ruleset import rule_files
from junheng.web.store.models import Change, Filing
from junheng.web.workbench import Workbench

__all__ = ["JOURNAL", "approve_change", "change_json", "get_change", "list_changes", "preview_change", "propose_change",
           "recover_rule_writes", "reject_change", "rule_history"]

JOURNAL = ".rules-journal"  # in the data folder, beside rules/: the files of an approval being written (see above)
_MANIFEST = "manifest.json"


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


_HISTORY = ("id", "title", "status", "author", "created_at", "reviewer", "decided_at")  # what a rule's page shows of a change


def rule_history(wb: Workbench, who: Principal, rule_id: str) -> list[dict[str, Any]]:
    """The change requests that touched ``rule_id`` (or a shared number it uses), newest first: ``{"id", "title",
    "status", "author", "created_at", "reviewer", "decided_at", "lines"}``, ``lines`` being the change in words where it
    is about the rule (``FIN-13 threshold: 70% → 75%``). 404 for a rule the rule files do not define.

    The office (``read_changes``) sees every request; anyone else who reads the rules (a filer) the applied ones only —
    what the rule has become, by whom and when — and never a change's impact, which names other districts' filings."""
    require(who, "read_rules")
    _, policy = wb.rules.current()
    defined = [rule for rule_file, _doc in (policy.loaded.files if policy.loaded is not None else ()) for rule in rule_file.rules
               if rule.id == rule_id]
    if not defined:
        raise not_found("规则", "rule")
    shared = {value for rule in defined for value in rule.params.values() if isinstance(value, str)}  # a shared parameter's name

    def touches(edit: Any) -> bool:
        return isinstance(edit, dict) and (edit.get("rule") == rule_id or (edit.get("rule") == SHARED and edit.get("param") in shared))

    query = select(Change).order_by(Change.id.desc())
    if not who.may("read_changes"):
        query = query.where(Change.status == "applied")
    with wb.db.reading() as session:
        touching = [c for c in session.scalars(query) if any(touches(e) for e in c.edits)]
        out = []
        for change in touching:
            said = [str(line) for line in change.impact.get("rules", [])]
            lines = [line for line in said if line.startswith((rule_id, SHARED))]
            out.append({key: getattr(change, key) for key in _HISTORY} | {"lines": lines or said})
        return out


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

    409 when the rules changed since the change was made and its edits no longer apply to them, or a value it changes
    was changed since. The files and the database change together or not at all (the module's docstring)."""
    try:
        with wb.db.writing() as session:  # the write lock, held until the row says applied: one approval at a time
            change = _decidable(session, who, change_id)
            with wb.rules.changing():
                _recover(wb)  # under the lock already held: an approval that died before this one
                before = wb.rules.version()
                made = _staged(wb, change)
                if made:
                    _journal(wb, change.id, made)
                    _install(wb)
                version, _ = wb.rules.current()
            change.status, change.reviewer, change.decided_at, change.applied_version = "applied", who.name, audit.now(), version
            audit.record(session, who.name, "change_approved", f"change:{change.id}",
                         {"title": change.title, "based_on": change.based_on, "rules_before": before, "rules_version": version})
            answer = {"status": "applied", "rules_version": version, "id": change.id}
    finally:
        _pause()
        recover_rule_writes(wb)  # committed: forward (the journal goes); failed on the way: the old files back
    return answer


def _outdated(change: Change, zh: str, en: str) -> Refused:
    return conflict("change_outdated", f"规则已在 {change.based_on} 之后改动，该修改不能再照原样应用：{zh}",
                    f"the rules changed since {change.based_on} and the change no longer applies: {en}")


def _staged(wb: Workbench, change: Change) -> dict[str, bytes]:
    """The edits made on a copy of the data folder's rules (inside the data folder): each file they change, relative to
    ``rules/``, with its new bytes. 409 when they no longer apply, or a value they change was changed since ``based_on``."""
    below = list(wb.rules.layers[:-1])
    scratch = Path(tempfile.mkdtemp(prefix=".rules-stage-", dir=wb.rules.data_rules.parent))
    try:
        copy = scratch / "rules"
        shutil.copytree(wb.rules.data_rules, copy)
        try:
            made = _apply([*below, copy], change.edits, (_shown(copy), _shown(wb.rules.data_rules)))
        except Refused as exc:
            raise _outdated(change, "；".join(p.zh for p in exc.problems), "; ".join(p.en for p in exc.problems)) from None
        _not_overtaken(wb, change, made)
        return {rel.as_posix(): (copy / rel).read_bytes() for rel in _files(copy)
                if not (wb.rules.data_rules / rel).is_file() or (wb.rules.data_rules / rel).read_bytes() != (copy / rel).read_bytes()}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def _not_overtaken(wb: Workbench, change: Change, made: list[Changed]) -> None:
    """409 unless every value the edits change is, now, what it was when the change was made (its ``based_on`` rules,
    kept under ``versions/``): the edits were decided against those values, and must not overwrite another decision."""
    if change.based_on == wb.rules.version():
        return
    kept = wb.rules.versions / change.based_on
    if not kept.is_dir() or not change.based_on.isalnum():
        raise _outdated(change, "找不到提出时所依据的规则副本，无法确认未覆盖他人的修改；请按现行规则重新提出",
                        "the rules it was made against are not kept here, so it cannot be told apart from an overwrite: propose it again")
    layers = sorted((p for p in kept.iterdir() if p.is_dir()), key=lambda p: int(p.name))
    parsed, _ = _read(change.edits)
    try:
        then = apply_edits(layers, [edit for _, edit in parsed], dry_run=True)
    except EditsRejected:
        then = []
    old = {(c.index, c.rule, c.kind, c.what, c.level): c for c in then}
    for c in made:
        was = old.get((c.index, c.rule, c.kind, c.what, c.level))
        if was is None or was.old != c.old:
            raise _outdated(change, f"{_was(c, was, 'zh')}，不能覆盖他人的修改；请按现行规则重新提出",
                            f"{_was(c, was, 'en')}: someone else's change is not overwritten; propose it again against the rules "
                            "as they are")
    if len(made) != len(then):
        raise _outdated(change, "其中某项设置已被他人改为相同的值", "a setting it changes has been set by someone else since")


def _was(now: Changed, then: Changed | None, lang: str) -> str:
    """``FIN-13 threshold 提出修改时为 70%，现为 75%``: a value as the change found it, and as it is now."""
    what, _, values = now.line(lang).partition(": ")
    current = values.rsplit(" → ", 1)[0]
    before = then.line(lang).partition(": ")[2].rsplit(" → ", 1)[0] if then is not None else None
    if lang == "en":
        return f"{what} was {before} when the change was made and is {current} now" if before else f"{what} is {current} now"
    return f"{what} 提出修改时为 {before}，现为 {current}" if before else f"{what} 现为 {current}"


# ---------------------------------------------------------------- the journal: old or new, never a mix


def _pause() -> None:
    """A seam for the fault tests: ``JUNHENG_FAULT_PAUSE=SECONDS`` waits at each step of writing a change, so that a
    SIGKILL at a random moment lands between steps. Unset (always, outside the tests), it does nothing."""
    seconds = os.environ.get("JUNHENG_FAULT_PAUSE")
    if seconds:
        time.sleep(float(seconds))


def _synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a system whose folders cannot be opened (Windows): the rename is as durable as it gets there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _journal(wb: Workbench, change_id: int, made: dict[str, bytes]) -> None:
    """The old and new bytes of every file the change writes, and which change it is, renamed into place whole."""
    rules, data = wb.rules.data_rules, wb.rules.data_rules.parent
    staging = Path(tempfile.mkdtemp(prefix=f"{JOURNAL}-", dir=data))
    files = []
    for rel, new in made.items():
        for side, content in (("new", new), ("old", (rules / rel).read_bytes() if (rules / rel).is_file() else None)):
            if content is not None:
                (staging / side / rel).parent.mkdir(parents=True, exist_ok=True)
                _synced(staging / side / rel, content)
        files.append({"path": rel, "existed": (rules / rel).is_file()})
    _synced(staging / _MANIFEST, json.dumps({"change": change_id, "files": files}, ensure_ascii=False).encode("utf-8"))
    _pause()
    os.replace(staging, data / JOURNAL)  # the journal exists whole, or not at all
    _sync_folder(data)
    _pause()


def _install(wb: Workbench, side: str = "new") -> None:
    """Put the journal's ``new`` (or ``old``) files in place, each by a rename; a file absent before goes when rolled back."""
    journal, rules = wb.rules.data_rules.parent / JOURNAL, wb.rules.data_rules
    manifest = json.loads((journal / _MANIFEST).read_text(encoding="utf-8"))
    for item in manifest["files"]:
        target = rules / item["path"]
        if side == "old" and not item["existed"]:
            target.unlink(missing_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        os.close(fd)
        _synced(Path(name), (journal / side / item["path"]).read_bytes())
        os.replace(name, target)
        _pause()
    _sync_folder(rules)


def recover_rule_writes(wb: Workbench) -> str | None:
    """Finish or undo an approval the server died in the middle of (see the module's docstring): ``"forward"`` (the
    change is applied: its new files), ``"back"`` (it is not: the old files), or None when there was nothing to do.

    It holds the write lock meanwhile, as an approval does from start to commit: an approval under way in another
    process (a second server on the same folder, against the advice) is waited for, never taken for one that died."""
    with wb.db.writing() as session:
        session.connection()  # the write lock now (a session begins at its first statement)
        with wb.rules.changing():
            return _recover(wb)


def _recover(wb: Workbench) -> str | None:
    """``recover_rule_writes`` for a caller that holds the write lock."""
    data = wb.rules.data_rules.parent
    for stale in data.glob(f"{JOURNAL}-*"):  # a journal never renamed into place: no file was touched
        shutil.rmtree(stale, ignore_errors=True)
    for stale in data.glob(".rules-stage-*"):
        shutil.rmtree(stale, ignore_errors=True)
    journal = data / JOURNAL
    if not journal.is_dir():
        return None
    manifest = json.loads((journal / _MANIFEST).read_text(encoding="utf-8"))
    with wb.db.reading() as session:
        change = session.get(Change, manifest["change"])
        applied = change is not None and change.status == "applied"
    _install(wb, "new" if applied else "old")
    for stray in wb.rules.data_rules.rglob(".*.tmp"):  # a temporary file a rename never took
        stray.unlink(missing_ok=True)
    shutil.rmtree(journal)
    _sync_folder(data)
    return "forward" if applied else "back"


def reject_change(wb: Workbench, who: Principal, change_id: int, reason: str) -> dict[str, Any]:
    """Reject a pending change with a reason; the rule files are untouched."""
    with wb.db.writing() as session:
        change = _decidable(session, who, change_id)
        change.status, change.reviewer, change.decided_at, change.decision_reason = "rejected", who.name, audit.now(), reason
        audit.record(session, who.name, "change_rejected", f"change:{change.id}", {"reason": reason, "title": change.title})
        return {"status": "rejected", "id": change.id}
