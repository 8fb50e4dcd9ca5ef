"""YAML that the line reader (``block.py``) does not take, read by libyaml: anchors and aliases, merges, flow
collections, tags, multi-line scalars — each value checked, alias expansion bounded, every value located.

Imported by ``read.py`` only for such a file, so that reading JSON (and plain block YAML) never imports PyYAML.
"""

from __future__ import annotations

import sys
from functools import reduce
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from junheng.errors import InputError, InputErrors, pointer_join
from junheng.located.common import (
    CORE,
    MAP,
    MERGE,
    NULL,
    PATTERN,
    SEQ,
    STR,
    T,
    MAX_DEPTH,
    MAX_NODES,
    error,
    scalar_value,
)
from junheng.located.syntax import explain

__all__ = ["compose"]

_error = error

if TYPE_CHECKING:  # one static base for mypy: libyaml's loader has the pure-Python one's interface
    _LoaderBase = yaml.SafeLoader
else:
    _LoaderBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


class _Loader(_LoaderBase):
    """libyaml's composer with plain scalars resolved by the YAML 1.2 core schema."""

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode:
            return SEQ if kind is SequenceNode else MAP
        if not implicit[0]:  # quoted
            return STR
        return MERGE if value == "<<" else next((tag for tag, pattern in CORE if pattern.match(value)), STR)


def compose(text: str, file: str) -> tuple[Any, Any]:
    """The data of a YAML text and its location tree (``LoadedDocument``'s), read by libyaml; InputErrors otherwise."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        raise InputErrors([_yaml_syntax(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise InputErrors([_error("unexpected", file, why=type(exc).__name__)]) from None
    except RecursionError:  # only the pure-Python composer recurses; libyaml stops at 1000 levels
        raise InputErrors([_error("deep", file, limit=MAX_DEPTH)]) from None
    finally:
        loader.dispose()
    if root is None or (root.tag == NULL and root.value == ""):
        raise InputErrors([_error("empty", file)])
    walk = _YamlWalk(file)
    walk.visit(root, 0)
    if walk.errors:
        raise InputErrors(list(walk.errors.values()))
    return walk.value(root), walk.locs[id(root)]


def _yaml_syntax(exc: yaml.MarkedYAMLError, text: str, file: str) -> InputError:
    mark = exc.problem_mark or exc.context_mark
    where = (mark.line + 1, mark.column + 1) if mark else None
    problem = exc.problem or exc.context or "syntax error"
    if exc.context == "expected a single document in the stream":
        return _error("documents", file, where)
    if "maximum nesting depth" in problem:
        return _error("deep", file, where, limit=MAX_DEPTH)
    found = explain(exc, text)
    return _error("yaml", file, (found.line, found.column), zh=found.zh, en=found.en)


def _mark(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1  # PyYAML marks are 0-based


class _YamlWalk:
    """``visit`` checks each distinct node once (an alias shares its anchor's node), sizes the
    alias expansion and builds the location tree; ``value`` then builds the data."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.path: list[str | int] = []  # the keys and indexes down to the node being visited
        self.active: set[int] = set()  # nodes on the current path
        self.errors: dict[Any, InputError] = {}  # keyed so that each problem is reported once
        self.sizes: dict[int, tuple[int, int]] = {}  # node id → (values it expands to (capped), levels deep)
        self.scalars: dict[int, Any] = {}  # scalar id → its value
        self.pairs: dict[int, list[tuple[str, Node, Node]]] = {}  # mapping id → [(key, key node, value node)] after merges
        self.locs: dict[int, Any] = {}  # node id → location tree (the same at every alias)

    def error(self, kind: str, node: Any, *extra: Any, once: str | None = None, **fmt: Any) -> int:
        error = _error(kind, self.file, _mark(node), reduce(pointer_join, [*self.path, *extra], ""), **fmt)
        self.errors.setdefault(once or (error.code, error.line, error.column, error.pointer), error)
        return 1  # a bad value still counts as one

    def visit(self, node: Any, depth: int) -> int:
        nid = id(node)
        size, height = self.sizes.get(nid, (1, 1))
        if depth + height > MAX_DEPTH:  # with the levels below it: an alias can put a deep value deeper
            self.error("deep", node, once="deep", limit=MAX_DEPTH)
            return size
        if nid in self.sizes:
            return size
        if nid in self.active:
            return self.error("recursive", node)
        self.active.add(nid)
        children: list[Node] = []
        if isinstance(node, ScalarNode):
            size, self.locs[nid] = self.scalar(node), _mark(node)
        elif node.tag not in (SEQ, MAP):
            size = self.error("tag", node, tag=node.tag.replace(T, "!!"))
        elif isinstance(node, SequenceNode):
            size, children = 1, node.value
            for index, child in enumerate(children):
                self.path.append(index)
                size += self.visit(child, depth + 1)
                self.path.pop()
            self.locs[nid] = [_mark(node), [self.locs.get(id(child)) for child in children]]
        else:
            size = self.mapping(node, depth)
            children = [child for _, _, child in self.pairs[nid]]
        self.active.discard(nid)
        height = 1 + max((self.sizes[id(child)][1] for child in children if id(child) in self.sizes), default=0)
        self.sizes[nid] = (size := min(size, MAX_NODES + 1)), height
        if size > MAX_NODES:
            self.error("aliases", node, once="aliases", limit=MAX_NODES)
        return size

    def scalar(self, node: Any) -> int:
        tag, text = node.tag, node.value
        if tag not in (STR, MERGE) and tag not in PATTERN:
            return self.error("tag", node, tag=tag.replace(T, "!!"))
        if tag not in (STR, MERGE) and not PATTERN[tag].match(text):  # an explicit tag on text of another kind
            return self.error("scalar", node, text=text, tag=tag.replace(T, "!!"))
        try:
            self.scalars[id(node)] = scalar_value(tag, text)
        except ValueError:  # more digits than int() converts
            return self.error("long", node, limit=sys.get_int_max_str_digits())
        return 1


    def mapping(self, node: Any, depth: int) -> int:
        # Keys written in this mapping win over merged ones, an earlier merge source over a later one.
        explicit = {k.value for k, _ in node.value if isinstance(k, ScalarNode) and k.tag != MERGE}
        written: dict[str, Any] = {}  # key → its key node
        pairs, merged, size = [], set(), 1
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode) and key_node.tag == MERGE:
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                if not all(isinstance(source, MappingNode) for source in sources):
                    self.error("merge", value_node)
                    continue
                for source in sources:
                    size += self.visit(source, depth) - 1  # its values land here, not itself
                    for pair in self.pairs.get(id(source), ()):
                        if pair[0] not in explicit and pair[0] not in merged:
                            merged.add(pair[0])
                            pairs.append(pair)
            elif not isinstance(key_node, ScalarNode):
                self.error("key", key_node)
            elif key_node.tag != STR and key_node.tag not in PATTERN:
                self.error("tag", key_node, tag=key_node.tag.replace(T, "!!"))
            elif key_node.value in written:
                key = key_node.value
                self.error("duplicate", key_node, key, key=key, first=_mark(written[key])[0])
            else:
                key = key_node.value  # the text as written: `2011:` is the key '2011'
                written[key] = key_node
                pairs.append((key, key_node, value_node))
                self.path.append(key)
                size += self.visit(value_node, depth + 1)
                self.path.pop()
        self.pairs[id(node)] = pairs
        self.locs[id(node)] = [_mark(node), {k: (_mark(kn), self.locs.get(id(v))) for k, kn, v in pairs}]
        return size

    def value(self, node: Any) -> Any:  # fresh containers at every alias: the data is a plain tree
        if isinstance(node, ScalarNode):
            return self.scalars[id(node)]
        if isinstance(node, SequenceNode):
            return [self.value(child) for child in node.value]
        return {key: self.value(child) for key, _, child in self.pairs[id(node)]}
