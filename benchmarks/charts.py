"""PNG charts of the tables that ask for one (``Table.chart``), drawn with matplotlib's Agg backend."""

from __future__ import annotations

from pathlib import Path

from benchmarks.harness import Table


def draw(table: Table, out: Path) -> Path | None:
    """``out/<chart name>.png`` for ``table`` (None when it has no chart or matplotlib is missing)."""
    if table.chart is None:
        return None
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"matplotlib is not installed: no chart for {table.title!r}")
        return None
    chart = table.chart
    xi = table.columns.index(chart.x)
    fig, ax = plt.subplots(figsize=(7, 4), dpi=120)
    for name in chart.y:
        yi = table.columns.index(name)
        points = [(row[xi], row[yi]) for row in table.rows if isinstance(row[yi], (int, float))]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    ax.set_xlabel(chart.x)
    ax.set_ylabel(chart.ylabel)
    ax.set_title(table.title, fontsize=10)
    if chart.logx:
        ax.set_xscale("log")
    if chart.logy:
        ax.set_yscale("log")
    if chart.ymin is not None:
        ax.set_ylim(bottom=chart.ymin)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path = out / f"{chart.name}.png"
    fig.savefig(path)
    plt.close(fig)
    return path
