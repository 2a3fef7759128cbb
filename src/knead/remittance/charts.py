"""Server-rendered SVG bar charts: no JavaScript, no external library, safe under the CSP."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

_WIDTH = 640
_BAR = 22
_GAP = 8
_LABEL = 220


def bar_chart(data: Sequence[tuple[str, Decimal]], *, label: str) -> str:
    """Horizontal bars, one per (name, value); values written at the end of each bar."""
    if not data:
        return ""
    top = max((abs(v) for _n, v in data), default=Decimal(1)) or Decimal(1)
    room = _WIDTH - _LABEL - 90
    height = len(data) * (_BAR + _GAP) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {_WIDTH} {height}" '
        f'role="img" aria-label="{escape(label)}">',
        f'<text x="{_LABEL}" y="14" class="chart-caption" font-size="11" fill="#667">'
        f"{escape(label)}</text>",
    ]
    for i, (name, value) in enumerate(data):
        y = 24 + i * (_BAR + _GAP)
        width = max(1, int(room * abs(value) / top))
        short = name if len(name) <= 34 else name[:33] + "…"
        parts += [
            f'<text x="{_LABEL - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="#333">'
            f"{escape(short)}</text>",
            f'<rect x="{_LABEL}" y="{y}" width="{width}" height="{_BAR}" rx="3" '
            f'fill="{"#c0504d" if value < 0 else "#3c7a6b"}"><title>{escape(name)}: {value}</title></rect>',
            f'<text x="{_LABEL + width + 6}" y="{y + 15}" font-size="12" fill="#333">{value}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
