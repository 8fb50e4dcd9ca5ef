"""The rules layers read for editing: every rule file, pack and ``params.yaml`` as a round-trip tree, in the order
``load_rules`` reads them; and how a path and an unknown pack are named to the user.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from junheng.authoring.edits.roundtrip import YamlFile
from junheng.errors import InputError, suggest
from junheng.policy.load import PARAMS_FILE, VOCABULARY_FILE


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


def display_path(path: Path) -> str:
    """A path as the user would write it: relative below the working directory, else absolute."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(Path(path).resolve())


def unknown_pack(name: str, packs: Iterable[str]) -> InputError:
    """The error for a ``--standard`` that names no pack, with a "did you mean" or the packs there are."""
    hint = suggest(name, packs)
    known = "、".join(sorted(packs))
    return InputError("option_error", "--standard", None, None, "", f"未知规则包 “{name}”{hint.zh or f'（已有：{known}）'}",
                      f"unknown pack {name!r}{hint.en or f' (known: {known})'}")
