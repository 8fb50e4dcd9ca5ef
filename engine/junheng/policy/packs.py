"""Compile a loaded rules folder into packs: each pack's members, overrides and aggregate rules checked.

``compile_policy`` is where a rules folder becomes a ``Policy``: every rule compiled
once by its passes (``passes.py``) — a rule that two packs hold alike is compiled
once —, every pack's members found along its ``extends`` chain, overrides applied,
aggregate rules (QLT-08) checked against their pack. Every mistake of the whole
folder is collected and raised together as ``InputErrors``: a broken rules folder
stops a run before any filing is read.
"""

from __future__ import annotations

import json

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from junheng.errors import InputError, InputErrors, suggest
from junheng.located.read import LoadedDocument
from junheng.policy.compiled import CompiledPack, CompiledRule, Policy
from junheng.policy.cache import load_cached
from junheng.policy.loaded import LoadedRules, Roots
from junheng.policy.params import fraction
from junheng.policy.passes import compile_rule
from junheng.policy.shared import fill_title, pack_param_problems, resolve_params
from junheng.policy.text import Text

if TYPE_CHECKING:  # annotations only: compiling reads the models, or their records (frozen.py), alike
    from junheng.policy.model import Aggregate, Override, Pack, Rule, RuleFile

__all__ = ["compile_policy", "compile_rules", "failures_at_least"]

Identity = tuple[str, str]  # (rule id, subject kind): a rule may be defined once per subject kind


@dataclass(frozen=True)
class _Defined:
    """A rule as a rule file defines it, before any pack's override."""

    rule: Rule
    file: RuleFile
    doc: LoadedDocument
    pointer: str
    origins: Mapping[str, tuple[LoadedDocument, str]] = field(default_factory=dict)  # params written elsewhere
    title_written: Text | None = None  # the title before its placeholders were filled
    # What a pack's override changed (``_with_override``): two packs whose changes are alike hold the same rule.
    changed: str = ""


def compile_rules(root: Roots = None, *, cache: bool = True, frozen: bool = False) -> Policy:
    """Load and compile a rules folder (the shipped one by default, or several layered).

    The loaded folder comes from the user's cache when the very same files were read before
    (``policy/cache.py``; ``cache=False`` or ``JUNHENG_NO_CACHE=1`` reads them again).
    ``frozen``: compiled from the rules' read-only records (``frozen.py``) instead of their models —
    what a check needs, without pydantic; the compiled rules' ``rule`` and ``pack`` are then records.
    A check's packs are compiled when first asked for, once the cache has seen these very files (and
    this compiler) compile without a mistake: a broken rule anywhere still stops every run before any
    filing is read, since it never earns the cache's mark.
    """
    cached = load_cached(root, cache=cache, frozen=frozen)
    if frozen and cached.compiled_clean:
        return compile_policy(cached.loaded, lazy=True)
    policy = compile_policy(cached.loaded)  # raises InputErrors for a broken folder: no mark is written
    cached.mark_compiled_clean()
    return policy


def compile_policy(loaded: LoadedRules, *, lazy: bool = False) -> Policy:
    """Compile every pack of a loaded rules folder; raises InputErrors listing every mistake.

    ``lazy``: for a folder known to compile without a mistake — each pack is compiled when first asked for
    (``_LazyPacks``), not all of them before the first filing.
    """
    compiler = _PackCompiler(loaded)
    if lazy:
        return Policy(roots=loaded.roots, packs=_LazyPacks(compiler), vocabulary=loaded.vocabulary, loaded=loaded)
    packs = {name: compiled for name in sorted(loaded.packs) if (compiled := compiler.pack(name)) is not None}
    compiler.raise_errors()
    return Policy(roots=loaded.roots, packs=packs, vocabulary=loaded.vocabulary, loaded=loaded)


class _PackCompiler:
    """Compiles the packs of one loaded folder, one at a time, collecting every mistake in ``errors``."""

    def __init__(self, loaded: LoadedRules):
        self.loaded = loaded
        self.errors: list[InputError] = []
        self.defined, self.order = _definitions(loaded, self.errors)
        self.once = _Once(loaded, self.errors)
        self.ids = {rid for rid, _ in self.order}

    def pack(self, name: str) -> CompiledPack | None:
        """One pack compiled (None when its ``extends`` chain or its settings are broken: see ``errors``)."""
        loaded, errors = self.loaded, self.errors
        pack, doc = loaded.packs[name]
        members = _pack_members(name, loaded, self.defined, self.order, doc, errors, self.ids)
        if members is None:
            return None
        cutoff = _inherited(name, loaded, "teaching_point_min_students")
        if cutoff is None:
            errors.append(InputError("rule_schema_error", doc.file, 1, 1, "",
                                     f"规则包 {name} 须设置 teaching_point_min_students（或继承自 extends）",
                                     f"pack {name} must set teaching_point_min_students (or inherit it through extends)"))
            return None
        errors.extend(pack_param_problems(_extends_docs(name, loaded), loaded))
        years = _years(name, loaded)
        errors.extend(_years_problems(name, loaded, years))
        rules = [r for r in (self.once.compile(_with_override(name, self.defined[i], loaded, errors)) for i in members) if r is not None]
        by_id = {r.id: r for r in rules}
        for r in rules:
            if r.rule.aggregate:
                errors.extend(_aggregate_problems(r, name, by_id, loaded))
        # The pack as it applies: its jurisdiction as the nearest pack along ``extends`` declares it.
        resolved = pack.model_copy(update={"jurisdiction": _inherited(name, loaded, "jurisdiction")})
        return CompiledPack(
            name=name, pack=resolved, title=pack.title, rules=rules, by_key={r.key: r for r in rules},
            deferred_when_any=tuple(_inherited(name, loaded, "deferred_when_any") or ("blocking",)),
            teaching_point_min_students=cutoff, vocabulary=loaded.vocabulary,
            valid_from=years[0], valid_to=years[1],
        )

    def raise_errors(self) -> None:
        if self.errors:
            unique = {(e.file, e.line, e.column, e.pointer, e.en): e for e in self.errors}  # a rule is compiled once per pack
            raise InputErrors(list(unique.values()))


class _LazyPacks(Mapping[str, CompiledPack]):
    """A policy's packs by name, each compiled when first asked for. Asking for one compiles it and every pack
    before it in name order, as a full compile does, so that every rule gets the key (``r<n>``) it gets there.
    A mistake found on the way (a folder the cache wrongly vouched for) raises InputErrors then."""

    def __init__(self, compiler: _PackCompiler):
        self._compiler = compiler
        self._names = sorted(compiler.loaded.packs)
        self._done: dict[str, CompiledPack] = {}

    def __getitem__(self, name: str) -> CompiledPack:
        if name not in self._done:
            if name not in self._names:
                raise KeyError(name)
            for earlier in self._names[: self._names.index(name) + 1]:
                if earlier not in self._done:
                    compiled = self._compiler.pack(earlier)
                    self._compiler.raise_errors()
                    assert compiled is not None  # None comes with an error, raised above
                    self._done[earlier] = compiled
        return self._done[name]

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    @property
    def compiled(self) -> tuple[str, ...]:
        """The packs compiled so far, in name order."""
        return tuple(n for n in self._names if n in self._done)


def _definitions(loaded: LoadedRules, errors: list[InputError]) -> tuple[dict[Identity, _Defined], list[Identity]]:
    """Every rule the files define, once per (id, subject), in file order; duplicates and unknown packs are errors."""
    defined: dict[Identity, _Defined] = {}
    order: list[Identity] = []
    seen: dict[Identity, str] = {}
    for rule_file, doc in loaded.files:
        for i, rule in enumerate(rule_file.rules):
            pointer = f"/rules/{i}"
            identity = (rule.id, rule.subject)
            if identity in seen:
                line, col = doc.location(pointer + "/id")
                errors.append(InputError("rule_compile_error", doc.file, line, col, pointer + "/id",
                                         f"规则 {rule.id}（{rule.subject}）重复定义（首次在 {seen[identity]}）",
                                         f"rule {rule.id} ({rule.subject}) is defined twice (first in {seen[identity]})"))
                continue
            seen[identity] = f"{doc.file}:{doc.location(pointer)[0]}"
            for j, pack_name in enumerate(rule.packs):
                if pack_name not in loaded.packs:
                    line, col = doc.location(f"{pointer}/packs/{j}")
                    hint = suggest(pack_name, loaded.packs, cutoff=0.6)
                    known = ", ".join(sorted(loaded.packs))
                    errors.append(InputError("rule_compile_error", doc.file, line, col, f"{pointer}/packs/{j}",
                                             f"规则 {rule.id}：未知规则包 “{pack_name}”" + (hint.zh or f"（已有：{known}）"),
                                             f"rule {rule.id}: unknown pack {pack_name!r}" + (hint.en or f" (known: {known})")))
            defined[identity] = _Defined(rule, rule_file, doc, pointer)
            order.append(identity)
    return defined, order


def _with_override(pack_name: str, d: _Defined, loaded: LoadedRules, errors: list[InputError]) -> _Defined:
    """The rule as this pack holds it: shared params looked up, severity and params as the nearest override along
    ``extends`` sets them (a mapping by level changes only its levels), its title's placeholders filled."""
    rule = d.rule
    chain = _extends_docs(pack_name, loaded)
    resolved = resolve_params(rule, d.doc, d.pointer, chain, loaded, errors)
    updates: dict[str, Any] = {"params": resolved.params, "units": {**resolved.units, **rule.units}}
    override = _override_for(pack_name, rule.id, loaded)
    if override is not None and override.severity:
        updates["severity"] = override.severity
    title, unknown = fill_title(rule, resolved.params)
    for rel, name in unknown:
        line, col = d.doc.location(d.pointer + rel)
        hint = suggest(name, resolved.params)
        errors.append(InputError("rule_compile_error", d.doc.file, line, col, d.pointer + rel,
                                 f"规则 {rule.id}：标题中的占位符 {{{name}}} 不是本规则的参数" + hint.zh,
                                 f"rule {rule.id}: the title's placeholder {{{name}}} is not a param of the rule" + hint.en))
    updates["title"] = title
    # Written out without the models' serialiser, which would build every rule model's schema on each run.
    changed = json.dumps({k: v for k, v in updates.items() if getattr(rule, k) != v}, sort_keys=True, default=repr, ensure_ascii=False)
    return _Defined(rule.model_copy(update=updates), d.file, d.doc, d.pointer, resolved.origins, rule.title, changed)


def _extends_docs(name: str, loaded: LoadedRules) -> list[tuple[Pack, LoadedDocument]]:
    """``_extends_chain`` with each pack's document, nearest first."""
    return [loaded.packs[p.name] for p in _extends_chain(name, loaded)]


class _Once:
    """Compiles each distinct rule once: a rule two packs hold alike (no override between them) is shared."""

    def __init__(self, loaded: LoadedRules, errors: list[InputError]):
        self.errors = errors
        units = loaded.vocabulary.get("units")
        self.units = units if isinstance(units, dict) else None
        self.done: dict[tuple[str, str, str], CompiledRule | None] = {}

    def compile(self, d: _Defined) -> CompiledRule | None:
        memo = (d.doc.file, d.pointer, d.changed)
        if memo not in self.done:
            key = f"r{len(self.done) + 1}"
            compiled = compile_rule(d.rule, key, d.file.area, d.file.area_title, d.doc, d.pointer, self.errors, units=self.units,
                                    origins=d.origins)
            if compiled is not None:
                compiled.title_written = d.title_written or d.rule.title
            self.done[memo] = compiled
        return self.done[memo]


def failures_at_least(rule: CompiledRule) -> Any:
    """``aggregate.failures_at_least`` of an aggregate rule: an int when it is a whole number (written, or
    one of the rule's params holding it), else what was written (a mistake ``_aggregate_problems`` reports)."""
    n: Any = _aggregate(rule).failures_at_least
    if isinstance(n, str):
        n = rule.params[None][n] if n in rule.params.get(None, {}) else Fraction(n) if n.strip().isdigit() else n
    return int(n) if isinstance(n, Fraction) and n.denominator == 1 else n


def _aggregate(rule: CompiledRule) -> Aggregate:
    if rule.rule.aggregate is None:
        raise ValueError(f"rule {rule.id} is not an aggregate rule")
    return rule.rule.aggregate


def _aggregate_problems(rule: CompiledRule, pack_name: str, by_id: dict[str, CompiledRule], loaded: LoadedRules) -> list[InputError]:
    """What makes an aggregate rule impossible to build: members outside the pack or listed twice, a count
    that is not a whole number from 1 to the number of members (durable_rules cannot create a rule of
    thousands of patterns, and building it eats the memory), a fraction that is not a number."""
    agg = _aggregate(rule)
    errors: list[InputError] = []

    def error(rel: str, zh: str, en: str) -> None:
        doc = next((d for _, d in loaded.files if d.file == rule.file), None)
        line, col = doc.location(rule.pointer + rel) if doc is not None else (None, None)
        errors.append(InputError("rule_compile_error", rule.file, line, col, rule.pointer + rel,
                                 f"规则 {rule.id}：{zh}", f"rule {rule.id}: {en}"))

    for i, rid in enumerate(agg.of):
        if rid not in by_id:
            error(f"/aggregate/of/{i}", f"汇总的规则 {rid} 不在规则包 {pack_name} 中", f"aggregated rule {rid} is not in pack {pack_name}")
        elif rid in agg.of[:i]:
            error(f"/aggregate/of/{i}", f"汇总的规则 {rid} 重复列出", f"aggregated rule {rid} is listed twice")
    n = failures_at_least(rule)
    if not (isinstance(n, int) and 1 <= n <= len(agg.of)):
        error("/aggregate/failures_at_least", f"failures_at_least 须为 1 到 {len(agg.of)} 之间的整数（或取此值的参数名），实为 {n!r}",
              f"failures_at_least must be a whole number from 1 to {len(agg.of)} (or a param holding one), not {n!r}")
    if agg.single_below_fraction is not None:
        try:
            if fraction(agg.single_below_fraction) < 0:
                raise ValueError("negative")
        except (ValueError, ZeroDivisionError):
            error("/aggregate/single_below_fraction", f"single_below_fraction 须为非负数，实为 {agg.single_below_fraction!r}",
                  f"single_below_fraction must be a number of at least 0, not {agg.single_below_fraction!r}")
    return errors


def _extends_chain(name: str, loaded: LoadedRules) -> list[Pack]:
    """A pack and the packs it extends, nearest first; stops at an unknown pack or a cycle (reported elsewhere)."""
    chain: list[Pack] = []
    current: str | None = name
    seen: set[str] = set()
    while current and current not in seen and current in loaded.packs:
        seen.add(current)
        pack = loaded.packs[current][0]
        chain.append(pack)
        current = pack.extends
    return chain


def _inherited(name: str, loaded: LoadedRules, attr: str) -> Any:
    """A pack setting as the nearest pack along ``extends`` that sets it has it; None when none does."""
    for pack in _extends_chain(name, loaded):
        value = getattr(pack, attr)
        if attr == "deferred_when_any" and "deferred_when_any" not in pack.model_fields_set:
            value = None
        if value is not None:
            return value
    return None


def _years(name: str, loaded: LoadedRules) -> tuple[int | None, int | None]:
    """A pack's filing years (valid_from, valid_to): its own when it declares either (the end it leaves out is open),
    else as the nearest pack along ``extends`` that declares any — years are inherited as a pair, so that a
    year-version of a pack with years (basic-2020 of a basic ``valid_to: 2019``) is not bound by the other end."""
    for pack in _extends_chain(name, loaded):
        if pack.valid_from is not None or pack.valid_to is not None:
            return pack.valid_from, pack.valid_to
    return None, None


def _years_problems(name: str, loaded: LoadedRules, years: tuple[int | None, int | None]) -> list[InputError]:
    """valid_from after valid_to: a pack for no year at all, reported at the pack that declares them."""
    first, last = years
    pack, doc = loaded.packs[name]
    if first is None or last is None or first <= last or (pack.valid_from is None and pack.valid_to is None):
        return []  # a pack that declares no years inherits them: the pack that declares them is the one reported
    line, col = doc.location("/valid_from")
    return [InputError("rule_schema_error", doc.file, line, col, "/valid_from",
                       f"规则包 {name} 的适用年度为空：valid_from（{first}）晚于 valid_to（{last}）",
                       f"pack {name} is for no year: valid_from ({first}) is after valid_to ({last})")]


def _override_for(pack_name: str, rule_id: str, loaded: LoadedRules) -> Override | None:
    """The nearest override of a rule along the extends chain (a pack's own wins)."""
    merged: Override | None = None
    for pack in reversed(_extends_chain(pack_name, loaded)):
        o = pack.overrides.get(rule_id)
        if o is None:
            continue
        if merged is None:
            merged = o
        else:
            merged = merged.model_copy(update={"severity": o.severity or merged.severity, "params": {**merged.params, **o.params}})
    return merged


def _pack_members(name: str, loaded: LoadedRules, by_identity: dict[Identity, _Defined], order: list[Identity], doc: LoadedDocument,
                  errors: list[InputError], ids: set[str]) -> list[Identity] | None:
    """The rules a pack holds, in file order: its own and its ancestors', with includes and excludes applied.

    None after an error when its ``extends`` chain is broken (a cycle or an unknown pack)."""
    chain: list[Pack] = []
    current: str | None = name
    seen: set[str] = set()
    while current:
        if current in seen:
            errors.append(InputError("rule_compile_error", doc.file, *doc.location("/extends"), "/extends",
                                     f"规则包 {name} 的 extends 形成循环", f"pack {name}: extends forms a cycle"))
            return None
        seen.add(current)
        if current not in loaded.packs:
            hint = suggest(current, loaded.packs)
            errors.append(InputError("rule_compile_error", doc.file, *doc.location("/extends"), "/extends",
                                     f"规则包 {name} 继承的 “{current}” 不存在" + hint.zh,
                                     f"pack {name} extends unknown pack {current!r}" + hint.en))
            return None
        chain.append(loaded.packs[current][0])
        current = loaded.packs[current][0].extends
    members: list[Identity] = []
    for pack in reversed(chain):
        own = [ident for ident in order if pack.name in by_identity[ident].rule.packs]
        for ident in own:
            if ident not in members:
                members.append(ident)
        for field_name in ("include", "exclude", "overrides"):
            listed = getattr(pack, field_name)
            for j, rid in enumerate(listed):
                if rid not in ids:
                    pdoc = loaded.packs[pack.name][1]
                    pointer = f"/{field_name}/{j}" if field_name != "overrides" else f"/overrides/{rid}"
                    hint = suggest(rid, sorted(ids))
                    errors.append(InputError("rule_compile_error", pdoc.file, *pdoc.location(pointer), pointer,
                                             f"未知规则 “{rid}”" + hint.zh, f"unknown rule {rid!r}" + hint.en))
        for rid in pack.include:
            for ident in order:
                if ident[0] == rid and ident not in members:
                    members.append(ident)
        members = [m for m in members if m[0] not in pack.exclude]
    # A rule switched off (enabled: false) stays in its file, and no pack holds it.
    return [ident for ident in order if ident in members and by_identity[ident].rule.enabled]


