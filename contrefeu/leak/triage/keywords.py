"""Content categories: the keyword and phrase rules of `rules/keywords.toml`, found at the word
starts that the anchor pass proposes, and in subjects and file names (`context_hits`).

A keyword matches at a word start, case- and accent-insensitively, whole words only, longest
phrase first, left to right without overlaps. Not for deciding severities (`levels.py`).
"""

from __future__ import annotations

import re

from .anchors import Scan, scan_text
from .levels import KeywordHit
from .ruleset import TriageRules
from .spans import MAX_PER_FAMILY


def keyword_category(rules: TriageRules, matched: str) -> tuple[str, str] | None:
    """(normalised keyword, category) of a keyword regex match, or None."""
    key = " ".join(matched.split())
    category = rules.keyword_category.get(key)
    if category is None:
        category = next((c for stem, c in rules.keyword_stems if key.startswith(stem)), None)
    return (key, category) if category else None


def _proved(folded: str, end: int, spaced: str, joined: str) -> bool:
    """Whether a one-word keyword ending at `end` (before a non-word character) is the whole
    match: no contraction follows ("don't"), and no longer phrase can go on from there."""
    if end >= len(folded):
        return True
    ch = folded[end]
    if ch == "'" or ch in joined:
        return False
    if spaced and ch.isspace():
        nxt = end + 1
        while nxt < len(folded) and folded[nxt].isspace():
            nxt += 1
        return nxt >= len(folded) or folded[nxt] not in spaced
    return True


def keyword_hits(scan: Scan, rules: TriageRules) -> list[KeywordHit]:
    """Every keyword hit of the text, in order. A candidate whose anchor proves it (see
    `ruleset._keyword_anchors`) is taken as is; the others are confirmed by the keyword
    regex at that offset."""
    folded = scan.folded
    pattern = rules.keyword_re
    categories = rules.keyword_category
    seen: dict[str, tuple[str, str] | None] = {}
    hits: list[KeywordHit] = []
    end = -1
    for start, payload in scan.keywords:
        if start < end:
            continue
        if payload is not None:
            word, alone, spaced, joined = payload
            stop = start + len(word)
            # Inline for the common case (a space or punctuation after a word no phrase
            # continues); `_proved` otherwise.
            ch = folded[stop : stop + 1]
            if (ch == " " and not spaced) or _proved(folded, stop, spaced, joined):
                if alone:  # else only phrases start with this word, and none goes on here
                    end = stop
                    hits.append((start, stop, word, categories[word]))
                continue
        m = pattern.match(folded, start)
        if m is None:
            continue
        end = m.end()
        word = m.group()
        if word not in seen:
            seen[word] = keyword_category(rules, word)
        hit = seen[word]
        if hit:
            hits.append((start, end, hit[0], hit[1]))
            if len(hits) >= MAX_PER_FAMILY:
                break
    return hits


def context_hits(rules: TriageRules, *texts: str | None) -> dict[str, set[str]]:
    """Keywords of each content category in a subject or file name (no spans: they are not in
    the text). Separators of file names count as spaces."""
    hits: dict[str, set[str]] = {}
    for raw in texts:
        if not raw:
            continue
        scan = scan_text(re.sub(r"[_\-.+]+", " ", raw[:2000]), rules.anchors())
        for _, _, key, category in keyword_hits(scan, rules):
            hits.setdefault(category, set()).add(key)
    return hits
