"""修改规则: the form of one rule — its numbers (a share typed as a percentage), its severity by name, on or off — and
what the form is for: the edits it makes, checked as the officer types (each problem beside its field), their impact
on every stored filing, the rule's trace on one stored filing under the changed numbers (试运行), and the proposal.

The form shows the rule files as the settings workbook does (``authoring.edits.read_settings``): the rule's own
numbers, one per school level where it has them, and the shared numbers it uses (``rules/params.yaml``: changing one
changes every rule using it, and the form says which). A field left as it was is no edit. The edits go to the
service layer as the JSON API takes them (``{"rule", "param", "level", "value"}`` …): checking, impact and diff are
``changes.preview_change``'s, the proposal ``changes.propose_change``'s.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from junheng.authoring.edits import (LEVEL_NAMES, SHARED, EditsRejected, RuleSetting, apply_edits, edit_from_json, read_settings,
                                     shown_number)
from junheng.authoring.describe import find_rule
from junheng.authoring.trace import render_text, trace_rule
from junheng.errors import InputErrors
from junheng.policy.compiled import Policy
from junheng.policy.model import SEVERITIES, SEVERITY_NAMES_ZH
from junheng.policy.packs import compile_rules
from junheng.policy.params import fraction
from junheng.web.pages.ruleviews import param_words, severity_words
from junheng.web.pages.views import diff_lines, names_of
from junheng.web.problems import Refused, not_found
from junheng.web.roles import Principal, require
from junheng.web.service import changes, filings
from junheng.web.workbench import Workbench

__all__ = ["ParamField", "RuleForm", "edit_page", "preview", "propose", "trial"]


@dataclass(frozen=True)
class ParamField:
    """One number of the form: the rule's own (``param.threshold``, ``param.upper.primary``) or a shared one
    (``shared.class_size.primary``)."""

    name: str  # the form field's name
    rule: str  # the rule id, or SHARED
    param: str
    level: str | None
    ratio: bool  # typed as a percentage
    unit: str  # % or the unit's word (人, ㎡ …), or ""
    current: Fraction
    users: tuple[str, ...] = ()  # a shared number: the rules using it
    title: str = ""  # a shared number's title (标准班额)

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")

    @property
    def shown(self) -> str:
        """The current value as the field shows it: 70 for 70%."""
        return shown_number(self.current, self.ratio).rstrip("%")

    def level_word(self, lang: str) -> str:
        if self.level is None:
            return ""
        return LEVEL_NAMES.get(self.level, self.level) if lang != "en" else self.level.replace("_", " ")


@dataclass(frozen=True)
class RuleForm:
    """The form of one definition of a rule, as the rule files have it now."""

    rule: RuleSetting
    fields: tuple[ParamField, ...]
    severity: str  # the English key
    subject: str | None  # given when the id has several definitions (DATA-02)


@dataclass
class Sent:
    """What the form sent, read: the edits (each with the field it came from), the values as typed, the problems."""

    edits: list[dict[str, Any]] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # the field each edit came from
    typed: dict[str, str] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # field → what is wrong with it
    general: list[str] = field(default_factory=list)  # problems of no one field


def _form(wb: Workbench, rule_id: str, subject: str | None) -> RuleForm | list[RuleSetting]:
    """The form of the rule; when the id has several definitions and none was chosen, the definitions to choose from."""
    with wb.rules.changing():  # the files read whole, not half-way through an approval writing them
        settings = read_settings(list(wb.rules.layers))
    found = [r for r in settings.rules if r.id == rule_id and (subject is None or r.subject == subject)]
    if not found:
        raise not_found("规则", "rule")
    if len(found) > 1:
        return found
    rule = found[0]
    own = [p for p in settings.params if p.rule == rule.id and p.subject == rule.subject]
    shared = [p for p in settings.params if p.rule == SHARED and rule.id in p.users]
    fields = [ParamField(f"param.{p.param}" + (f".{p.level}" if p.level else ""), rule.id, p.param, p.level, p.ratio,
                         "%" if p.ratio else (p.unit or ""), p.value) for p in own]
    fields += [ParamField(f"shared.{p.param}" + (f".{p.level}" if p.level else ""), SHARED, p.param, p.level, p.ratio,
                          "%" if p.ratio else (p.unit or ""), p.value, p.users, p.title) for p in shared]
    severity = SEVERITY_NAMES_ZH.get(rule.severity.strip(), rule.severity.strip())
    return RuleForm(rule, tuple(fields), severity, rule.subject if rule.ambiguous else None)


def _number(text: str, ratio: bool, lang: str) -> tuple[Fraction | None, str]:
    """A typed number (a share as a percentage: 75 or 75%) and the edit's value for it (exact: 75%, 45, 0.65, 1/3);
    or None and what is wrong with it."""
    cleaned = text.replace(" ", "").replace("％", "%").replace("，", "").replace(",", "")
    if ratio and not cleaned.endswith("%"):
        cleaned += "%"
    if cleaned in ("", "%"):
        return None, "请填写数值" if lang != "en" else "enter a number"
    try:
        value = fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        return None, f"“{text}”不是数值" if lang != "en" else f"{text!r} is not a number"
    shown = shown_number(value, ratio)
    return value, shown if fraction(shown) == value else cleaned


def _read(form: RuleForm, sent: Mapping[str, str], lang: str) -> Sent:
    """The edits the form makes: every field whose value differs from the rule files' (a shared number: the shared edit)."""
    out = Sent()
    subject = {"subject": form.subject} if form.subject else {}
    for f in form.fields:
        text = str(sent.get(f.name, f.shown)).strip()
        out.typed[f.name] = text
        value, said = _number(text, f.ratio, lang)
        if value is None:
            out.problems[f.name] = said
        elif value != f.current:
            out.edits.append({"rule": f.rule, "param": f.param, **({"level": f.level} if f.level else {}), "value": said,
                              **(subject if f.rule != SHARED else {})})
            out.owners.append(f.name)
    severity = str(sent.get("severity", form.severity))
    out.typed["severity"] = severity
    if severity not in SEVERITIES:
        out.problems["severity"] = "请选择严重程度" if lang != "en" else "choose a severity"
    elif severity != form.severity:
        out.edits.append({"rule": form.rule.id, "severity": severity, **subject})
        out.owners.append("severity")
    enabled = sent.get("enabled") == "on"
    out.typed["enabled"] = "on" if enabled else ""
    if enabled != form.rule.enabled:
        out.edits.append({"rule": form.rule.id, "enabled": enabled, **subject})
        out.owners.append("enabled")
    return out


def _refused(sent: Sent, refused: Refused, lang: str) -> None:
    """The service's problems put beside the fields whose edits they are about (``/edits/<n>``)."""
    for problem in refused.problems:
        index = problem.pointer.rpartition("/")[2]
        said = problem.message(lang)
        if index.isdigit() and int(index) < len(sent.owners):
            owner = sent.owners[int(index)]
            sent.problems[owner] = f"{sent.problems[owner]}；{said}" if owner in sent.problems else said
        else:
            sent.general.append(said)
    if not refused.problems:
        sent.general.append(refused.en if lang == "en" else refused.zh)


def _context(wb: Workbench, who: Principal, form: RuleForm | list[RuleSetting], lang: str, sent: Sent | None = None) -> dict[str, Any]:
    """What the form's template needs besides the form: the severities' names, the stored filings for 试运行, the rule's
    title with its numbers, its file as the data folder names it."""
    _, policy = wb.rules.current()
    context: dict[str, Any] = {
        "form": form if isinstance(form, RuleForm) else None, "definitions": form if isinstance(form, list) else [],
        "sent": sent or Sent(), "severities": severity_words(policy, lang), "filings": filings.list_filings(wb, who),
        "param_words": param_words(policy, lang),  # the rule files name their numbers in English: the vocabulary's words
    }
    if isinstance(form, RuleForm):
        held = [r for _, r in find_rule(policy, form.rule.id) if r.rule.subject == form.rule.subject]
        context["title"] = (held[0].rule.title.en if lang == "en" else held[0].rule.title.zh) if held else form.rule.title
        context["file"] = _in_data(wb, form.rule.file)
    return context


def _in_data(wb: Workbench, file: str) -> str:
    """A rule file as the data folder names it (rules/funding.yaml)."""
    try:
        return Path(file).resolve().relative_to(wb.settings.data.resolve()).as_posix()
    except ValueError:  # an extra --rules layer: its own path
        return file


def edit_page(wb: Workbench, who: Principal, rule_id: str, subject: str | None, lang: str) -> dict[str, Any]:
    """The form as the rule files have the rule now."""
    require(who, "propose_change")
    form = _form(wb, rule_id, subject)
    return {"rule_id": rule_id, **_context(wb, who, form, lang, _as_now(form) if isinstance(form, RuleForm) else None)}


def _as_now(form: RuleForm) -> Sent:
    """The form as the rule files have the rule: nothing typed yet."""
    typed = {f.name: f.shown for f in form.fields} | {"severity": form.severity, "enabled": "on" if form.rule.enabled else ""}
    return Sent(typed=typed)


def preview(wb: Workbench, who: Principal, rule_id: str, subject: str | None, sent: Mapping[str, str], lang: str) -> dict[str, Any]:
    """The form as sent, its problems beside their fields, and (when it makes edits that can be made) their effect."""
    require(who, "propose_change")
    form = _form(wb, rule_id, subject)
    if not isinstance(form, RuleForm):
        return {"rule_id": rule_id, **_context(wb, who, form, lang)}
    read = _read(form, sent, lang)
    effect: dict[str, Any] | None = None
    if read.edits and not read.problems:
        try:
            effect = changes.preview_change(wb, who, read.edits)
        except Refused as refused:
            if refused.status != 422:
                raise
            _refused(read, refused, lang)
    context = _context(wb, who, form, lang, read)
    if effect is not None:
        context |= {"impact": effect["impact"], "diff": diff_lines(effect["diff"]), "names": names_of(context["filings"])}
    return {"rule_id": rule_id, **context}


def propose(wb: Workbench, who: Principal, rule_id: str, subject: str | None, sent: Mapping[str, str], lang: str) -> dict[str, Any]:
    """Propose the form's edits with its title and reason: ``{"change": …}``, or the form again with its problems."""
    require(who, "propose_change")
    form = _form(wb, rule_id, subject)
    if not isinstance(form, RuleForm):
        return {"rule_id": rule_id, **_context(wb, who, form, lang)}
    read = _read(form, sent, lang)
    title, reason = str(sent.get("title", "")).strip(), str(sent.get("reason", "")).strip()
    read.typed |= {"title": title, "reason": reason}
    for name, value, limit in (("title", title, 200), ("reason", reason, 5000)):
        if not value:
            read.problems[name] = "请填写" if lang != "en" else "required"
        elif len(value) > limit:
            read.problems[name] = f"至多 {limit} 字" if lang != "en" else f"at most {limit} characters"
    if not read.edits and not read.problems:
        read.general.append("表单与现行规则相同：没有要提交的修改" if lang != "en" else "the form is as the rules are: nothing to propose")
    if not read.problems and not read.general:
        try:
            return {"change": changes.propose_change(wb, who, title, reason, read.edits)}
        except Refused as refused:
            if refused.status != 422:
                raise
            _refused(read, refused, lang)
    return {"rule_id": rule_id, **_context(wb, who, form, lang, read)}


def _changed_policy(wb: Workbench, edits: list[dict[str, Any]]) -> Policy:
    """The rules with ``edits`` made on a scratch copy of the data folder's rules (the files stay as they are)."""
    below = list(wb.rules.layers[:-1])
    with tempfile.TemporaryDirectory(prefix="junheng-trial-") as scratch:
        copy = Path(scratch) / "rules"
        with wb.rules.changing():
            shutil.copytree(wb.rules.data_rules, copy)
        apply_edits([*below, copy], [edit_from_json(e) for e in edits])
        return compile_rules([*below, copy], cache=False)


def trial(wb: Workbench, who: Principal, rule_id: str, subject: str | None, sent: Mapping[str, str], filing_id: int,
          lang: str) -> dict[str, Any]:
    """试运行: the rule's trace on a stored filing, under the form's numbers when they can be made, else the rules in use."""
    require(who, "propose_change")
    form = _form(wb, rule_id, subject)
    data, name = filings.original(wb, who, filing_id)
    read = _read(form, sent, lang) if isinstance(form, RuleForm) else Sent()
    policy = wb.rules.current()[1]
    changed = bool(read.edits) and not read.problems
    if changed:
        try:
            policy = _changed_policy(wb, read.edits)
        except EditsRejected:
            changed = False  # the preview says why; the trace shows the rules in use
    try:
        with wb.check_lock:
            trace = trace_rule(policy, rule_id, data, name=name)
    except InputErrors as exc:
        return {"trace": None, "problems": [e.message(lang) for e in exc.errors], "changed": changed}
    return {"trace": trace.to_json(), "text": render_text(trace, lang), "changed": changed, "problems": [], "filing_id": filing_id}
