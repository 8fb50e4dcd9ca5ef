"""The server's own shape (STYLE.md, "The web pages"; the layers of ``tests/test_structure.py`` hold for the package as a
whole): a module of ``web/`` uses only the public names of another — a private helper one module needs from another
is made public there, named in its ``__all__`` — and a page never reads the store itself: it asks a service function,
which checks who may see what, so that the pages and the JSON API give the same answer."""

from __future__ import annotations

import ast
from pathlib import Path

from shared import ROOT

WEB = ROOT / "engine" / "junheng" / "web"


def _sources(folder: Path) -> dict[str, ast.Module]:
    return {p.relative_to(ROOT).as_posix(): ast.parse(p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.py"))}


def private_uses(tree: ast.Module) -> list[str]:
    """``from m import _name`` and ``m._name`` (``m`` an imported module or name) in one module's source."""
    found, imported = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
                imported.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            imported.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in imported
                and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def store_reads(tree: ast.Module) -> list[str]:
    """What in a page's module reads the store: SQLAlchemy, the store's models or database, a workbench's ``db``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("sqlalchemy", "junheng.web.store")):
            found.append(f"line {node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Import) and any(a.name.startswith(("sqlalchemy", "junheng.web.store")) for a in node.names):
            found.append(f"line {node.lineno}: import {', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Attribute) and node.attr in ("db", "reading", "writing"):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_no_web_module_uses_a_private_name_of_another_module() -> None:
    found = {path: uses for path, tree in _sources(WEB).items() if (uses := private_uses(tree))}
    assert found == {}, "make the name public (and list it in __all__) where it is defined"


def test_the_upload_limits_are_a_public_function_of_the_service_layer_used_by_filings_and_verifications() -> None:
    from junheng.web.service import filings, followup  # here: the test is about these modules' public names

    assert "within_limits" in filings.__all__ and followup.within_limits is filings.within_limits


def test_no_page_reads_the_store_itself() -> None:
    found = {path: reads for path, tree in _sources(WEB / "pages").items() if (reads := store_reads(tree))}
    assert found == {}, "a page asks a service function (web/service/), which checks who may see what"


def test_the_checks_see_what_they_guard_against() -> None:
    private = ast.parse("from junheng.web.service.filings import _within_limits\nfrom junheng.web import audit\naudit._chain(1)\n"
                        "self._x = 1\n")
    assert private_uses(private) == ["line 1: from junheng.web.service.filings import _within_limits", "line 3: audit._chain"]
    reading = ast.parse("from sqlalchemy import select\nfrom junheng.web.store.models import Change\n"
                        "with wb.db.reading() as s: pass\nfrom junheng.web.service import changes\n")
    assert sorted(store_reads(reading)) == ["line 1: from sqlalchemy import …", "line 2: from junheng.web.store.models import …",
                                            "line 3: .db", "line 3: .reading"]
