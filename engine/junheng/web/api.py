"""The JSON API of server.md: each route parses the request, calls one service function, returns its JSON.

Roles are checked by the service functions (``roles.require``), not here, so that the pages get the same answers.
Routes are plain ``def`` (FastAPI runs them in its thread pool) except the upload, which reads its body as it streams.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import UploadFile

from junheng.errors import InputError
from junheng.web.auth import COOKIE, CurrentUser, clear_session_cookie, current_user, lang_of, set_session_cookie, workbench
from junheng.web.middleware import REPORT_CSP
from junheng.web.problems import invalid
from junheng.web.service import accounts, catalogue, changes, filings, followup, logbook, overview
from junheng.web.workbench import Workbench

__all__ = ["router"]

router = APIRouter(prefix="/api")


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Credentials(_Body):
    name: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class Proposal(_Body):
    title: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=5000)
    edits: list[dict[str, Any]] = Field(min_length=1, max_length=200)


class Decision(_Body):
    reason: str = Field(min_length=1, max_length=5000)


# ---------------------------------------------------------------- who is asking


@router.post("/session")
def log_in(request: Request, response: Response, body: Credentials) -> dict[str, Any]:
    """Log in with a name and password: the session cookie, and who you are."""
    login = accounts.log_in(workbench(request), body.name, body.password, request.client.host if request.client else None)
    set_session_cookie(response, request, login)
    return {"user": login.principal.to_json()}


@router.delete("/session", status_code=204)
def log_out(request: Request) -> Response:
    secret = request.cookies.get(COOKIE)
    if secret:
        accounts.log_out(workbench(request), secret)
    response = Response(status_code=204)
    clear_session_cookie(response, request)
    return response


@router.get("/me")
def me(who: CurrentUser) -> dict[str, Any]:
    return {"user": who.to_json()}


@router.get("/users")
def users(request: Request, who: CurrentUser) -> dict[str, Any]:
    return {"users": accounts.list_users(workbench(request), who)}


# ---------------------------------------------------------------- filings


@router.post("/filings", status_code=201)
async def upload(request: Request) -> JSONResponse:
    """A filing as multipart field ``file``: checked, stored, its result returned (server.md)."""
    who = await run_in_threadpool(current_user, request)
    wb = workbench(request)
    name, data = await _sent_file(request, wb, "申报文件", "the filing")
    made = await run_in_threadpool(filings.upload_filing, wb, who, name, data)
    return JSONResponse(made, status_code=201)


async def _sent_file(request: Request, wb: Workbench, what_zh: str, what_en: str) -> tuple[str, bytes]:
    """The multipart field ``file`` of an upload: its name and bytes (at most one byte past ``--max-upload``); 422 without it."""
    form = await request.form(max_files=1, max_fields=10, max_part_size=64 * 1024)
    try:
        sent = form.get("file")
        if not isinstance(sent, UploadFile):
            raise invalid("invalid_request", f"请以 multipart 字段 file 上传{what_zh}", f"send {what_en} as the multipart field `file`",
                          [InputError("missing_file", "<request>", None, None, "/file", "缺少字段 file", "the field `file` is missing")])
        data = await sent.read(wb.settings.max_upload + 1)  # one byte more than allowed is enough to know
        return sent.filename or "", data
    finally:
        await form.close()


@router.get("/filings")
def list_filings(request: Request, who: CurrentUser, district: str | None = None, year: int | None = None) -> dict[str, Any]:
    return {"filings": filings.list_filings(workbench(request), who, district, year)}


@router.get("/filings/{filing_id}")
def get_filing(request: Request, who: CurrentUser, filing_id: int) -> dict[str, Any]:
    return filings.get_filing(workbench(request), who, filing_id)


def _report(request: Request, who: CurrentUser, filing_id: int, fmt: str, download: bool) -> Response:
    report = filings.render_report(workbench(request), who, filing_id, fmt, lang_of(request))
    disposition = "attachment" if download else "inline"
    headers = {"content-disposition": f"{disposition}; filename*=UTF-8''{quote(report.filename)}"}
    if fmt == "html":
        headers["content-security-policy"] = REPORT_CSP
    return Response(report.body, media_type=report.media_type, headers=headers)


@router.get("/filings/{filing_id}/report.html")
def report_html(request: Request, who: CurrentUser, filing_id: int) -> Response:
    return _report(request, who, filing_id, "html", download=False)


@router.get("/filings/{filing_id}/letter.md")
def letter_md(request: Request, who: CurrentUser, filing_id: int) -> Response:
    return _report(request, who, filing_id, "letter", download=False)


@router.get("/filings/{filing_id}/report/{fmt}")
def report_download(request: Request, who: CurrentUser, filing_id: int, fmt: str) -> Response:
    """The report in any of the CLI's formats (``filings.REPORT_FORMATS``), as a download."""
    return _report(request, who, filing_id, fmt, download=True)


@router.get("/filings/{filing_id}/original")
def original(request: Request, who: CurrentUser, filing_id: int) -> Response:
    data, name = filings.original(workbench(request), who, filing_id)
    return Response(data, media_type="application/octet-stream",
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/filings/{filing_id}/recheck")
def preview_recheck(request: Request, who: CurrentUser, filing_id: int) -> dict[str, Any]:
    """What the current rules say about the filing, beside its stored result (nothing stored)."""
    return filings.preview_recheck(workbench(request), who, filing_id)


@router.post("/filings/{filing_id}/recheck")
def recheck(request: Request, who: CurrentUser, filing_id: int) -> dict[str, Any]:
    """Check the filing again under the current rules and keep that result as its newest."""
    return filings.recheck_filing(workbench(request), who, filing_id)


# ---------------------------------------------------------------- the supervision loop across years (follow-up.md)


def _download(body: str | bytes, media_type: str, filename: str, download: bool = True) -> Response:
    headers = {"content-disposition": f"{'attachment' if download else 'inline'}; filename*=UTF-8''{quote(filename)}"}
    if media_type.startswith("text/html"):
        headers["content-security-policy"] = REPORT_CSP
    return Response(body, media_type=media_type, headers=headers)


@router.get("/districts/{code}/ledger")
def ledger(request: Request, who: CurrentUser, code: str, year: Annotated[int, Query()]) -> dict[str, Any]:
    """The follow-up ledger of the district's stored filings of ``year − 1`` and ``year`` (404 naming a missing year)."""
    return followup.ledger(workbench(request), who, code, year, lang_of(request))


@router.get("/districts/{code}/ledger/{fmt}")
def ledger_download(request: Request, who: CurrentUser, code: str, fmt: str, year: Annotated[int, Query()]) -> Response:
    """The same ledger in any of ``junheng follow-up``'s formats (``followup.LEDGER_FORMATS``), as a download."""
    report = followup.ledger_report(workbench(request), who, code, year, fmt, lang_of(request))
    return _download(report.body, report.media_type, report.filename)


_SCHOOLS = Query(ge=1, le=followup.MAX_SCHOOLS)
_SEED = Query(max_length=200)


@router.get("/filings/{filing_id}/sample")
def sample(request: Request, who: CurrentUser, filing_id: int, n: Annotated[int, _SCHOOLS] = 10,
           seed: Annotated[str | None, _SEED] = None) -> dict[str, Any]:
    """The site sample of the filing (``junheng sample --format json``)."""
    return followup.sample_for(workbench(request), who, filing_id, n, seed)


@router.get("/filings/{filing_id}/verification-form.xlsx")
def verification_form(request: Request, who: CurrentUser, filing_id: int, n: Annotated[int, _SCHOOLS] = 10,
                      seed: Annotated[str | None, _SEED] = None) -> Response:
    """The 核查表 of that sample (``junheng sample --format xlsx``), as a download."""
    body = followup.verification_form(workbench(request), who, filing_id, n, seed)
    return _download(body, followup.LEDGER_FORMATS["xlsx"][0], f"核查表-{filing_id}.xlsx")


@router.post("/filings/{filing_id}/verification", status_code=201)
async def upload_verification(request: Request, filing_id: int) -> JSONResponse:
    """A filled 核查表 as multipart field ``file``: the filing checked with its verified figures, kept; 422 for an invalid form."""
    who = await run_in_threadpool(current_user, request)
    wb = workbench(request)
    name, data = await _sent_file(request, wb, "核查表", "the verification form")
    made = await run_in_threadpool(followup.upload_verification, wb, who, filing_id, name, data)
    return JSONResponse(made, status_code=201)


@router.get("/filings/{filing_id}/verification")
def get_verification(request: Request, who: CurrentUser, filing_id: int) -> dict[str, Any]:
    """The filing's newest verified result (404 when none was uploaded)."""
    return followup.get_verification(workbench(request), who, filing_id)


# ---------------------------------------------------------------- the overview


@router.get("/overview")
def overview_json(request: Request, who: CurrentUser, year: int | None = None, standard: str | None = None) -> dict[str, Any]:
    """Every district at a glance (``junheng overview --format json``) over the stored filings the asker may read."""
    return overview.overview_json(workbench(request), who, year, standard or None, lang_of(request))


@router.get("/overview.html")
def overview_html(request: Request, who: CurrentUser, year: int | None = None, standard: str | None = None) -> Response:
    """The same overview as a page (``junheng overview --format html``)."""
    page = overview.overview_page(workbench(request), who, year, standard or None, lang_of(request))
    return _download(page, "text/html; charset=utf-8", "overview.html", download=False)


@router.get("/overview.xlsx")
def overview_xlsx(request: Request, who: CurrentUser, year: int | None = None, standard: str | None = None) -> Response:
    """The same overview as a workbook, one sheet per table (``junheng overview --format xlsx``)."""
    report = overview.overview_workbook(workbench(request), who, year, standard or None, lang_of(request))
    return _download(report.body, report.media_type, report.filename)


# ---------------------------------------------------------------- rules and changes


@router.get("/rules")
def rules(request: Request, who: CurrentUser) -> dict[str, Any]:
    return catalogue.rules_catalogue(workbench(request), who, lang_of(request))


@router.get("/changes")
def list_changes(request: Request, who: CurrentUser, status: str | None = None) -> dict[str, Any]:
    return {"changes": changes.list_changes(workbench(request), who, status)}


@router.post("/changes", status_code=201)
def propose(request: Request, who: CurrentUser, body: Proposal) -> dict[str, Any]:
    return changes.propose_change(workbench(request), who, body.title, body.reason, body.edits)


class Preview(_Body):
    edits: list[dict[str, Any]] = Field(min_length=1, max_length=200)


@router.post("/changes/preview")
def preview_change(request: Request, who: CurrentUser, body: Preview) -> dict[str, Any]:
    """What the edits would do (impact on the stored filings, the rule files' diff), nothing stored: the form's preview."""
    return changes.preview_change(workbench(request), who, body.edits)


@router.get("/changes/{change_id}")
def get_change(request: Request, who: CurrentUser, change_id: int) -> dict[str, Any]:
    return changes.get_change(workbench(request), who, change_id)


@router.post("/changes/{change_id}/approve")
def approve(request: Request, who: CurrentUser, change_id: int) -> dict[str, Any]:
    return changes.approve_change(workbench(request), who, change_id)


@router.post("/changes/{change_id}/reject")
def reject(request: Request, who: CurrentUser, change_id: int, body: Annotated[Decision, Body()]) -> dict[str, Any]:
    return changes.reject_change(workbench(request), who, change_id, body.reason)


# ---------------------------------------------------------------- the audit log


@router.get("/audit")
def audit_log(request: Request, who: CurrentUser, after: int = 0, limit: int = logbook.MAX_ENTRIES,
              action: str | None = None) -> dict[str, Any]:
    return {"entries": logbook.audit_entries(workbench(request), who, after, limit, action)}
