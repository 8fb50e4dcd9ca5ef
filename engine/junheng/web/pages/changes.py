"""审批: the rule changes waiting for a decision, each with its impact on the stored filings and its diff; a reviewer
who is not the author approves it, or rejects it with a reason (the service refuses the author anyway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from junheng.web.auth import CurrentUser, workbench
from junheng.web.pages import views
from junheng.web.pages.common import csrf_checked, redirect, render
from junheng.web.problems import invalid
from junheng.web.service import changes

__all__ = ["router"]

router = APIRouter()


@router.get("/changes", response_class=HTMLResponse)
def pending(request: Request, who: CurrentUser) -> Response:
    return render(request, "changes.html", views.changes_page(workbench(request), who), section="changes")


@router.get("/changes/{change_id}", response_class=HTMLResponse)
def change(request: Request, who: CurrentUser, change_id: int) -> Response:
    return render(request, "change.html", views.change_page(workbench(request), who, change_id), section="changes")


@router.post("/changes/{change_id}/approve", dependencies=[Depends(csrf_checked)])
def approve(request: Request, who: CurrentUser, change_id: int) -> Response:
    changes.approve_change(workbench(request), who, change_id)
    return redirect(f"/changes/{change_id}")


@router.post("/changes/{change_id}/reject", dependencies=[Depends(csrf_checked)])
def reject(request: Request, who: CurrentUser, change_id: int, reason: Annotated[str, Form(max_length=5000)] = "") -> Response:
    if not reason.strip():
        raise invalid("invalid_request", "驳回须写明理由", "a rejection needs a reason")
    changes.reject_change(workbench(request), who, change_id, reason.strip())
    return redirect(f"/changes/{change_id}")
