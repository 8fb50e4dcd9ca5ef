"""规则 and 修改规则: the catalogue, a rule's page, and the change form with its live checks, impact and 试运行.

The form's parts update in place with htmx (the request carries ``HX-Request``): a preview or a trace comes back as
the fragment it replaces. Without script the same buttons post the whole form and get the whole page back.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from junheng.web.auth import CurrentUser, workbench
from junheng.web.pages import editing, ruleviews
from junheng.web.pages.common import FORM_LIMITS, csrf_checked, page_lang, redirect, render

__all__ = ["router"]

router = APIRouter()


def _partial(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


async def _sent(request: Request) -> dict[str, str]:
    form = await request.form(**FORM_LIMITS)  # already read (and limited) by csrf_checked
    return {key: value for key, value in form.items() if isinstance(value, str)}


@router.get("/rules", response_class=HTMLResponse)
def catalogue(request: Request, who: CurrentUser, pack: str = "") -> Response:
    context = ruleviews.catalogue_page(workbench(request), who, page_lang(request), pack.strip())
    return render(request, "rules.html", context, section="rules")


@router.get("/rules/{rule_id}", response_class=HTMLResponse)
def rule(request: Request, who: CurrentUser, rule_id: str) -> Response:
    return render(request, "rule.html", ruleviews.rule_page(workbench(request), who, rule_id, page_lang(request)), section="rules")


@router.get("/rules/{rule_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, who: CurrentUser, rule_id: str, subject: str | None = None) -> Response:
    context = editing.edit_page(workbench(request), who, rule_id, subject or None, page_lang(request))
    return render(request, "rule_edit.html", {**context, "subject": subject or ""}, section="rules")


@router.post("/rules/{rule_id}/edit/preview", response_class=HTMLResponse, dependencies=[Depends(csrf_checked)])
async def preview(request: Request, who: CurrentUser, rule_id: str, subject: str | None = None) -> Response:
    """The form checked and its impact: the fragment under the form (htmx), or the whole page."""
    sent = await _sent(request)
    context: dict[str, Any] = await run_in_threadpool(editing.preview, workbench(request), who, rule_id, subject or None, sent,
                                                      page_lang(request))
    partial = _partial(request)
    name = "parts/preview.html" if partial else "rule_edit.html"
    return render(request, name, {**context, "subject": subject or "", "previewed": True, "oob": partial}, section="rules")


@router.post("/rules/{rule_id}/edit", response_class=HTMLResponse, dependencies=[Depends(csrf_checked)])
async def propose(request: Request, who: CurrentUser, rule_id: str, subject: str | None = None) -> Response:
    """Propose the change: on to its page, or the form again with what is wrong (422)."""
    sent = await _sent(request)
    context: dict[str, Any] = await run_in_threadpool(editing.propose, workbench(request), who, rule_id, subject or None, sent,
                                                      page_lang(request))
    if "change" in context:
        return redirect(f"/changes/{context['change']['id']}?proposed=1")
    return render(request, "rule_edit.html", {**context, "subject": subject or ""}, status=422, section="rules")


@router.post("/rules/{rule_id}/trial", response_class=HTMLResponse, dependencies=[Depends(csrf_checked)])
async def trial(request: Request, who: CurrentUser, rule_id: str, subject: str | None = None) -> Response:
    """试运行: the rule's trace on the chosen stored filing, under the form's numbers."""
    sent = await _sent(request)
    chosen = sent.get("filing", "")
    lang = page_lang(request)
    wb = workbench(request)
    if not chosen.isdigit():
        context: dict[str, Any] = {"trace": None, "problems": ["请选择一份已存申报" if lang != "en" else "choose a stored filing"]}
    else:
        context = await run_in_threadpool(editing.trial, wb, who, rule_id, subject or None, sent, int(chosen), lang)
    if _partial(request):
        return render(request, "parts/trial.html", {**context, "rule_id": rule_id}, section="rules")
    page = await run_in_threadpool(editing.preview, wb, who, rule_id, subject or None, sent, lang)  # the form as typed
    return render(request, "rule_edit.html", {**page, "subject": subject or "", "trial": context}, section="rules")
