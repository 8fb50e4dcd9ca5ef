"""The overview's charts as inline SVG, drawn here in Python: no script, no external file, readable without colour.

Three kinds: horizontal bars against limit lines (``bars``: coefficients, shares of schools), two bars
per row (``pairs``: appropriation against revenue growth), and a dot per year on one line per row
(``dots``: each district's findings over the years). Every bar and dot has its number written beside
it, a bar that falls short is hatched as well as coloured and says so in words, and every chart has a
title for screen readers; the page puts the same numbers in a table beside each chart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from junheng.report.numbers import fmt_number

__all__ = ["Bar", "Dots", "Pair", "bars", "dots", "pairs"]

# A status's colour, as the district report has them (every one carries white text at WCAG AA, and dark text beside it).
FILL = {"blocking": "#c62828", "major": "#b34700", "minor": "#876500", "info": "#1565c0", "ok": "#2e7d5b", "short": "#c62828",
        "missing": "#90a4ae", "na": "#cfd8dc", "neutral": "#546e7a", "qualified": "#2e7d5b", "deferred": "#c62828",
        "first": "#1565c0", "second": "#546e7a"}
_WIDTH = 640
_HALO = ' paint-order="stroke" stroke="#fff" stroke-width="3"'  # a value stays readable where a line crosses it
_ROW = 22


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _width(text: str) -> int:
    """About how wide ``text`` is at 13px: a CJK character a full em, any other about 0.6 em."""
    return sum(13 if ord(c) > 0x2E7F else 8 for c in text)


def _cut(text: str, room: int) -> str:
    if _width(text) <= room:
        return text
    while text and _width(text + "…") > room:
        text = text[:-1]
    return text + "…"


def _nice(top: float) -> float:
    raw = top / 5 if top > 0 else 0.2
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def _open(uid: str, title: str, height: int) -> str:
    """The chart's frame: its accessible name, and the hatching a bar that falls short carries (white lines over its colour)."""
    return (f'<svg viewBox="0 0 {_WIDTH} {height}" width="{_WIDTH}" height="{height}" role="img" aria-labelledby="{uid}-t" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="{uid}-t">{_e(title)}</title>'
            f'<defs><pattern id="{uid}-h" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            '<rect width="6" height="6" fill="none"/><line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.2"/>'
            "</pattern></defs>")


def _axis(x: Callable[[float], float], low: float, high: float, step: float, top: int, bottom: int, percent: bool) -> str:
    out = []
    tick = low
    while tick <= high + step * 1e-6:
        tx = x(tick)
        label = f"{fmt_number(tick * 100, 1)}%" if percent else fmt_number(tick, 4)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 4}" x2="{tx:.1f}" y2="{bottom}" stroke="{"#9aa5b1" if tick == 0 else "#e3e7eb"}"/>'
                   f'<text x="{tx:.1f}" y="{bottom + 15}" text-anchor="middle" fill="#5f6b76">{_e(label)}</text>')
        tick = round(tick + step, 10)
    return "".join(out)


def _scale(values: Sequence[float], low_floor: float = 0.0) -> tuple[float, float, float]:
    """The axis: (low, high, step), from 0 (or below, for a negative value) to just above the highest value."""
    finite = [v for v in values if math.isfinite(v)]
    high = max(finite + [0.0])
    low = min(finite + [low_floor])
    step = _nice((high - low) * 1.05 or 1.0)
    return (step * math.floor(low / step) if low < 0 else 0.0), (step * math.ceil(high * 1.05 / step) if high > 0 else step), step


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str  # written beside the bar: the value and what it means
    key: str  # its colour (FILL)
    short: bool = False  # hatched: falls short
    tick: float | None = None  # the row's own limit, when the rows' limits differ


def _label(label: str, left: int, y: int) -> str:
    shown = _cut(label, left - 14)
    tip = f"<title>{_e(label)}</title>" if shown != label else ""
    return f'<text x="{left - 8}" y="{y}" text-anchor="end">{tip}{_e(shown)}</text>'


def _left(labels: Sequence[str]) -> int:
    return min(260, max(96, max((_width(x) for x in labels), default=0) + 18))


def bars(uid: str, title: str, rows: Sequence[Bar], lines: Sequence[tuple[float, str]] = (), percent: bool = False,
         high: float | None = None) -> str:
    """Horizontal bars, one row each, and vertical dashed lines at the limits (each labelled at the top)."""
    left = _left([r.label for r in rows])
    right = max(90, min(220, max((_width(r.text) for r in rows), default=0) + 14))
    plot = _WIDTH - left - right
    top = 16 + 14 * len(lines)
    bottom = top + _ROW * len(rows)
    values = [r.value for r in rows if r.value is not None] + [v for v, _ in lines] + [r.tick for r in rows if r.tick is not None]
    low, top_value, step = _scale(values + ([high] if high is not None else []))
    if high is not None:
        top_value = high

    def x(v: float) -> float:
        return left + plot * (max(low, min(v, top_value)) - low) / (top_value - low)

    out = [_open(uid, title, bottom + 26), _axis(x, low, top_value, step, top, bottom, percent)]
    for i, r in enumerate(rows):
        y = top + _ROW * i
        out.append("<g>" + _label(r.label, left, y + 15))
        if r.value is None:
            out.append(f'<rect x="{left}" y="{y + 5}" width="{plot}" height="12" fill="none" stroke="{FILL.get(r.key, "#90a4ae")}" '
                       f'stroke-dasharray="3 3"/><text x="{left + 6}" y="{y + 15}" fill="#3e4a55">{_e(r.text)}</text>')
        else:
            x0, x1 = sorted((x(0.0), x(r.value)))
            w = max(x1 - x0, 1.5)
            out.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" height="12" rx="2" fill="{FILL.get(r.key, "#546e7a")}"/>')
            if r.short:
                out.append(f'<rect x="{x0:.1f}" y="{y + 5}" width="{w:.1f}" height="12" rx="2" fill="url(#{uid}-h)"/>')
            out.append(f'<text x="{x0 + w + 5:.1f}" y="{y + 15}"{_HALO}>{_e(r.text)}</text>')
        if r.tick is not None:
            out.append(f'<line x1="{x(r.tick):.1f}" y1="{y + 2}" x2="{x(r.tick):.1f}" y2="{y + 20}" stroke="#263238" stroke-width="2"/>')
        out.append("</g>")
    for i, (value, label) in enumerate(lines):
        lx = x(value)
        anchor = "start" if lx < left + plot * 0.7 else "end"
        out.append(f'<line x1="{lx:.1f}" y1="{12 + 14 * i}" x2="{lx:.1f}" y2="{bottom}" stroke="#263238" stroke-width="1.5" '
                   f'stroke-dasharray="5 3"/><text x="{lx + (4 if anchor == "start" else -4):.1f}" y="{12 + 14 * i}" '
                   f'text-anchor="{anchor}" font-weight="600">{_e(label)}</text>')
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Pair:
    label: str
    first: float | None  # drawn solid
    second: float | None  # drawn hatched
    first_text: str
    second_text: str
    short: bool  # the first is not above the second


def pairs(uid: str, title: str, rows: Sequence[Pair], legend: tuple[str, str], percent: bool = True) -> str:
    """Two bars per row, the first solid, the second hatched, each with its number; a row that falls short says so."""
    row_h = 36
    left = _left([r.label for r in rows])
    right = max(120, min(240, max((_width(t) for r in rows for t in (r.first_text, r.second_text)), default=0) + 14))
    plot = _WIDTH - left - right
    top = 34
    bottom = top + row_h * len(rows)
    values = [v for r in rows for v in (r.first, r.second) if v is not None]
    low, high, step = _scale(values)

    def x(v: float) -> float:
        return left + plot * (max(low, min(v, high)) - low) / (high - low)

    out = [_open(uid, title, bottom + 26),
           f'<rect x="{left}" y="4" width="14" height="10" fill="{FILL["first"]}"/><text x="{left + 20}" y="13">{_e(legend[0])}</text>'
           f'<rect x="{left + 40 + _width(legend[0])}" y="4" width="14" height="10" fill="{FILL["second"]}"/>'
           f'<rect x="{left + 40 + _width(legend[0])}" y="4" width="14" height="10" fill="url(#{uid}-h)"/>'
           f'<text x="{left + 60 + _width(legend[0])}" y="13">{_e(legend[1])}</text>',
           _axis(x, low, high, step, top, bottom, percent)]
    for i, r in enumerate(rows):
        y = top + row_h * i
        out.append("<g>" + _label(r.label, left, y + 20))
        for j, (value, text, key) in enumerate(((r.first, r.first_text, "first"), (r.second, r.second_text, "second"))):
            by = y + 4 + j * 14
            if value is None:
                out.append(f'<text x="{left + 6}" y="{by + 10}" fill="#3e4a55">{_e(text)}</text>')
                continue
            x0, x1 = sorted((x(0.0), x(value)))
            w = max(x1 - x0, 1.5)
            out.append(f'<rect x="{x0:.1f}" y="{by}" width="{w:.1f}" height="11" fill="{FILL[key]}"/>')
            if key == "second":
                out.append(f'<rect x="{x0:.1f}" y="{by}" width="{w:.1f}" height="11" fill="url(#{uid}-h)"/>')
            weight = ' font-weight="700"' if r.short and key == "first" else ""
            out.append(f'<text x="{max(x0 + w, x(0.0)) + 5:.1f}" y="{by + 10}" font-size="12"{weight}{_HALO}>{_e(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class Dots:
    label: str
    points: tuple[tuple[str, float], ...]  # (year, value), oldest first
    text: str  # written after the row: 12 → 5


def dots(uid: str, title: str, rows: Sequence[Dots]) -> str:
    """A line per row from the earliest year's value to the latest's: hollow dots for earlier years, a filled one for the latest."""
    left = _left([r.label for r in rows])
    right = max(110, min(220, max((_width(r.text) for r in rows), default=0) + 14))
    plot = _WIDTH - left - right
    top = 16
    bottom = top + _ROW * len(rows)
    low, high, step = _scale([v for r in rows for _, v in r.points])

    def x(v: float) -> float:
        return left + plot * (max(low, min(v, high)) - low) / (high - low)

    out = [_open(uid, title, bottom + 26), _axis(x, low, high, step, top, bottom, False)]
    for i, r in enumerate(rows):
        y = top + _ROW * i + 11
        xs = [x(v) for _, v in r.points]
        out.append("<g>" + _label(r.label, left, y + 4))
        if len(xs) > 1:
            out.append(f'<line x1="{min(xs):.1f}" y1="{y}" x2="{max(xs):.1f}" y2="{y}" stroke="#5f6b76" stroke-width="2"/>')
        for k, ((year, value), px) in enumerate(zip(r.points, xs, strict=True)):
            latest = k == len(xs) - 1
            fill = "#1f2933" if latest else "#fff"
            out.append(f'<circle cx="{px:.1f}" cy="{y}" r="{5 if latest else 4}" fill="{fill}" stroke="#1f2933" stroke-width="1.8">'
                       f"<title>{_e(year)}: {_e(fmt_number(value))}</title></circle>")
        out.append(f'<text x="{max(xs + [left]) + 10:.1f}" y="{y + 4}"{_HALO}>{_e(r.text)}</text></g>')
    out.append("</svg>")
    return "".join(out)
