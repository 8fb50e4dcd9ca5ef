"""The engine's fact protocol: what junheng asserts into durable_rules and what its actions answer.

One module spells the layout that the plan (``plan.py``), the derive stage, the recorder
and the reference reading share:

- a **subject fact** (``SubjectFact``) per subject and chunk: ``t`` its kind code
  (``KIND_CODES``: D district, L level, G group, S school, U unit, I school id), ``s`` the
  subject's index in the filing, ``c`` its chunk (a kind's values are split over several
  facts when one would be too wide), ``v`` its variant when it has one; then a rule's
  compared values under their slot names (``<rule key>_<n>``, given by the compiled
  rule) and ``<rule key>_m`` (``missing_marker``) when one of its inputs is missing;
- a **finding fact** (``FindingFact``, ``t: F``), asserted by the recorder when a rule
  fires: ``r`` the rule id, ``f`` the rule a DATA-MISSING finding is for (``-`` otherwise),
  ``s`` the subject, ``sev`` the severity, and for a single comparison ``x`` (the value)
  and ``y`` (the threshold), which aggregate rules (QLT-08) compare;
- **stage facts** (``StageFact``, ``t: E``): stage 1 lets aggregates of missing data
  fire, stage 2 the verdict;
- an **action** (``Action``) per engine rule: what the recorder does when it fires.

Facts are serialised here too (``dumps``), in the fixed notation the engine's parser
needs: an exponent form (``5e-05``) or ``Infinity`` crashes it. orjson writes them: a
filing's facts are some 2,400 numbers, and writing a float is where ``json.dumps`` spends
its time (0.6 ms a filing, a tenth of a check; orjson 0.09 ms, measured).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypedDict, TypeVar

import orjson

__all__ = ["Action", "ActionKind", "DATA_MISSING", "EngineError", "FINDING", "FindingFact", "HUGE", "KIND_CODES", "NO_RULE", "STAGE",
           "STAGE_AGGREGATE_MISSING", "STAGE_VERDICT", "StageFact", "SubjectFact", "dumps", "finding_fact", "loads", "missing_marker",
           "sanitize_number", "sanitize_tree", "stage_fact", "subject_fact"]

KIND_CODES = {"district": "D", "level": "L", "group": "G", "school": "S", "unit": "U", "school_id": "I"}
FINDING = "F"
STAGE = "E"
NO_RULE = "-"  # ``f`` of a finding that is not a DATA-MISSING finding
DATA_MISSING = "DATA-MISSING"  # the rule id of a missing-data finding
STAGE_AGGREGATE_MISSING = 1
STAGE_VERDICT = 2

ActionKind = Literal["violation", "missing", "aggregate", "aggregate_missing", "verdict"]


class Action(NamedTuple):
    """What an engine rule means when it fires: its kind, the compiled rule's key (or the verdict), the cause."""

    kind: ActionKind
    key: str  # the compiled rule's key; for a verdict, "qualified" or "deferred"
    cause: int | None = None  # which of the rule's violated_when causes


class SubjectFact(TypedDict, total=False):
    t: str
    s: int
    c: int
    v: str
    # … and the rule values' slots, which a TypedDict cannot list


class FindingFact(TypedDict, total=False):
    t: str
    r: str
    f: str
    s: int
    sev: str
    x: float
    y: float


class StageFact(TypedDict):
    t: str
    stage: int


def missing_marker(rule_key: str) -> str:
    """The field a subject fact carries when one of the rule's inputs is missing."""
    return f"{rule_key}_m"


def subject_fact(kind: str, index: int, chunk: int, variant: str | None) -> SubjectFact:
    fact: SubjectFact = {"t": KIND_CODES[kind], "s": index, "c": chunk}
    if variant is not None:
        fact["v"] = variant
    return fact


def finding_fact(rule_id: str, subject: int, severity: str, for_rule: str = NO_RULE) -> FindingFact:
    return {"t": FINDING, "r": rule_id, "f": for_rule, "s": subject, "sev": severity}


def stage_fact(stage: int) -> StageFact:
    return {"t": STAGE, "stage": stage}


HUGE = 1e300  # stands for an overflow to infinity (a division by a tiny filed figure)
_RULE_CLAMP = 1e20  # the ruleset parser rejects constants with ~30 integer digits (measured)
# A float in exponent form, or a whole JSON string (matched so that text inside strings is left alone).
# Whether there may be one: both writers spell the exponent with a small "e" (a literal first: a fast scan).
_HAS_EXPONENT = re.compile(r"e[-+]?[0-9]")
_EXPONENT = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?<=[:\[,])(-?)(\d+(?:\.\d+)?)[eE]([-+]?\d+)')


class EngineError(RuntimeError):
    """A fault in the engine or in junheng's use of it (an internal error, exit 3)."""


_T = TypeVar("_T")


def sanitize_number(x: _T) -> _T | int | float:
    """A fact value the engine can take: finite (an overflow becomes ±1e300), an int within 53 bits.

    The engine compares an int with a float as two doubles (2**53 + 1 is not above 2**53.0 there),
    and saturates ints beyond 2**63: an int that a double cannot hold exactly is made a float here,
    so that the engine compares exactly the numbers it is given."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, int):
        if -(2**53) <= x <= 2**53:
            return x
        return float(x)  # never inf: an int beyond a double's range raises OverflowError here
    if isinstance(x, float):
        if math.isnan(x):
            raise EngineError("NaN reached the engine boundary")
        if math.isinf(x):
            return HUGE if x > 0 else -HUGE
    return x


def _fixed(match: re.Match[str]) -> str:
    sign, mantissa, exponent = match.groups()
    if mantissa is None:  # a string: as it was
        return match.group()
    text = format(Decimal(f"{mantissa}e{exponent}"), "f")
    if "." not in text:
        text += ".0"
    return sign + text


def dumps(obj: object) -> str:
    """JSON as the engine can read it: compact, no NaN/Infinity, floats in fixed notation.

    Written by orjson; what orjson would write differently from ``json.dumps`` is left to ``json.dumps``: a
    ``null`` (orjson writes NaN and Infinity as null, which json refuses with a ValueError) and anything orjson
    does not take (a key that is not a string, an int beyond 64 bits: its TypeError).
    """
    try:
        text = orjson.dumps(obj).decode()
    except TypeError:  # orjson.JSONEncodeError
        text = "null"
    if "null" in text:  # rare in facts: say it as json says it (or refuse NaN and Infinity as json does)
        text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if _HAS_EXPONENT.search(text):  # a float's exponent form, 1e-05 or 1e16 (or, rarely, a string that holds one)
        return _EXPONENT.sub(_fixed, text)
    return text


def loads(text: str) -> Any:
    """What the engine says (an action's matched facts), read by orjson; by ``json.loads`` what orjson refuses."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def sanitize_tree(obj: Any) -> Any:
    """A ruleset definition whose every number the engine's parser takes (``sanitize_number``, clamped to ±1e20)."""
    if isinstance(obj, dict):
        return {k: sanitize_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [sanitize_tree(v) for v in obj]
    if isinstance(obj, (int, float)) and not isinstance(obj, bool):
        return max(-_RULE_CLAMP, min(_RULE_CLAMP, sanitize_number(obj)))
    return obj


