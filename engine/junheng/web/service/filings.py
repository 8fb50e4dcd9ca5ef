"""Filings: upload one (validated and checked the way ``junheng check`` does it), list them, read one, check it again,
render its reports in the CLI's formats.

An upload is hostile until proven otherwise. Its name is only ever a label: folders dropped, control and formatting
characters (a newline, a right-to-left override that hides the real extension) replaced by ``_``, never used as a
path. An ``.xlsx`` is a zip of XML, so before the reader opens it ``_screen_workbook`` reads its directory and streams
its parts, refusing what a district's form never holds and a reader should never be asked to read: more than 200 MiB
unpacked or ``_PARTS`` parts, a part over ``_PART_BYTES``, a sheet of more than ``_ROWS`` rows or a workbook of more
than ``_CELLS`` cells (413); macros (``vbaProject.bin``, an ``.xlsm`` renamed), links to other workbooks, an XML
document type declaration (the entity bombs live there) (422, located at the part). A zip that lies about its sizes
cannot get past them either: ``zipfile`` never reads more of a part than the directory says it holds.

An upload is read once (``checkers.check_upload``), in one of the warm checker processes (``checkers.py``) when the
server has them, else in the server's process under ``Workbench.check_lock``; so is a stored filing checked again for
its report (``checkers.render_report``), its preview under the current rules or its recheck: every check runs on
every core, and none waits for another's turn in the server's process.

The stored result is ``Result.to_json("zh")``: exactly the object ``junheng check --format json FILE`` prints for a file
named as the upload was (its folders dropped), checked against the same rules. A report is rendered from a fresh check
of the stored original under the rules version its result was made with (``ruleset``): the same report the CLI would
have printed then, whatever the rules say now.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from junheng.errors import InputError, InputErrors
from junheng.policy.compiled import Policy
from junheng.web import audit
from junheng.web.checkers import Checked, CheckerPool, check_upload
from junheng.web.checkers import render_report as render_report_in
from junheng.web.problems import Refused, conflict, forbidden, invalid, not_found, too_large
from junheng.web.roles import FILER, Principal, require
from junheng.web.store.models import Filing, Result
from junheng.web.workbench import Workbench

__all__ = ["REPORT_FORMATS", "Report", "filing_json", "get_filing", "list_filings", "original", "policy_for", "preview_recheck",
           "recheck_filing", "render_report", "upload_filing", "within_limits"]

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
        within_limits(wb, name, data)
        checked = _check_upload(wb, who, version, policy, name, data)
        if not who.sees(checked.code) or checked.result is None:
            raise forbidden(f"区县填报人只能上传本区县（{who.district}）的申报，该申报属于 {checked.code}",
                            f"a district filer uploads only their own district's ({who.district}) filings; this one is "
                            f"{checked.code}'s")
    except InputErrors as exc:
        refusal = invalid("invalid_filing", f"申报文件无效：{len(exc.errors)} 处问题",
                          f"the filing is invalid: {len(exc.errors)} problem(s)", exc.errors)
        _rejected(wb, who, name, refusal)
        raise refusal from None
    except Refused as refusal:
        _rejected(wb, who, name, refusal)
        raise
    with wb.db.writing() as session:
        filing = _store(session, who, name, data, checked)
        row = _store_result(session, filing, who, version, checked)
        audit.record(session, who.name, "upload", f"filing:{filing.id}",
                     {"district": filing.district, "year": filing.year, "filename": name, "sha256": filing.sha256,
                      "standard": row.standard, "verdict": row.verdict, "rules_version": version})
        return filing_json(filing, row)


def _clean_name(filename: str) -> str:
    """The uploaded file's name without any folder (a browser may send ``C:\\…\\x.xlsx``): what reports show. Control
    and formatting characters become ``_``: a name is shown and logged, never used as a path."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    name = "".join("_" if unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" else ch for ch in name).strip()
    if not name or name in (".", ".."):
        raise invalid("invalid_filing", "上传的文件没有文件名", "the uploaded file has no name",
                      [InputError("filing_unsupported_format", "<upload>", None, None, "", "上传的文件没有文件名",
                                  "the uploaded file has no name")])
    return name[:255]


def within_limits(wb: Workbench, name: str, data: bytes) -> None:
    """413 above ``--max-upload``, and for an .xlsx whose members would unpack to more than 200 MiB (before opening it);
    422 for the traps of a workbook (macros, external links, a DTD). Every upload goes through it: filings here, the
    filled 核查表 in ``followup``."""
    limit = wb.settings.max_upload
    if len(data) > limit:
        raise too_large(f"文件超过上传上限 {_mib(limit)}", f"the file is larger than the upload limit of {_mib(limit)}")
    if name.lower().endswith(".xlsx"):
        _screen_workbook(wb, name, data)


# ---------------------------------------------------------------- a workbook's parts, before the reader sees them

_PARTS = 1000  # a district's form has about twenty
_PART_BYTES = 64 * 2**20  # one part unpacked
_ROWS = 50_000  # rows of one sheet: a province's schools fit many times over
_CELLS = 500_000  # cells (and shared strings) of the whole workbook
_PROLOG = 64 * 1024  # an XML part's declaration, comments and document type must end within this
_CHUNK = 1 << 20
_TAIL = 64  # bytes kept between chunks: longer than any tag the counts look for
_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.I)
_ROOT = re.compile(r"<[^?!]")
_TAGS = {"row": re.compile(rb"<(?:[A-Za-z_][\w.-]{0,16}:)?row[\s>/]"), "c": re.compile(rb"<(?:[A-Za-z_][\w.-]{0,16}:)?c[\s>/]"),
         "si": re.compile(rb"<(?:[A-Za-z_][\w.-]{0,16}:)?si[\s>/]")}


def _screen_workbook(wb: Workbench, name: str, data: bytes) -> None:
    """Refuse a workbook that is a trap (see the module's docstring); a zip that is merely damaged is left to the reader,
    which says so as ``junheng check`` would."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _screen_parts(wb, name, archive)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError):
        return  # not a workbook at all, or a damaged one: the reader says so, located, as for `junheng check`


def _screen_parts(wb: Workbench, name: str, archive: zipfile.ZipFile) -> None:
    """Each kind of trap in turn, the cheapest to see first: sizes from the directory, macros and links by name, then the XML."""
    infos = archive.infolist()
    unpacked, cap = sum(info.file_size for info in infos), wb.settings.max_unpacked
    if unpacked > cap:
        raise too_large(f"该 .xlsx 解压后为 {_mib(unpacked)}，超过上限 {_mib(cap)}",
                        f"the .xlsx unpacks to {_mib(unpacked)}, more than the limit of {_mib(cap)}")
    if len(infos) > _PARTS:
        raise too_large(f"该 .xlsx 含有 {len(infos)} 个部件，超过上限 {_PARTS}", f"the .xlsx has {len(infos)} parts, more than {_PARTS}")
    big = next((info for info in infos if info.file_size > _PART_BYTES), None)
    if big is not None:
        raise too_large(f"该 .xlsx 的部件 {big.filename} 解压后为 {_mib(big.file_size)}，超过上限 {_mib(_PART_BYTES)}",
                        f"the .xlsx part {big.filename} unpacks to {_mib(big.file_size)}, more than {_mib(_PART_BYTES)}")
    names = [info.filename for info in infos]
    types = archive.read("[Content_Types].xml").decode("utf-8", "replace") if "[Content_Types].xml" in names else ""
    if any(n.lower().endswith("vbaproject.bin") for n in names) or "macroenabled" in types.lower():
        raise _trap(name, "filing_macros", "工作簿含有宏（.xlsm）：请另存为不含宏的 .xlsx 后上传",
                    "the workbook holds macros (.xlsm): save it as a macro-free .xlsx and upload that")
    linked = next((n for n in names if n.lower().startswith("xl/externallinks/")), None)
    if linked is not None:
        raise _trap(name, "filing_external_links", f"工作簿链接了其他工作簿（{linked}）：请断开外部链接（数据→编辑链接）后上传",
                    f"the workbook links to other workbooks ({linked}): break the links (Data → Edit Links) and upload it again")
    counts = {"row": 0, "c": 0, "si": 0}
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            _screen_xml(name, archive, info, counts)


def _screen_xml(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, counts: dict[str, int]) -> None:
    """One XML part: no document type declaration; its rows, cells and shared strings counted (413 past the limits)."""
    lowered = info.filename.lower()
    tags = ("row", "c") if lowered.startswith("xl/worksheets/") else ("si",) if lowered.endswith("sharedstrings.xml") else ()
    rows_before = counts["row"]
    with archive.open(info) as part:
        head = part.read(_PROLOG)
        _screen_prolog(name, info.filename, head)
        if not tags:
            return
        tail = b""
        chunk = head
        while chunk:
            buffer = tail + chunk
            chunk = part.read(_CHUNK)
            end = len(buffer) if not chunk else len(buffer) - _TAIL
            for tag in tags:
                counts[tag] += sum(1 for m in _TAGS[tag].finditer(buffer) if m.start() < end)
            tail = buffer[end:]
            if counts["row"] - rows_before > _ROWS or counts["c"] > _CELLS or counts["si"] > _CELLS:
                raise too_large(f"该 .xlsx 太大：{info.filename} 超过 {_ROWS} 行，或工作簿超过 {_CELLS} 个单元格",
                                f"the .xlsx is too large: {info.filename} has more than {_ROWS} rows, or the workbook more than "
                                f"{_CELLS} cells")


def _screen_prolog(name: str, part: str, head: bytes) -> None:
    """Refuse a document type declaration (where entity bombs and external entities live): no part of a workbook has one."""
    encoding = "utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[:4] in (b"<\x00?\x00", b"\x00<\x00?") else "utf-8"
    text = head.decode(encoding, "replace")
    root = _ROOT.search(text)
    prolog = text if root is None else text[:root.start()]
    if _DTD.search(prolog) or (root is None and len(head) == _PROLOG):
        raise _trap(name, "filing_xml_doctype", f"工作簿的 {part} 含有 XML 文档类型声明（DOCTYPE/ENTITY），Excel 不会这样保存：拒绝读取",
                    f"the workbook's {part} has an XML document type declaration (DOCTYPE/ENTITY), which Excel never writes: "
                    "refused")


def _trap(name: str, code: str, zh: str, en: str) -> Refused:
    problem = InputError(code, name, None, None, "", zh, en)
    return invalid("invalid_filing", f"申报文件无效：{zh}", f"the filing is invalid: {en}", [problem])


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB".replace(".0 MiB", " MiB")


def _check_upload(wb: Workbench, who: Principal | None, version: str, policy: Policy, name: str, data: bytes) -> Checked:
    """The upload read and checked once: in a checker process when the server has them (``checkers.py``), else here,
    in turn. A filer's upload of another district's filing is read, not checked (``Checked.result`` None); ``who``
    None: a stored filing checked again, whoever asked (they could read it)."""
    districts = frozenset(d for d in (who.district,) if d) if who is not None and who.role == FILER else None
    pooled = _pooled(wb, version)
    if pooled is not None:
        pool, kept = pooled
        return pool.check(version, kept, name, data, districts)
    with wb.check_lock:
        return check_upload(policy, name, data, districts)


def _pooled(wb: Workbench, version: str) -> tuple[CheckerPool, Path] | None:
    """The checker processes, and the copy of the rules of ``version`` they compile (``ruleset.py`` keeps one per
    version), when the server has them and the copy is there; None: check in the server's process."""
    kept = wb.rules.versions / version
    return (wb.checkers, kept) if wb.checkers is not None and kept.is_dir() else None


def _rejected(wb: Workbench, who: Principal, name: str, refusal: Refused) -> None:
    with wb.db.writing() as session:
        audit.record(session, who.name, "upload_rejected", f"upload:{name}",
                     {"filename": name, "status": refusal.status, "code": refusal.code, "reason": refusal.en,
                      "problems": len(refusal.problems)})


def _store(session: Session, who: Principal, name: str, data: bytes, checked: Checked) -> Filing:
    filing = Filing(district=checked.code, district_name=checked.name, year=checked.year, filename=name, original=data,
                    sha256=hashlib.sha256(data).hexdigest(), parsed=checked.parsed, uploaded_at=audit.now(), uploaded_by=who.name)
    session.add(filing)
    session.flush()
    return filing


def _store_result(session: Session, filing: Filing, who: Principal, version: str, checked: Checked) -> Result:
    """A check's result (``Checked``: its standard, verdict and ``to_json("zh")``) as the filing's newest."""
    standard, verdict, stored = checked.standard or "", checked.verdict or "", checked.result
    row = Result(filing_id=filing.id, rules_version=version, standard=standard, verdict=verdict, result=stored,
                 checked_at=audit.now(), checked_by=who.name)
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


def policy_for(wb: Workbench, version: str) -> Policy:
    """The compiled rules of ``version``: the current ones, or a kept copy; 409 when this server never kept it."""
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
    pooled = _pooled(wb, version)
    try:
        if pooled is not None:
            pool, kept = pooled
            body = pool.report(version, kept, name, data, fmt, lang)
        else:
            policy = policy_for(wb, version)  # 409 for a version this server never kept
            with wb.check_lock:
                body = render_report_in(policy, name, data, fmt, lang)
    except InputErrors as exc:  # stored, so it was valid: only a reader changed since could say otherwise
        raise invalid("invalid_filing", "该申报已无法读取", "the stored filing can no longer be read", exc.errors) from None
    media, suffix = REPORT_FORMATS[fmt]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return Report(body, media, f"{stem}{suffix}")


def preview_recheck(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """What the current rules say about a stored filing, beside its stored result (nothing is stored)."""
    with wb.db.reading() as session:
        filing, stored = _readable(session, who, filing_id)
        data, name, stored_version, stored_result = filing.original, filing.filename, stored.rules_version, stored.result
    version, policy = wb.rules.current()
    result = _check_upload(wb, None, version, policy, name, data).result
    if result is None:  # never: only a filer's upload of another district is read and not checked
        raise RuntimeError(f"filing {filing_id} was not checked again")
    return {"id": filing_id, "rules_version": version, "stored_rules_version": stored_version, "result": result,
            "verdict": result["verdict"], "differs": result != stored_result}


def recheck_filing(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """Check a stored filing under the current rules and keep that result as its newest (the old one stays)."""
    require(who, "upload")
    with wb.db.reading() as session:
        filing, _ = _readable(session, who, filing_id)
        data, name = filing.original, filing.filename
    version, policy = wb.rules.current()
    checked = _check_upload(wb, None, version, policy, name, data)
    with wb.db.writing() as session:
        stored = session.get(Filing, filing_id)
        if stored is None:  # deleted in between: nothing in the server deletes filings, but the database is not ours alone
            raise not_found("申报", "filing")
        row = _store_result(session, stored, who, version, checked)
        audit.record(session, who.name, "recheck", f"filing:{filing_id}",
                     {"rules_version": version, "verdict": row.verdict, "standard": row.standard})
        return filing_json(stored, row)
