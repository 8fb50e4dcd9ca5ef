"""Guard rails on the code's shape, as tests, so that the one test command runs them.

- Layers: the package ``junheng`` is layered bottom to top as ``LAYERS`` says. A module imports only
  from its own layer or a layer below it; the package root (``__init__.py``, the version) and
  ``synthetic.py`` import nothing of junheng at all. Imports are read from the source (``ast``), never
  executed, wherever they are: at module level, inside a function or under ``if TYPE_CHECKING:``
  (a module imported by a computed name, ``importlib.import_module(f"{__name__}.{name}")``, is not seen).
- No import circle between junheng's modules, counting the imports that run (``TYPE_CHECKING`` ones
  aside). An edge goes to the module an import names: ``from junheng.report import numbers`` to
  ``junheng.report.numbers``, ``from junheng.report import Result`` to ``junheng.report``.
- Nothing imports ``engine``, the package's name before the restructure.
- A function-local import says why, in a comment on its line or on the line above it (or above the
  run of local imports it is part of): the rule is to import inside a function only for start-up time
  or as a test seam.
- No function is longer than ``MAX_FUNCTION_LINES`` lines (``def`` line to last line), unless a
  ``# long: <why>`` comment sits on its signature or within the 3 lines after it.
- ``ruff check engine tests bench`` and ``mypy`` (configured in pyproject.toml) report nothing.

Each checker is a plain function; the tests at the end show that each one catches what it guards against.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

from shared import ROOT

PACKAGE = ROOT / "engine" / "junheng"
# Bottom to top: a module may import from its own layer and the layers before it in this tuple.
LAYERS = ("errors", "located", "filing", "policy", "rete", "report", "check", "authoring", "followup", "overview", "web", "cli")
# Below every layer, and importing nothing of junheng: the package root (its version) and the synthetic filings.
LEAVES = ("junheng", "junheng.synthetic")
MAX_FUNCTION_LINES = 60
OLD_NAME = "engine"  # the package's name before the restructure
TOOL_SECONDS = 600


# ---------------------------------------------------------------- reading the source


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the junheng module it imports
    line: int
    statement: str  # as written (its first line)
    type_only: bool  # under `if TYPE_CHECKING:`


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(p, package): p for p in sorted(package.rglob("*.py"))}


def _relative(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else test.attr if isinstance(test, ast.Attribute) else None
            if name == "TYPE_CHECKING":
                for stmt in node.body:
                    lines.update(range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1))
    return lines


def _owner(name: str, known: set[str]) -> str | None:
    """The longest known module that `name` is or lies in."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in known:
            return candidate
    return None


def imports_of(module: str, source: str, known: set[str], *, is_package: bool = False) -> list[Import]:
    """The imports of junheng modules in `source` (the text of `module`), relative ones resolved."""
    tree = ast.parse(source)
    type_only = _type_checking_lines(tree)
    lines = source.splitlines()
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [_owner(alias.name, known) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, node.module] if node.module else base_parts)
            else:
                base = node.module or ""
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else _owner(base, known) for alias in node.names]
        else:
            continue
        for target in dict.fromkeys(t for t in targets if t is not None):
            found.append(Import(module, target, node.lineno, lines[node.lineno - 1].strip(), node.lineno in type_only))
    return sorted(found, key=lambda imp: imp.line)


def _comments(source: str) -> dict[int, str]:
    return {tok.start[0]: tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT}


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


# ---------------------------------------------------------------- the checks


def layer_of(module: str) -> str:
    return module if module in LEAVES else module.split(".")[1]


def _rank(module: str) -> int | None:
    if module in LEAVES:
        return -1
    layer = layer_of(module)
    return LAYERS.index(layer) if layer in LAYERS else None


def layer_problem(imp: Import) -> str | None:
    """Why `imp` breaks the layer order, or None."""
    if imp.module in LEAVES:
        return f"{imp.module} imports nothing of junheng, but imports {imp.target}"
    own, theirs = _rank(imp.module), _rank(imp.target)
    if own is None or theirs is None or theirs <= own:
        return None  # a module outside the layer order is reported by its own test
    return f"{layer_of(imp.module)} may not import from {layer_of(imp.target)}, a layer above it"


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle through each group of modules that import each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in edges.get(node, ()):
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return [_circle(group, edges) for group in sorted(groups)]


def _circle(group: list[str], edges: dict[str, set[str]]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, set()) & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return group  # not reached: a strongly connected group always has a circle


_CODES = r"(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?"
_PRAGMA = re.compile(rf"#\s*(noqa{_CODES}|type:\s*ignore(\[[\w, -]*\])?|pragma:\s*no\s*cover|fmt:\s*\w+|isort:\s*\w+)?\s*", re.I)


def _says_something(comment: str | None) -> bool:
    """A comment with words in it: a lint pragma alone (``# noqa``, ``# type: ignore``) is not a reason."""
    return comment is not None and not _PRAGMA.fullmatch(comment)


def unexplained_local_imports(source: str) -> list[tuple[int, str]]:
    """(line, statement) of every import inside a function with no comment on its line or the line above it."""
    tree = ast.parse(source)
    comments = _comments(source)
    local = {(n.lineno, n.col_offset): n for fn in _functions(tree) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))}
    ending_on = {n.end_lineno: n for n in local.values()}

    def says_why(node: ast.stmt) -> bool:
        end = node.end_lineno or node.lineno
        if any(_says_something(comments.get(n)) for n in range(node.lineno - 1, end + 1)):
            return True
        before = ending_on.get(node.lineno - 1)  # one comment may head a run of local imports
        return before is not None and says_why(before)

    lines = source.splitlines()
    return sorted((n.lineno, lines[n.lineno - 1].strip()) for n in local.values() if not says_why(n))


def _signature_end(tokens: list[tokenize.TokenInfo], def_line: int) -> int:
    """The line of the colon that ends the signature of the function defined on `def_line`."""
    depth = 0
    started = False
    for tok in tokens:
        if not started:
            started = tok.start[0] >= def_line and tok.type == tokenize.NAME and tok.string == "def"
            continue
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.OP and tok.string == ":" and depth == 0:
            return tok.start[0]
    return def_line


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[int, str, int]]:
    """(line, name, length) of every function longer than `limit` lines without a ``# long:`` reason near its top."""
    tree = ast.parse(source)
    comments = _comments(source)
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    found = []
    for fn in _functions(tree):
        length = (fn.end_lineno or fn.lineno) - fn.lineno + 1
        if length <= limit:
            continue
        window = range(fn.lineno, _signature_end(tokens, fn.lineno) + 4)
        if not any(re.match(r"#\s*long:\s*\S", comments.get(n, "")) for n in window):
            found.append((fn.lineno, fn.name, length))
    return sorted(found)


def old_name_imports(source: str) -> list[tuple[int, str]]:
    """(line, statement) of every import of the old package name, static or through importlib / __import__."""
    tree = ast.parse(source)
    lines = source.splitlines()

    def old(name: str | None) -> bool:
        return name is not None and (name == OLD_NAME or name.startswith(OLD_NAME + "."))

    found = []
    for node in ast.walk(tree):
        hit = (isinstance(node, ast.Import) and any(old(a.name) for a in node.names)
               or isinstance(node, ast.ImportFrom) and node.level == 0 and old(node.module)
               or isinstance(node, ast.Call) and _called_name(node.func) in ("import_module", "__import__")
               and bool(node.args) and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
               and old(node.args[0].value))
        if hit:
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return sorted(found)


def _called_name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


# ---------------------------------------------------------------- the package as it is


def _all_imports() -> list[tuple[Path, Import]]:
    modules = package_modules()
    known = set(modules)
    return [(path, imp) for name, path in modules.items()
            for imp in imports_of(name, path.read_text(encoding="utf-8"), known, is_package=path.name == "__init__.py")]


def test_every_junheng_module_belongs_to_a_layer():
    unplaced = sorted(name for name in package_modules() if name not in LEAVES and layer_of(name) not in LAYERS)
    assert not unplaced, f"modules outside the layer order {' < '.join(LAYERS)} (place them, and add the folder to LAYERS): {unplaced}"


def test_every_junheng_module_imports_only_from_its_own_layer_or_a_layer_below():
    imports = _all_imports()
    assert len(imports) > len(LAYERS), "the walk found hardly any imports of junheng modules"
    problems = [f"{_relative(path)}:{imp.line}: {imp.statement}  — {why}"
                for path, imp in imports if (why := layer_problem(imp)) is not None]
    assert not problems, "imports against the layer order " + " < ".join(LAYERS) + ":\n" + "\n".join(problems)


def test_no_junheng_modules_import_each_other_in_a_circle():
    edges: dict[str, set[str]] = {name: set() for name in package_modules()}
    where: dict[tuple[str, str], str] = {}
    for path, imp in _all_imports():
        if not imp.type_only and imp.target != imp.module:
            edges[imp.module].add(imp.target)
            where.setdefault((imp.module, imp.target), f"{_relative(path)}:{imp.line}: {imp.statement}")
    found = cycles(edges)
    shown = ["  " + " → ".join(circle) + "\n" + "\n".join(f"      {where[a, b]}" for a, b in zip(circle, circle[1:], strict=False))
             for circle in found]
    assert not found, "import circles:\n" + "\n".join(shown)


def test_nothing_imports_the_package_by_its_old_name_engine():
    files = [p for folder in ("engine", "tests", "bench") for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50, files  # the walk found the code
    found = [f"{_relative(path)}:{line}: {statement}"
             for path in files for line, statement in old_name_imports(path.read_text(encoding="utf-8"))]
    assert not found, "imports of `engine` (the package is `junheng` now):\n" + "\n".join(found)


def test_every_function_local_import_says_why_in_a_comment():
    found = [f"{_relative(path)}:{line}: {statement}" for path in package_modules().values()
             for line, statement in unexplained_local_imports(path.read_text(encoding="utf-8"))]
    assert not found, ("imports inside a function without a comment saying why, on their line or the line above "
                       "(only for start-up time or as a test seam):\n" + "\n".join(found))


def test_no_function_is_longer_than_60_lines_unless_a_long_comment_says_why():
    found = [f"{_relative(path)}:{line}: {name}() is {length} lines" for path in package_modules().values()
             for line, name, length in long_functions(path.read_text(encoding="utf-8"))]
    assert not found, (f"functions longer than {MAX_FUNCTION_LINES} lines (split them, or say why in a `# long: …` "
                       "comment within the 3 lines after the def):\n" + "\n".join(found))


# ---------------------------------------------------------------- the linters


def _tool(name: str) -> list[str] | None:
    beside = Path(sys.executable).with_name(name)  # the virtualenv's own, whether or not it is on PATH
    if beside.exists():
        return [str(beside)]
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name]
    found = shutil.which(name)
    return [found] if found else None


def _assert_quiet(command: list[str], shown: str) -> None:
    """Run a linter from the repository root (so that it reads pyproject.toml); fail with what it said unless it exits 0."""
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TOOL_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{shown} did not finish within {TOOL_SECONDS} s", pytrace=False)
    if proc.returncode != 0:
        lines = (proc.stdout + proc.stderr).splitlines()
        cut = lines if len(lines) <= 80 else [*lines[:70], f"… {len(lines) - 75} more lines …", *lines[-5:]]
        pytest.fail(f"{shown} (exit {proc.returncode}):\n" + "\n".join(cut), pytrace=False)


def test_ruff_reports_nothing_in_engine_tests_and_bench():
    ruff = _tool("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]' installs it)")
    _assert_quiet([*ruff, "check", "--output-format", "concise", "engine", "tests", "bench"], "ruff check engine tests bench")


def test_mypy_reports_nothing_on_the_package():
    mypy = _tool("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -e '.[test]' installs it)")
    _assert_quiet(mypy, "mypy")  # what to check and how strictly: [tool.mypy] in pyproject.toml


# ---------------------------------------------------------------- the checkers catch what they guard against

KNOWN = {"junheng", "junheng.errors", "junheng.policy", "junheng.policy.load", "junheng.policy.expr", "junheng.check",
         "junheng.check.run", "junheng.report", "junheng.report.numbers", "junheng.synthetic", "junheng.cli", "junheng.cli.main"}


def test_the_layer_check_names_an_import_from_a_layer_above_and_allows_the_rest():
    source = ("import json\n"
              "from junheng.errors import InputError\n"
              "from junheng.policy import expr\n"
              "from . import expr as same\n"
              "from junheng import __version__\n"
              "def f():\n"
              "    from ..check.run import check_source  # a test seam\n"
              "if TYPE_CHECKING:\n"
              "    from junheng.report import Result\n")
    found = imports_of("junheng.policy.load", source, KNOWN)
    assert [(i.target, i.line, i.type_only) for i in found] == [
        ("junheng.errors", 2, False), ("junheng.policy.expr", 3, False), ("junheng.policy.expr", 4, False), ("junheng", 5, False),
        ("junheng.check.run", 7, False), ("junheng.report", 9, True)]
    problems = {i.target: layer_problem(i) for i in found}
    assert problems["junheng.check.run"] == "policy may not import from check, a layer above it"
    assert problems["junheng.report"] == "policy may not import from report, a layer above it"
    assert [t for t, why in problems.items() if why is None] == ["junheng.errors", "junheng.policy.expr", "junheng"]
    (leaf,) = imports_of("junheng.synthetic", "from junheng.errors import InputError\n", KNOWN)
    assert layer_problem(leaf) == "junheng.synthetic imports nothing of junheng, but imports junheng.errors"


def test_the_circle_check_finds_each_circle_and_nothing_else():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}) == [["a", "b", "a"], ["c", "d", "c"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": set()}) == []


def test_the_local_import_check_wants_a_comment_that_says_something():
    source = ("import os\n"
              "def f():\n"
              "    import json\n"
              "    import csv  # noqa: F401\n"
              "    import re  # start-up time: only `rules explain` needs it\n"
              "    # a test seam: tests replace check_source\n"
              "    from a import b\n"
              "    from c import d\n"
              "\n"
              "    from e import (\n"
              "        g,  # the test seam\n"
              "    )\n"
              "    from h import i\n")
    assert unexplained_local_imports(source) == [(3, "import json"), (4, "import csv  # noqa: F401")]


def test_the_function_length_check_counts_from_def_to_the_last_line_and_honours_long():
    def function(lines: int, head: str = "") -> str:
        return "def f(\n    x,\n):\n" + head + "    y = 1\n" * (lines - 3 - head.count("\n"))

    assert long_functions(function(60)) == []
    assert long_functions(function(61)) == [(1, "f", 61)]
    assert long_functions(function(61, '    """Doc."""\n    # long: a table of the catalogue\n')) == []
    assert long_functions(function(61, '    """Doc."""\n\n\n    # long: too far down\n')) == [(1, "f", 61)]
    assert long_functions(function(61, "    # long:\n")) == [(1, "f", 61)]  # a reason is wanted


def test_the_old_name_check_finds_static_and_dynamic_imports_but_not_other_names():
    source = ("import engine\n"
              "import engine.cli as cli\n"
              "from engine.policy import load\n"
              "import engineering\n"
              "from junheng import engine\n"
              "importlib.import_module('engine.cli')\n"
              "subprocess.run(['python', '-m', 'engine.cli'])\n")
    assert [line for line, _ in old_name_imports(source)] == [1, 2, 3, 6]
