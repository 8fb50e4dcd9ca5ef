"""Turn what the engine fired into findings: texts, observed values, shortfalls, locations.

The engine decides *that* a rule is violated (or that its data is missing);
this module writes *what it means*: it re-evaluates the rule's values exactly
for the one subject (``derive.evaluate_exact``), computes the shortfall
with fractions and rounds it up to the unit's step, fills the rule file's
templates, and locates every input in the filing.
"""

from __future__ import annotations

import math
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

from junheng.check.derive import evaluate_exact
from junheng.check.subjects import Subject
from junheng.located.read import LoadedDocument
from junheng.policy import expr as ex
from junheng.policy.compiled import CompiledPack, CompiledRule
from junheng.policy.formula import MISSING, PRIOR, PRIOR_POINTER, UNDEFINED, Env, Record, weighted_mean
from junheng.policy.text import Text
from junheng.report.labels import pointer_label, school_label, unit
from junheng.report.numbers import as_decimal, as_filed, fill, fmt_figures, fmt_number, places_of, round4
from junheng.report.result import Finding, Location

if TYPE_CHECKING:  # annotations only: a check reads the rule models' read-only records (policy/frozen.py) alike
    from junheng.policy.model import Lagging

__all__ = ["SECTIONS", "FindingBuilder", "Recorded", "figure_places", "input_object", "locate", "present_ancestor", "round_up",
           "shortfall_number"]

SECTIONS = ("finance", "staffing", "survey", "equity", "district")
_LANGS = ("zh", "en")  # every finding carries its texts in both


@dataclass
class Recorded:
    """What the engine said about one (rule, for_rule, subject)."""

    kind: str  # violation | missing | aggregate | aggregate_missing
    key: str
    subject: int
    causes: set[int] = field(default_factory=set)  # indexes of the rule's causes that fired (DATA-02)


def _short(name: str) -> str:
    """``finance.capital_budget.total`` → ``capital_budget.total``: a district input's name in ``observed``."""
    head, _, rest = name.partition(".")
    return rest if head in SECTIONS and rest else name


def round_up(value: Fraction, step: float | int | str | Fraction) -> Fraction:
    """``value`` rounded up to a multiple of ``step`` (a float step is taken as written: 0.01, not its binary value)."""
    step = Fraction(repr(step)) if isinstance(step, float) else Fraction(step)
    return math.ceil(value / step) * step


def shortfall_number(value: Fraction, unit: str, units: Mapping[str, Any]) -> int | float:
    """Never negative; rounded up to the unit's step (万元 0.01, 元 1 …); counts are integers."""
    value = max(Fraction(value), Fraction(0))
    step = units.get(unit, 0.01)
    v = round_up(value, step)
    if v.denominator == 1:
        return int(v)
    return float(as_decimal(v))


# ---------------------------------------------------------------- locations


def present_ancestor(data: Any, pointer: str) -> str:
    """The longest prefix of ``pointer`` that names a present (non-null) value of ``data``: where a missing input goes."""
    tokens = pointer.split("/")[1:] if pointer else []
    obj = data
    good: list[str] = []
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


def locate(doc: LoadedDocument, pointers: Iterable[str], prior_doc: LoadedDocument | None = None) -> tuple[Location, ...]:
    """Locations sorted by line then column; the previous year's filing (DATA-05) comes after this one's."""
    seen: dict[str, tuple[int, Location]] = {}  # pointer → (0: this filing, 1: the previous year's; its location)
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


def _keep_reads_of(env: Env, rule: CompiledRule, causes: set[int]) -> set[str]:
    """A rule with several causes (DATA-02) observes and locates only what its fired causes read.

    Narrows ``env``'s inputs and school records to what the values those causes name read; returns
    the names, which are all that the finding's ``observed`` and ``threshold`` show.
    """
    names: set[str] = set()
    for i in causes:
        names |= {n.name for n in ex.names(rule.causes[i][0])}
    inputs: set[str] = set()
    records: set[int] = set()
    for name in names:
        reads = env.value_reads.get(name)
        if reads:
            inputs |= reads[0]
            records |= reads[1]
    env.inputs = {p: v for p, v in env.inputs.items() if p in inputs}
    env.record_inputs = records
    return names


def _joined(lang: str, items: Iterable[str], zh: str, en: str) -> str:
    """Items joined as the language lists them: ``zh`` between Chinese ones (、；), ``en`` between English ones."""
    return (zh if lang == "zh" else en).join(items)


_FIGURE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}\s*")  # a plain placeholder and the space after it
# What a requirement's operator says when it is not met: "≥ 7.5" unmet is "below 7.5".
_UNMET = {">=": ("低于", "below"), ">": ("未高于", "not above"), "<=": ("超过", "above"), "<": ("未低于", "not below"),
          "==": ("不等于", "not equal to"), "!=": ("等于", "equal to")}


def _rule_texts(rule: CompiledRule, lang: str) -> list[str]:
    """Every text of a rule that a finding fills in, in one language: message, rectifications, causes."""
    r = rule.rule
    cases = r.rectification if isinstance(r.rectification, list) else [r.rectification]
    return [getattr(t, lang) for t in (r.message, *cases, *(text for _, text in rule.causes if text is not None))]


def figure_units(rule: CompiledRule, units: Mapping[str, Any], lang: str) -> dict[str, str]:
    """The unit (the vocabulary's key: ``m²`` for ㎡) written after each plain figure of a rule's texts in one language."""
    spellings = sorted({**{k: k for k in units}, **{unit(k): k for k in units}}.items(), key=lambda kv: -len(kv[0]))
    out: dict[str, str] = {}
    for text in _rule_texts(rule, lang):
        for m in _FIGURE.finditer(text):
            after = text[m.end():]
            written = next((key for spelled, key in spellings if after.startswith(spelled)), None)
            if written is not None:
                out.setdefault(m.group(1), written)
    return out


def figure_places(rule: CompiledRule, units: Mapping[str, Any]) -> dict[str, int]:
    """The decimals of each figure a rule's texts show, from the unit written after it in either language
    (``{land_per_student} ㎡`` → 2, ``{books_per_student} 册`` → 0): its rounding step in the vocabulary."""
    out: dict[str, int] = {}
    for lang in _LANGS:
        for name, written in figure_units(rule, units, lang).items():
            places = places_of(written, units)
            if places is not None:
                out.setdefault(name, places)
    return out


# figure_places of a rule, for as long as the compiled rule lives: the same for every filing (a builder is one filing's).
_PLACES: weakref.WeakKeyDictionary[CompiledRule, tuple[Mapping[str, Any], dict[str, int]]] = weakref.WeakKeyDictionary()


class FindingBuilder:
    """Writes the findings of one filing: what each fired rule means for its subject, in both languages (or, with
    ``langs``, in the one language the report shows)."""

    def __init__(self, pack: CompiledPack, doc: LoadedDocument, data: dict[str, Any], subjects: list[Subject],
                 vocabulary: dict[str, Any], prior_doc: LoadedDocument | None = None, langs: tuple[str, ...] = _LANGS):
        self.pack = pack
        self.doc = doc
        self.prior_doc = prior_doc
        self.data = data
        self.subjects = subjects
        self.vocab = vocabulary
        self.units: dict[str, Any] = vocabulary.get("units", {})
        self._places: dict[str, dict[str, int]] = {}  # rule key → figure_places
        # The languages the texts are written in: both, or the one report that will show them (``check.Options.lang``).
        self.langs = tuple(lang for lang in _LANGS if lang in langs)

    @cached_property
    def schools(self) -> dict[int, tuple[str, str | None]]:
        """Each school record's (id, name) by its place in the file: what names a school in a text."""
        return {i: (str(rec["id"]), rec.get("name")) for i, rec in enumerate(self.data.get("schools") or [])}

    def text(self, written: Callable[[str], str]) -> Text:
        """A finding's text in both languages, ``written(lang)`` each; with one language (``langs``) the other is
        left empty — the report that asked for one language shows no other."""
        zh, en = (written(lang) if lang in self.langs else "" for lang in _LANGS)
        return Text(zh, en)

    def places(self, rule: CompiledRule) -> dict[str, int]:
        """The decimals of each figure the rule's texts show (``figure_places``), worked out once per rule and vocabulary."""
        places = self._places.get(rule.key)
        if places is None:
            known = _PLACES.get(rule)
            if known is None or known[0] is not self.units:
                policy_numbers = {name for params in rule.params.values() for name in params}  # shown as written, never rounded
                known = _PLACES[rule] = (self.units, {k: v for k, v in figure_places(rule, self.units).items() if k not in policy_numbers})
            places = self._places[rule.key] = known[1]
        return places

    def _names(self, subject: Subject, env: Env, lang: str) -> dict[str, Any]:
        """What a rule's texts may name: the subject, the policy numbers, every input read, every value."""
        names: dict[str, Any] = {}
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
        """An input's name as ``observed`` shows it: relative to the subject's record, without the section."""
        if pointer.startswith(PRIOR_POINTER):
            return f"{PRIOR}." + self._relative(pointer[len(PRIOR_POINTER):], subject)
        if subject.base_pointer and pointer.startswith(subject.base_pointer + "/"):
            return pointer[len(subject.base_pointer) + 1 :].replace("/", ".")
        parts = pointer.strip("/").split("/")
        if parts and parts[0] in SECTIONS and len(parts) > 1:
            parts = parts[1:]
        return ".".join(parts)

    def _observed(self, rule: CompiledRule, subject: Subject, env: Env, relevant: set[str] | None) -> dict[str, Any]:
        """The inputs as filed and the declared values (of the fired causes only, when ``relevant`` names them), by name."""
        observed = {}
        for pointer, value in env.inputs.items():
            observed[self._relative(pointer, subject)] = as_filed(value)
        for name in rule.declared:
            if relevant is not None and name not in relevant:
                continue
            v = env.values.get(name)
            if v is not None and v is not MISSING and v is not UNDEFINED and not isinstance(v, str):
                observed[name] = round4(v)
        return dict(sorted(observed.items()))

    def _threshold(self, rule: CompiledRule, params: Mapping[str, Fraction]) -> dict[str, str]:
        """The requirement per compared name, params as numbers, filing paths named as in ``observed``."""

        def show(name: str) -> str:
            return fmt_number(params[name]) if name in params else _short(name)

        return dict(sorted((_short(req.name), req.render(show)) for req in rule.requirement))

    def _pointers(self, subject: Subject, env: Env) -> list[str]:
        pointers = [input_object(p) for p in env.inputs]
        pointers += [f"/schools/{i}" for i in sorted(env.record_inputs)]
        pointers += [present_ancestor(self.data, input_object(p)) for p in env.missing]
        if not pointers:
            pointers = [subject.base_pointer]
        return pointers

    def violation(self, rule: CompiledRule, subject: Subject, causes: set[int]) -> Finding:
        """The finding of a violated rule. The order of the steps matters: evaluating a formula records what it reads."""
        env = evaluate_exact(rule, subject)
        relevant = _keep_reads_of(env, rule, causes) if len(rule.causes) > 1 else None
        shortfall = self._shortfall(rule, env)
        extra = self._lagging(rule, rule.rule.lagging, subject, env) if rule.rule.lagging is not None else {}
        texts = {lang: self._texts(rule, subject, env, lang, causes, shortfall, extra.get(lang, {})) for lang in self.langs}
        rect = self._rectification(rule, env, texts)
        return Finding(
            rule=rule.id, subject=subject.name, severity=rule.rule.severity,
            title=rule.rule.title,
            message=self._fill(rule, rule.rule.message, texts),
            observed=self._observed(rule, subject, env, relevant),
            threshold={k: v for k, v in self._threshold(rule, env.params).items() if relevant is None or k in relevant},
            basis=rule.rule.basis, rectification=rect,
            locations=locate(self.doc, self._pointers(subject, env), self.prior_doc),
            shortfall=shortfall, area=rule.area, area_title=rule.area_title,
        )

    def _shortfall(self, rule: CompiledRule, env: Env) -> tuple[int | float, str] | None:
        """What it takes to meet the rule, rounded up to its unit's step; None when the rule has none or it is not positive."""
        declared = rule.rule.shortfall
        if rule.shortfall is None or declared is None:
            return None
        v = rule.shortfall(env)
        if v is MISSING or v is UNDEFINED:
            return None
        v = Fraction(v)
        if declared.omit_unless_positive and v <= 0:
            return None
        return shortfall_number(v, declared.unit, self.units), declared.unit

    def _texts(self, rule: CompiledRule, subject: Subject, env: Env, lang: str, causes: set[int],
               shortfall: tuple[int | float, str] | None, extra: dict[str, Any]) -> dict[str, Any]:
        """The names a violated rule's texts fill in, in one language: ``_names``, the fired causes' texts, the shortfall."""
        names = self._names(subject, env, lang)
        names.update(extra)
        cause_texts = [getattr(t, lang) for i, (_, t) in enumerate(rule.causes) if i in causes and t is not None]
        if cause_texts:
            names["causes"] = _joined(lang, (fill(c, names, self.places(rule)) for c in cause_texts), "、", ", ")
        if shortfall is not None:
            names["shortfall"] = shortfall[0]
        return names

    def _rectification(self, rule: CompiledRule, env: Env, texts: dict[str, dict[str, Any]]) -> Text:
        """The first rectification whose condition holds (one without a condition always does)."""
        for closure, text in rule.rectification:
            if closure is not None:
                ok = closure(env)
                if ok is MISSING or ok is UNDEFINED or not ok:
                    continue
            return self._fill(rule, text, texts)
        return Text(zh="", en="")

    def _fill(self, rule: CompiledRule, text: Text, names: Mapping[str, Mapping[str, Any]]) -> Text:
        """A rule's text filled in, in both languages, each figure with its unit's decimals."""
        places = self.places(rule)
        return self.text(lambda lang: fill(getattr(text, lang), names[lang], places))

    def _lagging(self, rule: CompiledRule, lag: Lagging, subject: Subject, env: Env) -> dict[str, dict[str, Any]]:
        """BAL rules: every coefficient labelled, the worst one, and the schools furthest below the level's mean on it."""
        count = lag.count if isinstance(lag.count, int) else int(env.params[lag.count])
        best: str | None = None
        for name in lag.among:  # the largest CV; ties in the listed order
            v = env.values.get(name)
            if isinstance(v, (int, float, Fraction)) and (best is None or float(v) > float(env.values[best])):
                best = name
        out: dict[str, dict[str, Any]] = {lang: {} for lang in self.langs}
        for lang in self.langs:
            labelled = []
            for name in lag.among:
                label = rule.rule.labels.get(name)
                labelled.append(f"{getattr(label, lang) if label else name} {fmt_number(env.values.get(name))}")
            out[lang]["labelled"] = _joined(lang, labelled, "；", "; ")
        if best is None:
            return out
        below, mean = _below_mean(rule, best, subject, env, count)
        for lang in self.langs:
            label = rule.rule.labels.get(best)
            out[lang]["worst_label"] = getattr(label, lang) if label else best
            out[lang]["worst_value"] = round4(env.values[best])
            items = []
            digits = 2 if abs(mean) >= 1 else 4  # per-student teachers (0.03) keep their digits, areas and sums two
            for x, _, (_, record, _) in below:
                shown, average = fmt_figures([(x, None, digits), (mean, None, digits)])
                school = school_label(str(record["id"]), record.get("name"), lang)
                items.append(f"{school}为 {shown}（均值 {average}）" if lang == "zh" else f"{school} at {shown} (mean {average})")
            out[lang]["lagging_schools"] = _joined(lang, items, "；", "; ") or "—"
        return out

    def _by_school(self, pointer: str) -> tuple[str, str]:
        """Pointers in the order a person reads them: a school's figures by its id (never by its place in the
        file, so that reordering the schools changes no text), then by the field's key."""
        m = re.fullmatch(r"/schools/(\d+)(/.*)?", pointer)
        if m is None:
            return ("", pointer)
        school_id, name = self.schools.get(int(m.group(1)), ("", None))
        return (f"{school_id}\0{name or ''}", m.group(2) or "")

    def missing(self, rule: CompiledRule, subject: Subject, pointers: set[str] | None = None) -> Finding:
        """DATA-MISSING for a rule that could not be judged: the inputs it lacks (``pointers``, or what it could not read)."""
        env = evaluate_exact(rule, subject)
        missing = tuple(sorted(pointers if pointers is not None else env.missing))
        dm = self.vocab.get("data_missing", {})
        names = {lang: {"for_rule": rule.id, "for_title": getattr(rule.rule.title, lang), "subject": subject.name,
                        "missing": _joined(lang, (pointer_label(p, lang, self.schools) for p in sorted(missing, key=self._by_school)),
                                           "；", "; ")}
                 for lang in self.langs}
        locs = [input_object(p) for p in env.inputs] + [
            present_ancestor(self.data, input_object(p)) for p in missing
        ]
        return Finding(
            rule="DATA-MISSING", subject=subject.name, severity=rule.rule.severity,
            title=Text(zh=dm["title"]["zh"], en=dm["title"]["en"]),
            message=self.text(lambda lang: fill(dm["message"][lang], names[lang])),
            observed={self._relative(p, subject): as_filed(v) for p, v in sorted(env.inputs.items())},
            threshold=self._threshold(rule, env.params),
            basis=rule.rule.basis,
            rectification=self.text(lambda lang: fill(dm["rectification"][lang], names[lang])),
            locations=locate(self.doc, locs or [subject.base_pointer]),
            for_rule=rule.id, missing=missing, area=rule.area, area_title=rule.area_title,
        )

    def aggregate(self, rule: CompiledRule, subject: Subject, members: list[Finding]) -> Finding:
        """An aggregate rule's finding (QLT-08): its members' findings at the subject, compared values and all."""
        members = sorted(members, key=lambda f: f.rule)
        by_id = {r.id: r for r in self.pack.rules}
        texts = {}
        for lang in self.langs:
            parts = [self._member_text(f, by_id.get(f.rule), subject, lang) for f in members]
            texts[lang] = {"school_name": subject.label, "subject": subject.name, "causes": _joined(lang, parts, "；", "; ")}
        observed: dict[str, Any] = {}
        threshold: dict[str, str] = {}
        for f in members:
            for k, v in f.threshold.items():
                if k in f.observed:
                    observed[k] = f.observed[k]
                    threshold[k] = v
        locs = [loc.pointer for f in members for loc in f.locations]
        return Finding(
            rule=rule.id, subject=subject.name, severity=rule.rule.severity, title=rule.rule.title,
            message=self._fill(rule, rule.rule.message, texts),
            observed=dict(sorted(observed.items())), threshold=dict(sorted(threshold.items())), basis=rule.rule.basis,
            rectification=self._fill(rule, rule.rule.rectification, texts)
            if not isinstance(rule.rule.rectification, list) else Text(zh="", en=""),
            locations=locate(self.doc, locs or [subject.base_pointer]), area=rule.area, area_title=rule.area_title,
        )

    def _member_text(self, finding: Finding, member: CompiledRule | None, subject: Subject, lang: str) -> str:
        """One failed indicator of an aggregate rule, as a person reads it:
        ``QLT-05 生均体育运动场馆面积 6.3 ㎡，低于 7.5 ㎡`` — the indicator's title, its figure and the standard, with their unit."""
        head = f"{finding.rule} {getattr(finding.title, lang)}"
        if member is None:
            return head
        params = member.params.get(subject.variant if member.variants[0] is not None else None, {})
        units = figure_units(member, self.units, lang)
        said = []
        for req in member.requirement:
            value = finding.observed.get(req.name)
            if value is None or req.simple not in params:
                continue
            written = units.get(req.name) or units.get(req.simple or "")
            places = self.places(member)
            shown, standard = fmt_figures([(value, None, places.get(req.name)), (params[req.simple or ""], None, None)])
            after = f" {unit(written)}" if written else ""
            zh, en = _UNMET.get(req.op, (req.op, req.op))
            said.append(f"{shown}{after}，{zh} {standard}{after}" if lang == "zh" else f"{shown}{after}, {en} {standard}{after}")
        if not said:
            return head
        return f"{head} {'；'.join(said)}" if lang == "zh" else f"{head} {'; '.join(said)}"


def _below_mean(rule: CompiledRule, worst: str, subject: Subject, env: Env, count: int
                ) -> tuple[list[tuple[float, float, Record]], float]:
    """The ``count`` schools furthest below the students-weighted mean of the coefficient ``worst`` is about, and that mean."""
    inner = rule.cv_inner[worst]
    probe = Env(subject.base, subject.base_pointer, subject.records, subject.placeholders, env.params, float_params=env.float_params)
    xs: list[tuple[float, float, Record]] = []  # (the school's figure, its students, its record)
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
    return below, mean
