"""From detector finds to the item's `Triage`: overlap resolution, escalation (content
categories, lists of people), the cap on keyword spans, and the level. The thresholds are in
`rules/levels.toml`; the reasoning is in docs/triage.md."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from .ruleset import TriageRules
from .spans import FIND_RANK, PREVIEW_CHARS, RANK, Find, Secret, Span, Triage, preview

# A keyword hit before it becomes a span: (start, end, key, category).
KeywordHit = tuple[int, int, str, str]


class Collector:
    """Builds `Find`s with the category and severity the rules give each kind."""

    def __init__(self, rules: TriageRules) -> None:
        self.rules = rules
        self.finds: list[Find] = []

    def add(
        self,
        start: int,
        end: int,
        kind: str,
        shown: str,
        *,
        value: str | None = None,
        severity: str | None = None,
        counted: bool = True,
        secret: Secret | None = None,
    ) -> None:
        family = kind.split(":", 1)[0]
        category, base = self.rules.kinds.get(family, ("personal-data", "low"))
        self.finds.append(
            Find(start, end, kind, category, severity or base, preview(shown), FIND_RANK[family],
                 counted, shown if value is None else value, secret)
        )  # fmt: skip


def _resolve_overlaps(finds: list[Find]) -> list[Find]:
    """Keep the highest-priority find where finds overlap (interval list, O(n log n))."""
    starts: list[int] = []
    ends: list[int] = []
    kept: list[Find] = []
    for f in sorted(finds, key=lambda f: (f.rank, f.start, -f.end)):
        if f.end <= f.start:
            continue
        i = bisect_left(starts, f.start)
        if (i > 0 and ends[i - 1] > f.start) or (i < len(starts) and starts[i] < f.end):
            continue
        starts.insert(i, f.start)
        ends.insert(i, f.end)
        kept.append(f)
    return kept


def _free_keywords(hits: list[KeywordHit], kept: list[Find]) -> list[KeywordHit]:
    """The keyword hits that overlap no kept find. Keywords rank last and never overlap one
    another (they come from one left-to-right pass), so this is what a joint resolution
    would keep. Kept finds are few: each removes the hits it overlaps."""
    if not kept or not hits:
        return hits
    starts = [h[0] for h in hits]
    ends = [h[1] for h in hits]
    taken: set[int] = set()
    for f in kept:
        # Hits are sorted and disjoint, so their ends are sorted too.
        i = bisect_right(ends, f.start)  # first hit ending after the find starts
        while i < len(hits) and starts[i] < f.end:
            taken.add(i)
            i += 1
    return [h for i, h in enumerate(hits) if i not in taken] if taken else hits


def assemble(
    text: str,
    finds: list[Find],
    keyword_hits: list[KeywordHit],
    context: dict[str, set[str]],
    rules: TriageRules,
) -> Triage:
    """The item's triage from every find and keyword hit, and the subject/file-name keywords
    (`context`)."""
    kept = _resolve_overlaps(finds)
    hits = _free_keywords(keyword_hits, kept)
    content = rules.content_categories

    # A content category with enough distinct hits (in the text, subject and file name)
    # raises its low spans to medium.
    distinct: dict[str, set[str]] = {c: set(v) for c, v in context.items()}
    for f in kept:
        if f.severity == "low" and f.category in content:
            distinct.setdefault(f.category, set()).add(f"{f.kind}:{f.value}")
    for category, key in {(h[3], h[2]) for h in hits}:
        distinct.setdefault(category, set()).add(f"keyword:{category}:{key}")
    for f in kept:
        if (
            f.severity == "low"
            and f.category in content
            and len(distinct[f.category]) >= rules.category_medium
        ):
            f.severity = "medium"
    keyword_severity = {
        c: "medium" if len(v) >= rules.category_medium and c in content else "low"
        for c, v in distinct.items()
    }

    # Many distinct personal-data values make the item a list of people.
    people = [f for f in kept if f.category == "personal-data" and f.counted]
    values = {(f.kind, f.value) for f in people}
    values.update(("keyword:personal-data", h[2]) for h in hits if h[3] == "personal-data")
    count = len(values)
    floor = (
        "high" if count >= rules.personal_data_high
        else "medium" if count >= rules.personal_data_medium
        else "low"
    )  # fmt: skip
    for f in people:
        if RANK[f.severity] < RANK[floor]:
            f.severity = floor
    if "personal-data" in keyword_severity and RANK[keyword_severity["personal-data"]] < RANK[floor]:
        keyword_severity["personal-data"] = floor

    spans = [_span(f.start, f.end, f.kind, f.category, f.severity, f.preview) for f in kept]
    spans += _keyword_spans(text, hits, keyword_severity, rules.keyword_spans_per_category)
    spans.sort(key=lambda s: (s.start, s.end, s.kind))
    secrets: list[Secret] = [f.secret for f in sorted(kept, key=lambda f: (f.start, f.end, f.kind))
                             if f.secret is not None]  # fmt: skip
    categories = sorted({s.category for s in spans} | set(context))
    if spans:
        level = max((s.severity for s in spans), key=RANK.__getitem__)
    else:
        level = "low" if context else "none"
    return Triage(level=level, categories=categories, spans=spans, secrets=secrets)


def _span(
    start: int, end: int, kind: str, category: str, severity: str, shown: str
) -> Span:
    """`Span(...)` without the frozen dataclass `__init__` (one `object.__setattr__` per
    field, twice the cost of the rest of a keyword hit); the same object in every respect."""
    span = object.__new__(Span)
    span.__dict__.update(
        start=start, end=end, kind=kind, category=category, severity=severity,
        value_preview=shown,
    )  # fmt: skip
    return span


def _keyword_spans(
    text: str, hits: list[KeywordHit], severity: dict[str, str], cap: int
) -> list[Span]:
    """Spans of the first `cap` keyword hits of each category (every hit has counted)."""
    kept: dict[str, int] = {}
    spans = []
    for start, end, _, category in hits:
        n = kept.get(category, 0)
        if n >= cap:
            continue
        kept[category] = n + 1
        shown = text[start:end]
        if len(shown) > PREVIEW_CHARS or not shown.isprintable():
            shown = preview(shown)
        spans.append(_span(start, end, "keyword:" + category, category, severity[category], shown))
    return spans
