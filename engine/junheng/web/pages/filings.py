"""申报: the list of filings with the upload form, a filing's page (its report, the letter, every download, a re-check
when the rules have changed since), and the upload itself, whose problems are shown on the page where they are."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from junheng.errors import InputError
from junheng.web.auth import CurrentUser, workbench
from junheng.web.pages import views
from junheng.web.pages.common import csrf_checked, page_lang, redirect, render
from junheng.web.problems import Refused, invalid, problem_json
from junheng.web.service import filings

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
    return render(request, "filing.html", views.filing_page(workbench(request), who, filing_id), section="filings")


@router.get("/filings/{filing_id}/letter", response_class=HTMLResponse)
def letter(request: Request, who: CurrentUser, filing_id: int) -> Response:
    return render(request, "letter.html", views.letter_page(workbench(request), who, filing_id, page_lang(request)),
                  section="filings")


@router.post("/filings/{filing_id}/recheck", dependencies=[Depends(csrf_checked)])
def recheck(request: Request, who: CurrentUser, filing_id: int) -> Response:
    filings.recheck_filing(workbench(request), who, filing_id)
    return redirect(f"/filings/{filing_id}?rechecked=1")
