"""The overview as one self-contained HTML page, in the district report's look (its CSS, colours and type).

Top to bottom, as a director reads it: how many districts are qualified and deferred, and which are
deferred; the filings that could not be checked; every district's row (verdict, findings by severity,
the blocking ones by name, the amounts to make up, a link to its own report); per area, the rules
districts and schools fall short of, most widespread first; the difference coefficients of every
district against the pack's lines; 三个增长; the share of schools meeting each standard; with several
years, each district's trend and what became of its shortfalls. Each chart is inline SVG with its
numbers in a table beside it. No script, no external resource; the same overview gives the same bytes.
"""

from __future__ import annotations

from html import escape

from junheng.overview import charts
from junheng.overview.model import CoefficientChart, Overview
from junheng.overview.tables import (Cell, Chip, Column, Link, Num, Table, amounts_text, area_tables, coefficient_table,
                                     districts_table, failures_table, growth_table, shares_table, trend_table)
from junheng.overview.words import words
from junheng.report.formats.html import PAGE_CSS  # the district report's look: one look for both pages
from junheng.report.numbers import fmt_number

__all__ = ["render"]

# What the overview adds to the district report's CSS: status chips, charts beside their tables, summary cards.
_MORE_CSS = """
.s-ok{background:#2e7d5b}.s-short{background:#c62828}.s-missing,.s-na{background:#546e7a}.s-blocking{background:#c62828}
.s-major{background:#b34700}.s-minor{background:#876500}.s-info{background:#1565c0}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0;padding:0;list-style:none}
.cards li{background:var(--card);border:1px solid var(--line);border-left:6px solid #546e7a;border-radius:8px;padding:8px 18px;
min-width:120px}
.cards b{display:block;font-size:28px;line-height:1.2}
.pair{display:grid;grid-template-columns:minmax(0,640px) minmax(0,1fr);gap:16px;align-items:start;margin:12px 0 24px}
.pair.stack{grid-template-columns:minmax(0,1fr)}
.pair figure{max-width:640px}
.scroll{overflow-x:auto}
td.multi{white-space:pre-line}.pair td,.pair th{padding:3px 8px}td.file{font-size:13px;color:var(--muted)}
td.name{white-space:nowrap;font-weight:600}
main{max-width:1440px}
table.sum td{font-weight:600;background:#f3f5f7}
.failed{background:#fdecea;border:1px solid #e6a1a1;border-left:6px solid #c62828;border-radius:8px;padding:8px 16px;margin:12px 0}
@media (max-width:1100px){.pair{grid-template-columns:minmax(0,1fr)}}
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _cell(cell: Cell, col: Column) -> str:
    numeric = col.numeric
    if cell is None:
        return '<td class="num">—</td>' if numeric else "<td>—</td>"
    if isinstance(cell, Num):
        return f'<td class="num">{_e(cell.text())}</td>'
    if isinstance(cell, Link):
        inner = f'<a href="{_e(cell.href)}">{_e(cell.text)}</a>' if cell.href else _e(cell.text)
        return f'<td class="name">{inner}</td>'
    if isinstance(cell, Chip):
        return f'<td><span class="chip s-{_e(cell.key)} {_e(cell.key)}">{_e(cell.text)}</span></td>'
    cls = ' class="num multi"' if numeric else ' class="multi"' if "\n" in cell else ' class="file"' if col.small else ""
    return f"<td{cls}>{_e(cell)}</td>"


def _table(t: Table, label: str | None = None, foot: str = "") -> str:
    head = "".join(f'<th scope="col">{_e(c.header)}</th>' for c in t.columns)
    rows = []
    for i, row in enumerate(t.rows):
        mark = f' data-key="{_e(t.marks[i])}"' if i < len(t.marks) else ""
        rows.append(f"<tr{mark}>" + "".join(_cell(cell, col) for cell, col in zip(row, t.columns, strict=True)) + "</tr>")
    name = _e(label or t.title)
    return (f'<div class="scroll" role="region" aria-label="{name}" tabindex="0"><table data-table="{_e(t.key)}">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody>{foot}</table></div>")


class _Page:
    def __init__(self, o: Overview, lang: str):
        self.o, self.lang, self.w, self.c = o, lang, words(lang), o.catalogue

    def data_label(self, title: str) -> str:
        """The name of a chart's table, for a screen reader's list of regions: the chart's title and 数据表."""
        return f"{title} · {self.w['table']}"

    def pick(self, pair: tuple[str, str]) -> str:
        return pair[1] if self.lang == "en" else pair[0]

    def head(self) -> str:
        o, w = self.o, self.w
        verdicts = o.verdicts
        cards = [(len(o.districts), w["n_districts"], "#546e7a"), (verdicts.get("qualified", 0), w["n_qualified"], charts.FILL["ok"]),
                 (verdicts.get("deferred", 0), w["n_deferred"], charts.FILL["short"])]
        if o.failures:
            cards.append((len(o.failures), w["n_failed"], "#263238"))
        items = "".join(f'<li style="border-left-color:{color}"><b>{n}</b>{_e(text)}</li>' for n, text, color in cards)
        deferred = [f'<a href="{_e(d.report)}">{_e(d.summary.name)}</a>' if d.report else _e(d.summary.name)
                    for d in o.districts if d.summary.verdict == "deferred"]
        who = (f"<p><strong>{_e(w['deferred_list'])}</strong>{_e(w['list']).join(deferred)}</p>" if deferred
               else f"<p>{_e(w['none_deferred'])}</p>")
        if o.trend:
            who += self.change()
        years = w["list"].join(str(y) for y in o.years)
        meta = f'<p class="meta">{_e(w["years"].format(years=years))} · {_e(w["filings"].format(n=o.filings, checked=o.checked))}</p>'
        return f'<h1 class="h-page">{_e(w["title"])}</h1>{meta}<ul class="cards" aria-label="{_e(w["verdict"])}">{items}</ul>{who}'

    def change(self) -> str:
        """With several years: the verdicts of the districts that have two, in their earlier year and now."""
        w, c = self.w, self.c
        then = [t.points[-2].verdict for t in self.o.trend]
        now = [t.points[-1].verdict for t in self.o.trend]
        moves = w["list"].join(f"{c.word('verdicts', v, self.lang)} {then.count(v)} → {now.count(v)}" for v in ("qualified", "deferred"))
        return f"<p>{_e(w['change'].format(n=len(then)))}{_e(moves)}</p>"

    def districts(self) -> str:
        t = districts_table(self.o, self.lang)
        totals = self.o.totals
        foot = ""
        if totals:
            span = len(t.columns) - 2
            foot = (f'<tfoot class="sum"><tr><th scope="row" colspan="{span}">{_e(self.w["city_total"])}'
                    f'<span class="small">{_e(self.w["paren"].format(self.w["per_unit"]))}</span></th>'
                    f'<td class="num multi">{_e(amounts_text(totals, self.c))}</td><td></td></tr></tfoot>')
        reports = "" if any(d.report for d in self.o.districts) else f'<p class="small">{_e(self.w["no_reports"])}</p>'
        return f'<p class="meta">{_e(t.note)}</p>{reports}{_table(t, foot=foot)}'

    def areas(self) -> str:
        out = []
        for t in area_tables(self.o, self.lang):
            body = _table(t) if t.rows else ""
            note = f'<p class="small">{_e(t.note)}</p>' if t.note else ""
            out.append(f'<div class="area" data-area="{_e(t.key)}"><h3 class="h-sub">{_e(t.title)}</h3>{body}{note}</div>')
        return "".join(out)

    def coefficient_chart(self, chart: CoefficientChart, n: int) -> str:
        w = self.w
        t = coefficient_table(chart, self.o, self.lang)
        limits = sorted({limit for _, _, limit in chart.limits})
        rows = []
        for s, cs in chart.rows:
            known = [c for c in cs if c.value is not None and c.limit]
            worst = max(known, key=lambda c: (c.value or 0) / (c.limit or 1), default=None)
            if worst is None:
                status = next((c.status for c in cs), "missing")
                rows.append(charts.Bar(s.name, None, w["na"] if status == "na" else w["missing"], "missing"))
                continue
            if worst.status in ("na", "missing"):
                rows.append(charts.Bar(s.name, None, w[worst.status], "missing"))
                continue
            short = worst.status == "short"
            text = f"{fmt_number(worst.value, 4)} {w['over'] if short else w['ok']}"
            if len(chart.limits) > 1:
                text += w["paren"].format(worst.rule)
            rows.append(charts.Bar(s.name, worst.value, text, "short" if short else "ok", short,
                                   worst.limit if len(limits) > 1 else None))
        lines = [(limits[0], f"{w['limit']} {fmt_number(limits[0])}")] if len(limits) == 1 else []
        svg = charts.bars(f"cv{n}", f"{t.title} · {w['value']}", rows, lines)
        note = w["quality_note"] if len(chart.limits) > 1 else ""
        caption = f"{_e(t.title)}" + (f' <span>{_e(note)}</span>' if note else "")
        stack = " stack" if len(t.columns) > 6 else ""
        return (f'<div class="pair{stack}"><figure data-chart="{_e(t.key)}"><figcaption>{caption}</figcaption>{svg}</figure>'
                f"{_table(t, self.data_label(t.title))}</div>")

    def coefficients(self) -> str:
        if not self.o.coefficients:
            return ""
        charts_html = "".join(self.coefficient_chart(chart, n) for n, chart in enumerate(self.o.coefficients, 1))
        return f'<p class="small">{_e(self.w["chart_note"])}</p>{charts_html}'

    def growth(self) -> str:
        o, w = self.o, self.w
        if not o.growth:
            return ""
        t = growth_table(o, self.lang)
        rows = []
        for g in o.growth:
            gr = g.growth
            a = None if gr is None or gr.left is None else gr.left - 1
            b = None if gr is None or gr.right is None else gr.right - 1
            short = gr is not None and gr.status == "short"
            first = f"{fmt_number(a * 100, 1)}%" if a is not None else w["missing"]
            if short:
                first += w["paren"].format(w["short"])
            second = f"{fmt_number(b * 100, 1)}%" if b is not None else ""
            rows.append(charts.Pair(g.summary.name, a, b, first, second, short))
        svg = charts.pairs("growth", w["growth"], rows, (w["appropriation"], w["revenue"]))
        return (f'<p class="small">{_e(w["growth_note"])}</p><div class="pair stack"><figure data-chart="growth">'
                f"<figcaption>{_e(w['growth'])}</figcaption>{svg}</figure>{_table(t, self.data_label(w['growth']))}</div>")

    def shares(self) -> str:
        o, w = self.o, self.w
        if not o.shares:
            return ""
        t = shares_table(o, self.lang)
        rows = []
        for r in o.shares:
            share = r.share
            text = Num(share, 1, pct=True, below=r.met < r.judged).text()
            said = [f"{w[k]} {n}" for k, n in (("short", r.short), ("missing", r.missing)) if n]
            if said:
                text += w["paren"].format(w["list"].join(said))
            rows.append(charts.Bar(f"{r.rule} {self.c.title(r.rule, self.lang)}", share, text, "ok" if not r.short else r.severity,
                                   r.short > 0))
        svg = charts.bars("shares", w["shares"], rows, percent=True, high=1.0)
        return (f'<p class="small">{_e(w["share_note"])}</p><div class="pair"><figure data-chart="shares">'
                f"<figcaption>{_e(w['shares'])}</figcaption>{svg}</figure>{_table(t, self.data_label(w['shares']))}</div>")

    def trend(self) -> str:
        o, w = self.o, self.w
        if not o.trend:
            return ""
        t = trend_table(o, self.lang)
        rows = []
        for tr in o.trend:
            points = tuple((str(p.year), float(p.counts.get("blocking", 0) + p.counts.get("major", 0))) for p in tr.points)
            first, last = int(points[0][1]), int(points[-1][1])
            change = (w["fewer"].format(n=first - last) if last < first else w["more_f"].format(n=last - first) if last > first
                      else w["same"])
            rows.append(charts.Dots(tr.name, points, f"{first} → {last}{w['paren'].format(change)}"))
        svg = charts.dots("trend", f"{w['trend']} · {w['findings']}", rows)
        return (f'<p class="small">{_e(w["trend_note"])} {_e(w["progress_note"])} {_e(w["ledger_hook"])}</p>'
                f'<div class="pair stack"><figure data-chart="trend"><figcaption>{_e(w["findings"])}</figcaption>{svg}</figure>'
                f"{_table(t, self.data_label(w['trend']))}</div>")

    def failures(self) -> str:
        if not self.o.failures:
            return ""
        return f'<div class="failed">{_table(failures_table(self.o, self.lang))}</div>'

    def notes(self) -> str:
        if not self.o.notes:
            return ""
        return "<ul>" + "".join(f"<li>{_e(self.pick(n))}</li>" for n in self.o.notes) + "</ul>"

    def body(self) -> str:
        w = self.w
        sections = [("failures", w["failures"], self.failures()), ("districts", w["districts"], self.districts()),
                    ("areas", w["areas"], self.areas()), ("coefficients", w["coefficients"], self.coefficients()),
                    ("growth", w["growth"], self.growth()), ("shares", w["shares"], self.shares()),
                    ("trend", w["trend"], self.trend()), ("notes", w["notes"], self.notes())]
        sections = [s for s in sections if s[2]]
        links = " ".join(f'<a href="#{key}">{i}. {_e(title)}</a>' for i, (key, title, _) in enumerate(sections, 1))
        parts = [self.head(), f'<nav class="parts" aria-label="{_e(w["contents"])}">{links}</nav>']
        for i, (key, title, body) in enumerate(sections, 1):
            parts.append(f'<section id="{key}"><h2 class="h-section">{i}. {_e(title)}</h2>{body}</section>')
        return "\n".join(parts)


def render(o: Overview, lang: str = "zh") -> str:
    """The overview page."""
    page = _Page(o, lang)
    w = page.w
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"en" if lang == "en" else "zh-CN"}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(w['title'])}</title>\n<style>{PAGE_CSS}{_MORE_CSS}</style>\n</head>\n<body>\n<main>\n"
            + page.body()
            + f'\n<footer>{_e(w["generated"])}</footer>\n</main>\n</body>\n</html>\n')
