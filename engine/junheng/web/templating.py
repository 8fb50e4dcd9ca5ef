"""The pages' Jinja2 environment: templates and static files from inside the package, autoescaped, nothing from elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

__all__ = ["STATIC", "TEMPLATES", "templates"]

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

# Jinja2Templates autoescapes .html templates (select_autoescape): a school named <b> stays text.
templates = Jinja2Templates(directory=str(TEMPLATES))
