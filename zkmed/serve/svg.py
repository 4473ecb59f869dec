"""Server-side SVG bar charts for election results (no JavaScript; every label escaped)."""

from __future__ import annotations

from html import escape

__all__ = ["bar_chart"]

WIDTH, BAR, GAP, LABEL_W, PAD = 640, 22, 8, 200, 10


def bar_chart(title: str, rows: list[tuple[str, int]]) -> str:
    """An ``<svg>`` element: one horizontal bar per ``(label, votes)``, scaled to the largest count."""
    top = max((v for _, v in rows), default=0) or 1
    total = sum(v for _, v in rows)
    height = PAD * 2 + 24 + len(rows) * (BAR + GAP)
    span = WIDTH - LABEL_W - 2 * PAD - 90
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="result-chart" role="img" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<text x="{PAD}" y="{PAD + 14}" font-weight="bold" font-size="14">{escape(title)}</text>',
    ]
    for i, (label, votes) in enumerate(rows):
        y = PAD + 24 + i * (BAR + GAP)
        w = round(span * votes / top)
        share = f"{100 * votes / total:.1f} %" if total else "0 %"
        parts += [
            f'<text x="{PAD}" y="{y + BAR - 6}" font-size="13">{escape(label[:40])}</text>',
            f'<rect class="bar" x="{LABEL_W}" y="{y}" width="{w}" height="{BAR}" fill="#2b6cb0" data-votes="{votes}"/>',
            f'<text x="{LABEL_W + w + 6}" y="{y + BAR - 6}" font-size="13">{votes} ({share})</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)
