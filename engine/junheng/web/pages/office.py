"""The office's pages: the audit log (officers and up), the follow-up ledger of a district and year (整改台账), and
the overview of every district (总览)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from junheng.web.auth import CurrentUser, workbench
from junheng.web.pages import views
from junheng.web.pages.common import page_lang, render

__all__ = ["router"]

router = APIRouter()


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.get("/audit", response_class=HTMLResponse)
def audit_log(request: Request, who: CurrentUser, after: str = "0", action: str = "") -> Response:
    return render(request, "audit.html", views.audit_page(workbench(request), who, _int(after) or 0, action.strip()), section="audit")


@router.get("/ledger", response_class=HTMLResponse)
def ledger(request: Request, who: CurrentUser, district: str = "", year: str = "") -> Response:
    context = views.ledger_page(workbench(request), who, district.strip(), _int(year), page_lang(request))
    return render(request, "ledger.html", context, section="ledger")


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request, who: CurrentUser, year: str = "", standard: str = "") -> Response:
    """总览: the overview of every district (``junheng overview``'s page, served by the API) in a frame, with its choices."""
    context = views.overview_page(workbench(request), who, _int(year), standard.strip(), page_lang(request))
    return render(request, "overview.html", context, section="overview")
