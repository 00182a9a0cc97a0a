"""The membership bars as inline SVG: the statuses and colours of `csto-kg chart membership`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from csto_kg.publish.chart import OTHER_STATUS, START, STATUS_STYLE, Membership, Row
from csto_kg.site.text import day_text, e, edge_text

_LABEL_W = 130
_PLOT_W = 760
_ROW_H = 22


def _x(day: dt.date, start: dt.date, end: dt.date) -> float:
    span = max((end - start).days, 1)
    return _LABEL_W + _PLOT_W * min(max((day - start).days, 0), span) / span


def _bar(m: Membership, y: float, start: dt.date, today: dt.date, lang: str) -> str:
    colour = STATUS_STYLE.get(m.status, OTHER_STATUS)
    first = m.possibly_from or m.certainly_from or start
    sure = m.certainly_from or first
    last = m.certainly_until or m.possibly_until or today
    open_end = m.possibly_until or today
    title = f"{m.status_label}: {edge_text(m.possibly_from, m.certainly_from, lang)} – "
    title += edge_text(m.certainly_until, m.possibly_until, lang) if (m.certainly_until or m.possibly_until) else "…"
    parts = [f'<g class="membership" data-status="{e(m.status_label)}"><title>{e(title)}</title>']
    x0, x1, x2, x3 = (_x(d, start, today) for d in (first, sure, last, open_end))
    if x1 > x0:  # a start the sources leave open: lighter
        parts.append(f'<rect x="{x0:.1f}" y="{y:.1f}" width="{x1 - x0:.1f}" height="14" fill="{colour}" fill-opacity="0.3"/>')
    parts.append(f'<rect x="{x1:.1f}" y="{y:.1f}" width="{max(x2 - x1, 1):.1f}" height="14" fill="{colour}"/>')
    if x3 > x2:
        parts.append(f'<rect x="{x2:.1f}" y="{y:.1f}" width="{x3 - x2:.1f}" height="14" fill="{colour}" fill-opacity="0.3"/>')
    if m.possibly_until is None:  # goes on
        parts.append(f'<path d="M{x3:.1f},{y:.1f} l7,7 l-7,7 z" fill="{colour}"/>')
    parts.append("</g>")
    return "".join(parts)


def _axis(start: dt.date, today: dt.date, height: float) -> str:
    ticks = []
    for year in range(start.year + (5 - start.year % 5) % 5, today.year + 1, 5):
        x = _x(dt.date(year, 1, 1), start, today)
        ticks.append(
            f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height - 16:.1f}" stroke="#dddddd"/>'
            f'<text x="{x:.1f}" y="{height - 3:.1f}" font-size="11" text-anchor="middle" fill="#555">{year}</text>'
        )
    return "".join(ticks)


def membership_svg(
    rows: Sequence[Row], today: dt.date, lang: str = "en", hrefs: dict[str, str] | None = None, labels: dict[str, str] | None = None
) -> str:
    """One row per state, one bar per membership; a lighter bar where the sources leave a
    start or an end open, an arrow where a membership goes on."""
    height = _ROW_H * len(rows) + 22
    width = _LABEL_W + _PLOT_W + 12
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="membership-chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" '
        f'role="img" aria-label="membership over time, {e(day_text(START, lang))} to {e(day_text(today, lang))}">',
        _axis(START, today, height),
    ]
    for i, row in enumerate(rows):
        y = i * _ROW_H + 4
        name = e((labels or {}).get(row.state) or row.name)
        href = (hrefs or {}).get(row.state)
        text = f'<text x="{_LABEL_W - 8}" y="{y + 11}" font-size="12" text-anchor="end" fill="#1d2430">{name}</text>'
        out.append(f'<a href="{e(href)}">{text}</a>' if href else text)
        out.extend(_bar(m, y, START, today, lang) for m in row.memberships)
    out.append("</svg>")
    return "".join(out)


def legend(rows: Sequence[Row]) -> str:
    seen: dict[str, str] = {}
    for row in rows:
        for m in row.memberships:
            seen.setdefault(m.status, m.status_label)
    items = "".join(f'<span><i style="background:{STATUS_STYLE.get(s, OTHER_STATUS)}"></i>{e(label)}</span>' for s, label in seen.items())
    return f'<p class="legend">{items}<span><i style="background:#999;opacity:.3"></i>date left open</span><span>▶ goes on</span></p>'


def current(row: Row, today: dt.date) -> Membership | None:
    """The membership that holds on `today`, if any (a later start wins)."""
    held = [
        m
        for m in row.memberships
        if (m.certainly_from or m.possibly_from or dt.date.min) <= today and (m.possibly_until is None or m.possibly_until > today)
    ]
    return held[-1] if held else None
