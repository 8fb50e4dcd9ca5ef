"""Filings: upload one (validated and checked the way ``junheng check`` does it), list them, read one, check it again,
render its reports in the CLI's formats.

The stored result is ``Result.to_json("zh")``: exactly the object ``junheng check --format json FILE`` prints for a file
named as the upload was (its folders dropped), checked against the same rules. A report is rendered from a fresh check
of the stored original under the rules version its result was made with (``ruleset``): the same report the CLI would
have printed then, whatever the rules say now.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from junheng.check.run import Options, check_source
from junheng.errors import InputError, InputErrors
from junheng.filing.model import Filing as FilingModel
from junheng.filing.read import read_filing
from junheng.policy.compiled import Policy
from junheng.report import formats
from junheng.report.result import Result as CheckResult
from junheng.web import audit
from junheng.web.problems import Refused, conflict, forbidden, invalid, not_found, too_large
from junheng.web.roles import Principal, require
from junheng.web.store.models import Filing, Result
from junheng.web.workbench import Workbench

__all__ = ["REPORT_FORMATS", "Report", "filing_json", "get_filing", "list_filings", "original", "preview_recheck", "recheck_filing",
           "render_report", "upload_filing"]

# --format name → (media type, file suffix) of every report a filing can be downloaded as.
REPORT_FORMATS: dict[str, tuple[str, str]] = {
    "html": ("text/html; charset=utf-8", ".html"),
    "letter": ("text/markdown; charset=utf-8", ".md"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "json": ("application/json", ".json"),
    "jsonl": ("application/x-ndjson", ".jsonl"),
    "markdown": ("text/markdown; charset=utf-8", ".md"),
    "text": ("text/plain; charset=utf-8", ".txt"),
    "junit": ("application/xml", ".xml"),
    "sarif": ("application/sarif+json", ".sarif"),
    "github": ("text/plain; charset=utf-8", ".txt"),
}
_NO_DETAILS = frozenset[str]()


@dataclass(frozen=True)
class Report:
    """A rendered report: its bytes or text, media type and the file name a download gets."""

    body: str | bytes
    media_type: str
    filename: str


# ---------------------------------------------------------------- upload


def upload_filing(wb: Workbench, who: Principal, filename: str, data: bytes) -> dict[str, Any]:
    """Validate and check an uploaded filing and store it with its result; ``Refused`` (nothing stored) otherwise.

    422 ``invalid_filing`` with every located problem, 413 over the limits, 403 for a filer's upload of another
    district's filing. A refusal is recorded in the audit log as ``upload_rejected``.
    """
    require(who, "upload")
    name = _clean_name(filename)
    version, policy = wb.rules.current()  # broken rule files are the office's problem, not the upload's: a 500 (app.py)
    try:
        _within_limits(wb, name, data)
        _doc, parsed = read_filing(data, name=name)  # the one way every command reads a filing
        if not who.sees(parsed.district.code):
            raise forbidden(f"区县填报人只能上传本区县（{who.district}）的申报，该申报属于 {parsed.district.code}",
                            f"a district filer uploads only their own district's ({who.district}) filings; this one is "
                            f"{parsed.district.code}'s")
        result = _check(wb, data, name, policy, _NO_DETAILS)
    except InputErrors as exc:
        refusal = invalid("invalid_filing", f"申报文件无效：{len(exc.errors)} 处问题",
                          f"the filing is invalid: {len(exc.errors)} problem(s)", exc.errors)
        _rejected(wb, who, name, refusal)
        raise refusal from None
    except Refused as refusal:
        _rejected(wb, who, name, refusal)
        raise
    with wb.db.writing() as session:
        filing = _store(session, who, name, data, parsed)
        row = _store_result(session, filing, who, version, result)
        audit.record(session, who.name, "upload", f"filing:{filing.id}",
                     {"district": filing.district, "year": filing.year, "filename": name, "sha256": filing.sha256,
                      "standard": row.standard, "verdict": row.verdict, "rules_version": version})
        return filing_json(filing, row)


def _clean_name(filename: str) -> str:
    """The uploaded file's name without any folder (a browser may send ``C:\\…\\x.xlsx``): what reports show."""
    name = PurePosixPath(filename.replace("\\", "/")).name.strip()
    if not name or name in (".", ".."):
        raise invalid("invalid_filing", "上传的文件没有文件名", "the uploaded file has no name",
                      [InputError("filing_unsupported_format", "<upload>", None, None, "", "上传的文件没有文件名",
                                  "the uploaded file has no name")])
    return name[:255]


def _within_limits(wb: Workbench, name: str, data: bytes) -> None:
    """413 above ``--max-upload``, and for an .xlsx whose members would unpack to more than 200 MiB (before opening it)."""
    limit = wb.settings.max_upload
    if len(data) > limit:
        raise too_large(f"文件超过上传上限 {_mib(limit)}", f"the file is larger than the upload limit of {_mib(limit)}")
    if not name.lower().endswith(".xlsx"):
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a workbook at all: the reader says so, located, as for `junheng check`
    cap = wb.settings.max_unpacked
    if unpacked > cap:
        raise too_large(f"该 .xlsx 解压后为 {_mib(unpacked)}，超过上限 {_mib(cap)}",
                        f"the .xlsx unpacks to {_mib(unpacked)}, more than the limit of {_mib(cap)}")


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB".replace(".0 MiB", " MiB")


def _check(wb: Workbench, data: bytes, name: str, policy: Policy, details: frozenset[str] | None) -> CheckResult:
    """``check_source`` as ``junheng check`` runs it for a file named ``name`` (``InputErrors`` for broken input)."""
    with wb.check_lock:
        return check_source(data, policy, Options(details=details), name=name)


def _rejected(wb: Workbench, who: Principal, name: str, refusal: Refused) -> None:
    with wb.db.writing() as session:
        audit.record(session, who.name, "upload_rejected", f"upload:{name}",
                     {"filename": name, "status": refusal.status, "code": refusal.code, "reason": refusal.en,
                      "problems": len(refusal.problems)})


def _store(session: Session, who: Principal, name: str, data: bytes, parsed: FilingModel) -> Filing:
    filing = Filing(district=parsed.district.code, district_name=parsed.district.name, year=parsed.district.year, filename=name,
                    original=data, sha256=hashlib.sha256(data).hexdigest(), parsed=parsed.model_dump(mode="json", exclude_none=True),
                    uploaded_at=audit.now(), uploaded_by=who.name)
    session.add(filing)
    session.flush()
    return filing


def _store_result(session: Session, filing: Filing, who: Principal, version: str, result: CheckResult) -> Result:
    row = Result(filing_id=filing.id, rules_version=version, standard=result.standard, verdict=result.verdict,
                 result=result.to_json("zh"), checked_at=audit.now(), checked_by=who.name)
    session.add(row)
    session.flush()
    return row


# ---------------------------------------------------------------- reading


def filing_json(filing: Filing, result: Result) -> dict[str, Any]:
    """A filing as the API gives it: server.md's keys first, then a few the pages use."""
    return {"id": filing.id, "district": filing.district, "year": filing.year, "standard": result.standard,
            "rules_version": result.rules_version, "result": result.result, "verdict": result.verdict,
            "district_name": filing.district_name, "filename": filing.filename, "uploaded_at": filing.uploaded_at,
            "uploaded_by": filing.uploaded_by, "checked_at": result.checked_at, "sha256": filing.sha256}


def _listed(filing: Filing, result: Result) -> dict[str, Any]:
    return {"id": filing.id, "district": filing.district, "year": filing.year, "standard": result.standard, "verdict": result.verdict,
            "uploaded_at": filing.uploaded_at, "uploaded_by": filing.uploaded_by, "rules_version": result.rules_version,
            "district_name": filing.district_name, "filename": filing.filename}


def _latest() -> Any:
    """Each filing's newest result's id, as a subquery."""
    return select(Result.filing_id, func.max(Result.id).label("result_id")).group_by(Result.filing_id).subquery()


def list_filings(wb: Workbench, who: Principal, district: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    """The filings ``who`` may read, newest first (a filer: their district's only, whatever ``district`` asks)."""
    require(who, "read_filings")
    latest = _latest()
    query = (select(Filing, Result).join(latest, latest.c.filing_id == Filing.id).join(Result, Result.id == latest.c.result_id)
             .options(defer(Result.result)).order_by(Filing.id.desc()))
    if district is not None:
        query = query.where(Filing.district == district)
    if who.role == "filer":
        query = query.where(Filing.district == (who.district or ""))
    if year is not None:
        query = query.where(Filing.year == year)
    with wb.db.reading() as session:
        return [_listed(filing, result) for filing, result in session.execute(query)]


def _readable(session: Session, who: Principal, filing_id: int) -> tuple[Filing, Result]:
    """The filing and its newest result, if ``who`` may read it; 404 when it does not exist or is another district's
    (for a filer: the same answer, so that its existence is not revealed)."""
    require(who, "read_filings")
    filing = session.get(Filing, filing_id)
    result = session.scalars(select(Result).where(Result.filing_id == filing_id).order_by(Result.id.desc()).limit(1)).first()
    if filing is None or result is None or not who.sees(filing.district):
        raise not_found("申报", "filing")
    return filing, result


def get_filing(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    with wb.db.reading() as session:
        return filing_json(*_readable(session, who, filing_id))


def original(wb: Workbench, who: Principal, filing_id: int) -> tuple[bytes, str]:
    """The bytes as uploaded, and the file's name."""
    with wb.db.reading() as session:
        filing, _ = _readable(session, who, filing_id)
        return filing.original, filing.filename


# ---------------------------------------------------------------- checking again, reports


def _policy_of(wb: Workbench, version: str) -> Policy:
    current, policy = wb.rules.current()
    if version == current:
        return policy
    kept = wb.rules.policy(version)
    if kept is None:
        raise conflict("rules_version_unavailable", f"找不到规则版本 {version} 的副本，无法重现该结果",
                       f"the rules of version {version} are not kept here: the result cannot be reproduced")
    return kept


def render_report(wb: Workbench, who: Principal, filing_id: int, fmt: str, lang: str = "zh") -> Report:
    """The filing's report in ``fmt`` (a CLI ``--format``), from its newest result's rules version."""
    if fmt not in REPORT_FORMATS:
        raise not_found("报告格式", "report format")
    with wb.db.reading() as session:
        filing, stored = _readable(session, who, filing_id)
        data, name, version = filing.original, filing.filename, stored.rules_version
    policy = _policy_of(wb, version)
    try:
        result = _check(wb, data, name, policy, formats.NEEDS.get(fmt, _NO_DETAILS))
    except InputErrors as exc:  # stored, so it was valid: only a reader changed since could say otherwise
        raise invalid("invalid_filing", "该申报已无法读取", "the stored filing can no longer be read", exc.errors) from None
    binary = formats.BINARY.get(fmt)
    body: str | bytes = binary([result], lang=lang) if binary is not None else formats.get(fmt)([result], lang=lang)
    media, suffix = REPORT_FORMATS[fmt]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return Report(body, media, f"{stem}{suffix}")


def preview_recheck(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """What the current rules say about a stored filing, beside its stored result (nothing is stored)."""
    with wb.db.reading() as session:
        filing, stored = _readable(session, who, filing_id)
        data, name, stored_version, stored_result = filing.original, filing.filename, stored.rules_version, stored.result
    version, policy = wb.rules.current()
    result = _check(wb, data, name, policy, _NO_DETAILS).to_json("zh")
    return {"id": filing_id, "rules_version": version, "stored_rules_version": stored_version, "result": result,
            "verdict": result["verdict"], "differs": result != stored_result}


def recheck_filing(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """Check a stored filing under the current rules and keep that result as its newest (the old one stays)."""
    require(who, "upload")
    with wb.db.reading() as session:
        filing, _ = _readable(session, who, filing_id)
        data, name = filing.original, filing.filename
    version, policy = wb.rules.current()
    result = _check(wb, data, name, policy, _NO_DETAILS)
    with wb.db.writing() as session:
        stored = session.get(Filing, filing_id)
        if stored is None:  # deleted in between: nothing in the server deletes filings, but the database is not ours alone
            raise not_found("申报", "filing")
        row = _store_result(session, stored, who, version, result)
        audit.record(session, who.name, "recheck", f"filing:{filing_id}",
                     {"rules_version": version, "verdict": row.verdict, "standard": row.standard})
        return filing_json(stored, row)
