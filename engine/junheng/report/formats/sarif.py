"""``--format sarif``: SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning and the like).

One run for the whole invocation (code scanning wants one run per tool and category).
Every rule that has a finding is described once under ``tool.driver.rules`` (its title,
its legal basis, its severity as the default level); every finding is a result at its
first location in the filing, the other locations related, with the finding's identity
as a partial fingerprint so that an alert survives the filing being edited above it.
A filing that could not be checked is a tool execution notification (level ``error``)
for each of its errors: SARIF keeps results for what was analysed.

Paths are the filing paths as given, made URI references (``/`` separators, percent-
encoded); columns count Unicode code points, as the loader does. No timestamps.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from junheng import __version__
from junheng.errors import ExitStatus
from junheng.report.formats._shared import LEVELS, pick, rectification, shortfall_text, vocab
from junheng.report.result import SEVERITY_RANK, Failure, Finding, Location, Outcome, Result

__all__ = ["SCHEMA_URI", "document", "render"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
DATA_MISSING = "DATA-MISSING"


def _uri(path: str) -> str:
    """The path as given, as a URI reference: relative stays relative; absolute becomes file://."""
    posix = path.replace(os.sep, "/") if os.sep != "/" else path
    if PurePath(path).is_absolute():
        return "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:", errors="surrogateescape")
    return quote(posix, safe="/", errors="surrogateescape")


def _quote_safe(path: str) -> str:
    try:
        return _uri(path)
    except UnicodeEncodeError:  # a lone surrogate: escape it rather than fail the report
        return _uri(path.encode("utf-8", "backslashreplace").decode("ascii"))


def _location(loc: Location, index: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": _quote_safe(loc.file)},
            "region": {"startLine": max(1, loc.line), "startColumn": max(1, loc.column)},
        },
        "logicalLocations": [{"fullyQualifiedName": loc.pointer or "/", "kind": "element"}],
    }
    if index is not None:
        out["id"] = index
    return out


def _descriptor(result: Result, finding: Finding, lang: str) -> dict[str, Any]:
    if finding.rule == DATA_MISSING:  # its findings carry the basis of the rule they could not judge
        data_missing = result.vocabulary.get("data_missing", {})
        title = data_missing.get("title", {}).get(lang) or pick(finding.title, lang)
        basis = data_missing.get("basis", {}).get(lang) or pick(finding.basis, lang)
    else:
        title, basis = pick(finding.title, lang), pick(finding.basis, lang)
    help_text = f"依据：{basis}" if lang == "zh" else f"Basis: {basis}"
    return {
        "id": finding.rule,
        "shortDescription": {"text": title},
        "fullDescription": {"text": basis},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"severity": finding.severity, "tags": [t for t in (finding.area, "junheng") if t]},
    }


def _result(result: Result, finding: Finding, rule_index: int, lang: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "subject": finding.subject,
        "severity": finding.severity,
        "severityLabel": vocab(result, "severities", finding.severity, lang),
        "title": pick(finding.title, lang),
        "rectification": pick(finding.rectification, lang),
        "basis": pick(finding.basis, lang),
        "observed": finding.observed,
        "threshold": finding.threshold,
        "pointers": [loc.pointer for loc in finding.locations],
        "filing": result.file,
        "district": result.district,
        "standard": result.standard,
    }
    if finding.shortfall is not None:
        props["shortfall"] = {"value": finding.shortfall[0], "unit": finding.shortfall[1], "text": shortfall_text(finding)}
    if finding.for_rule is not None:
        props["forRule"] = finding.for_rule
        props["missing"] = list(finding.missing or ())
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{pick(finding.message, lang)} — {rectification(finding, lang)}"},
        "locations": [_location(finding.locations[0])] if finding.locations else [],
        "partialFingerprints": {"junhengFinding/v1": "|".join((finding.rule, finding.for_rule or "", finding.subject))},
        "properties": props,
    }
    if len(finding.locations) > 1:
        out["relatedLocations"] = [_location(loc, i) for i, loc in enumerate(finding.locations[1:], 1)]
    return out


def _notification(failure: Failure, lang: str) -> list[dict[str, Any]]:
    out = []
    for error in failure.errors:
        location: dict[str, Any] = {"artifactLocation": {"uri": _quote_safe(error.file or failure.file)}}
        if error.line is not None:
            location["region"] = {"startLine": max(1, error.line), **({"startColumn": max(1, error.column)} if error.column else {})}
        out.append({
            "level": "error",
            "message": {"text": error.render(lang)},
            "descriptor": {"id": error.code},
            "locations": [{"physicalLocation": location,
                           "logicalLocations": [{"fullyQualifiedName": error.pointer or "/", "kind": "element"}]}],
            "properties": {"status": failure.status, "file": failure.file, "pointer": error.pointer},
        })
    return out


def document(outcomes: Sequence[Outcome], lang: str = "zh") -> dict[str, Any]:
    """The SARIF log of a run, as a JSON value."""
    results = [o for o in outcomes if isinstance(o, Result)]
    failures = [o for o in outcomes if isinstance(o, Failure)]
    rules: dict[str, dict[str, Any]] = {}
    for result in results:
        for finding in result.findings:
            known = rules.get(finding.rule)
            # A pack may change a rule's severity: describe it by the most severe one in the run.
            if known is None or SEVERITY_RANK[finding.severity] < SEVERITY_RANK[known["properties"]["severity"]]:
                rules[finding.rule] = _descriptor(result, finding, lang)
    ids = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    sarif_results = [_result(r, f, index[f.rule], lang) for r in results for f in r.findings]
    notifications = [n for f in failures for n in _notification(f, lang)]
    run = {
        "tool": {"driver": {"name": "junheng", "version": __version__, "semanticVersion": __version__,
                            "rules": [rules[i] for i in ids]}},
        "invocations": [{
            # Invalid input is the tool doing its job; only an internal error is a failed execution.
            "executionSuccessful": not any(f.status == ExitStatus.INTERNAL_ERROR for f in failures),
            "toolExecutionNotifications": notifications,
        }],
        "columnKind": "unicodeCodePoints",
        "results": sarif_results,
        "properties": {
            "filings": [{"file": r.file, "district": r.district, "standard": r.standard, "verdict": r.verdict,
                         "summary": r.summary} for r in results],
            "notChecked": [{"file": f.file, "status": f.status} for f in failures],
        },
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(outcomes: Sequence[Outcome], *, lang: str = "zh", color: bool = False, fail_on: str = "blocking") -> str:
    return json.dumps(document(outcomes, lang), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
