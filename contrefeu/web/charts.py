"""Geometry of the dashboard's mail-per-day chart, drawn as inline SVG by the template.

Server-side and script-free (the CSP forbids inline script and style; SVG presentation
attributes such as `fill` are neither). Matplotlib (used by the static report) is too slow for
a page that should render in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from contrefeu.model import VERDICTS
from contrefeu.report.plots import VERDICT_COLOURS


@dataclass(frozen=True)
class Series:
    """The bars of one verdict, as one SVG path (a few elements, even for years of mail)."""

    verdict: str
    colour: str
    path: str
    total: int


@dataclass(frozen=True)
class Timeline:
    width: int
    height: int
    series: list[Series]
    first_day: str
    last_day: str
    peak: int
    days: int


def timeline_chart(
    days: list[tuple[str, dict[str, int]]], width: int = 900, height: int = 160
) -> Timeline | None:
    """Stacked bars per day, coloured by verdict; None when there is no dated mail."""
    if not days:
        return None
    days = _with_empty_days(days)
    peak = max(sum(counts.values()) for _, counts in days) or 1
    step = width / len(days)
    bar = max(step * 0.9, 0.5)
    commands: dict[str, list[str]] = {v: [] for v in VERDICTS}
    totals: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for n, (_day, counts) in enumerate(days):
        top = float(height)
        for verdict in VERDICTS:
            count = counts.get(verdict, 0)
            if not count:
                continue
            h = count / peak * (height - 4)
            top -= h
            totals[verdict] += count
            commands[verdict].append(f"M{n * step:.2f} {top:.2f}h{bar:.2f}v{h:.2f}h{-bar:.2f}z")
    series = [
        Series(v, VERDICT_COLOURS.get(v, "#777"), "".join(commands[v]), totals[v])
        for v in VERDICTS
        if commands[v]
    ]
    return Timeline(width, height, series, days[0][0], days[-1][0], peak, len(days))


def _with_empty_days(days: list[tuple[str, dict[str, int]]]) -> list[tuple[str, dict[str, int]]]:
    """Add the days without mail between the first and the last, so gaps show as gaps."""
    try:
        first, last = date.fromisoformat(days[0][0]), date.fromisoformat(days[-1][0])
    except ValueError:
        return days  # a malformed day from a hostile Date header: plot what there is
    span = (last - first).days + 1
    if span > 20 * 366 or span <= len(days):
        return days  # absurd spans (forged dates) are not stretched over decades
    known = dict(days)
    return [
        ((first + timedelta(d)).isoformat(), known.get((first + timedelta(d)).isoformat(), {}))
        for d in range(span)
    ]
