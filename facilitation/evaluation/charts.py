"""Server-side SVG charts: no front-end build, readable by screen readers (<title>, <desc>, role="img").

Hidden (suppressed) values are never drawn at their true size: a bar is left out and labelled instead, a line
has a gap. Each chart comes with its table on the page, so the chart is never the only way to the numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .suppression import Shown

PALETTE = ["#1f5f8b", "#d1802b", "#3c8d4f", "#8e44ad", "#b03a2e", "#5d6d7e", "#17a589", "#a04000"]
_ids = itertools.count(1)

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 64


def _frame(title: str, desc: str, body: list[str], legend: Sequence[str]) -> SafeString:
    n = next(_ids)
    legend_height = 22 * ((len(legend) + 3) // 4)
    height = HEIGHT + legend_height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-labelledby="chart-{n}-title chart-{n}-desc" class="sbg-chart" style="max-width:100%;height:auto">',
        f'<title id="chart-{n}-title">{escape(title)}</title>',
        f'<desc id="chart-{n}-desc">{escape(desc)}</desc>',
        *body,
    ]
    for i, name in enumerate(legend):
        x = LEFT + (i % 4) * 165
        y = HEIGHT + 4 + 22 * (i // 4)
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 11}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _axis(max_value: float, plot_h: float) -> tuple[list[str], float]:
    """Horizontal grid lines and labels; returns them and the scale's top value."""
    top = _nice(max_value)
    lines = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" aria-hidden="true"/>'
        )
        label = f"{value:.0f}" if top >= 4 else f"{value:.1f}"
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{label}</text>')
    return lines, top


def _nice(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 4:
            return step * 4
    return value


def bar_chart(
    title: str, desc: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Shown | float | None]]]
) -> SafeString:
    """Grouped bars per category; a suppressed value gets its label ("<5") and no bar."""
    plot_h = HEIGHT - TOP - BOTTOM
    numbers = [
        (v.value if isinstance(v, Shown) and not v.hidden else v)
        for _name, values in series
        for v in values
        if not isinstance(v, Shown) or not v.hidden
    ]
    grid, top = _axis(max([n for n in numbers if n is not None] or [0]), plot_h)
    body = list(grid)
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    bar_w = max(2.0, (slot * 0.8) / max(len(series), 1))
    for c, category in enumerate(categories):
        x0 = LEFT + c * slot + slot * 0.1
        for s, (name, values) in enumerate(series):
            value = values[c]
            x = x0 + s * bar_w
            color = PALETTE[s % len(PALETTE)]
            if isinstance(value, Shown) and value.hidden:
                body.append(
                    f'<text x="{x + bar_w / 2:.1f}" y="{TOP + plot_h - 4:.1f}" font-size="10" text-anchor="middle" '
                    f'fill="{color}"><title>{escape(name)}: {escape(str(value))}</title>{escape(str(value))}</text>'
                )
                continue
            number = value.value if isinstance(value, Shown) else value
            number = float(number or 0)
            h = plot_h * number / top
            body.append(
                f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                f'fill="{color}"><title>{escape(category)} · {escape(name)}: {number:g}</title></rect>'
            )
        body.append(
            f'<text x="{x0 + slot * 0.4:.1f}" y="{TOP + plot_h + 16:.1f}" font-size="11" '
            f'text-anchor="middle">{escape(_short(category))}</text>'
        )
    return _frame(title, desc, body, [name for name, _v in series])


def line_chart(
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    y_max: float | None = None,
) -> SafeString:
    """One line per series; None (no data, or suppressed) breaks the line."""
    plot_h = HEIGHT - TOP - BOTTOM
    numbers = [v for _n, values in series for v in values if v is not None]
    grid, top = _axis(y_max if y_max is not None else max(numbers or [0]), plot_h)
    if y_max is not None:
        top = y_max
        grid, _top = _axis_fixed(y_max, plot_h)
    body = list(grid)
    count = max(len(x_labels), 1)
    step = (WIDTH - LEFT - RIGHT) / max(count - 1, 1)
    every = max(1, count // 12)
    for i, label in enumerate(x_labels):
        if i % every == 0:
            x = LEFT + i * step
            body.append(
                f'<text x="{x:.1f}" y="{TOP + plot_h + 16:.1f}" font-size="11" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    for s, (name, values) in enumerate(series):
        color = PALETTE[s % len(PALETTE)]
        segments: list[list[tuple[float, float, float]]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append((LEFT + i * step, TOP + plot_h - plot_h * value / top, value))
        for segment in segments:
            if len(segment) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in segment)
                body.append(f'<polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"/>')
            for x, y, value in segment:
                body.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{escape(name)}: '
                    f"{value:.2f}</title></circle>"
                )
    return _frame(title, desc, body, [name for name, _v in series])


def _axis_fixed(top: float, plot_h: float) -> tuple[list[str], float]:
    lines = []
    for i in range(int(top) + 1):
        y = TOP + plot_h - plot_h * i / top
        lines.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" aria-hidden="true"/>'
        )
        lines.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{i}</text>')
    return lines, top


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
