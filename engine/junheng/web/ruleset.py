"""The server's rules: the data folder's editable copy, the extra layers over it, their version, and a compiled policy
for each version a stored result was checked under.

The first start copies the shipped rules into ``DATA/rules/``; approved changes are written there, never into the
installed package. ``--rules DIR`` layers go under that copy (server.md: "extra rule layers under the data folder's
rules"): the layers are ``DIR…, DATA/rules`` in that order, as ``junheng check --rules DIR --rules DATA/rules`` would
read them. They add packs and rule files; the data folder's rules are the top layer, where a rule change is written
(``authoring.edits`` writes into the top layer), and where a pack or the vocabulary of the same name wins.

``rules_version`` is a content hash: SHA-256 over every layer's position, and each rule file's path relative to its
layer and bytes (the rule tests in ``tests/`` aside: they do not change a result), its first 12 hex digits. The same
files give the same version on any machine. Each version a check uses is kept under ``DATA/versions/<version>/`` (a
copy of the rule files), so that a stored result can be checked again, or its report rendered, with the very rules it
was checked under after the rules have changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from junheng.policy.compiled import Policy
from junheng.policy.load import RULE_TESTS_DIR, default_rules_dir
from junheng.policy.packs import compile_rules

__all__ = ["RuleSet", "copy_shipped_rules", "rule_files", "rules_version"]

VERSION_DIGITS = 12
_KEEP = 4  # compiled policies of older versions kept in memory besides the current one


def rule_files(layer: Path) -> list[Path]:
    """The rule files of a layer that decide a result, relative to it, sorted: every YAML file outside ``tests/``."""
    found = [p.relative_to(layer) for p in layer.rglob("*") if p.suffix.lower() in (".yaml", ".yml") and p.is_file()]
    return sorted(p for p in found if p.parts[0] != RULE_TESTS_DIR and not any(part.startswith(".") for part in p.parts))


def rules_version(layers: Sequence[Path]) -> str:
    """The content hash of the rule layers (see the module's docstring)."""
    digest = hashlib.sha256()
    for index, layer in enumerate(layers):
        digest.update(f"layer {index}\0".encode())
        for rel in rule_files(layer):
            digest.update(rel.as_posix().encode("utf-8", "surrogateescape") + b"\0")
            digest.update(hashlib.sha256((layer / rel).read_bytes()).digest())
    return digest.hexdigest()[:VERSION_DIGITS]


def _signature(layers: Sequence[Path]) -> tuple[tuple[str, int, int, int, int], ...]:
    """Every file under the layers with its size, inode and change times: what any change to a rule file changes (a
    write changes its ctime, which no one sets by hand), read in a tenth of the time ``rules_version`` takes."""
    found: list[tuple[str, int, int, int, int]] = []
    for index, layer in enumerate(layers):
        stack = [os.fspath(layer)]
        while stack:
            try:
                with os.scandir(stack.pop()) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                            continue
                        st = entry.stat()
                        found.append((f"{index}\0{entry.path}", st.st_size, st.st_ino, st.st_mtime_ns, st.st_ctime_ns))
            except OSError:  # a folder gone meanwhile: the hash says what is there
                found.append((f"{index}\0?", 0, 0, 0, 0))
    return tuple(sorted(found))


def copy_shipped_rules(target: Path) -> bool:
    """Copy the shipped rules (with their tests) to ``target`` unless it exists; True when copied."""
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".rules-", dir=target.parent))
    try:
        shutil.copytree(default_rules_dir(), staging / "rules", ignore=shutil.ignore_patterns("__pycache__", ".*"))
        os.replace(staging / "rules", target)  # whole or not at all: a start interrupted half-way copies again
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


class RuleSet:
    """The rule layers in use, their current version, and compiled policies by version."""

    def __init__(self, data_rules: Path, extra: Sequence[Path] = (), versions: Path | None = None):
        self.layers = (*extra, data_rules)  # the data folder's own rules on top: they win, and changes are written there
        self.data_rules = data_rules
        self.versions = versions if versions is not None else data_rules.parent / "versions"
        self._policies: OrderedDict[str, Policy] = OrderedDict()
        # One writer of the data folder's rules at a time, and no reader in the middle of a write (re-entrant: a
        # change reads the current rules while it holds it).
        self._lock = threading.RLock()
        self._signed: tuple[tuple[tuple[str, int, int, int, int], ...], str] | None = None  # (``_signature``, version)

    def version(self) -> str:
        """``rules_version`` of the layers; hashed again only when a file under them is not as it was at the last hash."""
        signature = _signature(self.layers)  # taken before the hash: a change while hashing is seen at the next call
        signed = self._signed
        if signed is not None and signed[0] == signature:
            return signed[1]
        version = rules_version(self.layers)
        self._signed = (signature, version)
        return version

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the rules still: no check reads them, and no other change writes them, until the block ends."""
        with self._lock:
            yield

    def current(self) -> tuple[str, Policy]:
        """The rules as the files say now: their version and compiled policy (``InputErrors`` when a file is broken).

        Read again on every call, so that an edit by hand is seen too: the files are hashed when one of them changed
        (``version``), else a walk of the folders and a stat of each file (~0.05 ms) says they did not."""
        with self._lock:
            version = self.version()
            policy = self._policies.get(version)
            if policy is None:
                policy = compile_rules(list(self.layers))
                self._keep(version, policy)
                self._snapshot(version)
            self._policies.move_to_end(version)
            return version, policy

    def policy(self, version: str) -> Policy | None:
        """The policy of an earlier version, from its kept copy; None when the version was never seen here."""
        with self._lock:
            policy = self._policies.get(version)
            if policy is not None:
                return policy
            kept = self.versions / version
            if not kept.is_dir() or not version.isalnum():
                return None
            layers = sorted((p for p in kept.iterdir() if p.is_dir()), key=lambda p: int(p.name))
            policy = compile_rules(layers)
            self._keep(version, policy)
            return policy

    def _keep(self, version: str, policy: Policy) -> None:
        self._policies[version] = policy
        while len(self._policies) > _KEEP + 1:
            self._policies.popitem(last=False)

    def _snapshot(self, version: str) -> None:
        """Keep a copy of the rule files of ``version`` (once): what reproduces its results later."""
        target = self.versions / version
        if target.is_dir():
            return
        self.versions.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=self.versions))
        try:
            for index, layer in enumerate(self.layers):
                (staging / str(index)).mkdir()
                for rel in rule_files(layer):
                    (staging / str(index) / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(layer / rel, staging / str(index) / rel)
            os.replace(staging, target)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not target.is_dir():
                raise
