"""The published JSON Schema of the check's JSON output (``--format json``, each line of ``jsonl``), defined here in code.

The output contract (output.md, "The check's result, version 1") says in words what a result
holds; this module says it as a JSON Schema (draft 2020-12), built from the definitions below
so that each part is written once. The committed copy is
``engine/junheng/schemas/result.schema.json``; a test fails when it drifts from this module.
Regenerate it with ``junheng schema --output > engine/junheng/schemas/result.schema.json`` (or
``write_schema()``).

A document is one of:
- the result of one filing (``#/$defs/result``): district, standard, verdict, counts, findings,
  and ``notices`` when there are any;
- a filing that could not be checked (``#/$defs/failure``): ``{file, status, errors}``, status 2 or 3;
- a run of several (``#/$defs/run``): ``{"results": [...]}``, each entry one of the two above.
A ``jsonl`` line is a result or a failure (``#/$defs/outcome``). A location or error in a
spreadsheet filing also names its cell (``经费!B3``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_ID", "SCHEMA_PATH", "result_json_schema", "schema_text", "write_schema"]

SCHEMA_ID = "https://junheng.invalid/schemas/result.schema.json"  # a placeholder, as the filing schema's: nothing is fetched
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "result.schema.json"

SEVERITIES = ["blocking", "major", "minor", "info"]
VERDICTS = ["qualified", "deferred"]
DATA_MISSING = "DATA-MISSING"
_POINTER = r"^(/([^~/]|~[01])*)*$"  # RFC 6901; "" is the whole document


def _obj(properties: dict[str, Any], required: list[str] | None = None, description: str = "") -> dict[str, Any]:
    """A closed object: ``required`` (all its properties by default), nothing beyond ``properties``."""
    out: dict[str, Any] = {"type": "object", "properties": properties,
                           "required": sorted(properties) if required is None else required, "additionalProperties": False}
    if description:
        out["description"] = description
    return out


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _defs() -> dict[str, Any]:
    # long: one definition per kind of object of the contract, side by side so that they read as the contract does
    cell = _text("A spreadsheet filing's cell, '经费!B3', a range '经费!B3:B4', or a sheet; only for spreadsheet filings.")
    location = _obj({
        "file": _text("The filing, as named on the command line."),
        "line": {"type": "integer", "minimum": 1, "description": "1-based line (a spreadsheet's row)."},
        "column": {"type": "integer", "minimum": 1, "description": "1-based column, in Unicode code points (a spreadsheet's column)."},
        "pointer": {"type": "string", "pattern": _POINTER, "description": "JSON pointer of the input object read."},
        "cell": cell,
    }, ["column", "file", "line", "pointer"], "Where a figure a rule read is in the filing.")
    error = _obj({
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$", "description": "Stable kind of problem: filing_schema_error …"},
        "message": _text("What is wrong and what to do, in the chosen language."),
        "file": _text("The file the problem is in."),
        "line": {"type": ["integer", "null"], "minimum": 1, "description": "null when the problem is about the whole file."},
        "column": {"type": ["integer", "null"], "minimum": 1},
        "pointer": {"type": "string", "pattern": _POINTER},
        "cell": cell,
    }, ["code", "column", "file", "line", "message", "pointer"], "A located problem with an input (also a notice).")
    finding = _obj({
        "rule": {"type": "string", "pattern": "^[A-Z]+(-[A-Z0-9]+)+$", "description": "Rule id: FIN-01, DATA-MISSING …"},
        "for_rule": {"type": "string", "description": "DATA-MISSING only: the rule that could not be judged."},
        "missing": {"type": "array", "items": {"type": "string", "pattern": _POINTER}, "description":
                    "DATA-MISSING only: the sorted leaf pointers of the absent or zero inputs."},
        "subject": _text("What the rule judged: the district code, 'code/primary', a school id …"),
        "severity": {"enum": SEVERITIES},
        "title": _text("The rule's title."),
        "message": _text("What is wrong, with the numbers."),
        "observed": {"type": "object", "additionalProperties": {"type": ["number", "string", "boolean", "null"]},
                     "description": "Name → the value as filed or computed."},
        "threshold": {"type": "object", "additionalProperties": {"type": "string"}, "description": "Name → the requirement, '≥ 25'."},
        "basis": _text("The legal or policy basis."),
        "rectification": _text("What must be done (整改)."),
        "shortfall": _obj({"value": {"type": "number"}, "unit": {"type": "string"}}, description="The amount to make up, when quantified."),
        "locations": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/location"},
                      "description": "One per input object the rule read, by line then column."},
    }, ["basis", "locations", "message", "observed", "rectification", "rule", "severity", "subject", "threshold", "title"],
        "A violated rule at one subject, or one that could not be judged (DATA-MISSING).")
    # DATA-MISSING findings carry for_rule and missing; others carry neither (output.md).
    finding["if"] = {"properties": {"rule": {"const": DATA_MISSING}}}
    finding["then"] = {"required": ["for_rule", "missing"]}
    finding["else"] = {"not": {"anyOf": [{"required": ["for_rule"]}, {"required": ["missing"]}]}}
    counts = {s: {"type": "integer", "minimum": 0} for s in SEVERITIES}
    result = _obj({
        "schema_version": {"const": 1},
        "file": _text("The filing, as named on the command line ('<stdin>' for standard input)."),
        "district": _obj({"code": {"type": "string", "pattern": "^[1-9][0-9]{5}$"}, "name": {"type": "string"},
                          "year": {"type": "integer"}}),
        "standard": _text("The rule pack the filing was checked against: basic, quality …"),
        "verdict": {"enum": VERDICTS},
        "summary": _obj(counts, description="Findings by severity."),
        "findings": {"type": "array", "items": {"$ref": "#/$defs/finding"},
                     "description": "By severity (blocking first), then rule, for_rule and subject."},
        "notices": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/error"},
                    "description": "Warnings about how the filing was checked; present only when there are some."},
    }, ["district", "file", "findings", "schema_version", "standard", "summary", "verdict"], "The check of one filing.")
    failure = _obj({
        "file": _text("The filing or argument, as named on the command line."),
        "status": {"enum": [2, 3], "description": "2 invalid input, 3 internal error."},
        "errors": {"type": "array", "items": {"$ref": "#/$defs/error"}},
    }, description="A filing that could not be checked: no verdict.")
    return {
        "location": location,
        "error": error,
        "finding": finding,
        "result": result,
        "failure": failure,
        "outcome": {"oneOf": [{"$ref": "#/$defs/result"}, {"$ref": "#/$defs/failure"}], "description": "One filing: a jsonl line."},
        "run": _obj({"results": {"type": "array", "items": {"$ref": "#/$defs/outcome"}}},
                    description="Several filings, one entry per filing in the order given."),
    }


def result_json_schema() -> dict[str, Any]:
    """The JSON Schema of the check's JSON output (draft 2020-12), as a dict."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "junheng check result, version 1 (检查结果)",
        "description": "What `junheng check --format json` prints: one filing's result or failure, or {\"results\": [...]} "
                       "for several. Each line of --format jsonl is #/$defs/outcome.",
        "oneOf": [{"$ref": "#/$defs/result"}, {"$ref": "#/$defs/failure"}, {"$ref": "#/$defs/run"}],
        "$defs": _defs(),
    }


def schema_text() -> str:
    """The schema as committed: keys sorted, 2-space indent, UTF-8 unescaped, final newline."""
    return json.dumps(result_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schema(path: str | Path = SCHEMA_PATH) -> Path:
    """Write the schema to ``path`` (the committed copy by default) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(schema_text(), encoding="utf-8", newline="\n")
    return target


if __name__ == "__main__":  # python -m junheng.report.schema: the same text as `junheng schema --output`
    print(schema_text(), end="")
