"""Search, facets and paging over a case, for the review UI and its JSON twin.

All SQL of the list page lives here. User text reaches FTS5 only through `query_syntax` (quoted
terms); facet values are bound parameters; column names come from the fixed `FACETS` table.
Filters and facet counts read the narrow `item_facets` copy, and unfiltered counts (dashboard,
bare list) the running totals of `item_counts` (migrations 0002/0003, kept by triggers), so
they stay fast on 100,000 items. Not for: the item page (`items.py`) or
writing anything (decisions are in `contrefeu.store.decisions`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from contrefeu.store.decisions import latest_decisions_for
from contrefeu.web.query_syntax import SearchQuery, parse_query

NONE_VALUE = "(none)"  # how a missing value (NULL) appears in a facet and in its link
PER_PAGE = 50
MAX_PAGE = 2000  # 100,000 rows at 50 a page; deeper paging is a job for the export
FACET_LIMIT = 12

# facet name -> (column of item_facets, label, facet name in item_counts). Column names are
# fixed here, never taken from input.
FACETS: dict[str, tuple[str, str, str]] = {
    "verdict": ("verdict", "Verdict", "kind"),
    "level": ("level", "Sensitivity", "level"),
    "kind": ("kind", "Kind", "kind"),
    "mailbox": ("mailbox", "Mailbox", "mailbox"),
    "sender": ("from_addr", "Sender", "sender"),
    "domain": ("from_domain", "Sender domain", "domain"),
}
EXTRA_FACETS: dict[str, str] = {"category": "Category", "month": "Month"}
LEVELS = ("critical", "high", "medium", "low", "none")

ITEM_COLUMNS = ", ".join(
    f"items.{c}"
    for c in (
        "id",
        "sha256",
        "path",
        "dump",
        "kind",
        "verdict",
        "date",
        "date_utc",
        "from_addr",
        "from_name",
        "subject",
        "filename",
        "mailbox",
        "sensitivity_level",
        "size",
        "parent_path",
    )
)


@dataclass(frozen=True)
class Filters:
    """What the reviewer asked for: a query, facet selections and a date range."""

    q: str = ""
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)  # facet name -> values
    category: tuple[str, ...] = ()
    date_from: str | None = None  # ISO date, inclusive
    date_to: str | None = None  # ISO date, inclusive

    @classmethod
    def from_params(cls, params: Mapping[str, Sequence[str]]) -> Filters:
        """Build filters from query-string values; unknown or malformed values are ignored."""

        def values(name: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(v[:500] for v in params.get(name, ()) if v))[:50]

        q = " ".join(params.get("q", ()))[:2000]
        facets = {name: values(name) for name in FACETS if values(name)}
        date_from = _parse_day(next(iter(params.get("from", ())), ""), end=False)
        date_to = _parse_day(next(iter(params.get("to", ())), ""), end=True)
        return cls(q, facets, values("category"), date_from, date_to)

    @property
    def query(self) -> SearchQuery:
        return parse_query(self.q)

    def params(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs (for links that keep them)."""
        out: list[tuple[str, str]] = [("q", self.q)] if self.q else []
        for name, vals in self.facets.items():
            out.extend((name, v) for v in vals)
        out.extend(("category", v) for v in self.category)
        if self.date_from:
            out.append(("from", self.date_from))
        if self.date_to:
            out.append(("to", self.date_to))
        return out

    def toggled(self, name: str, value: str) -> list[tuple[str, str]]:
        """Query-string pairs with one facet value switched on or off (page reset)."""
        current = self.category if name == "category" else self.facets.get(name, ())
        chosen = tuple(v for v in current if v != value) if value in current else (*current, value)
        pairs = [(k, v) for k, v in self.params() if k != name]
        return pairs + [(name, v) for v in chosen]

    def is_selected(self, name: str, value: str) -> bool:
        current = self.category if name == "category" else self.facets.get(name, ())
        return value in current


def _parse_day(text: str, *, end: bool) -> str | None:
    """Accept YYYY, YYYY-MM or YYYY-MM-DD; return the first (or last) day as YYYY-MM-DD."""
    text = text.strip()
    try:
        if len(text) == 4:
            year = int(text)
            return date(year, 12, 31).isoformat() if end else date(year, 1, 1).isoformat()
        if len(text) == 7:
            first = date(int(text[:4]), int(text[5:7]), 1)
            if not end:
                return first.isoformat()
            following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
            return (following - timedelta(days=1)).isoformat()
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
    except ValueError:
        return None
    return None


def where_clause(filters: Filters) -> tuple[str, list[Any]]:
    """SQL condition over `item_facets AS f` for these filters, and its parameters."""
    conditions: list[str] = []
    params: list[Any] = []
    query = filters.query
    match = query.match_expression()
    if match is not None:
        conditions.append("f.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(match)
    elif query.exclude:
        conditions.append("f.id NOT IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
        params.append(query.exclude_expression())
    for name, values in filters.facets.items():
        column = "f." + FACETS[name][0]
        real = [v for v in values if v != NONE_VALUE]
        parts = []
        if real:
            parts.append(f"{column} IN ({', '.join('?' * len(real))})")
            params.extend(real)
        if NONE_VALUE in values:
            parts.append(f"{column} IS NULL")
        conditions.append("(" + " OR ".join(parts) + ")")
    if filters.category:
        conditions.append(
            "f.id IN (SELECT item_id FROM item_categories WHERE category IN "
            f"({', '.join('?' * len(filters.category))}))"
        )
        params.extend(filters.category)
    if filters.date_from:
        conditions.append("f.date_utc >= ?")
        params.append(filters.date_from)
    if filters.date_to:
        conditions.append("f.date_utc < ?")
        params.append((date.fromisoformat(filters.date_to) + timedelta(days=1)).isoformat())
    return (" AND ".join(conditions) or ""), params


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    selected: bool = False


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: list[FacetValue]


@dataclass
class SearchPage:
    """One page of results with the facet counts of the whole result set."""

    filters: Filters
    rows: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    facets: list[Facet]

    @property
    def pages(self) -> int:
        return min(MAX_PAGE, max(1, -(-self.total // self.per_page)))


def search(
    conn: sqlite3.Connection,
    filters: Filters,
    page: int = 1,
    per_page: int = PER_PAGE,
    *,
    with_facets: bool = True,
) -> SearchPage:
    """Items matching the filters, newest first, with facet counts."""
    page = max(1, min(page, MAX_PAGE))
    per_page = max(1, min(per_page, 500))
    where, params = where_clause(filters)
    if where:
        total = conn.execute(
            f"SELECT COUNT(*) FROM item_facets f WHERE {where}", params
        ).fetchone()[0]  # noqa: S608
    else:
        total = conn.execute("SELECT COUNT(*) FROM item_facets").fetchone()[0]
    rows = [
        dict(r)
        for r in conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM (SELECT f.id, f.date_utc FROM item_facets f "  # noqa: S608
            f"{'WHERE ' + where if where else ''} ORDER BY f.date_utc DESC, f.id DESC "
            "LIMIT ? OFFSET ?) AS hit JOIN items ON items.id = hit.id "
            "ORDER BY hit.date_utc DESC, hit.id DESC",
            [*params, per_page, (page - 1) * per_page],
        )
    ]
    decided = latest_decisions_for(conn, [r["sha256"] for r in rows])
    for row in rows:
        row["decision"] = decided.get(row["sha256"])
    facets: list[Facet] = []
    if with_facets and total:
        facets = facet_counts(conn, filters, where, params) if where else _all_counts(conn)
    return SearchPage(filters, rows, int(total), page, per_page, facets)


def _all_counts(conn: sqlite3.Connection) -> list[Facet]:
    """Facets of the whole case, from the running totals."""
    empty = Filters()
    facets = []
    for name, (_column, label, counted) in FACETS.items():
        group = "verdict" if name == "verdict" else "value"
        rows = conn.execute(
            f"SELECT CASE WHEN {group} = '' THEN ? ELSE {group} END AS v, SUM(n) AS n "  # noqa: S608
            "FROM item_counts WHERE facet = ? GROUP BY v HAVING SUM(n) > 0 "
            "ORDER BY n DESC, v LIMIT ?",
            (NONE_VALUE, counted, FACET_LIMIT),
        ).fetchall()
        facets.append(Facet(name, label, _values(empty, name, rows)))
    rows = conn.execute(
        "SELECT value AS v, n FROM item_counts WHERE facet = 'category' AND n > 0 "
        "ORDER BY n DESC, v LIMIT ?",
        (FACET_LIMIT,),
    ).fetchall()
    facets.append(Facet("category", EXTRA_FACETS["category"], _values(empty, "category", rows)))
    rows = conn.execute(
        "SELECT substr(value, 1, 7) AS v, SUM(n) AS n FROM item_counts WHERE facet = 'day' "
        "AND value != '' GROUP BY v HAVING SUM(n) > 0 ORDER BY v"
    ).fetchall()
    facets.append(Facet("month", EXTRA_FACETS["month"], [FacetValue(r["v"], r["n"]) for r in rows]))
    return facets


def facet_counts(
    conn: sqlite3.Connection, filters: Filters, where: str, params: list[Any]
) -> list[Facet]:
    """Counts per facet value over the filtered items (top values first).

    The matching rows of the narrow facet table are materialised once; every facet is then
    a GROUP BY over that small set, in one statement.
    """
    parts = [
        f"SELECT {n} AS facet, COALESCE({column}, ?) AS v, COUNT(*) AS n FROM hits GROUP BY v"
        for n, (name, (column, _label, _c)) in enumerate(FACETS.items())
    ]
    parts.append(
        f"SELECT {len(FACETS)} AS facet, substr(day, 1, 7) AS v, COUNT(*) AS n "
        "FROM hits WHERE day IS NOT NULL GROUP BY v"
    )
    parts.append(
        f"SELECT {len(FACETS) + 1} AS facet, c.category AS v, COUNT(*) AS n "
        "FROM hits JOIN item_categories c ON c.item_id = hits.id GROUP BY v"
    )
    sql = (
        f"WITH hits AS MATERIALIZED (SELECT f.* FROM item_facets f WHERE {where}) "  # noqa: S608
        + " UNION ALL ".join(parts)
    )
    grouped: dict[int, list[tuple[str, int]]] = {}
    for facet, value, n in conn.execute(sql, [*params, *([NONE_VALUE] * len(FACETS))]):
        grouped.setdefault(facet, []).append((value, n))
    facets: list[Facet] = []
    for n, (name, (_column, label, _c)) in enumerate(FACETS.items()):
        top = sorted(grouped.get(n, []), key=lambda x: (-x[1], x[0]))[:FACET_LIMIT]
        facets.append(Facet(name, label, _values(filters, name, top)))
    top = sorted(grouped.get(len(FACETS) + 1, []), key=lambda x: (-x[1], x[0]))[:FACET_LIMIT]
    facets.append(Facet("category", EXTRA_FACETS["category"], _values(filters, "category", top)))
    months = sorted(grouped.get(len(FACETS), []))
    facets.append(Facet("month", EXTRA_FACETS["month"], [FacetValue(v, c) for v, c in months]))
    return facets


def _values(
    filters: Filters, name: str, counted: list[sqlite3.Row] | list[tuple[str, int]]
) -> list[FacetValue]:
    out = [FacetValue(r[0], r[1], filters.is_selected(name, r[0])) for r in counted]
    # A selected value stays visible (so it can be switched off) even outside the top values.
    shown = {v.value for v in out}
    current = filters.category if name == "category" else filters.facets.get(name, ())
    out.extend(FacetValue(v, 0, True) for v in current if v not in shown)
    return out


# -- dashboard ------------------------------------------------------------------------------
SEVERITY_ORDER = ("high", "medium", "low")


@dataclass
class Dashboard:
    """The numbers of the dashboard page."""

    items: int
    verdicts: dict[str, int]
    levels: dict[str, int]
    kinds: dict[str, int]
    timeline: list[tuple[str, dict[str, int]]]  # (day, {verdict: emails}) by day
    top_senders: list[tuple[str, int]]
    top_domains: list[tuple[str, int]]
    serious_findings: list[dict[str, Any]]
    decisions: dict[str, int]


def dashboard(conn: sqlite3.Connection, *, top: int = 10, findings: int = 25) -> Dashboard:
    """Counts for the dashboard, from the running totals of `item_counts` (no scan of items)."""
    verdicts: dict[str, int] = {}
    kinds: dict[str, int] = {}
    for kind, verdict, n in conn.execute(
        "SELECT value, verdict, n FROM item_counts WHERE facet = 'kind' AND n > 0"
    ):
        verdicts[verdict] = verdicts.get(verdict, 0) + n
        kinds[kind] = kinds.get(kind, 0) + n
    verdicts = dict(sorted(verdicts.items(), key=lambda x: -x[1]))
    raw_levels = {
        (k or NONE_VALUE): n
        for k, n in conn.execute(
            "SELECT value, SUM(n) FROM item_counts WHERE facet = 'level' GROUP BY value "
            "HAVING SUM(n) > 0"
        )
    }
    levels = {k: raw_levels[k] for k in (*LEVELS, NONE_VALUE) if k in raw_levels} | raw_levels
    days: dict[str, dict[str, int]] = {}
    for day, verdict, n in conn.execute(
        "SELECT value, verdict, n FROM item_counts WHERE facet = 'email-day' AND value != '' "
        "AND n > 0"
    ):
        days.setdefault(day, {})[verdict] = n

    def top_of(facet: str) -> list[tuple[str, int]]:
        return [
            (r[0], r[1])
            for r in conn.execute(
                "SELECT value, SUM(n) AS total FROM item_counts WHERE facet = ? AND value != '' "
                "GROUP BY value HAVING total > 0 ORDER BY total DESC, value LIMIT ?",
                (facet, top),
            )
        ]

    serious: list[dict[str, Any]] = []
    for severity in SEVERITY_ORDER:
        if len(serious) >= findings:
            break
        serious.extend(
            dict(r)
            for r in conn.execute(
                "SELECT f.code, f.severity, f.detail, f.related_path, i.sha256, i.path, i.verdict, "
                "i.subject, i.filename FROM findings f JOIN items i ON i.id = f.item_id "
                "WHERE f.severity = ? ORDER BY f.id LIMIT ?",
                (severity, findings - len(serious)),
            )
        )
    decisions = dict(
        conn.execute(
            "SELECT decision, COUNT(*) FROM decisions d WHERE d.id = "
            "(SELECT MAX(id) FROM decisions WHERE sha256 = d.sha256) GROUP BY decision"
        ).fetchall()
    )
    return Dashboard(
        items=sum(verdicts.values()),
        verdicts=verdicts,
        levels=levels,
        kinds=kinds,
        timeline=sorted(days.items()),
        top_senders=top_of("sender"),
        top_domains=top_of("domain"),
        serious_findings=serious,
        decisions=decisions,
    )
