"""The supervision loop across years in the server (follow-up.md): the rectification ledger of a district between two
stored years, the site sample of a stored filing with its 核查表, and a filled 核查表 checked and kept as the filing's
verified result.

Nothing here is judged a second way: the ledger is ``followup.ledger.compare`` on two checks, the sample
``followup.sample.draw``, the form ``followup.sample.verification_form``, the verification ``followup.verify.read_form`` and
``check_source`` with the verified figures (DATA-06) — what ``junheng follow-up``, ``sample`` and ``verify`` call. The
checks are made again from the stored originals, each under the rules version of its filing's newest result (kept in
``DATA/versions/<v>/``): the ledger of two stored filings is the one ``junheng follow-up`` printed when they were checked,
whatever the rules say now. A verification is checked under the current rules, as an upload is, and stored with their
version. The ledger, every draw and every verification (accepted or refused) are in the audit log.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from junheng.check.run import Options, check_source
from junheng.check.verified import Verified, repeated_ids
from junheng.errors import InputError, InputErrors
from junheng.filing.read import read_filing
from junheng.followup import ledger_formats
from junheng.followup import sample as sampling
from junheng.followup.ledger import Ledger, compare
from junheng.followup.verify import read_form
from junheng.report.result import Location
from junheng.report.result import Result as CheckResult
from junheng.web import audit
from junheng.web.problems import Refused, invalid, not_found
from junheng.web.roles import Principal, require
from junheng.web.service.filings import Report, policy_for, within_limits
from junheng.web.store.models import Filing, Result, Verification
from junheng.web.workbench import Workbench

__all__ = ["LEDGER_FORMATS", "Stored", "check_stored", "compare_stored", "get_verification", "latest_stored", "ledger",
           "ledger_report", "sample_for", "upload_verification", "verification_form"]

# The ledger's formats (``junheng follow-up --format``) → (media type, file suffix).
LEDGER_FORMATS: dict[str, tuple[str, str]] = {
    "json": ("application/json", ".json"),
    "text": ("text/plain; charset=utf-8", ".txt"),
    "markdown": ("text/markdown; charset=utf-8", ".md"),
    "html": ("text/html; charset=utf-8", ".html"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}
MAX_SCHOOLS = 10_000  # the most schools a draw may ask for (a county has a few hundred)
_LEDGER_DETAILS = frozenset({"indicators"})  # what the later check of a ledger needs: where each rule applies
_NO_DETAILS = frozenset[str]()


@dataclass(frozen=True)
class Stored:
    """A stored filing as a check of it needs it: who it is, and its newest result's rules version, pack and verdict."""

    id: int
    district: str
    district_name: str
    year: int
    filename: str
    sha256: str
    rules_version: str
    standard: str
    verdict: str


# ---------------------------------------------------------------- the stored filings, checked again


def latest_stored(session: Session, who: Principal, district: str | None = None, first_year: int | None = None,
                  last_year: int | None = None) -> list[Stored]:
    """The newest stored filing of every district and year that ``who`` may read (a filer: their own district's only),
    by district and year; ``district`` and the years narrow them."""
    require(who, "read_filings")
    newest = select(func.max(Filing.id).label("id")).group_by(Filing.district, Filing.year)
    if who.role == "filer":
        newest = newest.where(Filing.district == (who.district or ""))
    if district is not None:
        newest = newest.where(Filing.district == district)
    if first_year is not None:
        newest = newest.where(Filing.year >= first_year)
    if last_year is not None:
        newest = newest.where(Filing.year <= last_year)
    ids = newest.subquery()
    result = select(Result.filing_id, func.max(Result.id).label("result_id")).group_by(Result.filing_id).subquery()
    rows = session.execute(
        select(Filing.id, Filing.district, Filing.district_name, Filing.year, Filing.filename, Filing.sha256, Result.rules_version,
               Result.standard, Result.verdict)
        .join(ids, ids.c.id == Filing.id).join(result, result.c.filing_id == Filing.id).join(Result, Result.id == result.c.result_id)
        .order_by(Filing.district, Filing.year))
    return [Stored(*row) for row in rows]


def _original(wb: Workbench, filing_id: int) -> bytes:
    with wb.db.reading() as session:
        data = session.scalars(select(Filing.original).where(Filing.id == filing_id)).first()
    if data is None:  # deleted in between: nothing in the server deletes filings, but the database is not ours alone
        raise not_found("申报", "filing")
    return data


def check_stored(wb: Workbench, stored: Stored, details: frozenset[str], standard: str | None = None) -> CheckResult:
    """The stored original checked again under its result's rules version (``standard``: as ``--standard``), as
    ``junheng check`` checked it then. InputErrors when it can no longer be read, or the pack is not in those rules."""
    policy = policy_for(wb, stored.rules_version)
    data = _original(wb, stored.id)
    with wb.check_lock:
        return check_source(data, policy, Options(standard=standard, details=details), name=stored.filename)


def compare_stored(wb: Workbench, earlier: Stored, later: Stored, standard: str | None = None) -> Ledger:
    """The ledger of two stored filings of one district, as ``junheng follow-up EARLIER LATER`` makes it: each checked
    again (the later one with its indicators), compared with the later check's pack."""
    then = check_stored(wb, earlier, _NO_DETAILS, standard)
    now = check_stored(wb, later, _LEDGER_DETAILS, standard)
    return Ledger(then, now, compare(then.findings, now, policy_for(wb, later.rules_version).packs[now.standard]))


# ---------------------------------------------------------------- the ledger


def _pair(wb: Workbench, who: Principal, district: str, year: int) -> tuple[Stored, Stored]:
    """The newest stored filings of ``district`` for ``year − 1`` and ``year``; 404 naming the year that is missing."""
    require(who, "read_filings")
    if not who.sees(district):
        raise not_found("区县", "district")
    with wb.db.reading() as session:
        found = {s.year: s for s in latest_stored(session, who, district, year - 1, year)}
    for wanted in (year - 1, year):
        if wanted not in found:
            raise Refused(404, "not_found", f"找不到区县 {district} {wanted} 年的申报：整改台账需要 {year - 1} 年和 {year} 年的申报",
                          f"no filing of district {district} for {wanted}: the ledger needs the filings of {year - 1} and {year}")
    return found[year - 1], found[year]


def _ledger(wb: Workbench, who: Principal, district: str, year: int, fmt: str) -> tuple[Ledger, Stored, Stored]:
    earlier, later = _pair(wb, who, district, year)
    try:
        made = compare_stored(wb, earlier, later)
    except InputErrors as exc:  # stored, so both were valid: only a reader changed since could say otherwise
        raise invalid("invalid_filing", "已存储的申报已无法读取", "a stored filing can no longer be read", exc.errors) from None
    with wb.db.writing() as session:
        audit.record(session, who.name, "ledger_viewed", f"district:{district}",
                     {"year": year, "earlier": earlier.id, "later": later.id, "format": fmt, "summary": made.summary})
    return made, earlier, later


def ledger(wb: Workbench, who: Principal, district: str, year: int, lang: str = "zh") -> dict[str, Any]:
    """The ledger of follow-up.md for the newest stored filings of ``district`` in ``year − 1`` and ``year``: the object
    ``junheng follow-up EARLIER LATER --format json`` prints for them, and ``filings``, the two filings' ids."""
    made, earlier, later = _ledger(wb, who, district, year, "json")
    return made.to_json(lang) | {"filings": {"earlier": earlier.id, "later": later.id}}


def ledger_report(wb: Workbench, who: Principal, district: str, year: int, fmt: str, lang: str = "zh") -> Report:
    """The same ledger in one of ``junheng follow-up``'s formats (the xlsx is the ledger officers keep)."""
    if fmt not in LEDGER_FORMATS:
        raise not_found("台账格式", "ledger format")
    made, _, _ = _ledger(wb, who, district, year, fmt)
    binary = ledger_formats.BINARY.get(fmt)
    body: str | bytes = binary(made, lang) if binary is not None else ledger_formats.FORMATS[fmt](made, lang)
    media, suffix = LEDGER_FORMATS[fmt]
    return Report(body, media, f"{district}-{year - 1}-{year}-整改台账{suffix}")


# ---------------------------------------------------------------- the site sample and its form


def _readable(session: Session, who: Principal, filing_id: int) -> Filing:
    """The filing, if ``who`` may read it; 404 when it does not exist or is another district's (for a filer)."""
    require(who, "read_filings")
    filing = session.get(Filing, filing_id)
    if filing is None or not who.sees(filing.district):
        raise not_found("申报", "filing")
    return filing


def _drawing(wb: Workbench, who: Principal, filing_id: int, n: int, seed: str | None, fmt: str) -> sampling.Drawing:
    """The sample of a stored filing, read from its original as ``junheng sample`` reads a file; recorded as drawn."""
    if not 1 <= n <= MAX_SCHOOLS:
        raise invalid("invalid_request", f"抽取的学校数应在 1 到 {MAX_SCHOOLS} 之间", f"the schools to draw must be 1 to {MAX_SCHOOLS}",
                      [InputError("invalid_request", "<query>", None, None, "/n", f"应在 1 到 {MAX_SCHOOLS} 之间，实为 {n}",
                                  f"must be 1 to {MAX_SCHOOLS}, not {n}")])
    with wb.db.reading() as session:
        filing = _readable(session, who, filing_id)
        data, name = filing.original, filing.filename
    try:
        doc, model = read_filing(data, name=name)
    except InputErrors as exc:  # stored, so it was valid: only a reader changed since could say otherwise
        raise invalid("invalid_filing", "该申报已无法读取", "the stored filing can no longer be read", exc.errors) from None
    values = model.model_dump(mode="python", exclude_none=True)  # as draw_filing dumps a filing it read
    drawing = sampling.Drawing(sampling.draw(values, n, seed or None, file=doc.file), values)
    with wb.db.writing() as session:
        audit.record(session, who.name, "sample_drawn", f"filing:{filing_id}",
                     {"schools": n, "seed": drawing.sample.seed, "format": fmt, "drawn": [s.id for s in drawing.sample.schools]})
    return drawing


def sample_for(wb: Workbench, who: Principal, filing_id: int, n: int = 10, seed: str | None = None) -> dict[str, Any]:
    """The site sample of follow-up.md §2 of a stored filing: what ``junheng sample FILING --schools n --seed seed --format
    json`` prints (no seed, or an empty one: the default ``"{code}-{year}"``)."""
    return _drawing(wb, who, filing_id, n, seed, "json").sample.to_json()


def verification_form(wb: Workbench, who: Principal, filing_id: int, n: int = 10, seed: str | None = None) -> bytes:
    """The 核查表 (.xlsx) of that sample: what ``junheng sample … --format xlsx`` writes."""
    return sampling.form_bytes(_drawing(wb, who, filing_id, n, seed, "xlsx"))


# ---------------------------------------------------------------- a filled form, checked and kept


def _form_name(filename: str) -> str:
    """The form's name without any folder (a browser may send ``C:\\…\\x.xlsx``): what the result's locations show."""
    return PurePosixPath(filename.replace("\\", "/")).name.strip()[:255] or "核查表.xlsx"


def _named(errors: Sequence[InputError], path: str, name: str) -> list[InputError]:
    """Errors about the scratch copy of the form, said of the form as it was uploaded."""
    return [replace(e, file=name, zh=e.zh.replace(path, name), en=e.en.replace(path, name)) if e.file == path else e for e in errors]


def _figures(form: bytes, name: str, values: dict[str, Any]) -> tuple[Verified, ...]:
    """The verified figures of an uploaded form (``read_form`` on a scratch copy), located at the form as uploaded."""
    with tempfile.TemporaryDirectory(prefix="junheng-form-") as scratch:
        path = str(Path(scratch) / "form.xlsx")  # never the uploaded name: it only names the form in messages
        Path(path).write_bytes(form)
        try:
            figures = read_form(path, values)
        except InputErrors as exc:
            raise InputErrors(_named(exc.errors, path, name)) from None
    return tuple(replace(f, where=replace(f.where, file=name)) if isinstance(f.where, Location) else f for f in figures)


def _verified(wb: Workbench, filing: tuple[bytes, str], data: bytes, name: str) -> tuple[str, CheckResult, int]:
    """(rules version, the check of the filing — its bytes and name — with the form's figures, how many of them), as
    ``junheng verify FILING FORM`` checks it."""
    within_limits(wb, name if name.lower().endswith(".xlsx") else f"{name}.xlsx", data)  # every form is opened as a workbook
    original, filing_name = filing
    doc, model = read_filing(original, name=filing_name)
    values = model.model_dump(mode="python", exclude_none=True)
    repeated = repeated_ids(doc, values)
    if repeated:
        raise InputErrors(repeated)
    figures = _figures(data, name, values)
    if not figures:
        raise invalid("verification_empty", f"核查表 {name} 没有填写任何核查数：没有可保存的核查结果",
                      f"the form {name} verifies no figure: there is no verified result to keep",
                      [InputError("verify_nothing_verified", name, None, None, "", "核查表没有填写任何核查数",
                                  "the form verifies no figure", cell=sampling.FORM_SHEET)])
    version, policy = wb.rules.current()
    with wb.check_lock:
        result = check_source(original, policy, Options(verified=figures, details=_NO_DETAILS), name=filing_name)
    return version, result, len(figures)


def upload_verification(wb: Workbench, who: Principal, filing_id: int, filename: str, data: bytes) -> dict[str, Any]:
    """A filled 核查表 for a stored filing: the filing checked with its verified figures (DATA-06 for each that differs)
    and kept beside the filed result. 422 with every problem at its sheet and cell for a form that is not valid (nothing
    stored; recorded as ``verification_rejected``), 413 over the upload limits; officers, reviewers and admins only."""
    require(who, "verify")
    name = _form_name(filename)
    with wb.db.reading() as session:
        filing = _readable(session, who, filing_id)
        original = filing.original, filing.filename
    try:
        version, result, figures = _verified(wb, original, data, name)
    except InputErrors as exc:
        count = len(exc.errors)
        refusal = invalid("invalid_verification", f"核查表无效：{count} 处问题", f"the form is invalid: {count} problem(s)", exc.errors)
        _rejected(wb, who, filing_id, name, refusal)
        raise refusal from None
    except Refused as refusal:
        _rejected(wb, who, filing_id, name, refusal)
        raise
    with wb.db.writing() as session:
        row = Verification(filing_id=filing_id, filename=name, form=data, sha256=hashlib.sha256(data).hexdigest(), figures=figures,
                           rules_version=version, standard=result.standard, verdict=result.verdict, result=result.to_json("zh"),
                           uploaded_at=audit.now(), uploaded_by=who.name)
        session.add(row)
        session.flush()
        differing = sum(1 for f in result.findings if f.rule == "DATA-06")
        audit.record(session, who.name, "verification_uploaded", f"filing:{filing_id}",
                     {"verification": row.id, "filename": name, "sha256": row.sha256, "figures": figures, "differing": differing,
                      "verdict": row.verdict, "standard": row.standard, "rules_version": version})
        return _verification_json(row, filing)


def _rejected(wb: Workbench, who: Principal, filing_id: int, name: str, refusal: Refused) -> None:
    with wb.db.writing() as session:
        audit.record(session, who.name, "verification_rejected", f"filing:{filing_id}",
                     {"filename": name, "status": refusal.status, "code": refusal.code, "reason": refusal.en,
                      "problems": len(refusal.problems)})


def _verification_json(row: Verification, filing: Filing) -> dict[str, Any]:
    return {"id": row.id, "filing": filing.id, "district": filing.district, "year": filing.year, "filename": row.filename,
            "sha256": row.sha256, "figures": row.figures, "rules_version": row.rules_version, "standard": row.standard,
            "verdict": row.verdict, "result": row.result, "uploaded_at": row.uploaded_at, "uploaded_by": row.uploaded_by}


def get_verification(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """The filing's newest verified result; 404 when it has none (or ``who`` may not read the filing)."""
    with wb.db.reading() as session:
        filing = _readable(session, who, filing_id)
        row = session.scalars(select(Verification).where(Verification.filing_id == filing_id)
                              .order_by(Verification.id.desc()).limit(1)).first()
        if row is None:
            raise not_found("核查结果", "verification")
        return _verification_json(row, filing)
