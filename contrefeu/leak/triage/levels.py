"""From detector finds to the item's `Triage`: overlap resolution, escalation (content
categories, lists of people), the cap on keyword spans, and the level. The thresholds are in
`rules/levels.toml`; the reasoning is in docs/triage.md."""

from __future__ import annotations

from bisect import bisect_left
from operator import attrgetter

from .ruleset import TriageRules
from .spans import FIND_RANK, PREVIEW_CHARS, RANK, Find, Secret, Span, Triage, preview

# A keyword hit before it becomes a span: (start, end, key, category).
KeywordHit = tuple[int, int, str, str]


class Collector:
    """Builds `Find`s with the category and severity the rules give each kind."""

    def __init__(self, rules: TriageRules) -> None:
        self.rules = rules
        self.finds: list[Find] = []
        self._kinds: dict[str, tuple[str, str, int]] = {}  # kind -> category, severity, rank

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
        info = self._kinds.get(kind)
        if info is None:
            family = kind.split(":", 1)[0]
            category, base = self.rules.kinds.get(family, ("personal-data", "low"))
            info = self._kinds[kind] = (category, base, FIND_RANK[family])
        self.finds.append(
            Find(start, end, kind, info[0], severity or info[1], preview(shown), info[2],
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


def _kept_keywords(
    hits: list[KeywordHit], kept: list[Find], cap: int
) -> tuple[set[tuple[str, str]], list[KeywordHit]]:
    """One pass over the keyword hits: the distinct (category, keyword) pairs of the hits that
    overlap no kept find, and the first `cap` such hits of each category (the spans).

    Keywords rank last and never overlap one another (they come from one left-to-right
    pass), so dropping those that overlap a kept find is what a joint resolution would do."""
    intervals = sorted((f.start, f.end) for f in kept)
    blocked = len(intervals)
    j = 0
    pairs: set[tuple[str, str]] = set()
    shown: dict[str, int] = {}
    capped: list[KeywordHit] = []
    for hit in hits:
        start, end, key, category = hit
        if j < blocked:
            while j < blocked and intervals[j][1] <= start:
                j += 1
            if j < blocked and intervals[j][0] < end:
                continue
        pairs.add((category, key))
        n = shown.get(category, 0)
        if n < cap:
            shown[category] = n + 1
            capped.append(hit)
    return pairs, capped


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
    pairs, capped = _kept_keywords(keyword_hits, kept, rules.keyword_spans_per_category)
    content = rules.content_categories

    # A content category with enough distinct hits (in the text, subject and file name)
    # raises its low spans to medium.
    distinct: dict[str, set[str]] = {c: set(v) for c, v in context.items()}
    for f in kept:
        if f.severity == "low" and f.category in content:
            distinct.setdefault(f.category, set()).add(f"{f.kind}:{f.value}")
    for category, key in pairs:
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
    values.update(("keyword:personal-data", key) for c, key in pairs if c == "personal-data")
    count = len(values)
    floor = (
        "high" if count >= rules.personal_data_high
        else "medium" if count >= rules.personal_data_medium
        else "low"
    )  # fmt: skip
    for f in people:
        if RANK[f.severity] < RANK[floor]:
            f.severity = floor
    if (
        "personal-data" in keyword_severity
        and RANK[keyword_severity["personal-data"]] < RANK[floor]
    ):
        keyword_severity["personal-data"] = floor

    spans = [_span(f.start, f.end, f.kind, f.category, f.severity, f.preview) for f in kept]
    spans += _keyword_spans(text, capped, keyword_severity)
    spans.sort(key=attrgetter("start"))  # spans are disjoint: starts are distinct
    secrets: list[Secret] = [f.secret for f in sorted(kept, key=lambda f: (f.start, f.end, f.kind))
                             if f.secret is not None]  # fmt: skip
    if secrets:
        spans = _mask_secret_values(text, spans, secrets)
    categories = sorted({s.category for s in spans} | set(context))
    if spans:
        level = max((s.severity for s in spans), key=RANK.__getitem__)
    else:
        level = "low" if context else "none"
    return Triage(level=level, categories=categories, spans=spans, secrets=secrets)


def _mask_secret_values(text: str, spans: list[Span], secrets: list[Secret]) -> list[Span]:
    """No preview shows a secret's value, even one another span ran into (an address glued
    to an API key, a phrase around a password): it is replaced by the secret's own masked
    preview wherever it appears."""
    masked = {(s.start, s.end): s.value_preview for s in spans}
    values = {
        text[s.start : s.end]: masked.get((s.start, s.end), preview(text[s.start : s.end]))
        for s in secrets
    }
    own = {(s.start, s.end) for s in secrets}
    out = []
    for span in spans:
        shown = span.value_preview
        if (span.start, span.end) not in own and any(v in shown for v in values if v):
            for value, mask in values.items():
                if value:
                    shown = shown.replace(value, mask)
            span = _span(span.start, span.end, span.kind, span.category, span.severity, shown)
        out.append(span)
    return out


def _span(start: int, end: int, kind: str, category: str, severity: str, shown: str) -> Span:
    """`Span(...)` without the frozen dataclass `__init__` (one `object.__setattr__` per
    field, twice the cost of the rest of a keyword hit); the same object in every respect."""
    span = object.__new__(Span)
    span.__dict__.update(
        start=start, end=end, kind=kind, category=category, severity=severity,
        value_preview=shown,
    )  # fmt: skip
    return span


def _keyword_spans(text: str, hits: list[KeywordHit], severity: dict[str, str]) -> list[Span]:
    spans = []
    for start, end, _, category in hits:
        shown = text[start:end]
        if len(shown) > PREVIEW_CHARS or not shown.isprintable():
            shown = preview(shown)
        spans.append(_span(start, end, "keyword:" + category, category, severity[category], shown))
    return spans
