"""Read a rules folder: rule files, packs and vocabulary, validated, every mistake located.

A rules folder holds area files (``funding.yaml`` …, each a list of rules),
``vocabulary.yaml`` (words around the rules' texts) and ``packs/<name>/pack.yaml``
(a pack may also keep rule files of its own beside its ``pack.yaml``). Every
file is read with the same located loader as filings, so a mistake in a rule
file is reported as ``file:line:col`` like a mistake in a filing. All errors
of all files are collected before the run stops; the compiler's passes
(``passes.py``) add the errors about names and formulas.
"""

from __future__ import annotations

import os
import re
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from junheng.errors import InputError, InputErrors, pointer_join, suggest
from junheng.located.read import LoadedDocument, load_document
from junheng.policy.loaded import (PARAMS_FILE, RULE_TESTS_DIR, VOCABULARY_FILE, LoadedRules, Roots, Shared, default_rules_dir,
                                   folders)
from junheng.policy.model import Pack, ParamsFile, Rule, RuleFile, Text

__all__ = ["PARAMS_FILE", "RULE_TESTS_DIR", "VOCABULARY_FILE", "LoadedRules", "Roots", "Shared", "default_rules_dir", "folders",
           "load_rules", "pydantic_error_to_input_error", "text_of"]

_Model = TypeVar("_Model", bound=BaseModel)


def _display(path: Path) -> str:
    """A path as the user would write it: relative below the working directory, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(Path(path).resolve())


def load_rules(roots: Roots = None) -> LoadedRules:
    """Load and validate one rules folder, or several layered in order; raises InputErrors with every problem.

    Layers let a local standard live apart from the shipped rules
    (``--rules rules --rules local``): every layer adds rule files and packs
    (a later pack of the same name replaces an earlier one); the vocabulary is
    the last layer's that has one.
    """
    layers = folders(roots)
    errors: list[InputError] = []
    files: list[tuple[RuleFile, LoadedDocument]] = []
    packs: dict[str, tuple[Pack, LoadedDocument]] = {}
    vocabulary_doc = None
    shared: dict[str, Shared] = {}
    for root in layers:
        if not root.is_dir():
            errors.append(_error("rule_folder_error", _display(root), None, "", f"规则目录不存在：{root}",
                                 f"rules folder not found: {root}"))
            continue
        _load_shared(root / PARAMS_FILE, shared, errors)  # a later layer's declaration of a name replaces an earlier one
        layer_vocabulary = _load_layer(root, files, packs, errors)
        if layer_vocabulary is not None:  # the last layer that has one wins
            vocabulary_doc = layer_vocabulary
    where = _display(layers[-1])
    if vocabulary_doc is None and not errors:
        errors.append(_error("rule_folder_error", where, None, "", f"规则目录缺少 {VOCABULARY_FILE}",
                             f"the rules folder has no {VOCABULARY_FILE}"))
    if not packs and not errors:
        errors.append(_error("rule_folder_error", where, None, "", "规则目录中没有任何规则包（packs/<名称>/pack.yaml）",
                             "the rules folder defines no pack (packs/<name>/pack.yaml)"))
    if errors:
        raise InputErrors(errors)
    vocabulary = vocabulary_doc.data if vocabulary_doc is not None and isinstance(vocabulary_doc.data, dict) else {}
    return LoadedRules(tuple(layers), tuple(files), packs, vocabulary, vocabulary_doc, shared)


def _load_layer(root: Path, files: list[tuple[RuleFile, LoadedDocument]], packs: dict[str, tuple[Pack, LoadedDocument]],
                errors: list[InputError]) -> LoadedDocument | None:
    """One rules folder's rule files and packs (added to ``files`` and ``packs``); its vocabulary, if it has one."""
    rule_paths = _yaml_files(root, exclude=(VOCABULARY_FILE, PARAMS_FILE))
    pack_dir = root / "packs"
    pack_paths = sorted(pack_dir.glob("*/pack.yaml")) if pack_dir.is_dir() else []
    for pack_path in pack_paths:
        rule_paths += _yaml_files(pack_path.parent, exclude=("pack.yaml",))
    for path in rule_paths:
        doc = _load(path, errors)
        model = _validate_rule_file(doc, errors) if doc is not None else None
        if doc is not None and model is not None:
            files.append((model, doc))
    for path in pack_paths:
        loaded = _load_pack(path, errors)
        if loaded is not None:
            packs[loaded[0].name] = loaded
    vocab_path = root / VOCABULARY_FILE
    if not vocab_path.is_file():
        return None
    doc = _load(vocab_path, errors)
    if doc is not None:
        _check_vocabulary(doc, errors)
    return doc


def _load_pack(path: Path, errors: list[InputError]) -> tuple[Pack, LoadedDocument] | None:
    """``packs/<name>/pack.yaml``, validated; its name must be its folder's."""
    doc = _load(path, errors)
    pack = _validate(Pack, doc, errors) if doc is not None else None
    if doc is None or pack is None:
        return None
    if pack.name != path.parent.name:
        line, col = doc.location("/name")
        errors.append(
            InputError("rule_schema_error", doc.file, line, col, "/name",
                       f"包名 “{pack.name}” 须与所在目录名 “{path.parent.name}” 一致",
                       f"pack name {pack.name!r} must match its folder name {path.parent.name!r}")
        )
        return None
    return pack, doc


def _yaml_files(folder: Path, exclude: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in folder.glob("*.y*ml") if p.name not in exclude and p.suffix.lower() in (".yaml", ".yml"))


def _load_shared(path: Path, shared: dict[str, Shared], errors: list[InputError]) -> None:
    """A layer's ``params.yaml``, validated, into ``shared`` (by name)."""
    if not path.is_file():
        return
    doc = _load(path, errors)
    model = _validate(ParamsFile, doc, errors) if doc is not None else None
    if doc is None or model is None:
        return
    for name, param in model.params.items():
        shared[name] = Shared(param, doc, f"/params/{name}")


def _error(code: str, file: str, line: int | None, pointer: str, zh: str, en: str, column: int | None = None) -> InputError:
    return InputError(code, file, line, column, pointer, zh, en)


def _load(path: Path, errors: list[InputError]) -> LoadedDocument | None:
    try:
        return load_document(path, name=_display(path))
    except InputErrors as e:
        errors.extend(
            InputError(err.code.replace("filing_", "rule_"), err.file, err.line, err.column, err.pointer, err.zh, err.en)
            for err in e.errors
        )
        return None


_REQUIRED_VOCABULARY = {
    "levels": ("primary", "junior", "nine_year"),
    "groups": ("parents", "teachers", "deputies"),
    "severities": ("blocking", "major", "minor", "info"),
    "verdicts": ("qualified", "deferred"),
    "data_missing": ("title", "message", "rectification", "basis"),
}


def _check_vocabulary(doc: LoadedDocument, errors: list[InputError]) -> None:
    data = doc.data if isinstance(doc.data, dict) else {}
    for section, keys in _REQUIRED_VOCABULARY.items():
        part = data.get(section)
        for key in keys:
            entry = part.get(key) if isinstance(part, dict) else None
            pointer = f"/{section}/{key}"
            if not (isinstance(entry, dict) and isinstance(entry.get("zh"), str) and isinstance(entry.get("en"), str)):
                line, col = doc.location(pointer)
                errors.append(
                    InputError("rule_schema_error", doc.file, line, col, pointer,
                               f"词汇表缺少 {section}.{key} 的中文（zh）和英文（en）文本",
                               f"the vocabulary needs zh and en texts for {section}.{key}")
                )
    words = data.get("params", {})  # optional: the words for the rules' numbers
    for key, entry in words.items() if isinstance(words, dict) else [("", None)]:
        if not (isinstance(entry, dict) and isinstance(entry.get("zh"), str) and isinstance(entry.get("en"), str)):
            pointer = f"/params/{key}" if key else "/params"
            line, col = doc.location(pointer)
            errors.append(InputError("rule_schema_error", doc.file, line, col, pointer,
                                     f"词汇表 params.{key or '…'} 须写明中文（zh）和英文（en）名称",
                                     f"the vocabulary's params.{key or '…'} needs a zh and an en name"))
    units = data.get("units")
    if not isinstance(units, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0 for v in units.values()):
        line, col = doc.location("/units")
        errors.append(InputError("rule_schema_error", doc.file, line, col, "/units",
                                 "词汇表 units 须为“单位: 取整精度（正数）”的映射",
                                 "vocabulary 'units' must map each unit to a positive rounding step"))


def _validate_rule_file(doc: LoadedDocument, errors: list[InputError]) -> RuleFile | None:
    """Validate rule by rule, so that one broken rule does not hide the mistakes of the others."""
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return _validate(RuleFile, doc, errors)
    shell = dict(data, rules=[])
    n_errors = len(errors)
    try:
        RuleFile.model_validate({**shell, "rules": [None]})
    except ValidationError as e:
        for err in e.errors():
            if err["loc"][:1] != ("rules",):
                errors.append(pydantic_error_to_input_error(err, doc, RuleFile, "rule_schema_error"))
    rules = []
    for i, raw in enumerate(data["rules"]):
        try:
            rules.append(Rule.model_validate(raw))
        except ValidationError as e:
            for err in e.errors():
                located = {**err, "loc": ("rules", i, *err["loc"])}
                errors.append(pydantic_error_to_input_error(located, doc, RuleFile, "rule_schema_error"))
    if len(errors) > n_errors:
        return None
    if not rules:
        return _validate(RuleFile, doc, errors)
    title = data["area_title"]  # valid: the file's shell was validated above
    return RuleFile.model_construct(area=data["area"], area_title=Text(title["zh"], title["en"]), rules=rules)


def _validate(model: type[_Model], doc: LoadedDocument, errors: list[InputError]) -> _Model | None:
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        for err in e.errors():
            errors.append(pydantic_error_to_input_error(err, doc, model, "rule_schema_error"))
        return None


# Union members and validator steps that pydantic puts in an error's location, which no JSON pointer holds.
_NOT_IN_POINTER = ("str", "int", "float", "dict", "list", "function-after", "constrained-str")


def pydantic_error_to_input_error(err: Mapping[str, Any], doc: LoadedDocument, model: type[BaseModel], code: str) -> InputError:
    """A pydantic error as a located, readable InputError (unknown keys get a suggestion)."""
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p in _NOT_IN_POINTER))]
    pointer = ""
    for token in loc:
        pointer = pointer_join(pointer, token)
    kind = err["type"]
    field_name = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        known = _known_keys(model, loc[:-1])
        hint = suggest(field_name, known)
        where = doc.key_location(pointer) or doc.location(pointer)
        zh = f"未知字段 “{field_name}”" + (hint.zh or (f"（可用：{', '.join(known)}）" if known else ""))
        en = f"unknown field {field_name!r}" + (hint.en or (f" (known: {', '.join(known)})" if known else ""))
        return InputError(code, doc.file, where[0], where[1], pointer, zh, en)
    if kind == "missing":
        parent = pointer.rsplit("/", 1)[0]
        line, col = doc.location(parent)
        return InputError(code, doc.file, line, col, parent, f"缺少必填字段 “{field_name}”", f"required field {field_name!r} is missing")
    line, col = doc.location(pointer)
    got = err.get("input")
    if kind == "severity_name":
        ctx = err.get("ctx") or {}
        names = f"{ctx.get('zh_names', '')}，或 blocking、major、minor、info"
        return InputError(code, doc.file, line, col, pointer,
                          f"“{field_name}” 的值 “{got}” 无效{ctx.get('hint_zh', '')}（可用：{names}）", str(err["msg"]))
    if kind == "param_value":  # one message already in both languages (model._param_value)
        ctx = err.get("ctx") or {}
        return InputError(code, doc.file, line, col, pointer, f"参数 “{field_name}”：{ctx.get('zh', '')}",
                          f"param {field_name!r}: {ctx.get('en', '')}")
    if kind == "literal_error" and isinstance(got, str):
        options = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
        hint = suggest(got, options)
        if hint.match is not None:
            return InputError(code, doc.file, line, col, pointer,
                              f"“{field_name}” 的值 “{got}” 无效{hint.zh}（可用：{'、'.join(options)}）",
                              f"invalid value {got!r} for {field_name!r}{hint.en} (one of {', '.join(options)})")
    got_text = repr(got) if not isinstance(got, (dict, list)) else type(got).__name__
    zh = f"“{field_name}” 的值 {got_text} 无效：{_zh_reason(kind, err)}"
    en = f"invalid value {got_text} for {field_name!r}: {err['msg']}"
    return InputError(code, doc.file, line, col, pointer, zh, en)


def _zh_reason(kind: str, err: Mapping[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    reasons = {
        "string_type": "应为文本",
        "int_type": "应为整数",
        "float_type": "应为数值",
        "bool_type": "应为 true 或 false",
        "dict_type": "应为映射（键: 值）",
        "list_type": "应为列表",
        "literal_error": f"应为 {ctx.get('expected', '')} 之一",
        "string_pattern_mismatch": f"格式不符（{ctx.get('pattern', '')}）",
        "string_too_short": "不能为空",
        "too_short": f"至少需要 {ctx.get('min_length', 1)} 项",
        "union_tag_invalid": "类型不符",
    }
    return reasons.get(kind, str(err.get("msg", kind)))


def _known_keys(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names allowed at a location of a model, for 'did you mean'."""
    current: type[BaseModel] | type[Text] = model
    for token in loc:
        if isinstance(token, int):
            continue
        field = current.model_fields.get(token) if issubclass(current, BaseModel) else None
        inner = inner_model(field.annotation) if field is not None else None
        if inner is None:
            return []
        current = inner
    return sorted(current.model_fields.keys()) if issubclass(current, BaseModel) else ["en", "zh"]


def inner_model(annotation: object) -> type[BaseModel] | type[Text] | None:
    """The pydantic model (or ``Text``, a mapping of zh and en) inside an annotation (``Optional[X]``, ``list[X]`` …), or None."""
    if isinstance(annotation, type) and (issubclass(annotation, BaseModel) or annotation is Text):
        return annotation
    for arg in typing.get_args(annotation):
        found = inner_model(arg)
        if found is not None:
            return found
    return None


def text_of(entry: object, default_zh: str = "", default_en: str = "") -> Text:
    if isinstance(entry, dict) and "zh" in entry and "en" in entry:
        return Text(zh=str(entry["zh"]), en=str(entry["en"]))
    return Text(zh=default_zh or "?", en=default_en or "?")
