"""Rule changes as data: a number, a severity, on/off or a Chinese text, checked and written into the rule files.

The settings workbook (``authoring/workbook/``) and the web server's rule change
requests both come through here:

- ``read_settings`` shows the rule files as an officer edits them: each rule's
  severity and Chinese texts, each parameter per school level, each shared
  parameter once (``rules/params.yaml``), as a pack has them with ``standard``;
- ``validate_edits`` says what is wrong with a list of edits, every problem
  with the edit it is about;
- ``apply_edits`` writes them, all or none, keeping each file's comments, key
  order and layout (a ruamel.yaml round trip of the very files, never a
  re-dump), and returns each ``Change`` with its line (``FIN-13 threshold: 70% → 75%``).

A value is written where it lives in the top (last) rules layer: the rule file
that defines the rule, the ``params.yaml`` that declares a shared parameter, or
the pack override that sets it. A value living in a lower layer is written as an
override of the pack given as ``standard`` when that pack is in the top layer;
otherwise the edit is refused, naming the rule and the layer.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import ScalarString

import junheng
from junheng.authoring.describe import SUBJECT_KINDS
from junheng.authoring.ruletest import CaseResult, run_all
from junheng.errors import InputError, InputErrors, suggest
from junheng.policy.compiled import VARIANTS, Policy
from junheng.policy.load import PARAMS_FILE, RULE_TESTS_DIR, VOCABULARY_FILE, Roots, folders, load_rules
from junheng.policy.model import SEVERITIES, SEVERITY_NAMES_ZH
from junheng.policy.packs import compile_policy
from junheng.policy.params import fraction
from junheng.policy.shared import is_shared_name

__all__ = ["LEVEL_NAMES", "SEVERITY_ZH", "SHARED", "TEXT_FIELDS", "Change", "Edit", "EditsRejected", "EnabledEdit", "PackSetting",
           "ParamEdit", "ParamSetting", "Problem", "RuleSetting", "SeverityEdit", "Settings", "TextEdit", "TextField", "apply_edits",
           "edit_from_json", "installed_package", "read_settings", "rule_test_failures", "shown_number", "validate_edits"]

SHARED = "共用"  # the "rule" of a shared parameter (rules/params.yaml): ParamEdit(SHARED, "class_size", "primary", 40)
# A param's value per school level or survey group, as the workbook's 学段 column names them.
LEVEL_NAMES = {"primary": "小学", "junior": "初中", "nine_year": "九年一贯制",
               "parents": "家长", "teachers": "教师", "deputies": "人大代表"}
SEVERITY_ZH = {key: zh for zh, key in SEVERITY_NAMES_ZH.items()}  # blocking → 否决项 … (the report's own section names)
TextField = Literal["title", "basis", "message", "rectification"]
TEXT_FIELDS: dict[str, tuple[str, str]] = {"title": ("标题", "title"), "basis": ("依据", "basis"), "message": ("说明", "message"),
                                           "rectification": ("整改", "rectification")}
Key = str | int


# ---------------------------------------------------------------- the edits


@dataclass(frozen=True)
class ParamEdit:
    """Set one parameter (one school level of it when it has one value per level) to ``value``.

    ``rule`` is a rule id, or ``SHARED`` for a shared parameter, ``param`` then being its name (``class_size``).
    ``subject`` picks one definition of an id defined for several subjects (DATA-02: district and school)."""

    rule: str
    param: str
    level: str | None
    value: Fraction
    subject: str | None = None


@dataclass(frozen=True)
class SeverityEdit:
    """Set a rule's severity: blocking, major, minor, info (or 否决项, 须整改, 建议, 提示)."""

    rule: str
    severity: str
    subject: str | None = None


@dataclass(frozen=True)
class EnabledEdit:
    """Switch a rule on or off (``enabled: false`` in its file: no pack holds it, it stays to be switched on again)."""

    rule: str
    enabled: bool
    subject: str | None = None


@dataclass(frozen=True)
class TextEdit:
    """Replace the Chinese text of a rule's title, basis, message or (first) rectification."""

    rule: str
    field: TextField
    zh: str
    subject: str | None = None


Edit = ParamEdit | SeverityEdit | EnabledEdit | TextEdit


@dataclass(frozen=True)
class Problem:
    """Why an edit cannot be made; ``index`` is its place in the list of edits (None: about all of them)."""

    index: int | None
    zh: str
    en: str

    def message(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


class EditsRejected(Exception):
    """Raised by ``apply_edits`` with every problem found; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.en for p in problems))


@dataclass(frozen=True)
class Change:
    """One value changed in one rule file: what a person reads (``line``) and where it was written."""

    index: int  # the edit it made
    rule: str  # FIN-13, DATA-02（学校）, or 共用
    kind: Literal["param", "severity", "enabled", "text"]
    what: str  # the param's name, or the text's field
    level: str | None
    old: Any
    new: Any
    ratio: bool  # a share: shown as a percentage
    file: str  # as messages name it: rules/funding.yaml
    path: Path = field(repr=False, compare=False)

    def line(self, lang: str = "zh") -> str:
        """``FIN-13 threshold: 70% → 75%``, ``STD-01 严重程度: 须整改 → 否决项``, ``FIN-05 启用: 是 → 否``."""
        zh = lang != "en"
        rule = self.rule if zh or self.rule != SHARED else "shared"
        if self.kind == "param":
            level = "" if self.level is None else f"（{LEVEL_NAMES.get(self.level, self.level)}）" if zh else f" ({self.level})"
            return f"{rule} {self.what}{level}: {shown_number(self.old, self.ratio)} → {shown_number(self.new, self.ratio)}"
        if self.kind == "severity":
            names = SEVERITY_ZH if zh else {k: k for k in SEVERITIES}
            return f"{rule} {'严重程度' if zh else 'severity'}: {names[self.old]} → {names[self.new]}"
        if self.kind == "enabled":
            yes, no = ("是", "否") if zh else ("yes", "no")
            return f"{rule} {'启用' if zh else 'enabled'}: {yes if self.old else no} → {yes if self.new else no}"
        label = TEXT_FIELDS[self.what][0 if zh else 1]
        old, new = _clipped(self.old, self.new)
        return f"{rule} {label}: “{old}” → “{new}”"


def _clipped(old: str, new: str, context: int = 12, width: int = 60) -> tuple[str, str]:
    """Two long texts cut to where they differ, with some context around it: …低于 {threshold:pct} → …低于 {threshold:pct}。"""
    if len(old) <= width and len(new) <= width:
        return old, new
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1

    def cut(text: str) -> str:
        a, b = max(0, start - context), min(len(text), len(text) - end + context)
        middle = text[a:b] if b - a <= width else text[a:a + width // 2] + "…" + text[b - width // 2:b]
        return ("…" if a > 0 else "") + middle + ("…" if b < len(text) else "")
    return cut(old), cut(new)


def shown_number(value: Fraction, ratio: bool) -> str:
    """A policy number as people write it: 70% for a share, 45 for a count, 0.65 for a coefficient."""
    if ratio:
        return _decimal_text(value * 100) + "%"
    return _decimal_text(value)


def _decimal_text(value: Fraction) -> str:
    """The exact decimal when there is one (0.75, 13.5), else six significant digits (33.3333)."""
    if value.denominator == 1:
        return str(value.numerator)
    text = _finite_decimal(value)
    return text if text is not None else f"{float(value):.6g}"


def _finite_decimal(value: Fraction) -> str | None:
    """``value`` as an exact decimal string, or None when it has none (a third)."""
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    if den != 1:
        return None
    digits = max(twos, fives)
    scaled = abs(value.numerator) * (10 ** digits // value.denominator)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(scaled, 10 ** digits)
    return f"{sign}{whole}.{str(frac).rjust(digits, '0').rstrip('0')}" if digits else f"{sign}{whole}"


def edit_from_json(data: Mapping[str, Any]) -> Edit:
    """One edit from a change request: ``{"rule", "param", "level"?, "value"}``, ``{"rule", "severity"}``,
    ``{"rule", "enabled"}`` or ``{"rule", "field", "zh"}`` (``"subject"`` optional in each).

    ValueError, its message in English and Chinese, for anything else."""
    rule, subject = data.get("rule"), data.get("subject")
    if not isinstance(rule, str) or not (subject is None or isinstance(subject, str)):
        raise ValueError("an edit names its rule: {\"rule\": \"FIN-13\", …} / 修改须指明规则")
    if "param" in data:
        level, value = data.get("level"), data.get("value")
        if not isinstance(data["param"], str) or not (level is None or isinstance(level, str)):
            raise ValueError("param and level are names / 参数和学段须为名称")
        try:
            number = fraction(value)
        except (ValueError, ZeroDivisionError, TypeError):
            raise ValueError(f"value must be a number, not {value!r} / 取值须为数值") from None
        return ParamEdit(rule, data["param"], level, number, subject)
    if isinstance(data.get("severity"), str):
        return SeverityEdit(rule, data["severity"], subject)
    if isinstance(data.get("enabled"), bool):
        return EnabledEdit(rule, data["enabled"], subject)
    if data.get("field") in TEXT_FIELDS and isinstance(data.get("zh"), str):
        return TextEdit(rule, data["field"], data["zh"], subject)
    raise ValueError("an edit sets a param's value, a severity, enabled, or a text's zh / 无法识别的修改")


# ---------------------------------------------------------------- the rule files as written


def _yaml(mapping: int = 2, sequence: int = 4, offset: int = 2) -> YAML:
    """The round-trip reader and writer: comments, key order, quotes and flow style kept; no line folding."""
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=mapping, sequence=sequence, offset=offset)
    return y


# The indentations tried when writing a file back: the first that reproduces the file as read is used.
_INDENTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0), (3, 5, 2))


@dataclass(eq=False)
class YamlFile:
    """One YAML file of a rules layer, read for editing (``data`` is ruamel's round-trip tree)."""

    path: Path
    layer: int
    data: Any
    text: str | None  # as read (None: a file this edit creates)
    bom: bool = False
    crlf: bool = False
    dirty: bool = False

    @classmethod
    def read(cls, path: Path, layer: int) -> YamlFile:
        raw = path.read_bytes()
        bom = raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        crlf = "\r\n" in text
        text = text.replace("\r\n", "\n")
        return cls(path, layer, _yaml().load(text), text, bom, crlf)

    def dumped(self) -> str:
        """The file's new text: the layout it had (indentation, line ends, byte-order mark) kept."""
        chosen = _INDENTS[0]
        if self.text is not None:
            for indent in _INDENTS:
                if _dump(_yaml(*indent), _yaml().load(self.text)) == self.text:
                    chosen = indent
                    break
        text = _dump(_yaml(*chosen), self.data)
        if self.crlf:
            text = text.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + text


def _dump(y: YAML, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


@dataclass(frozen=True)
class RuleEntry:
    """One rule as a rule file defines it: the file, its index in ``rules:``."""

    id: str
    subject: str
    file: YamlFile
    index: int

    @property
    def data(self) -> Any:
        return self.file.data["rules"][self.index]


class RuleFiles:
    """Every rule file, pack and ``params.yaml`` of the layers, read for editing, in the order ``load_rules`` reads them."""

    def __init__(self, roots: Sequence[Path]):
        self.roots = [Path(r) for r in roots]
        self.top = len(self.roots) - 1
        self.files: list[YamlFile] = []
        self.rules: list[RuleEntry] = []
        self.packs: dict[str, YamlFile] = {}
        self.shared: dict[str, YamlFile] = {}  # a shared parameter's name → the params.yaml declaring it (the last layer's)
        self.params_files: dict[int, YamlFile] = {}
        for layer, root in enumerate(self.roots):
            self._read_layer(layer, root)

    def _read_layer(self, layer: int, root: Path) -> None:
        params = root / PARAMS_FILE
        if params.is_file():
            doc = self._add(params, layer)
            self.params_files[layer] = doc
            for name in (doc.data or {}).get("params") or {}:
                self.shared[str(name)] = doc
        rule_paths = _yaml_files(root, (VOCABULARY_FILE, PARAMS_FILE))
        pack_paths = sorted((root / "packs").glob("*/pack.yaml")) if (root / "packs").is_dir() else []
        for pack_path in pack_paths:
            rule_paths += _yaml_files(pack_path.parent, ("pack.yaml",))
        for path in rule_paths:
            doc = self._add(path, layer)
            for i, rule in enumerate((doc.data or {}).get("rules") or []):
                self.rules.append(RuleEntry(str(rule["id"]), str(rule["subject"]), doc, i))
        for path in pack_paths:
            doc = self._add(path, layer)
            self.packs[str(doc.data["name"])] = doc

    def _add(self, path: Path, layer: int) -> YamlFile:
        doc = YamlFile.read(path, layer)
        self.files.append(doc)
        return doc

    def chain(self, standard: str | None) -> list[YamlFile]:
        """The pack ``standard`` and the packs it extends, nearest first (none without a standard)."""
        out: list[YamlFile] = []
        current, seen = standard, set()
        while current and current not in seen and current in self.packs:
            seen.add(current)
            out.append(self.packs[current])
            current = self.packs[current].data.get("extends")
        return out

    def params_file(self) -> YamlFile:
        """The top layer's ``params.yaml``, made (empty, in memory) when it has none."""
        if self.top not in self.params_files:
            data = CommentedMap(params=CommentedMap())
            data.yaml_set_start_comment("共用参数 — numbers several rules use, declared once (see rules/params.yaml)")
            doc = YamlFile(self.roots[self.top] / PARAMS_FILE, self.top, data, None)
            self.params_files[self.top] = doc
            self.files.append(doc)
        return self.params_files[self.top]

    def fingerprint(self) -> str:
        """A short digest of every file as read: tells whether the rules changed since a workbook was made."""
        digest = hashlib.sha256()
        for doc in self.files:
            digest.update(f"{doc.layer}:{doc.path.name}\0{doc.text}\0".encode())
        return digest.hexdigest()[:16]


def _yaml_files(folder: Path, exclude: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.name not in exclude and p.suffix.lower() in (".yaml", ".yml"))


@dataclass(frozen=True)
class Place:
    """Where a value is written: a file and the keys down to it."""

    file: YamlFile
    keys: tuple[Key, ...]

    def below(self, *keys: Key) -> Place:
        return Place(self.file, self.keys + keys)

    @property
    def pointer(self) -> str:
        return "".join(f"/{k}" for k in self.keys)


@dataclass(frozen=True)
class Cell:
    """One value as a pack has it, and where it is written; ``exact``: that place holds this value alone (not a
    number standing for every level, of which a pack changes some)."""

    raw: Any
    place: Place
    exact: bool = True


Cells = dict[str | None, Cell]  # school level (None: one value) → cell


def _split(raw: Any, place: Place) -> Cells:
    if isinstance(raw, Mapping):
        return {str(k): Cell(v, place.below(k)) for k, v in raw.items()}
    return {None: Cell(raw, place)}


def _layer_over(cells: Cells, raw: Any, place: Place, variants: tuple[str, ...]) -> Cells:
    """``raw`` (a pack's value) over ``cells`` as ``policy/shared.py`` merges them: a mapping changes only its levels."""
    if not isinstance(raw, Mapping):
        return {None: Cell(raw, place)}
    out = dict(cells)
    if None in out:
        whole = out.pop(None)
        out = {v: Cell(whole.raw, whole.place, exact=False) for v in variants}
    for k, v in raw.items():
        out[str(k)] = Cell(v, place.below(k))
    return out


def rule_param_cells(files: RuleFiles, entry: RuleEntry, standard: str | None) -> dict[str, Cells]:
    """A rule's own params (not those naming a shared parameter) as the pack ``standard`` has them."""
    out: dict[str, Cells] = {}
    chain = files.chain(standard)
    variants = VARIANTS.get(entry.subject, ("primary", "junior"))
    for name, raw in (entry.data.get("params") or {}).items():
        if is_shared_name(raw):
            continue
        cells = _split(raw, Place(entry.file, ("rules", entry.index, "params", name)))
        for pack in reversed(chain):
            override = ((pack.data.get("overrides") or {}).get(entry.id) or {}).get("params") or {}
            if name in override:
                cells = _layer_over(cells, override[name], Place(pack, ("overrides", entry.id, "params", name)), variants)
        out[str(name)] = cells
    return out


def shared_cells(files: RuleFiles, name: str, standard: str | None) -> Cells:
    """A shared parameter as the pack ``standard`` has it."""
    declared = files.shared[name]
    cells = _split(declared.data["params"][name]["value"], Place(declared, ("params", name, "value")))
    for pack in reversed(files.chain(standard)):
        values = pack.data.get("params") or {}
        if name in values:
            cells = _layer_over(cells, values[name], Place(pack, ("params", name)), VARIANTS["school"])
    return cells


def severity_cell(files: RuleFiles, entry: RuleEntry, standard: str | None) -> Cell:
    """A rule's severity as the pack ``standard`` has it (its English key in ``raw``)."""
    cell = Cell(entry.data["severity"], Place(entry.file, ("rules", entry.index, "severity")))
    for pack in reversed(files.chain(standard)):
        override = (pack.data.get("overrides") or {}).get(entry.id) or {}
        if override.get("severity"):
            cell = Cell(override["severity"], Place(pack, ("overrides", entry.id, "severity")))
    return Cell(_severity_key(cell.raw), cell.place, cell.exact)


def _severity_key(value: Any) -> str:
    text = str(value).strip()
    return SEVERITY_NAMES_ZH.get(text, text)


def _rectification(data: Any) -> tuple[str, str | None, tuple[tuple[str | None, str], ...]]:
    """The first rectification text, its condition, and the other cases (condition, text)."""
    rect = data["rectification"]
    if isinstance(rect, Mapping):
        return str(rect["zh"]), None, ()
    first = rect[0]
    return str(first["zh"]), first.get("when"), tuple((case.get("when"), str(case["zh"])) for case in rect[1:])


# ---------------------------------------------------------------- what an officer sees


@dataclass(frozen=True)
class RuleSetting:
    """A rule as the workbook's 规则 sheet shows it: switch, severity and Chinese texts, as the pack has them."""

    id: str
    subject: str
    ambiguous: bool  # the id is defined for several subjects (DATA-02): the subject tells them apart
    enabled: bool
    severity: str  # the English key
    title: str  # the Chinese texts as written: placeholders ({threshold:pct}) unfilled
    basis: str
    message: str
    rectification: str  # the first case's text
    rectification_when: str | None  # its condition, when it has one
    other_cases: tuple[tuple[str | None, str], ...]  # the other cases: (condition, text), read-only in the workbook
    packs: tuple[str, ...]  # the packs holding the rule (the packs named in its file when switched off)
    file: str

    @property
    def label(self) -> str:
        """The rule as a change line names it: FIN-13, or DATA-02（学校） for an id with several subjects."""
        return f"{self.id}（{SUBJECT_KINDS.get(self.subject, (self.subject,))[0]}）" if self.ambiguous else self.id


@dataclass(frozen=True)
class ParamSetting:
    """One value of a parameter (one school level of it) as the 参数 sheet shows it."""

    rule: str  # a rule id, or SHARED
    subject: str | None
    ambiguous: bool
    param: str
    level: str | None
    value: Fraction
    unit: str | None  # ratio: a share, shown as a percentage
    title: str  # the rule's title (filled), or the shared parameter's
    users: tuple[str, ...]  # for a shared parameter: the rules naming it
    file: str

    @property
    def ratio(self) -> bool:
        return self.unit == "ratio"


@dataclass(frozen=True)
class PackSetting:
    name: str
    title: str
    extends: str | None
    valid_from: int | None
    valid_to: int | None
    folder: str


@dataclass(frozen=True)
class Settings:
    """The rule files as an officer edits them, for one pack (``standard``) or as the files write them."""

    roots: tuple[Path, ...]
    standard: str | None
    rules: tuple[RuleSetting, ...]
    params: tuple[ParamSetting, ...]
    packs: tuple[PackSetting, ...]
    fingerprint: str


def read_settings(roots: Roots = None, standard: str | None = None) -> Settings:
    """The rule files as the workbook shows them; InputErrors for broken rules or an unknown ``standard``."""
    loaded = load_rules(roots)
    policy = compile_policy(loaded)
    if standard is not None and standard not in policy.packs:
        raise InputErrors([_unknown_pack(standard, policy.packs)])
    files = RuleFiles(list(loaded.roots))
    entries = _listed(files, policy, standard)
    titles: dict[tuple[str, str], str] = {(r.id, r.rule.subject): r.rule.title.zh for p in policy.packs.values() for r in p.rules}
    holders: dict[tuple[str, str], list[str]] = {}
    for name, pack in sorted(policy.packs.items()):
        for r in pack.rules:
            holders.setdefault((r.id, r.rule.subject), []).append(name)
    counts: dict[str, int] = {}
    for e in files.rules:
        counts[e.id] = counts.get(e.id, 0) + 1
    rules = tuple(_rule_setting(e, files, standard, counts[e.id] > 1, holders.get((e.id, e.subject))) for e in entries)
    params = _shared_settings(files, entries, standard) + tuple(
        p for e in entries for p in _param_settings(e, files, standard, counts[e.id] > 1, titles.get((e.id, e.subject))))
    packs = tuple(PackSetting(name, p.title.zh, p.pack.extends, p.valid_from, p.valid_to, _display(files.packs[name].path.parent))
                  for name, p in sorted(policy.packs.items()))
    return Settings(tuple(files.roots), standard, rules, params, packs, files.fingerprint())


def _unknown_pack(name: str, packs: Iterable[str]) -> InputError:
    hint = suggest(name, packs)
    known = "、".join(sorted(packs))
    return InputError("option_error", "--standard", None, None, "", f"未知规则包 “{name}”{hint.zh or f'（已有：{known}）'}",
                      f"unknown pack {name!r}{hint.en or f' (known: {known})'}")


def _listed(files: RuleFiles, policy: Policy, standard: str | None) -> list[RuleEntry]:
    """The rules shown: all of them; with a standard, those its pack holds and those switched off that name it."""
    if standard is None:
        return list(files.rules)
    held = {(r.id, r.rule.subject) for r in policy.packs[standard].rules}
    chain = files.chain(standard)
    names = {str(p.data["name"]) for p in chain}
    excluded = {str(rid) for p in chain for rid in p.data.get("exclude") or []}
    return [e for e in files.rules if (e.id, e.subject) in held
            or (e.data.get("enabled") is False and names & {str(n) for n in e.data["packs"]} and e.id not in excluded)]


def _rule_setting(entry: RuleEntry, files: RuleFiles, standard: str | None, ambiguous: bool, holders: list[str] | None) -> RuleSetting:
    data = entry.data
    first, when, others = _rectification(data)
    packs = tuple(holders) if holders is not None else tuple(str(p) for p in data["packs"])
    return RuleSetting(
        id=entry.id, subject=entry.subject, ambiguous=ambiguous, enabled=data.get("enabled", True) is not False,
        severity=str(severity_cell(files, entry, standard).raw), title=str(data["title"]["zh"]), basis=str(data["basis"]["zh"]),
        message=str(data["message"]["zh"]), rectification=first, rectification_when=None if when is None else str(when),
        other_cases=tuple((None if w is None else str(w), t) for w, t in others), packs=packs, file=_display(entry.file.path))


def _param_settings(entry: RuleEntry, files: RuleFiles, standard: str | None, ambiguous: bool, title: str | None) -> list[ParamSetting]:
    units = entry.data.get("units") or {}
    out = []
    for name, cells in rule_param_cells(files, entry, standard).items():
        for level, cell in cells.items():
            out.append(ParamSetting(entry.id, entry.subject, ambiguous, name, level, fraction(cell.raw), units.get(name),
                                    title or str(entry.data["title"]["zh"]), (), _display(entry.file.path)))
    return out


def _shared_settings(files: RuleFiles, entries: list[RuleEntry], standard: str | None) -> tuple[ParamSetting, ...]:
    out = []
    for name, declared in files.shared.items():
        users = tuple(dict.fromkeys(e.id for e in entries for v in (e.data.get("params") or {}).values()
                                    if is_shared_name(v) and str(v).strip() == name))
        spec = declared.data["params"][name]
        for level, cell in shared_cells(files, name, standard).items():
            out.append(ParamSetting(SHARED, None, False, name, level, fraction(cell.raw), str(spec.get("unit")), str(spec["title"]["zh"]),
                                    users, _display(declared.path)))
    return tuple(out)


def _display(path: Path) -> str:
    """A path as the user would write it: relative below the working directory, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(Path(path).resolve())


# ---------------------------------------------------------------- checking and making the edits


@dataclass
class _Plan:
    """The edits made in memory: the files they changed, the changes, the problems."""

    files: RuleFiles
    standard: str | None
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    written: list[tuple[int, Place]] = field(default_factory=list)  # (edit, where) for every value written
    expected: list[tuple[int, Any, Any]] = field(default_factory=list)  # (edit, how to read the value again, the value it must have)

    def problem(self, index: int | None, zh: str, en: str) -> None:
        self.problems.append(Problem(index, zh, en))


def validate_edits(roots: Roots, edits: Sequence[Edit], standard: str | None = None) -> list[Problem]:
    """Every problem with ``edits`` (nothing is written); InputErrors when the rule files themselves are broken."""
    return _plan(roots, edits, standard).problems


def apply_edits(roots: Roots, edits: Sequence[Edit], standard: str | None = None, dry_run: bool = False) -> list[Change]:
    """Make ``edits`` in the rule files of the top layer of ``roots`` (all or none) and return each change.

    ``standard``: the pack the values were read for (``read_settings``), whose overrides hold the values it
    changes. An edit that changes nothing makes no change. EditsRejected with every problem (nothing
    written); InputErrors when the rule files are broken. ``dry_run``: check and return the changes only."""
    plan = _plan(roots, edits, standard)
    top = plan.files.roots[plan.files.top]
    if not dry_run and plan.changes and installed_package(top):
        plan.problem(None, f"规则目录 {_display(top)} 属于已安装的程序包，不能在其中修改；请把规则复制到自己的目录，用 --rules 指定",
                     f"the rules folder {_display(top)} is part of an installed package and is not edited; copy the rules to a "
                     "folder of your own and name it with --rules")
    if plan.problems:
        raise EditsRejected(plan.problems)
    if not dry_run:
        _write_all([f for f in plan.files.files if f.dirty])
    return plan.changes


def installed_package(folder: Path) -> bool:
    """A folder inside an installed package (site-packages, or junheng's own package folder), not a source checkout's."""
    resolved = Path(folder).resolve()
    if any(part in ("site-packages", "dist-packages") for part in resolved.parts):
        return True
    package = Path(junheng.__file__).resolve().parent
    return resolved == package or package in resolved.parents


def _plan(roots: Roots, edits: Sequence[Edit], standard: str | None) -> _Plan:
    """Every edit made in memory on the files as read, each checked; then all of them compiled together."""
    loaded = load_rules(roots)
    files = RuleFiles(list(loaded.roots))
    plan = _Plan(files, standard)
    if standard is not None and standard not in files.packs:
        error = _unknown_pack(standard, files.packs)
        plan.problem(None, error.zh, error.en)
        return plan
    for i, edit in enumerate(edits):
        n = len(plan.problems)
        if isinstance(edit, ParamEdit) and edit.rule == SHARED:
            _shared_edit(plan, i, edit)
            continue
        entry = _find(plan, i, edit.rule, edit.subject)
        if entry is None or len(plan.problems) > n:
            continue
        if isinstance(edit, ParamEdit):
            _param_edit(plan, i, edit, entry)
        elif isinstance(edit, SeverityEdit):
            _severity_edit(plan, i, edit, entry)
        elif isinstance(edit, EnabledEdit):
            _enabled_edit(plan, i, edit, entry)
        else:
            _text_edit(plan, i, edit, entry)
    if plan.changes:  # the edits that could be made, checked together (the others' problems are known already)
        _check_expected(plan)
        _compile_check(plan)
    return plan


def _find(plan: _Plan, i: int, rule: str, subject: str | None) -> RuleEntry | None:
    found = [e for e in plan.files.rules if e.id == rule and subject in (None, e.subject)]
    if len(found) == 1:
        return found[0]
    if not found:
        ids = sorted({e.id for e in plan.files.rules})
        hint = suggest(rule, ids)
        if any(e.id == rule for e in plan.files.rules):
            plan.problem(i, f"规则 {rule} 没有对象为 {subject} 的定义", f"rule {rule} has no definition for subject {subject}")
        else:
            plan.problem(i, f"没有规则 “{rule}”{hint.zh}", f"no rule {rule!r}{hint.en}")
        return None
    kinds = "、".join(f"{e.subject}（{SUBJECT_KINDS.get(e.subject, (e.subject,))[0]}）" for e in found)
    plan.problem(i, f"规则 {rule} 有多个定义，须指明对象（subject）：{kinds}",
                 f"rule {rule} is defined more than once; name its subject: {kinds}")
    return None


def _label(plan: _Plan, entry: RuleEntry) -> str:
    if sum(1 for e in plan.files.rules if e.id == entry.id) > 1:
        return f"{entry.id}（{SUBJECT_KINDS.get(entry.subject, (entry.subject,))[0]}）"
    return entry.id


def _level_problem(plan: _Plan, i: int, who: str, cells: Cells, level: str | None) -> bool:
    """Whether ``level`` is not one of the param's (then say so)."""
    if level in cells:
        return False
    named = "、".join(f"{LEVEL_NAMES.get(k, k)}（{k}）" for k in cells if k is not None)
    if None in cells:
        plan.problem(i, f"{who} 不分学段，只有一个取值", f"{who} has one value, not one per level")
    elif level is None:
        plan.problem(i, f"{who} 按学段取值，须指明学段：{named}", f"{who} has a value per level; name the level: {named}")
    else:
        plan.problem(i, f"{who} 没有学段 “{level}”（可用：{named}）", f"{who} has no level {level!r} (known: {named})")
    return True


def _value_problem(plan: _Plan, i: int, who: str, value: Fraction, ratio: bool) -> bool:
    if ratio and not 0 <= value <= 1:
        plan.problem(i, f"{who} 是比例，须在 0% 到 100% 之间，实为 {shown_number(value, True)}",
                     f"{who} is a share between 0% and 100%, not {shown_number(value, True)}")
        return True
    return False


def _param_edit(plan: _Plan, i: int, edit: ParamEdit, entry: RuleEntry) -> None:
    files, label = plan.files, _label(plan, entry)
    cells = rule_param_cells(files, entry, plan.standard).get(edit.param)
    raw_params = entry.data.get("params") or {}
    if cells is None:
        if is_shared_name(raw_params.get(edit.param)):
            shared = str(raw_params[edit.param]).strip()
            plan.problem(i, f"{label} 的参数 {edit.param} 取共用参数 {shared} 的值：请修改共用参数 {shared}",
                         f"{label}'s param {edit.param} is the shared parameter {shared}: change {shared}")
        else:
            hint = suggest(edit.param, [str(k) for k in raw_params])
            known = "、".join(str(k) for k in raw_params) or "无"
            plan.problem(i, f"{label} 没有参数 “{edit.param}”{hint.zh or f'（已有：{known}）'}",
                         f"{label} has no param {edit.param!r}{hint.en}")
        return
    who = f"{label} {edit.param}"
    ratio = (entry.data.get("units") or {}).get(edit.param) == "ratio"
    if _level_problem(plan, i, who, cells, edit.level) or _value_problem(plan, i, who, edit.value, ratio):
        return
    cell = cells[edit.level]
    old = fraction(cell.raw)
    if old == edit.value:
        return
    level_keys: tuple[Key, ...] = () if edit.level is None else (edit.level,)
    place = _target(plan, cell, ("overrides", entry.id, "params", edit.param, *level_keys))
    if place is None:
        _lower_layer(plan, i, label, f"参数 {edit.param} ", f"param {edit.param}", cell)
        return
    _write_number(place, edit.value, cell.raw)
    plan.written.append((i, place))
    plan.expected.append((i, lambda e=entry, p=edit.param, lv=edit.level: rule_param_cells(files, e, plan.standard)[p][lv], edit.value))
    plan.changes.append(Change(i, label, "param", edit.param, edit.level, old, edit.value, ratio, _display(place.file.path),
                               place.file.path))


def _shared_edit(plan: _Plan, i: int, edit: ParamEdit) -> None:
    files, name = plan.files, edit.param
    if name not in files.shared:
        hint = suggest(name, files.shared)
        known = "、".join(files.shared) or "无"
        plan.problem(i, f"没有共用参数 “{name}”{hint.zh or f'（已有：{known}）'}", f"no shared parameter {name!r}{hint.en}")
        return
    declared = files.shared[name]
    ratio = declared.data["params"][name].get("unit") == "ratio"
    cells = shared_cells(files, name, plan.standard)
    who = f"{SHARED} {name}"
    if _level_problem(plan, i, who, cells, edit.level) or _value_problem(plan, i, who, edit.value, ratio):
        return
    cell = cells[edit.level]
    old = fraction(cell.raw)
    if old == edit.value:
        return
    level_keys: tuple[Key, ...] = () if edit.level is None else (edit.level,)
    place = _target(plan, cell, ("params", name, *level_keys))
    if place is None and (plan.standard is None or files.packs[plan.standard].layer != files.top) and cell.exact:
        # Declared in a lower layer: the top layer declares it again, with the new value (a later declaration replaces an earlier one).
        top = files.params_file()
        if name not in top.data["params"]:
            top.data["params"][name] = copy.deepcopy(declared.data["params"][name])
            files.shared[name] = top  # the top layer's declaration is the one that counts now
        place = Place(top, ("params", name, "value", *level_keys))
    if place is None:
        _lower_layer(plan, i, who, "取值", "value", cell)
        return
    _write_number(place, edit.value, cell.raw)
    plan.written.append((i, place))
    plan.expected.append((i, lambda: shared_cells(files, name, plan.standard)[edit.level], edit.value))
    plan.changes.append(Change(i, SHARED, "param", name, edit.level, old, edit.value, ratio, _display(place.file.path), place.file.path))


def _target(plan: _Plan, cell: Cell, in_pack: tuple[Key, ...]) -> Place | None:
    """Where a new value goes: where it is written when that is in the top layer, else the standard's pack override."""
    files = plan.files
    if cell.place.file.layer == files.top and cell.exact:
        return cell.place
    if plan.standard is not None and files.packs[plan.standard].layer == files.top:
        return Place(files.packs[plan.standard], in_pack)
    return None


def _lower_layer(plan: _Plan, i: int, who: str, what_zh: str, what_en: str, cell: Cell, overridable: bool = True) -> None:
    """Refuse an edit of a value written in a lower layer, naming the rule, the layer and what to do instead."""
    files = plan.files
    root, top = _display(files.roots[cell.place.file.layer]), _display(files.roots[files.top])
    where = _display(cell.place.file.path)
    if overridable:
        zh = f"请用 --standard 指定 {top} 中的规则包导出后再修改（改为该规则包的覆盖设置），或直接修改 {root}"
        en = f"export for a pack of {top} with --standard (the change becomes its override), or edit {root}"
    else:
        zh, en = f"规则包不能覆盖这一项：请直接修改 {where}", f"a pack cannot override it: edit {where}"
    plan.problem(i, f"{who} 的{what_zh}写在下层规则目录 {root}（{where}）中，只写入最上层 {top}：{zh}",
                 f"{who}: the {what_en} is written in the lower rules layer {root} ({where}); only the top layer {top} is written: {en}")


def _severity_edit(plan: _Plan, i: int, edit: SeverityEdit, entry: RuleEntry) -> None:
    label = _label(plan, entry)
    new = _severity_key(edit.severity)
    if new not in SEVERITIES:
        hint = suggest(edit.severity, [*SEVERITY_NAMES_ZH, *SEVERITIES])
        plan.problem(i, f"{label} 的严重程度 “{edit.severity}” 无效{hint.zh}（可用：否决项、须整改、建议、提示）",
                     f"{label}: invalid severity {edit.severity!r}{hint.en} (blocking, major, minor, info)")
        return
    cell = severity_cell(plan.files, entry, plan.standard)
    if cell.raw == new:
        return
    place = _target(plan, cell, ("overrides", entry.id, "severity"))
    if place is None:
        _lower_layer(plan, i, label, "严重程度", "severity", cell)
        return
    old_raw = _get(place)
    zh_style = isinstance(old_raw, str) and old_raw.strip() in SEVERITY_NAMES_ZH
    _set(place, SEVERITY_ZH[new] if zh_style else new)
    plan.written.append((i, place))
    plan.expected.append((i, lambda: severity_cell(plan.files, entry, plan.standard), new))
    plan.changes.append(Change(i, label, "severity", "severity", None, cell.raw, new, False, _display(place.file.path), place.file.path))


def _own_layer(plan: _Plan, i: int, entry: RuleEntry, what_zh: str, what_en: str) -> bool:
    """Whether the rule's file is in the top layer (else say that it cannot be changed here)."""
    if entry.file.layer == plan.files.top:
        return True
    _lower_layer(plan, i, _label(plan, entry), what_zh, what_en, Cell(None, Place(entry.file, ("rules", entry.index))), overridable=False)
    return False


def _enabled_edit(plan: _Plan, i: int, edit: EnabledEdit, entry: RuleEntry) -> None:
    data = entry.data
    old = data.get("enabled", True) is not False
    if old == edit.enabled or not _own_layer(plan, i, entry, "启用状态", "switch"):
        return
    entry.file.dirty = True
    if edit.enabled:
        del data["enabled"]
    else:
        data.insert(list(data).index("severity") + 1, "enabled", False)  # beside the severity: both say how the rule counts
    place = Place(entry.file, ("rules", entry.index, "enabled"))
    plan.written.append((i, place))
    plan.changes.append(Change(i, _label(plan, entry), "enabled", "enabled", None, old, edit.enabled, False, _display(entry.file.path),
                               entry.file.path))


def _text_edit(plan: _Plan, i: int, edit: TextEdit, entry: RuleEntry) -> None:
    label, data = _label(plan, entry), entry.data
    if edit.field not in TEXT_FIELDS:
        plan.problem(i, f"未知文本字段 “{edit.field}”（可用：{'、'.join(TEXT_FIELDS)}）", f"unknown text field {edit.field!r}")
        return
    name_zh, name_en = TEXT_FIELDS[edit.field]
    text = edit.zh.strip()
    if not text:
        plan.problem(i, f"{label} 的{name_zh}不能为空", f"{label}: the {name_en} cannot be empty")
        return
    keys: tuple[Key, ...] = ("rules", entry.index, edit.field, "zh")
    if edit.field == "rectification" and not isinstance(data["rectification"], Mapping):
        keys = ("rules", entry.index, "rectification", 0, "zh")
    place = Place(entry.file, keys)
    old = str(_get(place))
    if old == text or not _own_layer(plan, i, entry, name_zh, name_en):
        return
    _unshare(entry, edit.field)
    _set(place, type(_get(place))(text) if isinstance(_get(place), ScalarString) else text)  # the quotes it was written with
    plan.written.append((i, place))
    plan.changes.append(Change(i, label, "text", edit.field, None, old, text, False, _display(entry.file.path), entry.file.path))


def _unshare(entry: RuleEntry, field_name: str) -> None:
    """Give the rule its own copy of a text another rule shares with it (``message: *class_size_message``), so that
    editing one rule's row changes that rule only: the others keep the text their own rows show."""
    rules = entry.file.data["rules"]
    node = rules[entry.index].get(field_name)
    if not isinstance(node, (Mapping, list)) or not any(
            j != entry.index and isinstance(r, Mapping) and r.get(field_name) is node for j, r in enumerate(rules)):
        return
    own: Any = copy.deepcopy(node)
    if getattr(own, "anchor", None) is not None:
        own.anchor.value = None  # the anchor stays with the others' text
    rules[entry.index][field_name] = own
    entry.file.dirty = True


# ---------------------------------------------------------------- writing values into the trees


def _get(place: Place) -> Any:
    node = place.file.data
    for key in place.keys:
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return None
    return node


def _set(place: Place, value: Any) -> None:
    """Set the value at ``place``, making the mappings on the way (small ones inline: ``params: {threshold: 0.75}``)."""
    place.file.dirty = True
    node = place.file.data
    for depth, key in enumerate(place.keys[:-1]):
        child = node[int(key)] if isinstance(node, list) else node.get(key)
        if not isinstance(child, (Mapping, list)):
            child = CommentedMap()
            if key == "params" or depth >= 3:  # an override's params, a pack's shared params: one line each
                child.fa.set_flow_style()
            node[key] = child
        node = child
    node[place.keys[-1]] = value


def _write_number(place: Place, value: Fraction, old: Any) -> None:
    _set(place, _styled(value, _get(place) if _get(place) is not None else old))


def _styled(value: Fraction, old: Any) -> Any:
    """``value`` as the file writes numbers: ``75%`` where it wrote ``70%``, else 0.75 or 45 (exact; never 0.7500000001)."""
    if isinstance(old, str) and old.strip().endswith(("%", "％")):
        return _decimal_text(value * 100) + old.strip()[-1]
    padded = _as_decimals(value, old)
    if padded is not None:
        return padded
    if value.denominator == 1:
        return int(value)
    number = float(value)
    if Fraction(repr(number)) == value:
        return number
    return f"{value.numerator}/{value.denominator}"  # a third stays exact, as "1/3"


def _as_decimals(value: Fraction, old: Any) -> Any:
    """``value`` with as many decimals as ``old`` was written with (0.70 → 0.75, 0.045 → 0.05), or None when it needs more."""
    width, prec = getattr(old, "_width", None), getattr(old, "_prec", None)
    if not isinstance(old, float) or not isinstance(width, int) or not isinstance(prec, int) or getattr(old, "_exp", None):
        return None
    decimals, text = width - prec - 1, _finite_decimal(value)
    if text is None or decimals < 1:
        return None
    whole, _, frac = text.partition(".")
    if len(frac) > decimals:
        return None
    return _yaml().load(f"{whole}.{frac.ljust(decimals, '0')}")  # a float that remembers how it is written


# ---------------------------------------------------------------- after the edits, before writing


def _check_expected(plan: _Plan) -> None:
    """Every changed value is the one the pack now has (not hidden by a nearer pack's setting)."""
    for i, read_again, wanted in plan.expected:
        try:
            cell = read_again()
        except KeyError:
            cell = None
        got = None if cell is None else cell.raw if isinstance(wanted, str) else fraction(cell.raw)
        if got != wanted:
            where = _display(cell.place.file.path) if cell is not None else "?"
            plan.problem(i, f"修改后的取值会被 {where} 中的设置覆盖，不会生效", f"the new value would be hidden by the setting in {where}")


def _compile_check(plan: _Plan) -> None:
    """The changed files compiled with the rest (in a copy of the top layer): a broken template, title or number is
    a problem of the edit that wrote there."""
    files = plan.files
    top = files.roots[files.top]
    with tempfile.TemporaryDirectory(prefix="junheng-edit-") as tmp:
        copy_root = Path(tmp) / (top.name or "rules")
        shutil.copytree(top, copy_root, ignore=shutil.ignore_patterns(RULE_TESTS_DIR, ".*"))
        copies: dict[Path, YamlFile] = {}
        for doc in files.files:
            if doc.dirty:
                target = copy_root / doc.path.relative_to(top)
                target.write_text(doc.dumped(), encoding="utf-8")
                copies[target.resolve()] = doc
        try:
            compile_policy(load_rules([*files.roots[:-1], copy_root]))
        except InputErrors as e:
            for error in e.errors:
                _blame(plan, error, copies, copy_root, top)


def _blame(plan: _Plan, error: InputError, copies: dict[Path, YamlFile], copy_root: Path, top: Path) -> None:
    """Give a compile error to the edit that wrote nearest to it."""
    doc = copies.get(Path(error.file).resolve())
    where = error.file.replace(str(copy_root.resolve()), _display(top)).replace(str(copy_root), _display(top))
    best: tuple[int, int] | None = None  # (keys in common, edit)
    for i, place in plan.written:
        if place.file is not doc:
            continue
        common = 0
        for a, b in zip(place.pointer.split("/")[1:], error.pointer.split("/")[1:], strict=False):
            if a != b:
                break
            common += 1
        if common >= 2 and (best is None or common > best[0]):
            best = (common, i)
    index = best[1] if best is not None else None
    if index is None:  # an error elsewhere that names a changed rule (QLT-08 aggregating QLT-01, now switched off)
        index = next((c.index for c in plan.changes if c.rule.split("（")[0] in error.zh), None)
    line = f"{where}:{error.line}" if error.line else where
    plan.problem(index, f"{error.zh}（{line}）", f"{error.en} ({line})")


def _write_all(docs: list[YamlFile]) -> None:
    """Write every changed file or none: each to a temporary file beside it, then all moved into place;
    on a failure the files already moved are put back."""
    staged: list[tuple[YamlFile, Path]] = []
    done: list[tuple[YamlFile, bytes | None]] = []
    try:
        for doc in docs:
            fd, name = tempfile.mkstemp(dir=doc.path.parent, prefix=f".{doc.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(doc.dumped().encode("utf-8"))
            staged.append((doc, Path(name)))
        for doc, tmp in staged:
            before = doc.path.read_bytes() if doc.path.exists() else None
            os.replace(tmp, doc.path)
            done.append((doc, before))
    except OSError as exc:
        for doc, before in reversed(done):
            if before is None:
                doc.path.unlink(missing_ok=True)
            else:
                doc.path.write_bytes(before)
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        problem = Problem(None, f"无法写入规则文件：{exc}；没有写入任何修改", f"cannot write the rule files: {exc}; nothing was written")
        raise EditsRejected([problem]) from exc


# ---------------------------------------------------------------- after writing


def rule_test_failures(roots: Roots = None) -> list[CaseResult]:
    """The rules compiled again and their tests run: the failing cases (InputErrors for a broken rule or test file)."""
    policy = compile_policy(load_rules(roots))
    return [r for r in run_all(policy, folders(roots)) if not r.passed]
