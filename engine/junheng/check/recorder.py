"""The recorder: every action of the engine lands here, and the findings are built from what fired."""

from __future__ import annotations

from junheng.check.explain import FindingBuilder, Recorded
from junheng.check.subjects import Subject
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.report.result import Finding
from junheng.rete.facts import DATA_MISSING, FindingFact, finding_fact
from junheng.rete.plan import Plan
from junheng.rete.session import Fired

__all__ = ["Recorder", "build_findings"]


class Recorder:
    """The engine's actions land here: remember what fired, answer with finding facts."""

    def __init__(self, pack: CompiledPack, plan: Plan, subjects: list[Subject]):
        self.pack = pack
        self.actions = plan.actions
        self.subjects = subjects
        self.entries: dict[tuple[str, str, int], Recorded] = {}
        self.verdicts: set[str] = set()

    def on_fire(self, fired: Fired) -> list[FindingFact]:
        """Remember what fired; a violation or missing data answers with its finding fact (aggregates match those)."""
        kind, key, cause = self.actions[fired.name]
        if kind == "verdict":
            self.verdicts.add(key)
            return []
        rule = self.pack.by_key[key]
        if kind == "violation":
            if cause is None:  # never: the plan gives every violation action its cause
                raise RuntimeError(f"{fired.name} fired a violation without its cause")
            s = fired.facts["s"]["s"]
            entry = self.entries.setdefault((rule.id, "", s), Recorded("violation", key, s))
            entry.causes.add(cause)
            fact = finding_fact(rule.id, s, rule.rule.severity)
            if rule.compared is not None:
                name, _, param = rule.compared
                x = fired.facts["s"].get(rule.fact_field(name))
                variant = self.subjects[s].variant if rule.variants[0] is not None else None
                if x is not None:
                    fact["x"] = x
                    fact["y"] = float(rule.params[variant][param])
            return [fact]
        if kind == "missing":
            s = fired.facts["s"]["s"]
            self.entries.setdefault((DATA_MISSING, rule.id, s), Recorded("missing", key, s))
            return [finding_fact(DATA_MISSING, s, rule.rule.severity, for_rule=rule.id)]
        if kind == "aggregate":
            s = fired.facts["a0"]["s"]
            self.entries.setdefault((rule.id, "", s), Recorded("aggregate", key, s))
            return [finding_fact(rule.id, s, rule.rule.severity)]
        if kind == "aggregate_missing":
            s = fired.facts["m"]["s"]
            self.entries.setdefault((DATA_MISSING, rule.id, s), Recorded("aggregate_missing", key, s))
            return [finding_fact(DATA_MISSING, s, rule.rule.severity, for_rule=rule.id)]
        raise RuntimeError(f"unknown action kind {kind!r}")


def build_findings(pack: CompiledPack, recorder: Recorder, builder: FindingBuilder, subjects: list[Subject]) -> list[Finding]:
    """The findings of what fired, members of an aggregate before the aggregate, sorted; identities unique."""
    built: dict[tuple[str, str, int], Finding] = {}
    entries = recorder.entries
    order = {"violation": 0, "missing": 0, "aggregate": 1, "aggregate_missing": 1}
    for ident, entry in sorted(entries.items(), key=lambda kv: (order[kv[1].kind], kv[0])):
        rule = pack.by_key[entry.key]
        subject = subjects[entry.subject]
        if entry.kind == "violation":
            built[ident] = builder.violation(rule, subject, entry.causes)
        elif entry.kind == "missing":
            built[ident] = builder.missing(rule, subject)
        elif entry.kind == "aggregate":
            members = [built[(rid, "", entry.subject)] for rid in _gathered(rule) if (rid, "", entry.subject) in built]
            built[ident] = builder.aggregate(rule, subject, members)
        else:
            pointers: set[str] = set()
            for rid in _gathered(rule):
                f = built.get((DATA_MISSING, rid, entry.subject))
                if f is not None:
                    pointers.update(f.missing or ())
            built[ident] = builder.missing(rule, subject, pointers)
    findings = sorted(built.values(), key=Finding.sort_key)
    identities = [f.identity for f in findings]
    if len(set(identities)) != len(identities):
        raise RuntimeError("two findings share one identity")
    return findings


def _gathered(rule: CompiledRule) -> list[str]:
    """The rules whose findings an aggregate rule (QLT-08) gathers at its subject."""
    if rule.rule.aggregate is None:  # never: only an aggregate rule's actions record aggregate entries
        raise RuntimeError(f"{rule.id} has no rules to aggregate")
    return rule.rule.aggregate.of
