"""Plots for reports, rendered to inline SVG so a report stays one self-contained file."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date, timedelta

VERDICT_COLOURS = {
    "authentic": "#2e7d32",
    "unverified": "#9e9e9e",
    "altered": "#ef6c00",
    "forged": "#c62828",
    "planted": "#6a1b9a",
    "decoy": "#1565c0",
    "malformed": "#5d4037",
}


def _bins(days: list[str]) -> tuple[str, str]:
    """Days, weeks or months per bar, so that bars stay visible over long spans."""
    span = (date.fromisoformat(days[-1]) - date.fromisoformat(days[0])).days
    if span > 400:
        return "month", "Mail per month"
    if span > 120:
        return "week", "Mail per week"
    return "day", "Mail per day"


def _bin_start(day: str, unit: str) -> date:
    value = date.fromisoformat(day)
    if unit == "month":
        return value.replace(day=1)
    if unit == "week":
        return value - timedelta(days=value.weekday())
    return value


def timeline_svg(timeline: dict[str, dict[str, int]]) -> str:
    """Stacked bars of mail over time, coloured by verdict; '' when there is nothing to plot."""
    if not timeline:
        return ""
    import matplotlib

    matplotlib.use("Agg")  # no display, ever
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "contrefeu"  # stable SVG ids: reproducible reports
    unit, title = _bins(sorted(timeline))
    binned: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for day, counts in timeline.items():
        for verdict, count in counts.items():
            binned[_bin_start(day, unit)][verdict] += count
    xs = sorted(binned)
    width = {"day": 0.9, "week": 6.0, "month": 26.0}[unit]
    fig, ax = plt.subplots(figsize=(10, 3.2), dpi=100)
    bottom = [0] * len(xs)
    for verdict, colour in VERDICT_COLOURS.items():
        heights = [binned[x].get(verdict, 0) for x in xs]
        if not any(heights):
            continue
        ax.bar(xs, heights, bottom=bottom, color=colour,  # type: ignore[arg-type]
               label=verdict, width=width, align="edge")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("emails")
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
    ax.legend(loc="upper left", fontsize="small", ncols=4, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]
