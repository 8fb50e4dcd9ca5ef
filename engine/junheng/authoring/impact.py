"""``junheng rules impact``: what a rule change does to real filings before it goes live.

Two sides are compared: the baseline and the current rules. The baseline is a rules
folder, or a git revision of the rules folder in use (``HEAD``, ``main~3``, a tag:
the revision's copy is extracted with ``git archive`` into a temporary folder), or
the current rules themselves checked with another pack (``--baseline-standard``):
pack against pack, folder against folder, revision against the working copy.

What changed is said twice. First the rules themselves, independent of any filing
(``rule_changes``): per rule, the params (ratios as percentages), severity, switched
on or off, the title, message and rectification templates, rules that joined or left
the pack. Then per filing (``impact_of``, checked under each side): the findings
gained and lost (by identity: rule, for_rule, subject), those whose severity or
shortfall changed, those whose message or rectification text changed, and a verdict
that flipped, with totals.

``impact_of`` works on compiled policies and stored filings (a path, or the bytes
of a file with its name), so that a web page can preview a change as the CLI does.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from junheng.authoring.lint import RATE_PARAMS
from junheng.check.run import Options, check_one_safely
from junheng.errors import InputError, InputErrors, suggest
from junheng.policy.compiled import CompiledPack, CompiledRule, Policy
from junheng.policy.text import Text
from junheng.policy.packs import compile_rules
from junheng.report.labels import subject_label, unit
from junheng.report.numbers import fmt_number
from junheng.report.result import Failure, Finding, Result

__all__ = ["FilingImpact", "Impact", "ParamChange", "RuleChange", "RulesDiff", "Source", "baseline_rules", "compare", "impact_of",
           "impact_status", "render_rules", "render_text", "rule_changes", "run_impact", "totals"]

# A stored filing, as ``check_one_safely`` takes it: a path, or the bytes of the file (its name gives the format).
Source = str | os.PathLike[str] | bytes

# The templates of a rule a change may touch, and what a person calls each (问题说明: the finding's message).
_TEMPLATES = ("title", "message", "rectification")
_TEMPLATE_WORDS = {"title": ("名称", "title"), "message": ("问题说明", "message"), "rectification": ("整改要求", "rectification")}


# ---------------------------------------------------------------- per filing


@dataclass
class FilingImpact:
    """What a rule change does to one filing: findings gained, lost and changed, texts changed, and the verdicts before and after."""

    file: str
    district: str
    before: str | None  # verdict, or None when the filing could not be checked
    after: str | None
    gained: list[dict[str, Any]] = field(default_factory=list)  # each finding in brief (``_brief``)
    lost: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, dict[str, Any]]] = field(default_factory=list)  # {"before": brief, "after": brief}
    # Findings on both sides whose message or rectification reads differently:
    # brief + {"message": {"before": {zh, en}, "after": {zh, en}}} and/or the same for "rectification".
    texts_changed: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None  # {"zh": …, "en": …} when the filing could not be checked
    status: int = 0  # 2 invalid input, 3 internal error (the filing could not be checked)
    standard_before: str | None = None  # the pack each side checked the filing with
    standard_after: str | None = None
    # subject → {"zh": label, "en": label} for the subjects of gained and lost findings ("和平小学（5001080011）", "小学")
    labels: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def flipped(self) -> bool:
        return self.before is not None and self.after is not None and self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "district": self.district, "verdict_before": self.before, "verdict_after": self.after,
                "verdict_flipped": self.flipped, "gained": self.gained, "lost": self.lost, "changed": self.changed,
                "texts_changed": self.texts_changed, "standard_before": self.standard_before, "standard_after": self.standard_after,
                **({"error": self.error["en"], "status": self.status} if self.error else {})}

    def to_api(self, lang: str = "zh") -> dict[str, Any]:
        """What a web page shows of the filing: ``{"added": [[rule, subject label], …], "removed": […], "verdict_before",
        "verdict_after"}`` (and ``"error"`` when it could not be checked). A DATA-MISSING finding's rule reads
        ``DATA-MISSING/FIN-13``, naming the rule it is for."""
        out: dict[str, Any] = {"added": [self._pair(f, lang) for f in self.gained], "removed": [self._pair(f, lang) for f in self.lost],
                               "verdict_before": self.before, "verdict_after": self.after}
        if self.error:
            out["error"] = self.error[lang]
        return out

    def _pair(self, brief: Mapping[str, Any], lang: str) -> list[str]:
        label = self.labels.get(brief["subject"], {}).get(lang, brief["subject"])
        return [_rule_name(brief), label]


def _rule_name(brief: Mapping[str, Any]) -> str:
    return str(brief["rule"]) + (f"/{brief['for_rule']}" if brief.get("for_rule") else "")


def impact_of(before: Policy, after: Policy, filings: Sequence[tuple[str, Source]], standard_before: str | None = None,
              standard_after: str | None = None) -> list[FilingImpact]:
    """Each filing checked under both sides, and the differences.

    ``filings`` are (name, source): the name is what reports call the filing (its extension gives the format
    of bytes), the source a path or the file's bytes, as ``check_one_safely`` takes them. A side without a
    standard checks each filing with the pack the filing names. Never raises for a filing: one that cannot be
    checked carries its ``error`` and ``status``.
    """
    out = []
    for name, source in filings:
        # the findings are all that is compared: no checks list, no indicators (each costs time per filing)
        a = check_one_safely(source, before, Options(standard=standard_before, details=frozenset()), name=name)
        b = check_one_safely(source, after, Options(standard=standard_after, details=frozenset()), name=name)
        district = ""
        for r in (b, a):
            if isinstance(r, Result):
                district = f"{r.district['name']}（{r.district['code']}）"
                break
        item = FilingImpact(name, district, a.verdict if isinstance(a, Result) else None, b.verdict if isinstance(b, Result) else None,
                            standard_before=a.standard if isinstance(a, Result) else None,
                            standard_after=b.standard if isinstance(b, Result) else None)
        failures = [r for r in (a, b) if isinstance(r, Failure)]
        if failures:
            item.error = {lang: "; ".join(e.render(lang) for e in failures[0].errors[:2]) for lang in ("zh", "en")}
            item.status = max(f.status for f in failures)
        if isinstance(a, Result) and isinstance(b, Result):
            _differences(item, a, b)
        out.append(item)
    return out


def compare(filings: list[str], before: Policy, after: Policy, standard: str | None = None) -> list[FilingImpact]:
    """Each filing (a path) checked under both rule sets with the same ``standard``, and the differences."""
    return impact_of(before, after, [(f, f) for f in filings], standard, standard)


def _differences(item: FilingImpact, a: Result, b: Result) -> None:
    """Fill ``item`` with what differs between the findings of the two results."""
    old = {f.identity: f for f in a.findings}
    new = {f.identity: f for f in b.findings}
    item.gained = [_brief(new[k]) for k in sorted(new.keys() - old.keys())]
    item.lost = [_brief(old[k]) for k in sorted(old.keys() - new.keys())]
    for k in sorted(old.keys() & new.keys()):
        if (old[k].severity, old[k].shortfall) != (new[k].severity, new[k].shortfall):
            item.changed.append({"before": _brief(old[k]), "after": _brief(new[k])})
        texts = {name: {"before": _text(getattr(old[k], name)), "after": _text(getattr(new[k], name))}
                 for name in ("message", "rectification") if getattr(old[k], name) != getattr(new[k], name)}
        if texts:
            item.texts_changed.append({**_brief(new[k]), **texts})
    for result, briefs in ((b, item.gained), (a, item.lost)):
        for brief in briefs:
            item.labels.setdefault(brief["subject"], {lang: subject_label(brief["subject"], result, lang) for lang in ("zh", "en")})


def _text(text: Text) -> dict[str, str]:
    return {"zh": text.zh, "en": text.en}


def _brief(f: Finding) -> dict[str, Any]:
    """A finding in brief: what it is about, how severe, and its shortfall."""
    out: dict[str, Any] = {"rule": f.rule, "subject": f.subject, "severity": f.severity}
    if f.for_rule:
        out["for_rule"] = f.for_rule
    if f.shortfall is not None:
        out["shortfall"] = f.shortfall[0]
        out["unit"] = f.shortfall[1]
    return out


def totals(items: list[FilingImpact]) -> dict[str, int]:
    """How many filings, findings gained, lost and changed, texts changed, verdicts flipped, filings not checked."""
    return {
        "filings": len(items),
        "gained": sum(len(i.gained) for i in items),
        "lost": sum(len(i.lost) for i in items),
        "changed": sum(len(i.changed) for i in items),
        "texts_changed": sum(len(i.texts_changed) for i in items),
        "verdicts_flipped": sum(i.flipped for i in items),
        "not_checked": sum(1 for i in items if i.error),
    }


def impact_status(items: list[FilingImpact]) -> int:
    """2 when a filing could not be read, 3 on an internal error, else 0 (changes are not failures)."""
    return max((i.status for i in items), default=0)


# ---------------------------------------------------------------- the rules themselves


@dataclass(frozen=True)
class ParamChange:
    """One policy number of a rule that differs: per level (``variant``) when the rule has one per level; None: absent."""

    name: str
    variant: str | None
    unit: str | None  # declared (``units: {threshold: ratio}``), or ``ratio`` by the name (``*_rate``, ``share``)
    before: Fraction | None
    after: Fraction | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "variant": self.variant, "unit": self.unit,
                "before": None if self.before is None else float(self.before),
                "after": None if self.after is None else float(self.after),
                "before_text": show_param(self.before, self.unit), "after_text": show_param(self.after, self.unit)}


@dataclass(frozen=True)
class RuleChange:
    """What differs of one rule between the two sides: it joined (``added``) or left (``removed``) the pack, or ``changed``."""

    rule: str
    subject: str  # the rule's subject kind (district, level, school …)
    title: Text  # as the current side has it (the baseline's when the rule was removed)
    change: str  # added | removed | changed
    packs: tuple[str, ...]  # where: "basic", or "basic → cq-strict" when two packs are compared
    params: tuple[ParamChange, ...] = ()
    severity: tuple[str, str] | None = None  # (before, after)
    enabled: tuple[bool, bool] | None = None  # switched off (enabled: false) or on again
    # (template, before, after): the title, message or rectification as written, {zh, en} or a list of cases
    templates: tuple[tuple[str, Any, Any], ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rule": self.rule, "subject": self.subject, "title": _text(self.title), "change": self.change,
                               "packs": list(self.packs), "params": [p.to_json() for p in self.params]}
        if self.severity:
            out["severity"] = {"before": self.severity[0], "after": self.severity[1]}
        if self.enabled:
            out["enabled"] = {"before": self.enabled[0], "after": self.enabled[1]}
        out["templates"] = {name: {"before": old, "after": new} for name, old, new in self.templates}
        return out


@dataclass
class RulesDiff:
    """What differs between two rule sets, independent of filings: rules changed, packs only one side has."""

    rules: list[RuleChange] = field(default_factory=list)
    packs_added: list[str] = field(default_factory=list)
    packs_removed: list[str] = field(default_factory=list)
    compared: tuple[str, str] | None = None  # (baseline pack, current pack) when two packs were compared

    @property
    def empty(self) -> bool:
        return not (self.rules or self.packs_added or self.packs_removed)


def rule_changes(before: Policy, after: Policy, standard_before: str | None = None, standard_after: str | None = None,
                 used: Iterable[tuple[str, str]] = ()) -> RulesDiff:
    """Every rule that differs between the two sides, as each pack holds it.

    Which packs are compared: the two named when both sides name one; when one side names one, the pairs
    of packs the filings were checked with (``used``), else that pack on both sides; when neither does, every
    pack by name (a pack only one side has is listed as added or removed, not rule by rule). A rule changed
    alike in several packs is one change naming them.
    """
    diff = RulesDiff()
    if standard_before and standard_after:
        pairs = [(standard_before, standard_after)]
        diff.compared = (standard_before, standard_after) if standard_before != standard_after else None
    elif standard_before or standard_after:
        pairs = sorted(set(used)) or [(str(standard_before or standard_after),) * 2]
    else:
        pairs = [(n, n) for n in sorted(set(before.packs) | set(after.packs))]
    found: dict[str, tuple[RuleChange, list[str]]] = {}
    off_before, off_after = _switched_off(before), _switched_off(after)
    for old_name, new_name in pairs:
        old, new = before.packs.get(old_name), after.packs.get(new_name)
        if old is None or new is None:
            (diff.packs_added if old is None else diff.packs_removed).append(new_name if old is None else old_name)
            continue
        label = old_name if old_name == new_name else f"{old_name} → {new_name}"
        for change in _pack_changes(old, new, off_before, off_after):
            key = json.dumps({**change.to_json(), "packs": []}, ensure_ascii=False, sort_keys=True)
            found.setdefault(key, (change, []))[1].append(label)
    diff.rules = sorted((replace(change, packs=tuple(labels)) for change, labels in found.values()),
                        key=lambda c: (_id_order(c.rule), c.subject, c.packs))
    return diff


def _pack_changes(old: CompiledPack, new: CompiledPack, off_before: set[tuple[str, str]],
                  off_after: set[tuple[str, str]]) -> list[RuleChange]:
    """The rules of two packs compared by identity (rule id, subject kind)."""
    olds = {(r.id, r.rule.subject): r for r in old.rules}
    news = {(r.id, r.rule.subject): r for r in new.rules}
    out = []
    for key in sorted(olds.keys() | news.keys()):
        a, b = olds.get(key), news.get(key)
        if a is None and b is not None:
            out.append(RuleChange(b.id, key[1], b.rule.title, "added", (), enabled=(False, True) if key in off_before else None))
        elif b is None and a is not None:
            out.append(RuleChange(a.id, key[1], a.rule.title, "removed", (), enabled=(True, False) if key in off_after else None))
        elif a is not None and b is not None:
            change = _rule_change(a, b)
            if change is not None:
                out.append(change)
    return out


def _rule_change(a: CompiledRule, b: CompiledRule) -> RuleChange | None:
    """What differs of a rule both packs hold; None when it reads the same."""
    params = tuple(_param_changes(a, b))
    severity = (a.rule.severity, b.rule.severity) if a.rule.severity != b.rule.severity else None
    templates = tuple((name, _template(_written(a, name)), _template(_written(b, name))) for name in _TEMPLATES
                      if _template(_written(a, name)) != _template(_written(b, name)))
    if not (params or severity or templates):
        return None
    return RuleChange(b.id, b.rule.subject, b.rule.title, "changed", (), params, severity, None, templates)


def _written(rule: CompiledRule, name: str) -> Any:
    """A template as the rule file writes it: a title that only follows its numbers has not changed."""
    return rule.title_written or rule.rule.title if name == "title" else getattr(rule.rule, name)


def _template(value: Any) -> Any:
    """A template as written, comparable and JSON-ready: {zh, en}, or a list of cases {when, zh, en}."""
    if isinstance(value, list):
        return [case.model_dump(exclude_none=True) for case in value]
    return value.model_dump(exclude_none=True)


def _param_changes(a: CompiledRule, b: CompiledRule) -> list[ParamChange]:
    """The policy numbers that differ, per level when either side has one per level; in the order the rule writes them."""
    variants = b.variants if b.variants != (None,) else a.variants
    out = []
    for name in dict.fromkeys([*a.rule.params, *b.rule.params]):
        for variant in variants:
            old, new = _param_at(a, name, variant), _param_at(b, name, variant)
            if old != new:
                out.append(ParamChange(name, variant, _unit_of(b, name) or _unit_of(a, name), old, new))
    return out


def _param_at(rule: CompiledRule, name: str, variant: str | None) -> Fraction | None:
    per = rule.params.get(variant) if variant in rule.params else rule.params.get(None)
    return (per or {}).get(name)


def _unit_of(rule: CompiledRule, name: str) -> str | None:
    """A param's declared unit; without one, ``ratio`` when its name says so (as ``rules lint`` reads it)."""
    declared = rule.rule.units.get(name)
    if declared is not None or name not in rule.rule.params:
        return declared
    return "ratio" if any(name == p or name.endswith("_" + p) for p in RATE_PARAMS) else None


def _switched_off(policy: Policy) -> set[tuple[str, str]]:
    """The rules the folder keeps but switches off (``enabled: false``), by (id, subject kind)."""
    files = policy.loaded.files if policy.loaded is not None else ()
    return {(r.id, r.subject) for rule_file, _ in files for r in rule_file.rules if not r.enabled}


def _id_order(rule_id: str) -> tuple[str, int, str]:
    """STD-2 before STD-10."""
    prefix, _, number = rule_id.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


def show_param(value: Fraction | None, unit_name: str | None) -> str:
    """A policy number for a person: a ratio as a percentage (70%), a count or amount with its unit (45 人); absent: —."""
    if value is None:
        return "—"
    if unit_name == "ratio":
        return fmt_number(value * 100, 2) + "%"
    if unit_name in (None, "数", "系数"):
        return fmt_number(value, 4)
    return f"{fmt_number(value, 4)} {unit(unit_name)}"


# ---------------------------------------------------------------- the whole run


@dataclass
class Impact:
    """A run of ``rules impact``: what changed in the rules, and per filing what that does."""

    rules: RulesDiff
    filings: list[FilingImpact]

    def to_json(self) -> dict[str, Any]:
        compared = self.rules.compared
        return {"rules_changed": [c.to_json() for c in self.rules.rules], "packs_added": self.rules.packs_added,
                "packs_removed": self.rules.packs_removed, "filings": [i.to_json() for i in self.filings],
                "totals": totals(self.filings),
                **({"packs_compared": {"before": compared[0], "after": compared[1]}} if compared else {})}

    @property
    def status(self) -> int:
        return impact_status(self.filings)


def baseline_rules(spec: str, current_roots: Sequence[Path]) -> tuple[list[Path], tempfile.TemporaryDirectory[str] | None]:
    """The baseline rules folders: a folder as given, or the git revision of the first folder in use.

    A revision's folder is extracted into a temporary folder, returned so that the caller removes it.
    """
    path = Path(spec)
    if path.is_dir():
        return [path] + list(current_roots[1:]), None
    first = Path(current_roots[0])
    try:
        # first: is the folder in a git repository at all (git says why not)
        subprocess.run(["git", "-C", str(first), "rev-parse", "--show-prefix"], capture_output=True, text=True, check=True)
        # `git archive … -- .` run inside the folder archives it relative to itself
        blob = subprocess.run(["git", "-C", str(first), "archive", "--format=tar", spec, "--", "."], capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, OSError) as e:
        raise InputErrors([_bad_baseline(spec, first, e)]) from None
    tmp = tempfile.TemporaryDirectory(prefix="junheng-baseline-")
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(tmp.name, filter="data")
    return [Path(tmp.name)] + list(current_roots[1:]), tmp


def _bad_baseline(spec: str, first: Path, e: subprocess.CalledProcessError | OSError) -> InputError:
    """--baseline names neither a folder nor a revision: say so, with git's own words when it gave some."""
    stderr = e.stderr if isinstance(e, subprocess.CalledProcessError) else None
    detail = (stderr.decode("utf-8", "replace").strip() if isinstance(stderr, bytes) else str(stderr or "")) or e
    return InputError("bad_option", "--baseline", None, None, "",
                      f"基线 “{spec}” 既不是规则目录，也不是 {first} 所在 git 仓库中的版本：{detail}",
                      f"baseline {spec!r} is neither a rules folder nor a git revision of the repository holding {first}: {detail}")


def _no_baseline() -> InputError:
    return InputError("bad_option", "--baseline", None, None, "",
                      "须指定比较的基准：--baseline 规则目录或 git 版本，或 --baseline-standard 规则包（也可两者都给）。"
                      "例如：junheng rules impact --baseline HEAD --rules rules 申报目录；"
                      "junheng rules impact --baseline-standard basic --standard cq-strict --rules rules --rules 本地规则 申报目录",
                      "say what to compare with: --baseline with a rules folder or git revision, or --baseline-standard with a "
                      "pack (or both). For example: junheng rules impact --baseline HEAD --rules rules FILINGS; "
                      "junheng rules impact --baseline-standard basic --standard cq-strict --rules rules --rules LOCAL FILINGS")


def _unknown_pack(policy: Policy, name: str | None, option: str, side_zh: str, side_en: str) -> list[InputError]:
    """An option naming a pack the rules of its side do not have: a located error with a suggestion."""
    if name is None or name in policy.packs:
        return []
    known = ", ".join(sorted(policy.packs))
    hint = suggest(name, policy.packs)
    return [InputError("bad_option", option, None, None, "", f"{side_zh}规则中没有规则包 “{name}”{hint.zh}（可用：{known}）",
                       f"the {side_en} rules have no pack {name!r}{hint.en} (known: {known})")]


def run_impact(baseline: str | None, roots: Sequence[Path], filings: list[str], standard: str | None = None,
               after: Policy | None = None, baseline_standard: str | None = None) -> Impact:
    """Compile the current rules (unless given as ``after``) and the baseline, and compare them over the filings.

    ``baseline`` is a rules folder or git revision (None: the current rules); ``baseline_standard`` the pack
    the baseline side checks every filing with (None: ``standard``, which the current side uses). At least one
    of the two is needed. Raises InputErrors for a bad baseline, a broken baseline rules folder or an unknown pack.
    """
    if baseline is None and baseline_standard is None:
        raise InputErrors([_no_baseline()])
    after = after if after is not None else compile_rules(roots)
    tmp = None
    try:
        if baseline is None:
            before = after
        else:
            base_roots, tmp = baseline_rules(baseline, [Path(r) for r in roots])
            before = compile_rules(base_roots)
        standard_before = baseline_standard or standard
        errors = (_unknown_pack(before, standard_before, "--baseline-standard" if baseline_standard else "--standard", "基准", "baseline")
                  + _unknown_pack(after, standard, "--standard", "当前", "current"))
        if errors:
            raise InputErrors(errors)
        items = impact_of(before, after, [(f, f) for f in filings], standard_before, standard)
        used = {(i.standard_before, i.standard_after) for i in items if i.standard_before and i.standard_after}
        return Impact(rule_changes(before, after, standard_before, standard, used), items)
    finally:
        if tmp is not None:
            tmp.cleanup()


# ---------------------------------------------------------------- text


def _words(lang: str, vocabulary: Mapping[str, Any] | None) -> Callable[[str, str], str]:
    """``word("severities", "major")`` → 须整改: a key named in ``lang`` as the vocabulary names it, else the key."""

    def word(group: str, key: str) -> str:
        return str(((vocabulary or {}).get(group) or {}).get(key, {}).get(lang, key))

    return word


def render_rules(diff: RulesDiff, lang: str = "zh", vocabulary: Mapping[str, Any] | None = None) -> list[str]:
    """One line per rule that changed: ``规则变化：FIN-13 threshold 70% → 75%``; ``规则变化：无`` when none did."""
    zh = lang == "zh"
    word = _words(lang, vocabulary)
    head = "规则变化：" if zh else "Rule change: "
    lines = []
    if diff.compared:
        pair = f"{diff.compared[0]} → {diff.compared[1]}"
        lines.append(f"比较规则包：{pair}" if zh else f"Packs compared: {pair}")
    for name in diff.packs_added:
        lines.append(f"{head}新增规则包 {name}" if zh else f"{head}pack {name} added")
    for name in diff.packs_removed:
        lines.append(f"{head}移除规则包 {name}" if zh else f"{head}pack {name} removed")
    ids = [c.rule for c in diff.rules]
    several = len({c.packs for c in diff.rules}) > 1 or any(len(c.packs) > 1 for c in diff.rules)
    for c in diff.rules:
        name = c.rule + (f"（{c.subject}）" if ids.count(c.rule) > 1 else "")
        where = ("（" + "、".join(c.packs) + "）" if zh else " (" + ", ".join(c.packs) + ")") if several else ""
        lines.append(f"{head}{name} {_change_text(c, lang, word)}{where}")
    if diff.empty:
        lines.append(f"{head}无" if zh else f"{head}none")
    return lines


def _change_text(c: RuleChange, lang: str, word: Callable[[str, str], str]) -> str:
    """What changed of one rule, in words: ``threshold 小学 6 台 → 8 台，初中 10 台 → 12 台；严重程度 须整改 → 否决项``."""
    zh = lang == "zh"
    title = getattr(c.title, lang)
    if c.change != "changed":
        if c.enabled:
            verb = ("启用" if zh else "switched on") if c.enabled[1] else ("停用" if zh else "switched off")
        else:
            verb = ("新增" if zh else "added") if c.change == "added" else ("移出规则包" if zh else "removed from the pack")
        return f"{verb}：{title}" if zh else f"{verb}: {title}"
    parts = []
    for name in dict.fromkeys(p.name for p in c.params):
        mine = [p for p in c.params if p.name == name]
        shown = [(f"{_variant(p.variant, word)} " if p.variant else "") + f"{show_param(p.before, p.unit)} → {show_param(p.after, p.unit)}"
                 for p in mine]
        parts.append(f"{name} " + ("，" if zh else ", ").join(shown))
    if c.severity:
        before, after = word("severities", c.severity[0]), word("severities", c.severity[1])
        parts.append(f"严重程度 {before} → {after}" if zh else f"severity {before} → {after}")
    for template, old, new in c.templates:
        label = _TEMPLATE_WORDS[template][0 if zh else 1]
        was, now = _template_text(old, new, lang)
        parts.append(f"{label} “{was}” → “{now}”")
    return ("；" if zh else "; ").join(parts)


def _variant(variant: str, word: Callable[[str, str], str]) -> str:
    """A level or survey group as the vocabulary names it: 小学, 家长代表."""
    named = word("levels", variant)
    return word("groups", variant) if named == variant else named


def _template_text(old: Any, new: Any, lang: str) -> tuple[str, str]:
    """The two sides of a template in ``lang``; in the other language when only that one changed."""

    def say(value: Any, language: str) -> str:
        cases = value if isinstance(value, list) else [value]
        return " / ".join(str(case[language]) for case in cases)

    if say(old, lang) == say(new, lang):
        lang = "en" if lang == "zh" else "zh"
    return say(old, lang), say(new, lang)


def render_text(items: list[FilingImpact], lang: str = "zh", vocabulary: Mapping[str, Any] | None = None,
                rules: RulesDiff | None = None) -> str:
    """What changed in the rules (``rules``, first); per filing its verdicts and the findings gained (+), lost (-) and
    changed (~), and the texts changed (≈, before and after); then the totals.

    Verdicts and severities are named in ``lang`` as ``vocabulary`` (the rules' ``vocabulary.yaml``) names them:
    推迟认定, 须整改 …; without one, by their keys."""
    zh = lang == "zh"
    word = _words(lang, vocabulary)
    lines = render_rules(rules, lang, vocabulary) if rules is not None else []
    for i in items:
        lines += _filing_lines(i, lang, word)
    t = totals(items)
    if zh:
        lines.append(f"合计：{t['filings']} 份申报，新增问题 {t['gained']}，消除问题 {t['lost']}，变化 {t['changed']}，"
                     f"结论改变 {t['verdicts_flipped']}，无法检查 {t['not_checked']}")
    else:
        lines.append(f"Total: {t['filings']} filings, {t['gained']} findings gained, {t['lost']} lost, {t['changed']} changed, "
                     f"{t['verdicts_flipped']} verdicts flipped, {t['not_checked']} not checked")
    if t["texts_changed"]:
        lines.append(f"说明或整改文字改变的问题：{t['texts_changed']}" if zh else f"Findings whose texts changed: {t['texts_changed']}")
    return "\n".join(lines) + "\n"


def _filing_lines(i: FilingImpact, lang: str, word: Callable[[str, str], str]) -> list[str]:
    """One filing's block: its head line (file, district, verdicts) and a line per difference."""
    zh = lang == "zh"
    head = f"{i.file}  {i.district}"
    if i.flipped and i.before and i.after:
        before, after = word("verdicts", i.before), word("verdicts", i.after)
        head += f"  结论：{before} → {after}" if zh else f"  verdict: {before} → {after}"
    elif i.before:
        head += f"  结论不变：{word('verdicts', i.before)}" if zh else f"  verdict unchanged: {word('verdicts', i.before)}"
    lines = [head]
    if i.error:
        lines.append(f"  ! {i.error[lang]}")
    lines += [f"  + {_line(f, word)}" for f in i.gained]
    lines += [f"  - {_line(f, word)}" for f in i.lost]
    for c in i.changed:
        changed = c["after"]
        amount = f" {fmt_number(changed['shortfall'], 2)} {changed['unit']}" if "shortfall" in changed else ""
        lines.append(f"  ~ {_line(c['before'], word)}  →  {word('severities', changed['severity'])}{amount}")
    for t in i.texts_changed:
        lines.append(f"  ≈ {_rule_name(t)}  {t['subject']}")
        for name in ("message", "rectification"):
            if name in t:
                label = _TEMPLATE_WORDS[name][0 if zh else 1]
                lines.append(f"      {label}：{t[name]['before'][lang]}" if zh else f"      {label}: {t[name]['before'][lang]}")
                lines.append(f"        → {t[name]['after'][lang]}")
    if not (i.gained or i.lost or i.changed or i.texts_changed or i.error):
        lines.append("  （无变化）" if zh else "  (no change)")
    return lines


def _line(f: dict[str, Any], word: Callable[[str, str], str]) -> str:
    amount = f"  {fmt_number(f['shortfall'], 2)} {f['unit']}" if "shortfall" in f else ""
    return f"{_rule_name(f)}  {f['subject']}  {word('severities', f['severity'])}{amount}"
