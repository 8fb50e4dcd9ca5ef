"""The rules page, ``docs/rules.md``: every shipped rule with an anchor, its title, severity, basis and requirement.

SARIF's ``helpUri`` of a rule points at its section (``docs/rules.md#fin-07``), so a code-scanning
alert links to what the rule asks and on what legal basis. The page is generated from the
compiled rules, never written by hand: ``python -m junheng.report.rulepage > docs/rules.md``
(``tests/test_consumers.py`` fails when the committed page differs; ``UPDATE_GOLDEN=1`` rewrites it).
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledRule, Policy
from junheng.report.formats.markdown import escape

__all__ = ["anchor", "rules_page"]

DATA_MISSING = "DATA-MISSING"
_SUBJECTS = {  # what a rule judges, as the policy guide names it
    "district": "区县 (district)", "level": "区县/学段 (district, per level)", "group": "区县/问卷群体 (district, per survey group)",
    "school": "学校学段记录 (school record)", "unit": "学校（校区）(school unit)", "school_id": "学校标识码 (school id)",
}


def anchor(rule_id: str) -> str:
    """The id of a rule's section: ``FIN-07`` → ``fin-07`` (what SARIF's helpUri names after ``#``)."""
    return rule_id.lower()


def _id_key(rule_id: str) -> tuple[str, int, str]:
    """STD-2 before STD-10."""
    prefix, _, number = rule_id.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


def _number(x: Fraction) -> str:
    """A policy number as a formula writes it: 2017, 0.7, 1/3."""
    return ex.unparse(ex.Num(x, 1))


def _params(rule: CompiledRule) -> str:
    """``threshold: primary 25, junior 35`` — the policy numbers as the pack has them."""
    parts = []
    for name in rule.rule.params:
        per = {v: rule.params[v][name] for v in rule.variants if name in rule.params[v]}
        values = {_number(x) for x in per.values()}
        if len(values) == 1:
            parts.append(f"{name}: {values.pop()}")
        else:
            parts.append(f"{name}: " + ", ".join(f"{v} {_number(x)}" for v, x in per.items()))
    return "; ".join(parts)


def _requirement(rule: CompiledRule) -> str:
    r = rule.rule
    if r.aggregate is not None:
        a = r.aggregate
        below = f"，或 1 项低于标准的 {_number(Fraction(str(a.single_below_fraction)))} 倍" if a.single_below_fraction else ""
        return f"{', '.join(a.of)} 中未达标不得达到 {a.failures_at_least} 项{below}"
    return "; ".join(f"`{q.name} {q.op} {q.text}`" for q in rule.requirement)


def _variant_lines(vocabulary: dict[str, dict[str, dict[str, str]]], rule: CompiledRule, packs: list[str]) -> list[str]:
    """What a rule is in one or more packs that read it alike: packs, severity, requirement, thresholds."""
    r = rule.rule
    severity = vocabulary.get("severities", {}).get(r.severity, {}).get("zh", r.severity)
    lines = [f"- 规则包 / packs: {', '.join(packs)}", f"- 严重程度 / severity: {escape(severity)} ({r.severity})"]
    requirement = _requirement(rule)
    if requirement:
        lines.append(f"- 达标要求 / requirement: {requirement}")
    params = _params(rule)
    if params:
        lines.append(f"- 阈值 / thresholds: {escape(params)}")
    return lines


def _rule_section(vocabulary: dict[str, dict[str, dict[str, str]]], found: list[tuple[str, CompiledRule]]) -> list[str]:
    first = found[0][1]
    r = first.rule
    lines = [f'<a id="{anchor(r.id)}"></a>', "", f"### {r.id} {escape(r.title.zh)}", "", f"*{escape(r.title.en)}*", "",
             f"- 对象 / subject: {_SUBJECTS.get(r.subject, r.subject)}",
             f"- 依据 / basis: {escape(r.basis.zh)} / {escape(r.basis.en)}"]
    seen: list[tuple[str, str]] = []
    for _, rule in found:  # a rule that reads alike in several packs is one block naming them all
        key = (rule.rule.severity, _params(rule))
        if key in seen:
            continue
        seen.append(key)
        lines += _variant_lines(vocabulary, rule, [p for p, other in found if (other.rule.severity, _params(other)) == key])
    return lines + [""]


def _data_missing(vocabulary: dict[str, dict[str, dict[str, str]]]) -> list[str]:
    dm = vocabulary.get("data_missing", {})

    def both(key: str) -> str:
        return f"{escape(dm.get(key, {}).get('zh', ''))} / {escape(dm.get(key, {}).get('en', ''))}"

    return [f'<a id="{anchor(DATA_MISSING)}"></a>', "", f"### {DATA_MISSING} {escape(dm.get('title', {}).get('zh', ''))}", "",
            f"*{escape(dm.get('title', {}).get('en', ''))}*", "",
            "- 对象 / subject: 所缺数据的规则所判断的对象 (the subject of the rule that could not be judged)",
            f"- 依据 / basis: {both('basis')}",
            "- 严重程度 / severity: 与所缺数据的规则相同 (that of the rule it could not judge)",
            "- 达标要求 / requirement: 规则所需的数据均已填报且不为零 (every figure the rule needs is filed, and not zero)", ""]


def _by_id(policy: Policy) -> dict[str, list[tuple[str, CompiledRule]]]:
    out: dict[str, list[tuple[str, CompiledRule]]] = {}
    for pack in sorted(policy.packs):
        for rule in policy.packs[pack].rules:
            out.setdefault(rule.id, []).append((pack, rule))
    return out


def _areas(rules: Iterable[list[tuple[str, CompiledRule]]]) -> dict[str, list[list[tuple[str, CompiledRule]]]]:
    """The rules by area (经费保障, 教师队伍 …), areas in the order their first rule comes."""
    out: dict[str, list[list[tuple[str, CompiledRule]]]] = {}
    for found in sorted(rules, key=lambda f: _id_key(f[0][1].id)):
        out.setdefault(found[0][1].area, []).append(found)
    return out


def rules_page(policy: Policy) -> str:
    """The Markdown page of every rule of ``policy`` (the shipped rules: ``docs/rules.md``)."""
    by_id = _by_id(policy)
    lines = ["# 规则一览 · The rules", "",
             "<!-- Generated from rules/*.yaml by `python -m junheng.report.rulepage > docs/rules.md`; do not edit by hand. -->", "",
             "Every rule junheng checks, as the shipped rule files define it: what it requires, on what basis, how severe a",
             "finding is, and what must be done. SARIF reports link each rule here (`helpUri`); `junheng rules explain ID` says",
             "the same and more (formulas, rectifications, an example finding). 每条规则的要求、依据、严重程度与整改要求；"
             "SARIF 报告中每条规则的说明链接到本页。", "",
             "| 规则 rule | 标题 | title | 严重程度 severity |", "|---|---|---|---|"]
    for rule_id in sorted(by_id, key=_id_key):
        r = by_id[rule_id][0][1].rule
        severities = sorted({rule.rule.severity for _, rule in by_id[rule_id]})
        lines.append(f"| [{rule_id}](#{anchor(rule_id)}) | {escape(r.title.zh)} | {escape(r.title.en)} | {', '.join(severities)} |")
    missing_title = policy.vocabulary.get("data_missing", {}).get("title", {})
    zh, en = escape(missing_title.get("zh", "")), escape(missing_title.get("en", ""))
    lines.append(f"| [{DATA_MISSING}](#{anchor(DATA_MISSING)}) | {zh} | {en} | — |")
    lines.append("")
    for found_in_area in _areas(by_id.values()).values():
        title = found_in_area[0][0][1].area_title
        lines += [f"## {escape(title.zh)} · {escape(title.en)}", ""]
        for found in found_in_area:
            lines += _rule_section(policy.vocabulary, found)
    lines += ["## 数据缺失 · Missing data", ""] + _data_missing(policy.vocabulary)
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m junheng.report.rulepage > docs/rules.md
    from junheng.policy.packs import compile_rules  # imported here: only the page's generation needs the compiler

    print(rules_page(compile_rules(None)), end="")
