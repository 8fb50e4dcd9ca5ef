"""The shipped rule files, mutated at random (seeded): a key deleted or misspelt, a value of another
type, a name inside a formula misspelt, a formula broken, two rule ids swapped, a rule duplicated,
a list emptied, a param that is not a number, a line deleted. Compiling the mutated folder either
gives a whole Policy — which then checks the base filing without an internal error — or raises
InputErrors, every one of which names a file of that folder, a line and a message. Nothing else.
"""

from __future__ import annotations

import copy
import json
import random
import re
import shutil
from pathlib import Path

import pytest
import yaml

from junheng.check.batch import check_many
from junheng.check.run import Options, prepare
from junheng.check.sources import Source
from junheng.errors import ExitStatus, InputErrors
from junheng.located.read import load_document
from junheng.policy.compiled import Policy
from junheng.policy.packs import compile_rules
from junheng.report.result import Failure, Result
from shared import BASE_FILING, RULES

MUTATIONS = 200
# Rule files are where policy staff write; packs and the vocabulary are mutated less often.
FILES = [p.relative_to(RULES).as_posix() for p in sorted(RULES.glob("*.yaml"))] + [
    p.relative_to(RULES).as_posix() for p in sorted(RULES.glob("packs/*/pack.yaml"))]
WEIGHTS = [1 if name in ("vocabulary.yaml",) or name.startswith("packs/") else 4 for name in FILES]
_FORMULA_KEYS = ("values", "text_values", "violated_when", "applies_when", "when", "value")
_WHOLE_FILE = {"rule_empty", "rule_too_large", "rule_unreadable"}
_WORDS = {"and", "or", "not", "if", "sum", "count", "cv", "min", "max", "mean", "abs", "ceil", "floor", "balance_count"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A copy of the rules folder (without its tests), each file restored after every mutation."""
    target = tmp_path_factory.mktemp("rules")
    for name in FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(RULES / name, target / name)
    return target


def _plain(path: Path):
    """A rule file as plain data (the located loader's integers as plain ints)."""
    return json.loads(json.dumps(load_document(path).data))


def _paths(node, prefix=()):
    """Every (path, value) below `node`, containers included."""
    yield prefix, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _get(node, path):
    for token in path:
        node = node[token]
    return node


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 2:
        return word + "x"
    i = rng.randrange(len(word) - 1)
    how = rng.choice(("drop", "swap", "add", "case"))
    if how == "drop":
        return word[:i] + word[i + 1:]
    if how == "swap" and word[i] != word[i + 1]:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if how == "case":
        return word[:i] + word[i].swapcase() + word[i + 1:]
    return word[:i] + rng.choice("aeiouxz_") + word[i:]


def _retyped(rng: random.Random, value):
    choices = ["text", 42, 0.5, -1, [value], {"k": value}, None, True, "", [], {}, "1/0", 10**30]
    return rng.choice([c for c in choices if type(c) is not type(value)])


def _formulas(data) -> list[tuple]:
    return [path for path, value in _paths(data) if isinstance(value, str) and path and any(
        isinstance(token, str) and token in _FORMULA_KEYS for token in path[-3:])]


def _mutation_kinds(data, rules: list) -> list[str]:
    """The mutations that apply to a rule file's data, each as often as it should be drawn."""
    kinds = ["delete", "retype", "misspell_key", "empty_list"]
    if _formulas(data):
        kinds += ["misspell_name", "break_formula", "misspell_name"]
    if len(rules) >= 2:
        kinds += ["swap_ids", "duplicate"]
    if any(isinstance(r, dict) and r.get("params") for r in rules):
        kinds += ["param"]
    if any(isinstance(r, dict) and isinstance(r.get("aggregate"), dict) for r in rules):
        kinds += ["aggregate"] * 6  # one rule of its kind: mutated more often than its share
    return kinds


def _mutate_data(rng: random.Random, data) -> tuple[object, str]:
    """One mutation of a rule file's data; returns the new data and what was done."""
    data = copy.deepcopy(data)
    nodes = [(path, value) for path, value in _paths(data) if path]
    rules = data.get("rules") if isinstance(data, dict) and isinstance(data.get("rules"), list) else []
    kind = rng.choice(_mutation_kinds(data, rules))
    return _MUTATORS[kind](rng, data, nodes, rules)


def _delete(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    path, _ = rng.choice([(p, v) for p, v in nodes if isinstance(p[-1], str)])
    del _get(data, path[:-1])[path[-1]]
    return data, f"delete {'/'.join(map(str, path))}"


def _retype(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    path, value = rng.choice(nodes)
    _get(data, path[:-1])[path[-1]] = new = _retyped(rng, value)
    return data, f"retype {'/'.join(map(str, path))} to {new!r}"


def _misspell_key(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    path, _ = rng.choice([(p, v) for p, v in nodes if isinstance(p[-1], str)])
    parent = _get(data, path[:-1])
    new = _typo(rng, path[-1])
    items = list(parent.items())
    parent.clear()
    parent.update({(new if k == path[-1] else k): v for k, v in items})  # in place, in order
    return data, f"rename key {'/'.join(map(str, path))} to {new!r}"


def _empty_list(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    lists = [(p, v) for p, v in nodes if isinstance(v, list)] or [(p, v) for p, v in nodes if isinstance(v, dict)]
    if not lists:
        return _mutate_data(rng, data)
    path, value = rng.choice(lists)
    _get(data, path[:-1])[path[-1]] = type(value)()
    return data, f"empty {'/'.join(map(str, path))}"


_BREAKERS = [lambda t: t + " +", lambda t: "(" + t, lambda t: t + ")", lambda t: t.replace("(", "", 1),
             lambda t: t + " ** 2", lambda t: "foo(" + t + ")", lambda t: t + " 'open", lambda t: t[: len(t) // 2],
             lambda t: t.replace(" ", " ? ", 1), lambda t: "", lambda t: t + " < < 1", lambda t: "1e999 * " + t,
             lambda t: "(" * 3000 + t + ")" * 3000, lambda t: "-" * 3000 + t, lambda t: "9" * 5000 + " * " + t]


def _formula(kind: str, rng: random.Random, data) -> tuple[object, str]:
    path = rng.choice(_formulas(data))
    text = _get(data, path)
    if kind == "misspell_name":
        names = [m for m in re.finditer(r"[A-Za-z_][A-Za-z_0-9.{}]*", text) if m.group() not in _WORDS]
        if not names:
            return _mutate_data(rng, data)
        m = rng.choice(names)
        new = text[:m.start()] + _typo(rng, m.group()) + text[m.end():]
    else:
        new = rng.choice(_BREAKERS)(text)
    _get(data, path[:-1])[path[-1]] = new
    return data, f"{kind} {'/'.join(map(str, path))}: {text!r} -> {new!r}"


def _swap_ids(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    a, b = rng.sample(range(len(rules)), 2)
    if isinstance(rules[a], dict) and isinstance(rules[b], dict) and "id" in rules[a] and "id" in rules[b]:
        rules[a]["id"], rules[b]["id"] = rules[b]["id"], rules[a]["id"]
    return data, f"swap the ids of rules {a} and {b}"


def _duplicate(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    i = rng.randrange(len(rules))
    rules.insert(rng.randrange(len(rules) + 1), copy.deepcopy(rules[i]))
    return data, f"duplicate rule {i}"


def _aggregate(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    aggregate = next(r["aggregate"] for r in rules if isinstance(r, dict) and isinstance(r.get("aggregate"), dict))
    key = rng.choice(("failures_at_least", "single_below_fraction", "of"))
    aggregate[key] = new = rng.choice({
        "failures_at_least": ["many", 0, -3, 40, 10**6, "2", "threshold", 2.5, None],
        "single_below_fraction": ["1/0", "9" * 400, -1, 0, 2, "x", None],
        "of": [[], ["QLT-01"], ["QLT-01", "QLT-01"], ["NOPE-01", "QLT-02"], ["STD-01", "QLT-01"], "QLT-01"],
    }[key])
    return data, f"aggregate {key} = {new!r}"


def _param(rng: random.Random, data, nodes: list, rules: list) -> tuple[object, str]:
    candidates = [r for r in rules if isinstance(r, dict) and isinstance(r.get("params"), dict) and r["params"]]
    rule = rng.choice(candidates)
    name = rng.choice(sorted(rule["params"]))
    rule["params"][name] = new = rng.choice(["many", "1/0", "", [1], {"primary": "x", "junior": 1}, True, None, "-", "1 / 3 / 4",
                                             "1e999", {"nowhere": 1}, "9" * 400, 10**400, -(10**20)])
    return data, f"param {rule.get('id')}/{name} = {new!r}"


_MUTATORS = {
    "delete": _delete, "retype": _retype, "misspell_key": _misspell_key, "empty_list": _empty_list,
    "misspell_name": lambda rng, data, nodes, rules: _formula("misspell_name", rng, data),
    "break_formula": lambda rng, data, nodes, rules: _formula("break_formula", rng, data),
    "swap_ids": _swap_ids, "duplicate": _duplicate, "aggregate": _aggregate, "param": _param,
}


def _mutate_text(rng: random.Random, text: str) -> tuple[str, str]:
    lines = text.split("\n")
    kind = rng.choice(("drop_line", "indent", "tab", "truncate", "quote"))
    i = rng.randrange(len(lines))
    if kind == "drop_line":
        del lines[i]
    elif kind == "indent":
        lines[i] = "   " + lines[i]
    elif kind == "tab":
        lines[i] = "\t" + lines[i]
    elif kind == "quote":
        lines[i] = lines[i] + ' "'
    else:
        return text[: rng.randrange(len(text))], "truncate"
    return "\n".join(lines), f"{kind} at line {i + 1}"


def mutation(seed: int) -> tuple[str, str, str]:
    """(file, new text, description) of mutation number `seed`: the same every run."""
    rng = random.Random(f"junheng-rules/{seed}")
    name = rng.choices(FILES, weights=WEIGHTS)[0]
    original = (RULES / name).read_text(encoding="utf-8")
    if rng.random() < 0.15:
        text, what = _mutate_text(rng, original)
        return name, text, what
    data, what = _mutate_data(rng, _plain(RULES / name))
    return name, yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000), what


def _within(folder: Path, file: str) -> bool:
    path = Path(file)
    path = path if path.is_absolute() else Path.cwd() / path
    resolved, root = path.resolve(), folder.resolve()
    return resolved == root or root in resolved.parents


def _check_base(policy: Policy) -> list:
    """The base filing under each pack it names, checked in a worker process (a crash is a Failure, not pytest's death)."""
    raw = BASE_FILING.read_bytes()
    quality = raw.replace(b"standard: basic", b"standard: quality")
    sources = [Source(str(BASE_FILING)), Source("base-quality.yaml", data=quality, fmt="yaml")]
    return list(check_many(sources, policy, Options(), jobs=1))


def test_the_rules_unmutated_but_rewritten_by_the_mutator_still_compile_and_check_cleanly(folder):
    for name in FILES:
        rewritten = yaml.safe_dump(_plain(RULES / name), allow_unicode=True, sort_keys=False, width=10_000)
        (folder / name).write_text(rewritten, encoding="utf-8")
    try:
        policy = compile_rules(folder)
        assert sorted(policy.packs) == ["basic", "quality"]
        assert [o.verdict for o in _check_base(policy)] == ["qualified", "qualified"]
    finally:
        for name in FILES:
            shutil.copy(RULES / name, folder / name)


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_a_mutated_rule_file_either_compiles_whole_or_fails_with_located_errors(folder, seed):
    name, text, what = mutation(seed)
    target = folder / name
    target.write_text(text, encoding="utf-8")
    try:
        try:
            policy = compile_rules(folder)
        except InputErrors as caught:
            assert caught.errors, what
            for error in caught.errors:
                shown = f"{name}: {what}\n{error.render('en')}"
                assert _within(folder, error.file), shown
                # a problem of the whole file (cut down to nothing) has no line, as for filings
                assert (error.line is not None and error.line >= 1) or error.code in _WHOLE_FILE, shown
                assert error.zh and error.en and error.code.startswith("rule_"), shown
            return
        assert isinstance(policy, Policy) and policy.packs, what
        for pack in policy.packs.values():
            assert {"verdict|deferred", "verdict|qualified"} <= set(prepare(pack).plan.durable), what
        for outcome in _check_base(policy):
            assert isinstance(outcome, (Result, Failure)), what
            if isinstance(outcome, Failure):
                errors = "\n".join(e.render("en") for e in outcome.errors)
                assert outcome.status != ExitStatus.INTERNAL_ERROR, f"{name}: {what}\n{errors}"
    finally:
        shutil.copy(RULES / name, target)
