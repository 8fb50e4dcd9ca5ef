"""Rules in words: the tables of ``junheng rules list`` (packs, then rules) and the page of ``junheng rules explain``.

Everything shown comes from the rule files as compiled for a pack (so a pack's
overrides show), and the example finding of ``explain`` is the one the rule's
own data test produces.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from junheng.authoring.ruletest import build_case_filing, find_test_files, load_test_file
from junheng.check.run import Options, check_source, years_text
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledRule, Policy
from junheng.report.numbers import fmt_number
from junheng.report.result import Finding

__all__ = ["SUBJECT_KINDS", "SUBJECT_NAMES", "PackRow", "RuleRow", "example_finding", "explain", "find_rule", "pack_rows",
           "params_text", "render_packs", "render_table", "rule_rows"]

SUBJECT_NAMES = {
    "district": ("区县", "district"),
    "level": ("区县/学段", "district/level"),
    "group": ("区县/问卷群体", "district/survey group"),
    "school": ("学校（记录）", "school record"),
    "unit": ("学校（校区）", "school unit (campus)"),
    "school_id": ("学校标识码", "school id"),
}
# A subject kind in a word, for the column of ``rules list``.
SUBJECT_KINDS = {
    "district": ("区县", "district"),
    "level": ("学段", "level"),
    "group": ("问卷群体", "survey group"),
    "school": ("学校", "school"),
    "unit": ("学校单元", "school unit"),
    "school_id": ("学校标识码", "school id"),
}


@dataclass(frozen=True)
class RuleRow:
    """One line of ``rules list``: a rule as one or more packs have it."""

    id: str
    packs: tuple[str, ...]
    subject: str
    severity: str
    thresholds: str
    title_zh: str
    title_en: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "packs": list(self.packs), "subject": self.subject, "severity": self.severity,
                "thresholds": self.thresholds, "title": {"zh": self.title_zh, "en": self.title_en}}


@dataclass(frozen=True)
class PackRow:
    """One line of the packs table of ``rules list``: a pack, what it extends, the filing years it is for."""

    name: str
    title_zh: str
    title_en: str
    extends: str | None
    valid_from: int | None  # inclusive; None: open (as resolved along ``extends``)
    valid_to: int | None

    def years(self, lang: str = "zh") -> str:
        """``不限`` / ``2020—2025年`` … (``any year`` / ``2020–2025`` … in English)."""
        zh, en = years_text(self.valid_from, self.valid_to)
        return en if lang == "en" else zh

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": {"zh": self.title_zh, "en": self.title_en}, "extends": self.extends,
                "valid_from": self.valid_from, "valid_to": self.valid_to}


def pack_rows(policy: Policy, standard: str | None = None) -> list[PackRow]:
    """Every pack (only ``standard`` when given), by name, with its years as the check reads them."""
    return [PackRow(name, pack.title.zh, pack.title.en, pack.pack.extends, pack.valid_from, pack.valid_to)
            for name, pack in sorted(policy.packs.items()) if not standard or name == standard]


_PACK_HEAD_ZH = ("规则包", "名称", "继承", "适用年度")
_PACK_HEAD_EN = ("pack", "title", "extends", "years")


def render_packs(rows: list[PackRow], lang: str = "zh") -> str:
    """The packs as columns padded to their width on screen: name, title, the pack it extends, its years."""
    zh = lang == "zh"
    head = _PACK_HEAD_ZH if zh else _PACK_HEAD_EN
    return _columns([head] + [(r.name, r.title_zh if zh else r.title_en, r.extends or "—", r.years(lang)) for r in rows])


def _param(x: Fraction, unit: str | None = None) -> str:
    """A policy number as written: 2017, 0.7, 1/3 — never 2,017 or 0.3333 (as a formula writes the number);
    a ratio as the officer reads it, 70%."""
    if unit == "ratio":
        return ex.unparse(ex.Num(x * 100, 1)) + "%"
    return ex.unparse(ex.Num(x, 1))


def params_text(rule: CompiledRule) -> str:
    """``threshold: primary 25, junior 35; upper: 55`` — the policy numbers as the pack has them."""
    parts = []
    for name in rule.rule.params:
        per = {v: rule.params[v][name] for v in rule.variants if name in rule.params[v]}
        unit = rule.rule.units.get(name)
        values = {_param(x, unit) for x in per.values()}
        if len(values) == 1 and (rule.variants == (None,) or not isinstance(rule.rule.params[name], dict)):
            parts.append(f"{name}: {values.pop()}")
        else:
            parts.append(f"{name}: " + ", ".join(f"{v} {_param(x, unit)}" for v, x in per.items()))
    return "; ".join(parts) or "—"


def rule_rows(policy: Policy, standard: str | None = None) -> list[RuleRow]:
    """One row per rule as it reads in a pack; a rule that reads the same in several packs is one row naming them."""
    rows: dict[tuple[str, str, str, str], RuleRow] = {}
    for pack_name in sorted(policy.packs):
        if standard and pack_name != standard:
            continue
        for rule in policy.packs[pack_name].rules:
            key = (rule.id, rule.rule.subject, rule.rule.severity, params_text(rule))
            row = rows.get(key)
            packs = (row.packs if row else ()) + (pack_name,)
            rows[key] = RuleRow(rule.id, packs, rule.rule.subject, rule.rule.severity, key[3], rule.rule.title.zh, rule.rule.title.en)
    return sorted(rows.values(), key=lambda r: (_id_key(r.id), r.subject, r.packs))


def _id_key(rule_id: str) -> tuple[str, int, str]:
    """STD-2 before STD-10."""
    prefix, _, number = rule_id.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


_HEAD_ZH = ("规则", "规则包", "对象", "严重程度", "阈值", "要求")
_HEAD_EN = ("rule", "packs", "subject", "severity", "thresholds", "requirement")


def render_table(rows: list[RuleRow], lang: str = "zh", vocabulary: Mapping[str, Any] | None = None) -> str:
    """The rows as columns padded to their width on screen (a Chinese character takes two).

    Subject kinds and severities are words in ``lang``: 区县, 须整改 … (severities as ``vocabulary``, the rules'
    ``vocabulary.yaml``, names them; without one, by their keys)."""
    zh = lang == "zh"
    head = _HEAD_ZH if zh else _HEAD_EN
    severities = (vocabulary or {}).get("severities") or {}

    def severity(key: str) -> str:
        return str(severities.get(key, {}).get(lang, key))

    return _columns([head] + [(r.id, ",".join(r.packs), SUBJECT_KINDS[r.subject][0 if zh else 1], severity(r.severity), r.thresholds,
                               r.title_zh if zh else r.title_en) for r in rows])


def _columns(table: Sequence[Sequence[str]]) -> str:
    """Rows as columns two spaces apart, each padded to its width on screen; the last column is not padded."""
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]) - 1)]
    lines = []
    for row in table:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(len(row) - 1)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line_of(policy: Policy, rule: CompiledRule) -> int:
    for _, doc in policy.loaded.files if policy.loaded is not None else ():
        if doc.file == rule.file:
            return doc.location(rule.pointer)[0]
    return 1


def find_rule(policy: Policy, rule_id: str, standard: str | None = None) -> list[tuple[str, CompiledRule]]:
    """(pack name, compiled rule) of every pack that has the rule (only ``standard`` when given)."""
    found = []
    for pack_name in sorted(policy.packs):
        if standard and pack_name != standard:
            continue
        for rule in policy.packs[pack_name].rules:
            if rule.id == rule_id:
                found.append((pack_name, rule))
    return found


def explain(policy: Policy, rule_id: str, standard: str | None = None, lang: str = "zh",
            example: tuple[str, Finding] | None = None) -> str:
    """The requirement, basis, condition in words, thresholds per level, rectification and an example."""
    found = find_rule(policy, rule_id, standard)
    lines: list[str] = []
    shown: set[tuple[str, str, str]] = set()
    for _, rule in found:  # a rule that reads the same in several packs is shown once, naming them all
        key = (rule.rule.subject, rule.rule.severity, params_text(rule))
        if key in shown:
            continue
        shown.add(key)
        packs = [p for p, r in found if (r.rule.subject, r.rule.severity, params_text(r)) == key]
        lines += _rule_lines(policy, rule, packs, lang)
        lines.append("")
    lines += _example_lines(example, lang)
    return "\n".join(lines) + "\n"


def _rule_lines(policy: Policy, rule: CompiledRule, packs: list[str], lang: str) -> list[str]:
    """One rule's part of the page: what it requires, on what basis, when it fires, with what numbers, and the remedy."""
    zh = lang == "zh"

    def say(zh_text: str, en_text: str) -> str:
        return zh_text if zh else en_text

    r = rule.rule
    sev = policy.vocabulary.get("severities", {}).get(r.severity, {}).get(lang, r.severity)
    in_packs = ", ".join(packs)
    lines = [
        f"{rule.id}  {r.title.zh if zh else r.title.en}",
        say(f"  规则包: {in_packs}    严重程度: {r.severity}（{sev}）", f"  packs: {in_packs}    severity: {r.severity} ({sev})"),
        f"  {say('对象', 'subject')}: {SUBJECT_NAMES[r.subject][0 if zh else 1]}",
        f"  {say('依据', 'basis')}: {r.basis.zh if zh else r.basis.en}",
        f"  {say('所在文件', 'file')}: {rule.file}:{_line_of(policy, rule)}",
    ]
    if r.aggregate is not None:
        a = r.aggregate
        below = fmt_number(float(a.single_below_fraction or 0) * 100)
        lines.append(f"  {say('汇总规则', 'aggregate of')}: {', '.join(a.of)}")
        lines.append("  " + say(f"违规条件：同一学校 {a.failures_at_least} 项及以上未达标，或 1 项未达标且低于标准的 {below}%",
                                f"violated when: {a.failures_at_least} or more of them fail at one school, "
                                f"or one fails below {below}% of its standard"))
    if r.applies_when or r.zero_holds:
        cond = " and ".join(([r.applies_when] if r.applies_when else []) + [f"{z} > 0" for z in r.zero_holds])
        lines.append(f"  {say('适用条件', 'applies when')}: {cond}")
    for node, text in rule.causes:
        label = f"  {say('违规条件', 'violated when')}: {ex.unparse(node)}"
        if text is not None:
            label += f"    （{text.zh}）" if zh else f"    ({text.en})"
        lines.append(label)
    lines += [f"    {name} = {formula}" for name, formula in r.values.items()]
    lines.append(f"  {say('阈值', 'thresholds')}: {params_text(rule)}")
    if rule.requirement:
        lines.append(f"  {say('达标要求', 'requirement')}: " + "; ".join(f"{q.name} {q.op} {q.text}" for q in rule.requirement))
    if r.report_missing:
        lines.append("  " + say("数据缺失时：报 DATA-MISSING（同等严重程度），不能因缺报而通过",
                                "missing figures: a DATA-MISSING finding of the same severity; leaving figures out never passes"))
    if r.zero_is_missing:
        lines.append(f"  {say('为 0 视为缺失', 'zero means missing')}: {', '.join(r.zero_is_missing)}")
    if r.shortfall is not None:
        lines.append(say(f"  缺口: {r.shortfall.value}（{r.shortfall.unit}）", f"  shortfall: {r.shortfall.value} ({r.shortfall.unit})"))
    for case in r.rectification if isinstance(r.rectification, list) else [r.rectification]:
        when = getattr(case, "when", None)
        prefix = f"[{when}] " if when else ""
        lines.append(f"  {say('整改', 'rectification')}: {prefix}{case.zh if zh else case.en}")
    return lines


def _example_lines(example: tuple[str, Finding] | None, lang: str) -> list[str]:
    """The example finding a rule test produces, or where to add a test that gives one."""
    zh = lang == "zh"
    if example is None:
        return ["示例：暂无（没有规则测试使该规则触发；请在 rules/tests/ 中添加）" if zh
                else "Example: none yet (no rule test makes this rule fire; add one under rules/tests/)"]
    note, finding = example
    rect = finding.rectification.zh if zh else finding.rectification.en
    if finding.shortfall is not None:
        rect += f"  [{fmt_number(finding.shortfall[0], 2)} {finding.shortfall[1]}]"
    return [
        f"示例（来自规则测试 {note}）：" if zh else f"Example (from the rule test {note}):",
        f"  {finding.rule}  {finding.subject}  {finding.severity}",
        f"  {finding.message.zh if zh else finding.message.en}",
        f"  {'整改' if zh else 'rectification'}: {rect}",
    ]


def example_finding(policy: Policy, rule_id: str, standard: str | None = None) -> tuple[str, Finding] | None:
    """The first finding of this rule that a rule test produces: (where, Finding) or None."""
    for root in policy.roots:
        for path in find_test_files(root):
            spec, doc = load_test_file(path)
            for i, case in enumerate(spec.cases):
                if not any(m.rule == rule_id for m in case.expect):
                    continue
                source = build_case_filing(spec, case, path)
                if source is None:
                    continue
                result = check_source(source, policy, Options(standard=case.standard or standard), name=f"{doc.file}#{i}.json")
                for f in result.findings:
                    if f.rule == rule_id:
                        return (f"{doc.file}:{doc.location(f'/cases/{i}')[0]} “{case.note}”", f)
    return None
