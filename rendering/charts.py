"""Small static SVG charts for printed documents (no JavaScript, so a PDF can hold them).

Every label is escaped: series names and axis labels may come from crawled text. The charts are
deliberately plain — a line chart of a few series over ordered categories (days), and a stacked bar
chart (counts per group and kind) — with the numbers printed beside them in the documents' tables,
so every figure can be checked.
"""
from __future__ import annotations

from typing import Optional, Sequence

from markupsafe import Markup, escape

PALETTE = ("#c0392b", "#2471a3", "#7d8c8d", "#27ae60", "#d68910", "#8e44ad")


def _frame(width: int, height: int, body: list[str], title: str) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
            f'font-family="Noto Sans CJK SC, sans-serif" font-size="11">')
    return Markup(head + f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def _axis_max(values: Sequence[float]) -> float:
    top = max([float(v) for v in values] + [1.0])
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top <= step * 5:
            return float(step * 5)
    return top


def line_chart(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str,
               width: int = 640, height: int = 240) -> Markup:
    """Lines of ``series`` (name → one value per label) over the ordered ``labels``."""
    left, right, top, bottom = 44, 120, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    ymax = _axis_max([v for values in series.values() for v in values])
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * float(v) / ymax

    body = [f'<text x="{left}" y="14" font-size="12">{escape(title)}</text>']
    for k in range(6):
        value = ymax * k / 5
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>')
    every = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            body.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(label)}</text>')
    for j, (name, values) in enumerate(series.items()):
        colour = PALETTE[j % len(PALETTE)]
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        body.append(f'<rect x="{left + plot_w + 12}" y="{top + 16 * j}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{left + plot_w + 26}" y="{top + 16 * j + 9}">{escape(name)}</text>')
    return _frame(width, height, body, title)


def stacked_bars(groups: Sequence[str], parts: dict[str, Sequence[float]], *, title: str,
                 width: int = 640, height: int = 240, colours: Optional[dict[str, str]] = None) -> Markup:
    """One bar per group, stacked by ``parts`` (name → one value per group); ``colours`` gives a
    part its colour (name → CSS colour), the others take the palette's in order."""
    def colour(j: int, name: str) -> str:
        return (colours or {}).get(name) or PALETTE[j % len(PALETTE)]

    left, right, top, bottom = 44, 120, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(float(values[i]) for values in parts.values()) for i in range(len(groups))]
    ymax = _axis_max(totals)
    n = max(len(groups), 1)
    slot = plot_w / n
    bar = min(40.0, slot * 0.7)
    body = [f'<text x="{left}" y="14" font-size="12">{escape(title)}</text>']
    for k in range(6):
        value = ymax * k / 5
        yy = top + plot_h - plot_h * value / ymax
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#ddd"/>')
        body.append(f'<text x="{left - 4}" y="{yy + 4:.1f}" text-anchor="end">{value:g}</text>')
    for i, group in enumerate(groups):
        base = top + plot_h
        cx = left + slot * i + slot / 2
        for j, (name, values) in enumerate(parts.items()):
            h = plot_h * float(values[i]) / ymax
            if h > 0:
                body.append(f'<rect x="{cx - bar / 2:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                            f'fill="{colour(j, name)}"/>')
            base -= h
        body.append(f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(group)}</text>')
    for j, name in enumerate(parts):
        body.append(f'<rect x="{left + plot_w + 12}" y="{top + 16 * j}" width="10" height="10" '
                    f'fill="{colour(j, name)}"/>')
        body.append(f'<text x="{left + plot_w + 26}" y="{top + 16 * j + 9}">{escape(name)}</text>')
    return _frame(width, height, body, title)
