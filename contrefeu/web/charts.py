"""Geometry of the dashboard's mail-per-day chart, drawn as inline SVG by the template.

Server-side and script-free (the CSP forbids inline script and style; SVG presentation
attributes such as `fill` are neither). Matplotlib (used by the static report) is too slow for
a page that should render in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from contrefeu.model import VERDICTS
from contrefeu.report.plots import VERDICT_COLOURS


@dataclass(frozen=True)
class Bar:
    """One coloured rectangle: the emails of one verdict on one day."""

    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    first_day: str
    last_day: str
    peak: int


def timeline_chart(
    days: list[tuple[str, dict[str, int]]], width: int = 900, height: int = 160
) -> Timeline | None:
    """Stacked bars per day, coloured by verdict; None when there is no dated mail."""
    if not days:
        return None
    peak = max(sum(counts.values()) for _, counts in days) or 1
    step = width / len(days)
    bars: list[Bar] = []
    for n, (day, counts) in enumerate(days):
        top = float(height)
        for verdict in VERDICTS:
            count = counts.get(verdict, 0)
            if not count:
                continue
            h = count / peak * (height - 4)
            top -= h
            bars.append(Bar(round(n * step, 2), round(top, 2), round(max(step * 0.9, 0.5), 2),
                            round(h, 2), VERDICT_COLOURS.get(verdict, "#777"),
                            f"{day}: {count} {verdict}"))
    return Timeline(width, height, bars, days[0][0], days[-1][0], peak)
