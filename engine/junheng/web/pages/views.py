"""What the pages of filings, the home page and the audit log show: the service layer's answers put together for a
template. Each function is the one call a route makes; the roles are checked by the service functions it calls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from junheng.web.problems import Refused
from junheng.web.roles import Principal
from junheng.web.service import changes, filings, followup, logbook
from junheng.web.workbench import Workbench

__all__ = ["AUDIT_ACTIONS", "AUDIT_PAGE", "DOWNLOADS", "LEDGER_STATUSES", "audit_page", "change_page", "changes_page", "diff_lines",
           "filing_page", "filings_page", "home", "ledger_page", "letter_blocks", "letter_page", "names_of", "overview_page"]

AUDIT_PAGE = 100  # entries a page of the audit log shows
# Every CLI format a filing's report downloads as: (format, label zh, label en), in the order people want them.
DOWNLOADS = (("html", "网页报告", "HTML report"), ("docx", "督导意见书（Word）", "Letter (Word)"),
             ("letter", "督导意见书（Markdown）", "Letter (Markdown)"), ("markdown", "Markdown", "Markdown"),
             ("text", "纯文本", "Plain text"), ("json", "JSON", "JSON"), ("jsonl", "JSON Lines", "JSON Lines"),
             ("junit", "JUnit XML", "JUnit XML"), ("sarif", "SARIF", "SARIF"), ("github", "GitHub 注释", "GitHub annotations"))
# The audit log's actions in words (server.md's list and the server's own).
AUDIT_ACTIONS = {
    "login": ("登录", "logged in"), "login_failed": ("登录失败", "login failed"), "logout": ("退出", "logged out"),
    "upload": ("上传申报", "uploaded a filing"), "upload_rejected": ("上传被拒", "upload refused"), "recheck": ("重新检查", "re-checked"),
    "change_proposed": ("提出规则修改", "proposed a rule change"), "change_approved": ("批准规则修改", "approved a rule change"),
    "change_rejected": ("驳回规则修改", "rejected a rule change"), "user_added": ("添加用户", "added a user"),
    "user_disabled": ("停用用户", "disabled a user"), "token_created": ("生成 API 令牌", "created an API token"),
    "ledger_viewed": ("查看整改台账", "viewed a ledger"), "sample_drawn": ("抽签选点", "drew a site sample"),
    "verification_uploaded": ("上传核查表", "uploaded a verification form"),
    "verification_rejected": ("核查表被拒", "verification form refused"),
    "login_throttled": ("登录尝试过多被暂停", "login throttled after too many attempts"),
}

# A ledger item's status in words (follow-up.md).
LEDGER_STATUSES = {"resolved": ("已整改", "resolved"), "partly": ("部分整改", "partly"), "open": ("未整改", "open"),
                   "unknown": ("无法判断", "unknown"), "new": ("新增问题", "new")}


def home(wb: Workbench, who: Principal) -> dict[str, Any]:
    """A filer: their district's filings. The office: the newest filings and the changes waiting for a decision."""
    listed = filings.list_filings(wb, who)
    pending = changes.list_changes(wb, who, "pending") if who.may("read_changes") else []
    return {"filings": listed[:15], "more": len(listed) > 15, "pending": pending}


def filings_page(wb: Workbench, who: Principal, district: str | None, year: int | None) -> dict[str, Any]:
    return {"filings": filings.list_filings(wb, who, district or None, year), "district": district or "", "year": year or ""}


@dataclass(frozen=True)
class Counts:
    """A result's findings by severity, as the report's head counts them."""

    blocking: int
    major: int
    minor: int
    info: int


def filing_page(wb: Workbench, who: Principal, filing_id: int) -> dict[str, Any]:
    """The filing, its stored result, and what the current rules would say of it (a re-check is offered when it differs)."""
    filing = filings.get_filing(wb, who, filing_id)
    now = filings.preview_recheck(wb, who, filing_id)
    summary = filing["result"].get("summary", {})
    counts = Counts(*(int(summary.get(k, 0)) for k in ("blocking", "major", "minor", "info")))
    stored_rules = {f["rule"] for f in filing["result"].get("findings", [])}
    now_rules = {f["rule"] for f in now["result"].get("findings", [])}
    return {"filing": filing, "findings": filing["result"].get("findings", []), "counts": counts, "recheck": now,
            "gained": sorted(now_rules - stored_rules), "lost": sorted(stored_rules - now_rules), "downloads": DOWNLOADS}


def letter_page(wb: Workbench, who: Principal, filing_id: int, lang: str) -> dict[str, Any]:
    """The 督导反馈 letter as the CLI's letter format writes it, beside the filing it is about."""
    filing = filings.get_filing(wb, who, filing_id)
    letter = filings.render_report(wb, who, filing_id, "letter", lang)
    text = letter.body.decode("utf-8") if isinstance(letter.body, bytes) else letter.body
    return {"filing": filing, "letter": letter_blocks(text)}


def letter_blocks(markdown: str) -> list[tuple[str, str]]:
    """The letter's Markdown (headings and paragraphs, nothing else) as (tag, text) blocks for the page to write out:
    ``# 关于…`` → h2 (the page's own heading is the h1), ``##`` → h3, ``###`` → h4, the rest paragraphs."""
    blocks = []
    for block in (b.strip() for b in markdown.split("\n\n")):
        if not block:
            continue
        marks = len(block) - len(block.lstrip("#"))
        if 0 < marks <= 3 and block[marks:marks + 1] == " ":
            blocks.append((f"h{marks + 1}", block[marks + 1:].strip()))
        else:
            blocks.append(("p", block))
    return blocks


def _shown_change(change: dict[str, Any]) -> dict[str, Any]:
    return {**change, "diff_lines": diff_lines(change.get("diff") or "")}


def changes_page(wb: Workbench, who: Principal) -> dict[str, Any]:
    """审批: the changes waiting for a decision, with their impact and diff; then the latest decided ones."""
    listed = changes.list_changes(wb, who)
    return {"pending": [_shown_change(c) for c in listed if c["status"] == "pending"],
            "decided": [c for c in listed if c["status"] != "pending"][:30], "names": names_of(filings.list_filings(wb, who))}


def change_page(wb: Workbench, who: Principal, change_id: int) -> dict[str, Any]:
    return {"change": _shown_change(changes.get_change(wb, who, change_id)), "names": names_of(filings.list_filings(wb, who))}


def audit_page(wb: Workbench, who: Principal, after: int, action: str | None) -> dict[str, Any]:
    entries = logbook.audit_entries(wb, who, after, AUDIT_PAGE + 1, action or None)
    for entry in entries:  # details as people read them: 'district: 500108; edits: [{"rule": "FIN-13", …}]'
        entry["shown"] = [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)) for k, v in (entry["details"] or {}).items()]
    return {"entries": entries[:AUDIT_PAGE], "next": entries[AUDIT_PAGE - 1]["seq"] if len(entries) > AUDIT_PAGE else None,
            "after": after, "action": action or "", "actions": AUDIT_ACTIONS}


def ledger_page(wb: Workbench, who: Principal, district: str, year: int | None, lang: str) -> dict[str, Any]:
    """整改台账: the districts and years to choose from, and the ledger of the chosen district between year − 1 and year
    (or why there is none: a year without a stored filing)."""
    listed = filings.list_filings(wb, who)
    districts = sorted({(str(f["district"]), str(f.get("district_name") or f["district"])) for f in listed})
    district = district or (who.district or "" if who.role == "filer" else "")
    context: dict[str, Any] = {"districts": districts, "years": sorted({int(f["year"]) for f in listed}, reverse=True),
                               "district": district, "year": year, "ledger": None, "missing": "", "statuses": LEDGER_STATUSES}
    if district and year is not None:
        try:
            context["ledger"] = followup.ledger(wb, who, district, year, lang)
        except Refused as refused:
            if refused.status != 404:
                raise
            context["missing"] = refused.en if lang == "en" else refused.zh
    return context


def overview_page(wb: Workbench, who: Principal, year: int | None, standard: str, lang: str) -> dict[str, Any]:
    """总览: the years and packs to choose from, and where the overview itself is (the API's page of ``junheng overview``)."""
    listed = filings.list_filings(wb, who)
    _, policy = wb.rules.current()
    asked = {k: v for k, v in (("year", year), ("standard", standard), ("lang", lang)) if v}
    return {"years": sorted({int(f["year"]) for f in listed}, reverse=True), "packs": sorted(policy.packs), "year": year,
            "standard": standard if standard in policy.packs else "", "count": len(listed),
            "frame": f"/api/overview.html?{urlencode(asked)}", "workbook": f"/api/overview.xlsx?{urlencode(asked)}"}


def names_of(listed: list[dict[str, Any]]) -> dict[int, str]:
    """Filing id → its district's name, for tables that name filings by id."""
    return {int(f["id"]): str(f.get("district_name") or f["district"]) for f in listed}


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff's lines with their kind (file, hunk, add, del, same), for a page that colours them."""
    out = []
    for line in diff.splitlines():
        kind = ("file" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@") else "add" if line.startswith("+")
                else "del" if line.startswith("-") else "same")
        out.append((kind, line))
    return out
