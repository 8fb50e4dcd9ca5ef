"""申报: the list of filings with the upload form, a filing's page (its report, the letter, every download, a re-check
when the rules have changed since), and the upload itself, whose problems are shown on the page where they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from junheng.errors import InputError
from junheng.web.auth import CurrentUser, workbench
from junheng.web.pages import views
from junheng.web.pages.common import csrf_checked, page_lang, redirect, render
from junheng.web.problems import Refused, invalid, problem_json
from junheng.web.service import filings, followup

__all__ = ["router"]

router = APIRouter()


@router.get("/filings", response_class=HTMLResponse)
def filings_list(request: Request, who: CurrentUser, district: str = "", year: str = "") -> Response:
    asked = int(year) if year.strip().isdigit() else None
    return render(request, "filings.html", views.filings_page(workbench(request), who, district.strip(), asked), section="filings")


def _no_file() -> Refused:
    return invalid("invalid_request", "请选择要上传的申报文件（.xlsx、.yaml、.yml 或 .json）",
                   "choose the filing to upload (.xlsx, .yaml, .yml or .json)",
                   [InputError("missing_file", "<upload>", None, None, "/file", "未选择文件", "no file chosen")])


@router.post("/filings", dependencies=[Depends(csrf_checked)])
def upload(request: Request, who: CurrentUser, file: Annotated[UploadFile | None, File()] = None) -> Response:
    """Check and store an upload, then show its report; an invalid one is shown on the list page with its problems."""
    wb = workbench(request)
    try:
        if file is None or not file.filename:
            raise _no_file()
        made = filings.upload_filing(wb, who, file.filename, file.file.read(wb.settings.max_upload + 1))
    except Refused as refused:
        if refused.status == 401:
            raise
        lang = page_lang(request)
        shown = {"status": refused.status, "message": refused.en if lang == "en" else refused.zh,
                 "problems": [problem_json(p, lang) for p in refused.problems], "filename": file.filename if file else ""}
        context = views.filings_page(wb, who, "", None)
        return render(request, "filings.html", {**context, "refused": shown}, status=refused.status, section="filings")
    return redirect(f"/filings/{made['id']}")


@router.get("/filings/{filing_id}", response_class=HTMLResponse)
def filing(request: Request, who: CurrentUser, filing_id: int) -> Response:
    context = views.filing_page(workbench(request), who, filing_id)
    return render(request, "filing.html", _with_verification(request, who, filing_id, context), section="filings")


def _with_verification(request: Request, who: CurrentUser, filing_id: int, context: dict[str, Any]) -> dict[str, Any]:
    """The filing page's context with its newest verified result (实地核查), when it has one."""
    try:
        verified = followup.get_verification(workbench(request), who, filing_id)
    except Refused:
        return context
    result = verified.get("result", verified)
    found = [f for f in result.get("findings", []) if f.get("rule") == "DATA-06"]
    return {**context, "verified": {"verdict": result.get("verdict"), "data06": found,
                                    "others": len(result.get("findings", [])) - len(found)}}


@router.post("/filings/{filing_id}/verification", dependencies=[Depends(csrf_checked)])
def upload_verification(request: Request, who: CurrentUser, filing_id: int,
                        file: Annotated[UploadFile | None, File()] = None) -> Response:
    """A filled 核查表: the filing checked with the verified figures, kept beside the filed result; an invalid form is
    shown on the filing's page with every problem at its sheet and cell, and nothing is stored."""
    wb = workbench(request)
    try:
        if file is None or not file.filename:
            raise invalid("invalid_request", "请选择填好的核查表（.xlsx）", "choose the filled verification form (.xlsx)",
                          [InputError("missing_file", "<upload>", None, None, "/file", "未选择文件", "no file chosen")])
        followup.upload_verification(wb, who, filing_id, file.filename, file.file.read(wb.settings.max_upload + 1))
    except Refused as refused:
        if refused.status in (401, 403, 404):
            raise
        lang = page_lang(request)
        shown = {"status": refused.status, "message": refused.en if lang == "en" else refused.zh,
                 "problems": [problem_json(p, lang) for p in refused.problems], "filename": file.filename if file else ""}
        context = _with_verification(request, who, filing_id, views.filing_page(wb, who, filing_id))
        return render(request, "filing.html", {**context, "verification_refused": shown}, status=refused.status, section="filings")
    return redirect(f"/filings/{filing_id}?verified=1#verification")


@router.get("/filings/{filing_id}/letter", response_class=HTMLResponse)
def letter(request: Request, who: CurrentUser, filing_id: int) -> Response:
    return render(request, "letter.html", views.letter_page(workbench(request), who, filing_id, page_lang(request)),
                  section="filings")


@router.post("/filings/{filing_id}/recheck", dependencies=[Depends(csrf_checked)])
def recheck(request: Request, who: CurrentUser, filing_id: int) -> Response:
    filings.recheck_filing(workbench(request), who, filing_id)
    return redirect(f"/filings/{filing_id}?rechecked=1")
