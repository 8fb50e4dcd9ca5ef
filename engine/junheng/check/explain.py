"""Turn what the engine fired into findings: texts, observed values, shortfalls, locations.

The engine decides *that* a rule is violated (or that its data is missing);
this module writes *what it means*: it re-evaluates the rule's values exactly
for the one subject (``indicators.evaluate_exact``), computes the shortfall
with fractions and rounds it up to the unit's step, fills the rule file's
templates, and locates every input in the filing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from junheng.check.derive import evaluate_exact
from junheng.check.subjects import Subject
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.formula import MISSING, PRIOR, PRIOR_POINTER, UNDEFINED, Env, weighted_mean
from junheng.policy.model import Text
from junheng.report.numbers import as_decimal, as_filed, fill, fmt_number, round4
from junheng.report.result import Finding, Location

SECTIONS = ("finance", "staffing", "survey", "equity", "district")


@dataclass
class Recorded:
    """What the engine said about one (rule, for_rule, subject)."""

    kind: str  # violation | missing | aggregate | aggregate_missing
    key: str
    subject: int
    causes: set = field(default_factory=set)


def _short(name: str) -> str:
    """``finance.capital_budget.total`` → ``capital_budget.total``: a district input's name in ``observed``."""
    head, _, rest = name.partition(".")
    return rest if head in SECTIONS and rest else name


def round_up(value: Fraction, step) -> Fraction:
    step = Fraction(repr(step)) if isinstance(step, float) else Fraction(step)
    return math.ceil(value / step) * step


def shortfall_number(value: Fraction, unit: str, units: dict):
    """Never negative; rounded up to the unit's step (万元 0.01, 元 1 …); counts are integers."""
    value = max(Fraction(value), Fraction(0))
    step = units.get(unit, 0.01)
    v = round_up(value, step)
    if v.denominator == 1:
        return int(v)
    return float(as_decimal(v))


# ---------------------------------------------------------------- locations


def present_ancestor(data, pointer: str) -> str:
    tokens = pointer.split("/")[1:] if pointer else []
    obj, good = data, []
    for t in tokens:
        if isinstance(obj, dict) and obj.get(t) is not None:
            obj = obj[t]
        elif isinstance(obj, list) and t.isdigit() and int(t) < len(obj):
            obj = obj[int(t)]
        else:
            break
        good.append(t)
    return "/" + "/".join(good) if good else ""


def input_object(pointer: str) -> str:
    """The object a leaf belongs to: a pair, a school record …; a section's own scalars stand alone."""
    if pointer.startswith(PRIOR_POINTER):
        return PRIOR_POINTER + input_object(pointer[len(PRIOR_POINTER):])
    parent = pointer.rsplit("/", 1)[0]
    if parent.count("/") <= 1 and not parent.startswith("/schools"):
        return pointer  # /finance/gdp, /equity/junior_retention_rate
    return parent


def locate(doc: LoadedDocument, data, pointers, prior_doc: LoadedDocument | None = None) -> tuple[Location, ...]:
    """Locations sorted by line then column; the previous year's filing (DATA-05) comes after this one's."""
    seen = {}
    for p in pointers:
        if p in seen:
            continue
        if p.startswith(PRIOR_POINTER):
            if prior_doc is None:
                continue
            inner = p[len(PRIOR_POINTER):]
            line, col = prior_doc.location(inner)
            seen[p] = (1, Location(prior_doc.file, line, col, inner))
        else:
            line, col = doc.location(p)
            seen[p] = (0, Location(doc.file, line, col, p))
    return tuple(loc for _, loc in sorted(seen.values(), key=lambda x: (x[0], x[1].line, x[1].column, x[1].pointer)))


# ---------------------------------------------------------------- building findings


def _keep_reads_of(env, rule: CompiledRule, causes: set) -> None:
    """A rule with several causes (DATA-02) observes and locates only what its fired causes read."""
    names = set()
    for i in causes:
        names |= {n.name for n in ex.names(rule.causes[i][0])}
    env.relevant = names
    inputs, records = set(), set()
    for name in names:
        reads = env.value_reads.get(name)
        if reads:
            inputs |= reads[0]
            records |= reads[1]
    env.inputs = {p: v for p, v in env.inputs.items() if p in inputs}
    env.record_inputs = records


class FindingBuilder:
    def __init__(self, pack: CompiledPack, doc: LoadedDocument, data: dict, subjects: list[Subject], vocabulary: dict,
                 prior_doc: LoadedDocument | None = None):
        self.pack = pack
        self.doc = doc
        self.prior_doc = prior_doc
        self.data = data
        self.subjects = subjects
        self.vocab = vocabulary
        self.units = vocabulary.get("units", {})

    def _names(self, rule: CompiledRule, subject: Subject, env, lang: str) -> dict:
        names: dict = {}
        variant = subject.variant
        names["subject"] = subject.name
        names["school_name"] = subject.label
        vocab_levels = self.vocab.get("levels", {})
        vocab_groups = self.vocab.get("groups", {})
        if subject.kind == "level":
            names["level_name"] = vocab_levels.get(variant, {}).get(lang, variant)
        if subject.kind == "group":
            names["group_name"] = vocab_groups.get(variant, {}).get(lang, variant)
        names.update(env.params)
        for pointer, value in env.inputs.items():
            names[self._relative(pointer, subject)] = value
            if pointer.startswith(PRIOR_POINTER):
                names[f"{PRIOR}." + pointer[len(PRIOR_POINTER):].lstrip("/").replace("/", ".")] = value
            else:
                names[pointer.lstrip("/").replace("/", ".")] = value
        names.update({k: v for k, v in env.values.items() if v is not MISSING and v is not UNDEFINED})
        return names

    def _relative(self, pointer: str, subject: Subject) -> str:
        if pointer.startswith(PRIOR_POINTER):
            return f"{PRIOR}." + self._relative(pointer[len(PRIOR_POINTER):], subject)
        if subject.base_pointer and pointer.startswith(subject.base_pointer + "/"):
            return pointer[len(subject.base_pointer) + 1 :].replace("/", ".")
        parts = pointer.strip("/").split("/")
        if parts and parts[0] in SECTIONS and len(parts) > 1:
            parts = parts[1:]
        return ".".join(parts)

    def _observed(self, rule: CompiledRule, subject: Subject, env) -> dict:
        observed = {}
        for pointer, value in env.inputs.items():
            observed[self._relative(pointer, subject)] = as_filed(value)
        relevant = getattr(env, "relevant", None)
        for name in rule.declared:
            if relevant is not None and name not in relevant:
                continue
            v = env.values.get(name)
            if v is not None and v is not MISSING and v is not UNDEFINED and not isinstance(v, str):
                observed[name] = round4(v)
        return dict(sorted(observed.items()))

    def _threshold(self, rule: CompiledRule, params: dict) -> dict:
        """The requirement per compared name, params as numbers, filing paths named as in ``observed``."""

        def show(name: str) -> str:
            return fmt_number(params[name]) if name in params else _short(name)

        return dict(sorted((_short(req.name), req.render(show)) for req in rule.requirement))

    def _pointers(self, subject: Subject, env) -> list[str]:
        pointers = [input_object(p) for p in env.inputs]
        pointers += [f"/schools/{i}" for i in sorted(env.record_inputs)]
        pointers += [present_ancestor(self.data, input_object(p)) for p in env.missing]
        if not pointers:
            pointers = [subject.base_pointer]
        return pointers

    def violation(self, rule: CompiledRule, subject: Subject, causes: set) -> Finding:
        env = evaluate_exact(rule, subject)
        if len(rule.causes) > 1:
            _keep_reads_of(env, rule, causes)
        texts = {}
        shortfall = None
        if rule.shortfall is not None and rule.rule.shortfall is not None:
            v = rule.shortfall(env)
            if v is not MISSING and v is not UNDEFINED:
                v = Fraction(v)
                if not (rule.rule.shortfall.omit_unless_positive and v <= 0):
                    shortfall = (shortfall_number(v, rule.rule.shortfall.unit, self.units), rule.rule.shortfall.unit)
        extra = {}
        if rule.rule.lagging is not None:
            extra = self._lagging(rule, subject, env)
        for lang in ("zh", "en"):
            names = self._names(rule, subject, env, lang)
            names.update(extra.get(lang, {}))
            cause_texts = [getattr(t, lang) for i, (_, t) in enumerate(rule.causes) if i in causes and t is not None]
            if cause_texts:
                names["causes"] = ("、" if lang == "zh" else ", ").join(fill(c, names) for c in cause_texts)
            if shortfall is not None:
                names["shortfall"] = shortfall[0]
            texts[lang] = names
        rect = self._rectification(rule, env, texts)
        return Finding(
            rule=rule.id, subject=subject.name, severity=rule.rule.severity,
            title=rule.rule.title,
            message=Text(zh=fill(rule.rule.message.zh, texts["zh"]), en=fill(rule.rule.message.en, texts["en"])),
            observed=self._observed(rule, subject, env),
            threshold={k: v for k, v in self._threshold(rule, env.params).items() if getattr(env, "relevant", None) is None or k in env.relevant},
            basis=rule.rule.basis, rectification=rect,
            locations=locate(self.doc, self.data, self._pointers(subject, env), self.prior_doc),
            shortfall=shortfall, area=rule.area, area_title=rule.area_title,
        )

    def _rectification(self, rule: CompiledRule, env, texts: dict) -> Text:
        for closure, text in rule.rectification:
            if closure is not None:
                ok = closure(env)
                if ok is MISSING or ok is UNDEFINED or not ok:
                    continue
            return Text(zh=fill(text.zh, texts["zh"]), en=fill(text.en, texts["en"]))
        return Text(zh="", en="")

    def _lagging(self, rule: CompiledRule, subject: Subject, env) -> dict:
        lag = rule.rule.lagging
        count = lag.count if isinstance(lag.count, int) else int(env.params[lag.count])
        best = None
        for name in lag.among:  # the largest CV; ties in the listed order
            v = env.values.get(name)
            if isinstance(v, (int, float, Fraction)) and (best is None or float(v) > float(env.values[best])):
                best = name
        out = {"zh": {}, "en": {}}
        for lang in ("zh", "en"):
            labelled = []
            for name in lag.among:
                label = rule.rule.labels.get(name)
                labelled.append(f"{getattr(label, lang) if label else name} {fmt_number(env.values.get(name))}")
            out[lang]["labelled"] = ("；" if lang == "zh" else "; ").join(labelled)
        if best is None:
            return out
        inner = rule.cv_inner[best]
        probe = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, env.params, float_params=env.float_params)
        xs = []
        for rec in subject.records:
            if not rec[2]:
                continue
            probe.cur = rec
            x = inner(probe)
            if x is not MISSING and x is not UNDEFINED:
                xs.append((float(x), float(rec[1]["students"]), rec))
        mean = weighted_mean([(x, n) for x, n, _ in xs])
        below = sorted((r for r in xs if r[0] < mean and not math.isclose(r[0], mean, rel_tol=1e-9)),
                       key=lambda r: (-(mean - r[0]), r[2][1]["id"]))[:count]
        for lang in ("zh", "en"):
            label = rule.rule.labels.get(best)
            out[lang]["worst_label"] = getattr(label, lang) if label else best
            out[lang]["worst_value"] = round4(env.values[best])
            items = [f"{r[2][1].get('name') or r[2][1]['id']}（{fmt_number(r[0])}，均值 {fmt_number(mean)}）" if lang == "zh"
                     else f"{r[2][1].get('name') or r[2][1]['id']} ({fmt_number(r[0])}, mean {fmt_number(mean)})" for r in below]
            out[lang]["lagging_schools"] = ("、" if lang == "zh" else "; ").join(items) or "—"
        return out

    def missing(self, rule: CompiledRule, subject: Subject, pointers: set | None = None) -> Finding:
        env = evaluate_exact(rule, subject)
        missing = tuple(sorted(pointers if pointers is not None else env.missing))
        dm = self.vocab.get("data_missing", {})
        names = {
            lang: {"for_rule": rule.id, "for_title": getattr(rule.rule.title, lang), "missing": "、".join(missing) if lang == "zh" else ", ".join(missing), "subject": subject.name}
            for lang in ("zh", "en")
        }
        locs = [input_object(p) for p in env.inputs] + [
            present_ancestor(self.data, input_object(p)) for p in missing
        ]
        return Finding(
            rule="DATA-MISSING", subject=subject.name, severity=rule.rule.severity,
            title=Text(zh=dm["title"]["zh"], en=dm["title"]["en"]),
            message=Text(zh=fill(dm["message"]["zh"], names["zh"]), en=fill(dm["message"]["en"], names["en"])),
            observed={self._relative(p, subject): as_filed(v) for p, v in sorted(env.inputs.items())},
            threshold=self._threshold(rule, env.params),
            basis=rule.rule.basis,
            rectification=Text(zh=fill(dm["rectification"]["zh"], names["zh"]), en=fill(dm["rectification"]["en"], names["en"])),
            locations=locate(self.doc, self.data, locs or [subject.base_pointer]),
            for_rule=rule.id, missing=missing, area=rule.area, area_title=rule.area_title,
        )

    def aggregate(self, rule: CompiledRule, subject: Subject, members: list[Finding]) -> Finding:
        members = sorted(members, key=lambda f: f.rule)
        texts = {}
        for lang in ("zh", "en"):
            parts = []
            for f in members:
                cmp = [f"{k} {fmt_number(f.observed.get(k))} ({v})" for k, v in f.threshold.items() if k in f.observed]
                parts.append(f"{f.rule} {getattr(f.title, lang)}" + (f"：{'；'.join(cmp)}" if lang == "zh" and cmp else (f": {'; '.join(cmp)}" if cmp else "")))
            texts[lang] = {"school_name": subject.label, "subject": subject.name, "causes": ("；" if lang == "zh" else "; ").join(parts)}
        observed, threshold = {}, {}
        for f in members:
            for k, v in f.threshold.items():
                if k in f.observed:
                    observed[k] = f.observed[k]
                    threshold[k] = v
        locs = []
        for f in members:
            locs.extend(l.pointer for l in f.locations)
        return Finding(
            rule=rule.id, subject=subject.name, severity=rule.rule.severity, title=rule.rule.title,
            message=Text(zh=fill(rule.rule.message.zh, texts["zh"]), en=fill(rule.rule.message.en, texts["en"])),
            observed=dict(sorted(observed.items())), threshold=dict(sorted(threshold.items())), basis=rule.rule.basis,
            rectification=Text(zh=fill(rule.rule.rectification.zh, texts["zh"]), en=fill(rule.rule.rectification.en, texts["en"]))
            if not isinstance(rule.rule.rectification, list) else Text(zh="", en=""),
            locations=locate(self.doc, self.data, locs or [subject.base_pointer]), area=rule.area, area_title=rule.area_title,
        )
