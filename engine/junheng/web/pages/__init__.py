"""The HTML pages of ``junheng serve`` (server.md, "The pages"): server-rendered, Chinese first with an English switch,
htmx for the parts that update in place, nothing from another host.

Each route parses the request, calls one function (of ``views``, ``ruleviews`` or ``editing``, which put the service
layer's answers together for a template; the roles are the service layer's), and renders a template of
``templates/``. Every form carries the session's token (``common.csrf_checked``); a refused request is a page
(``common.refused_page``), a visitor is sent to the login form.
"""

from __future__ import annotations

from fastapi import APIRouter

from junheng.web.pages import changes, filings, office, rules, session
from junheng.web.pages.common import page_lang, refused_page, status_page

__all__ = ["page_lang", "refused_page", "router", "status_page"]

router = APIRouter()
for _part in (session, filings, rules, changes, office):
    router.include_router(_part.router)
