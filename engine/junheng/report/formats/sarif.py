"""``--format sarif``: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning and the like).

One run for the whole invocation (code scanning wants one run per tool and category).
Every rule that has a finding is described once under ``tool.driver.rules``: its title, a
full description with its legal basis, help in text and Markdown, its severity as the default
level, and ``helpUri``, the rule's section of the rules page (``docs/rules.md#fin-07``, made by
``report.rulepage``). Every finding is a result at its first location in the filing, the
other locations related, with the finding's identity as a partial fingerprint so that an
alert survives the filing being edited above it. Messages are for people: places are named as
the filing form names them, never by JSON pointer or contract key (``_plain``); a spreadsheet
filing's result names its sheet and cell (``经费!B3``) in its message and as its logical
location, besides the row and column of its region.

A filing that could not be checked is not a result (SARIF keeps results for what was
analysed) but a tool execution notification (level ``error``) for each of its errors, and
the invocation is then ``executionSuccessful: false``: the run did not analyse everything it
was given.

Artifact URIs are relative to a root (``--sarif-root``; by default the git work tree that
holds the current folder, else the current folder), so that code scanning finds the filings
in the repository whatever folder junheng ran in; a filing outside the root is a ``file://``
URI. Paths are percent-encoded; columns count Unicode code points, as the loader does. No timestamps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from junheng import __version__
from junheng.errors import InputError
from junheng.report.formats._plain import cell_place, error_text, finding_message, finding_rectification, plain
from junheng.report.formats._shared import LEVELS, pick, shortfall_text, vocab
from junheng.report.formats.markdown import escape as md
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Location, Outcome, Result

__all__ = ["HOME_URI", "SCHEMA_URI", "default_root", "document", "help_uri", "render"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Where junheng and its documentation are published. The project has no public home yet, so this is
# a reserved name (RFC 2606 ``.invalid``), as the filing schema's ``$id`` is: change it here, once.
HOME_URI = "https://junheng.invalid/"
RULES_PAGE = "docs/rules.md"
DATA_MISSING = "DATA-MISSING"
_WORDS = {
    "zh": {"basis": "依据", "severity": "严重程度", "page": "规则说明", "sep": "：", "invalid": "无法检查（输入有误）",
           "internal": "无法检查（内部错误）"},
    "en": {"basis": "Basis", "severity": "Severity", "page": "The rule explained", "sep": ": ", "invalid": "not checked (invalid input)",
           "internal": "not checked (internal error)"},
}


def help_uri(rule_id: str) -> str:
    """The rule's section of the rules page: ``…/docs/rules.md#fin-07`` (the page's anchors are lower-case ids)."""
    return f"{HOME_URI}{RULES_PAGE}#{rule_id.lower()}"


def default_root(cwd: str | None = None) -> str:
    """The root artifact URIs are relative to: the git work tree holding ``cwd`` (a folder with ``.git``), else ``cwd``."""
    here = Path(os.path.abspath(cwd or os.getcwd()))
    for folder in (here, *here.parents):
        if (folder / ".git").exists():  # a folder in a clone, a file in a worktree or submodule
            return str(folder)
    return str(here)


def _uri(path: str, root: str) -> str:
    """The filing's path as a URI reference relative to ``root``; ``file://`` when it lies outside; ``<stdin>`` as itself."""
    if path.startswith("<") and path.endswith(">"):  # not a file: standard input
        return quote(path, safe="", errors="surrogateescape")
    absolute = PurePath(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root)
    except ValueError:
        posix = absolute.as_posix()
        return "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:", errors="surrogateescape")
    return quote(relative.as_posix(), safe="/", errors="surrogateescape")


def _quote_safe(path: str, root: str | None = None) -> str:
    root = os.path.abspath(root) if root is not None else default_root()
    try:
        return _uri(path, root)
    except UnicodeEncodeError:  # a lone surrogate: escape it rather than fail the report
        return _uri(path.encode("utf-8", "backslashreplace").decode("ascii"), root)


def _logical(pointer: str, cell: str | None) -> list[dict[str, Any]]:
    """A spreadsheet's cell (``经费!B3``), else the JSON pointer, as the logical location of a figure."""
    if cell is not None:
        sheet, _, ref = cell.partition("!")
        return [{"name": ref or sheet, "fullyQualifiedName": cell, "kind": "element"}]
    return [{"fullyQualifiedName": pointer or "/", "kind": "element"}]


def _location(loc: Location, root: str, index: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _quote_safe(loc.file, root)},
            "region": {"startLine": max(1, loc.line), "startColumn": max(1, loc.column)},
        },
        "logicalLocations": _logical(loc.pointer, loc.cell),
    }
    if index is not None:
        out["id"] = index
    return out


def _descriptor(result: Result, finding: Finding, lang: str) -> dict[str, Any]:
    W = _WORDS[lang]
    if finding.rule == DATA_MISSING:  # its findings carry the basis of the rule they could not judge
        data_missing = result.vocabulary.get("data_missing", {})
        title = data_missing.get("title", {}).get(lang) or pick(finding.title, lang)
        basis = data_missing.get("basis", {}).get(lang) or pick(finding.basis, lang)
    else:
        title, basis = pick(finding.title, lang), pick(finding.basis, lang)
    severity = f"{vocab(result, 'severities', finding.severity, lang)} ({finding.severity})"
    url = help_uri(finding.rule)
    full = f"{title}。{W['basis']}：{basis}" if lang == "zh" else f"{title}. {W['basis']}: {basis}"
    return {
        "id": finding.rule,
        "name": finding.rule,
        "shortDescription": {"text": title},
        "fullDescription": {"text": full},
        "help": {
            "text": f"{title}\n{W['severity']}{W['sep']}{severity}\n{W['basis']}{W['sep']}{basis}\n{W['page']}{W['sep']}{url}",
            "markdown": f"**{finding.rule}** {md(title)}\n\n- {W['severity']}{W['sep']}{md(severity)}\n- {W['basis']}{W['sep']}{md(basis)}"
                        f"\n\n[{W['page']}]({url})",
        },
        "helpUri": url,
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"severity": finding.severity, "basis": basis, "tags": [t for t in (finding.area, "junheng") if t]},
    }


def _result(result: Result, finding: Finding, rule_index: int, lang: str, root: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "subject": finding.subject,
        "severity": finding.severity,
        "severityLabel": vocab(result, "severities", finding.severity, lang),
        "title": pick(finding.title, lang),
        "rectification": plain(pick(finding.rectification, lang), finding, lang),  # the shortfall is its own property
        "basis": pick(finding.basis, lang),
        "observed": finding.observed,
        "threshold": finding.threshold,
        "pointers": [loc.pointer for loc in finding.locations],
        "filing": result.file,
        "district": result.district,
        "standard": result.standard,
    }
    cells = [loc.cell for loc in finding.locations if loc.cell is not None]
    if cells:
        props["cells"] = cells
        props["places"] = [cell_place(loc, lang) for loc in finding.locations]
    if finding.shortfall is not None:
        props["shortfall"] = {"value": finding.shortfall[0], "unit": finding.shortfall[1], "text": shortfall_text(finding)}
    if finding.for_rule is not None:
        props["forRule"] = finding.for_rule
        props["missing"] = list(finding.missing or ())
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding_message(finding, lang)} — {finding_rectification(finding, lang)}"},
        "locations": [_location(finding.locations[0], root)] if finding.locations else [],
        "partialFingerprints": {"junhengFinding/v1": "|".join((finding.rule, finding.for_rule or "", finding.subject))},
        "properties": props,
    }
    if len(finding.locations) > 1:
        out["relatedLocations"] = [_location(loc, root, i) for i, loc in enumerate(finding.locations[1:], 1)]
    return out


def _notice(failure: Failure, error: InputError | None, lang: str, root: str) -> dict[str, Any]:
    """One tool execution notification: a filing not checked, and one of the reasons why (``error``)."""
    W = _WORDS[lang]
    what = W["invalid" if failure.status == 2 else "internal"]
    said = error_text(error, lang) if error is not None else ""
    location: dict[str, Any] = {"artifactLocation": {"uri": _quote_safe(error.file if error and error.file else failure.file, root)}}
    if error is not None and error.line is not None:
        location["region"] = {"startLine": max(1, error.line), **({"startColumn": max(1, error.column)} if error.column else {})}
    out: dict[str, Any] = {
        "level": "error",
        "message": {"text": f"{failure.file}{W['sep']}{what}" + (f"{W['sep']}{said}" if said else "")},
        "descriptor": {"id": error.code if error is not None else "internal_error"},
        "locations": [{"physicalLocation": location}],
        "properties": {"status": failure.status, "file": failure.file},
    }
    if error is not None:
        out["locations"][0]["logicalLocations"] = _logical(error.pointer, error.cell)
        out["properties"]["pointer"] = error.pointer
    return out


def _notifications(failure: Failure, lang: str, root: str) -> list[dict[str, Any]]:
    """Every reason a filing could not be checked, one notification each (one in all when none is known)."""
    return [_notice(failure, e, lang, root) for e in failure.errors] or [_notice(failure, None, lang, root)]


def _warning(result: Result, notice: InputError, lang: str, root: str) -> dict[str, Any]:
    """A notice about how a filing was checked (an ignored sheet, a pack for another province): a warning notification."""
    location: dict[str, Any] = {"artifactLocation": {"uri": _quote_safe(notice.file or result.file, root)}}
    if notice.line is not None:
        location["region"] = {"startLine": max(1, notice.line), **({"startColumn": max(1, notice.column)} if notice.column else {})}
    return {
        "level": "warning",
        "message": {"text": f"{result.file}{_WORDS[lang]['sep']}{notice.message(lang)}"},
        "descriptor": {"id": notice.code},
        "locations": [{"physicalLocation": location, "logicalLocations": _logical(notice.pointer, notice.cell)}],
        "properties": {"file": result.file},
    }


def _rules(results: list[Result], lang: str) -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for result in results:
        for finding in result.findings:
            known = rules.get(finding.rule)
            # A pack may change a rule's severity: describe it by the most severe one in the run.
            if known is None or SEVERITY_RANK[finding.severity] < SEVERITY_RANK[known["properties"]["severity"]]:
                rules[finding.rule] = _descriptor(result, finding, lang)
    return rules


def document(outcomes: Sequence[Outcome], lang: str = "zh", root: str | None = None) -> dict[str, Any]:
    """The SARIF log of a run, as a JSON value; artifact URIs relative to ``root`` (see ``default_root``)."""
    base = os.path.abspath(root) if root is not None else default_root()
    results = [o for o in outcomes if isinstance(o, Result)]
    failures = [o for o in outcomes if isinstance(o, Failure)]
    rules = _rules(results, lang)
    ids = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    run = {
        "tool": {"driver": {"name": "junheng", "version": __version__, "semanticVersion": __version__,
                            "informationUri": HOME_URI, "rules": [rules[i] for i in ids]}},
        "invocations": [{
            # A filing that could not be checked was not analysed: the run did not do all it was asked.
            "executionSuccessful": not failures,
            "toolExecutionNotifications": [n for f in failures for n in _notifications(f, lang, base)]
            + [_warning(r, n, lang, base) for r in results for n in r.notices],
        }],
        "columnKind": "unicodeCodePoints",
        "results": [_result(r, f, index[f.rule], lang, base) for r in results for f in r.findings],
        "properties": {
            "filings": [{"file": r.file, "district": r.district, "standard": r.standard, "verdict": r.verdict,
                         "summary": r.summary} for r in results],
            "notChecked": [{"file": f.file, "status": f.status} for f in failures],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking",
           root: str | None = None) -> str:
    """The SARIF log as text; ``root`` is ``--sarif-root`` (None: the git work tree holding the current folder, else it)."""
    return json.dumps(document(outcomes, lang, root), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
