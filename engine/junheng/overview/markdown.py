"""The overview as Markdown (an issue, a wiki page, a mail): the verdicts, then the page's tables, one section each.

No charts: each chart's numbers are its table. Cells escape ``|``; a list in a cell is joined with
``<br>``, which GitHub and GitLab render as a line break.
"""

from __future__ import annotations

from junheng.overview.model import Overview
from junheng.overview.tables import Cell, Link, Table, all_tables, amounts_text, text_of
from junheng.overview.words import words

__all__ = ["render"]


def _md(cell: Cell) -> str:
    text = text_of(cell).replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")
    if isinstance(cell, Link) and cell.href:
        return f"[{text}]({cell.href})"
    return text


def _table(t: Table) -> list[str]:
    lines = ["| " + " | ".join(_md(c.header) for c in t.columns) + " |",
             "|" + "|".join("---:" if c.numeric else "---" for c in t.columns) + "|"]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in t.rows]
    if t.note:
        lines += ["", t.note]
    return lines


def render(o: Overview, lang: str = "zh") -> str:
    """The overview in Markdown, ending with a newline."""
    w = words(lang)
    verdicts = o.verdicts
    years = w["list"].join(str(y) for y in o.years)
    lines = [f"# {w['title']}", "", f"{w['years'].format(years=years)} · {w['filings'].format(n=o.filings, checked=o.checked)}", "",
             f"- {w['n_districts']}{w['sep']}{len(o.districts)}", f"- {w['n_qualified']}{w['sep']}{verdicts.get('qualified', 0)}",
             f"- {w['n_deferred']}{w['sep']}{verdicts.get('deferred', 0)}"]
    if o.failures:
        lines.append(f"- {w['n_failed']}{w['sep']}{len(o.failures)}")
    if o.totals:
        lines.append(f"- {w['city_total']}{w['sep']}{amounts_text(o.totals, o.catalogue, sep=w['list'])}{w['paren'].format(w['per_unit'])}")
    for t in all_tables(o, lang):
        lines += ["", f"## {t.title}", "", *_table(t)]
    if o.notes:
        lines += ["", f"## {w['notes']}", ""] + [f"- {n[1] if lang == 'en' else n[0]}" for n in o.notes]
    return "\n".join(lines) + "\n"
