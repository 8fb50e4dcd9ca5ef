"""The ``junheng`` command line: thin click commands over the library.

``main`` is the module whose ``main()`` the ``junheng`` console script runs; ``junheng``
is the click group, with every command registered on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click

__all__ = ["junheng", "main"]


def __getattr__(name: str) -> click.Group:
    """``junheng.cli.junheng``, imported on first use: importing this package stays free for the console script."""
    if name == "junheng":
        from junheng.cli.main import junheng  # imported here, not at the top: only when asked for (see the docstring)

        return junheng
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
