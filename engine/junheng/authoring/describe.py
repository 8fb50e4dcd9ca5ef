"""Rules in words: the table of ``junheng rules list`` and the page of ``junheng rules explain``.

Everything shown comes from the rule files as compiled for a pack (so a pack's
overrides show), and the example finding of ``explain`` is the one the rule's
own data test produces.
"""

from __future__ import annotations

from dataclasses import dataclass

from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledRule, Policy
from junheng.report.numbers import fmt_number

SUBJECT_NAMES = {
    "district": ("区县", "district"),
    "level": ("区县/学段", "district/level"),
    "group": ("区县/问卷群体", "district/survey group"),
    "school": ("学校（记录）", "school record"),
    "unit": ("学校（校区）", "school unit (campus)"),
    "school_id": ("学校标识码", "school id"),
}


@dataclass(frozen=True)
class RuleRow:
    id: str
    packs: tuple[str, ...]
    subject: str
    severity: str
    thresholds: str
    title_zh: str
    title_en: str

    def to_json(self) -> dict:
        return {"id": self.id, "packs": list(self.packs), "subject": self.subject, "severity": self.severity,
                "thresholds": self.thresholds, "title": {"zh": self.title_zh, "en": self.title_en}}


def _param(x) -> str:
    """A policy number as written: 2017, 0.7, 1/3 — never 2,017 or 0.3333."""
    from junheng.policy.expr import _fraction_text

    return _fraction_text(x)


def params_text(rule: CompiledRule) -> str:
    """``threshold: primary 25, junior 35; upper: 55`` — the policy numbers as the pack has them."""
    parts = []
    for name in rule.rule.params:
        per = {v: rule.params[v][name] for v in rule.variants if name in rule.params[v]}
        values = {_param(x) for x in per.values()}
        if len(values) == 1 and (rule.variants == (None,) or not isinstance(rule.rule.params[name], dict)):
            parts.append(f"{name}: {values.pop()}")
        else:
            parts.append(f"{name}: " + ", ".join(f"{v} {_param(x)}" for v, x in per.items()))
    return "; ".join(parts) or "—"


def rule_rows(policy: Policy, standard: str | None = None) -> list[RuleRow]:
    rows: dict[tuple, RuleRow] = {}
    for pack_name in sorted(policy.packs):
        if standard and pack_name != standard:
            continue
        for rule in policy.packs[pack_name].rules:
            key = (rule.id, rule.rule.subject, rule.rule.severity, params_text(rule))
            row = rows.get(key)
            packs = (row.packs if row else ()) + (pack_name,)
            rows[key] = RuleRow(rule.id, packs, rule.rule.subject, rule.rule.severity, key[3], rule.rule.title.zh, rule.rule.title.en)
    return sorted(rows.values(), key=lambda r: (_id_key(r.id), r.subject, r.packs))


def _id_key(rule_id: str) -> tuple:
    prefix, _, number = rule_id.partition("-")
    return (prefix, int(number) if number.isdigit() else 0, number)


def render_table(rows: list[RuleRow], lang: str = "zh") -> str:
    head = ("规则", "规则包", "对象", "严重程度", "阈值", "要求") if lang == "zh" else ("rule", "packs", "subject", "severity", "thresholds", "requirement")
    table = [head] + [(r.id, ",".join(r.packs), r.subject, r.severity, r.thresholds, r.title_zh if lang == "zh" else r.title_en) for r in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(head) - 1)]
    lines = []
    for row in table:
        cells = [row[i] + " " * (widths[i] - _width(row[i])) for i in range(len(head) - 1)]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines) + "\n"


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _line_of(policy: Policy, rule: CompiledRule) -> int:
    for _, doc in policy.loaded.files:
        if doc.file == rule.file:
            return doc.location(rule.pointer)[0]
    return 1


def find_rule(policy: Policy, rule_id: str, standard: str | None = None) -> list[tuple[str, CompiledRule]]:
    found = []
    for pack_name in sorted(policy.packs):
        if standard and pack_name != standard:
            continue
        for rule in policy.packs[pack_name].rules:
            if rule.id == rule_id:
                found.append((pack_name, rule))
    return found


def explain(policy: Policy, rule_id: str, standard: str | None = None, lang: str = "zh", example=None) -> str:
    """The requirement, basis, condition in words, thresholds per level, rectification and an example."""
    found = find_rule(policy, rule_id, standard)
    zh = lang == "zh"
    vocab_sev = policy.vocabulary.get("severities", {})
    lines: list[str] = []
    shown = set()
    for pack_name, rule in found:
        key = (rule.rule.subject, rule.rule.severity, params_text(rule))
        packs = [p for p, r in found if (r.rule.subject, r.rule.severity, params_text(r)) == key]
        if key in shown:
            continue
        shown.add(key)
        r = rule.rule
        title = r.title.zh if zh else r.title.en
        sev = vocab_sev.get(r.severity, {}).get(lang, r.severity)
        subject = SUBJECT_NAMES[r.subject][0 if zh else 1]
        L = (lambda a, b: a if zh else b)
        lines.append(f"{rule.id}  {title}")
        lines.append(f"  {L('规则包', 'packs')}: {', '.join(packs)}    {L('严重程度', 'severity')}: {r.severity}（{sev}）" if zh else f"  packs: {', '.join(packs)}    severity: {r.severity} ({sev})")
        lines.append(f"  {L('对象', 'subject')}: {subject}")
        lines.append(f"  {L('依据', 'basis')}: {r.basis.zh if zh else r.basis.en}")
        lines.append(f"  {L('所在文件', 'file')}: {rule.file}:{_line_of(policy, rule)}")
        if r.aggregate is not None:
            a = r.aggregate
            lines.append(f"  {L('汇总规则', 'aggregate of')}: {', '.join(a.of)}")
            lines.append("  " + L(f"违规条件：同一学校 {a.failures_at_least} 项及以上未达标，或 1 项未达标且低于标准的 {fmt_number(float(a.single_below_fraction or 0) * 100)}%",
                                  f"violated when: {a.failures_at_least} or more of them fail at one school, or one fails below {fmt_number(float(a.single_below_fraction or 0) * 100)}% of its standard"))
        if r.applies_when or r.zero_holds:
            cond = " and ".join(([r.applies_when] if r.applies_when else []) + [f"{z} > 0" for z in r.zero_holds])
            lines.append(f"  {L('适用条件', 'applies when')}: {cond}")
        for i, (node, text) in enumerate(rule.causes):
            label = f"  {L('违规条件', 'violated when')}: {ex.unparse(node)}"
            if text is not None:
                label += f"    （{text.zh}）" if zh else f"    ({text.en})"
            lines.append(label)
        for name, text in r.values.items():
            lines.append(f"    {name} = {text}")
        lines.append(f"  {L('阈值', 'thresholds')}: {params_text(rule)}")
        if rule.requirement:
            req = "; ".join(f"{r.name} {r.op} {r.text}" for r in rule.requirement)
            lines.append(f"  {L('达标要求', 'requirement')}: {req}")
        if r.report_missing:
            lines.append("  " + L("数据缺失时：报 DATA-MISSING（同等严重程度），不能因缺报而通过", "missing figures: a DATA-MISSING finding of the same severity; leaving figures out never passes"))
        if r.zero_is_missing:
            lines.append(f"  {L('为 0 视为缺失', 'zero means missing')}: {', '.join(r.zero_is_missing)}")
        if r.shortfall is not None:
            lines.append(f"  {L('缺口', 'shortfall')}: {r.shortfall.value}（{r.shortfall.unit}）" if zh else f"  shortfall: {r.shortfall.value} ({r.shortfall.unit})")
        cases = r.rectification if isinstance(r.rectification, list) else [r.rectification]
        for case in cases:
            when = getattr(case, "when", None)
            prefix = f"[{when}] " if when else ""
            lines.append(f"  {L('整改', 'rectification')}: {prefix}{case.zh if zh else case.en}")
        lines.append("")
    if example is not None:
        note, finding = example
        lines.append(L(f"示例（来自规则测试 {note}）：", f"Example (from the rule test {note}):"))
        lines.append(f"  {finding.rule}  {finding.subject}  {finding.severity}")
        lines.append(f"  {finding.message.zh if zh else finding.message.en}")
        rect = finding.rectification.zh if zh else finding.rectification.en
        if finding.shortfall is not None:
            rect += f"  [{fmt_number(finding.shortfall[0], 2)} {finding.shortfall[1]}]"
        lines.append(f"  {L('整改', 'rectification')}: {rect}")
    else:
        lines.append(L("示例：暂无（没有规则测试使该规则触发；请在 rules/tests/ 中添加）", "Example: none yet (no rule test makes this rule fire; add one under rules/tests/)"))
    return "\n".join(lines) + "\n"


def example_finding(policy: Policy, rule_id: str, standard: str | None = None):
    """The first finding of this rule that a rule test produces: (where, Finding) or None."""
    from junheng.authoring.ruletest import build_case_filing, find_test_files, load_test_file
    from junheng.check.run import Options, check_source

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
